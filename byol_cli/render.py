"""What the CLI prints: the status table, the pending approval and one line per phase."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from rich.console import Console
from rich.table import Table
from rich.text import Text

from byol_cli import contract as c
from byol_cli.approval import PendingApproval
from byol_cli.phases import phase_of_state
from byol_cli.status import ImportStatus

# Messages and causes are long single lines: let the terminal wrap them (copy-paste intact);
# a table off a terminal (a pipe, a log) gets a width that fits its columns.
console = Console(highlight=False, soft_wrap=True)
if not console.is_terminal:
    console.width = 180


def say(text: str) -> None:
    """Plain text: AWS messages may hold [brackets] that are not markup."""
    console.print(text, markup=False)


_PHASE_STYLE = {c.AVAILABLE: "green", c.FAILED: "red", c.AWAITING_APPROVAL: "yellow"}


def _when(at: datetime | None) -> str:
    return at.strftime("%Y-%m-%d %H:%M") if at else "-"


def status_table(rows: list[ImportStatus]) -> None:
    if not rows:
        console.print("No import found (no execution of the state machine names an AMI).")
        return
    table = Table(title="byol-import: imports", show_lines=True)
    for column in ("AMI", "phase", "since (UTC)", "expected finish (UTC)", "WorkSpaces image"):
        table.add_column(column, no_wrap=column in ("AMI", "phase"))
    table.add_column("error / what to do", overflow="fold")
    for row in rows:
        problem = f"{row.error}: {row.cause}\n" if row.error else ""
        table.add_row(
            row.ami,
            Text(
                row.phase + (f"\n{row.progress}" if row.progress else ""),
                style=_PHASE_STYLE.get(row.phase, ""),
            ),
            _when(row.since),
            row.expected.text(),
            row.workspaces_image or "-",
            Text(problem + row.next_step),
        )
    console.print(table)


def pending_approval(waiting: PendingApproval | None) -> None:
    if waiting is None:
        console.print("No import is waiting for a BYOL enablement decision.")
        return
    say(
        f"Waiting for a decision: enable BYOL with management CIDR {waiting.cidr} "
        f"(asked {waiting.requested_at} by {waiting.ami}, {waiting.execution_arn}).\n"
        "The management CIDR can never be changed afterwards.\n"
        f'  byol-import approve --cidr {waiting.cidr}    or    byol-import reject --reason "..."'
    )


def _offset(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    return f"+{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


class PhaseLog:
    """Prints one line when an execution enters a new phase (not one per state): the
    `on_state` observer of a local run, fed each state an execution enters."""

    def __init__(self, out: Callable[[str], None] | None = None) -> None:
        self._out = out or say
        self._labels: dict[str, str] = {}
        self._phases: dict[str, str] = {}
        self._origin: datetime | None = None
        self.lines: list[str] = []
        # also told of every state entered (the demo's progress lines)
        self.watch: Callable[[str, str, datetime], None] | None = None

    def close(self) -> None:
        """No more lines: what executions do while the local account is torn down is not news
        (a decision left waiting times out then)."""
        self._out = lambda _line: None

    def on_state(self, execution: str, state: str, at: datetime) -> None:
        if self.watch is not None:
            self.watch(execution, state, at)
        phase = phase_of_state(state, self._phases.get(execution))
        if phase is None or phase == self._phases.get(execution):
            return
        self._phases[execution] = phase
        self._origin = self._origin or at
        label = self._labels.setdefault(execution, f"import-{len(self._labels) + 1}")
        line = f"  [{_offset(at - self._origin)} virtual] {label:<9} {phase:<18} ({state})"
        self.lines.append(line)
        self._out(line)

    def detail(self, execution: str, text: str, at: datetime) -> None:
        """A line within the execution's phase (the Image Builder import's progress)."""
        self._origin = self._origin or at
        label = self._labels.setdefault(execution, f"import-{len(self._labels) + 1}")
        phase = self._phases.get(execution, "")
        line = f"  [{_offset(at - self._origin)} virtual] {label:<9} {phase:<18} {text}"
        self.lines.append(line)
        self._out(line)

    def note(self, text: str) -> None:
        line = f"  * {text}"
        self.lines.append(line)
        self._out(line)
