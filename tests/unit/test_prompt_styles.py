"""The agents' prompt styles: full (the production prompts, the default) and compact (small local models)."""

from __future__ import annotations

from langchain_core.messages import HumanMessage, ToolMessage

from callbot.agents.context import parse_context
from callbot.agents.prompting import HERE, rules_file, system_prompt
from callbot.settings import AgentTurnSettings

NOW = "2026-12-01T10:05:00-05:00"


def _state(lead: dict | None = None, **more) -> dict:
    return {"language": "en-US", "caller_number": "+14155550123", "lead": lead or {},
            "messages": [HumanMessage("Hi")], **more}


def test_the_default_style_is_full_and_unchanged() -> None:
    settings = AgentTurnSettings()
    assert settings.prompt_style == "full"
    prompt = system_prompt("lead", _state(), settings, NOW)
    assert prompt.startswith(rules_file("en-US").read_text(encoding="utf-8").strip().split("{company}")[0])
    assert "next" not in parse_context(prompt) and "missing" in parse_context(prompt)


def test_the_compact_style_is_shorter_and_says_what_to_do_next(monkeypatch) -> None:
    monkeypatch.setenv("CALLBOT_PROMPT_STYLE", "compact")
    settings = AgentTurnSettings()
    for agent in ("lead", "calendar", "knowledge"):
        compact = system_prompt(agent, _state(), settings, NOW)
        full = system_prompt(agent, _state(), AgentTurnSettings(prompt_style="full"), NOW)
        assert len(compact) < len(full) / 2
        assert "{" not in compact.split("<call-state>")[0].replace('{"', "")  # the company was filled in
    context = parse_context(system_prompt("lead", _state(), settings, NOW))
    assert context["next"] == "ask for their name" and context["lead"] == {}


def test_next_follows_the_state() -> None:
    settings = AgentTurnSettings(prompt_style="compact")

    def next_of(agent: str, state: dict) -> str:
        return parse_context(system_prompt(agent, state, settings, NOW))["next"]

    known = {"first_name": "Dana", "last_name": "Lee", "email": "dana@acme.com", "email_confirmed": True,
             "name_confirmed": True, "consent": True, "wants_meeting": True}
    assert "read their name and email back" in next_of("lead", _state({"first_name": "Dana", "last_name": "Lee",
                                                                        "email": "d@a.com", "wants_meeting": True}))
    assert next_of("lead", _state(known)) == "call `save_lead`"
    assert next_of("lead", _state(known, lead_id="L1")) == "call `transfer_to_calendar`"
    assert "find_slots" in next_of("calendar", _state(known))
    options = [{"id": "s1", "start": "2026-12-08T15:00:00+00:00"}]
    assert "book_meeting" in next_of("calendar", _state(known, meeting_options=options))
    assert "search_knowledge" in next_of("knowledge", _state())
    answered = _state(messages=[HumanMessage("price?"), ToolMessage("{}", tool_call_id="t1", name="search_knowledge")])
    assert next_of("knowledge", answered).startswith("answer")


def test_a_language_without_compact_files_keeps_the_full_ones() -> None:
    settings = AgentTurnSettings(prompt_style="compact")
    french = system_prompt("lead", _state(language="fr-FR"), settings, NOW)
    assert french.startswith(rules_file("fr-FR").read_text(encoding="utf-8").strip()[:40])
    assert (HERE / "prompts" / "rules.v1-compact.en-US.md").is_file()
