"""The Calendar v3 REST subset the Google Calendar adapter calls, on Google's paths and in Google's
JSON shapes, so the real `googleapiclient` code runs against it.

API (under `/calendar/v3`): POST `/freeBusy`; POST and GET `/calendars/{calendarId}/events`
(insert, list with timeMin/timeMax/q/privateExtendedProperty/showDeleted); GET, PATCH and DELETE
`/calendars/{calendarId}/events/{eventId}`; POST `.../{eventId}/move?destination=`. `sendUpdates`
decides which invitations are recorded. Errors are `{"error": {"code", "message", "errors":
[{"domain", "reason"}]}}`.

Who calls: Google tells a service account acting as itself from one acting as a user (domain-wide
delegation) or a user (an OAuth token) by the access token. The fake reads who acts from the bearer
token the local credentials present (`callbot.calendar.google_credentials.LocalCredentials`):
`local-user:<email>` is a user, `local-service-account` a service account as itself; a request
with neither is refused 401 (`required`), like a request without credentials. As Google does, an
insert or patch with attendees from a service account as itself is refused 403
`forbiddenForServiceAccounts` (domain `calendar`). The fake checks nothing else about who acts
(no calendar access rights).

Admin (for tests and the call report): GET `/__admin/events` (every event, with its calendarId),
GET `/__admin/invitations`, GET `/__admin/requests` (every request received, admin ones included, with the status it was
answered with, whether that was an injected failure, and who acted: `principal`, the user's email or
"service-account"),
POST `/__admin/seed` (the seed format of `CalendarStore`), POST `/__admin/reset`, POST
`/__admin/fail-next` `{"status": 503, "count": 1}` (the next API requests fail with that status;
`"count": "all"` fails every one until POST `/__admin/clear-failures`; `"delay_s": 3` answers that
late, with the real answer when no status is given: a timeout for a client that waits less;
`"match": "..."` only requests whose URL contains it), GET `/__admin/health`.
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import FastAPI, Query, Request, Response
from fastapi.responses import JSONResponse

from devtools.fake_google_calendar.store import ApiError, CalendarStore, Failure, parse_time

_FAIL_REASONS = {429: "rateLimitExceeded", 500: "backendError", 503: "backendError"}
SERVICE_ACCOUNT = "service-account"  # the principal of a service account acting as itself
_USER_TOKEN, _SERVICE_ACCOUNT_TOKEN = "local-user:", "local-service-account"


def principal(authorization: str | None) -> str | None:
    """Who acts, from the Authorization header: a user's email, `SERVICE_ACCOUNT`, or None."""
    token = (authorization or "").removeprefix("Bearer ").strip()
    if token == _SERVICE_ACCOUNT_TOKEN:
        return SERVICE_ACCOUNT
    if token.startswith(_USER_TOKEN) and "@" in token:
        return token.removeprefix(_USER_TOKEN)
    return None


def _may_invite(request: Request, body: dict[str, Any]) -> None:
    """Google refuses attendees to a service account acting as itself (no domain-wide delegation)."""
    if body.get("attendees") and request.state.principal == SERVICE_ACCOUNT:
        raise ApiError(403, "forbiddenForServiceAccounts",
                       "Service accounts cannot invite attendees without Domain-Wide Delegation of Authority.",
                       domain="calendar")


