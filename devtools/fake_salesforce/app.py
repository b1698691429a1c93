"""The fake org's HTTP API: the REST resources the callbot uses, the token endpoint, and admin hooks.

Every `/services/data/` request needs `Authorization: Bearer <token>` from the token endpoint and
answers 401 `INVALID_SESSION_ID` otherwise. The `/__admin/*` endpoints are for tests and the local
stack: expire every session, inject the next failures (errors, slow answers, an outage) and clear
them, list an object's records, load a seed.
"""

from __future__ import annotations

import asyncio
import json
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote_plus

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from devtools.fake_salesforce.oauth import OAuthError, Sessions, grant
from devtools.fake_salesforce.query import attributes, run
from devtools.fake_salesforce.schema import ApiError, sobject
from devtools.fake_salesforce.store import Store

DATA = "/services/data/v{version}"
_DEFAULT_CODES = {403: "REQUEST_LIMIT_EXCEEDED", 500: "UNKNOWN_EXCEPTION", 503: "SERVER_UNAVAILABLE"}
_DEFAULT_STATUS = {"REQUEST_LIMIT_EXCEEDED": 403, "INVALID_SESSION_ID": 401, "SERVER_UNAVAILABLE": 503}


@dataclass
class Failure:
    """A queued fault: answer `error` (or, without one, the real answer) after `delay_s`, for the
    next `remaining` requests (None: every one until cleared) whose URL contains `match`."""

    error: ApiError | None
    delay_s: float = 0.0
    match: str = ""
    remaining: int | None = 1


@dataclass
class FakeOrg:
    """The state behind one app: records, sessions, and failures waiting to be served."""

    store: Store
    sandbox: bool = False  # which login server a JWT assertion must name as its audience
    sessions: Sessions = field(default_factory=Sessions)
    failures: list[Failure] = field(default_factory=list)
    served: list[dict[str, Any]] = field(default_factory=list)  # the failures served, oldest first
    # every API request answered, oldest first: url, status, injected (a failure or delay of ours)
    answered: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_failure(self, url: str) -> Failure | None:
        """The first queued failure that applies to a request for `url`, used up by one."""
        with self.lock:
            for failure in self.failures:
                if failure.match in url:
                    if failure.remaining is not None:
                        failure.remaining -= 1
                        if failure.remaining <= 0:
                            self.failures.remove(failure)
                    status, code = (failure.error.status, failure.error.body[0]["errorCode"]) if failure.error \
                        else (200, None)  # a slow but correct answer
                    self.served.append({"url": url, "status": status, "errorCode": code, "delay_s": failure.delay_s})
                    return failure
            return None

    def clear_failures(self, match: str) -> int:
        with self.lock:
            kept = [f for f in self.failures if match not in f.match]
            cleared, self.failures = len(self.failures) - len(kept), kept
            return cleared


