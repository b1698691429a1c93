"""Details a model records are looked for in what the caller said, in its spoken forms."""

from __future__ import annotations

import pytest

from callbot.agents.grounding import Heard, ungrounded


@pytest.mark.parametrize("said, field, value, grounded", [
    ("my email is dana at acme dash logistics dot com", "email", "dana@acme-logistics.com", True),
    ("it's liam plus calls at harbor dash vine dot com", "email", "liam+calls@harbor-vine.com", True),
    ("j underscore ortiz eighty-eight at gmail dot com", "email", "j_ortiz88@gmail.com", True),
    ("Email's jamie dash lee forty-two at orchard dash analytics dot co", "email", "jamie-lee42@orchard-analytics.co",
     True),
    ("Typed: Dana@Acme.io", "email", "dana@acme.io", True),
    ("Schmid, S-C-H-M-I-D", "last_name", "Schmid", True),
    ("that's s c h m i d", "last_name", "Schmid", True),
    ("I'm Liam O'Brien", "last_name", "O'Brien", True),
    ("this is Zoë", "first_name", "Zoe", True),
    ("this is Zoe", "first_name", "Zoë", True),
    ("I'm Mary Jane Watson", "first_name", "Mary-Jane", True),
    ("text me at four one five, five five five, oh one three four", "phone", "+14155550134", True),
    ("call me on 415-555-0134", "phone", "+1 (415) 555-0134", True),
    ("four one five, double five five, zero one three four", "phone", "+14155550134", True),
    # made up
    ("Hi, I'm Dana Whitfield from Acme Logistics.", "email", "dana.whitfield@acme.com", False),
    ("Hi, I'm Dana Whitfield from Acme Logistics company.", "email", "dana@acme.com", False),
    ("I'm Dana.", "first_name", "Diana", False),
    ("I'm Dana.", "last_name", "Whitfield", False),
    ("We are forty people.", "phone", "+14155550100", False),
])
def test_a_value_is_grounded_when_the_caller_said_it_in_any_spoken_form(said, field, value, grounded):
    assert ungrounded({field: value}, Heard.of([said]), []) == ([] if grounded else [field])


def test_values_already_known_need_not_be_said_again_and_other_fields_are_not_checked():
    known = [{"first_name": "Sam", "email": "sam@zeta.io"}, None, {"phone": "+14155550123"}]
    fields = {"first_name": "sam", "email": "SAM@zeta.io", "phone": "+14155550123", "team_size": 5, "company": "X"}
    assert ungrounded(fields, Heard.of(["Hi, I need to move my meeting."]), known) == []


def test_every_utterance_of_the_call_counts():
    heard = Heard.of(["I'm Dana.", "Whitfield, W H I T F I E L D."])
    assert ungrounded({"first_name": "Dana", "last_name": "Whitfield"}, heard, []) == []
