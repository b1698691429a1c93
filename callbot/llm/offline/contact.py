"""How the caller will be reached, from their words: an email refused in the ways people say it ("I
don't do email", "still no email though"), which the field decline of `extract` does not read, and a
phone number they give to be texted at (`phonenumbers`, as `extract` masks it).

A caller who refuses an email is booked on their phone number and confirmed by text
(`callbot.agents.state.BOOKING_NEEDS_WITHOUT_EMAIL`), so "no email" there is not a refusal to be
contacted at all: the consent is read again without it.
"""

from __future__ import annotations

import re
from typing import Any

from phonenumbers import Leniency, PhoneNumberFormat, PhoneNumberMatcher, format_number

from callbot.llm.offline.extract import consent

NO_EMAIL = re.compile(
    r"\b(?:i\s+)?(?:don't|do not|never|can't|won't|rarely)\s+(?:do|use|have|check|read|give(?:\s+out)?)\s+"
    r"(?:an?\s+|my\s+|any\s+)?e-?mails?\b(?!\s+(?:from|about))"
    r"(?!\s+to\s+(?!(?:vendors?|anyone|anybody|companies|salespeople|sales people|strangers|people)\b))"
    r"|\b(?:still\s+|but\s+|and\s+)?no\s+e-?mails?(?:\s+address)?\b(?!\s+(?:from|to|about|back))"
    r"|\bnot\s+(?:on|into|big on|giving(?:\s+you)?(?:\s+my|\s+an)?)\s+e-?mail\b"
    r"|\bwithout\s+(?:an?\s+)?e-?mail\b|\bskip\s+the\s+e-?mail\b"
    r"|\bpas\s+d'e-?mail\b|\bpas\s+de\s+(?:courriel|mail)\b"
    r"|\b(?:l'e-?mail|le courriel|mon e-?mail|mon courriel|mon adresse),?\s+je\s+(?:préfère|préférerais|ne veux|ne vais)\s+(?:pas|ne pas)\b"
    r"|\bje\s+(?:ne\s+)?(?:donne|communique)\s+(?:pas|jamais)\s+(?:mon\s+)?(?:e-?mail|courriel|adresse)\b",
    re.IGNORECASE)
REFUSED = ["email", "email_confirmed"]


def refuses_email(text: str) -> bool:
    return bool(NO_EMAIL.search(text))


def phone_given(text: str, region: str = "US") -> str:
    """The first valid phone number in `text`, in E.164; "" when there is none."""
    for match in PhoneNumberMatcher(text, region, leniency=Leniency.VALID):
        return format_number(match.number, PhoneNumberFormat.E164)
    return ""


def without_email(text: str, fields: dict[str, Any]) -> dict[str, Any]:
    """`fields` (what `extract` read in `text`) for a caller who refuses an email: email declined,
    and a "no" to contact that was only the "no email" read again on the rest of the words."""
    fields = dict(fields)
    fields["declined"] = list(dict.fromkeys([*(fields.get("declined") or []), *REFUSED]))
    if fields.get("consent") is False:
        rest = consent(NO_EMAIL.sub(" ", text))
        if rest is None:
            fields.pop("consent")
        else:
            fields["consent"] = rest[0]["consent"]
    return fields
