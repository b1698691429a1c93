"""The console's composition root: which adapters run, from `ConsoleSettings`. `uvicorn
console.bootstrap:create_app --factory` serves it (the image, and `callbot dev up`)."""

from __future__ import annotations

from fastapi import FastAPI

from callbot import logs
from callbot.blobs import open_blob_store
from callbot.bus.pubsub import PubSubPublisher
from callbot.store.reader import FirestoreCallReader
from console.access import Access, IapJwtVerifier, LoggedAuditLog
from console.app import ConsoleServices
from console.app import create_app as create_console
from console.settings import ConsoleSettings


def services(settings: ConsoleSettings) -> ConsoleServices:
    verifier = IapJwtVerifier(settings.console_iap_audience) if settings.console_auth == "iap" else None
    return ConsoleServices(
        settings=settings, reader=FirestoreCallReader.from_project(settings.project_id),
        recordings=open_blob_store(settings.recordings_uri) if settings.recordings_uri else None,
        publisher=PubSubPublisher(settings.project_id), access=Access(settings, verifier), audit=LoggedAuditLog())


def create_app() -> FastAPI:
    settings = ConsoleSettings()
    logs.configure(settings.log_level)
    return create_console(services(settings))