def create_app(seed: dict | None = None, sandbox: bool = False) -> FastAPI:
    """A fresh org (a production org, or a sandbox) loaded with `seed` (users, Account, Contact, Lead,
    Event); `app.state.org` is its state."""
    app = FastAPI(title="fake Salesforce", docs_url=None, redoc_url=None)
    org = app.state.org = FakeOrg(Store(seed), sandbox=sandbox)

    @app.exception_handler(ApiError)
    async def api_error(_: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(exc.body, status_code=exc.status)

    def session_user(request: Request) -> str | None:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        return org.sessions.user(token) if scheme.lower() in ("bearer", "oauth") else None

    @app.middleware("http")
    async def inject_failures(request: Request, call_next):
        """An injected failure is served to API requests with a valid session (an invalid one is
        answered by the endpoint), matched on the URL with its query decoded."""
        if not request.url.path.startswith("/services/data/"):
            return await call_next(request)
        url = unquote_plus(f"{request.url.path}?{request.url.query}")
        failure = org.next_failure(url) if session_user(request) is not None else None
        if failure is not None:
            await asyncio.sleep(failure.delay_s)
        response = JSONResponse(failure.error.body, status_code=failure.error.status) \
            if failure is not None and failure.error is not None else await call_next(request)
        with org.lock:
            org.answered.append({"url": url, "status": response.status_code, "injected": failure is not None})
        return response

    def user_of(request: Request) -> str:
        """The session's user, or 401 INVALID_SESSION_ID."""
        user_id = session_user(request)
        if user_id is None:
            raise ApiError(401, "INVALID_SESSION_ID", "Session expired or invalid")
        return user_id

    async def body_of(request: Request) -> dict[str, Any]:
        try:
            body = json.loads(await request.body() or b"{}")
        except ValueError as exc:
            raise ApiError(400, "JSON_PARSER_ERROR", f"Unexpected character: {exc}") from exc
        if not isinstance(body, dict):
            raise ApiError(400, "JSON_PARSER_ERROR", "Can not deserialize SObject out of START_ARRAY token")
        return body

    @app.post("/services/oauth2/token")
    async def token(request: Request) -> JSONResponse:
        form = dict(parse_qsl((await request.body()).decode()))
        try:
            return JSONResponse(grant(form, org.store, org.sessions, str(request.base_url).rstrip("/"),
                                      sandbox=org.sandbox))
        except OAuthError as exc:
            return JSONResponse(exc.body, status_code=400)

    @app.get(DATA + "/query")
    @app.get(DATA + "/query/")
    def query(request: Request, version: str, q: str = "") -> dict[str, Any]:
        user_of(request)
        return run(q, org.store, version)

    @app.post(DATA + "/sobjects/{name}")
    @app.post(DATA + "/sobjects/{name}/")
    async def create(request: Request, version: str, name: str) -> JSONResponse:
        user_id = user_of(request)
        record_id = org.store.create(name, await body_of(request), user_id)
        return JSONResponse({"id": record_id, "success": True, "errors": []}, status_code=201)

    @app.get(DATA + "/sobjects/{name}/{record_id}")
    def read(request: Request, version: str, name: str, record_id: str, fields: str = "") -> dict[str, Any]:
        user_of(request)
        record = org.store.get(name, record_id)
        if fields:
            obj = sobject(name)
            wanted = [obj.canonical(f.strip()) or f.strip() for f in fields.split(",")]
            record = {f: record.get(f) for f in ["Id", *wanted]}
        return {"attributes": attributes(sobject(name).name, record_id, version), **record}

    @app.patch(DATA + "/sobjects/{name}/{record_id}")
    async def update(request: Request, version: str, name: str, record_id: str) -> Response:
        user_id = user_of(request)
        org.store.update(name, record_id, await body_of(request), user_id)
        return Response(status_code=204)

    @app.get("/__admin/health")
    def health() -> dict[str, bool]:
        return {"ok": True}

    @app.post("/__admin/expire-sessions")
    def expire_sessions() -> dict[str, int]:
        return {"expired": org.sessions.expire_all()}

    @app.post("/__admin/fail-next")
    async def fail_next(request: Request) -> dict[str, int]:
        """Queue failures for the next API requests: `{"status": 503}` or `{"errorCode":
        "REQUEST_LIMIT_EXCEEDED"}`; `count` requests (default 1, `"all"`: every one until
        `/__admin/clear-failures`); `delay_s`: answer that late (alone: a slow but correct answer,
        a timeout for a client that waits less); `match`: only requests whose URL contains it, e.g.
        a call id in a SOQL query, so that other calls are not affected."""
        spec = await body_of(request)
        error = None
        if "status" in spec or "errorCode" in spec or not spec.get("delay_s"):
            code = spec.get("errorCode") or _DEFAULT_CODES.get(int(spec.get("status", 503)), "UNKNOWN_EXCEPTION")
            status = int(spec.get("status") or _DEFAULT_STATUS.get(code, 400))
            message = spec.get("message") or {"REQUEST_LIMIT_EXCEEDED": "TotalRequests Limit exceeded."}.get(
                code, "An unexpected error occurred. Please try again.")
            error = ApiError(status, code, message, spec.get("fields"))
        count = spec.get("count", 1)
        with org.lock:
            org.failures.append(Failure(error, float(spec.get("delay_s", 0)), str(spec.get("match", "")),
                                        None if count == "all" else int(count)))
            return {"queued": len(org.failures)}

    @app.post("/__admin/clear-failures")
    async def clear_failures(request: Request) -> dict[str, int]:
        """The outage is over: drop the queued failures (`{"match": ...}`: those queued with it)."""
        return {"cleared": org.clear_failures(str((await body_of(request)).get("match", "")))}

    @app.get("/__admin/failures")
    def failures() -> dict[str, Any]:
        """The failures served so far (URL, status, errorCode, delay), how many are queued, and every
        API request answered (URL, status, whether a failure or delay was injected)."""
        with org.lock:
            return {"served": list(org.served), "queued": len(org.failures), "answered": list(org.answered)}

    @app.get("/__admin/records/{name}")
    def records(name: str) -> list[dict[str, Any]]:
        return org.store.all(name)

    @app.post("/__admin/seed")
    async def load_seed(request: Request) -> dict[str, int]:
        org.store.load(await body_of(request))
        return {name: len(rows) for name, rows in org.store.records.items()}

    @app.get("/__admin/stats")
    def stats() -> dict[str, int]:
        return {"tokens_issued": org.sessions.issued, "failures_queued": len(org.failures)}

    return app
