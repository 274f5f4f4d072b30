"""Every EventBridge rule byol-import deploys, one row each: its pattern, which function it
targets and, for the rules that start imports, how the starter reads the event.

The CDK trigger construct deploys `rules(...)`, the local harness creates the very same rules,
the starter reads events with `read_event` and the request accepts `TRIGGER_SOURCES`. A new
trigger is one `Trigger` row plus its pattern and reader. Pure: no AWS, no CDK.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from byol_import.logic.ids import AMI_ID_PATTERN, IMAGE_BUILD_VERSION_ARN_PATTERN

# EventBridge target retry policy: the stack deploys it, the local runner follows it.
TARGET_RETRY_ATTEMPTS: Final = 8
TARGET_MAX_EVENT_AGE_HOURS: Final = 6
# EventBridge invokes the target functions asynchronously: once Lambda has queued the event,
# a function error is Lambda's to retry (its default, and maximum, is 2 retries, 1 then 2
# minutes apart), then the event goes to the function's on-failure destination.
# https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html
FUNCTION_RETRY_ATTEMPTS: Final = 2
FUNCTION_MAX_EVENT_AGE_HOURS: Final = 6
# CreateTags may name hundreds of resources; we never start more than this from one event.
MAX_AMIS_PER_EVENT: Final = 100
# The function keys (settings.FunctionSpec.key) the rules target.
STARTER: Final = "Starter"
LOCK_JANITOR: Final = "LockJanitor"


@dataclass(frozen=True)
class Candidate:
    image_id: str
    source: str  # the Trigger.source that named it


@dataclass(frozen=True)
class EventReading:
    candidates: tuple[Candidate, ...]
    ignored_reason: str | None = None
    # Image Builder image build version ARNs: the starter reads each (GetImage) for its AMI.
    image_builds: tuple[str, ...] = ()


def _get(mapping: Any, *path: str) -> Any:
    current = mapping
    for key in path:
        if not isinstance(current, Mapping):
            return None
        current = current.get(key)
    return current


# -- CloudTrail CreateTags: a person tagged AMIs with the trigger tag ----------------------------


def create_tags_pattern(trigger_tag_key: str) -> dict[str, Any]:
    """CloudTrail CreateTags that wrote the trigger tag on an AMI (our status tags do not match)."""
    return {
        "source": ["aws.ec2"],
        "detail-type": ["AWS API Call via CloudTrail"],
        "detail": {
            "eventSource": ["ec2.amazonaws.com"],
            "eventName": ["CreateTags"],
            "errorCode": [{"exists": False}],
            "requestParameters": {
                "resourcesSet": {"items": {"resourceId": [{"prefix": "ami-"}]}},
                "tagSet": {"items": {"key": [trigger_tag_key]}},
            },
        },
    }


def read_create_tags(event: Mapping[str, Any], trigger_tag_key: str) -> EventReading:
    detail = event.get("detail")
    if _get(detail, "eventName") != "CreateTags":
        return EventReading((), "CloudTrail event is not CreateTags")
    if _get(detail, "errorCode"):
        return EventReading((), "CreateTags call failed")
    tag_items = _get(detail, "requestParameters", "tagSet", "items")
    if not isinstance(tag_items, list) or not any(
        isinstance(t, Mapping) and t.get("key") == trigger_tag_key for t in tag_items
    ):
        return EventReading((), f"CreateTags did not write the trigger tag {trigger_tag_key}")
    items = _get(detail, "requestParameters", "resourcesSet", "items")
    if not isinstance(items, list):
        return EventReading((), "CreateTags names no resources")
    ids: dict[str, None] = {}
    for item in items:
        rid = item.get("resourceId") if isinstance(item, Mapping) else None
        if isinstance(rid, str) and AMI_ID_PATTERN.fullmatch(rid):
            ids[rid] = None
    if not ids:
        return EventReading((), "CreateTags tagged no AMI")
    chosen = list(ids)[:MAX_AMIS_PER_EVENT]
    return EventReading(tuple(Candidate(i, "CreateTags") for i in chosen))


# -- EC2 AMI State Change: an AMI tagged at creation became available ----------------------------


def ami_available_pattern(trigger_tag_key: str) -> dict[str, Any]:
    """An AMI became available (tags given at creation are read by the starter)."""
    del trigger_tag_key  # the event carries no tags: the starter reads them
    return {
        "source": ["aws.ec2"],
        "detail-type": ["EC2 AMI State Change"],
        "detail": {"State": ["available"]},
    }


def read_ami_available(event: Mapping[str, Any], trigger_tag_key: str) -> EventReading:
    image_id = _get(event, "detail", "ImageId")
    if _get(event, "detail", "State") != "available":
        return EventReading((), "AMI is not available")
    if not isinstance(image_id, str) or not AMI_ID_PATTERN.fullmatch(image_id):
        return EventReading((), "detail.ImageId is not an AMI id")
    return EventReading((Candidate(image_id, "AmiStateChange"),))


# -- EC2 Image Builder Image State Change: a pipeline's image build became AVAILABLE ----------

IMAGE_BUILDER_SOURCE: Final = "aws.imagebuilder"


def image_available_pattern(trigger_tag_key: str) -> dict[str, Any]:
    """An Image Builder image became AVAILABLE (the starter reads its pipeline and tags)."""
    del trigger_tag_key  # the event carries no tags: the starter reads the image's
    return {
        "source": [IMAGE_BUILDER_SOURCE],
        "detail-type": ["EC2 Image Builder Image State Change"],
        "detail": {"state": {"status": ["AVAILABLE"]}},
    }


def read_image_available(event: Mapping[str, Any], trigger_tag_key: str) -> EventReading:
    status = _get(event, "detail", "state", "status")
    if status != "AVAILABLE":
        return EventReading((), f"the image is not AVAILABLE (status {str(status)[:32]!r})")
    resources = event.get("resources")
    arns = [
        r
        for r in (resources if isinstance(resources, list) else [])
        if isinstance(r, str) and IMAGE_BUILD_VERSION_ARN_PATTERN.fullmatch(r)
    ]
    if len(arns) != 1:
        return EventReading((), "resources does not name one image build version ARN")
    # The image must be this account's, in this Region (where the event was delivered).
    if arns[0].split(":")[3:5] != [event.get("region"), event.get("account")]:
        return EventReading((), "the image is another account's or Region's")
    return EventReading((), image_builds=(arns[0],))


# -- the registry ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Trigger:
    source: str  # Trigger.Source in the execution input the starter writes
    rule_id: str  # the EventBridge rule: CDK construct id, local rule name
    description: str
    detail_type: str  # the events it reads, as their pattern matches them
    pattern: Callable[[str], dict[str, Any]]  # trigger tag key -> EventBridge pattern
    read: Callable[[Mapping[str, Any], str], EventReading]  # event, trigger tag key -> AMIs
    # A person asked for this AMI: it gets status tags even when the request was invalid.
    tags_ami: bool = True
    event_source: str = "aws.ec2"  # the events' `source`


TRIGGERS: Final[tuple[Trigger, ...]] = (
    Trigger(
        "CreateTags",
        "AmiTaggedRule",
        "Start a WorkSpaces BYOL import when an AMI gets the trigger tag",
        "AWS API Call via CloudTrail",
        create_tags_pattern,
        read_create_tags,
    ),
    Trigger(
        "AmiStateChange",
        "AmiAvailableRule",
        "Start a WorkSpaces BYOL import for an AMI tagged at creation",
        "EC2 AMI State Change",
        ami_available_pattern,
        read_ami_available,
    ),
    Trigger(
        "ImageBuilder",
        "ImageBuiltRule",
        "Start a WorkSpaces BYOL import of what an EC2 Image Builder pipeline built",
        "EC2 Image Builder Image State Change",
        image_available_pattern,
        read_image_available,
        event_source=IMAGE_BUILDER_SOURCE,
    ),
)
MANUAL_SOURCE: Final = "Manual"  # a console start: no trigger
TRIGGER_SOURCES: Final = (MANUAL_SOURCE, *(t.source for t in TRIGGERS))


def tags_ami(source: str | None) -> bool:
    """Whether an execution started by `source` tags its AMI even when its input is invalid."""
    return any(t.source == source and t.tags_ami for t in TRIGGERS)


def read_event(event: Any, account_id: str, region: str, trigger_tag_key: str) -> EventReading:
    """Return the AMIs the event may start an import for, or the reason it starts nothing."""
    if not isinstance(event, Mapping):
        return EventReading((), "event is not a JSON object")
    source, sources = event.get("source"), sorted({t.event_source for t in TRIGGERS})
    if source not in sources:
        return EventReading((), f"source {str(source)[:64]!r} is not {' or '.join(sources)}")
    if event.get("account") != account_id or event.get("region") != region:
        return EventReading((), "event is for another account or Region")
    detail_type = event.get("detail-type")
    for trigger in TRIGGERS:
        if detail_type == trigger.detail_type and source == trigger.event_source:
            return trigger.read(event, trigger_tag_key)
    return EventReading((), f"detail-type {str(detail_type)[:64]!r} is not handled")


def trigger_value(tags: Sequence[Mapping[str, Any]] | None, trigger_tag_key: str) -> str | None:
    """The AMI's current trigger tag value, or None when it is not tagged (any more)."""
    for tag in tags or []:
        if tag.get("Key") == trigger_tag_key:
            value = tag.get("Value")
            return value if isinstance(value, str) else ""
    return None


# -- every rule deployed: the triggers', and the janitor's ----------------------------------------


def execution_ended_pattern(state_machine_arn: str) -> dict[str, Any]:
    return {
        "source": ["aws.states"],
        "detail-type": ["Step Functions Execution Status Change"],
        "detail": {
            "status": ["FAILED", "TIMED_OUT", "ABORTED"],
            "stateMachineArn": [state_machine_arn],
        },
    }


@dataclass(frozen=True)
class Rule:
    rule_id: str
    description: str
    target: str  # function key: STARTER or LOCK_JANITOR
    pattern: dict[str, Any]


def rules(trigger_tag_key: str, state_machine_arn: str) -> list[Rule]:
    """The EventBridge rules of one deployment, in the stack's order."""
    return [
        *(Rule(t.rule_id, t.description, STARTER, t.pattern(trigger_tag_key)) for t in TRIGGERS),
        Rule(
            "ExecutionEndedRule",
            "Free the account lock of an import that failed, timed out or was aborted",
            LOCK_JANITOR,
            execution_ended_pattern(state_machine_arn),
        ),
    ]
