"""What an EC2 Image Builder image asks the starter to import. Pure.

An AVAILABLE image build (imagebuilder:GetImage) is imported when its pipeline is configured
(`imageBuilderPipelineArns`) or the image carries the trigger tag; what is imported is its output
AMI in this account and Region (the `ImageId` every import is about: its status tags live there).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from byol_import import errors
from byol_import.logic.ids import AMI_ID_PATTERN


@dataclass(frozen=True)
class BuildReading:
    image_id: str | None  # the output AMI to import; None: nothing to import
    tag_value: str | None  # the image's trigger tag value, None when it carries none
    reason: str  # why it is imported, or why not


def output_ami(image: Mapping[str, Any], account_id: str, region: str) -> str | None:
    """The image's output AMI in this Region, owned by this account (distributions to other
    Regions and accounts are theirs to import)."""
    amis = (image.get("outputResources") or {}).get("amis") or []
    for ami in amis:
        if not isinstance(ami, Mapping):
            continue
        image_id = ami.get("image")
        if (
            ami.get("region") == region
            and ami.get("accountId") == account_id
            and isinstance(image_id, str)
            and AMI_ID_PATTERN.fullmatch(image_id)
        ):
            return image_id
    return None


def read_build(
    image: Mapping[str, Any] | None,
    *,
    pipelines: Sequence[str],
    trigger_tag_key: str,
    account_id: str,
    region: str,
) -> BuildReading:
    if image is None:
        return BuildReading(None, None, "the image does not exist (any more)")
    status = (image.get("state") or {}).get("status")
    if status != "AVAILABLE":
        return BuildReading(None, None, f"the image is {status}, not AVAILABLE")
    tags = image.get("tags") or {}
    value = tags.get(trigger_tag_key) if isinstance(tags, Mapping) else None
    value = value if isinstance(value, str) else None
    pipeline = image.get("sourcePipelineArn")
    if pipeline in pipelines:
        why = f"built by the configured pipeline {pipeline}"
    elif value is not None:
        why = f"tagged {trigger_tag_key}"
    else:
        return BuildReading(
            None,
            None,
            f"built by {pipeline or 'no pipeline'}, which is not in imageBuilderPipelineArns, "
            f"and not tagged {trigger_tag_key}",
        )
    image_id = output_ami(image, account_id, region)
    if image_id is None:
        return BuildReading(None, value, f"{why}, but it has no output AMI in {region}")
    return BuildReading(image_id, value, why)


def check_build(
    image: Mapping[str, Any] | None, arn: str, image_id: str, account_id: str, region: str
) -> None:
    """The request names the build its AMI came from: the build must be AVAILABLE and have
    made that AMI in this account and Region."""
    if image is None:
        raise errors.ImageBuildNotUsable(
            f"The EC2 Image Builder image {arn} does not exist (or was deleted): check "
            "ImageBuildVersionArn, then start the import again"
        )
    status = (image.get("state") or {}).get("status")
    if status != "AVAILABLE":
        raise errors.ImageBuildNotUsable(
            f"The EC2 Image Builder image {arn} is {status}, not AVAILABLE: start the import "
            "again once its build is AVAILABLE"
        )
    made = output_ami(image, account_id, region)
    if made != image_id:
        raise errors.ImageBuildNotUsable(
            f"The EC2 Image Builder image {arn} made "
            f"{made or 'no AMI'} in {region} for account {account_id}, not {image_id}: fix "
            "ImageId or ImageBuildVersionArn, then start the import again"
        )
