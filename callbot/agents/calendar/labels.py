"""Times as the bot says them: "Tuesday, December 1 at 10:00 AM Eastern Time"."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

ZONE_NAMES = {
    "en-US": {"America/New_York": "Eastern Time", "America/Chicago": "Central Time",
              "America/Denver": "Mountain Time", "America/Los_Angeles": "Pacific Time",
              "Europe/Paris": "Paris time", "Europe/London": "London time"},
    "fr-FR": {"Europe/Paris": "heure de Paris", "America/New_York": "heure de New York"},
}
_FR_DAYS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]
_FR_MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
              "octobre", "novembre", "décembre"]


def zone_name(timezone: str, language: str = "en-US") -> str:
    """How a time zone is said: "Eastern Time"; by its city for a zone not listed ("Berlin time", "heure de Berlin")."""
    named = ZONE_NAMES["fr-FR" if language.startswith("fr") else "en-US"].get(timezone)
    if named:
        return named
    city = timezone.rsplit("/", 1)[-1].replace("_", " ")
    return f"heure de {city}" if language.startswith("fr") else f"{city} time"


def speak_time(start: datetime | str, timezone: str, language: str = "en-US") -> str:
    when = datetime.fromisoformat(start) if isinstance(start, str) else start
    local = when.astimezone(ZoneInfo(timezone))
    if language.startswith("fr"):
        return f"{_FR_DAYS[local.weekday()]} {local.day} {_FR_MONTHS[local.month - 1]} à {_clock(local, timezone, language)}"
    return f"{local.strftime('%A, %B')} {local.day} at {_clock(local, timezone, language)}"


def _clock(local: datetime, timezone: str, language: str) -> str:
    """The time of day and its zone: "10:00 AM Eastern Time", "16 h 00, heure de Paris"."""
    if language.startswith("fr"):
        return f"{local.hour} h {local.minute:02d}, {zone_name(timezone, language)}"
    return f"{local.strftime('%I:%M %p').lstrip('0')} {zone_name(timezone, language)}"


def speak_time_for(start: datetime | str, timezone: str, callers_zone: str | None, language: str = "en-US") -> str:
    """The time in the caller's zone, when they named one, with the company's time after it: "Thursday,
    December 10 at 3:00 PM London time (10:00 AM Eastern Time)"; else in the company's zone."""
    if not callers_zone or callers_zone == timezone:
        return speak_time(start, timezone, language)
    when = datetime.fromisoformat(start) if isinstance(start, str) else start
    ours = _clock(when.astimezone(ZoneInfo(timezone)), timezone, language)
    return f"{speak_time(when, callers_zone, language)} ({ours})"
