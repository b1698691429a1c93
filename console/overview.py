"""The overview: calls per day, booking rate, the lead score distribution, p50/p95 turn latency per
day (from every call's latency events), and the calls that ended in an error."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from callbot.call_document import CallDocument
from console.listing import CallRow, Outcome, lead_score, outcome, row, status_is_error

SCORE_BUCKETS = 10  # 0-9, 10-19, ..., 90-100


@dataclass
class Day:
    day: date
    calls: int = 0
    booked: int = 0
    p50_ms: int | None = None
    p95_ms: int | None = None
    turns: int = 0

    @property
    def booking_rate(self) -> float | None:
        return self.booked / self.calls if self.calls else None


@dataclass
class Overview:
    days: list[Day]
    scores: list[int]  # calls per score bucket
    errors: list[CallRow] = field(default_factory=list)
    calls: int = 0
    booked: int = 0
    truncated: bool = False

    @property
    def booking_rate(self) -> float | None:
        return self.booked / self.calls if self.calls else None

    @property
    def busiest(self) -> int:
        return max((day.calls for day in self.days), default=0) or 1

    @property
    def most_scored(self) -> int:
        return max(self.scores, default=0) or 1

    @property
    def slowest_p95(self) -> int:
        return max((day.p95_ms or 0 for day in self.days), default=0) or 1


def percentile(values: list[int], share: float) -> int:
    """The nearest-rank percentile of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * share // 1))
    return ordered[int(rank) - 1]


def build(calls: list[tuple[str, CallDocument]], latencies: list[tuple[str, dict[str, Any]]],
          first: date, last: date, truncated: bool) -> Overview:
    days = {first + timedelta(days=n): Day(first + timedelta(days=n)) for n in range((last - first).days + 1)}
    scores = [0] * SCORE_BUCKETS
    result = Overview(days=list(days.values()), scores=scores, truncated=truncated)
    for call_id, call in calls:
        started = call.started_at()
        day = days.get(started.astimezone(UTC).date()) if started else None
        booked = outcome(call) is Outcome.BOOKED
        if day is not None:
            day.calls += 1
            day.booked += booked
        result.calls += 1
        result.booked += booked
        score = lead_score(call)
        if score is not None:
            scores[min(score // SCORE_BUCKETS, SCORE_BUCKETS - 1)] += 1
        if status_is_error(call):
            result.errors.append(row(call_id, call))
    per_day: dict[date, list[int]] = {}
    for _, event in latencies:
        at, total = event.get("at_ms"), event.get("total_ms")
        if isinstance(at, int | float) and isinstance(total, int | float):
            per_day.setdefault(datetime.fromtimestamp(at / 1000, UTC).date(), []).append(int(total))
    for day_date, totals in per_day.items():
        if day_date in days:
            day = days[day_date]
            day.turns, day.p50_ms, day.p95_ms = len(totals), percentile(totals, 0.5), percentile(totals, 0.95)
    return result
