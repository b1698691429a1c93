"""Qualification fields from what the caller said: name, company, role, need, team size, timeline,
email, and yes/no answers to the email read-back and the consent question.

Fields are found by phrasing ("I'm Dana Whitfield from Acme Logistics", "team of about forty", "my
email is dana at acme dash logistics dot com"). A bare answer ("Acme Logistics") fills the field the
bot asked for last, when no phrasing claimed that part of the utterance. English phrasings only.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from callbot.llm.offline.spoken import NUMBER, find_email, parse_number, yes_or_no

NAME = r"[^\W\d_][\w'’-]*"
NOT_NAMES = (
    "the a an head vp looking calling interested with from in on at here just not good fine great ok okay sure so "
    "very really trying hoping wondering responsible part working based currently also actually sorry glad happy "
    "new i me my we our you your it this that what why how who yes yeah no hi hello hey um uh thanks thank please "
    "well calling about going done back in charge of and or but to for is are was looking interested busy "
    "still there ready available director manager founder owner ceo cto cfo coo lead chief senior junior "
    "sales marketing operations president engineer rep from know don't dont idea")
NOT_A_NAME = frozenset(NOT_NAMES.split())
PARTICLES = {"van", "von", "de", "der", "den", "da", "di", "del", "la", "le", "mac", "st"}
ROLE_WORDS = re.compile(
    r"\b(?:vp|svp|evp|avp|vice|president|head|director|manager|lead|leader|chief|officer|ceo|cto|cfo|coo|cro|"
    r"cmo|founder|co-founder|cofounder|owner|partner|engineer|developer|analyst|rep|representative|executive|"
    r"specialist|coordinator|administrator|admin|consultant|architect|supervisor|associate|assistant|principal|"
    r"gm|md)\b", re.IGNORECASE)
CLAUSE_END = (r"(?=\s*(?:[,.;!?]|$|\s(?:and|but|so|because|where|who|we|i|i'm|as|calling|looking|"
              r"(?:my|our) (?:name|email|e-mail|role|title|company|team|number))\b))")
PHRASE = rf"(.+?){CLAUSE_END}"
FILLERS = re.compile(
    r"^(?:(?:um+|uh+|hmm+|mm+|ah+|er|so|well|yes|yeah|sure|okay|ok|oh|right|it's|it is|that's|that is|that would be|"
    r"that'd be|hi|hello|hey|we're|we are|i'm|i am|i'd say|probably|basically|about|around|roughly|maybe|my name is|"
    r"the company is|my company is|our company is|company is|i work for|i work at|we're called|"
    r"we are called|my role is|my title is|the|an?)\b[\s,]*)+", re.IGNORECASE)
UNKNOWN = re.compile(r"\b(?:don't know|not sure|no idea|why|what|who|hello|can you hear)\b", re.IGNORECASE)

COMPANY_INTRO = re.compile(
    r"\b(?:i work (?:at|for)|i'm (?:at|with)|i am (?:at|with)|we(?:'re| are) (?:at|with)|calling from|"
    r"from|company is(?: called)?|company's called|company called|representing)\s+", re.IGNORECASE)
AND_NAME = re.compile(r"\s+and\s+([A-Z][\w'&-]*(?:\s+[A-Z][\w'&-]*)*)(?=\s*(?:[,.;!?]|$))")
ROLE_INTRO = re.compile(
    r"(?:\b(?:i'm|i am|i work as|as)|,)\s+(?:the |a |an |our |their )?(?=\S)|"
    r"\b(?:my (?:role|title|job|position) is)\s+(?:the |a |an )?", re.IGNORECASE)
NEED = re.compile(
    r"\b(?:(?:we|i)(?:'d| would)? (?:want|need|like|hope|plan)|(?:we|i)(?:'re| are|'m| am) (?:looking|trying|"
    r"hoping|planning)|looking)\s+to\s+" + PHRASE + r"|\b(?:help (?:us|me)(?: with)?|looking for|we need)\s+" + PHRASE,
    re.IGNORECASE)
NOT_A_NEED = re.compile(r"^(?:book|schedule|set up|talk|speak|know|ask|learn|hear|get a demo|see a demo|cancel|"
                        r"reschedule|move|find out|understand|start|get started|begin|go live|roll|kick off)\b", re.IGNORECASE)
APPROX = r"(?:about |around |roughly |maybe |approximately |some |like |over |under |nearly |almost )?"
TEAM = re.compile(
    rf"\bteam of {APPROX}({NUMBER})|{APPROX}({NUMBER})\s+(?:[a-z]+\s+)?(?:people|persons|reps|representatives|"
    r"users|seats|agents|employees|salespeople|sellers|members|folks|callers|staff|of us)\b", re.IGNORECASE)
COUNT = r"(?:a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|a few|a couple(?: of)?|\d+)"
MONTH = (r"(?:january|february|march|april|may|june|july|august|september|october|november|december|"
         r"q[1-4]|spring|summer|fall|autumn|winter)")
TIMELINE = re.compile(
    r"\b(?:as soon as possible|asap|right away|immediately|"
    r"(?:this|next|the next) (?:month|quarter|year|fiscal year)|"
    rf"(?:early|late|mid|end of|the end of) (?:next |this )?(?:year|quarter|month|{MONTH})|"
    rf"(?:in|within) (?:the next )?{COUNT} (?:days?|weeks?|months?|quarters?|years?)|"
    rf"by (?:the )?(?:end of (?:the |this |next )?(?:month|quarter|year)|{MONTH}|next (?:month|quarter|year))|"
    rf"in {MONTH}|{MONTH} next year)\b", re.IGNORECASE)
CLAUSES = re.compile(r"[^,.;!?]+")
NAME_INTRO = re.compile(r"\b(?:my name is|my name's|name's|the name is|call me|this is|i'm|i am|it's)\s+",
                        re.IGNORECASE)
Span = tuple[int, int]


def _proper(name: str) -> str:
    """A name as said; capitalised when the transcript is all lower case ("o'brien" -> "O'brien")."""
    return name if any(c.isupper() for c in name) else name[:1].upper() + name[1:]


def _name_tokens(text: str, capitalised: bool) -> list[str]:
    tokens = []
    for token in re.findall(rf"{NAME}|\S+", text):
        if not re.fullmatch(NAME, token) or token.lower() in NOT_A_NAME:
            break
        if capitalised and not token[0].isupper() and token.lower() not in PARTICLES:
            break
        if not capitalised and re.search(r"(?:ing|ed)$", token):
            break  # "i'm calling", "i'm interested": not names
        tokens.append(token.rstrip("'’-"))
    return tokens


def _split_name(tokens: list[str]) -> dict[str, str]:
    if tokens and all(len(token) == 1 for token in tokens) and len(tokens) >= 3:
        tokens = ["".join(tokens)]  # spelled out: "d a n a"
    if not tokens:
        return {}
    found = {"first_name": _proper(tokens[0])}
    if len(tokens) > 1:
        found["last_name"] = " ".join(_proper(t) if t.lower() not in PARTICLES else t for t in tokens[1:3])
    return found


def names(text: str, asked: str | None) -> tuple[dict[str, str], list[Span]]:
    capitalised = any(c.isupper() for c in text[1:])
    for intro in NAME_INTRO.finditer(text):
        if intro.group(0).lower().startswith(("this", "it")) and asked not in ("first_name", "last_name"):
            continue  # "it's Acme Logistics" answers another question
        tokens = _name_tokens(text[intro.end():], capitalised)[:3]
        if tokens:
            return _split_name(tokens), [(intro.start(), intro.end() + len(" ".join(tokens)))]
    last = re.search(rf"\b(?:last name|surname|family name)(?: is|'s)?\s+({NAME})", text, re.IGNORECASE)
    if last:
        return {"last_name": _proper(last.group(1))}, [last.span()]
    return {}, []


def _phrase(text: str, start: int, limit: int) -> tuple[str, Span] | None:
    match = re.match(PHRASE, text[start:], re.IGNORECASE)
    if match is None or len(match.group(1).split()) > limit:
        return None
    return match.group(1).strip(), (start, start + match.end())


def company(text: str) -> tuple[dict[str, Any], Span] | None:
    capitalised = any(c.isupper() for c in text[1:])
    for intro in COMPANY_INTRO.finditer(text):
        found = _phrase(text, intro.end(), 6)
        if found and (not capitalised or found[0][:1].isupper()) and found[0].split()[0].lower() not in NOT_A_NAME:
            name, end = found[0], found[1][1]
            joined = AND_NAME.match(text, end) if capitalised else None  # "Harbor and Vine"
            if joined:
                name, end = f"{name} and {joined.group(1)}", joined.end()
            return {"company": name}, (intro.start(), end)
    return None


def role(text: str) -> tuple[dict[str, Any], Span] | None:
    """A role ("I'm the VP of Sales"), and the company when it follows ("... at Acme Logistics")."""
    for intro in ROLE_INTRO.finditer(text):
        found = _phrase(text, intro.end(), 9)
        if found is None:
            continue
        said, *rest = re.split(r"\s+(?:at|from|with|for)\s+(?=[A-Z])", found[0], maxsplit=1)
        stated = intro.group(0).lower().startswith("my")
        if said and (stated or ROLE_WORDS.search(said.split()[0])
                     or ROLE_WORDS.search(said) and not intro.group(0).startswith(",")):
            return {"role": said, **({"company": rest[0]} if rest else {})}, (intro.start(), found[1][1])
    return None


def need(text: str) -> tuple[dict[str, Any], Span] | None:
    for match in NEED.finditer(text):
        said = (match.group(1) or match.group(2) or "").strip()
        when = TIMELINE.search(said)
        end = match.end() - (len(said) - when.start() if when else 0)
        said = said[:when.start()].strip() if when else said
        if said and not NOT_A_NEED.search(said) and len(said.split()) <= 15:
            return {"need": said}, (match.start(), end)
    return None


def team_size(text: str) -> tuple[dict[str, Any], Span] | None:
    match = TEAM.search(text)
    value = parse_number(match.group(1) or match.group(2)) if match else None
    return ({"team_size": value}, match.span()) if match and value else None


def timeline(text: str) -> tuple[dict[str, Any], Span] | None:
    match = TIMELINE.search(text)
    return ({"timeline": match.group(0)}, match.span()) if match else None


def _bare(field: str, said: str) -> dict[str, Any]:
    """`said` as the answer to the question for `field`, when it can be one."""
    said = FILLERS.sub("", said.strip()).strip(" '\"")
    words = said.split()
    if not words or (field != "timeline" and UNKNOWN.search(said)) or yes_or_no(said) is not None and len(words) < 3:
        return {}
    if field in ("first_name", "last_name"):
        tokens = _name_tokens(said, capitalised=False)
        if len(tokens) != len(words) or len(words) > 3:
            return {}
        found = _split_name(tokens)
        return found if field == "first_name" else {"last_name": " ".join(tokens[:2]) if len(tokens) < 3 else
                                                      "".join(tokens)}
    if field == "team_size":
        value = parse_number(said)
        return {"team_size": value} if value else {}
    limits = {"company": 6, "role": 8, "need": 20, "timeline": 8}
    if field not in limits or len(words) > limits[field] or not re.search(r"[^\W\d_]", said):
        return {}
    if field == "need":
        said = re.sub(r"^(?:to|help (?:us |me )?(?:with |to )?)\s*", "", said, flags=re.IGNORECASE)
    return {field: said}


# the need first: "we want to answer calls from prospects" is a need, not a company called "prospects"
FINDERS: tuple[Callable[[str], tuple[dict[str, Any], Span] | None], ...] = (role, need, company, team_size, timeline)


def extract(text: str, asked: str | None, lead: Mapping[str, Any]) -> dict[str, Any]:
    """The fields `text` gives that `lead` does not already hold with the same value."""
    found: dict[str, Any] = {}
    spans: list[Span] = []
    email = find_email(text, expecting=asked in ("email", "email_confirmed"))
    if email:
        found["email"] = email[0]
        spans.append(email[1])
        text = text[:email[1][0]] + " " * (email[1][1] - email[1][0]) + text[email[1][1]:]
    named, named_spans = names(text, asked)
    found.update(named)
    spans += named_spans
    for finder in FINDERS:
        result = finder(text)
        if result and not any(s < result[1][1] and result[1][0] < e for s, e in spans):
            found = {**result[0], **found}
            spans.append(result[1])
    if asked in ("email_confirmed", "consent") and "email" not in found:
        answer = yes_or_no(text)
        if answer is True or (asked == "consent" and answer is False):
            found[asked] = answer
    elif asked and asked not in found and asked != "email":
        for clause in CLAUSES.finditer(text):
            bare = {} if any(s < clause.end() and clause.start() < e for s, e in spans) else _bare(asked, clause[0])
            if bare:
                found = {**bare, **found}
                break
    if "email" in found and found["email"] != lead.get("email"):
        found["email_confirmed"] = False
    return {k: v for k, v in found.items() if lead.get(k) != v or k == "email_confirmed"}
