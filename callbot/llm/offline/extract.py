"""Qualification fields from what the caller said, whatever was asked: name, company, role, need,
team size, timeline, email, yes/no to the read-back and the consent question, fields declined, and
corrections.

Every phrasing is looked for in every utterance ("Hi, this is Priya Natarajan, I run dispatch at
Harbor & Vine, we've got about forty drivers" gives five fields); a bare answer ("Acme Logistics")
fills the field the bot asked for, when no phrasing claimed that part of the utterance. Well-kept
libraries do the reading where one exists: `text2num` turns number words into digits (English and
French), `nameparser` splits and capitalises person names ("o'brien" -> "O'Brien", particles kept),
`email-validator` checks the addresses heard, `phonenumbers` finds phone numbers (never a team size),
and times and days are found by `dates` (dateparser), so "2 pm" is never a team size either.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping
from typing import Any

from babel import Locale
from email_validator import EmailNotValidError, validate_email
from nameparser import HumanName
from nameparser.config import CONSTANTS
from phonenumbers import Leniency, PhoneNumberMatcher
from text_to_num import alpha2digit

from callbot.llm.offline.dates import CITY_ZONES, MONTHS, WEEKDAYS, time_spans
from callbot.llm.offline.intents import THANKS_WORDS, classify, declines_meeting, none_of_those
from callbot.spoken import COMMON_TLDS, find_email, fold, parse_number, yes_or_no

Span = tuple[int, int]
NAME = r"[^\W\d_][\w'’-]*"
NOT_NAMES = (
    "the a an head vp looking calling interested with from in on at here just not good fine great ok okay sure so "
    "very really trying hoping wondering responsible part working based currently also actually sorry glad happy "
    "new i me my we our you your it this that what why how who yes yeah no hi hello hey um uh thanks thank please "
    "well calling about going done back in charge of and or but to for is are was looking interested busy "
    "still there ready available director manager founder owner ceo cto cfo coo lead chief senior junior "
    "sales marketing operations president engineer rep from know don't dont idea doing alright all right pretty "
    "curious small big large mid medium local family growing startup start-up company business firm team "
    "gonna going glad fine doing afraid unsure sure certain calling ringing phoning reaching following "
    "following-up probably maybe kind sort bit little huge only one two three four five six seven eight nine ten "
    "not no nope afternoon morning evening there here after before having getting using running trying "
    "a an guess think wondering correct right exactly yep yup bye goodbye perfect honestly office hours "
    "absolutely definitely totally cool awesome nice lovely cheers speaking hmm mhm oui non merci bonjour "
    "monday tuesday wednesday thursday friday saturday sunday today tomorrow morning noon pm am email text "
    "letter dr mr mrs ms doctor dot dash underscore plus hyphen at i'm im we're it's that's ha haha huh wow fair last "
    "enough anyway shoot gosh sorry pardon excuse alors bonjour oui non donc bon voilà euh salut madame "
    "monsieur responsable directeur directrice gérant gérante chef now then chez nous vous écoutez première "
    "d'accord dites ici c'est kidding joking ha never mind timeline budget role title possible anytime anyplace "
    "whenever later soon asap tonight weekday weekdays weekends evenings mornings afternoons")
NOT_A_NAME = frozenset(NOT_NAMES.split())  # neither a person's name nor the first word of a company's
# Not a person's name either, though a company's may start with one ("Pacific Rim Imports"): months
# that are nobody's first name, time zones, greetings and thanks in other languages
NOT_PERSON_NAMES = (
    "january february march september october november december eastern central pacific mountain "
    "atlantic hawaii hawaiian alaska alaskan gmt utc est edt cst cdt mst mdt pst pdt cet bst "
    "aloha mahalo namaste shalom howdy greetings g'day ciao hola gracias danke grazie obrigado obrigada salaam heure "
    "kiitos shledanou tschüss adiós adeus arrivederci sayonara buongiorno buonasera buenos buenas merhaba "
    "konnichiwa jambo sawubona")
NOT_A_PERSON = NOT_A_NAME | frozenset(NOT_PERSON_NAMES.split())
ROLE_WORDS = re.compile(
    r"\b(?:vp|svp|evp|avp|vice|president|head|director|manager|lead|leader|chief|officer|ceo|cto|cfo|coo|cro|"
    r"cmo|founder|co-founder|cofounder|owner|partner|engineer|developer|analyst|rep|representative|executive|"
    r"specialist|coordinator|administrator|admin|consultant|architect|supervisor|associate|assistant|principal|"
    r"gm|md|dispatcher|recruiter|broker|agent|planner|buyer|controller|accountant|nurse|doctor|dentist|responsable|"
    r"directeur|directrice|gérant|gérante|chef|fondateur|fondatrice|associé|associée|commercial|commerciale|comptable|avocat|avocate|"
    r"propriétaire|patron|patronne|président|présidente|"
    r"teacher|realtor|marketer|strategist|producer|editor|secretary|treasurer|superintendent|attorney|lawyer|"
    r"paralegal|counsel|solicitor|pharmacist|therapist|physician|surgeon|veterinarian|vet|optometrist|chiropractor|"
    r"hygienist|technician|foreman|estimator|underwriter|adjuster|auditor|bookkeeper|receptionist)s?\b", re.IGNORECASE)
CLAUSE_END = (r"(?=\s*(?:[,.;!?]|$|\s(?:and|but|so|because|where|who|we|we're|we've|i|i'm|i've|as|calling|looking|"
              r"could|can|would|do|does|is|are|how|what|(?:my|our) (?:name|email|e-mail|role|title|company|team|"
              r"number))\b))")
PHRASE = rf"(.+?){CLAUSE_END}"
FILLERS = re.compile(
    r"^(?:(?:um+|uh+|hmm+|mm+|ah+|er|so|well|yes|yeah|sure|okay|ok|oh|right|it's|it is|that's|that is|that would be|"
    r"that'd be|hi|hello|hey|we're|we are|i'm|i am|i'd say|probably|basically|about|around|roughly|maybe|my name is|"
    r"the company is|my company is|our company is|company is|i work for|i work at|we're called|let me think|"
    r"we are called|my role is|my title is|the|an?|no|sorry|actually|oh|it's called|just|perhaps|i guess|"
    r"i think|wait|hold on|hmm|let's see|and|also|plus|actually|oh)\b[\s,.]*)+", re.IGNORECASE)
UNKNOWN = re.compile(r"\b(?:don't know|not sure|no idea|why|what|who|hello|can you hear|how are you|"
                     r"how's it going)\b", re.IGNORECASE)
SMALL_TALK_WORDS = re.compile(r"\b(?:weather|day going|how are you|how's it going|nice to|good morning|"
                              r"good afternoon)\b", re.IGNORECASE)

# --- names -------------------------------------------------------------------------------------------
NAME_INTRO = re.compile(r"\b(?:my name is|my name's|name's|the name is|call me|this is|i'm|i am|it's|it is|"
                        r"je m'appelle|(?:je suis|(?<!['’])ici)(?=\s+(?-i:[A-ZÀ-ÖØ-Þ])[\w'’-]+\s+(?-i:[A-ZÀ-ÖØ-Þ]))|je me nomme|je me présente\s*[,:]?|moi c'est|mon nom est|mon nom c'est)\s+",
                        re.IGNORECASE)
PARTICLE = r"(?:da|de|del|della|der|di|do|dos|das|du|van|von|den|la|le|bin|ibn|al|el|ter|ten)"
_PARTICLES = rf"(?:{PARTICLE}\s+)*"
HERE_SPEAKING = re.compile(rf"^\W*(?:(?:hi|hello|hey|(?:good )?(?:morning|afternoon|evening)|yes|yeah)\W+)*"
                           rf"({NAME}(?:\s+{_PARTICLES}{NAME})?)\s+(?:here|speaking)\b", re.IGNORECASE)
OPENING_NAME = re.compile(r"^\W*(?i:(?:yeah|yes|oh|well|so|hi|hello|hey|(?:good )?(?:morning|afternoon|evening)|bonjour|bonsoir|allô|oui|ciao|hola|salut|hallo|kia ora|aloha|howdy|namaste|shalom|greetings|buongiorno|buonasera|"
                          r"buenos días|buenos dias|buenas|bom dia|boa tarde|guten tag|hej|hei|moin|merhaba|salaam|salam|"
                          r"konnichiwa|ni hao|jambo|sawubona)(?: there)?\W+)+"
                          rf"([A-ZÀ-ÖØ-Þ][\w'’-]+(?:\s+(?-i:{_PARTICLES})[A-ZÀ-ÖØ-Þ][\w'’-]+){{1,2}})(?=\s*(?:,|\.|$|from\b|at\b|with\b|here\b))")
SENTENCE_NAME = re.compile(r"(?:^|(?<=[.!?:])\s+)([A-ZÀ-ÖØ-Þ][\w'’-]+\s+[A-ZÀ-ÖØ-Þ][\w'’-]+),\s+(?i:(?:(?:the|a|an|and)\s+)?"
                           r"(?=(?:[\w-]+\s+){0,3}(?:vp|head|director|manager|lead|chief|owner|founder|president|"
                           r"ceo|cto|coo|cfo|partner|coordinator|specialist|officer)\b|i'm|i am|here|calling|from|"
                           r"that's short|short for))")
# a name followed by the spelling of one of its words ("Radek Dvořák, RADEK, DVORAK", once collapsed)
_NAME_SPELLED = (r"([A-ZÀ-ÖØ-Þ][\w'’-]+)\s+([A-ZÀ-ÖØ-Þ][\w'’-]+)[,.]?\s+(?:(?i:that's|that is|it's|spelled|spelt),?\s+)?"
                 r"([A-Z]{2,}(?:-[A-Z]{2,})?)\b")
NAME_THEN_SPELLING = re.compile(r"(?:^|(?<=[.!?:])\s+)" + _NAME_SPELLED)
NAME_THEN_SPELLING_ANYWHERE = re.compile(r"(?<![\w'’-])" + _NAME_SPELLED)
# (the name's two words written with capitals, whatever the case of what follows: "Central time, I'm in ..." is none;
# after other words, when nothing else named the caller: "So, uh, Tomasz Kowalski. That's T-o-m-a-s-z")
SPELLED = re.compile(r"(?<![\w'’])(?:[A-Za-z](?:\s*-\s*|\s+)){2,}[A-Za-z](?![\w'’])")
SPELLED_WITH_COMMAS = re.compile(r"(?<![\w'’])(?:[A-Za-z]\s*,\s*){2,}[A-Za-z](?![\w'’])")  # "S, Z, C, Z, E, P, A, N"
SPELLING_TAIL = re.compile(r"\b(?:with(?:out)? an? [a-z]|with two [a-z]'?s|no [a-z] in|spelled|spelt|as in \w+)\b.*$",
                           re.IGNORECASE)
FAMILY_NAME = (rf"(?:{PARTICLE}\s+)+{NAME}(?:\s+(?-i:[A-ZÀ-ÖØ-Þ])[\w'’-]+)?|{NAME}(?:\s+{PARTICLE})+\s+{NAME}|{NAME}")
# ("Nascimento da Silva", "Ruiz de Alarcón", "de la Cruz Ortega")
LAST_NAME = re.compile(rf"\b(?:last name|surname|family name)(?: is|'s|:)(?: actually| really| just)?(?: spelled| spelt)?"
                       rf"\s+({FAMILY_NAME})(?=\s*(?:[,.!?;]|$|\s+(?:and|but|with|all)\b))|"
                       rf"\b(?:last name|surname|family name)(?: is|'s|:)(?: actually| really| just)?(?: spelled| spelt)?"
                       rf"\s+({NAME})|\b({FAMILY_NAME}) is (?:my |the )?(?:last name|surname|family name|last(?: one)?(?=\s*[,.!?;]|$))\b|"
                       rf"\b(?:last name|surname|family name),?\s+(?-i:([A-ZÀ-ÖØ-Þ][\w'’-]*))", re.IGNORECASE)
FIRST_NAME = re.compile(rf"\bfirst name(?: is|'s|:)(?: actually| really| just)?(?: spelled| spelt)?\s+({NAME})|"
                        rf"\bfirst name,?\s+((?-i:[A-ZÀ-ÖØ-Þ][\w'’-]*(?:\s+[A-ZÀ-ÖØ-Þ][\w'’-]*)?))(?=\s*[,.]\s*(?:two|both|(?:it's|that's) two)\b)|"
                        rf"\b({NAME}) is (?:my |the )?(?:first|given) name\b", re.IGNORECASE)


SPELLED_HYPHEN = re.compile(r"\b([A-Z]{2,}),?\s+(?:hyphen|dash),?\s+([A-Z]{2,})\b")
SPELLED_AGAIN = re.compile(r"\b([^\W\d_][\w'’-]+)(,?\s*(?:(?:that's|that is|it's|spelled|spelt|sans accents?|no accents?|"
                           r"without (?:the |an )?accents?)\s*)?,?\s*)(\1)\b(?!['’])"
                           r"(?:,(?=\s*(?:dot|point)\b))?", re.IGNORECASE)  # ("at keystonetax, K-E-Y-..., dot com")


SPELLED_TWO = re.compile(r"(?:(?<=(?i:that's) )|(?<=(?i:that is) )|(?<=(?i:spelled) )|(?<=(?i:it's) ))"
                         r"([A-Za-z])\s*-\s*([A-Za-z])(?![\w'’-])")  # a name of two letters, spelled


def _collapse_spelling(text: str) -> str:
    """"K O W A L S K I" and "K-O-W-A-L-S-K-I" as the word they spell; a word followed by its own
    spelling ("Siobhan, that's S-I-O-B-H-A-N") said once."""
    def word(match: re.Match[str]) -> str:
        letters = re.sub(r"[^A-Za-z]", "", match.group(0)).upper()  # ("T-o-m-a-s-z", as "T-O-M-A-S-Z")
        return letters if len(letters) >= 3 else match.group(0)
    collapsed = SPELLED_WITH_COMMAS.sub(word, SPELLED.sub(word, text))
    collapsed = SPELLED_TWO.sub(lambda m: (m.group(1) + m.group(2)).upper(), collapsed)  # "Wei Ng. That's N-g."
    collapsed = SPELLED_HYPHEN.sub(r"\1-\2", collapsed)  # "M-E-I, hyphen, L-I-N-G": MEI-LING
    collapsed = SPELLED_AGAIN.sub(lambda m: m.group(0) if _names_after_a_name(m) and not m.group(3).isupper()
                                  else m.group(1), collapsed)
    collapsed = SPELLED_UNACCENTED.sub(lambda m: m.group(1) if _folded(m.group(1)) == _folded(m.group(3)) else m.group(0),
                                       collapsed)  # "Zsófia, ZSOFIA": the letters of a name with accents
    return SPELLING_OF_EARLIER.sub(_without_spelling_of_earlier, collapsed)


# a spelling given after the name it spells, with words between: "Aisha Bello, that's AISHA, and Bello is BELLO"
SPELLING_OF_EARLIER = re.compile(r",?\s*(?:and\s+)?(?:([A-ZÀ-ÖØ-Þ][\w'’-]+)\s+)?(?:that's|that is|it's|is|spelled|spelt)"
                                 r"\s+([A-Z]{3,})\b(?!['’])(?=\s*(?:[,.;!?]|$))")


def _without_spelling_of_earlier(match: re.Match[str]) -> str:
    spelled = _folded(match.group(2))
    if match.group(1) and _folded(match.group(1)) != spelled:
        return match.group(0)
    earlier = {_folded(w) for w in re.findall(r"[A-ZÀ-ÖØ-Þ][\w'’-]*", match.string[:match.start()])}
    return "" if spelled in earlier else match.group(0)


SPELLED_UNACCENTED = re.compile(r"\b([^\W\d_][\w'’-]+)(,?\s*(?:(?:that's|that is|it's|spelled|spelt)\s*)?,?\s*)"
                                r"([A-Z]{3,})\b(?!['’])")


WORD_THEN_LETTERS = re.compile(r"\b([A-ZÀ-ÖØ-Þ][\w'’-]+)[,.]?\s+(?:(?:that's|that is|it's|is|spelled|spelt)\s+)?"
                               r"((?:[A-Za-z](?:\s*-\s*|\s+|\s*,\s*)){2,}[A-Za-z])(?![\w'’])")


def spelled_words(text: str) -> list[str]:
    """Capitalised words followed by their own spelling ("Achebe. A-C-H-E-B-E"), in order."""
    return [m.group(1) for m in WORD_THEN_LETTERS.finditer(text)
            if _folded(m.group(1)) == _folded(re.sub(r"[^A-Za-z]", "", m.group(2)))
            and m.group(1).lower() not in NOT_A_PERSON]


def _folded(word: str) -> str:
    return "".join(c for c in fold(word.casefold()) if c.isalpha() and c.isascii())


HESITATIONS = re.compile(r"\b(?:um+|uh+|erm|er)\b(?!-)[,.]?\s*|,\s*you know\b(?=,)|\b(?<=, )like,\s*", re.IGNORECASE)
PAUSED_HESITATION = re.compile(r"(?<=\w),\s*(?:um+|uh+|erm|er)\b(?!-)([,.])\s*(?=[a-z])", re.IGNORECASE)
RESTART = re.compile(r"(?<!-)\b([^\W\d_][\w'-]+),\s+\1\b(?!')", re.IGNORECASE)  # "Tomasz, Tomasz Nowicki"
HYPHEN_SAID = re.compile(r"\b([A-ZÀ-ÖØ-Þ][\w'’]*)\s+hyphen\s+([A-ZÀ-ÖØ-Þ][\w'’]*)")
PAUSED_INTRO = re.compile(r"\b(i'm|i am|it's|this is|we're|we are|we have|we've got|from|at|with|for)\s*,\s*(?=\w)", re.IGNORECASE)  # "I'm, Tomasz"


def _fluent(text: str) -> str:
    """`text` without the hesitations of speech ("I'm, uh, Tomasz, Tomasz Nowicki, from, um, Great
    Lakes Parcel" reads "I'm Tomasz Nowicki, from Great Lakes Parcel"); the words themselves kept."""
    text = PAUSED_HESITATION.sub(lambda m: ". " if m.group(1) == "." else " ", text)  # "I'm the, um, leasing ..."
    text = HESITATIONS.sub("", text)
    text = HYPHEN_SAID.sub(r"\1-\2", text)  # "Wójcik hyphen Nowak"
    text = re.sub(r"(?:\s*,){2,}", ",", text)
    return PAUSED_INTRO.sub(r"\1 ", RESTART.sub(_restarted, text)).strip(" ,")


def _respelled_name(spoken: str, lead: Mapping[str, Any]) -> dict[str, str]:
    """A name the caller spells that is close to, but not, the one held: the spelling corrects it."""
    for match in (*SPELLED.finditer(spoken), *SPELLED_WITH_COMMAS.finditer(spoken)):
        if re.match(r"\W*(?:at|dot|@)\b", spoken[match.end():]) or re.search(r"\be-?mail\b[^.!?]*$", spoken[:match.start()],
                                                                             re.IGNORECASE):
            continue  # an address spelled
        spelled = re.sub(r"[^A-Za-z]", "", match.group(0)).capitalize()
        for field in ("last_name", "first_name"):
            held = str(lead.get(field) or "")
            if len(spelled) >= 3 and held and _folded(held) != _folded(spelled) and (
                    difflib.SequenceMatcher(None, held.casefold(), spelled.casefold()).ratio() >= 0.75
                    or (len(_folded(held)) >= 3 and _folded(spelled).startswith(_folded(held)))):  # "Wojcie": cut short
                return {field: spelled}
    return {}


def _names_after_a_name(match: re.Match) -> bool:
    """"Doug Pruitt, Pruitt Roofing": the repeated word ends a capitalised name, and the second one
    starts a company named after it; not a restart ("Tomasz, Tomasz Nowicki")."""
    before = re.search(r"\b([A-Z][\w'-]+)\s+$", match.string[:match.start()])
    return bool(before) and before.group(1).lower() not in NOT_A_PERSON and "'" not in before.group(1) \
        and match.group(1)[0].isupper()


def _restarted(match: re.Match) -> str:
    return match.group(0) if _names_after_a_name(match) else match.group(1)


def person(tokens: list[str]) -> dict[str, str]:
    """First and last name from the words of a name, capitalised as names are."""
    said = " ".join(tokens)
    if not said:
        return {}
    name = HumanName(said)
    if said == said.lower() or said == said.upper():
        name.capitalize(force=True)
    first, last = name.first, " ".join(p for p in (name.middle, name.last) if p)
    if not first and last:
        first, last = last, ""
    return {"first_name": first, **({"last_name": last} if last else {})}


def _name_tokens(text: str, capitalised: bool) -> list[str]:
    tokens = []
    text = re.sub(rf"^(\s*{NAME}),\s+(?=[A-ZÀ-ÖØ-Þ][\w'’-]+\s*(?:[.!?]|$|,\s+(?:I|I'm|we|we're|my|our)\b))", r"\1 ",
                  text)  # "Siobhan, Kowalczyk.", "Zsófia, Kovács-Tóth, I lead ..."
    for token in re.findall(rf"{NAME}|\S+", text):
        if not re.fullmatch(NAME, token) or token.lower() in NOT_A_PERSON:
            break
        if capitalised and not token[0].isupper() and token.lower() not in CONSTANTS.prefixes:
            break
        if re.search(r"(?:ing|ed)$", token.lower()) and not token[0].isupper():
            break  # "i'm calling", "i'm interested": not names
        tokens.append(token.rstrip("'’-"))
    return tokens


def _name_words(tokens: list[str]) -> list[str]:
    """At most three words of a name, or five with particles ("Pieter van der Linde")."""
    tokens = tokens[:5]
    if len(tokens) > 3 and not {t.lower() for t in tokens[1:-1]} & set(CONSTANTS.prefixes):
        return tokens[:3]
    return tokens


BARE_FULL_NAME = re.compile(r"^\W*([A-ZÀ-ÖØ-Þ][\w'’-]+),?\s+([A-ZÀ-ÖØ-Þ][\w'’-]+)(?=\s*[.!?])")
# the name asked for, said as the utterance's last sentence ("... my wife would say that's easy. Okay. Rafael Oliveira.")
NAME_LAST_SAID = re.compile(r"(?<=[.!?])\s+([A-ZÀ-ÖØ-Þ][\w'’-]+),?\s+([A-ZÀ-ÖØ-Þ][\w'’-]+)\s*[.!]?\s*$")
# a name said as a sentence of its own, before where the caller works: "Annika Lindqvist. From Fjord Outdoor Gear."
NAME_THEN_WHERE = re.compile(r"(?:^|(?<=[.!?])\s+)([A-ZÀ-ÖØ-Þ][\w'’-]+),?\s+([A-ZÀ-ÖØ-Þ][\w'’-]+)(?=\s*[.,]\s+"
                             r"(?i:from|at|with|i'm|i am|i work|i run|i manage|we're|we are|my company|our company)\b)")
FULL_NAME_NEXT = re.compile(r"\s*[.,]\s+([A-Z][\w'’-]+\s+[A-Z][\w'’-]+)\s*(?:[.!?]|$)")


def names(text: str, asked: str | None, correcting: bool = False) -> tuple[dict[str, str], list[Span]]:
    capitalised = any(c.isupper() for c in text[1:])
    first = FIRST_NAME.search(text)
    last = LAST_NAME.search(text)
    if first or last:
        found: dict[str, str] = {}
        spans = []
        for match, field in ((first, "first_name"), (last, "last_name")):
            said = next((g for g in match.groups() if g), "") if match else ""
            explicit = match is not None and not match.group(1)  # "An is my first name"
            if said and (said.split()[0].lower() not in NOT_A_PERSON or explicit):
                found[field] = " ".join(person([w])["first_name"] if w[:1].isupper() or not capitalised else w
                                        for w in said.split())
                spans.append(match.span())
        if "last_name" in found and len(_folded(found["last_name"])) >= 3 and (fuller := [
                w for w in re.findall(r"[A-ZÀ-ÖØ-Þ][\w'’-]+", text) if _folded(w) != _folded(found["last_name"])
                and _folded(w).startswith(_folded(found["last_name"]))]):
            found["last_name"] = fuller[0]  # "Wojciechowska ... last name W-O-J-C-I-E... sorry": a spelling cut short
        if "last_name" in found and "first_name" not in found and (whole := re.search(
                rf"\b((?:{NAME}\s+)?{NAME})\s+{re.escape(found['last_name'])}\b", text, re.IGNORECASE)) and \
                (given := [w for w in whole.group(1).split() if w.lower() not in NOT_A_PERSON
                           and (w[0].isupper() or not capitalised)][-2:]):
            # "Beatriz Nascimento da Silva, the last name is ...", "I'm María José Fernández de Córdoba. Fernández
            # de Córdoba is the last name"
            found["first_name"] = " ".join(person([w])["first_name"] for w in given)
        elif "first_name" in found and "last_name" not in found and (whole := re.search(
                rf"\b{re.escape(found['first_name'])}\s+({NAME})\b", _mask(text, spans), re.IGNORECASE)) and \
                whole.group(1).lower() not in NOT_A_PERSON and (whole.group(1)[0].isupper() or not capitalised):
            found["last_name"] = person(["X", whole.group(1)])["last_name"]  # "I'm Wei Chen. Wei is my first name"
        elif "last_name" in found and "first_name" not in found:
            masked = _mask(text, spans)
            given = names(masked, asked, correcting)[0].get("first_name") if masked.strip() else None
            if given and given.casefold() != found["last_name"].casefold():
                found["first_name"] = given  # "Björn Ásgeirsson, ... the last name is A-S-G-E-I-R-S-S-O-N"
        if found:
            return found, spans
    here = HERE_SPEAKING.search(text)
    if here and here.group(1).split()[0].lower() not in NOT_A_PERSON:
        tokens = _name_tokens(here.group(1), capitalised)
        if tokens:
            return person(_name_words(tokens)), [here.span(1)]
    opening = OPENING_NAME.search(text)  # "Hi, Marcus Reid, I lead revenue operations at ..."
    if opening and not {t.lower() for t in opening.group(1).split()} & NOT_A_PERSON:
        return person(opening.group(1).split()), [opening.span(1)]
    for sentence in SENTENCE_NAME.finditer(text):  # "... from London. Mariam Haddad, head of client services"
        if not {t.lower() for t in sentence.group(1).split()} & NOT_A_PERSON:
            return person(sentence.group(1).split()), [sentence.span(1)]
    bare = BARE_FULL_NAME.match(text) if asked in ("first_name", "last_name") else None
    if asked in ("first_name", "last_name") and not bare and (last_said := NAME_LAST_SAID.search(text)) and \
            not _a_business_word(last_said.group(2)):
        bare = last_said
    bare = next((said for said in (bare, NAME_THEN_WHERE.search(text), NAME_THEN_COMPANY.search(text))
                 if said and not _a_business_word(said.group(2))), None)  # (not "Cascade Solar. I'm the ...")
    if bare and capitalised and not {bare.group(1).lower(), bare.group(2).lower()} & NOT_A_PERSON:
        return person([bare.group(1), bare.group(2)]), [bare.span()]  # "Kwame, Mensah. Company's ...", asked the name
    if spelled := _name_then_its_spelling(text, NAME_THEN_SPELLING):
        return spelled
    for intro in NAME_INTRO.finditer(text):
        said = intro.group(0).lower()
        asked_name = asked in ("first_name", "last_name", "name_confirmed")
        opens = re.match(r"^\W*(?:(?:hi|hello|hey|yes|yeah|good (?:morning|afternoon|evening))(?: there)?\W+)*$",
                         text[:intro.start()], re.IGNORECASE)
        if said.startswith("it") and (asked in ("company", "role") or not asked_name and not (opens and capitalised)):
            continue  # "it's Acme Logistics" answers another question; "Hey, it's Greg Thompson" opens a call
        if said.startswith("this") and not asked_name and (not capitalised or not (opens or re.match(
                r"\s*[A-Z][\w'’-]+\s+[A-Z][\w'’-]+\s*(?:,|\.|from\b|at\b|with\b|here\b)", text[intro.end():]))):
            continue  # "this is Dana" opens a call; "this is urgent" is not a name
        rest = text[intro.end():]
        tokens = _name_words(_name_tokens(rest, capitalised))
        if tokens and said.startswith(("i'm", "i am")) and not capitalised and asked not in ("first_name", "last_name"):
            after = rest[len(" ".join(tokens)):]
            if len(tokens) > 2 or not re.match(r"\s*(?:[,.!?]|$|from\b|at\b|with\b|and\b|here\b)", after):
                tokens = []  # "i'm pretty busy today": not a name
        if tokens:
            end = intro.end() + len(" ".join(tokens))
            full = FULL_NAME_NEXT.match(text, end) if len(tokens) == 1 else None
            if full and full.group(1).split()[0].lower().startswith(tokens[0].lower()[:2]):
                return person(full.group(1).split()), [(intro.start(), full.end())]  # "I'm Gio. Giovanni Russo."
            again = re.compile(rf"\b{re.escape(tokens[0])}\s+([A-ZÀ-ÖØ-Þ][\w'’-]+)").search(text, end) \
                if len(tokens) == 1 and tokens[0][:1].isupper() else None
            if again and again.group(1).lower() not in NOT_A_PERSON:  # "I'm Niamh, that's N-I-A-M-H ... Niamh Okonkwo-Daly."
                return person([tokens[0], again.group(1)]), [(intro.start(), end), again.span()]
            return person(tokens), [(intro.start(), end)]
    return _name_then_its_spelling(text, NAME_THEN_SPELLING_ANYWHERE) or ({}, [])


def _name_then_its_spelling(text: str, pattern: re.Pattern[str]) -> tuple[dict[str, str], list[Span]] | None:
    """Two capitalised words followed by the spelling of one of them (or both): the caller's name."""
    for spelled in pattern.finditer(text):
        first, last = _folded(spelled.group(1)), _folded(spelled.group(2))
        if _folded(spelled.group(3)) in (first, last, first + last) and \
                not {spelled.group(1).lower(), spelled.group(2).lower()} & NOT_A_PERSON:
            return person([spelled.group(1), spelled.group(2)]), [spelled.span()]
    return None


# --- company, role, need, team size, timeline -----------------------------------------------------------
COMPANY_NAME = r"(?:[A-Z0-9][\w'&-]*(?:\s+(?:&|and(?=\s+[A-Z])(?!\s+I\b|\s+I')|(?:y|et|del|du|la)(?=\s+[A-Z])|of|de|the|(?!I\b|I')[A-Z0-9][\w'&-]*))*)"
COMPANY_INTRO = re.compile(
    r"\b(?:i work (?:at|for|with)|i'm (?:at|with|from)|i am (?:at|with|from)|we(?:'re| are) (?:at|with|from)|"
    r"calling from|from|here at|over at|company is(?: actually| really| now)?(?: called)?|company's called|company called|representing|"
    r"on behalf of|(?:au|du|chez le|dans le) (?:cabinet|studio|groupe|bureau|garage|restaurant|magasin)|"
    r"(?:à la|de la|chez la|dans la) (?:société|clinique|boutique|agence|pharmacie)|"
    r"(?:à l'|de l'|chez l'|dans l')(?:agence|entreprise|étude)|chez|pour la société|(?<=, )de(?: la)?(?=\s+[A-ZÀ-ÖØ-Þ])|(?<=\s)à l'(?=[A-ZÀ-ÖØ-Þ])|(?<=\s)à la (?=[A-ZÀ-ÖØ-Þ])|de la société|the (?:place|business|shop|store|dealership|practice|firm|agency|clinic|office|salon|studio|restaurant|bakery|garage|company|brand|school|hotel|center|centre) (?:is|is called|name is|name's)(?: actually| really| now)?(?: called)?|(?:the |my |our )?company(?:'s| is) (?:now )?called|"
    r"(?:it's|it is|we're|we are|now it's)(?=\s+[A-Z][\w&'-]*(?:\s+[A-Z][\w&'-]*)*\s+now\b)|now called|renamed to|"
    r"(?<=\bhere),|(?<=\bspeaking),|(?<=\bthe company),|(?<=\bthe business),|(?:the |my |our )?company's|(?:for the company|company name|the company name),? (?:please )?"
    r"(?:put|use|write|make it|should be|is)|(?:company's|company is) (?:now )?called|put (?:it |us |me )?down as|(?:run|manage|lead|head|own|oversee|handle)\s+[\w\s]{1,30}?\s+(?:at|for)|at|for|with)\s+",
    re.IGNORECASE)
NOT_COMPANY = re.compile(r"^(?:(?:the (?:moment|end|start|beginning|same)|about|around|least|most|once|q[1-4]|"
                         r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|january|february|march|april|"
                         r"may|june|july|august|september|october|november|december|"
                         r"sales|marketing|my|our|your|me|us|you|them|it|that|this|what|how|some|lunch|"
                         r"salesforce|hubspot|outlook|google|gmail|email|text|a|an)\b|(?:next|this|last) |\d)",
                         re.IGNORECASE)
WE_ARE_COMPANY = re.compile(r"\b(?:we're|we are)\s+(" + COMPANY_NAME + r")(?=\s*(?:[,.;!?]|$|\s(?:and|but|so)\b))|"
                            r"\b(?i:we're|we are)\s+(?i:an?)\s+(?:[a-z-]+\s+){0,3}[a-z-]+,\s+(" + COMPANY_NAME + r")(?=\s*[,.;!?]|$)")
ROLE_INTRO = re.compile(
    r"(?:\b(?:i'm|i am|i work as|as|i'm one of|i am one of|je suis)\s+|, ?|(?<=[.!?] ))(?:the |a |an |our |their )?(?=\S)|"
    r"\b(?:my (?:role|title|job|position) is|my job title is)\s+(?:the |a |an )?", re.IGNORECASE)
DEPARTMENT = re.compile(r"(?:sales|marketing|operations|engineering|product|finance|customer|growth|revenue|it|hr|"
                        r"people|support|success|business|patient|client|partner|inside|field|technology|data)\b",
                        re.IGNORECASE)
TEAM_DEPARTMENT = re.compile(
    r"\b(?:people|folks|of us|staff|reps|agents|members)\s+(?:in|on|doing|working in)\s+(?:the\s+|our\s+)?"
    r"((?:customer (?:service|support|success|care)|support|sales|operations|dispatch|scheduling|reception|"
    r"the front desk|front desk|intake|billing|marketing|inside sales)(?: team)?)\b", re.IGNORECASE)
ROLE_VERB = re.compile(r"\bi\s+(run|manage|lead|head(?: up)?|oversee|look after|own|handle|coordinate|do(?= (?:sales|marketing|"
                       r"business development|partnerships|operations|ops|dispatch|recruiting|procurement|purchasing)\b)|"
                       r"supervise|am in charge of|'m in charge of|work in|work on)\s+(?:the |our |a )?" + PHRASE,
                       re.IGNORECASE)
RUNS_A_BUSINESS = {"run": "owner", "own": "owner", "manage": "manager", "gère": "gérant", "dirige": "dirigeant"}
FRENCH_ROLE_VERB = re.compile(r"\bje\s+(dirige|gère|pilote|supervise|m'occupe de|m'occupe du|m'occupe des)\s+"
                              r"(?:l'|le |la |les )?" + PHRASE, re.IGNORECASE)  # "je dirige l'équipe commerciale de ..."
# "looking" said of the caller, with no subject ("Looking to automate ...", "we've been looking for ..."), not of
# someone else ("calls from families looking for care")
UNSAID_SUBJECT = (r"(?:(?<![\w'] )|(?<=been )|(?<=just )|(?<=also )|(?<=really )|(?<=mostly )|(?<=currently )|(?<='re )|"
                  r"(?<='m )|(?<= am )|(?<= are ))")
NEED = re.compile(
    r"\b(?:(?:we|i)(?:'d| would)?(?: really| mostly| just| also)? (?:want|need|like|love|hope|plan)|(?:we|i)(?:'re| are|'m| am)"
    r"(?: really| mostly| just| also)? (?:looking|trying|hoping|planning)|" + UNSAID_SUBJECT + r"looking|(?:we|i) (?:wanna|gotta))"
    r"\s+to\s+" + PHRASE +
    r"|\b(?:(?:what|all) (?:we|i) (?:really )?(?:need|want) is(?: to)?|(?:our|the|my) (?:main |biggest |real )?(?:problem|"
    r"issue|challenge|pain(?: point)?|goal|headache) is(?: that)?)\s+([^.!?]+)" +
    r"|\b(?:help (?:us|me)(?: with)?|" + UNSAID_SUBJECT + r"looking for|we need|i need|we want|interested in|looking at (?:your product|you|"
    r"you guys|northwind(?: voice)?|this|it|your (?:service|solution|tool)) for)\s+" + PHRASE +
    r"|\b(?:we|i) (?:keep|are|'re) ((?:missing|losing|dropping|drowning in|struggling with|overwhelmed by|"
    r"swamped with)\s+.+?)" + CLAUSE_END,
    re.IGNORECASE)
NOT_A_NEED = re.compile(r"^(?:book|schedule|set up|talk|speak|know|ask|learn|hear|get a demo|see a demo|see (?:it|you|"
                        r"a|the product|what|if|whether)\b|cancel|"
                        r"reschedule|move|find out|understand|start|get started|begin|go live|roll|kick off|sit down|"
                        r"a meeting|a demo|a call|someone|a person|a human|the price|pricing|information|"
                        r"more information|info|check|see|meet|give|have a|book|try|the|it|that|this|you|"
                        r"go ahead|do that|get (?:in touch|back|a call|going|moving|rolling|this going|it going)|get$|go$|pilot|be up|be ready|be live|be set up|have it|fix it|sort it|get it|"
                        r"something|anything|it\b|this\b|that\b|have (?:something|it|this|that)|calling about|"
                        r"decide|choose|make (?:a|the|our) (?:decision|choice)|compare|evaluate)\b",
                        re.IGNORECASE)
PEOPLE = (r"(?:people|persons|person|reps|representatives|users|seats|licen[cs]es|agents|employees|staff|staffers|"
          r"salespeople|sales people|sellers|members|folks|callers|drivers|dispatchers|technicians|techs|engineers|"
          r"developers|nurses|doctors|advisors|advisers|consultants|recruiters|brokers|realtors|associates|"
          r"operators|coordinators|managers|planners|workers|colleagues|guys|individuals|heads|sdrs|bdrs|aes|"
          r"account executives|reps|of us|in the team|on the team|on my team|on our team|personnes|salariés|employés|"
          r"commerciaux|conseillers|agents)")
APPROX = r"(?:about|around|roughly|maybe|approximately|some|like|over|under|nearly|almost|just over|just under|close to)"
PEOPLE_COUNT = re.compile(rf"\b(\d+)\s+(?:[a-z-]+\s+){{0,2}}(?:{PEOPLE}|(?-i:[A-Z]{{2,4}}s))\b", re.IGNORECASE)
# ("about 40 sales reps", "13 CSRs")
# the other ways a team's size is said (a number of people, PEOPLE_COUNT, is looked for first)
TEAM = re.compile(
    rf"\b(?:team of|headcount of|group of|crew of|équipe de)\s+(?:{APPROX}\s+)?(\d+)\b|"
    rf"\b(\d+)[\s-]+(?:person|people|seat|user|member) (?:team|company|shop|crew)\b|"
    rf"\b(\d+)\s+(?:[a-z-]+\s+){{0,1}}(?!(?:days|weeks|months|years|hours|minutes|seconds|dollars|percent|times|calls|"
    r"locations|offices|stores|sites|trucks|cars|vans|bookings|slots|plans|users?s)\b)"
    r"[a-z]+(?:ers|ors|ists|ians|ants|ents|ees|ives|givers|hands|smiths)\b|"
    rf"\b(\d+)\s+(?:[^\W\d_]+(?:eurs|iers|ières|ants|antes|istes|aux|trices|ées|és))\b|"  # "7 négociateurs"
    rf"\b(?:we're|we are|there are|there's|we have|we've got|we got|on est|nous sommes|on n'est que|on est que|"
    rf"nous ne sommes que)\s+(?:{APPROX}\s+)?(\d+)(?=\s*(?:[,.;!?]|$|\s(?:and|but|so|in total|all told|total|strong|in|on|across|au|à|dans|et|exactly|exactement|precisely)\b))",
    re.IGNORECASE)
DOZENS = re.compile(r"\b(?:a |one )?(couple(?: of)?|few|half a|two|three|four|five)?\s*dozens?\b", re.IGNORECASE)
COUNT = (r"(?:a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|sixty|ninety|"
         r"a few|a couple(?: of)?|\d+)")
MONTH = (r"(?:january|february|march|april|may|june|july|august|september|october|november|december|"
         r"q[1-4]|spring|summer|fall|autumn|winter)")
TIMELINE = re.compile(
    r"\b(?:as soon as possible|as soon as we can|asap|yesterday|(?:start(?:ing|ed)?|live|running|begin|going|up|"
    r"launch|roll(?:ing)? (?:it )?out)\W+(?:\w+\W+){0,2}?(?:right away|immediately|straight away)|"
    r"(?:this|next|the next|within the) (?:month|quarter|year|fiscal year)|"
    rf"(?:early|late|mid|end of|the end of|before the end of) (?:next |this |the )?(?:year|quarter|month|{MONTH})|"
    rf"(?:in|within|over) (?:the next |a |about |around |roughly )?(?:{COUNT}|few|couple(?: of)?)(?: or {COUNT})? (?:days?|weeks?|months?|quarters?|years?)|"
    rf"by (?:the )?(?:end of (?:the |this |next )?(?:month|quarter|year)|{MONTH}|next (?:month|quarter|year))|"
    rf"(?:in|for|by|around|aiming for|targeting|before|this|early|late|realistically|probably|likely|maybe|(?:push\w*|mov\w*|shift\w*) (?:it|that|this) to) "
    rf"(?:the )?{MONTH}|{MONTH} next year|next {MONTH}|"
    rf"{MONTH}-?ish|after the holidays|sometime (?:this|next) (?:month|quarter|year)|no rush|"
    r"not in a (?:rush|hurry)|(?:when|whenever|once|after) (?:the |our )?budget (?:frees up|is approved|gets approved|comes through|allows|opens up)|(?:before|by|ahead of) (?:the |our )?[a-z]+ season|(?:before|by|around|after|ahead of) (?:valentine'?s(?: day)?|christmas|thanksgiving|the "
    r"holidays|new year'?s?|easter|black friday|memorial day|labor day|labour day|independence day|the fourth of july|july (?:4th|fourth)|halloween|mother'?s day|the summer|the winter|the fall|tax season|peak season|the busy season)|(?:after|before) (?:our|the) (?:busy|slow|peak|holiday) season|before (?:winter|summer|"
    r"spring|fall|the holidays)|(?:timeline|timing)(?:'s| is) flexible|second half of (?:the|this|next) year|"
    r"first half of (?:the|this|next) year|(?:in|by|during|for) the (?:first|second|third|fourth|last|next) (?:quarter|"
    r"half)|d'ici (?:l'été|l'automne|l'hiver|le printemps|la fin de l'année|la rentrée|(?!la\b|le\b|les\b)\w+)|"
    r"(?:pour|avant|après|dès) la rentrée(?: de septembre| scolaire)?|(?:dès le |au )printemps|(?:dès l'|en )(?:été|automne|hiver)|(?:avant|après|pour) (?:les fêtes|noël|l'été|l'hiver|l'automne|le printemps)|"
    r"(?:en|dès|début|fin|mi-|avant|d'ici|pour|disons|vers) (?:janvier|février|mars|avril|mai|juin|juillet|août|septembre|"
    r"octobre|novembre|décembre)|"
    r"(?:cet|cette|l'année|le mois|le trimestre) (?:été|automne|hiver|année|prochaine?)|(?:in|within) (?:the next )?(?:a |one )?(?:month|week|year) or (?:two|so))\b",
    re.IGNORECASE)
CLAUSES = re.compile(r"[^,.;!?]+")


def _phrase(text: str, start: int, limit: int) -> tuple[str, Span] | None:
    match = re.match(PHRASE, text[start:], re.IGNORECASE)
    if match is None or len(match.group(1).split()) > limit:
        return None
    return match.group(1).strip(), (start, start + match.end())


FRENCH_TEAM_OF = re.compile(r"\b(?:l'équipe|le service|le département|la direction|le pôle)\s+[\w-]+\s+(?:d'|de\s+|chez\s+)(?=[A-Z])")


def company(text: str, capitalised: bool | None = None) -> tuple[dict[str, Any], Span] | None:
    """A company named with an intro ("from Acme Logistics"); `capitalised`: whether the transcript
    writes capitals (read from the whole utterance, before other fields were masked out of it)."""
    capitalised = any(c.isupper() for c in text[1:]) if capitalised is None else capitalised
    for intro in COMPANY_INTRO.finditer(text):
        rest = text[intro.end():]
        if NOT_COMPANY.match(rest):
            continue
        if capitalised:
            match = re.match(COMPANY_NAME, rest)
            if not match:
                continue
            name = re.sub(r"\s+(?:and|&|of|the)$", "", match.group(0).strip(" .")).strip()
            bare = intro.group(0).strip().lower() in ("at", "for", "with")
            if bare and re.search(r"\b(?:meet(?:ing)?|talk|speak|chat|call|demo|session|time)\s*$", text[:intro.start()],
                                  re.IGNORECASE):
                continue  # "a meeting with Alex": a person
            if bare and re.search(r"\b(?:that|it|this|them|compliant|comply|complies|certified|ready|aligned)\s*$",
                                  text[:intro.start()], re.IGNORECASE):
                continue  # "we'd need that for GDPR", "compliant with HIPAA": what it is for
            if bare and (len(name.split()) < 2 and not re.search(r"[&A-Z]{2}|\d", name)) and \
                    not re.search(r"\b(?:i|we)\b.{0,30}$", text[:intro.start()], re.IGNORECASE):
                continue  # "meet with Alex", "for Tuesday": not a company
            if name and _names_a_company(name) and not re.fullmatch(r"(?:Dr|Mr|Mrs|Ms|St)", name) and \
                    name.lower() not in PLACES:  # ("people call from Europe", "too late for New York")
                return {"company": name}, (intro.start(), intro.end() + len(match.group(0)))
            continue
        if intro.group(0).strip().lower() in ("at", "for", "with"):
            continue  # lower-case transcripts: only an explicit intro names a company
        found = _phrase(text, intro.end(), 5)
        if found and found[0].split()[0].lower() not in NOT_A_NAME:
            return {"company": found[0]}, (intro.start(), found[1][1])
    match = re.search(rf"(?:{FRENCH_TEAM_OF.pattern})({COMPANY_NAME})", text) if capitalised else None
    if match:  # "je dirige l'équipe commerciale d'Horizon Immobilier"
        return {"company": match.group(1).strip()}, match.span()
    match = WE_ARE_COMPANY.search(text) if capitalised else None
    named = match and (match.group(1) or match.group(2))
    if named and named.split()[0].lower() not in NOT_A_NAME and not ROLE_WORDS.search(named):
        return {"company": named.strip()}, match.span()
    return None


# places, which callers name after "from", "for" and "at" as they name companies: countries, regions and
# continents (in English and French), and the cities that name a time zone
PLACES = frozenset(name.lower() for locale in ("en", "fr") for name in Locale(locale).territories.values()) | \
    frozenset(CITY_ZONES)


# first words of capitalised company names ("Great Lakes Parcel") that are not names on their own
ADJECTIVES = frozenset(["great", "good", "new", "big", "little", "small", "large", "happy", "nice", "lovely", "cool",
                        "perfect", "pretty", "local", "family", "golden", "fine"])


def _names_a_company(name: str) -> bool:
    words = name.split()
    if words[0].lower() not in NOT_A_NAME:
        return True
    return words[0].lower() in ADJECTIVES and len(words) >= 2 and all(w[0].isupper() for w in words)


OWN_A_BUSINESS = re.compile(
    r"(?i:\bi (own|founded|started|co-?founded|run)\s+(?:a|an|the|my|this)\s+(?:[\w-]+\s+){0,4}?"
    r"(?:company|business|firm|agency|shop|practice|studio|clinic|store)\b)"
    r"(?:,?\s+(?i:called|named)\s+(" + COMPANY_NAME + r")|,\s+(" + COMPANY_NAME + r")(?=\s*[,.;!?]|$))?|"
    r"(?i:\bi (own|founded|started|co-?founded|run|have|got|'ve got)\s+(?:a|an|my)\s+(?:[\w-]+\s+){0,3}?[\w-]+"
    r"(?:\s+in\s+[A-Z][\w-]+(?:\s+[A-Z][\w-]+)?)?),\s+"
    r"(" + COMPANY_NAME + r")(?=\s*[,.;!?]|$)")  # "I run a coffee roastery, Crema Collective"


# a role at a business described, then named: "je suis associé dans un cabinet d'expertise comptable à Lyon, Fiducia
# Conseil", "I'm a partner at a small accounting firm in Leeds, Ashby & Cole"
ROLE_AT_A_BUSINESS = re.compile(
    r"(?i:\b(?:je suis|i'm|i am)\s+(?:an? |the |un |une |l['’]|le |la )?((?:[\w'’-]+\s+){0,3}?[\w'’-]+)\s+"
    r"(?:dans|chez|at|in|with|for)\s+(?:un|une|a|an)\s+(?:[\w'’-]+\s+){0,5}?[\w'’-]+"
    r"(?:\s+(?:à|in|en)\s+[A-ZÀ-ÖØ-Þ][\w-]+(?:\s+[A-Z][\w-]+)?)?),\s+(" + COMPANY_NAME + r")(?=\s*[,.;!?]|$)")
# words that end the name of a business ("Harbourview Insurance Brokers"): a sentence of capitalised words ending
# in one of them names the caller's company, whatever was asked
BUSINESS_WORDS = ("Inc|LLC|Ltd|Limited|Group|Partners|Brokers|Insurance|Solutions|Services|Systems|Logistics|Labs|"
                  "Agency|Consulting|Holdings|Associates|Company|Co|Corp|Corporation|Law|Legal|Dental|Clinic|Realty|"
                  "Properties|Management|Media|Marketing|Technologies|Foods|Freight|Health|Healthcare|Therapy|Motors|"
                  "Construction|Roofing|Plumbing|Electric|Staffing|Capital|Studio|Studios|Architects|Accounting|"
                  "Pharmacy|Imports|Distribution|Transport|Manufacturing|Energy|Solar|Homes|Builders|Supply|Rentals?|Travel|"
                  "Brokerage|Glass|Assurances?|Immobilier|Conseil|Transports")
A_BUSINESS_NAME = rf"(?:[A-Z][\w'&-]*\s+){{1,4}}(?:{BUSINESS_WORDS})"  # "Harbourview Insurance Brokers"
COMPANY_ALONE = re.compile(rf"(?:^|(?<=[.!?])\s+)({A_BUSINESS_NAME})[.,]?(?=\s|$)")
# a name said as a sentence of its own before one that names a business: "Mathieu Tremblay. Tremblay Assurances, ..."
NAME_THEN_COMPANY = re.compile(rf"(?:^|(?<=[.!?])\s+)([A-ZÀ-ÖØ-Þ][\w'’-]+),?\s+([A-ZÀ-ÖØ-Þ][\w'’-]+)[.,]\s+"
                               rf"(?={A_BUSINESS_NAME}\b)")
NOT_A_COMPANY_WORDS = NOT_A_PERSON | frozenset(WEEKDAYS) | frozenset(MONTHS.split("|"))  # (in a sentence alone)
NAMED_ALONE = re.compile(r"(?:^|(?<=[.!?])\s+)([A-Z][\w'&-]*(?:\s+(?:(?:and|&|of|the)\s+)?[A-Z][\w'&-]*){1,5})"
                         r"(?:,?\s+(?:out of|based in|in|from)\s+[A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)?)?\.(?=\s|$)")
# ("Lone Star Equipment Rental, out of Dallas.": where it is, after its name)


def _a_business_word(word: str) -> bool:
    """Whether `word` ends the name of a business ("Solar", "Logistics"); not one that is also a surname."""
    return bool(re.fullmatch(BUSINESS_WORDS, word, re.IGNORECASE)) and word.lower() not in ("law", "co", "homes")


def _named_alone(text: str, found: Mapping[str, Any], lead: Mapping[str, Any]) -> re.Match[str] | None:
    """A sentence of capitalised words alone, said by a caller who gave their name ("Name's Tomas Aguilar.
    Mesa Verde Heating and Air. I'm the owner."): their company's name."""
    if not (found.get("first_name") or lead.get("first_name")):
        return None
    named = {w.lower() for held in (found, lead) for key in ("first_name", "last_name") for w in str(held.get(key) or "").split()}
    for match in NAMED_ALONE.finditer(text):
        words = {w.lower() for w in re.findall(r"[\w'&-]+", match.group(1))} - {"and", "&", "of", "the"}
        if not words & (NOT_A_COMPANY_WORDS | named) and \
                not TIME_ZONE_SAID.search(match.group(1)):
            return match
    return None


LISTED_COMPANY = re.compile(rf",\s+({COMPANY_NAME})(?:\s+(?:in|out of|based in)\s+[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)?)?"
                            rf"(?=\s*(?:[,.;!?]|$))")  # the next item of a list: ", Acme Logistics,"


# words of a department's name that a job title holds too ("head of client services", "Customer Care")
UNIT_WORDS = frozenset({"ops", "development", "team", "services", "service", "desk", "care"})
DEPARTMENT_WORDS = UNIT_WORDS | {"operations", "success", "enablement", "department", "relations", "resources",
                                 "experience", "ventes", "commercial"}


def _a_department(name: str) -> bool:
    """Whether `name` is the name of a department ("Sales Operations", "Customer Success"), not a business's."""
    return all(DEPARTMENT.fullmatch(word) or word.lower() in DEPARTMENT_WORDS for word in name.split())


# the business owned, said after its name: "Haddad Auto Glass, in Chicago. I own it."
OWNS_IT = re.compile(r"(?i)\bi (own|co-?own|run) (?:(?<=own )it|the (?:place|business|company|shop|firm|practice|agency))\b")


def role(text: str) -> tuple[dict[str, Any], Span] | None:
    """A role ("I'm the VP of Sales", "I run dispatch"), and the company when it follows ("... at Acme")."""
    if owns := OWNS_IT.search(text):
        return {"role": "co-owner" if owns.group(1).lower().startswith("co") else "owner"}, owns.span()
    owner = re.search(r"(?i:\b(?:i|j['’]ai) (own|co-?own|founded|started|co-?founded|run|fondé|créé|cofondé|co-fondé|repris)"
                      r"\s+(?:the company,?\s+)?)(" + COMPANY_NAME + ")", text)
    if owner and _a_department(owner.group(2)):
        owner = None  # "I run Sales Operations at Acme": a department run, not a business owned
    if owner:
        title = {"founded": "founder", "started": "founder", "cofounded": "co-founder", "co-founded": "co-founder",
                 "coown": "co-owner", "co-own": "co-owner", "fondé": "fondateur", "créé": "fondateur",
                 "cofondé": "cofondateur", "co-fondé": "cofondateur", "repris": "gérant"}.get(owner.group(1).lower(), "owner")
        return {"role": title, "company": owner.group(2)}, owner.span()
    owner = OWN_A_BUSINESS.search(text)  # "I own a small event planning company called Saffron Events"
    if owner:
        verb = (owner.group(1) or owner.group(4)).lower()
        title = "founder" if verb in ("founded", "started", "cofounded", "co-founded") else "owner"
        if verb in ("have", "got", "'ve got") and not (owner.group(2) or owner.group(3) or owner.group(5)):
            return None
        named = owner.group(2) or owner.group(3) or owner.group(5)
        return {"role": title, **({"company": named} if named else {})}, owner.span()
    described = ROLE_AT_A_BUSINESS.search(text)
    if described and _title_like(described.group(1)) and _names_a_company(described.group(2)) and \
            described.group(2).lower() not in PLACES:
        return {"role": described.group(1), "company": described.group(2)}, described.span()
    verb = ROLE_VERB.search(text) or FRENCH_ROLE_VERB.search(text)
    if verb:
        said, *rest = re.split(r"\s+(?:at|for|with|de|chez)\s+(?=[A-Z])|\s+d['’](?=[A-Z])", verb.group(2), maxsplit=1)
        rest = [m.group(0) for m in [re.match(COMPANY_NAME, rest[0])] if m] if rest else []
        if said and said[0].isupper() and not rest and verb.group(1).lower() in RUNS_A_BUSINESS and \
                _names_a_company(said) and not (_title_like(said) or ROLE_WORDS.search(said) or DEPARTMENT.match(said)):
            return {"role": RUNS_A_BUSINESS[verb.group(1).lower()], "company": said}, verb.span()  # "je gère Nautisme Iroise"
        if said and said.split()[0].lower() not in ("a", "an", "some", "it", "that", "this") and len(said.split()) <= 6:
            words = verb.group(1).lower().replace("'m ", "am ").replace("do", "")  # ("I do sales": sales)
            return {"role": f"{words} {said}".strip(), **({"company": rest[0]} if rest else {})}, verb.span()
    for intro in ROLE_INTRO.finditer(text):
        found = _phrase(text, intro.end(), 14)
        if found is None:
            continue
        said, *rest = re.split(r"\s+(?:at|from|with|for|chez|aux)\s+(?=[A-Z])|\s+d['’](?=[A-Z])|"
                               r"\s+(?:au|à la|chez le|du|de la|de)\s+"
                               r"(?:(?:cabinet|studio|groupe|bureau|agence|société|clinique)\s+)?(?=[A-Z])", found[0], maxsplit=1)
        if not rest and (of := re.match(rf"(.+?)\s+of\s+({COMPANY_NAME})(?:\s+(?:in|out of|based in)\s+[A-Z][\w'’ .-]*)?$",
                                        said)) and \
                len(of.group(2).split()) >= 2 and not DEPARTMENT.match(of.group(2)):
            said, rest = of.group(1), [of.group(2)]  # "COO of Liberty Bell Home Care"
        said = re.sub(r"^(?:i'm|i am|je suis)\s+(?:the |a |an |le |la |l'|un |une )?|^(?:le|la) (?=\w)|^l'(?=\w)", "", said,
                      flags=re.IGNORECASE)
        if rest and (whole := re.match(COMPANY_NAME, text[found[1][0] + found[0].rfind(rest[0]):])) and \
                len(whole.group(0)) > len(rest[0]):  # the phrase stops at "and": "at Park and Sons Insurance"
            rest = [re.sub(r"\s+(?:and|&|of|the)$", "", whole.group(0).strip(" ."))]
        rest = [m.group(0) for m in [re.match(COMPANY_NAME, rest[0])] if m] if rest else []
        if re.match(r"(?:calling|ringing|phoning|looking|interested|wondering|just|here|doing|curious)\b|"
                    r"(?:my|our|his|her|their) \w+'s\b", said, re.IGNORECASE):
            continue  # "I'm calling about your AI phone agent thing", "my partner's from Dublin"
        if rest and rest[0].lower() in PLACES:
            rest = []  # "... from Dublin": a place
        stated = intro.group(0).lower().startswith("my")
        if not rest and _title_like(said) and (listed := LISTED_COMPANY.match(text, found[1][1])) and \
                _names_a_company(listed.group(1)):  # "Marcus Whitfield, business development, Capitol Ridge Systems"
            return {"role": said, "company": listed.group(1)}, (intro.start(), listed.end())
        if intro.group(0).startswith(",") and not rest and not _title_like(said):
            continue  # ", the dispatcher calls us", "yes, partners at the end": words about something else
        if not re.sub(r"(?i)^(?:the|a|an|our|their)\s+$", "", intro.group(0)).strip() and not _title_like(said):
            continue  # a sentence that starts with a title is one ("Sales manager at SunRow Solar."), no other
        if said and (stated or ROLE_WORDS.search(said.split()[0])
                     or ROLE_WORDS.search(said) and (not intro.group(0).startswith(",") or rest)):
            return {"role": said, **({"company": rest[0]} if rest else {})}, (intro.start(), found[1][1])
    return None


_TITLE_WORDS_TEXT = """of and & the for to senior junior general regional national global deputy executive vice chief
assistant associate office account accounts front practice store clinic events event it hr co partnerships procurement
purchasing admissions recruiting recruitment dispatch"""
TITLE_WORDS = frozenset(_TITLE_WORDS_TEXT.split()) | UNIT_WORDS


def _title_like(said: str) -> bool:
    """Every word of `said` belongs in a job title ("head of client services", "general manager")."""
    words = re.findall(r"[\w&']+", said.lower())  # ("co-owner": co, owner)
    return bool(words) and all(w in TITLE_WORDS or ROLE_WORDS.fullmatch(w) or DEPARTMENT.fullmatch(w) for w in words)


NEED_GOES_ON = re.compile(r"\s+and\s+(?!(?:we|i|our|my)\b)[a-z]+(?:s|es)?\b[^.!?,]*", re.IGNORECASE)


def need(text: str) -> tuple[dict[str, Any], Span] | None:
    for match in NEED.finditer(text):
        if re.match(r"[^.!?]*\?", text[match.start():]) and re.search(r"\b(?:do|does|did|can|could|will|would|should|"
                                                                    r"is|are)\s+(?:(?:we|i)\s+)?$", text[:match.start()], re.IGNORECASE):
            continue  # "or do we need new numbers?": asked, not a need
        said = next((g for g in match.groups() if g), "").strip()
        more = NEED_GOES_ON.match(text, match.end())  # "... takes the first pass at calls and routes them ..."
        if more and not TIMELINE.search(more.group(0)) and not time_spans(more.group(0)):
            said, match_end = f"{said}{more.group(0)}", more.end()
        else:
            match_end = match.end()
        said = re.sub(r"^(?:something|a way|a tool|a system|software|help|an? \w+)\s+(?:that|to|which|for)\s+(?=\w)", "",
                      said, flags=re.IGNORECASE)  # "something that qualifies our leads": what it should do
        when = TIMELINE.search(said)
        end = match_end - (len(said) - when.start() if when else 0)
        said = said[:when.start()].strip() if when else said
        vague = (len(said.split()) <= 4 and re.search(r"\b(?:those|them|it|that|this|these)\b", said, re.IGNORECASE)) or \
            re.match(r"(?:one of |some of )?(?:these|those) \w+(?: \w+)? things?\b", said, re.IGNORECASE) or (
            len(said.split()) <= 8 and re.search(r"\b(?:of |with )?(?:that|it|this|those|them)$", said, re.IGNORECASE))
        if said and not vague and not NOT_A_NEED.search(said) and len(said.split()) <= 15 and not time_spans(said) \
                and classify(said) not in ("book", "human", "question"):
            return {"need": said}, (match.start(), end)
    return None


def _need_added(stored: str, said: str) -> str:
    """A need said after another one is noted with it ("the front desks can't keep up with the phones;
    picks up when the front desk is busy, because we keep missing new patient calls"), unless one
    says what the other does."""
    def words(text: str) -> set[str]:
        return set(re.findall(r"[a-z']{4,}", text.lower()))
    if said.lower() in stored.lower() or words(said) <= words(stored) or len(stored.split()) + len(said.split()) > 40 \
            or CONSENT_YES.search(said) or CONSENT_NO.search(said) or re.search(r"\bwhatever you (?:want|like)\b", said, re.IGNORECASE):
        return stored  # ("Sure, call me, email me, whatever you want.": how to reach them)
    if stored.lower() in said.lower():
        return said
    return f"{stored}; {said}"


CONSENT_NO = re.compile(r"\b(?:don't|do not|please don't|no|not)\s+(?:text|texts|sms|texting|call|calls|email|emails|"
                        r"contact|by text)\b(?:\s+me)?|\b(?:no|not) text(?:s|ing)?(?: messages)?,? (?:please|thanks)\b|\b(?:email|e-mail) only\b|\bnot by text\b|"
                        r"\bpas de sms\b|\b(?:don't|do not) (?:add|put) me (?:on|to|in)\b[^.!?]{0,30}\blists?\b|"
                        r"\b(?:don't|do not) (?:want to be|wanna be) contacted\b|"
                        r"\b(?:rather|prefer(?: it if)?) (?:you )?(?:didn't|did not|not|don't) (?:contact|call|e-?mail|text|reach)\b|"
                        r"\bne (?:me )?(?:contactez|rappelez|recontactez) pas\b", re.IGNORECASE)
CONSENT_YES = re.compile(
    r"\b(?:e-?mail(?:s|ing)?|text(?:s|ing)?|sms)(?:\s+(?:and|or|&)|\s*,)\s+(?:e-?mail(?:s|ing)?|text(?:s|ing)?|sms)\b"
    r"(?:\s+me)?.{0,30}\b(?:fine|ok|okay|good|great|"
    r"works?|both|either|whatever)\b|\byou (?:guys |all |folks |people )?(?:can|may) (?:email|e-mail|text|contact|reach)\b(?! me (?:at|on)\b)|\b(?:email|e-mail) "
    r"(?:and|or) text me\b|\bcontact me by\b|\b(?:texts?|e-?mails?|sms|contact)(?:'s| is| are) (?:fine|ok|okay|good)\b|"
    r"\byou (?:can|may) send (?:me )?(?:a |an )?(?:texts?|sms|text messages?|e-?mails?)\b|\byou can send me (?:some |more )?(?:info|information|details)\b|\btexts? too\b|"
    r"\b(?:e-?mail|text)(?:'s| is) fine,? (?:and|plus) (?:texts?|e-?mails?)\b|"
    r"\bvous pouvez (?:me|nous) (?:re)?(?:contacter|rappeler)\b|\byou (?:can|may) call (?:me|us)(?: back)?(?=\s*(?:[.!,;]|$|(?:any ?time|whenever)\b))|\bm'écrire\b|\bm'envoyer (?:un|des) (?:textos?|sms|courriels?|e-?mails?)\b|\byes to (?:e-?mails?|texts?|being contacted|(?:the )?contact(?:ing me)?)\b|\bm'envoyer des (?:e-?mails|sms)\b|\b(?:okay|ok|fine|happy|glad|good|alright|comfortable) (?:with|for you to|to|if you)\b.{0,25}"
    r"\b(?:contact(?:ed)?|e-?mail(?:ed|s)?|text(?:ed|s)?|reach(?:ed)?)\b|\b(?:e-?mail|text|contact|reach) me\b|\bpar (?:e-?mail|sms)\b|\b(?:e-?mails?|texts?|sms) yes\b|"
    r"\b(?:un |des )?(?:sms|textos?)\b.{0,30}\b(?:ça me va|ça me convient|c'est bon|pas de (?:problème|souci)|volontiers)\b|"
    r"\bi (?:consent|agree) to (?:be(?:ing)? contacted|contact)\b|"
    r"\b(?:contacting|e-?mailing|texting|reaching) (?:me|us)(?: (?:by|via|over) [\w ]{1,20}?)? (?:is|'s) "
    r"(?:fine|ok|okay|good|great|alright|no problem)\b|"  # "And yes, contacting me is fine."
    r"\b(?:d'accord|ok|okay|oui) pour (?:être|etre) (?:re)?contactée?s?\b|"
    r"\bvous pouvez m'envoyer (?:de la documentation|des informations|de l'information|de l'info|des infos|un devis|"
    r"une proposition)\b|"
    r"\b(?:please (?:do )?|you can |feel free to |happy for you to |go ahead and )(?:follow up|reach out|get in touch)\b|"
    r"\byou (?:can|may) (?:call|phone|ring) (?:me )?(?:or|and) (?:e-?mail|text)\b|"
    r"\b(?:someone|somebody|you|your team|a rep) (?:can|could|may) (?:give me a (?:call|ring|holler|shout|buzz)|"
    r"follow up|reach out|get in touch|reach me)\b",
    re.IGNORECASE)
LOSS = re.compile(r"\b(?:miss(?:es|ed|ing)?|los(?:e|es|ing|t)|nobody|no one|voicemail|unanswered|overwhelm\w*|"
                  r"(?:not|aren't|isn't) open(?: yet)?|closed|at all hours|unmanned|unstaffed|"
                  r"swamped|rat(?:er|ons|é|és|e|ent)|manqu(?:er|ons|é|és)|perd(?:re|ons|u|us|s|ent)?|boîte vocale)\b", re.IGNORECASE)
PROBLEM = re.compile(
    r"\b(?:miss(?:es|ed|ing)?|los(?:e|es|ing|t)|can't|cannot|can not|couldn't|overwhelm(?:ed)?|on hold|nobody|"
    r"no one|hang(?:s)? up|qualif(?:y|ied|ying)|keep up|fast enough|after hours|too many|swamped|buried|drown(?:ing)?|"
    r"struggl(?:e|ing)|want|need|answer(?:ed|ing)?|wait(?:s|ing)?|voicemail|unanswered|slammed|slip through|like|love|"
    r"hoping|ring(?:s|ing)? (?:nonstop|off the hook|all day|and rings?)|triag\w*|automat\w*|handl\w*|route|routing|"
    r"rat(?:er|ons|é|és|e|ent)|manqu(?:er|ons|é|és|e|ent)|perd(?:re|ons|u|us|s|ent)?|personne ne (?:répond|décroche)|répondeur|boîte vocale|"
    r"sonnen?t? (?:dans le vide|sans (?:arrêt|réponse))|aimerait|voudrions|killing (?:us|me)|at all hours|"
    r"(?:driv(?:es|ing)) (?:us|me) (?:crazy|nuts|mad|up the wall)|(?:not|aren't|isn't) open(?: yet)?|closed|nightmare|"
    r"can't cope|unmanned|unstaffed|"
    r"voudrait|souhait\w*|besoin)\b",
    re.IGNORECASE)
ABOUT_CALLS = re.compile(r"\b(?:calls?|call in|calling|phones?|line|leads|inquir(?:y|ies)|enquir(?:y|ies)|"
                         r"ring(?:s|ing)?|picks? up|picking up|tenants?|contractors?|residents?|"
                         r"requests?|bookings?|prospects?|customers?|patients?|callers?|guests?|clients?|"
                         r"buyers?|shippers?|families|orders?|jobs?|quotes?|reservations?|appointments?|"
                         r"appels?|clients?|prospects?|patients?|commandes?|téléphone)\b", re.IGNORECASE)


def consent(text: str) -> tuple[dict[str, Any], Span] | None:
    """Consent said without being asked ("email and text are fine", "don't text me")."""
    for pattern, value in ((CONSENT_NO, False), (CONSENT_YES, True)):
        match = pattern.search(text)
        if match:
            return {"consent": value}, match.span()
    return None


TAG_QUESTION = re.compile(r"\b(?:you know|ya know|y'know|know what i mean|right)\s*\?", re.IGNORECASE)


# "I've got a patient in like five minutes, so quick question first": a question announced, no need
QUESTION_FIRST = re.compile(r"\b(?:quick|one|a|couple of|few) (?:quick )?questions?(?: first)?\b|\bquestions? first\b",
                            re.IGNORECASE)


def problem(text: str) -> tuple[dict[str, Any], Span] | None:
    """The caller's need told as a problem ("our front desk misses too many new-patient calls"); in a
    long sentence of several things, from its first words about calls."""
    told_only = TAG_QUESTION.sub(lambda m: m.group(0).replace("?", "."), text)  # ("..., you know?" asks nothing)
    for sentence in re.finditer(r"(?:\b[ap]\.m\.|[^.!?:])+", text):  # ("unmanned after six p.m. and we're losing ...")
        start, end = sentence.span()
        clauses = list(re.finditer(r"[^,;]+", sentence.group(0)))  # (with those masked out: other things said)
        told = [c for c in clauses if PROBLEM.search(c.group(0)) and ABOUT_CALLS.search(c.group(0))]
        if len(clauses) > 2 and told:  # "we need this before Lent, I'm ..., sales director, ..., and nobody answers":
            start += next(c for c in clauses if ABOUT_CALLS.search(c.group(0))).start()  # from the first words about calls
        said = text[start:end].strip(" ,")
        if not said or "?" in told_only[end:end + 1] or (time_spans(said) and not LOSS.search(said)):
            continue  # a time is a meeting wish, unless calls are lost then ("we lose buyers after six in the evening")
        said = re.sub(r"^[\s,;:-]+|^(?:et|alors|donc|mais|and)\s+|^c.est que\s+|^(?:in total|all told)\W+(?:and\s+)?|"
                      r"^(?:the )?thing is\W+|[\s,]+(?:you know|ya know|y'know|right)\W*$", "",
                      FILLERS.sub("", re.sub(r"\s+", " ", said)))
        if PROBLEM.search(said) and ABOUT_CALLS.search(said) and not NOT_A_NEED.search(said) \
                and not re.match(r"\W*(?:(?:hi|hello|hey|yes|yeah|so)\W+)*(?:(?:i.m|i am|we.re|we are)(?: just)? )?calling\b"
                                 r"(?! because (?:we|our|i)\b)",
                                 said, re.IGNORECASE) \
                and classify(said) not in ("book", "human", "question") and not QUESTION_FIRST.search(said):
            said = re.sub(r"\s*,\s*(?:,\s*)+", ", ", said).strip(" ,")
            return {"need": said[:1].lower() + said[1:]}, (start, end)
    return None


def _count(said: str) -> int | None:
    dozens = DOZENS.search(said)
    if dozens:
        return {"couple": 24, "couple of": 24, "few": 36, "half a": 6, "two": 24, "three": 36, "four": 48,
                "five": 60}.get((dozens.group(1) or "").lower(), 12)
    digits = re.search(r"\d+", said)
    return int(digits.group(0)) if digits else parse_number(said)


ABOUT_FR_COUNTS = {"dizaine": 10, "douzaine": 12, "quinzaine": 15, "vingtaine": 20, "trentaine": 30, "quarantaine": 40,
                   "cinquantaine": 50, "soixantaine": 60, "centaine": 100}
ABOUT_FR = re.compile(rf"\b(?:on est|nous sommes|on n'est qu'|nous ne sommes qu')\s*une ({'|'.join(ABOUT_FR_COUNTS)})\b"
                      rf"|\bune ({'|'.join(ABOUT_FR_COUNTS)}) de (?:personnes|salariés|employés|commerciaux|conseillers|agents)\b",
                      re.IGNORECASE)
ME_AND_OTHERS = re.compile(r"\b(?:just )?(?:me|myself) and (\d+|one|two|three|four|five|six|seven|eight|nine|ten) "
                           r"(?:others?|more|colleagues?|other \w+)\b", re.IGNORECASE)


NOT_PEOPLE_UNITS = r"\s*(?:minutes?|mins?|hours?|hrs?|seconds?|days?|weeks?|months?|years?|percent|%)"  # after a number


def team_size(text: str) -> tuple[dict[str, Any], Span] | None:
    """A count of people; `text` has its number words as digits and its times masked. A number of
    people wins over other counts ("six clinics and about forty people": forty)."""
    if DOZENS.search(text) and (re.search(PEOPLE, text, re.IGNORECASE) or re.search(
            r"\bdozens?\s+(?:[a-z-]+\s+)?[a-z]+(?:ers|ors|ists|ians|ants|ents|ees|ives)\b", text, re.IGNORECASE)):
        match = DOZENS.search(text)
        return {"team_size": _count(match.group(0))}, match.span()
    if others := ME_AND_OTHERS.search(text):  # "just me and 2 others": 3
        return {"team_size": (_count(others.group(1)) or 0) + 1}, others.span()
    if about := ABOUT_FR.search(text):  # "on est une trentaine"
        return {"team_size": ABOUT_FR_COUNTS[about.group(1).lower()]}, about.span()
    match = PEOPLE_COUNT.search(text) or TEAM.search(text)
    if not match:
        return None
    value = int(next(g for g in match.groups() if g))
    return ({"team_size": value}, match.span()) if 0 < value < 1_000_000 else None



PAST = re.compile(r"\b(?:rebranded|renamed|started|launched|began|merged|opened|founded|hired|switched|joined|moved "
                  r"offices|was|were|changed (?:the|our|its) name)\s+(?:\w+\s+)?$|\b(?:gotten|received|got|had)\s+(?:\w+\s+){0,3}(?:e-?mails?|calls?|messages?|texts?|voicemails?)\b"
                  r"(?:\s+\w+){0,4}\s+$", re.IGNORECASE)  # "we rebranded in the spring": not when


# "in the summer we miss a lot of quote calls": when the problem happens, not when they want to start
WHEN_CALLS_ARE_LOST = re.compile(r",?\s+(?:we|they|our \w+)\s+(?:\w+\s+)?(?:miss|lose|drop|get swamped|get buried|can't)\b",
                                 re.IGNORECASE)


def timeline(text: str) -> tuple[dict[str, Any], list[Span]] | None:
    """When they want to start: every timeline phrase of the utterance ("as soon as possible, within a
    few weeks" keeps both), each with its span (what is said between them is read for the rest)."""
    matches = [m for m in TIMELINE.finditer(text) if not PAST.search(text[max(0, m.start() - 50):m.start()])
               and not WHEN_CALLS_ARE_LOST.match(text, m.end()) and not WHEN_IT_HAPPENS.search(text, 0, m.start())]
    if not matches:
        return None
    spans = [(m.start() - (len(event.group(0)) if (event := EVENT_BEFORE.search(text, 0, m.start())) else 0), m.end())
             for m in matches]
    said = ", ".join(dict.fromkeys(text[s:e] for s, e in spans))
    return {"timeline": said}, spans


# "when the AC breaks in July everybody calls at once": when the problem comes, not when they want to start
WHEN_IT_HAPPENS = re.compile(r"\bwhen\b(?![^,.;!?]*\b(?:want|need|like|start|live|launch|ready|go|budget)\w*\b)[^,.;!?]*$",
                             re.IGNORECASE)


# "before open enrollment in the fall": the event the date stands for goes with it
EVENT_BEFORE = re.compile(r"\b(?:before|ahead of|in time for)\s+(?:the |our |open )?(?!(?:we|i|they|you|it|he|she)\b)"
                          r"(?:[a-z]+\s+){1,3}$", re.IGNORECASE)


ACKNOWLEDGEMENT = re.compile(r"(?:i see|got it|okay|ok|right|sure|alright|all right|fine|good|great|understood|makes sense|"
                             r"i understand|interesting|hmm+|mm+|ah|oh)", re.IGNORECASE)


REPORTED = re.compile(r"\W*(?:he|she|they|my \w+|a \w+ of mine)\s+(?:said|says|told|mentioned|recommended)\b", re.IGNORECASE)


TIME_ZONE_SAID = re.compile(r"\b(?:eastern|central|mountain|pacific|atlantic|alaska|hawaii)(?: standard| daylight)? time\b|"
                            r"\btime ?zone\b|\bheure de (?:paris|montréal|new york)\b|\byour time\b|"
                            r"^\W*(?:eastern|central|mountain|pacific)\W*$", re.IGNORECASE)


# how a name is written ("Sousa-Ferreira with a hyphen. Beatriz with a z at the end"): no answer to another question
HOW_IT_IS_WRITTEN = re.compile(r"\b(?:with(?:out)? (?:an? |the )?(?:[a-z]|hyphen|dash|accent|apostrophe|space|capital)|"
                               r"hyphen(?:ated)?|spelled|spelt|as in)\b", re.IGNORECASE)


LIST_GOES_ON = re.compile(r",\s+[a-z][\w' -]*,\s+(?:and\s+)?[a-z]|"
                          r",\s+(?!(?:that|it|yes|yeah|please|thanks|sorry|um|uh|and|but|i|my)\b)[a-z][\w'-]*\s+[a-z][\w'-]*s\s*[.!]")
# ("Weddings, corporate parties.": what a business does, not a name)


def _bare(field: str, said: str, numeric: str, capitalised: bool = False) -> dict[str, Any]:
    """`said` as the answer to the question for `field`, when it can be one (`numeric`: the same
    clause with number words as digits and times masked)."""
    if classify(said) or declines_meeting(said) or none_of_those(said) or re.search(r"\b(?:spell|let me|hold on|one (?:sec|moment)|shoot|"
                                                                r"oops|damn|gotta go|got to go|other line)\b", said,
                                                                re.IGNORECASE):
        return {}  # a request, a question, a goodbye, times turned down or a pause answers no question
    said = FILLERS.sub("", said.strip()).strip(" '\"")
    words = said.split()
    if not words or (field != "timeline" and UNKNOWN.search(said)) or yes_or_no(said) is not None and len(words) < 3:
        return {}
    if SMALL_TALK_WORDS.search(said) or ACKNOWLEDGEMENT.fullmatch(said.strip(" .,!")) or REPORTED.match(said) or \
            THANKS_ONLY.match(said):
        return {}  # ("No meeting for now, thanks.": no timeline)
    if field not in ("first_name", "last_name", "name_confirmed") and re.search(r"\b(?:name|e-?mail|spell\w*)\b", said,
                                                                              re.IGNORECASE):
        return {}  # "oh, and my last name": about another field
    if field not in ("first_name", "last_name", "name_confirmed", "email") and re.search(r"\b[A-Z]{7,}\b", said):
        return {}  # "from the top: WOJCIECHOWSKA", a word spelled letter by letter: a name, not this answer
    if field in ("first_name", "last_name", "name_confirmed"):
        said = SPELLING_TAIL.sub("", said).strip()
        if len(said.replace(".", "")) < 2:
            return {}  # a letter ("a.m.") is not a name
        if " " not in said.strip() and said.isupper() and len(said) > 2:
            said = said.capitalize()  # spelled out
        tokens = _name_tokens(said, capitalised=False)
        if not tokens or len(tokens) != len(said.split()) or len(tokens) > 3:
            return {}
        if any(t.isupper() and len(t) <= 3 for t in tokens):
            return {}  # "no AC, no heat": letters of an acronym, not a name
        if capitalised and not any(t[0].isupper() for t in tokens):
            return {}  # "... that's the deadline": a transcript that writes capitals writes names with them
        if field == "last_name":
            return {"last_name": person(["X", *tokens])["last_name"]} if len(tokens) < 3 else {}
        return person(tokens)
    if field == "team_size":
        value = _count(FILLERS.sub("", numeric.strip())) if re.search(r"\d|dozen", numeric) else None
        if re.search(rf"\d+{NOT_PEOPLE_UNITS}", numeric, re.IGNORECASE):
            return {}  # "I've got a standup in five minutes": a length of time, not a team
        return {"team_size": value} if value and len(words) <= 8 else {}
    if field != "timeline" and (TIMELINE.search(said) or time_spans(said) or TIME_ZONE_SAID.search(said)):
        return {}  # a time (or a time zone: "Central time, I'm in Oklahoma") answers another question
    if field in ("company", "role") and (re.search(r"\d|\bone word\b|\bdot\b|@", numeric + said) or
                                         TEAM.search(numeric)):
        return {}
    limits = {"company": 6, "role": 8, "need": 20, "timeline": 8}
    if field not in limits or len(words) > limits[field] or not re.search(r"[^\W\d_]", said):
        return {}
    if field in ("company", "role") and re.search(r"\b(?:you|me|i|we|us|my|your|our|contact|call|email)\b", said,
                                                  re.IGNORECASE):
        return {}  # "and you may contact me" is neither a company nor a role
    if field == "company" and (re.match(r"^(?:a|an|some|small|big|large|those|these|that|this|they|it|out|nothing|"
                                        r"none|neither)\b", said, re.IGNORECASE)
                               or said.split()[0].lower() in NOT_A_NAME):
        return {}
    if field == "company" and capitalised and not any(w[:1].isupper() for w in words):
        return {}  # "... I'm out on jobs all day": a transcript that writes capitals writes a company's name with them
    if field == "role" and re.match(r"^(?:and|but|so|or|if|because)\b", said, re.IGNORECASE):
        return {}
    if field == "need":
        said = re.sub(r"^(?:to|help (?:us |me )?(?:with |to )?)\s*", "", said, flags=re.IGNORECASE)
        if NOT_A_NEED.search(said) or said.lower().startswith("not "):
            return {}  # ("not this line": an answer to something else; a problem told may start so: `problem`)
    return {field: said}


# how to reach the caller ("best number for me is my cell, not this line"): no answer to the question asked
CALL_ME_ON = re.compile(r"\b(?:(?:best|good|better) (?:number|way) (?:for me|to reach me)|(?:call|reach|text) me (?:on|at)|"
                        r"my (?:cell|mobile|direct line|number) is)\b", re.IGNORECASE)
THANKS_ONLY = re.compile(rf"^\W*(?:{THANKS_WORDS})\W*$", re.IGNORECASE)


def _spelled_name(text: str, asked: str) -> dict[str, str]:
    """A name said and spelled ("Agnieszka, A G N I E S Z K A, and Kowalski, K-O-W-A-L-S-K-I"): the
    words once each, the spelling as written."""
    words: list[str] = []
    for token in re.findall(NAME, FILLERS.sub("", text)):
        lowered = token.lower()
        if lowered in ("and", "hyphen", "dash", "spelled", "spelt", "that's", "thats", "it's", "is", "my", "name",
                       "last", "first", "then", "like", "as", "in"):
            continue
        if words and lowered == words[-1].lower():
            continue
        words.append(token.capitalize() if token.isupper() and len(token) > 2 else token)
    if not 1 <= len(words) <= 3 or any(w.lower() in NOT_A_PERSON for w in words):
        return {}
    if asked == "last_name" and len(words) == 1:
        return {"last_name": words[0]}
    return person(words)


LEAVING = re.compile(r"\b(?:other line|gotta go|got to go|have to (?:run|go)|call you back|grab that|someone's at the "
                     r"door|in a meeting|can't talk)\b", re.IGNORECASE)


# --- declined fields and corrections ------------------------------------------------------------------
DECLINE = re.compile(r"\b(?:(?:i'd|i would) rather not|prefer not|no need to take (?:my|any) (?:details|name|info)|i'd prefer not|not comfortable|don't want to "
                     r"(?:give|share|say)|won't (?:give|share)|rather not say|skip (?:that|it)|pass on that|"
                     r"none of your business|not telling|no comment|not going to (?:give|share)|"
                     r"(?:je )?préfère(?:rais)? ne pas|je ne (?:souhaite|veux) pas (?:donner|communiquer|laisser)|"
                     r"sans (?:donner|laisser) (?:mon|mes))\b", re.IGNORECASE)
FIELD_WORDS = {"details": r"details|info|information|coordonnées", "email": r"e-?mail|address|adresse|courriel",
               "first_name": r"(?:first )?name|nom|prénom", "last_name": r"last name|surname|nom de famille",
               "company": r"company|employer|société|entreprise", "role": r"role|title|job", "team_size": r"team|how many|size",
               "timeline": r"timeline|when", "need": r"need|problem"}
CORRECTION = re.compile(r"(?:^|[.!?]\s+)\W*(?:(?:oh|ah|um+|uh+|hmm+|well|oops|and)\W+)*(?:no+|nope|sorry|actually|oops|wait|hang on|hold on|i mean|correction|not quite|that's wrong|"
                        r"that's not right|wrong)\b|\bactually,? no\b|\bno,? wait\b|\bwait,? (?:no|sorry|actually)\b|"
                        r"\bsorry,? (?:i mean|i meant|scratch|we're now|it's now)\b|\bwe (?:rebranded|renamed|changed (?:our|the) "
                        r"name)\b|"
                        r"\b(?:make (?:that|it)|i meant|i mean|scratch that|"
                        r"not \w+,? (?:it's|but)|correction)\b|,\s*(?:well,?\s*)?no,\s+(?=(?:it's|it is)\b)", re.IGNORECASE)
SPELLED_AS = re.compile(rf"\bspell(?:ed|t)\b(?: the [\w-]+ way| differently| like this)?,?\s+({NAME})\b(?!\s+{NAME})",
                        re.IGNORECASE)  # "my name's spelled the unusual way, KATLYN" (the letters already joined)
RENAMED = re.compile(rf"\W*(?i:(?:oh|ah|well|and)\W+)*(?i:sorry|actually|i mean|no|oops|wait)\W+({COMPANY_NAME})(?=\s*[,.;!?]|$)")
RENAMED_TO = re.compile(rf"\b(?i:changed (?:our|the|its) name|renamed|rebranded|(?:not|no longer) [A-Z][^.!?]{{0,40}}?any ?more)"
                        rf"[^.!?]*[.!?,]?\s+(?i:(?:so |and |but )?(?:now )?(?:it's|it is|we're|we are|now)\s+(?:now\s+)?"
                        rf"(?:called\s+)?)({COMPANY_NAME})")
CORRECTED_NAME = re.compile(rf"\b(?:it's|it is|that's|that is|i'm|its)\s+({NAME}(?:\s+{NAME})?)", re.IGNORECASE)


def declined(text: str, asked: str | None) -> list[str]:
    """The fields the caller would rather not give: those they name, else the one just asked."""
    if not DECLINE.search(text):
        return []
    named = [field for field, words in FIELD_WORDS.items() if re.search(rf"\b(?:{words})\b", text, re.IGNORECASE)]
    if "details" in named:  # all of them
        named = ["first_name", "last_name", "company", "role", "need", "team_size", "timeline", "email"]
    fields = named or ([asked] if asked else [])
    if "first_name" in fields or asked == "first_name" and not named:
        fields = [*fields, "last_name"]
    if "email" in fields:
        fields = [*fields, "email_confirmed"]
    return [f for f in dict.fromkeys(fields) if f not in ("name_confirmed",)]


def _domain_corrected(text: str, email: str) -> dict[str, Any]:
    """The address with the ending the caller corrects ("it's dot net, not dot com")."""
    said = text.lower()
    wrong = set(re.findall(r"\bnot (?:dot|point) ([a-z]{2,6})\b", said))
    right = [tld for tld in re.findall(r"\b(?:dot|point) ([a-z]{2,6})\b", said) if tld not in wrong]
    ending = email.rsplit(".", 1)
    joined = re.sub(r"\b([a-z])[\s-]+(?=[a-z]\b)", r"\1", said)  # ("h-a-r-b-o-r-v-i-e-w-i-n-s dot com")
    domains = [f"{m.group(1)}.{m.group(2)}" for m in re.finditer(rf"(?<!\bdot )(?<!\bpoint )\b([a-z][a-z0-9-]+)\s+(?:dot|point)\s+"
                                                                 rf"({'|'.join(sorted(COMMON_TLDS))})\b", joined)
               if m.group(1) not in ("dot", "point", "not", "is", "just", "and", "or", "the", "at", "no", "but", "pas")
               and not re.search(r"\b(?:not|pas)\s+$", joined[:m.start()])]
    if domains and "@" in email and domains[-1] != email.split("@")[1] and (
            "domain" in said or CORRECTION.search(text)):  # "no, that's our old domain. It's harborviewins dot com"
        fixed = f"{email.split('@')[0]}@{domains[-1]}"
        return {"email": fixed} if _valid_email(fixed) else {}
    if not right or len(ending) != 2 or right[0] == ending[1]:
        return {}
    fixed = f"{ending[0]}.{right[0]}"
    return {"email": fixed} if _valid_email(fixed) else {}


def _correction(text: str, lead: Mapping[str, Any], found: dict[str, Any]) -> dict[str, Any]:
    """A corrected value with no phrasing of its own ("no, it's Hannah with an h", "actually sixty"):
    it replaces the known field it is closest to."""
    if not CORRECTION.search(text) or found:
        return {}
    text = re.sub(r"\b(?:last|this|next) (?:week|month|year)\b", "", text, flags=re.IGNORECASE)
    number = re.search(rf"\b(\d+)\b(?!{NOT_PEOPLE_UNITS})", _numeric(text, "en-US"))  # ("in five minutes": no count)
    sized = ({"team_size": int(number.group(1))} if number and lead.get("team_size") and not time_spans(text)
             and not TIMELINE.search(text) and not find_email(text, expecting=True) else {})  # "mike 42, sorry, 24"
    return {**_corrected_value(text, lead), **sized}


def _corrected_value(text: str, lead: Mapping[str, Any]) -> dict[str, Any]:
    """The name or company the correction says ("it's Marc with a C"), in the field it resembles."""
    match = SPELLED_AS.search(text) or CORRECTED_NAME.search(SPELLING_TAIL.sub("", text))
    said = match.group(1) if match else FILLERS.sub("", SPELLING_TAIL.sub("", text)).strip(" .,!")
    while said.split() and said.split()[-1].lower() in NOT_A_PERSON:  # "it's Kowalczyk now"
        said = said.rsplit(None, 1)[0] if " " in said else ""
    if not said or len(said.split()) > 4 or said.split()[0].lower() in NOT_A_PERSON:
        return {}
    candidates = {field: str(lead[field]) for field in ("first_name", "last_name", "company") if lead.get(field)}
    if not candidates:
        return {}
    score = {field: difflib.SequenceMatcher(None, said.lower(), value.lower()).ratio()
             for field, value in candidates.items()}
    best = max(score, key=score.__getitem__)
    if score[best] < 0.5:
        return {}
    if best in ("first_name", "last_name"):
        value = person(said.split()[:1])["first_name"] if len(said.split()) == 1 else None
        if value is None:
            return person(said.split())
        return {best: value}
    return {best: said}


# --- everything at once ------------------------------------------------------------------------------

def _mask(text: str, spans: list[Span]) -> str:
    for start, end in spans:
        text = text[:start] + " " * (end - start) + text[end:]
    return text


def _valid_email(address: str) -> bool:
    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def _digits_in_words(text: str, language: str) -> str:
    try:
        return alpha2digit(text, "fr" if language.startswith("fr") else "en", threshold=0)
    except Exception:  # noqa: BLE001
        return text


NOT_A_COUNT = re.compile(r"\b(?:thanks|thank you) a (?:million|thousand|hundred)\b|\bone in a million\b|"
                         r"\b(?:a )?million (?:thanks|times)\b", re.IGNORECASE)  # manners, not numbers


def _numeric(text: str, language: str) -> str:
    """`text` with number words as digits, its times, phone numbers and emails masked out."""
    masked = _mask(text, [*time_spans(text), *(m.span() for m in NOT_A_COUNT.finditer(text))])
    phones = [(m.start, m.end) for m in PhoneNumberMatcher(masked, "US", leniency=Leniency.POSSIBLE)]
    masked = _mask(masked, phones)
    try:
        converted = alpha2digit(masked, "fr" if language.startswith("fr") else "en")
    except Exception:  # noqa: BLE001 - an utterance text2num cannot read keeps its words
        converted = masked
    return converted


ADDRESS_CONFIRMED = re.compile(r"\b(?:that|the|this|my) (?:e-?mail(?: address)?|address)\b[^.?!]{0,12}?\b(?:is|it's|that's) "
                               r"(?:correct|right)\b", re.IGNORECASE)
TOTAL = re.compile(r"\b(?:so|that's|that makes|which makes|making)\W+(?:about |around )?(\d+)\s+(?:of us|people|in total|total)\b|"
                   r"\b(\d+)\s+(?:people |of us )?in total\b|\b(?:in total|all told|total of)\W+(\d+)\b", re.IGNORECASE)
SAID_AGAIN = re.compile(r"\s*[,.]\s*(?:sorry|i mean|no|non|pardon|actually|or rather|make (?:that|it)|wait|en fait|plutôt|well)\s*,?\s*(\d+)\b(?!\s*(?:am|pm|a\.m|p\.m|:))|"
                        r"\s*,\s*(\d+)\s+(?:exactement|exactly|precisely|to be exact)\b",  # "une trentaine, 32 exactement"
                        re.IGNORECASE)


FINDERS: tuple[Callable[[str], tuple[dict[str, Any], Span | list[Span]] | None], ...] = (
    consent, role, need, company, timeline)


# the answer first, then other things ("Lagoon Print Co. Commercial printing. I'm the owner."): a company's
# capitalised name, or a role's first sentence, is taken as the answer though other fields were found after it
NAMED_FIRST = re.compile(r"\s*[A-Z0-9][\w'&-]*(?:\s+(?:&|and|of|de|the|[A-Z0-9][\w'&-]*))*(?=\s*[.!]|$)")
TOLD_FIRST = re.compile(r"[^.!?]*?\b(?:vp|svp|head|director|manager|lead|chief|ceo|cto|cfo|coo|cmo|founder|co-founder|owner|"
                        r"partner|president|supervisor|coordinator|administrator|dispatcher|principal|associate)\b[^.!?]*(?=[.!])",
                        re.IGNORECASE)
NO_MATCH = re.compile(r"(?!)")


# a caller who calls for someone else, named in full: that person is the lead
_SUPERIOR = (r"(?:boss|manager|supervisor|employer|principal|director|ceo|cfo|coo|cto|vp|president|owner|founder|"
             r"partner|head of \w+(?: \w+)?|vp of \w+(?: \w+)?)")
ON_BEHALF = re.compile(rf"\b(?:on behalf of|calling for|booking (?:this )?for|setting (?:this|it) up for)\s+"
                       rf"(?i:my|our)\s+(?i:{_SUPERIOR}),?\s+((?-i:[A-ZÀ-ÖØ-Þ])[\w'’-]+)\s+((?-i:[A-ZÀ-ÖØ-Þ])[\w'’-]+)\b")
FOR_ANOTHER = re.compile(r"\b(?:i'm|i am)\s+(?:his|her|their)\b[^.!?]*", re.IGNORECASE)  # what the caller is to them


def extract(text: str, asked: str | None, lead: Mapping[str, Any], language: str = "en-US") -> dict[str, Any]:
    """The fields `text` gives that `lead` does not already hold with the same value, and the fields
    the caller declined (`declined`)."""
    spoken = _fluent(text.replace("’", "'"))
    text = _collapse_spelling(spoken)
    found: dict[str, Any] = {}
    spans: list[Span] = []
    expecting = asked in ("email", "email_confirmed", "name_confirmed")
    email = find_email(text, expecting=expecting)
    if email and not re.search(r"@", text):
        digits = find_email(_digits_in_words(text, language), expecting=expecting)
        email = (digits[0], email[1]) if digits else email
    if email and _valid_email(email[0]):
        found["email"] = email[0]
        spans.append(email[1])
    working = _mask(text, spans)
    correcting = bool(CORRECTION.search(text))
    named_spans: list[Span] = []
    if behalf := ON_BEHALF.search(working):  # "calling on behalf of my boss, Daniel Okafor": the lead is the boss,
        found |= {"first_name": behalf.group(1), "last_name": behalf.group(2)}  # not the assistant who calls
        spans.append(behalf.span())
        spans += [m.span() for m in FOR_ANOTHER.finditer(working)]  # ("I'm his executive assistant, Priyanka")
        working = _mask(working, spans)
    else:
        named, named_spans = names(working, asked, correcting)
        found.update(named)
        spans += named_spans
    named_end = len(working[:max((end for _, end in named_spans), default=0)].rstrip(", "))  # (a span may take the comma)
    if named_spans and (listed := LISTED_COMPANY.match(working, named_end)) and \
            len(listed.group(1).split()) >= 2 and _names_a_company(listed.group(1)) and \
            (_a_business_word(listed.group(1).split()[-1]) or  # ("Atlas Freight Brokers": brokers, a business)
             not (_title_like(listed.group(1)) or ROLE_WORDS.search(listed.group(1)))):
        found["company"] = listed.group(1)  # "Hi, Lucinda Marchetti-Boyd, Bluegrass Equine Pharmacy, in Lexington."
        spans.append(listed.span())
    first = found.get("first_name") or lead.get("first_name")
    if first and "last_name" not in found and not lead.get("last_name"):
        spelled = [w for w in spelled_words(spoken)  # (not the first name, nor a longer form of it: "Meg", "Meghan")
                   if difflib.SequenceMatcher(None, _folded(w), _folded(first)).ratio() < 0.75
                   and not _folded(w).startswith(_folded(first))]
        if spelled:  # "Oh, sorry, it's Achebe. A-C-H-E-B-E.": the name they owed, spelled
            found["last_name"] = spelled[0]
    capitalised = any(c.isupper() for c in text[1:])
    for finder in FINDERS:
        masked = _mask(working, spans)
        result = company(masked, capitalised) if finder is company else finder(masked)
        taken = (result[1] if isinstance(result[1], list) else [result[1]]) if result else []
        if result and not any(s < end and start < e for start, end in taken for s, e in spans):
            found = {**result[0], **found}
            spans += taken
    if "company" not in found and not lead.get("company") and asked != "company" and \
            (alone := COMPANY_ALONE.search(_mask(working, spans)) or _named_alone(_mask(working, spans), found, lead)) \
            and alone.group(1).lower() not in PLACES:
        found["company"] = alone.group(1)  # "Harbourview Insurance Brokers.", said while asked for something else
        spans.append(alone.span(1))
    remaining = _mask(working, spans)
    counted = [(clause, size) for clause in CLAUSES.finditer(remaining)  # by clause: number words become digits,
               if (size := team_size(_numeric(clause.group(0), language)))]  # offsets move
    # a count of people wins over a count of other things said first ("400 apartments ... 14 of us")
    counted.sort(key=lambda said: not PEOPLE_COUNT.search(_numeric(said[0].group(0), language)))
    for clause, size in counted[:1]:
        if size:
            found = {**size[0], **found}
            noun = re.search(rf"\b{PEOPLE}\b|\b[a-z]+(?:ers|ors|ists|ians|ants|ents|ees|ives)\b", clause.group(0),
                             re.IGNORECASE)
            spans.append((clause.start(), clause.start() + noun.end()) if noun else clause.span())
            if fixed := SAID_AGAIN.match(_numeric(remaining[clause.end():], language)):
                found["team_size"] = int(next(g for g in fixed.groups() if g))  # "eighteen agents, sorry, nineteen"
            if total := TOTAL.search(_numeric(remaining[clause.start():], language)):
                found["team_size"] = int(next(g for g in total.groups() if g))  # "... and 3 coordinators, so, 5 of us"
            break
    if behalf and found.get("role"):  # "my boss, Daniel Okafor, he's the VP of Sales": "VP of Sales"
        found["role"] = re.sub(r"^(?:he|she)(?:'s| is) (?:the |our |a |an )?", "", found["role"], flags=re.IGNORECASE)
    if "role" not in found and not lead.get("role") and (team := TEAM_DEPARTMENT.search(working)):
        found["role"] = team.group(1)  # "we're 12 people in customer service": where they work
    if "need" not in found and (told := problem(_mask(working, spans))):
        found["need"] = told[0]["need"]
        spans.append(told[1])
    marker = CORRECTION.search(text)
    if marker and ("company" in found or lead.get("company")) and (later := company(text[marker.end():], capitalised)) \
            and later[0]["company"] not in (found.get("first_name"), found.get("last_name")):
        found["company"] = later[0]["company"]  # "at Greenfield Supply, oh wait, it's called Greenfield Logistics now"
    elif marker and found.get("company") and (renamed := RENAMED.match(text, marker.start())) and \
            difflib.SequenceMatcher(None, renamed.group(1).lower(), found["company"].lower()).ratio() >= 0.5:
        found["company"] = renamed.group(1)  # "VP of sales at Redwood Analytics. Sorry, Redline Analytics, we rebranded"
    if capitalised and (new_name := RENAMED_TO.search(text)) and _names_a_company(new_name.group(1)):
        found["company"] = new_name.group(1)  # "we changed the name last year. It's Brightwater Pool and Spa."
    changed = {k for k in ("email", "first_name", "last_name") if k in found and found[k] != lead.get(k)}
    if asked == "email_confirmed" and changed and changed <= {"first_name", "last_name"} and not lead.get("first_name") \
            and yes_or_no(re.split(r"(?<=[.!?;])\s+", text.strip())[0]) is True:
        found["email_confirmed"] = True  # "Yes, correct. I'm Marie-Ève Tremblay-Roy, ...": the name is read back next
    elif lead.get("email") and lead.get("email_confirmed") is not True and "email" not in found and \
            ADDRESS_CONFIRMED.search(text):
        found |= {"email_confirmed": True, **({"name_confirmed": True} if lead.get("first_name") else {})}
    if asked in ("email_confirmed", "name_confirmed", "consent") and not changed:
        answer = yes_or_no(re.split(r"(?<=[.!?;])\s+", text.strip())[0])  # "Yes, that's right. But no texts."
        if asked == "consent" and answer is False and declines_meeting(re.split(r"(?<=[.!?;])\s+", text.strip())[0]):
            answer = found.get("consent")  # "No, I won't book a meeting yet. Maybe someone could email me?": the meeting's no
        if answer is None and re.search(r"\b(?:it's|that's|that is|it is) (?:correct|right)\b", text, re.IGNORECASE):
            answer = True  # "No meeting for now. But yes, you can email me at that address, it's correct"
        if answer is True and asked in ("email_confirmed", "name_confirmed"):
            found |= {"email_confirmed": True} if lead.get("email") else {}
            found |= {"name_confirmed": True} if lead.get("first_name") else {}
        elif answer is not None and asked == "consent":
            found["consent"] = answer
    elif correcting and (corrected := _correction(text, lead, {})) and set(corrected) - set(found):
        found = {**corrected, **found}  # what the phrasings found stands; the correction adds the rest
    elif asked in ("first_name", "last_name") and not named and "email" not in found and \
            (spelled := _spelled_name(text, asked)):
        found = {**spelled, **found}
    elif asked and asked not in found and asked != "email" and not LEAVING.search(text) and not CALL_ME_ON.search(text) \
            and (not found or asked in ("first_name", "last_name") or (
                (first := (NAMED_FIRST if asked == "company" else TOLD_FIRST if asked == "role" else NO_MATCH).match(text))
                and not any(s < first.end() and first.start() < e for s, e in spans))) \
            and classify(text) != "question" and not (asked in ("company", "role") and HOW_IT_IS_WRITTEN.search(text)) \
            and not (asked == "timeline" and classify(text) == "book") \
            and not ("email" in found and asked in (
            "first_name", "last_name")) and not (re.search(r"\bspell", text, re.IGNORECASE)
                                                 and asked not in ("first_name", "last_name")):
        for clause in CLAUSES.finditer(text):
            if any(s < clause.end() and clause.start() < e for s, e in spans):
                continue
            if asked in ("first_name", "last_name") and LIST_GOES_ON.match(text, clause.end()):
                break  # "Motorhomes, travel trailers, fifth wheels.": the first of a list of things
            bare = _bare(asked, clause[0], _numeric(clause[0], language), capitalised)
            if bare:
                found = {**bare, **found}
                break
    if "team_size" in found and correcting:  # "maybe 15 reps, actually no, wait, it's 22 now": the last one
        marker = CORRECTION.search(text)
        after = _numeric(text[marker.end():], language) if marker else ""
        counted = PEOPLE_COUNT.search(after)  # "so it's more like 35 agents now"
        restated = re.match(r"[^.!?]*?\b(?:it's|it is|we're|we are)\s+(?:now\s+)?(\d+)\b(?!\s*(?:%|percent|minutes?|hours?|days?))",
                            after)  # "I said twelve, it's fifteen now. We just hired three SDRs": fifteen
        later = [restated.group(1)] if restated else [counted.group(1)] if counted else \
            re.findall(r"(?<!not )(?<!said )(?<!was )\b(\d+)\b", after)
        if later and 0 < int(later[0]) < 1_000_000:  # "make that 32, not 25": the first said after it
            found["team_size"] = int(later[0])
    if not {"first_name", "last_name"} & set(found) and (respelled := _respelled_name(spoken, lead)):
        found.update(respelled)  # "my last name, no T at the end. It's Schmid, S-C-H-M-I-D"
    if not found and lead.get("email") and correcting:
        found = _domain_corrected(text, str(lead["email"]))
    if not found:
        found = _correction(text, lead, found)
    if correcting and found.get("company") and found["company"] in (found.get("first_name"), found.get("last_name")):
        found.pop("company")  # "It's Kowalczyk now", said of a name: not a company renamed
    if lead.get("need") and "need" in found and not correcting:
        found["need"] = _need_added(str(lead["need"]), found["need"])
    if found.get("company") and (fuller := re.search(
            rf"\b{re.escape(found['company'])}\s*[.,]\s+({re.escape(found['company'])}(?:\s+[A-Z][\w&'’-]*)+)", text)):
        found["company"] = fuller.group(1)  # "it's Ridgeline. Ridgeline Logistics.": the name said in full
    refused = declined(text, asked)
    if refused:
        found = {k: v for k, v in found.items() if k not in refused}
        found["declined"] = refused
    return {k: v for k, v in found.items() if lead.get(k) != v}
