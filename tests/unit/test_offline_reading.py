"""What the offline engine reads in one utterance (`callbot.llm.offline.extract.extract`): names, roles and
the rest, said the way strangers say them; and what it must not read into other words."""

from __future__ import annotations

import pytest

from callbot.llm.offline.extract import extract

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(("said", "asked", "expected"), [
    ("So, I'm Niamh, that's N-I-A-M-H, it's pronounced Neev, Irish spelling. Niamh Okonkwo-Daly. I run operations at "
     + "Riverbend Animal Health.", None, {"first_name": "Niamh", "last_name": "Okonkwo-Daly",
                                           "company": "Riverbend Animal Health"}),
    ("Sure. Tomasz, T-O-M-A-S-Z, last name Wójcik hyphen Nowak, N-O-W-A-K. Sales manager at SunRow Solar.",
     "first_name", {"first_name": "Tomasz", "last_name": "Wójcik-Nowak", "role": "Sales manager",
                    "company": "SunRow Solar"}),
    ("I'm Zsófia, Z-S-O-F-I-A, Kovács-Tóth, I lead customer service at Precision Smile Dental Lab.", "first_name",
     {"first_name": "Zsófia", "last_name": "Kovács-Tóth", "company": "Precision Smile Dental Lab"}),
    ("Hi! Ciao. Giulia Bianchi-Ferraro, Giulia with a G-I-U. I manage event sales at Lockbox Adventures.", None,
     {"first_name": "Giulia", "last_name": "Bianchi-Ferraro", "company": "Lockbox Adventures"}),
    ("I'm Ciaran Brennan. I'm one of the brothers, co-owner.", None, {"role": "co-owner"}),
    ("Mariam Haddad, head of client services, at Lumen Legal.", None, {"role": "head of client services"}),
])
def test_what_a_caller_says_of_themselves_is_read(said, asked, expected):
    fields = extract(said, asked, {}, "en-US")
    assert {k: fields.get(k) for k in expected} == expected


@pytest.mark.parametrize(("said", "asked", "not_read"), [
    ("Can we do Tuesday at three thirty? Central time, I'm in Oklahoma.", "company", ("first_name", "last_name")),
    ("When a truck breaks down, the dispatcher calls us, and the call goes to voicemail.", "need", ("role",)),
    ("Yes, partners at the end, that's the one. Emails are fine.", "email_confirmed", ("role",)),
    ("It was fine. My manager said to call.", None, ("role",)),
])
def test_other_words_are_not_read_as_a_name_or_a_role(said, asked, not_read):
    fields = extract(said, asked, {}, "en-US")
    assert not {k: fields[k] for k in not_read if k in fields}
