"""Whether a detail a model records was said by the caller: an email, a phone number, a first or
last name must be found in the caller's words in this call (or already be known: the CRM's record
of the caller, the lead so far), else it was made up and is not recorded.

The caller's words are what the speech recognizer wrote, so values are looked for in their spoken
forms: "dana at acme dash logistics dot com" (the parser the offline engine reads emails with,
`callbot.spoken.find_email`), spelled letters ("S-C-H-M-I-D"), "plus", "underscore", numbers said
as words ("four one five, oh one three four", "ortiz eighty-eight": text2num, as the offline engine
reads them), accents and case folded ("Zoë" is "zoe").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import AnyMessage, HumanMessage
from text_to_num import alpha2digit

from callbot.spoken import SYMBOL_WORDS, find_email, fold

CHECKED = ("email", "phone", "first_name", "last_name")
DIGIT_WORDS = {"zero": "0", "oh": "0", "o": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5",
               "six": "6", "seven": "7", "eight": "8", "nine": "9"}
REPEATS = {"double": 2, "triple": 3}
JOINED_WORDS = 4  # a value's parts may be said as up to this many words ("O Brien", "harbor vine")


@dataclass
class Heard:
    """The caller's words in this call, in the forms values are compared in."""

    pieces: set[str] = field(default_factory=set)  # words, runs of adjacent words, spelled letters
    digits: list[str] = field(default_factory=list)  # per utterance, every digit said, in order
    emails: set[str] = field(default_factory=set)

    @classmethod
    def of(cls, texts: Iterable[str], language: str = "en-US") -> Heard:
        heard = cls()
        for said in texts:
            for text in {said, _with_digits(said, language)}:
                words = re.findall(r"[a-z0-9]+", fold(text))
                heard.pieces |= _pieces(words)
                heard.digits.append(_digits(words))
                if found := find_email(text, expecting=True):
                    heard.emails.add(found[0].lower())
        return heard

    def said(self, field_name: str, value: Any) -> bool:
        text = str(value).strip()
        if not text:
            return True
        if field_name == "email":
            parts = re.findall(r"[a-z0-9]+", fold(text))
            return fold(text) in self.emails or bool(parts) and all(p in self.pieces for p in parts)
        if field_name == "phone":
            return self._number(text)
        letters = "".join(re.findall(r"[a-z0-9]+", fold(text)))
        return not letters or letters in self.pieces

    def _number(self, value: str) -> bool:
        number = re.sub(r"\D", "", value)
        national = number[1:] if len(number) == 11 and number.startswith("1") else number  # +1 (NANP)
        return bool(number) and any(number in said or national in said for said in self.digits)


def caller_texts(messages: list[AnyMessage]) -> list[str]:
    return [m.text for m in messages if isinstance(m, HumanMessage)]


def ungrounded(fields: Mapping[str, Any], heard: Heard, known: Iterable[Mapping[str, Any] | None]) -> list[str]:
    """The checked fields of `fields` whose value the caller never said and no `known` record holds."""
    known_values = [{k: fold(str(v)) for k, v in (record or {}).items() if v} for record in known]
    return [name for name in CHECKED if fields.get(name)
            and not any(record.get(name) == fold(str(fields[name])) for record in known_values)
            and not heard.said(name, fields[name])]


def _pieces(words: list[str]) -> set[str]:
    """Each word, each run of up to JOINED_WORDS adjacent words joined, every run of single letters
    (a spelling) joined, and words with their symbol words ("plus", "dash") left out of runs."""
    plain = [w for w in words if w not in SYMBOL_WORDS]
    pieces: set[str] = set()
    for sequence in (words, plain):
        for start in range(len(sequence)):
            for end in range(start + 1, min(start + JOINED_WORDS, len(sequence)) + 1):
                pieces.add("".join(sequence[start:end]))
    run: list[str] = []
    for word in [*plain, ""]:
        if len(word) == 1:
            run.append(word)
            continue
        for start in range(len(run)):
            for end in range(start + 2, len(run) + 1):
                pieces.add("".join(run[start:end]))
        run = []
    return pieces


def _with_digits(text: str, language: str) -> str:
    """`text` with its number words as digits ("eighty-eight" -> "88")."""
    try:
        return alpha2digit(text, "fr" if language.startswith("fr") else "en", threshold=0)
    except (ValueError, IndexError, KeyError):  # text2num's own failures: the words are kept as they are
        return text


def _digits(words: list[str]) -> str:
    """Every digit said, in order: "four one five double five" -> "41555"."""
    out, times = [], 1
    for word in words:
        if word in REPEATS:
            times = REPEATS[word]
            continue
        if word.isdigit():
            out.append(word[0] * times + word[1:])
        elif word in DIGIT_WORDS:
            out.append(DIGIT_WORDS[word] * times)
        times = 1
    return "".join(out)
