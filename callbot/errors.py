"""The project's error hierarchy, drawn once.

    CallbotError
    ├── RetryableError   a timeout, 429 or 5xx: raise it, so Pub/Sub delivers the message again
    └── PermanentError   bad input or a rejected request: log with the call id, acknowledge, dead-letter
        ├── BadMessage   a message that cannot be decoded into a known, current contract
        └── UnreadableDocument   a knowledge document that gives no text: corrupt, empty, scanned, unsupported
"""


class CallbotError(Exception):
    """Base of every error the project raises on purpose."""


class RetryableError(CallbotError):
    """The same work may succeed later: let the transport redeliver."""


class PermanentError(CallbotError):
    """Trying again cannot help: record it and move on."""


class BadMessage(PermanentError):
    """A message that is malformed, of an unknown type or of an unsupported schema version."""


class UnreadableDocument(PermanentError):
    """A knowledge base document that cannot be read into text; ingestion reports it and skips it."""
