"""CloudWatch Logs JSON filter patterns, as a metric filter applies them to a log event.

Only the subset the stack writes is understood: `{ ... }` with `&&`, `||`, parentheses and
`$.a.b = "value"` (exact string equality, no wildcard). Anything else raises rather than match
loosely: a pattern this module cannot read must not pass a test as if AWS read it the same way.
Syntax: https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

_TOKEN = re.compile(r'\s*(\(|\)|&&|\|\||=|\{|\}|"(?:[^"\\]|\\.)*"|\$(?:\.[A-Za-z0-9_@]+)+)')

Predicate = Callable[[Mapping[str, Any]], bool]


class UnsupportedPattern(ValueError):
    """The pattern uses syntax this subset does not implement."""


def _tokens(pattern: str) -> list[str]:
    out, pos = [], 0
    text = pattern.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match:
            raise UnsupportedPattern(f"cannot read {text[pos : pos + 30]!r} in {pattern!r}")
        out.append(match.group(1))
        pos = match.end()
    return out


def _field(event: Mapping[str, Any], selector: str) -> Any:
    value: Any = event
    for part in selector.split(".")[1:]:
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


class _Parser:
    def __init__(self, tokens: list[str]) -> None:
        self.tokens, self.pos = tokens, 0

    def take(self, expected: str | None = None) -> str:
        if self.pos >= len(self.tokens):
            raise UnsupportedPattern("pattern ends early")
        token = self.tokens[self.pos]
        if expected is not None and token != expected:
            raise UnsupportedPattern(f"expected {expected!r}, got {token!r}")
        self.pos += 1
        return token

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def expression(self) -> Predicate:
        terms = [self.term()]
        while self.peek() == "||":
            self.take()
            terms.append(self.term())
        return lambda event: any(t(event) for t in terms)

    def term(self) -> Predicate:
        factors = [self.factor()]
        while self.peek() == "&&":
            self.take()
            factors.append(self.factor())
        return lambda event: all(f(event) for f in factors)

    def factor(self) -> Predicate:
        if self.peek() == "(":
            self.take()
            inner = self.expression()
            self.take(")")
            return inner
        selector = self.take()
        if not selector.startswith("$."):
            raise UnsupportedPattern(f"expected a $. selector, got {selector!r}")
        self.take("=")
        literal = self.take()
        if not literal.startswith('"') or "*" in literal:
            raise UnsupportedPattern(f"only exact quoted strings are supported, got {literal!r}")
        value = literal[1:-1].replace('\\"', '"')
        return lambda event: _field(event, selector) == value


def compile_pattern(pattern: str) -> Predicate:
    """A predicate over a parsed JSON log event."""
    parser = _Parser(_tokens(pattern))
    parser.take("{")
    predicate = parser.expression()
    parser.take("}")
    if parser.peek() is not None:
        raise UnsupportedPattern(f"unexpected {parser.peek()!r} after the pattern")
    return predicate


def step_functions_log_event(history_event: Mapping[str, Any]) -> dict[str, Any]:
    """A GetExecutionHistory event as Step Functions writes it to CloudWatch Logs: `type`, and
    the event's details (its `...EventDetails` member) under `details`
    (https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html)."""
    details: Mapping[str, Any] = next(
        (v for k, v in history_event.items() if k.endswith("EventDetails")), {}
    )
    return {
        "type": history_event["type"],
        "id": str(history_event.get("id", "")),
        "previous_event_id": str(history_event.get("previousEventId", "")),
        "details": dict(details),
    }
