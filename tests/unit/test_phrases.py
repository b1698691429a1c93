"""The bot's one table of phrases: every name has an entry, every entry every language, the cached
ones are whole sentences in every language, and no phrase is named by a string or a misspelt member
anywhere in the tree (the project runs no type checker, so this test stands in for one)."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from callbot.agents.state import BOOKING_NEEDS_WITHOUT_EMAIL, QUALIFICATION_ORDER
from callbot.llm.offline.lead_agent import QUESTIONS
from callbot.phrases import DEFAULT_LANGUAGE, LANGUAGES, PHRASES, Phrase, cached_texts, phrase

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("callbot", "stream_relay", "functions", "devtools", "bench", "scripts", "tests")


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def python_files() -> list[Path]:
    return [path for folder in SOURCES for path in (ROOT / folder).rglob("*.py")]


def test_every_name_has_an_entry_and_every_entry_every_language() -> None:
    assert set(PHRASES) == set(Phrase)
    for key, wording in PHRASES.items():
        assert tuple(wording.texts) == LANGUAGES, key
        assert wording.texts[DEFAULT_LANGUAGE], f"{key} has no English text"


def test_translations_take_the_same_values_as_english() -> None:
    for key, wording in PHRASES.items():
        english = placeholders(wording.texts[DEFAULT_LANGUAGE] or "")
        for language, text in wording.texts.items():
            assert text is None or placeholders(text) == english, (key, language)


def test_cached_phrases_are_whole_sentences_in_every_language() -> None:
    cached = [key for key, wording in PHRASES.items() if wording.cached]
    assert {Phrase.GREETING, Phrase.FILLER, Phrase.REPROMPT, Phrase.SILENCE_GOODBYE, Phrase.WRAP_UP,
            Phrase.APOLOGY} <= set(cached)  # said before any LLM answers, or by the relay itself
    for key in cached:
        for language, text in PHRASES[key].texts.items():
            assert text and not placeholders(text), (key, language)


def test_cached_texts_are_what_phrase_says_for_the_cached_entries() -> None:
    expected = {language: {phrase(key, language) for key, wording in PHRASES.items() if wording.cached}
                for language in LANGUAGES}
    assert {language: set(texts) for language, texts in cached_texts().items()} == expected
    assert phrase(Phrase.SLOT_TAKEN, "fr-FR") not in cached_texts()["fr-FR"]


def test_a_line_not_translated_or_a_language_not_spoken_is_said_in_english() -> None:
    untranslated = next(key for key, wording in PHRASES.items() if wording.texts["fr-FR"] is None)
    assert phrase(untranslated, "fr-FR", label="mardi", with_rep="") == phrase(
        untranslated, "en-US", label="mardi", with_rep="")
    assert phrase(Phrase.GOODBYE, "de-DE") == phrase(Phrase.GOODBYE, "en-US") == "Thanks for calling. Goodbye!"
    assert phrase(Phrase.GOODBYE, "fr-FR") == "Merci de votre appel. Au revoir !"


def test_values_fill_the_placeholders_and_a_missing_one_is_an_error() -> None:
    assert phrase(Phrase.WELCOME_BACK, "en-US", name="Sam") == "Welcome back, Sam."
    assert phrase(Phrase.THANKS_NAME, "fr-FR", name="Sam") == "Merci, Sam."
    with pytest.raises(KeyError):
        phrase(Phrase.WELCOME_BACK, "en-US")


def test_the_lead_agent_has_a_question_for_every_field_it_asks_for() -> None:
    # the email and the name are read back (CONFIRM_NAME when only the name is), the rest asked; the
    # phone only when booking without an email from a number the call does not show
    assert set(QUESTIONS) == set(QUALIFICATION_ORDER) - {"email_confirmed", "name_confirmed"} | {"phone"}
    assert set(BOOKING_NEEDS_WITHOUT_EMAIL) - set(QUALIFICATION_ORDER) == {"phone"}


def test_phrases_are_named_by_existing_members_never_by_strings() -> None:
    members = set(Phrase.__members__)
    misspelt, by_string = [], []
    for path in python_files():
        text = path.read_text(encoding="utf-8")
        where = path.relative_to(ROOT)
        misspelt += [f"{where}: Phrase.{name}" for name in re.findall(r"\bPhrase\.([A-Za-z_]\w*)", text)
                     if name not in members and not name.startswith("_")]
        by_string += [f"{where}: {call}" for call in re.findall(r"\bphrase\(\s*[\"'][^\"']*[\"']", text)]
    assert misspelt == []
    assert by_string == []
