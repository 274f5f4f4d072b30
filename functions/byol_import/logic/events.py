"""Read the AMIs an EventBridge event names. Pure: the starter checks current tags afterwards."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from byol_import.logic.request import AMI_ID_PATTERN

CLOUDTRAIL_DETAIL_TYPE: Final = "AWS API Call via CloudTrail"
AMI_STATE_DETAIL_TYPE: Final = "EC2 AMI State Change"
# CreateTags may name hundreds of resources; we never start more than this from one event.
MAX_AMIS_PER_EVENT: Final = 100


@dataclass(frozen=True)
class Candidate:
    image_id: str
    source: str  # "CreateTags" or "AmiStateChange"


@dataclass(frozen=True)
class EventReading:
    candidates: tuple[Candidate, ...]
    ignored_reason: str | None = None


def _get(mapping: Any, *path: str) -> Any:
    current = mapping
    for key in path:
        if not isinstance(current, Mapping):
            return None
        current = current.get(key)
    return current


def read_event(event: Any, account_id: str, region: str, trigger_tag_key: str) -> EventReading:
    """Return the AMIs the event may start an import for, or the reason it starts nothing."""
    if not isinstance(event, Mapping):
        return EventReading((), "event is not a JSON object")
    if event.get("source") != "aws.ec2":
        return EventReading((), f"source {str(event.get('source'))[:64]!r} is not aws.ec2")
    if event.get("account") != account_id or event.get("region") != region:
        return EventReading((), "event is for another account or Region")
    detail_type = event.get("detail-type")
    if detail_type == AMI_STATE_DETAIL_TYPE:
        image_id = _get(event, "detail", "ImageId")
        if _get(event, "detail", "State") != "available":
            return EventReading((), "AMI is not available")
        if not isinstance(image_id, str) or not AMI_ID_PATTERN.fullmatch(image_id):
            return EventReading((), "detail.ImageId is not an AMI id")
        return EventReading((Candidate(image_id, "AmiStateChange"),))
    if detail_type == CLOUDTRAIL_DETAIL_TYPE:
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
    return EventReading((), f"detail-type {str(detail_type)[:64]!r} is not handled")


def trigger_value(tags: Sequence[Mapping[str, Any]] | None, trigger_tag_key: str) -> str | None:
    """The AMI's current trigger tag value, or None when it is not tagged (any more)."""
    for tag in tags or []:
        if tag.get("Key") == trigger_tag_key:
            value = tag.get("Value")
            return value if isinstance(value, str) else ""
    return None
