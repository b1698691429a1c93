"""The SMS fake for unit tests: every accepted message kept in `sent`, failures on demand."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from callbot.errors import CallbotError
from callbot.sms import SentSms


class MemorySms:
    """`fail_next(error, count)` makes the next sends raise `error` without accepting anything;
    `accept_then_fail(error)` makes the next send accept the message and then raise, as when the
    provider's answer is lost on the way back."""

    def __init__(self, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.sent: list[SentSms] = []
        self.lookups: list[tuple[str, datetime]] = []
        self._clock = clock
        self._failures: list[tuple[CallbotError, bool]] = []
        self._lock = threading.Lock()

    def fail_next(self, error: CallbotError, count: int = 1) -> None:
        self._failures.extend([(error, False)] * count)

    def accept_then_fail(self, error: CallbotError) -> None:
        self._failures.append((error, True))

    def send(self, *, to: str, from_: str, body: str) -> SentSms:
        with self._lock:
            error, accepted = self._failures.pop(0) if self._failures else (None, True)
            if accepted:
                self.sent.append(SentSms(sid=f"SM{uuid.uuid4().hex}", to=to, from_=from_, body=body,
                                         status="queued", date_created=self._clock()))
            if error is not None:
                raise error
            return self.sent[-1]

    def sent_to(self, *, to: str, since: datetime) -> list[SentSms]:
        with self._lock:
            self.lookups.append((to, since))
            found = [m for m in self.sent if m.to == to and m.date_created and m.date_created >= since]
            return sorted(found, key=lambda m: m.date_created, reverse=True)
