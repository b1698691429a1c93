"""Spoken forms: numbers said in words, yes and no, email addresses said aloud and read back,
sentences joined and choices offered ("A, B, or C").

A speech recognizer writes what it heard: "dana plus calls at acme dash logistics dot com", "forty",
"d a n a". These helpers turn such text into values, and values back into words a caller can check.
"""

from __future__ import annotations

import re
import unicodedata

from callbot.phrases import Phrase, phrase

# where a written sentence ends (and a closing quote or bracket after it): not after "a.m.", "p.m.", "e.g." or
# "i.e." ("from 8 a.m. to 6 p.m. Eastern Time" is one sentence)
SENTENCE_END = re.compile(r"(?<![ap]\.m\.)(?<!e\.g\.)(?<!i\.e\.)(?<=[.!?])[\"')\]]*\s+(?=\S)")


def fold(text: str) -> str:
    """Lower case without accents, for comparing what was said with what is written: "Intégrations" ->
    "integrations", "Zoë" -> "zoe"."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))

UNIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
              "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen")
TEN_WORDS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
UNITS = {word: value for value, word in enumerate(UNIT_WORDS)}
TENS = {word: 10 * (index + 2) for index, word in enumerate(TEN_WORDS)}
NUMBER_WORD = "|".join([*UNITS, *TENS, "hundred", "dozen"])
NUMBER = rf"\b(?:\d+|(?:an? )?(?:{NUMBER_WORD})(?:[ -](?:and )?(?:{NUMBER_WORD}))*)\b"

NO = re.compile(r"^\W*(?:no|nope|nah|non)\b(?!\s+(?:meeting|demo|call|rush|hurry|problem|worries)\b)|\b(?:not (?:right|correct|quite|really)|(?:that's |that is )?wrong|"
                r"incorrect|don't|do not|rather not|no thanks?|no thank you|pas (?:correct|d'accord))\b", re.IGNORECASE)
YES = re.compile(r"\b(?:yes|yeah|yep|yup|ya|sure|correct|right|exactly|absolutely|definitely|of course|ok|okay|"
                 r"alright|alrighty|all right|"
                 r"sounds good|please do|go ahead|perfect|great|awesome|excellent|wonderful|brilliant|cool|lovely|that works|works for me|lock it in|book it|that's it|i do|i agree|fine|"
                 r"that's the one|spot on|you got it|that's me|oui|d'accord|exact|c'est ça|c'est bien ça|bien sûr|"
                 r"volontiers|parfait|ça me va|ça marche|très bien|entendu)\b|"
                 r"^\W*(?:very )?good\b(?! (?:morning|afternoon|evening|question|point|to know|luck|news))",
                 re.IGNORECASE)


def parse_number(text: str) -> int | None:
    """The first number in `text`, in digits or words ("forty five", "a dozen", "a hundred")."""
    match = re.search(NUMBER, text.lower())
    if match is None:
        return None
    said = match.group(0)
    if said.isdigit():
        return int(said)
    total, current = 0, 0
    for word in re.findall(r"[a-z]+", said):
        if word in UNITS:
            current += UNITS[word]
        elif word in TENS:
            current += TENS[word]
        elif word == "hundred":
            current = (current or 1) * 100
        elif word == "dozen":
            current = (current or 1) * 12
    return total + current


def yes_or_no(text: str) -> bool | None:
    """True for a yes, False for a no, None when the answer is neither."""
    if re.search(r"\b(?:not sure|unsure|no idea|don't know|dunno)\b", text, re.IGNORECASE):
        return None  # "hmm, maybe, not sure": neither
    if NO.search(text):
        return False
    if YES.search(text):
        return True
    return None


SYMBOL_WORDS = {"at": "@", "arobase": "@", "dot": ".", "period": ".", "point": ".", "dash": "-", "hyphen": "-",
                "minus": "-", "tiret": "-", "underscore": "_", "plus": "+"}
LITERAL_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
BREAK = ","
# words that end the local part when reading backwards from "at"
BEFORE_EMAIL = {"is", "it's", "its", "email", "e-mail", "address", "mail", "me", "to", "yes", "yeah", "sure",
                "okay", "ok", "so", "um", "uh", "it", "my", "the", "that's", "thats", "and", "was", "i", "reach",
                "contact", "use", "try", "actually", "no", "sorry", "oh", "well", "send", "c'est", "est", "at",
                "arobase"}
# how an address is written, said between commas inside it ("..., no apostrophe, at ..."): not part of it
ASIDES = {"no", "without", "all", "lowercase", "lower", "small", "capital", "with"}
ASIDE_WORDS = 3
# words said between the letters of an address that are not part of it: "the letter a, dot, then p r z"
CONNECTIVES = {"then", "letter"}
SPELLED_OUT = {"@": "at", ".": "dot", "-": "dash", "_": "underscore", "+": "plus"}
SPELLED_OUT_FR = {"@": "arobase", ".": "point", "-": "tiret", "_": "tiret bas", "+": "plus"}


LETTERS_SPELLED = re.compile(r"[a-z](?:-[a-z])+")


def _tokens(text: str) -> list[tuple[str, int, int]]:
    """Words with their offsets; punctuation that ends a phrase becomes a BREAK token."""
    tokens = []
    for match in re.finditer(r"[^\s,;!?]+|[,;!?]", text.lower()):
        word, start = match.group(0), match.start()
        stripped = word.rstrip(".:")
        if stripped in ",;!?" or not stripped:
            tokens.append((BREAK, start, match.end()))
            continue
        end = start + len(stripped)
        said = stripped.replace("-", "") if LETTERS_SPELLED.fullmatch(stripped) else stripped  # "dot c-o": "co"
        tokens.append((said.replace("’", "'"), start, end))
        if stripped != word:
            tokens.append((BREAK, end, match.end()))
    return tokens


def _is_word(token: str) -> bool:
    return token != BREAK and bool(re.fullmatch(r"[a-z0-9][a-z0-9.+_-]*", token))


def _domain(tokens: list[tuple[str, int, int]], index: int) -> tuple[str, int] | None:
    """The domain said from `tokens[index]`, and the index of its last token."""
    parts: list[str] = []
    dotted, expect_word, last = False, True, index - 1
    for position in range(index, len(tokens)):
        token = tokens[position][0]
        symbol = SYMBOL_WORDS.get(token) if token != "at" else None
        if symbol in (".", "-"):
            if expect_word:
                return None
            parts.append(symbol)
            dotted, expect_word = dotted or symbol == ".", True
        elif _is_word(token) and (expect_word or not dotted):
            parts.append(token)
            dotted, expect_word, last = dotted or "." in token, False, position
        elif dotted and len(token) == 1 and token.isalpha() and last == position - 1 and len(parts[-1]) == 1:
            parts.append(token)  # "dot N L": a top-level domain spelled letter by letter
            last = position
        else:
            break
    domain = "".join(parts).strip(".-")
    return (domain, last) if dotted and not expect_word and "." in domain else None


def _local(tokens: list[tuple[str, int, int]], index: int) -> tuple[str, int] | None:
    """The local part said before `tokens[index]` ("at"), and the index of its first token."""
    parts: list[str] = []
    first = index
    start = index - 1
    if start > 0 and tokens[start][0] == BREAK:  # "yusuf, Y U S U F, at ...": the spelling, then "at"
        start -= 1
    aside = start  # "siobhan dot oneill, no apostrophe, at ...": a word on how it is written, not part of it
    while aside > 0 and tokens[aside][0] != BREAK and start - aside < ASIDE_WORDS:
        aside -= 1
    if 0 < aside < start and tokens[aside][0] == BREAK and tokens[aside + 1][0] in ASIDES:
        start = aside - 1
    joined = False
    for position in range(start, max(-1, index - 16), -1):
        token = tokens[position][0]
        if token in CONNECTIVES and parts:
            joined = True
            continue
        if token == BREAK and parts and (joined or parts[0] in (".", "_", "-", "+")):
            joined = False
            continue  # "J I L L I A N, dot moreau, at ...": the symbol joins across the pause
        spelling = len(token) == 1 and bool(parts) and len(parts[0]) == 1  # "l i a m": "i" is a letter
        if (token in BEFORE_EMAIL and not spelling) or not _is_word(token):
            break
        parts.insert(0, SYMBOL_WORDS.get(token, token))
        first = position
    local = "".join(parts).strip(".-_+")
    return (local, first) if local else None


ONE_WORD = re.compile(r",?\s*\b(?:that's |it's |is |as |all )?(?:one|1) word\b,?|,?\s*\bno spaces\b,?|"
                      r",?\s*\ben un (?:seul )?mot\b,?|,?\s*\ball squished together\b,?", re.IGNORECASE)


# an address said aloud unasked ("it's diego at pecan street insurance dot com") is taken when it ends
# in one of these; "we're at the office dot ..." does not
COMMON_TLDS = frozenset(["com", "net", "org", "io", "co", "ai", "us", "biz", "info", "edu", "gov", "app", "dev", "uk",
                         "ca", "fr", "de", "be", "eu", "aero", "health", "law", "travel", "tech", "agency", "studio",
                         "design", "events", "shop", "store", "online", "site", "work", "email", "me", "tv", "ch",
                         "nl", "es", "it", "se", "dk", "no", "ie", "au", "nz", "mx", "br", "in", "jp", "coop", "pro"])


def find_email(text: str, expecting: bool) -> tuple[str, tuple[int, int]] | None:
    """The email address in `text` (typed, or said aloud when `expecting` one, the caller names it,
    or it ends in a common top-level domain),
    normalised to lower case, with its span in `text`; the last one when the caller gives two ("my
    email is X... actually, use my work one: Y")."""
    text = ONE_WORD.sub(lambda m: " " * len(m.group(0)), text)  # "cascadeoutdoor, all one word, dot com"
    literals = list(LITERAL_EMAIL.finditer(text))
    if literals:
        return literals[-1].group(0).lower().rstrip("."), literals[-1].span()
    named = expecting or re.search(r"\b(?:e-?mail|address|reach me|adresse|mail|courriel)\b", text, re.IGNORECASE)
    tokens = _tokens(text)
    found = None
    for index, (token, _, _) in enumerate(tokens):
        if token not in ("at", "arobase", "@"):
            continue
        domain, local = _domain(tokens, index + 1), _local(tokens, index)
        if domain and local and (named or domain[0].rsplit(".", 1)[-1] in COMMON_TLDS):
            found = f"{local[0]}@{domain[0]}", (tokens[local[1]][1], tokens[domain[1]][2])
    return found


def read_back(email: str, language: str) -> str:
    """`email` as words, the way it was understood: "dana plus calls at acme dash logistics dot com"."""
    words = SPELLED_OUT_FR if language.startswith("fr") else SPELLED_OUT
    return " ".join(words.get(part, part) for part in re.findall(r"[^@._+-]+|[@._+-]", email))


def join(*parts: str) -> str:
    """Sentences said one after the other, the empty ones left out."""
    return " ".join(part for part in parts if part)


def either(options: list[str], language: str) -> str:
    """'A, or B' / 'A, B, or C', as the bot offers choices."""
    if len(options) < 2:
        return "".join(options)
    return ", ".join(options[:-1]) + f", {phrase(Phrase.OR, language)} " + options[-1]
