"""The email fake for unit tests: every accepted message kept in `sent`, failures on demand."""

from __future__ import annotations

import threading
import uuid

from callbot.email import EmailMessage, SentEmail
from callbot.errors import CallbotError


class MemoryEmail:
    """`fail_next(error, count)` makes the next sends raise `error` without accepting anything;
    `accept_then_fail(error)` makes the next send accept the message and then raise, as when the
    provider's answer is lost on the way back."""

    def __init__(self) -> None:
        self.sent: list[EmailMessage] = []
        self._failures: list[tuple[CallbotError, bool]] = []
        self._lock = threading.Lock()

    def fail_next(self, error: CallbotError, count: int = 1) -> None:
        self._failures.extend([(error, False)] * count)

    def accept_then_fail(self, error: CallbotError) -> None:
        self._failures.append((error, True))

    def send(self, message: EmailMessage) -> SentEmail:
        with self._lock:
            error, accepted = self._failures.pop(0) if self._failures else (None, True)
            if accepted:
                self.sent.append(message)
            if error is not None:
                raise error
            return SentEmail(key=message.key, message_id=uuid.uuid4().hex)
