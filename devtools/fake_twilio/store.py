"""The fake Twilio's data: the messages "sent", queued failures and opted-out numbers, behind one
lock (uvicorn serves the sync endpoints from a thread pool).

It follows Twilio where the adapter depends on it: a message is answered `queued` with no
`date_sent`, and is `sent` (with `date_sent`) from then on, or, while the queue is held (as when
Twilio's queue for a sender is backed up), stays `queued` with no `date_sent` until the queue is
released, so a `DateSent` filter does not find it; lists are newest first; validation
errors carry Twilio's codes (21604/21211 for 'To', 21603/21212 for 'From', 21602 and 21617 for the
body, 21266 for To = From, 21610 for an unsubscribed recipient).
"""

from __future__ import annotations

import copy
import math
import re
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

API_VERSION = "2010-04-01"
MAX_BODY = 1600
_E164 = re.compile(r"^\+[1-9]\d{1,14}$")
_ALPHANUMERIC_SENDER = re.compile(r"^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$")
_GSM7 = set("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
            "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
_GSM7_EXTENDED = set("^{}\\[~]|€\f")
_INJECTED = {429: (20429, "Too Many Requests"), 500: (20500, "Internal Server Error"),
             502: (20502, "Bad Gateway"), 503: (20503, "Service Unavailable")}


class TwilioError(Exception):
    """An error the API answers with Twilio's JSON error body."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message

    def body(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message,
                "more_info": f"https://www.twilio.com/docs/errors/{self.code}", "status": self.status}


def injected(status: int, code: int | None = None) -> TwilioError:
    known_code, message = _INJECTED.get(status, (status * 100, "Injected failure"))
    return TwilioError(status, code or known_code, message)


def segments(body: str) -> int:
    """How many SMS segments carry `body`: GSM-7 (160, or 153 per part) unless a character needs UCS-2
    (70, or 67 UTF-16 units per part)."""
    if all(c in _GSM7 or c in _GSM7_EXTENDED for c in body):
        septets = sum(2 if c in _GSM7_EXTENDED else 1 for c in body)
        return 1 if septets <= 160 else math.ceil(septets / 153)
    units = len(body.encode("utf-16-le")) // 2
    return 1 if units <= 70 else math.ceil(units / 67)


def rfc2822(moment: datetime) -> str:
    return format_datetime(moment.astimezone(UTC).replace(microsecond=0))


class MessageStore:
    """Outbound messages of one account, oldest first."""

    def __init__(self, account_sid: str, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.account_sid = account_sid
        self._clock = clock
        self._lock = threading.Lock()
        self.messages: list[dict[str, Any]] = []
        self.status_callbacks: dict[str, str] = {}
        self.fail_next: list[tuple[int, int | None, bool]] = []  # (status, code, sends only)
        self.opted_out: set[str] = set()
        self.holding = False  # new messages stay queued until the queue is released

    # -- admin

    def reset(self) -> None:
        with self._lock:
            self.messages.clear()
            self.status_callbacks.clear()
            self.fail_next.clear()
            self.opted_out.clear()
            self.holding = False

    def hold_queue(self, hold: bool) -> int:
        """Hold the messages created from now on in `queued`, or stop holding and send every queued
        message now; how many messages are queued afterwards."""
        with self._lock:
            self.holding = hold
            if not hold:
                now = rfc2822(self._clock())
                for message in self.messages:
                    if message["status"] == "queued":
                        message.update(status="sent", date_sent=now, date_updated=now)
            return sum(m["status"] == "queued" for m in self.messages)

    def queue_failures(self, status: int, count: int, code: int | None, sends_only: bool) -> int:
        with self._lock:
            self.fail_next.extend([(status, code, sends_only)] * count)
            return len(self.fail_next)

    def opt_out(self, number: str) -> None:
        with self._lock:
            self.opted_out.add(number)

    def take_failure(self, is_send: bool) -> TwilioError | None:
        """The failure queued for this request, if any."""
        with self._lock:
            if self.fail_next and (is_send or not self.fail_next[0][2]):
                status, code, _ = self.fail_next.pop(0)
                return injected(status, code)
            return None

    def all_messages(self) -> list[dict[str, Any]]:
        with self._lock:
            return [{**copy.deepcopy(m), "status_callback": self.status_callbacks.get(m["sid"])}
                    for m in self.messages]

    # -- the API

    def create(self, form: dict[str, str]) -> dict[str, Any]:
        to, sender, body = form.get("To", "").strip(), form.get("From", "").strip(), form.get("Body", "")
        _validate(to, sender, body)
        now = self._clock()
        sid = f"SM{uuid.uuid4().hex}"
        base = f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{sid}"
        message = {
            "account_sid": self.account_sid, "api_version": API_VERSION, "body": body,
            "date_created": rfc2822(now), "date_sent": None, "date_updated": rfc2822(now),
            "direction": "outbound-api", "error_code": None, "error_message": None, "from": sender,
            "messaging_service_sid": None, "num_media": "0", "num_segments": str(segments(body)),
            "price": None, "price_unit": "USD", "sid": sid, "status": "queued",
            "subresource_uris": {"media": f"{base}/Media.json", "feedback": f"{base}/Feedback.json"},
            "to": to, "uri": f"{base}.json",
        }
        with self._lock:
            if to in self.opted_out:
                raise TwilioError(400, 21610, "Attempt to send to unsubscribed recipient")
            answer = copy.deepcopy(message)
            if not self.holding:
                message.update(status="sent", date_sent=rfc2822(now))  # handed to the carrier at once
            self.messages.append(message)
            if form.get("StatusCallback"):
                self.status_callbacks[sid] = form["StatusCallback"]
        return answer

    def get(self, sid: str) -> dict[str, Any]:
        with self._lock:
            for message in self.messages:
                if message["sid"] == sid:
                    return copy.deepcopy(message)
        raise TwilioError(404, 20404, f"The requested resource /{API_VERSION}/Accounts/{self.account_sid}"
                          f"/Messages/{sid}.json was not found")

    def find(self, filters: dict[str, str]) -> list[dict[str, Any]]:
        """Messages matching Twilio's list filters (To, From, DateSent, DateSent<, DateSent>), newest first."""
        bounds = [(op, _parse_when(filters[key])) for key, op in (("DateSent", "="), ("DateSent<", "<"),
                                                                  ("DateSent>", ">")) if filters.get(key)]
        with self._lock:
            found = [copy.deepcopy(m) for m in self.messages
                     if (not filters.get("To") or m["to"] == filters["To"])
                     and (not filters.get("From") or m["from"] == filters["From"])
                     and all(_sent_within(m, op, when) for op, when in bounds)]
        return found[::-1]


def _validate(to: str, sender: str, body: str) -> None:
    if not to:
        raise TwilioError(400, 21604, "A 'To' phone number is required.")
    if not _E164.match(to):
        raise TwilioError(400, 21211, f"Invalid 'To' Phone Number: {to}")
    if not sender:
        raise TwilioError(400, 21603, "A 'From' phone number is required.")
    if not (_E164.match(sender) or _ALPHANUMERIC_SENDER.match(sender)):
        raise TwilioError(400, 21212, f"Invalid From Number (caller ID): {sender}")
    if not body.strip():
        raise TwilioError(400, 21602, "Message body is required.")
    if len(body) > MAX_BODY:
        raise TwilioError(400, 21617, "The concatenated message body exceeds the 1600 character limit.")
    if to == sender:
        raise TwilioError(400, 21266, "'To' and 'From' number cannot be the same")


def _parse_when(value: str) -> date | datetime:
    """A filter's time: `YYYY-MM-DD` (a whole day, GMT) or an ISO 8601 time."""
    try:
        if len(value) == 10:
            return date.fromisoformat(value)
        moment = datetime.fromisoformat(value)
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    except ValueError as exc:
        raise TwilioError(400, 20001, f"Invalid DateSent value: {value}") from exc


def _sent_within(message: dict[str, Any], op: str, when: date | datetime) -> bool:
    """`DateSent>` means on or after, `DateSent<` on or before (the `=` of `>=` is the query's own)."""
    if not message.get("date_sent"):
        return False
    sent: date | datetime = parsedate_to_datetime(message["date_sent"])
    if not isinstance(when, datetime):
        sent = sent.date()
    return {"=": sent == when, "<": sent <= when, ">": sent >= when}[op]
