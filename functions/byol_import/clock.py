"""The time source. AWS uses the real clock; the embedded local AWS swaps in its virtual one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

_now: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731


def now() -> datetime:
    return _now()


def set_source(source: Callable[[], datetime] | None) -> None:
    """Install another time source (None restores the real clock)."""
    global _now
    _now = source if source is not None else (lambda: datetime.now(UTC))


def epoch_seconds() -> int:
    return int(now().timestamp())
