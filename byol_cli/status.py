"""Every import's status, from the state machine's executions and the AMIs' tags."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from byol_cli import contract as c
from byol_cli.gateway import Gateway
from byol_cli.phases import Expected, expected_finish, phase_of_state
from byol_import import errors
from stacks.config import ProjectConfig


@dataclass(frozen=True)
class ImportStatus:
    ami: str
    execution_arn: str
    execution_status: str
    phase: str
    since: datetime | None
    expected: Expected
    workspaces_image: str | None
    error: str | None
    cause: str | None
    next_step: str
    # the Image Builder import's State and percentage while IMPORTING, e.g. `VALIDATING 62%`
    progress: str | None = None
    bundle: str | None = None  # the bundle the import created or updated
    copies: str | None = None  # <region>=<wsi>,... in other Regions

    def to_json(self) -> dict[str, object]:
        def iso(at: datetime | None) -> str | None:
            return at.isoformat() if at else None

        return {
            "ami": self.ami,
            "phase": self.phase,
            "since": iso(self.since),
            "expectedFinish": {
                "earliest": iso(self.expected.earliest),
                "latest": iso(self.expected.latest),
                "deadline": iso(self.expected.deadline),
                "note": self.expected.note,
            },
            "workspacesImage": self.workspaces_image,
            "error": self.error,
            "cause": self.cause,
            "next": self.next_step,
            "progress": self.progress,
            "bundle": self.bundle,
            "copies": self.copies,
            "execution": self.execution_arn,
            "executionStatus": self.execution_status,
        }


def _parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        at = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def _ami_of(described: dict[str, object]) -> str | None:
    try:
        payload = json.loads(str(described.get("input") or "null"))
    except ValueError:
        return None
    ami = payload.get("ImageId") if isinstance(payload, dict) else None
    return ami if isinstance(ami, str) else None


def running_phase(states: list[tuple[str, datetime]]) -> tuple[str, datetime | None]:
    """The phase of a running execution and since when, from its states newest first."""
    phases: list[tuple[str | None, datetime]] = []
    previous: str | None = None
    for state, at in reversed(states):  # oldest first, so unknown states keep the phase before
        previous = phase_of_state(state, previous)
        phases.append((previous, at))
    if not phases or phases[-1][0] is None:
        return c.QUEUED, phases[0][1] if phases else None
    current, since = phases[-1]
    for phase, at in reversed(phases):
        if phase != current:
            break
        since = at
    return str(current), since


def _phase_from_history(gateway: Gateway, arn: str) -> tuple[str, datetime | None]:
    """Read the history back, a page at a time, until the current phase's first state."""
    states: list[tuple[str, datetime]] = []
    for page in gateway.state_pages(arn):
        states += page
        _, since = running_phase(states)
        if since is not None and states and since > states[-1][1]:
            break  # a state of an earlier phase is in view: `since` is where this one began
    return running_phase(states)


def next_step(
    phase: str, ami: str, error: str | None, image: str | None, bundle: str | None = None
) -> str:
    if phase == c.AWAITING_APPROVAL:
        return 'byol-import approve  (or: byol-import reject --reason "...")'
    if phase == c.RETIRED:
        return f"none: byol-import retire deleted {image}" if image else "none: retired"
    if phase == c.AVAILABLE and bundle:
        return f"launch (or rebuild) WorkSpaces from bundle {bundle}"
    if phase == c.AVAILABLE:
        return f"create a custom bundle from {image}" if image else "create a custom bundle"
    if phase in (c.FAILED, *c.ENDED_BADLY):
        if error == errors.InvalidRequest.__name__:
            return "fix the input or the tag value, then start again"
        if error == c.REJECTED_ERROR:
            return "start again when BYOL may be enabled"
        return f"fix the cause (the error says it), then: byol-import retry {ami}"
    return "-"


def _ended(status: str, tags: dict[str, str]) -> str:
    if status == "SUCCEEDED":
        return c.RETIRED if tags.get(c.STATUS_TAG_KEY) == c.RETIRED else c.AVAILABLE
    tagged = tags.get(c.STATUS_TAG_KEY)
    return tagged if tagged in c.ENDED_BADLY else c.FAILED


def collect(
    gateway: Gateway, config: ProjectConfig, ami: str | None = None, limit: int = 50
) -> list[ImportStatus]:
    """The newest execution of each AMI (of the newest `limit`), newest first."""
    latest: dict[str, dict[str, object]] = {}
    for execution in gateway.executions(limit):
        described = gateway.describe(execution["executionArn"])
        image = _ami_of(described)
        if image is None or image in latest or (ami is not None and image != ami):
            continue
        latest[image] = described
    tags = gateway.ami_tags(list(latest))
    out: list[ImportStatus] = []
    for image, described in latest.items():
        ami_tags = tags.get(image, {})
        arn, status = str(described["executionArn"]), str(described["status"])
        # the tags describe this execution (the Report step writes its name)
        ours = ami_tags.get(c.EXECUTION_TAG_KEY) in (None, arn, arn.rsplit(":", 1)[-1])
        tagged_since = _parse_time(ami_tags.get(c.STATUS_SINCE_TAG_KEY)) if ours else None
        since: datetime | None
        if status == "RUNNING":
            tagged = ami_tags.get(c.STATUS_TAG_KEY) if ours else None
            if tagged in c.PHASES and tagged_since is not None:
                phase, since = str(tagged), tagged_since
            else:
                phase, since = _phase_from_history(gateway, arn)
        else:
            phase = _ended(status, ami_tags if ours else {})
            # the last state's time (the stop date is wall time in a local run)
            last = gateway.recent_states(arn)
            stop = last[0][1] if last else described.get("stopDate")
            since = tagged_since or (stop if isinstance(stop, datetime) else None)
        error = described.get("error")
        cause = described.get("cause")
        wsi = ami_tags.get(c.IMAGE_ID_TAG_KEY) if ours else None
        bundle = ami_tags.get(c.BUNDLE_ID_TAG_KEY) or None if ours else None
        out.append(
            ImportStatus(
                ami=image,
                execution_arn=arn,
                execution_status=status,
                phase=phase,
                since=since,
                expected=expected_finish(phase, since, config),
                workspaces_image=wsi,
                error=str(error) if error else None,
                cause=str(cause) if cause else None,
                next_step=next_step(phase, image, str(error) if error else None, wsi, bundle),
                bundle=bundle,
                copies=(ami_tags.get(c.COPIES_TAG_KEY) or None) if ours else None,
                progress=ami_tags.get(c.PROGRESS_TAG_KEY)
                if ours and phase == c.IMPORTING
                else None,
            )
        )
    return out
