"""One signed-in Salesforce client shared by an adapter's calls (the CRM, the Events calendar)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TypeVar

import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceError, SalesforceExpiredSession

from callbot.crm.salesforce_errors import classify
from callbot.errors import RetryableError

log = logging.getLogger(__name__)
T = TypeVar("T")


class SalesforceSession:
    """Signs in with `connect` on first use, and again once when the session expires; every other
    Salesforce or HTTP error is raised as the project's retryable or permanent error."""

    def __init__(self, connect: Callable[[], Salesforce]) -> None:
        self._connect = connect
        self._lock = threading.Lock()
        self._client: Salesforce | None = None

    def run(self, work: Callable[[Salesforce], T]) -> T:
        """Run `work` on the client; on an expired session sign in again once and run it again
        (the adapters' operations are idempotent, so a repeat is safe)."""
        for attempt in (1, 2):
            client = self._signed_in()
            try:
                return work(client)
            except SalesforceExpiredSession as exc:
                with self._lock:
                    if self._client is client:
                        self._client = None
                if attempt == 2:
                    raise RetryableError("Salesforce session invalid right after signing in again") from exc
                log.info("Salesforce session expired; signing in again")
            except (SalesforceError, requests.RequestException) as exc:
                raise classify(exc) from exc
        raise AssertionError("unreachable")

    def _signed_in(self) -> Salesforce:
        with self._lock:
            if self._client is None:
                self._client = self._connect()
            return self._client
