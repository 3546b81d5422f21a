"""The ``filter`` parameter of Meet REST v2 list methods (AIP-160 filtering, a subset).

Meet documents the filterable fields per method (conferenceRecords: ``space.meeting_code``,
``space.name``, ``start_time``, ``end_time``; participants: ``earliest_start_time``,
``latest_end_time``; participantSessions: ``start_time``, ``end_time``) and examples such
as ``space.meeting_code = "abc-mnop-xyz"``, ``start_time>="2024-01-01T00:00:00.000Z" AND
start_time<="2024-01-02T00:00:00.000Z"`` and ``end_time IS NULL``. Supported here:
comparisons ``= != < <= > >=`` against a quoted value, ``IS [NOT] NULL``, ``AND``, ``OR``
(which binds tighter than AND, as in AIP-160), ``NOT`` and parentheses. Anything else, an
unknown field or a timestamp that does not parse is 400 INVALID_ARGUMENT.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime

from connector.sandbox.google.errors import ApiError

Value = str | datetime | None
Row = Mapping[str, Value]
Predicate = Callable[[Row], bool]

_TOKEN = re.compile(
    r'\s*(?:(?P<str>"(?:[^"\\]|\\.)*")|(?P<op><=|>=|!=|=|<|>)|(?P<paren>[()])'
    r"|(?P<word>[A-Za-z_][A-Za-z0-9_.]*))"
)
_KEYWORDS = {"AND", "OR", "NOT", "IS", "NULL"}


def parse(text: str | None, fields: Mapping[str, str]) -> Predicate:
    """A predicate over rows keyed by field name; ``fields`` maps name -> "string" or "time"."""
    if text is None or not text.strip():
        return lambda row: True
    tokens = _tokens(text)
    parser = _Parser(tokens, fields, text)
    pred = parser.expr()
    if parser.i != len(tokens):
        raise _bad(text)
    return pred


def _bad(text: str, why: str = "") -> ApiError:
    return ApiError(400, f"Invalid filter: {text}" + (f" ({why})" if why else ""))


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    i = 0
    while i < len(text):
        if text[i:].strip() == "":
            break
        m = _TOKEN.match(text, i)
        if m is None or m.end() == i:
            raise _bad(text, f"unexpected character at {i}")
        kind = m.lastgroup or ""
        value = m.group(kind)
        if kind == "word" and value.upper() in _KEYWORDS:
            kind, value = "kw", value.upper()
        out.append((kind, value))
        i = m.end()
    return out


def _time(raw: str, text: str) -> datetime:
    try:
        dt = datetime.fromisoformat(raw.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError as e:
        raise _bad(text, f"{raw!r} is not an RFC 3339 timestamp") from e
    if dt.tzinfo is None:
        raise _bad(text, f"{raw!r} has no time zone")
    return dt


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]], fields: Mapping[str, str], text: str):
        self.t = tokens
        self.i = 0
        self.fields = fields
        self.text = text

    def _peek(self) -> tuple[str, str] | None:
        return self.t[self.i] if self.i < len(self.t) else None

    def _take(self) -> tuple[str, str]:
        tok = self._peek()
        if tok is None:
            raise _bad(self.text, "unexpected end")
        self.i += 1
        return tok

    def _at(self, kind: str, value: str) -> bool:
        return self._peek() == (kind, value)

    def expr(self) -> Predicate:
        parts = [self.disjunction()]
        while self._at("kw", "AND"):
            self.i += 1
            parts.append(self.disjunction())
        return lambda row: all(p(row) for p in parts)

    def disjunction(self) -> Predicate:
        parts = [self.factor()]
        while self._at("kw", "OR"):
            self.i += 1
            parts.append(self.factor())
        return lambda row: any(p(row) for p in parts)

    def factor(self) -> Predicate:
        if self._at("kw", "NOT"):
            self.i += 1
            inner = self.factor()
            return lambda row: not inner(row)
        if self._at("paren", "("):
            self.i += 1
            inner = self.expr()
            if self._take() != ("paren", ")"):
                raise _bad(self.text, "missing )")
            return inner
        return self.comparison()

    def comparison(self) -> Predicate:
        kind, name = self._take()
        if kind != "word" or name not in self.fields:
            raise _bad(self.text, f"{name!r} is not a filterable field")
        ftype = self.fields[name]
        if self._at("kw", "IS"):
            self.i += 1
            negate = self._at("kw", "NOT")
            if negate:
                self.i += 1
            if self._take() != ("kw", "NULL"):
                raise _bad(self.text, "IS must be followed by NULL")
            return lambda row: (row.get(name) is None) != negate
        kind, op = self._take()
        if kind != "op":
            raise _bad(self.text, f"expected an operator after {name}")
        kind, raw = self._take()
        if kind != "str":
            raise _bad(self.text, "values must be quoted")
        literal = raw[1:-1].replace('\\"', '"')
        if ftype == "time":
            return _compare(name, op, _time(literal, self.text))
        if op not in ("=", "!="):
            raise _bad(self.text, f"{name} can only be compared with = or !=")
        return _compare(name, op, literal)


def _compare(name: str, op: str, want: str | datetime) -> Predicate:
    def test(row: Row) -> bool:
        have = row.get(name)
        if have is None:
            return op == "!="
        if isinstance(want, datetime) != isinstance(have, datetime):
            return False
        a, b = have, want
        if op == "=":
            return a == b
        if op == "!=":
            return a != b
        assert isinstance(a, datetime) and isinstance(b, datetime)
        if op == "<":
            return a < b
        if op == "<=":
            return a <= b
        if op == ">":
            return a > b
        return a >= b

    return test
