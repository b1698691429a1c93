"""Settings of the action functions (prefix `CALLBOT_`), with the adapter chosen for each port."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Literal

from pydantic import Field, field_validator

from callbot.settings import CommonSettings


class ActionSettings(CommonSettings):
    """crm_action, calendar_action and knowledge_action."""

    max_message_age_s: int = Field(default=600, ge=1, description="older messages are dropped, not retried")
    crm_backend: Literal["memory"] = "memory"
    calendar_backend: Literal["memory"] = "memory"
    knowledge_backend: Literal["memory"] = "memory"
    demo_clock: str = Field(
        default="", description="ISO date-time the in-memory calendar takes as now (tests); empty: the real now")

    @field_validator("demo_clock")
    @classmethod
    def _aware_iso(cls, value: str) -> str:
        if value and datetime.fromisoformat(value).tzinfo is None:
            raise ValueError("demo_clock needs a UTC offset, e.g. 2026-12-01T09:00:00+00:00")
        return value

    def calendar_clock(self) -> Callable[[], datetime]:
        """What the calendars take as now: the fixed `demo_clock` when set, else the real time."""
        if self.demo_clock:
            fixed = datetime.fromisoformat(self.demo_clock)
            return lambda: fixed
        return lambda: datetime.now(UTC)
