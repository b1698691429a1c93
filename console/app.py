"""The console's routes. Every page needs a role (`access.py`); bad input (an unknown call, a filter
that does not parse, a page past the last) is a page that says so with its status, and an
unexpected error is logged with its traceback and shown as a plain 500 page.

    GET  /calls                         the list (filters in the query string)
    GET  /calls/{id}                    one call
    POST /calls/{id}/reveal             the same page unmasked (admins; audited)
    GET  /calls/{id}/recording.wav      the stereo recording (byte ranges, so the player can seek)
    POST /calls/{id}/post-call          run the post-call workflow again
    GET  /calls/{id}/post-call          the post-call section alone (the page polls it after a re-run)
    GET  /overview                      per-day figures
    GET  /traces/{trace_id}             a turn's trace, from the local stack's trace files (in
                                        production a turn links to Cloud Trace instead)
    GET  /healthz                       for Cloud Run's probes (no role needed, no data)
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError
from starlette.exceptions import HTTPException

from callbot import tracing
from callbot.blobs import BlobStore
from callbot.bus import Publisher
from callbot.logs import bind_call
from callbot.messages import RerunPostCall
from callbot.store import CallReader
from console import call_view, overview
from console.access import Access, AccessDenied, AuditLog, Viewer
from console.call_view import TRACE_ID
from console.listing import CallFilters, Outcome, paginate
from console.settings import ConsoleSettings

log = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent
CALL_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
STATIC = {"console.css": "text/css", "console.js": "text/javascript"}
MAX_OVERVIEW_DAYS = 90


@dataclass
class ConsoleServices:
    settings: ConsoleSettings
    reader: CallReader
    recordings: BlobStore | None  # None: recordings are not kept
    publisher: Publisher  # RerunPostCall goes to post_call_trigger
    access: Access
    audit: AuditLog
    clock: Callable[[], float] = time.time


class BadRequest(Exception):
    """A 400 page listing what is wrong with the request."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def create_app(services: ConsoleServices) -> FastAPI:
    app = FastAPI(title="callbot console", docs_url=None, redoc_url=None, openapi_url=None)
    templates = Jinja2Templates(directory=HERE / "templates")
    templates.env.filters.update(when=_when, seconds=_seconds, percent=_percent)

    def trace_link(trace_id: str | None) -> str | None:
        """Where a turn's trace is seen: Cloud Trace, the console's own page of the local trace
        files, or nowhere when traces are not exported."""
        settings = services.settings
        if trace_id is None:
            return None
        if settings.trace_exporter == "cloud":
            return f"https://console.cloud.google.com/traces/list?project={settings.project_id}&tid={trace_id}"
        return f"/traces/{trace_id}" if settings.trace_exporter == "file" and settings.trace_dir else None

    def page(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        return templates.TemplateResponse(request, name, {"viewer": getattr(request.state, "viewer", None),
                                                          "trace_link": trace_link, **context}, status_code=status)

    def error_page(request: Request, status: int, title: str, problems: list[str]) -> HTMLResponse:
        return page(request, "error.html", status, title=title, problems=problems)

    def viewer(request: Request) -> Viewer:
        request.state.viewer = services.access.viewer(dict(request.headers))
        if request.method == "POST" and not _same_origin(request):
            raise AccessDenied(403, "a change must come from the console's own pages")
        return request.state.viewer

    def today() -> date:
        return datetime.fromtimestamp(services.clock(), UTC).date()

    def known_call(call_id: str):
        call = services.reader.get_call(call_id) if CALL_ID.match(call_id) else None
        if call is None:
            raise HTTPException(404, f"there is no call {call_id!r}; it may have expired (calls are kept "
                                     f"{services.settings.call_retention_days} days)")
        return call

    def call_page(request: Request, call_id: str, revealed: bool, status: int = 200, notice: str = "") -> HTMLResponse:
        call = known_call(call_id)
        view = call_view.build(call_id, call, services.reader.list_events(call_id), revealed)
        return page(request, "call.html", status, view=view, notice=notice,
                    has_recording=services.recordings is not None and bool(call.recording_uri))

    @app.exception_handler(AccessDenied)
    async def _denied(request: Request, exc: AccessDenied) -> HTMLResponse:
        log.warning("console access refused: %s", exc, extra={"path": request.url.path})
        title = "Sign in through the company's identity proxy" if exc.status == 401 else "No access"
        return error_page(request, exc.status, title, [str(exc)])

    @app.exception_handler(BadRequest)
    async def _bad(request: Request, exc: BadRequest) -> HTMLResponse:
        return error_page(request, 400, "This request cannot be read", exc.problems)

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> HTMLResponse:
        titles = {404: "Not found", 405: "Not allowed here", 416: "Range not satisfiable"}
        return error_page(request, exc.status_code, titles.get(exc.status_code, "Cannot show this"), [str(exc.detail)])

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> HTMLResponse:
        log.exception("console page failed: %s", request.url.path)
        return error_page(request, 500, "Something went wrong",
                          ["The console could not show this page; the error is in its logs."])

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> JSONResponse:
        return JSONResponse({"status": "ok"})

    pages = APIRouter(dependencies=[Depends(viewer)])

    @pages.get("/")
    def home() -> RedirectResponse:
        return RedirectResponse("/calls", status_code=303)

    @pages.get("/static/{name}")
    def static(name: str) -> FileResponse:
        if name not in STATIC:
            raise HTTPException(404, f"no file {name!r}")
        return FileResponse(HERE / "static" / name, media_type=STATIC[name])

    @pages.get("/calls", response_class=HTMLResponse)
    def calls(request: Request) -> HTMLResponse:
        filters = _filters(request)
        since, until = filters.period(today())
        limit = services.settings.console_scan_limit
        found = services.reader.recent_calls(since, until, limit)
        listing = paginate(found, filters, services.settings.console_page_size, truncated=len(found) >= limit)
        if not listing.exists:
            return error_page(request, 404, "No such page", [
                f"page {listing.page} is past the last page of this list ({max(listing.pages, 1)})"])
        return page(request, "calls.html", filters=filters, listing=listing, outcomes=list(Outcome),
                    first_day=since.date(), last_day=(until - timedelta(days=1)).date())

    @pages.get("/calls/{call_id}", response_class=HTMLResponse)
    def one_call(request: Request, call_id: str, rerun: str = "") -> HTMLResponse:
        notice = "A new post-call run was asked for; this page shows it when it starts." if rerun else ""
        return call_page(request, call_id, revealed=False, notice=notice)

    @pages.post("/calls/{call_id}/reveal", response_class=HTMLResponse)
    def reveal(request: Request, call_id: str) -> HTMLResponse:
        viewer: Viewer = request.state.viewer  # set by the router's dependency
        if not viewer.may_reveal:
            raise AccessDenied(403, "revealing numbers and emails needs the admin role")
        known_call(call_id)
        services.audit.record(viewer, "reveal", call_id)
        response = call_page(request, call_id, revealed=True)
        response.headers["Cache-Control"] = "no-store"
        return response

    @pages.get("/calls/{call_id}/recording.wav")
    def recording(request: Request, call_id: str) -> Response:
        known_call(call_id)
        data = services.recordings.get(f"{call_id}.wav") if services.recordings is not None else None
        if data is None:
            raise HTTPException(404, f"call {call_id} has no recording")
        return _ranged(data, request.headers.get("range"))

    @pages.post("/calls/{call_id}/post-call")
    def rerun(request: Request, call_id: str) -> RedirectResponse:
        viewer: Viewer = request.state.viewer
        known_call(call_id)
        message = RerunPostCall(call_id=call_id, turn_seq=0, requested_by=viewer.email,
                                request_id=uuid.uuid4().hex, sent_at_ms=int(services.clock() * 1000))
        with bind_call(call_id):
            services.publisher.publish(message).result(timeout=30)
            log.info("post-call re-run asked for", extra={"request_id": message.request_id})
        return RedirectResponse(f"/calls/{call_id}?rerun=requested#post-call", status_code=303)

    @pages.get("/calls/{call_id}/post-call", response_class=HTMLResponse)
    def post_call_section(request: Request, call_id: str) -> HTMLResponse:
        call = known_call(call_id)
        view = call_view.build(call_id, call, [], revealed=False)
        return page(request, "post_call.html", view=view)

    @pages.get("/overview", response_class=HTMLResponse)
    def overview_page(request: Request) -> HTMLResponse:
        days = _days(request)
        last = today()
        first = last - timedelta(days=days - 1)
        since = datetime(first.year, first.month, first.day, tzinfo=UTC)
        until = datetime(last.year, last.month, last.day, tzinfo=UTC) + timedelta(days=1)
        limit = services.settings.console_scan_limit
        found = services.reader.recent_calls(since, until, limit)
        latencies = services.reader.turn_latencies(int(since.timestamp() * 1000), int(until.timestamp() * 1000))
        figures = overview.build(found, latencies, first, last, truncated=len(found) >= limit)
        return page(request, "overview.html", figures=figures, days=days)

    @pages.get("/traces/{trace_id}", response_class=HTMLResponse)
    def trace_page(request: Request, trace_id: str) -> HTMLResponse:
        folder = services.settings.trace_dir
        spans = tracing.read_trace(Path(folder), trace_id) if folder and TRACE_ID.match(trace_id) else []
        if not spans:
            raise HTTPException(404, f"no trace {trace_id[:40]!r} is kept here")
        start = min(span["start_ns"] for span in spans)
        width = max(max(span["end_ns"] for span in spans) - start, 1)
        return page(request, "trace.html", trace_id=trace_id, spans=spans, start=start, width=width)

    app.include_router(pages)
    return app


def _filters(request: Request) -> CallFilters:
    try:
        return CallFilters.model_validate(dict(request.query_params))
    except ValidationError as exc:
        raise BadRequest([_problem(error) for error in exc.errors()]) from exc


def _problem(error: dict[str, Any]) -> str:
    where = ".".join(str(part) for part in error.get("loc", ()))
    if error.get("type") == "extra_forbidden":
        return f"{where} is not a filter of this list"
    text = f"{where}: {error['msg']}" if where else str(error["msg"])
    value = error.get("input")
    return f"{text} (got {value!r})" if isinstance(value, str) and where else text


def _days(request: Request) -> int:
    raw = request.query_params.get("days", "14")
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_OVERVIEW_DAYS:
        raise BadRequest([f"days must be a whole number from 1 to {MAX_OVERVIEW_DAYS} (got {raw[:40]!r})"])
    return int(raw)


def _same_origin(request: Request) -> bool:
    """A POST from a page of this console (or from no browser page at all)."""
    origin = request.headers.get("origin")
    return origin is None or urlsplit(origin).netloc == request.headers.get("host")


RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def _ranged(data: bytes, header: str | None) -> Response:
    """`data` whole, or the one byte range the request asks for (what a media element seeks with)."""
    headers = {"Accept-Ranges": "bytes", "Cache-Control": "private, max-age=300"}
    match = RANGE.match(header.strip()) if header else None
    if match is None or match.groups() == ("", ""):
        return Response(data, media_type="audio/wav", headers=headers)
    first, last = match.groups()
    size = len(data)
    start, end = (int(first), int(last) if last else size - 1) if first else (max(0, size - int(last)), size - 1)
    end = min(end, size - 1)
    if start >= size or start > end:
        return Response(status_code=416, headers={"Content-Range": f"bytes */{size}"})
    return Response(data[start:end + 1], status_code=206, media_type="audio/wav",
                    headers={**headers, "Content-Range": f"bytes {start}-{end}/{size}"})


def _when(value: datetime | None) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if value else "-"


def _seconds(value: float | None) -> str:
    if value is None:
        return "-"
    minutes, seconds = divmod(float(value), 60)
    return f"{int(minutes)}:{seconds:04.1f}"


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.0f}%"