def create_app(seed: dict[str, Any] | None = None) -> FastAPI:
    """A fresh fake calendar, seeded; its store is `app.state.store`."""
    app = FastAPI(title="fake Google Calendar v3")
    store = CalendarStore(seed)
    app.state.store = store

    @app.middleware("http")
    async def record_and_fail(request: Request, call_next):
        entry, failure = store.record(request.method, request.url.path, request.url.query)
        if failure is not None:
            await asyncio.sleep(failure.delay_s)
            if failure.status:
                error = ApiError(failure.status, _FAIL_REASONS.get(failure.status, "failNext"), "Injected failure")
                entry["status"] = failure.status
                return JSONResponse(error.body(), status_code=failure.status)
        if request.url.path.startswith("/calendar/"):
            request.state.principal = entry["principal"] = principal(request.headers.get("authorization"))
            if request.state.principal is None:
                error = ApiError(401, "required", "Request is missing required authentication credential.")
                entry["status"] = 401
                return JSONResponse(error.body(), status_code=401)
        response = await call_next(request)
        entry["status"] = response.status_code
        return response

    @app.exception_handler(ApiError)
    async def api_error(_: Request, error: ApiError) -> JSONResponse:
        return JSONResponse(error.body(), status_code=error.code)

    @app.post("/calendar/v3/freeBusy")
    async def free_busy(request: Request) -> dict[str, Any]:
        body = await request.json()
        ids = [item["id"] for item in body.get("items", [])]
        time_min, time_max = parse_time(body["timeMin"]), parse_time(body["timeMax"])
        return {"kind": "calendar#freeBusy", "timeMin": body["timeMin"], "timeMax": body["timeMax"],
                "calendars": store.free_busy(time_min, time_max, ids)}

    @app.post("/calendar/v3/calendars/{calendar_id}/events")
    async def insert(calendar_id: str, request: Request, sendUpdates: str = "none") -> dict[str, Any]:
        body = await request.json()
        _may_invite(request, body)
        return store.insert(calendar_id, body, sendUpdates)

    @app.get("/calendar/v3/calendars/{calendar_id}/events")
    def list_events(calendar_id: str, timeMin: str | None = None, timeMax: str | None = None,
                    q: str = "", privateExtendedProperty: list[str] = Query(default=[]),  # noqa: B008
                    showDeleted: bool = False) -> dict[str, Any]:
        items = store.list(calendar_id, parse_time(timeMin) if timeMin else None,
                           parse_time(timeMax) if timeMax else None, q, privateExtendedProperty, showDeleted)
        return {"kind": "calendar#events", "summary": calendar_id, "timeZone": "UTC", "items": items}

    @app.get("/calendar/v3/calendars/{calendar_id}/events/{event_id}")
    def get(calendar_id: str, event_id: str) -> dict[str, Any]:
        return store.get(calendar_id, event_id)

    @app.patch("/calendar/v3/calendars/{calendar_id}/events/{event_id}")
    async def patch(calendar_id: str, event_id: str, request: Request,
                    sendUpdates: str = "none") -> dict[str, Any]:
        body = await request.json()
        _may_invite(request, body)
        return store.patch(calendar_id, event_id, body, sendUpdates)

    @app.delete("/calendar/v3/calendars/{calendar_id}/events/{event_id}", status_code=204)
    def delete(calendar_id: str, event_id: str, sendUpdates: str = "none") -> Response:
        store.delete(calendar_id, event_id, sendUpdates)
        return Response(status_code=204)

    @app.post("/calendar/v3/calendars/{calendar_id}/events/{event_id}/move")
    def move(calendar_id: str, event_id: str, destination: str,
             sendUpdates: str = "none") -> dict[str, Any]:
        return store.move(calendar_id, event_id, destination, sendUpdates)

    @app.get("/__admin/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/__admin/events")
    def all_events() -> dict[str, Any]:
        return {"events": store.all_events()}

    @app.get("/__admin/invitations")
    def invitations() -> dict[str, Any]:
        return {"invitations": list(store.invitations)}

    @app.get("/__admin/requests")
    def requests() -> dict[str, Any]:
        return {"requests": list(store.requests)}

    @app.post("/__admin/seed")
    async def seed_more(request: Request) -> dict[str, int]:
        store.seed(await request.json())
        return {"events": len(store.events)}

    @app.post("/__admin/reset")
    def reset() -> dict[str, str]:
        store.reset()
        return {"status": "ok"}

    @app.post("/__admin/fail-next")
    async def fail_next(request: Request) -> dict[str, Any]:
        body = await request.json()
        delay_s, count = float(body.get("delay_s", 0)), body.get("count", 1)
        status = int(body.get("status", 0 if delay_s else 503))
        queued = store.queue_failure(Failure(status, delay_s, str(body.get("match", "")),
                                             None if count == "all" else int(count)))
        return {"queued": queued}

    @app.post("/__admin/clear-failures")
    def clear_failures() -> dict[str, int]:
        return {"cleared": store.clear_failures()}

    return app
