"""How a Salesforce failure maps onto the project's error hierarchy: one function, `classify`.

    RetryableError   REQUEST_LIMIT_EXCEEDED, HTTP 5xx, timeouts and connection errors, and an
                     INVALID_SESSION_ID that survived one re-authentication: try again later
    PermanentError   validation errors (REQUIRED_FIELD_MISSING, INVALID_EMAIL_ADDRESS, STRING_TOO_LONG,
                     FIELD_CUSTOM_VALIDATION_EXCEPTION, MALFORMED_QUERY, ...), 404, other 4xx: the
                     message names the error codes and the fields from each error's `fields` array

The REST API reports errors as a JSON list of `{"message", "errorCode", "fields"?}`; a save blocked
by a duplicate rule adds `duplicateResult` (spelt `duplicateResut` by the REST API), from which
`duplicate_ids` reads the matching records.
"""

from __future__ import annotations

from typing import Any

import requests
from simple_salesforce.exceptions import SalesforceError

from callbot.errors import CallbotError, PermanentError, RetryableError

RETRYABLE_CODES = frozenset({"REQUEST_LIMIT_EXCEEDED", "SERVER_UNAVAILABLE", "UNABLE_TO_LOCK_ROW",
                             "INVALID_SESSION_ID", "QUERY_TIMEOUT"})


def errors_of(exc: BaseException) -> list[dict[str, Any]]:
    """The error objects in a Salesforce error response (empty when the body was not the usual list)."""
    content = getattr(exc, "content", None)
    if isinstance(content, dict):
        content = [content]
    return [e for e in content if isinstance(e, dict)] if isinstance(content, list) else []


def error_codes(exc: BaseException) -> set[str]:
    return {str(e.get("errorCode", "")) for e in errors_of(exc)}


def classify(exc: BaseException) -> CallbotError:
    """The project error to raise for a failed Salesforce call (`raise classify(exc) from exc`)."""
    if isinstance(exc, CallbotError):
        return exc
    if isinstance(exc, (requests.Timeout, requests.ConnectionError)):
        return RetryableError(f"Salesforce unreachable: {type(exc).__name__}")
    if isinstance(exc, SalesforceError):
        codes, status = error_codes(exc), int(exc.status or 0)
        summary = describe(exc)
        if status >= 500 or status == 429 or codes & RETRYABLE_CODES:
            return RetryableError(f"Salesforce busy or unavailable (HTTP {status}): {summary}")
        if status == 404:
            return PermanentError(f"Salesforce record not found: {summary}")
        return PermanentError(f"Salesforce rejected the request (HTTP {status}): {summary}")
    if isinstance(exc, requests.RequestException):
        return RetryableError(f"Salesforce request failed: {type(exc).__name__}")
    return PermanentError(f"Salesforce call failed: {type(exc).__name__}: {exc}")


def describe(exc: BaseException) -> str:
    """`CODE [Field1, Field2]: message; ...` for each error in the response, short enough for a log line."""
    parts = []
    for error in errors_of(exc):
        fields = error.get("fields") or []
        named = f" [{', '.join(map(str, fields))}]" if fields else ""
        message = " ".join(str(error.get("message", "")).split())
        parts.append(f"{error.get('errorCode', 'UNKNOWN')}{named}: {message}"[:200])
    return "; ".join(parts) or str(getattr(exc, "content", "") or exc)[:200]


def duplicate_ids(exc: BaseException) -> list[tuple[str, str]]:
    """`(object, id)` of the records a `DUPLICATES_DETECTED` error says the new record duplicates."""
    found = []
    for error in errors_of(exc):
        if error.get("errorCode") != "DUPLICATES_DETECTED":
            continue
        result = error.get("duplicateResult") or error.get("duplicateResut") or {}
        for match in result.get("matchResults", []):
            for candidate in match.get("matchRecords", []):
                record = candidate.get("record") or {}
                kind = (record.get("attributes") or {}).get("type") or match.get("entityType", "")
                if record.get("Id"):
                    found.append((str(kind), str(record["Id"])))
    return found
