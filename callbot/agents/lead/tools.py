"""Lead tools: the qualification fields, recorded in the graph's state (no action function)."""

from __future__ import annotations

from langchain_core.tools import tool


@tool(parse_docstring=True)
def record_details(first_name: str | None = None, last_name: str | None = None, company: str | None = None,
                   role: str | None = None, need: str | None = None, team_size: int | None = None,
                   timeline: str | None = None, email: str | None = None, email_confirmed: bool | None = None,
                   consent: bool | None = None) -> dict:
    """Record what the caller said about themselves; pass only the fields they just gave or changed.

    Args:
        first_name: the caller's first name.
        last_name: the caller's last name, spelled as they gave it (e.g. "O'Brien").
        company: the company they work for.
        role: their job title or role.
        need: what they want to solve, in a few words.
        team_size: how many people would use the product.
        timeline: when they want to start, in their words (e.g. "this quarter").
        email: their email address, normalised (e.g. "dana+calls@acme-logistics.com").
        email_confirmed: true once the caller confirmed the email read back to them.
        consent: whether they agree to be contacted by email and text about this request.
    """
    return {k: v for k, v in locals().items() if v is not None}


TOOLS = [record_details]
