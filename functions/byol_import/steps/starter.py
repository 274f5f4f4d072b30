"""Outside the workflow: the starter (an EventBridge event starts one execution per tagged AMI)
and the janitor (an execution that ended badly frees its lock and, if it never reported,
is reported)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from byol_import import triggers
from byol_import.gateways.protocols import Ec2Api, LockApi, MetricsSink, NotifierApi, StarterApi
from byol_import.logic import image as image_logic
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
) -> dict[str, Any]:
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
            reason = f"not tagged {trigger_tag_key} (any more)"
            result["Ignored"].append({"ImageId": candidate.image_id, "Reason": reason})
            logger.info("AMI ignored", extra={"ami": candidate.image_id, "reason": reason})
            continue
        name = image_logic.execution_name(candidate.image_id, value)
        payload = json.dumps(
            {
                "ImageId": candidate.image_id,
                "Trigger": {"Source": candidate.source, "TagValue": value},
            }
        )
        key = "Started" if starter.start(name, payload) else "AlreadyStarted"
        result[key].append({"ImageId": candidate.image_id, "ExecutionName": name})
        logger.info(
            "import started" if key == "Started" else "import already started",
            extra={"ami": candidate.image_id, "execution": name, "source": candidate.source},
        )
    return result


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
