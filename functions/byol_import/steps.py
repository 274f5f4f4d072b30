"""One function per workflow step. Each takes the state document and injected gateways.

The state document is the Step Functions state: `Input` (the raw request), `Context`
(execution id and start time), `Request`, `Ami`, `Account`, `Lock`, `Modification`, `Import`,
`Poll`, `Error`. Each step reads what it needs and returns the piece the ASL stores.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from byol_import import clock, errors
from byol_import.gateways.aws import Ec2Gateway, LockGateway, Notifier, Starter, WorkSpacesGateway
from byol_import.logic import account as account_logic
from byol_import.logic import events as event_logic
from byol_import.logic import image as image_logic
from byol_import.logic import workspace_image as wsi_logic
from byol_import.logic.request import AMI_ID_PATTERN, ImportRequest, normalise_request
from byol_import.settings import (
    ACCOUNT_LOCK_ID,
    ERROR_TAG_KEY,
    EXECUTION_TAG_KEY,
    IMAGE_ID_TAG_KEY,
    STATUS_TAG_KEY,
    RuntimeConfig,
)

MAX_TAG_VALUE = 255


class MetricsSink(Protocol):
    def add_metric(self, name: str, unit: Any, value: float) -> None: ...


def _section(state: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = state.get(key)
    if not isinstance(value, Mapping):
        raise errors.InvalidRequest(f"state: {key} is missing; the workflow definition is broken")
    return value


def request_of(state: Mapping[str, Any]) -> ImportRequest:
    return ImportRequest.from_json(_section(state, "Request"))


def execution_id(state: Mapping[str, Any]) -> str:
    return str(_section(state, "Context").get("ExecutionId", ""))


# 1. Accept a request --------------------------------------------------------------------------

def validate_request(state: Mapping[str, Any], config: RuntimeConfig) -> dict[str, Any]:
    return normalise_request(state.get("Input"), config.default_ingestion_process).to_json()


# 2. Check the AMI -----------------------------------------------------------------------------

def check_image(state: Mapping[str, Any], ec2: Ec2Gateway, account_id: str) -> dict[str, Any]:
    request = request_of(state)
    facts = image_logic.check_ami(ec2.describe_image(request.image_id), request.image_id,
                                  account_id)
    image_logic.check_combination(request, facts)
    return {
        **facts.to_json(),
        "import_name": image_logic.image_name(request, facts),
        "import_description": image_logic.image_description(request, facts),
    }


# 3. Check the account -------------------------------------------------------------------------

def check_account(ws: WorkSpacesGateway) -> dict[str, Any]:
    """One call: ENABLED imports at once; anything else goes through the lock, whose holder
    alone looks at the modifications (so a fleet of waiting imports costs one call each)."""
    account = ws.describe_account()
    return account_logic.account_state(account, account_logic.Modification("NONE")).to_json()


def _account_and_modification(ws: WorkSpacesGateway) -> account_logic.AccountState:
    """DescribeAccount, and the modifications only when it is not ENABLED: a PENDING one is
    adopted, not repeated."""
    account = ws.describe_account()
    if account.get("DedicatedTenancySupport") == "ENABLED":
        return account_logic.AccountState("ENABLED", account.get(
            "DedicatedTenancyManagementCidrRange"))
    newest = account_logic.newest_modification(ws.account_modifications())
    return account_logic.account_state(account, newest)


def _count(state: Mapping[str, Any], key: str) -> int:
    """The loop counter a poll keeps in its own section of the state (0 before the first)."""
    section = state.get(key)
    count = section.get("count") if isinstance(section, Mapping) else None
    return count if isinstance(count, int) and not isinstance(count, bool) else 0


# Lock ------------------------------------------------------------------------------------------

def acquire_lock(state: Mapping[str, Any], lock: LockGateway,
                 config: RuntimeConfig) -> dict[str, Any]:
    owner = execution_id(state)
    holder = lock.try_acquire(ACCOUNT_LOCK_ID, owner, clock.epoch_seconds(),
                              config.lock_lease_seconds)
    # A refusal counts as a look at the lock, and the count carries over from the wait before
    # (the lock was freed, then taken by another import): the whole wait stays bounded.
    return {"acquired": holder is None, "holder": holder or owner,
            "count": _count(state, "Lock") + (0 if holder is None else 1)}


def check_lock(state: Mapping[str, Any], lock: LockGateway) -> dict[str, Any]:
    """A waiting import looks at the lock only (DynamoDB): FREE once the holder released it or
    its lease ran out (a holder that died); the account is read again after that."""
    lease = lock.lease(ACCOUNT_LOCK_ID)
    held = lease is not None and lease[1] >= clock.epoch_seconds()
    return {"acquired": False, "state": "HELD" if held else "FREE",
            "holder": lease[0] if lease else None, "count": _count(state, "Lock") + 1}


def release_lock(state: Mapping[str, Any], lock: LockGateway) -> dict[str, Any]:
    return {"released": lock.release(ACCOUNT_LOCK_ID, execution_id(state))}


# 4-5. Pick a CIDR and enable BYOL ---------------------------------------------------------------

def choose_management_cidr(ws: WorkSpacesGateway, ec2: Ec2Gateway,
                           config: RuntimeConfig) -> str:
    account_logic.validate_constraints(config.cidr_constraints)
    vpc_cidrs = ec2.vpc_cidrs()
    blocked = account_logic.blocked_networks([*config.cidr_exclusions, *vpc_cidrs])
    for constraint in config.cidr_constraints:
        chosen = account_logic.first_usable(ws.available_cidrs(constraint), blocked)
        if chosen:
            return chosen
    raise errors.NoFreeManagementCidr(
        "No free /16 management CIDR in "
        f"{', '.join(config.cidr_constraints)} avoids the exclusions "
        f"({', '.join(config.cidr_exclusions) or 'none'}) and this account's VPC CIDR blocks "
        f"({', '.join(vpc_cidrs) or 'none'}). Add a constraint range in cdk.json "
        "(cidrConstraints) or remove an exclusion, redeploy and start the import again"
    )


def enable_byol(ws: WorkSpacesGateway, ec2: Ec2Gateway, config: RuntimeConfig) -> dict[str, Any]:
    """Runs inside the lock: re-check first, so a change made meanwhile is adopted, not repeated."""
    current = _account_and_modification(ws)
    if current.status != "DISABLED":
        return {**current.to_json(), "modified": False}
    cidr = choose_management_cidr(ws, ec2, config)
    if ws.modify_account(cidr):
        return {"status": "PENDING", "management_cidr": cidr, "modified": True}
    # InvalidResourceState: someone started a modification since our re-check. Adopt it.
    current = _account_and_modification(ws)
    if current.status == "DISABLED":
        raise errors.TransientAwsError(
            "ModifyAccount: another modification is running, but DescribeAccount and "
            "DescribeAccountModifications do not show it yet; EnableByol runs again")
    return {**current.to_json(), "modified": False}


# COMPLETED in the modifications, but DescribeAccount does not say ENABLED yet (it lags).
SETTLING = "SETTLING"


def poll_modification(state: Mapping[str, Any], ws: WorkSpacesGateway) -> dict[str, Any]:
    """One WorkSpaces call per poll: the modifications while PENDING, DescribeAccount once they
    say COMPLETED (and on each poll while it still says DISABLED). COMPLETED only when
    DescribeAccount says ENABLED: the lock is released then, and the waiters read it."""
    previous = state.get("Modification")
    count = _count(state, "Modification") + 1
    cidr = previous.get("cidr") if isinstance(previous, Mapping) else None
    if not (isinstance(previous, Mapping) and previous.get("state") == SETTLING):
        newest = account_logic.modification_outcome(
            account_logic.newest_modification(ws.account_modifications()))
        if newest.state != "COMPLETED":
            # PENDING, or no record yet (eventual consistency): poll again (bounded).
            return {**newest.to_json(), "state": "PENDING", "count": count}
        cidr = newest.cidr or cidr
    account = ws.describe_account()
    if account.get("DedicatedTenancySupport") == "ENABLED":
        return {**account_logic.Modification(
            "COMPLETED", account.get("DedicatedTenancyManagementCidrRange") or cidr).to_json(),
            "count": count}
    return {**account_logic.Modification("PENDING", cidr).to_json(), "state": SETTLING,
            "count": count}


# 6. Import ---------------------------------------------------------------------------------------

def import_image(state: Mapping[str, Any], ws: WorkSpacesGateway) -> dict[str, Any]:
    request = request_of(state)
    ami = _section(state, "Ami")
    name = str(ami["import_name"])
    try:
        image_id = ws.import_image(
            ami_id=request.image_id,
            ingestion_process=request.ingestion_process,
            name=name,
            description=str(ami["import_description"]),
            tags=wsi_logic.our_tags(request.image_id, request.tags),
            applications=request.applications,
        )
        return {"image_id": image_id, "name": name, "adopted": False}
    except errors.ImageNameTaken:
        # A retried task whose first ImportWorkspaceImage succeeded lands here: adopt our image.
        existing = ws.find_owned_image(name)
        if existing is None:
            # Taken, yet no owned image of that name is listed: our own image not visible yet
            # (eventual consistency), or a name AWS has not freed since a delete. Retry later.
            raise errors.ImageNotListedYet(
                f"ImportWorkspaceImage: the name {name!r} is taken but no image of that name is "
                "listed yet") from None
        tags = ws.image_tags(existing["ImageId"])
        if tags is None:
            raise errors.TransientAwsError(
                f"The WorkSpaces image named {name!r} was deleted while ImportImage looked at "
                "it: the name is free again, ImportImage runs again") from None
        if wsi_logic.is_ours(tags, request.image_id):
            return {"image_id": existing["ImageId"], "name": name, "adopted": True}
        raise errors.ImageNameTaken(
            f"The WorkSpaces image name {name!r} is taken by {existing['ImageId']}, which "
            f"byol-import did not import from {request.image_id}. Give ImageName in the request, "
            "or delete that image"
        ) from None


# 7. Poll the import and clean up ----------------------------------------------------------------

def poll_image(state: Mapping[str, Any], ws: WorkSpacesGateway) -> dict[str, Any]:
    image_id = str(_section(state, "Import")["image_id"])
    previous = state.get("Poll")
    seen_before = isinstance(previous, Mapping) and previous.get("seen") is True
    poll = wsi_logic.image_poll(image_id, ws.describe_image(image_id), seen_before)
    return {**poll.to_json(), "reason": poll.failure_reason() if poll.state == "ERROR" else None,
            "count": _count(state, "Poll") + 1}


def cleanup_image(state: Mapping[str, Any], ws: WorkSpacesGateway,
                  config: RuntimeConfig) -> dict[str, Any]:
    """Delete our failed image. Never raises for the delete: the import error must stay visible."""
    request = request_of(state)
    image_id = str(_section(state, "Import")["image_id"])
    reason = str(_section(state, "Poll").get("reason") or f"WorkSpaces image {image_id} failed")
    note: str
    if not config.cleanup_failed_images:
        note = f"image {image_id} kept (cleanup is off)"
    else:
        try:
            tags = ws.image_tags(image_id)
            if tags is None:
                note = f"image {image_id} no longer exists (nothing to delete)"
            elif wsi_logic.is_ours(tags, request.image_id):
                ws.delete_image(image_id)
                note = f"image {image_id} deleted"
            else:
                note = f"image {image_id} kept (not created by byol-import)"
        except errors.AccessDenied as exc:
            note = (f"cleanup of image {image_id} was denied, so the image was kept: delete it "
                    f"in the WorkSpaces console. {exc.message}")
        except errors.ByolImportError as exc:
            note = f"cleanup of image {image_id} failed: {exc.message}"
    return {"Error": errors.ImageImportFailed.__name__, "Cause": f"{reason} [{note}]",
            "cleanup": note}


# 8. Report ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Outcome:
    succeeded: bool
    image_id: str | None  # the AMI
    workspaces_image_id: str | None
    error: str | None
    cause: str | None
    status: str = ""  # the AMI's status tag; derived from `succeeded` when empty

    @property
    def status_tag(self) -> str:
        return self.status or ("AVAILABLE" if self.succeeded else "FAILED")


def _ami_in(raw_input: Any) -> str | None:
    """The AMI id of a raw (not yet validated) input, if it has a valid one."""
    image_id = raw_input.get("ImageId") if isinstance(raw_input, Mapping) else None
    return image_id if isinstance(image_id, str) and AMI_ID_PATTERN.fullmatch(image_id) else None


def _outcome(state: Mapping[str, Any]) -> Outcome:
    request = state.get("Request") if isinstance(state.get("Request"), Mapping) else None
    ami_id = str(request.get("image_id")) if request is not None else _ami_in(state.get("Input"))
    imported = state.get("Import") if isinstance(state.get("Import"), Mapping) else {}
    error = state.get("Error") if isinstance(state.get("Error"), Mapping) else None
    cause = None
    if error is not None:
        cause = _readable_cause(error.get("Cause"))
    return Outcome(
        succeeded=error is None,
        image_id=ami_id,
        workspaces_image_id=(imported or {}).get("image_id"),
        error=str(error.get("Error", "Unknown")) if error is not None else None,
        cause=cause,
    )


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


def _should_tag(state: Mapping[str, Any], outcome: Outcome) -> bool:
    """Bad console input changes nothing; an AMI someone tagged always gets a status."""
    if outcome.image_id is None:
        return False
    if isinstance(state.get("Request"), Mapping):
        return True
    raw = state.get("Input")
    trigger = raw.get("Trigger") if isinstance(raw, Mapping) else None
    return isinstance(trigger, Mapping) and trigger.get("Source") in ("CreateTags",
                                                                      "AmiStateChange")


def _console_url(execution_arn: str) -> str:
    parts = execution_arn.split(":")
    region = parts[3] if len(parts) > 3 else ""
    return (f"https://{region}.console.aws.amazon.com/states/home?region={region}"
            f"#/v2/executions/details/{execution_arn}")


def report(state: Mapping[str, Any], ec2: Ec2Gateway, notifier: Notifier, lock: LockGateway,
           metrics: MetricsSink) -> dict[str, Any]:
    outcome = _outcome(state)
    exec_arn = execution_id(state)
    duration = _duration_seconds(_section(state, "Context").get("StartedAt"))
    _, notes = _publish_outcome(outcome, exec_arn, tag=_should_tag(state, outcome), ec2=ec2,
                                notifier=notifier, lock=lock, metrics=metrics, duration=duration)
    return {
        "Outcome": "SUCCEEDED" if outcome.succeeded else "FAILED",
        "ImageId": outcome.image_id,
        "WorkSpacesImageId": outcome.workspaces_image_id,
        "Error": outcome.error,
        "Cause": outcome.cause,
        "DurationSeconds": duration,
        "Notes": notes,
    }


def _publish_outcome(outcome: Outcome, exec_arn: str, *, tag: bool, ec2: Ec2Gateway,
                     notifier: Notifier, lock: LockGateway, metrics: MetricsSink,
                     duration: int | None) -> tuple[bool, list[str]]:
    """Free the lock, tag the AMI, count and notify: order matters for retries, so the only
    step that is not idempotent (the notification) comes last. Returns whether the lock was
    ours to free, and the notes the message carries."""
    notes: list[str] = []
    released = lock.release(ACCOUNT_LOCK_ID, exec_arn)
    if released:
        notes.append("released the account lock")

    if tag and outcome.image_id:
        tags = {
            STATUS_TAG_KEY: outcome.status_tag,
            IMAGE_ID_TAG_KEY: outcome.workspaces_image_id or "",
            ERROR_TAG_KEY: "" if outcome.succeeded else
            f"{outcome.error}: {outcome.cause or ''}"[:MAX_TAG_VALUE],
            EXECUTION_TAG_KEY: exec_arn.rsplit(":", 1)[-1][:MAX_TAG_VALUE],
        }
        try:
            ec2.tag_image(outcome.image_id, tags)
        except errors.TransientAwsError:
            raise
        except errors.AccessDenied as exc:
            notes.append(f"could not tag the AMI: tagging was denied. {exc.message}")
        except errors.ByolImportError as exc:
            notes.append(f"could not tag the AMI: {exc.message}")

    kind = "Succeeded" if outcome.succeeded else "Failed"
    metrics.add_metric(f"Imports{kind}", "Count", 1)
    if duration is not None:
        metrics.add_metric("ImportDuration" if outcome.succeeded else "FailedImportDuration",
                           "Seconds", duration)

    subject, message = notification(outcome, exec_arn, notes)
    notifier.publish(subject, message, {
        "outcome": "SUCCEEDED" if outcome.succeeded else outcome.status_tag,
        "ami": outcome.image_id or "",
        "error": outcome.error or "",
    })
    return released, notes


def _duration_seconds(started: Any) -> int | None:
    if not isinstance(started, str):
        return None
    try:
        start = datetime.fromisoformat(started.replace("Z", "+00:00"))
    except ValueError:
        return None
    return max(0, int((clock.now() - start).total_seconds()))


def notification(outcome: Outcome, execution_arn: str, notes: list[str]) -> tuple[str, str]:
    ami = outcome.image_id or "(no valid AMI id)"
    if outcome.succeeded:
        subject = f"byol-import: {ami} is WorkSpaces image {outcome.workspaces_image_id}"
        lines = [
            f"The AMI {ami} was imported as WorkSpaces BYOL image {outcome.workspaces_image_id}.",
            "Next: create a custom bundle from this image, then launch WorkSpaces from it.",
        ]
    else:
        subject = f"byol-import: import of {ami} {outcome.status_tag} ({outcome.error})"
        lines = [
            f"The import of AMI {ami} failed.",
            f"Error: {outcome.error}",
            f"Reason: {outcome.cause}",
            "Fix the cause, then start the import again (see the README: redrive or retry).",
        ]
    lines += [f"Note: {n}" for n in notes]
    lines.append(f"Execution: {execution_arn}")
    if execution_arn:
        lines.append(f"Console: {_console_url(execution_arn)}")
    return subject, "\n".join(lines)


# Starter and janitor ---------------------------------------------------------------------------

def start_imports(event: Any, ec2: Ec2Gateway, starter: Starter, *, account_id: str, region: str,
                  trigger_tag_key: str) -> dict[str, Any]:
    reading = event_logic.read_event(event, account_id, region, trigger_tag_key)
    result: dict[str, Any] = {"Started": [], "AlreadyStarted": [], "Ignored": []}
    if reading.ignored_reason:
        result["Ignored"].append({"Reason": reading.ignored_reason})
        return result
    tags = ec2.image_tags([c.image_id for c in reading.candidates])
    for candidate in reading.candidates:
        value = event_logic.trigger_value(tags.get(candidate.image_id), trigger_tag_key)
        if value is None:
            result["Ignored"].append({"ImageId": candidate.image_id,
                                      "Reason": f"not tagged {trigger_tag_key} (any more)"})
            continue
        name = image_logic.execution_name(candidate.image_id, value)
        payload = json.dumps({"ImageId": candidate.image_id,
                              "Trigger": {"Source": candidate.source, "TagValue": value}})
        key = "Started" if starter.start(name, payload) else "AlreadyStarted"
        result[key].append({"ImageId": candidate.image_id, "ExecutionName": name})
    return result


def close_ended_execution(event: Any, lock: LockGateway, ec2: Ec2Gateway, notifier: Notifier,
                          metrics: MetricsSink) -> dict[str, Any]:
    """An execution ended FAILED, TIMED_OUT or ABORTED: free its lock. A timed-out or aborted one
    never reached its Report state, so report it here (a FAILED one reported itself)."""
    detail = event.get("detail") if isinstance(event, Mapping) else None
    if not isinstance(detail, Mapping):
        return {"released": False, "reason": "not a finished execution"}
    arn, status = detail.get("executionArn"), detail.get("status")
    if not isinstance(arn, str) or status not in ("FAILED", "TIMED_OUT", "ABORTED"):
        return {"released": False, "reason": "not a finished execution"}
    if status == "FAILED":
        return {"released": lock.release(ACCOUNT_LOCK_ID, arn), "executionArn": arn}
    try:
        image_id = _ami_in(json.loads(detail.get("input") or "null"))
    except (TypeError, ValueError):
        image_id = None
    outcome = Outcome(
        succeeded=False, image_id=image_id, workspaces_image_id=None,
        error=f"Execution{status.title().replace('_', '')}",
        cause=str(detail.get("cause") or f"The import execution was {status.lower()} before "
                  "it finished. Check the WorkSpaces console for an image still importing, "
                  "then start the import again"),
        status=status)
    released, _ = _publish_outcome(outcome, arn, tag=image_id is not None, ec2=ec2,
                                   notifier=notifier, lock=lock, metrics=metrics, duration=None)
    return {"released": released, "executionArn": arn, "reported": status}
