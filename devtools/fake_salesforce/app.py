"""The fake org's HTTP API: the REST resources the callbot uses, the token endpoint, and admin hooks.

Every `/services/data/` request needs `Authorization: Bearer <token>` from the token endpoint and
answers 401 `INVALID_SESSION_ID` otherwise. The `/__admin/*` endpoints are for tests and the local
stack: expire every session, inject the next failures, list an object's records, load a seed.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

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
class FakeOrg:
    """The state behind one app: records, sessions, and failures waiting to be served."""

    store: Store
    sessions: Sessions = field(default_factory=Sessions)
    failures: deque[ApiError] = field(default_factory=deque)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_failure(self) -> ApiError | None:
        with self.lock:
            return self.failures.popleft() if self.failures else None


def create_app(seed: dict | None = None) -> FastAPI:
    """A fresh org loaded with `seed` (users, Account, Contact, Lead, Event); `app.state.org` is its state."""
    app = FastAPI(title="fake Salesforce", docs_url=None, redoc_url=None)
    org = app.state.org = FakeOrg(Store(seed))

    @app.exception_handler(ApiError)
    async def api_error(_: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(exc.body, status_code=exc.status)

    def user_of(request: Request) -> str:
        """The session's user; an injected failure is served here, after the session check."""
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        user_id = org.sessions.user(token) if scheme.lower() in ("bearer", "oauth") else None
        if user_id is None:
            raise ApiError(401, "INVALID_SESSION_ID", "Session expired or invalid")
        failure = org.next_failure()
        if failure is not None:
            raise failure
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
            return JSONResponse(grant(form, org.store, org.sessions, str(request.base_url).rstrip("/")))
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
        """Queue failures: `{"status": 503}` or `{"errorCode": "REQUEST_LIMIT_EXCEEDED"}`, `count` times."""
        spec = await body_of(request)
        code = spec.get("errorCode") or _DEFAULT_CODES.get(int(spec.get("status", 503)), "UNKNOWN_EXCEPTION")
        status = int(spec.get("status") or _DEFAULT_STATUS.get(code, 400))
        message = spec.get("message") or {"REQUEST_LIMIT_EXCEEDED": "TotalRequests Limit exceeded."}.get(
            code, "An unexpected error occurred. Please try again.")
        with org.lock:
            for _ in range(int(spec.get("count", 1))):
                org.failures.append(ApiError(status, code, message, spec.get("fields")))
            return {"queued": len(org.failures)}

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
