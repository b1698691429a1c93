"""Structured JSON logs in Cloud Logging's format, with the call id on every line and phone numbers
and email addresses masked wherever they appear in a message or a field."""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import re
import sys
import time
from collections.abc import Iterator

_call_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("call_id", default=None)

_EMAIL = re.compile(r"(?<![\w.+-])([\w.+-])[\w.+-]*@([\w-]+(?:\.[\w-]+)+)")
_PHONE = re.compile(r"(?<![\w])\+?\d[\d ().-]{6,}\d(?![\w])")
# the same in URL-encoded text (a query string or form body an HTTP library logs): %2B..., ...%40...
_ENCODED_EMAIL = re.compile(r"(?<![\w.%+-])([\w.+-])[\w.%+-]*%40([\w-]+(?:\.[\w-]+)+)")
_ENCODED_PHONE = re.compile(r"%2[Bb](\d{7,15})(?!\d)")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_MIN_PHONE_DIGITS = 7  # a subscriber number alone has 7


def mask(text: str) -> str:
    """Mask email addresses (keep first letter and domain) and phone numbers (keep last two digits),
    also URL-encoded."""
    text = _ENCODED_EMAIL.sub(lambda m: f"{m.group(1)}***%40{m.group(2)}", text)
    text = _ENCODED_PHONE.sub(lambda m: "%2B***" + m.group(1)[-2:], text)
    text = _EMAIL.sub(lambda m: f"{m.group(1)}***@{m.group(2)}", text)
    return _PHONE.sub(_masked_phone, text)


def _masked_phone(match: re.Match[str]) -> str:
    """The last two digits of a phone number; a date, or a run of fewer digits than any phone number
    has (an IP address, a version), is left as it is."""
    digits = re.sub(r"\D", "", match.group(0))
    if len(digits) < _MIN_PHONE_DIGITS or _ISO_DATE.fullmatch(match.group(0)):
        return match.group(0)
    return "***" + digits[-2:]


def _mask_value(value: object) -> object:
    """`value` with every string in it masked, keys included; any other object is logged as its
    masked `str` (what `json.dumps(default=str)` would otherwise write unmasked)."""
    if isinstance(value, str):
        return mask(value)
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, dict):
        return {mask(str(k)): _mask_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_mask_value(v) for v in value]
    return mask(str(value))


@contextlib.contextmanager
def bind_call(call_id: str) -> Iterator[None]:
    """Every log line written inside this block carries `call_id`."""
    token = _call_id.set(call_id)
    try:
        yield
    finally:
        _call_id.reset(token)


_RESERVED = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class CloudLoggingFormatter(logging.Formatter):
    """One JSON object per line, in the shape Cloud Logging's agent parses (severity, message, ...)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "severity": record.levelname,
            "message": mask(record.getMessage()),
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "logger": record.name,
        }
        call_id = getattr(record, "call_id", None) or _call_id.get()
        if call_id:
            entry["call_id"] = call_id
            entry["logging.googleapis.com/labels"] = {"call_id": call_id}
        for key, value in vars(record).items():
            if key not in _RESERVED and key not in entry and not key.startswith("_"):
                entry[key] = _mask_value(value)
        if record.exc_info:
            entry["exception"] = mask(self.formatException(record.exc_info))
        return json.dumps(entry, default=str)


def configure(level: str = "INFO") -> None:
    """Route the root logger to stdout as JSON lines. Safe to call more than once."""
    root = logging.getLogger()
    if not any(isinstance(h.formatter, CloudLoggingFormatter) for h in root.handlers):
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(CloudLoggingFormatter())
        root.addHandler(handler)
    root.setLevel(level.upper())
