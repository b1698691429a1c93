"""The SOQL subset the callbot sends, parsed and evaluated against the fake org's records.

    SELECT f1, Owner.Name FROM Obj [WHERE cond] [ORDER BY f [ASC|DESC], ...] [LIMIT n]
    cond:  a = 'x' | a != null | a IN ('1', '2') | a NOT IN (...) | a LIKE 'x%' | a >= 2026-01-01T00:00:00Z
           joined by AND or by OR (mixing the two needs parentheses, as in Salesforce), NOT, ( )

String literals take Salesforce's backslash escapes and nothing else, so a quote that was not escaped
ends the literal early and the rest of the query fails to parse with `MALFORMED_QUERY`, exactly the
failure an unescaped `O'Brien` causes in a real org. Text compares case-insensitively, as SOQL does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from devtools.fake_salesforce.schema import ApiError, sobject

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", '"': '"', "'": "'", "\\": "\\"}
_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<dt>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2}))
  | (?P<date>\d{4}-\d{2}-\d{2})
  | (?P<num>-?\d+(?:\.\d+)?)
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
  | (?P<op><=|>=|!=|<>|=|<|>)
  | (?P<punct>[(),])
""", re.VERBOSE)
_LOOKUP_TARGETS = {"OwnerId": "User", "AccountId": "Account", "CreatedById": "User", "LastModifiedById": "User"}


@dataclass(frozen=True)
class Token:
    kind: str  # str, dt, date, num, ident, op, punct, end
    value: Any
    pos: int


@dataclass
class Query:
    sobject: str
    fields: list[str]
    where: tuple | None
    order_by: list[tuple[str, bool]]  # (path, descending)
    limit: int | None


def malformed(query: str, pos: int, detail: str) -> ApiError:
    return ApiError(400, "MALFORMED_QUERY", f"\n{query}\n{' ' * pos}^\nERROR at Row:1:Column:{pos + 1}\n{detail}")


def tokenize(query: str) -> list[Token]:
    tokens, pos = [], 0
    while pos < len(query):
        if query[pos] == "'":
            text, pos = _string(query, pos)
            tokens.append(Token("str", text, pos))
            continue
        match = _TOKEN.match(query, pos)
        if match is None:
            raise malformed(query, pos, f"unexpected token: '{query[pos]}'")
        if match.lastgroup != "ws":
            tokens.append(Token(match.lastgroup, match.group(), pos))
        pos = match.end()
    return [*tokens, Token("end", "", len(query))]


def _string(query: str, start: int) -> tuple[str, int]:
    """The literal that starts at the quote at `start`, unescaped, and the position after it."""
    out, pos = [], start + 1
    while pos < len(query):
        char = query[pos]
        if char == "'":
            return "".join(out), pos + 1
        if char == "\\":
            code = query[pos + 1: pos + 2]
            if code in ("_", "%"):  # only meaningful in LIKE: kept escaped for the pattern
                out.append("\\" + code)
            elif code.lower() in _ESCAPES or code in _ESCAPES:
                out.append(_ESCAPES[code.lower()])
            else:
                raise malformed(query, pos, "Invalid string literal. Illegal escape sequence")
            pos += 2
            continue
        out.append(char)
        pos += 1
    raise malformed(query, start, f"line 1:{start} mismatched character '<EOF>' expecting '''")


class _Parser:
    def __init__(self, query: str) -> None:
        self.query, self.tokens, self.i = query, tokenize(query), 0

    def peek(self, word: str | None = None) -> bool:
        token = self.tokens[self.i]
        return word is None or (token.kind in ("ident", "op", "punct") and str(token.value).upper() == word)

    def take(self, word: str | None = None, kind: str | None = None) -> Token:
        token = self.tokens[self.i]
        if (word is not None and not self.peek(word)) or (kind is not None and token.kind != kind):
            shown = token.value if token.kind != "end" else "<EOF>"
            raise malformed(self.query, token.pos, f"unexpected token: '{shown}'")
        self.i += 1
        return token

    def parse(self) -> Query:
        self.take("SELECT")
        fields = [self.take(kind="ident").value]
        while self.peek(","):
            self.take(",")
            fields.append(self.take(kind="ident").value)
        self.take("FROM")
        name = self.take(kind="ident").value
        where = None
        if self.peek("WHERE"):
            self.take("WHERE")
            where = self.condition()
        order: list[tuple[str, bool]] = []
        if self.peek("ORDER"):
            self.take("ORDER"), self.take("BY")
            while True:
                path, descending = self.take(kind="ident").value, False
                if self.peek("ASC") or self.peek("DESC"):
                    descending = self.take().value.upper() == "DESC"
                order.append((path, descending))
                if not self.peek(","):
                    break
                self.take(",")
        limit = None
        if self.peek("LIMIT"):
            self.take("LIMIT")
            limit = int(self.take(kind="num").value)
        self.take(kind="end")
        return Query(name, fields, where, order, limit)

    def condition(self) -> tuple:
        parts, joiner = [self.unary()], None
        while self.peek("AND") or self.peek("OR"):
            token = self.take()
            word = token.value.upper()
            if joiner not in (None, word):
                raise malformed(self.query, token.pos, f"unexpected token: '{token.value}'")
            joiner = word
            parts.append(self.unary())
        return parts[0] if joiner is None else (joiner.lower(), parts)

    def unary(self) -> tuple:
        if self.peek("NOT"):
            self.take("NOT")
            return ("not", self.unary())
        if self.peek("("):
            self.take("(")
            inner = self.condition()
            self.take(")")
            return inner
        path = self.take(kind="ident").value
        if self.peek("NOT") or self.peek("IN"):
            negate = self.peek("NOT") and bool(self.take("NOT"))
            self.take("IN"), self.take("(")
            values = [self.literal()]
            while self.peek(","):
                self.take(",")
                values.append(self.literal())
            self.take(")")
            return ("in", path, negate, values)
        if self.peek("LIKE"):
            self.take("LIKE")
            return ("like", path, self.take(kind="str").value)
        return ("cmp", path, self.take(kind="op").value, self.literal())

    def literal(self) -> Any:
        token = self.take()
        if token.kind == "str":
            return token.value.replace("\\_", "_").replace("\\%", "%")
        if token.kind == "dt":
            return datetime.fromisoformat(token.value)
        if token.kind == "date":
            return date.fromisoformat(token.value)
        if token.kind == "num":
            return float(token.value)
        if token.kind == "ident" and token.value.lower() in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[token.value.lower()]
        raise malformed(self.query, token.pos, f"unexpected token: '{token.value}'")


def parse(query: str) -> Query:
    """The parsed query, or `MALFORMED_QUERY` as Salesforce reports it."""
    return _Parser(query).parse()


def check_path(object_name: str, path: str) -> None:
    """`INVALID_FIELD` unless every step of `path` exists (polymorphic lookups are trusted)."""
    obj = sobject(object_name)
    *relations, last = path.split(".")
    for relation in relations:
        lookup = obj.canonical(relation + "Id")
        if lookup is None:
            raise ApiError(400, "INVALID_FIELD", f"Didn't understand relationship '{relation}' in field path.")
        if lookup not in _LOOKUP_TARGETS:
            return
        obj = sobject(_LOOKUP_TARGETS[lookup])
    if obj.canonical(last) is None:
        raise ApiError(400, "INVALID_FIELD", f"No such column '{last}' on entity '{obj.name}'.")
