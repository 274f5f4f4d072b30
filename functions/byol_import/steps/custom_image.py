"""The Image Builder path's import call and poll (ImportCustomWorkspaceImage,
DescribeCustomWorkspaceImageImport), dispatched to by steps/image.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from byol_import import errors
from byol_import.gateways.protocols import Ec2Api, WorkSpacesApi
from byol_import.logic import custom_import as custom_logic
from byol_import.logic import workspace_image as wsi_logic
from byol_import.observability import logger
from byol_import.settings import PROGRESS_TAG_KEY, RuntimeConfig
from byol_import.state import WorkflowState, need


def creator(state: WorkflowState, ws: WorkSpacesApi, config: RuntimeConfig) -> Callable[[str], str]:
    """The ImportCustomWorkspaceImage call for the image name ImportImage chose."""
    request, ami = state.need_request(), state.need_ami()
    if not config.infrastructure_configuration_arn:
        raise errors.ConfigurationError(
            "ImportMethod image-builder: this deployment has no Image Builder infrastructure "
            "configuration (imageBuilderPath is false): set imageBuilderPath to true and "
            "redeploy, or import with ImportMethod classic"
        )
    # CheckImage refused an unknown Windows for this path; this is its answer, or the request's.
    os_version = need(request.os_version or ami.os_version, "Ami.os_version")
    source = (
        {"ImageBuildVersionArn": request.image_build_version_arn}
        if request.image_build_version_arn
        else {"Ec2ImageId": request.image_id}
    )

    def create(name: str) -> str:
        return ws.import_custom_image(
            source=source,
            infrastructure_arn=config.infrastructure_configuration_arn,
            name=name,
            description=need(ami.import_description, "Ami.import_description"),
            compute_type=need(request.compute_type, "Request.compute_type"),
            protocol=need(request.protocol, "Request.protocol"),
            os_version=os_version,
            tags=wsi_logic.our_tags(request.image_id, request.tags),
            validation_mode=request.image_validation_mode,
        )

    return create


def poll(state: WorkflowState, ws: WorkSpacesApi, ec2: Ec2Api | None) -> dict[str, Any]:
    """One DescribeCustomWorkspaceImageImport. COMPLETED is AVAILABLE only once
    DescribeWorkspaceImages says so (where bundles see the image); ERROR carries the details.
    The AMI's progress tag is written when the State or percentage changed."""
    image_id = state.need_image_id()
    before = state.poll
    answer = ws.describe_custom_import(image_id)
    seen = custom_logic.custom_poll(image_id, answer, before is not None and before.seen)
    status, reason = "PENDING", None
    if seen.import_state == "ERROR":
        status, reason = "ERROR", seen.failure_reason()
    elif seen.import_state == "COMPLETED":
        image = wsi_logic.image_poll(image_id, ws.describe_image(image_id), seen_before=False)
        if image.state == "ERROR":  # the import said COMPLETED: the image's own word wins
            status, reason = "ERROR", image.failure_reason()
        elif image.state == "AVAILABLE":
            status = "AVAILABLE"
    # `progress` in the result is what the AMI's tag says: kept until worth rewriting.
    tagged = before.progress if before is not None else None
    progress = seen.progress
    if (
        ec2 is not None
        and custom_logic.worth_tagging(tagged, progress)
        and _tag_progress(ec2, state.need_request().image_id, str(progress))
    ):
        tagged = progress  # a write that failed is tried again at the next poll
    logger.info(
        "image import polled",
        extra={"image_id": image_id, "state": status, "progress": progress},
    )
    return {
        **seen.to_json(),
        "state": status,
        "reason": reason,
        "progress": tagged,
        "count": (before.count if before is not None else 0) + 1,
    }


def _tag_progress(ec2: Ec2Api, ami: str, progress: str) -> bool:
    """Whether the tag was written. A tag that cannot be written never fails the import (as the
    status tags)."""
    try:
        ec2.tag_image(ami, {PROGRESS_TAG_KEY: progress})
        return True
    except errors.ByolImportError as exc:
        logger.warning("could not tag the AMI with the progress", extra={"reason": str(exc)})
        return False
