"""The bench's report: each figure next to its target, as one table, and the exit code."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    name: str
    measured: str
    target: str
    ok: bool | None  # None: not measured

    @property
    def verdict(self) -> str:
        return "-" if self.ok is None else "ok" if self.ok else "FAIL"


def format_table(figures: Sequence[Figure]) -> str:
    """One Markdown table, columns padded so it also reads as plain text."""
    rows = [
        ("figure", "measured", "target", "ok?"),
        *((f.name, f.measured, f.target, f.verdict) for f in figures),
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    return "\n".join([line(rows[0]), line(["-" * w for w in widths]), *(line(r) for r in rows[1:])])


def exit_code(figures: Sequence[Figure], check: bool) -> int:
    """0 for a report; with `check`, 1 when any measured figure misses its target."""
    return 1 if check and any(f.ok is False for f in figures) else 0
