"""Outside the workflow: the starter (an EventBridge event starts one execution per tagged AMI,
or per AMI an Image Builder pipeline built) and the janitor (an execution that ended badly frees
its lock and, if it never reported, is reported)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from byol_import import triggers
from byol_import.errors import InvalidRequest
from byol_import.gateways.protocols import (
    Ec2Api,
    ImageBuilderApi,
    LockApi,
    MetricsSink,
    NotifierApi,
    StarterApi,
)
from byol_import.logic import image as image_logic
from byol_import.logic.image_build import read_build
from byol_import.logic.import_method import CLASSIC, IMAGE_BUILDER
from byol_import.logic.tag_value import parse_tag_value
from byol_import.observability import logger
from byol_import.settings import ACCOUNT_LOCK_ID
from byol_import.state import ami_in
from byol_import.steps.report import Outcome, apply_plan, plan_report


def start_imports(
    event: Any,
    ec2: Ec2Api,
    starter: StarterApi,
    *,
    account_id: str,
    region: str,
    trigger_tag_key: str,
    imagebuilder: Callable[[], ImageBuilderApi] | None = None,
    pipelines: Sequence[str] = (),
    default_import_method: str = CLASSIC,
) -> dict[str, Any]:
    """`imagebuilder` makes the Image Builder gateway (only Image Builder events need one)."""
    reading = triggers.read_event(event, account_id, region, trigger_tag_key)
    result: dict[str, Any] = {"Started": [], "AlreadyStarted": [], "Ignored": []}
    if reading.ignored_reason:
        result["Ignored"].append({"Reason": reading.ignored_reason})
        logger.info("event ignored", extra={"reason": reading.ignored_reason})
        return result
    tags = ec2.image_tags([c.image_id for c in reading.candidates])
    for candidate in reading.candidates:
        value = triggers.trigger_value(tags.get(candidate.image_id), trigger_tag_key)
        if value is None:
            _ignore(result, candidate.image_id, f"not tagged {trigger_tag_key} (any more)")
            continue
        payload = {
            "ImageId": candidate.image_id,
            "Trigger": {"Source": candidate.source, "TagValue": value},
        }
        _start(starter, result, candidate.image_id, value, payload, candidate.source)
    for arn in reading.image_builds:
        if imagebuilder is None:
            raise ValueError("an Image Builder event needs the Image Builder gateway")
        _start_build(
            arn,
            imagebuilder(),
            ec2,
            starter,
            result,
            pipelines=pipelines,
            trigger_tag_key=trigger_tag_key,
            account_id=account_id,
            region=region,
            default_import_method=default_import_method,
        )
    return result


def _ignore(result: dict[str, Any], image_id: str, reason: str, **about: str) -> None:
    result["Ignored"].append({"ImageId": image_id, **about, "Reason": reason})
    logger.info("AMI ignored", extra={"ami": image_id, "reason": reason, **about})


def _start(
    starter: StarterApi,
    result: dict[str, Any],
    image_id: str,
    value: str | None,
    payload: dict[str, Any],
    source: str,
) -> None:
    """Start the AMI's execution, named by the AMI and the trigger tag value: a repeated event
    (EventBridge delivers at least once), or two triggers for one AMI, start one execution."""
    name = image_logic.execution_name(image_id, value)
    key = "Started" if starter.start(name, json.dumps(payload)) else "AlreadyStarted"
    result[key].append({"ImageId": image_id, "ExecutionName": name})
    logger.info(
        "import started" if key == "Started" else "import already started",
        extra={"ami": image_id, "execution": name, "source": source},
    )


def _start_build(
    arn: str,
    imagebuilder: ImageBuilderApi,
    ec2: Ec2Api,
    starter: StarterApi,
    result: dict[str, Any],
    *,
    pipelines: Sequence[str],
    trigger_tag_key: str,
    account_id: str,
    region: str,
    default_import_method: str,
) -> None:
    """An Image Builder image became AVAILABLE: import its output AMI when its pipeline is
    configured or it carries the trigger tag."""
    build = read_build(
        imagebuilder.get_image(arn),
        pipelines=pipelines,
        trigger_tag_key=trigger_tag_key,
        account_id=account_id,
        region=region,
    )
    if build.image_id is None:
        result["Ignored"].append({"ImageBuildVersionArn": arn, "Reason": build.reason})
        logger.info("image build ignored", extra={"image_build": arn, "reason": build.reason})
        return
    ami_tags = ec2.image_tags([build.image_id])[build.image_id]
    if ami_tags is None:
        _ignore(result, build.image_id, "the output AMI does not exist (any more)")
        return
    # The AMI's own trigger tag (a distribution's amiTags) names the execution as the AMI's
    # state change does: both triggers then start the same one.
    on_ami = triggers.trigger_value(ami_tags, trigger_tag_key)
    value = on_ami if on_ami is not None else build.tag_value
    payload: dict[str, Any] = {"ImageId": build.image_id}
    if _import_method(value, default_import_method, trigger_tag_key) == IMAGE_BUILDER:
        payload.update({"ImportMethod": IMAGE_BUILDER, "ImageBuildVersionArn": arn})
    payload["Trigger"] = {"Source": "ImageBuilder", "TagValue": value}
    logger.info("image build to import", extra={"image_build": arn, "reason": build.reason})
    _start(starter, result, build.image_id, value, payload, "ImageBuilder")


def _import_method(value: str | None, default: str, trigger_tag_key: str) -> str:
    """The trigger tag value's ImportMethod, else the configured one. A value that does not
    parse starts the import anyway: ValidateRequest reports it on the AMI."""
    try:
        said = parse_tag_value(value, trigger_tag_key).import_method
    except InvalidRequest:
        said = None
    return said if said is not None else default


def close_ended_execution(
    event: Any, lock: LockApi, ec2: Ec2Api, notifier: NotifierApi, metrics: MetricsSink
) -> dict[str, Any]:
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
        raw_input = json.loads(detail.get("input") or "null")
    except (TypeError, ValueError):
        raw_input = None
    image_id = ami_in(raw_input)
    outcome = Outcome(
        succeeded=False,
        image_id=image_id,
        workspaces_image_id=None,
        error=f"Execution{status.title().replace('_', '')}",
        cause=str(
            detail.get("cause")
            or f"The import execution was {status.lower()} before "
            "it finished. Check the WorkSpaces console for an image still importing, "
            "then start the import again"
        ),
        status=status,
        input=raw_input,
    )
    plan = plan_report(outcome, arn, tag=image_id is not None, duration=None)
    released, _ = apply_plan(plan, ec2=ec2, notifier=notifier, lock=lock, metrics=metrics)
    return {"released": released, "executionArn": arn, "reported": status}
