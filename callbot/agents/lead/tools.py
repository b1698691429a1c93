"""Lead tools: what the caller says about themselves, recorded in the graph's state (no action
function). Every specialist has `record_details`: a caller gives details whenever they like."""

from __future__ import annotations

from langchain_core.tools import tool


@tool(parse_docstring=True)
def record_details(first_name: str | None = None, last_name: str | None = None, company: str | None = None,
                   role: str | None = None, need: str | None = None, team_size: int | None = None,
                   timeline: str | None = None, email: str | None = None, email_confirmed: bool | None = None,
                   phone: str | None = None, name_confirmed: bool | None = None, consent: bool | None = None,
                   wants_meeting: bool | None = None, meeting_preference: str | None = None,
                   declined: list[str] | None = None) -> dict:
    """Record what the caller just said about themselves, whenever they say it and in any order: pass
    every field their words give (several at once) and only those; a corrected value replaces the old.

    Args:
        first_name: the caller's first name, as they said or spelled it (never a greeting or a word like "good").
        last_name: the caller's last name, spelled as they gave it (e.g. "O'Brien").
        company: the company they work for (its name, not a description like "a small logistics firm").
        role: their job title or role (e.g. "VP of Sales", "runs dispatch").
        need: what they want to solve, in a few words.
        team_size: how many people would use the product (a count of people, never a time or a date).
        timeline: when they want to start, in their words (e.g. "this quarter").
        email: their email address, normalised (e.g. "dana+calls@acme-logistics.com").
        email_confirmed: true once the caller confirmed the email read back to them.
        phone: a number the caller gives to be texted at, when it is not the one they call from (e.g. "+14155550134").
        name_confirmed: true once the caller confirmed their name read back to them.
        consent: whether they agree to be contacted by email and text about this request (by text alone
            when they will not give an email).
        wants_meeting: true when they ask for a meeting or demo, false when they say they do not want one.
        meeting_preference: when they would like to meet, in their words (e.g. "next Wednesday at 2 pm").
        declined: names of the fields above that the caller would rather not give (never ask them again);
            ["email"] when they will not give an email: they are then booked on their phone number.
    """
    return {k: v for k, v in locals().items() if v is not None}


TOOLS = [record_details]
