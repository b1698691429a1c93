"""The relay's ASGI application: `uvicorn stream_relay.app:create_app --factory`."""

from __future__ import annotations

import asyncio
import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI

from callbot import logs, tracing
from callbot.settings import RelaySettings
from stream_relay import media_stream, webhooks
from stream_relay.bootstrap import RelayServices, build_services
from stream_relay.loop_lag import LoopLag
from stream_relay.loop_rounds import run_in_rounds
from stream_relay.replies import CallRegistry

log = logging.getLogger(__name__)


def create_app(services: RelayServices | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI):
        nonlocal services
        if services is None:
            settings = RelaySettings()
            logs.configure(settings.log_level)
            tracing.configure_from(settings, "relay")
            services = build_services(settings)
        registry, loop_lag = CallRegistry(busy_from=services.settings.loop_round_from_calls), LoopLag()
        app.state.services, app.state.registry, app.state.loop_lag = services, registry, loop_lag
        loop_lag.start()
        rounds = asyncio.create_task(run_in_rounds(services.settings.loop_round_ms / 1000, registry.busy))
        if services.settings.memory_report_dir:
            from stream_relay.memory_report import MemoryReport

            MemoryReport(services.settings.memory_report_dir, services.settings.memory_report_trace).install()
        warm_up = getattr(services.stt_factory, "warm_up", None)
        if warm_up is not None:
            await warm_up()  # load the local STT model before the first call, not during it
        await services.replies.start(registry.deliver)
        log.info("relay ready", extra={"relay_instance": services.settings.relay_instance})
        try:
            yield
        finally:
            for session in list(registry.sessions.values()):
                await session.close("error", "relay shutting down")
            await services.replies.stop()
            await loop_lag.stop()
            rounds.cancel()
            await asyncio.gather(rounds, return_exceptions=True)

    app = FastAPI(title="callbot stream relay", lifespan=lifespan)
    app.include_router(webhooks.router)
    app.include_router(media_stream.router)

    # /healthz for the probes (they reach the container directly); /health from outside, since
    # Cloud Run's front end reserves some paths ending in "z"
    @app.get("/healthz")
    @app.get("/health")
    async def healthz() -> dict[str, object]:
        return {"status": "ok", "relay_instance": app.state.services.settings.relay_instance,
                "calls": len(app.state.registry.sessions), "loop_lag_p99_ms": app.state.loop_lag.p99_ms()}

    return app
