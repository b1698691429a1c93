"""The Twilio Messaging REST subset the SMS adapter calls, on Twilio's paths and in Twilio's JSON
shapes, so the real `twilio` SDK runs against it.

API (under `/2010-04-01/Accounts/{AccountSid}`, HTTP basic auth with the account SID and auth token,
else 401 code 20003): POST `/Messages.json` (form fields To, From, Body, optional StatusCallback,
which is recorded, never called) answers 201 with the Message; GET `/Messages.json` (To, From,
DateSent, `DateSent<`, `DateSent>`, PageSize, Page) answers a page (`messages`, `page`, `page_size`,
`uri`, `first_page_uri`, `next_page_uri`, ...); GET `/Messages/{Sid}.json`. Errors are
`{"code", "message", "more_info", "status"}`.

Admin (for tests and the call report): GET `/__admin/health`; GET `/__admin/messages` (every message
sent, oldest first, with its status callback); POST `/__admin/fail-next` `{"status": 503, "count": 2}`
(the next sends fail with that status; `"code"` sets Twilio's error code, `"scope": "all"` fails any
API request); POST `/__admin/opt-out` `{"number": "+1..."}` (sends to it fail with 21610, as after
the recipient replied STOP); POST `/__admin/queue` `{"hold": true}` (the messages created from now
on stay `queued`, with no `date_sent`, as behind a backed-up sender queue; `{"hold": false}` sends
them); POST `/__admin/reset`.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from typing import Any
from urllib.parse import parse_qs, urlencode

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from callbot.post_call.settings import DEV_TWILIO_ACCOUNT_SID
from callbot.settings import DEV_TWILIO_AUTH_TOKEN
from devtools.fake_twilio.store import API_VERSION, MessageStore, TwilioError

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000
_FILTERS = ("To", "From", "DateSent", "DateSent<", "DateSent>")


def create_app(account_sid: str = DEV_TWILIO_ACCOUNT_SID, auth_token: str = DEV_TWILIO_AUTH_TOKEN) -> FastAPI:
    """A fresh fake Twilio for one account; its store is `app.state.store`."""
    app = FastAPI(title="fake Twilio Messaging")
    store = MessageStore(account_sid)
    app.state.store = store
    messages_path = f"/{API_VERSION}/Accounts/{{account}}/Messages"

    def authorize(request: Request, account: str) -> None:
        user, token = _basic_auth(request)
        if not (hmac.compare_digest(user, account_sid) and hmac.compare_digest(token, auth_token)):
            raise TwilioError(401, 20003, "Authenticate")
        if account != account_sid:
            raise TwilioError(404, 20404, f"The requested resource {request.url.path} was not found")

    @app.exception_handler(TwilioError)
    async def twilio_error(_: Request, error: TwilioError) -> JSONResponse:
        return JSONResponse(error.body(), status_code=error.status)

    @app.post(f"{messages_path}.json", status_code=201)
    async def send(account: str, request: Request) -> dict[str, Any]:
        authorize(request, account)
        failure = store.take_failure(is_send=True)
        if failure is not None:
            raise failure
        form = parse_qs((await request.body()).decode(), keep_blank_values=True)
        return store.create({key: values[0] for key, values in form.items()})

    @app.get(f"{messages_path}.json")
    def list_messages(account: str, request: Request) -> dict[str, Any]:
        authorize(request, account)
        failure = store.take_failure(is_send=False)
        if failure is not None:
            raise failure
        query = request.query_params
        filters = {key: query[key] for key in _FILTERS if query.get(key)}
        size, number = _page_params(query.get("PageSize"), query.get("Page"))
        found = store.find(filters)
        page = found[number * size:(number + 1) * size]
        base = request.url.path

        def uri(page_number: int, token: str = "") -> str:
            params = {**filters, "PageSize": size, "Page": page_number, **({"PageToken": token} if token else {})}
            return f"{base}?{urlencode(params)}"

        more = (number + 1) * size < len(found)
        return {"messages": page, "page": number, "page_size": size, "start": number * size,
                "end": number * size + max(len(page) - 1, 0), "uri": uri(number), "first_page_uri": uri(0),
                "previous_page_uri": uri(number - 1, f"PB{page[0]['sid']}") if number and page else None,
                "next_page_uri": uri(number + 1, f"PA{page[-1]['sid']}") if more else None}

    @app.get(f"{messages_path}/{{sid}}.json")
    def fetch(account: str, sid: str, request: Request) -> dict[str, Any]:
        authorize(request, account)
        return store.get(sid)

    @app.get("/__admin/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/__admin/messages")
    def all_messages() -> dict[str, Any]:
        return {"messages": store.all_messages()}

    @app.post("/__admin/fail-next")
    async def fail_next(request: Request) -> dict[str, Any]:
        body = await request.json()
        code = body.get("code")
        queued = store.queue_failures(int(body.get("status", 503)), int(body.get("count", 1)),
                                      int(code) if code else None, body.get("scope", "sends") != "all")
        return {"queued": queued}

    @app.post("/__admin/opt-out")
    async def opt_out(request: Request) -> dict[str, str]:
        store.opt_out(str((await request.json())["number"]))
        return {"status": "ok"}

    @app.post("/__admin/queue")
    async def queue(request: Request) -> dict[str, int]:
        return {"queued": store.hold_queue(bool((await request.json())["hold"]))}

    @app.post("/__admin/reset")
    def reset() -> dict[str, str]:
        store.reset()
        return {"status": "ok"}

    return app


def _basic_auth(request: Request) -> tuple[str, str]:
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return "", ""
    try:
        user, _, password = base64.b64decode(encoded).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return "", ""
    return user, password


def _page_params(size: str | None, number: str | None) -> tuple[int, int]:
    try:
        page_size, page = int(size or DEFAULT_PAGE_SIZE), int(number or 0)
    except ValueError as exc:
        raise TwilioError(400, 20001, "Invalid paging parameter") from exc
    if not 1 <= page_size <= MAX_PAGE_SIZE or page < 0:
        raise TwilioError(400, 20001, "Invalid paging parameter")
    return page_size, page
