"""Who is calling: the principal whose role a call from this thread is evaluated against.

Set while a Lambda handler runs (its function key) and while a state machine execution runs
("StateMachine"); unset for the test harness's own set-up calls, which are not evaluated.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class Caller:
    principal: str  # a function key, or "StateMachine"
    session: str  # the role session name: the function name, as Lambda names it


_local = threading.local()


def current() -> Caller | None:
    stack: list[Caller] = getattr(_local, "stack", [])
    return stack[-1] if stack else None


@contextmanager
def acting_as(principal: str, session: str) -> Iterator[Caller]:
    stack: list[Caller] = _local.__dict__.setdefault("stack", [])
    caller = Caller(principal, session)
    stack.append(caller)
    try:
        yield caller
    finally:
        stack.pop()
