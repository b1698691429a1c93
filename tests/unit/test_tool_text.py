"""Tool calls written as text, and the sentence buffer that never lets code reach the caller."""

from __future__ import annotations

import pytest

from callbot.agents.speech import SentenceBuffer
from callbot.agents.tool_text import tool_call_in_text

TOOLS = {"record_details", "end_call"}


@pytest.mark.parametrize("text, args", [
    ('{"name": "record_details", "arguments": {"first_name": "Ann"}}', {"first_name": "Ann"}),
    ('  ```json\n{"name": "record_details", "arguments": {"first_name": "Ann"}}\n```  ', {"first_name": "Ann"}),
    ('```\n{"name": "record_details", "args": {"first_name": "Ann"}}\n```', {"first_name": "Ann"}),
    ('{"name": "record_details", "arguments": "{\\"first_name\\": \\"Ann\\"}"}', {"first_name": "Ann"}),
    ('{"name": "end_call"}', {}),
])
def test_a_json_object_naming_a_tool_is_that_call(text, args):
    found = tool_call_in_text(text, TOOLS, "c1")
    assert (found["name"], found["args"], found["id"]) == (text.split('"name": "')[1].split('"')[0], args, "c1")


@pytest.mark.parametrize("text", [
    '{"name": "save_lead", "arguments": {}}',  # not a tool of the step
    '{"name": "record_details", "arguments": ["Ann"]}',
    '{"name": "record_details", "arguments": {"first_name": "Ann"}',
    '{"name": "record_details", "arguments": {}} {"name": "end_call", "arguments": {}}',
    'Sure, {"name": "record_details", "arguments": {}}',
    '[{"name": "record_details", "arguments": {}}]',
    '{"tool": "record_details"}',
])
def test_anything_else_is_no_call(text):
    assert tool_call_in_text(text, TOOLS, "c1") is None


def feed_words(buffer, text):
    out = []
    for word in text.split(" "):
        out += buffer.feed(word + " ")
    return out


def test_ordinary_sentences_are_given_as_soon_as_they_end():
    buffer = SentenceBuffer()
    assert buffer.feed("Hello there. How") == ["Hello there."]
    assert buffer.feed(" are you? Fine") == ["How are you?"]
    assert buffer.flush() == ["Fine"] and buffer.held == ""


@pytest.mark.parametrize("text, spoken", [
    ('{"name": "record_details", "arguments": {"first_name": "Ann"}}', []),
    ('```json {"name": "end_call"} ``` Goodbye.', []),
    ('Sure thing. {"name": "end_call", "arguments": {}}', ["Sure thing."]),
    ('Sure thing. Let me note that ```json {"name": "end_call"} ```', ["Sure thing.", "Let me note that"]),
    ('Here it is: {"name": "end_call"}. Bye.', ["Here it is:"]),
    ('Noted. [laughs] okay.', ["Noted."]),
])
def test_text_from_where_it_looks_like_code_is_held_back(text, spoken):
    buffer = SentenceBuffer()
    said = feed_words(buffer, text) + buffer.flush()
    assert said == spoken
    assert buffer.held.strip() and buffer.held.strip() in text and not any("{" in s or "`" in s for s in said)
