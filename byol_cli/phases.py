"""Which phase an import is in, read from the state it last entered, and when it should end.

The status tag names the phase once the workflow writes it; before that (and for history
replays) the state names say it. A state this table does not know keeps the phase before it,
so a new state in the ASL never makes a phase go backwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from byol_cli import contract as c
from stacks.config import ProjectConfig

_STATE_PHASES: Final = {
    c.QUEUED: ("Start", "ValidateRequest", "CheckImage", "CheckAccount", "AccountChoice"),
    c.WAITING_FOR_LOCK: ("AcquireLock", "LockChoice", "WaitForLock", "CheckLock", "LockWaitChoice"),
    c.AWAITING_APPROVAL: ("AwaitApproval",),
    c.ENABLING_BYOL: (
        "EnableByol",
        "EnabledChoice",
        "ModifyAccount",
        "ModifiedChoice",
        "WaitForModification",
        "PollModification",
        "ModificationChoice",
        "ReleaseLock",
    ),
    c.IMPORTING: (
        "ImportImage",
        "WaitBeforeFirstImagePoll",
        "PollImage",
        "ImageChoice",
        "WaitForImage",
        "CleanupImage",
    ),
    c.DELIVERING: ("Deliver", "DeliveryChoice", "WaitForCopies", "PollCopies"),
    c.AVAILABLE: ("ReportSuccess", "Imported"),
    c.FAILED: (
        "ApprovalTimedOut",
        "LockTimedOut",
        "ModificationTimedOut",
        "ImageTimedOut",
        "ImageFailedWithoutCleanup",
        "ReportFailure",
        "ImportFailed",
        "ImportFailedUnreported",
        "ReportingFailed",
    ),
}
STATE_PHASE: Final = {state: phase for phase, states in _STATE_PHASES.items() for state in states}

# Typical durations (docs/byol-api-facts.md: enablement "several hours", drawn 2-8 h locally;
# an import "at least 90 minutes", 1.5-4 h, with Office at least 3 hours).
ENABLEMENT_TYPICAL: Final = (timedelta(hours=2), timedelta(hours=8))
IMPORT_TYPICAL: Final = (timedelta(minutes=90), timedelta(hours=4))


def phase_of_state(state: str, previous: str | None) -> str | None:
    """The phase a state belongs to. A state not in the table: a loop's `...TimedOut` is FAILED,
    an approval state AWAITING_APPROVAL, any other keeps `previous`."""
    if state in STATE_PHASE:
        return STATE_PHASE[state]
    if state.endswith("TimedOut"):
        return c.FAILED
    if "Approv" in state:
        return c.AWAITING_APPROVAL
    return previous


@dataclass(frozen=True)
class Expected:
    """When a phase should end: a typical window and the deadline the workflow enforces."""

    earliest: datetime | None
    latest: datetime | None
    deadline: datetime | None
    note: str

    def text(self) -> str:
        def hm(at: datetime) -> str:
            return at.strftime("%m-%d %H:%M")

        window = ""
        if self.earliest and self.latest:
            window = f"{hm(self.earliest)} .. {hm(self.latest)}"
        parts = [p for p in (window, self.note) if p]
        if self.deadline:
            parts.append(f"deadline {hm(self.deadline)}")
        return "; ".join(parts) or "-"


def expected_finish(phase: str, since: datetime | None, config: ProjectConfig) -> Expected:
    """The import's expected finish, from the phase it is in and when it entered it."""
    if since is None or phase in (c.AVAILABLE, c.RETIRED, c.FAILED, *c.ENDED_BADLY):
        return Expected(None, None, None, "")
    if phase == c.IMPORTING:
        return Expected(
            since + IMPORT_TYPICAL[0],
            since + IMPORT_TYPICAL[1],
            since + timedelta(hours=config.image_deadline_hours),
            "",
        )
    if phase == c.ENABLING_BYOL:
        # then the import: its own window after enablement
        return Expected(
            since + ENABLEMENT_TYPICAL[0] + IMPORT_TYPICAL[0],
            since + ENABLEMENT_TYPICAL[1] + IMPORT_TYPICAL[1],
            since + timedelta(hours=config.modification_deadline_hours),
            "",
        )
    if phase == c.DELIVERING:  # copies: the copy deadline; a bundle or a share: minutes
        hours = int(getattr(config, "delivery_copy_deadline_hours", 4))
        return Expected(None, None, since + timedelta(hours=hours), "copies to other Regions")
    if phase == c.AWAITING_APPROVAL:
        hours = int(getattr(config, "approval_timeout_hours", 24))
        return Expected(None, None, since + timedelta(hours=hours), "waits for approve/reject")
    if phase == c.WAITING_FOR_LOCK:
        wait = timedelta(
            hours=config.modification_deadline_hours, minutes=config.lock_max_wait_minutes
        )
        return Expected(None, None, since + wait, "after the enablement another import runs")
    return Expected(None, None, None, "minutes")
