"""Decisions on an ImportCustomWorkspaceImage (the Image Builder path): what a
DescribeCustomWorkspaceImageImport answer means for the workflow, the AMI's progress tag, and
the failure's text. Pure.

Only COMPLETED and ERROR end the import; every other State means "still running", in whatever
order AWS walks them (the order and the percentage are undocumented: docs/byol-api-facts.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Final

from byol_import import errors
from byol_import.logic.error_details import REMEDIES, remedies

MAX_REASON: Final = 1000
ENDED: Final = ("COMPLETED", "ERROR")
# The AMI's progress tag is rewritten on a new State, an end, or this many points of progress:
# one tag write (and one demo line) per step worth telling, not one per poll.
PROGRESS_STEP: Final = 5


@dataclass(frozen=True)
class CustomPoll:
    image_id: str
    import_state: str | None  # the import's State; None while it is not listed yet
    percentage: int | None = None
    state_message: str | None = None
    # `code: message` of each ErrorDetails entry
    error_details: list[str] = field(default_factory=list)
    seen: bool = True

    @property
    def progress(self) -> str | None:
        """The AMI's progress tag, e.g. `VALIDATING 62%`."""
        if self.import_state is None:
            return None
        pct = "" if self.percentage is None else f" {self.percentage}%"
        return f"{self.import_state}{pct}"

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "progress": self.progress}

    def failure_reason(self) -> str:
        """AWS's StateMessage and ErrorDetails first (a cut at MAX_REASON loses remedies
        before them), then what to do."""
        details = "; ".join(d.rstrip(". ") for d in self.error_details) or "none"
        reason = (
            f"WorkSpaces image {self.image_id}: the Image Builder import "
            f"(ImportCustomWorkspaceImage) ended in ERROR at {self.percentage or 0}%: "
            f"{self.state_message or 'no StateMessage'}; ErrorDetails: {details}."
        )
        codes = [d.split(":", 1)[0] for d in self.error_details]
        fixes = remedies(c for c in codes if c in REMEDIES)
        if fixes:
            reason += " To do: " + " | ".join(fixes)
        reason += (
            " Fix what the details name in the source image (run the BYOL checker, Sysprep), "
            "read the build instance's logs in the infrastructure configuration's S3 log "
            "bucket, and import again"
        )
        if len(reason) > MAX_REASON:
            reason = reason[: MAX_REASON - 3].rstrip() + "..."
        return reason


def custom_poll(
    image_id: str, answer: Mapping[str, Any] | None, seen_before: bool = True
) -> CustomPoll:
    """A new import may be missing from DescribeCustomWorkspaceImageImport for a while
    (eventual consistency): running until first seen; one seen and then gone was deleted."""
    if answer is None and not seen_before:
        return CustomPoll(image_id=image_id, import_state=None, seen=False)
    if answer is None:
        raise errors.ImageImportFailed(
            f"WorkSpaces image {image_id} disappeared while importing: someone deleted it"
        )
    state = answer.get("State")
    if not isinstance(state, str) or not state:
        raise errors.WorkSpacesError(f"WorkSpaces import {image_id} has no State")
    pct = answer.get("ProgressPercentage")
    details = [
        f"{d.get('ErrorCode') or 'no ErrorCode'}: {d.get('ErrorMessage') or 'no ErrorMessage'}"
        for d in answer.get("ErrorDetails") or []
    ]
    return CustomPoll(
        image_id=image_id,
        import_state=state,
        percentage=pct if isinstance(pct, int) and not isinstance(pct, bool) else None,
        state_message=answer.get("StateMessage"),
        error_details=details,
    )


def _split(progress: str) -> tuple[str, int | None]:
    state, _, pct = progress.partition(" ")
    return state, int(pct.rstrip("%")) if pct.rstrip("%").isdigit() else None


def worth_tagging(previous: str | None, current: str | None) -> bool:
    """Whether the AMI's progress tag should change from `previous` to `current`."""
    if current is None or current == previous:
        return False
    if previous is None:
        return True
    (was, was_pct), (now, now_pct) = _split(previous), _split(current)
    if now != was or now in ENDED or was_pct is None or now_pct is None:
        return True
    return now_pct - was_pct >= PROGRESS_STEP
