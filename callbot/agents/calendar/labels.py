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


def speak_time(start: datetime | str, timezone: str, language: str = "en-US") -> str:
    when = datetime.fromisoformat(start) if isinstance(start, str) else start
    local = when.astimezone(ZoneInfo(timezone))
    zone = ZONE_NAMES.get(language, {}).get(timezone, timezone.replace("_", " "))
    if language.startswith("fr"):
        return (f"{_FR_DAYS[local.weekday()]} {local.day} {_FR_MONTHS[local.month - 1]} à "
                f"{local.hour} h {local.minute:02d}, {zone}")
    hour = local.strftime("%I:%M %p").lstrip("0")
    return f"{local.strftime('%A, %B')} {local.day} at {hour} {zone}"
