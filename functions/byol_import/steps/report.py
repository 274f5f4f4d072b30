"""Report how an import ended (Report): plan the tags, metrics, notification and lock release
as plain data, then apply the plan. The janitor reports with the same plan."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from byol_import import clock, errors, triggers
from byol_import.gateways.protocols import Ec2Api, LockApi, MetricsSink, NotifierApi
from byol_import.logic.retry import retry_command
from byol_import.settings import (
    ACCOUNT_LOCK_ID,
    BUNDLE_ID_TAG_KEY,
    ERROR_TAG_KEY,
    EXECUTION_TAG_KEY,
    IMAGE_ID_TAG_KEY,
    STATUS_SINCE_TAG_KEY,
    STATUS_TAG_KEY,
)
from byol_import.state import WorkflowState
from byol_import.steps.delivery_record import delivery_lines, delivery_tags
from byol_import.steps.phases import since

MAX_TAG_VALUE = 255


@dataclass(frozen=True)
class Outcome:
    succeeded: bool
    image_id: str | None  # the AMI
    workspaces_image_id: str | None
    error: str | None
    cause: str | None
    status: str = ""  # the AMI's status tag; derived from `succeeded` when empty
    input: Any = None  # the execution's raw input: a retry starts again from it
    enablement: str | None = None  # how this import enabled BYOL, if it did
    delivered: tuple[str, ...] = ()  # what was delivered (bundle, shares, copies), line by line
    delivery_tags: Mapping[str, str] | None = None  # the AMI's record of it

    @property
    def status_tag(self) -> str:
        return self.status or ("AVAILABLE" if self.succeeded else "FAILED")


@dataclass(frozen=True)
class Metric:
    name: str
    unit: str
    value: float


@dataclass(frozen=True)
class ReportPlan:
    """What reporting an outcome does, decided before anything is done. Applying it may add
    notes (lock freed, tagging failed); the message is rendered with them."""

    outcome: Outcome
    execution_arn: str
    lock_owner: str  # free the account lock if this owner holds it
    ami_tags: dict[str, str] | None  # status tags for outcome.image_id; None: leave the AMI
    metrics: tuple[Metric, ...]
    attributes: dict[str, str]  # the notification's SNS message attributes

    def message(self, notes: list[str]) -> tuple[str, str]:
        return notification(self.outcome, self.execution_arn, notes)


def _outcome(state: WorkflowState) -> Outcome:
    ami_id = state.request.image_id if state.request is not None else state.input_ami
    error = state.error
    return Outcome(
        succeeded=error is None,
        image_id=ami_id,
        workspaces_image_id=state.imported.image_id if state.imported is not None else None,
        error=error.error if error is not None else None,
        cause=_readable_cause(error.cause) if error is not None else None,
        input=state.input,
        enablement=_enablement(state),
        delivered=delivery_lines(state.delivery),
        delivery_tags=_delivery_tags(state),
    )


def _delivery_tags(state: WorkflowState) -> dict[str, str] | None:
    if not state.delivery:
        return None
    tags = delivery_tags(state.delivery)
    bundle = state.delivery.get("bundle")
    if isinstance(bundle, Mapping) and bundle.get("id"):
        tags[BUNDLE_ID_TAG_KEY] = str(bundle["id"])
    return tags


def _enablement(state: WorkflowState) -> str | None:
    account = state.account
    if account is None or not account.modified or not account.management_cidr:
        return None
    how = f" ({account.decision})" if account.decision else ""
    return f"BYOL was enabled for this account with management CIDR {account.management_cidr}{how}."


def _readable_cause(cause: Any) -> str:
    """Lambda errors arrive as a JSON string with errorMessage: show the message."""
    if isinstance(cause, str):
        try:
            parsed = json.loads(cause)
        except ValueError:
            return cause
        if isinstance(parsed, Mapping) and "errorMessage" in parsed:
            return str(parsed["errorMessage"])
        return cause
    return "" if cause is None else json.dumps(cause)


def _should_tag(state: WorkflowState, outcome: Outcome) -> bool:
    """Bad console input changes nothing; an AMI someone tagged always gets a status."""
    if outcome.image_id is None:
        return False
    if state.request is not None:
        return True
    return triggers.tags_ami(state.trigger_source)


def _console_url(execution_arn: str) -> str:
    parts = execution_arn.split(":")
    region = parts[3] if len(parts) > 3 else ""
    return (
        f"https://{region}.console.aws.amazon.com/states/home?region={region}"
        f"#/v2/executions/details/{execution_arn}"
    )


def _duration_seconds(started: Any) -> int | None:
    if not isinstance(started, str):
        return None
    try:
        start = datetime.fromisoformat(started.replace("Z", "+00:00"))
    except ValueError:
        return None
    return max(0, int((clock.now() - start).total_seconds()))


def plan_report(outcome: Outcome, exec_arn: str, *, tag: bool, duration: int | None) -> ReportPlan:
    """Pure: what to free, tag, count and say for this outcome."""
    ami_tags = None
    if tag and outcome.image_id:
        ami_tags = {
            STATUS_TAG_KEY: outcome.status_tag,
            STATUS_SINCE_TAG_KEY: since(),
            IMAGE_ID_TAG_KEY: outcome.workspaces_image_id or "",
            ERROR_TAG_KEY: ""
            if outcome.succeeded
            else f"{outcome.error}: {outcome.cause or ''}"[:MAX_TAG_VALUE],
            EXECUTION_TAG_KEY: exec_arn.rsplit(":", 1)[-1][:MAX_TAG_VALUE],
            **(outcome.delivery_tags or {}),
        }
    kind = "Succeeded" if outcome.succeeded else "Failed"
    metrics = [Metric(f"Imports{kind}", "Count", 1)]
    if duration is not None:
        metrics.append(
            Metric(
                "ImportDuration" if outcome.succeeded else "FailedImportDuration",
                "Seconds",
                duration,
            )
        )
    return ReportPlan(
        outcome=outcome,
        execution_arn=exec_arn,
        lock_owner=exec_arn,
        ami_tags=ami_tags,
        metrics=tuple(metrics),
        attributes={
            "outcome": "SUCCEEDED" if outcome.succeeded else outcome.status_tag,
            "ami": outcome.image_id or "",
            "error": outcome.error or "",
        },
    )


def apply_plan(
    plan: ReportPlan, *, ec2: Ec2Api, notifier: NotifierApi, lock: LockApi, metrics: MetricsSink
) -> tuple[bool, list[str]]:
    """Free the lock, tag the AMI, count and notify: order matters for retries, so the only
    step that is not idempotent (the notification) comes last. Returns whether the lock was
    ours to free, and the notes the message carries."""
    notes: list[str] = []
    released = lock.release(ACCOUNT_LOCK_ID, plan.lock_owner)
    if released:
        notes.append("released the account lock")

    if plan.ami_tags is not None and plan.outcome.image_id:
        try:
            ec2.tag_image(plan.outcome.image_id, plan.ami_tags)
        except errors.TransientAwsError:
            raise
        except errors.AccessDenied as exc:
            notes.append(f"could not tag the AMI: tagging was denied. {exc.message}")
        except errors.ByolImportError as exc:
            notes.append(f"could not tag the AMI: {exc.message}")

    for metric in plan.metrics:
        metrics.add_metric(metric.name, metric.unit, metric.value)

    subject, message = plan.message(notes)
    notifier.publish(subject, message, plan.attributes)
    return released, notes


def report(
    state: WorkflowState, ec2: Ec2Api, notifier: NotifierApi, lock: LockApi, metrics: MetricsSink
) -> dict[str, Any]:
    outcome = _outcome(state)
    context = state.need_context()
    duration = _duration_seconds(context.started_at)
    plan = plan_report(
        outcome, context.execution_id, tag=_should_tag(state, outcome), duration=duration
    )
    _, notes = apply_plan(plan, ec2=ec2, notifier=notifier, lock=lock, metrics=metrics)
    return {
        "Outcome": "SUCCEEDED" if outcome.succeeded else "FAILED",
        "ImageId": outcome.image_id,
        "WorkSpacesImageId": outcome.workspaces_image_id,
        "Error": outcome.error,
        "Cause": outcome.cause,
        "DurationSeconds": duration,
        "Notes": notes,
    }


def notification(outcome: Outcome, execution_arn: str, notes: list[str]) -> tuple[str, str]:
    ami = outcome.image_id or "(no valid AMI id)"
    if outcome.succeeded:
        subject = f"byol-import: {ami} is WorkSpaces image {outcome.workspaces_image_id}"
        lines = [
            f"The AMI {ami} was imported as WorkSpaces BYOL image {outcome.workspaces_image_id}.",
            *outcome.delivered,
        ]
        if not any(line.startswith("Bundle ") for line in outcome.delivered):
            lines.append(
                "Next: create a custom bundle from this image, then launch WorkSpaces from it."
            )
    else:
        subject = f"byol-import: import of {ami} {outcome.status_tag} ({outcome.error})"
        lines = [
            f"The import of AMI {ami} failed.",
            f"Error: {outcome.error}",
            f"Reason: {outcome.cause}",
        ]
        command = retry_command(execution_arn, outcome.input)
        if outcome.error == errors.InvalidRequest.__name__ or command is None:
            lines.append("Fix the input, then start the import again.")
        else:
            lines += [
                "Fix the cause, then retry with this one command (what is done is not redone:",
                "BYOL already enabled is skipped, our image already imported or importing is",
                "adopted). Running it twice starts one retry (ExecutionAlreadyExists):",
                f"  {command}",
                "Or in the Step Functions console: open this execution, New execution (it",
                "copies the input), Start execution.",
            ]
    if not outcome.succeeded and outcome.delivered:
        lines += ["Delivered before the failure:", *outcome.delivered]
    if outcome.enablement:
        lines.append(outcome.enablement)
    lines += [f"Note: {n}" for n in notes]
    lines.append(f"Execution: {execution_arn}")
    if execution_arn:
        lines.append(f"Console: {_console_url(execution_arn)}")
    return subject, "\n".join(lines)
