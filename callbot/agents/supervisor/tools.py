"""Tools every specialist has: hand the conversation to another specialist or to a person, or end
the call. They run in the graph and change where it goes next."""

from __future__ import annotations

from langchain_core.tools import tool


@tool(parse_docstring=True)
def transfer_to_lead() -> str:
    """Hand the conversation to the lead specialist, who collects the caller's details."""
    return "lead"


@tool(parse_docstring=True)
def transfer_to_calendar(intent: str = "book") -> str:
    """Hand the conversation to the calendar specialist, who offers slots and books, moves or
    cancels meetings.

    Args:
        intent: what the caller wants: "book", "reschedule" or "cancel"; "offer" when the caller has not said
            yet whether they want a meeting (the times are offered with the question).
    """
    return "calendar"


@tool(parse_docstring=True)
def transfer_to_knowledge() -> str:
    """Hand the conversation to the knowledge specialist, who answers product questions from the
    knowledge base."""
    return "knowledge"


@tool(parse_docstring=True)
def transfer_to_human(reason: str) -> str:
    """Connect the caller with a person from the sales team, when they ask for one or when you
    cannot help.

    Args:
        reason: why, in a few words, for the person who picks up.
    """
    return reason


@tool(parse_docstring=True)
def end_call() -> str:
    """End the call politely, when the caller says goodbye or has nothing more to ask."""
    return "end"


HANDOFFS = {"transfer_to_lead": "lead", "transfer_to_calendar": "calendar", "transfer_to_knowledge": "knowledge"}
COMMON_TOOLS = [transfer_to_lead, transfer_to_calendar, transfer_to_knowledge, transfer_to_human, end_call]
