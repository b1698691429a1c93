"""The calls list: what a call came to (its outcome), the filters of the list and its pages.

The list reads the calls of the chosen period newest first (at most `scan_limit` of them: a page
says so when the period holds more), then filters and pages them here: outcome, score, language and
post-call status are derived or nested fields that Firestore could only filter with an index per
combination.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from callbot.call_document import CallDocument, CallStatus
from callbot.logs import mask

MAX_PAGE = 10_000
DEFAULT_DAYS = 30


class Outcome(StrEnum):
    BOOKED = "booked"  # a meeting is booked
    TRANSFERRED = "transferred"  # handed over to a person
    LEAD = "lead"  # the conversation recorded a lead in the CRM, no meeting
    ABANDONED = "abandoned"  # nothing came of it (hung up, silence)
    FAILED = "failed"  # the call ended in an error


def outcome(call: CallDocument) -> Outcome:
    if call.ended_by == "error":
        return Outcome.FAILED
    if call.booked_meeting is not None:
        return Outcome.BOOKED
    if call.transfer_requested or call.transferred_to or call.ended_by == "transfer":
        return Outcome.TRANSFERRED
    if call.lead_id:  # not crm_record_id: the post-call sync logs every call, a lead or not
        return Outcome.LEAD
    return Outcome.ABANDONED


PostCallFilter = Literal["processed", "post_call_failed", "running", "none"]


def post_call_status(call: CallDocument) -> str:
    """processed, post_call_failed, running, or none (no run yet)."""
    return (call.post_call.status if call.post_call is not None else None) or "none"


def lead_score(call: CallDocument) -> int | None:
    return call.summary.lead_score if call.summary is not None else None


class CallFilters(BaseModel):
    """The list's query string. Every field is optional; a value that does not fit is a 400 page
    that says which."""

    model_config = ConfigDict(extra="forbid")

    date_from: date | None = Field(None, alias="from", description="first day, UTC")
    date_to: date | None = Field(None, alias="to", description="last day, UTC, included")
    outcome: Outcome | None = None
    score_min: int | None = Field(None, ge=0, le=100)
    score_max: int | None = Field(None, ge=0, le=100)
    language: str | None = Field(None, pattern=r"^[a-z]{2,3}(-[A-Z]{2})?$")
    post_call: PostCallFilter | None = None
    page: int = Field(1, ge=1, le=MAX_PAGE)

    @model_validator(mode="before")
    @classmethod
    def _empty_is_unset(cls, data: object) -> object:
        """A form submits an empty field for a filter left blank."""
        if isinstance(data, dict):
            return {key: value for key, value in data.items() if value not in ("", None)}
        return data

    @model_validator(mode="after")
    def _ranges_in_order(self) -> CallFilters:
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError("the first day (from) is after the last (to)")
        if self.score_min is not None and self.score_max is not None and self.score_min > self.score_max:
            raise ValueError("score_min is above score_max")
        return self

    def period(self, today: date) -> tuple[datetime, datetime]:
        """[since, until) in UTC: the chosen days, by default the last DEFAULT_DAYS."""
        last = self.date_to or today
        first = self.date_from or (last - timedelta(days=DEFAULT_DAYS - 1))
        return (datetime.combine(first, time(), UTC), datetime.combine(last + timedelta(days=1), time(), UTC))

    def matches(self, call: CallDocument) -> bool:
        score = lead_score(call)
        return ((self.outcome is None or outcome(call) is self.outcome)
                and (self.score_min is None or (score is not None and score >= self.score_min))
                and (self.score_max is None or (score is not None and score <= self.score_max))
                and (self.language is None or call.language == self.language)
                and (self.post_call is None or post_call_status(call) == self.post_call))

    def query(self, page: int) -> str:
        """The query string of another page of the same list."""
        from urllib.parse import urlencode

        values = self.model_dump(by_alias=True, exclude_none=True, exclude={"page"}, mode="json")
        return urlencode({**values, "page": page})


@dataclass(frozen=True)
class CallRow:
    call_id: str
    started: datetime | None
    caller: str  # masked
    language: str
    length_s: int | None
    outcome: Outcome
    score: int | None
    post_call: str
    status: str


def row(call_id: str, call: CallDocument) -> CallRow:
    return CallRow(call_id=call_id, started=call.started_at(), caller=masked_number(call.from_),
                   language=call.language or "", length_s=call.length_s(), outcome=outcome(call),
                   score=lead_score(call), post_call=post_call_status(call), status=call.status or "")


def masked_number(number: str | None) -> str:
    return mask(number) if number else "unknown"


@dataclass(frozen=True)
class CallPage:
    rows: list[CallRow]
    page: int
    pages: int
    total: int
    truncated: bool  # the period held more calls than were read

    @property
    def exists(self) -> bool:
        return self.page <= max(self.pages, 1)


def paginate(calls: list[tuple[str, CallDocument]], filters: CallFilters, page_size: int,
             truncated: bool) -> CallPage:
    matching = [(call_id, call) for call_id, call in calls if filters.matches(call)]
    pages = math.ceil(len(matching) / page_size)
    start = (filters.page - 1) * page_size
    rows = [row(call_id, call) for call_id, call in matching[start:start + page_size]]
    return CallPage(rows=rows, page=filters.page, pages=pages, total=len(matching), truncated=truncated)


def status_is_error(call: CallDocument) -> bool:
    """A call that ended in an error, or whose post-call work failed: the overview lists them."""
    return call.ended_by == "error" or call.status == CallStatus.POST_CALL_FAILED
