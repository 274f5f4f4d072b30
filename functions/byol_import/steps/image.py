"""Import the AMI (ImportImage), follow the import (PollImage) and clean up a failed image of
our own (CleanupImage)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from byol_import import errors
from byol_import.gateways.protocols import Ec2Api, WorkSpacesApi
from byol_import.logic import workspace_image as wsi_logic
from byol_import.logic.import_method import IMAGE_BUILDER
from byol_import.observability import logger
from byol_import.settings import PHASE_IMPORTING, RuntimeConfig
from byol_import.state import WorkflowState, need
from byol_import.steps import custom_image as custom
from byol_import.steps.phases import enter_phase

# DescribeWorkspaceImages states that no longer change by themselves.
SETTLED_IMAGE_STATES: Final = ("AVAILABLE", "ERROR")


def import_image(
    state: WorkflowState,
    ws: WorkSpacesApi,
    ec2: Ec2Api | None = None,
    config: RuntimeConfig | None = None,
) -> dict[str, Any]:
    """Import by the request's method, or adopt our own image on a retry; the AMI's status
    becomes IMPORTING (`ec2`: where to tag it). `first_poll_seconds` is the Wait before the
    first poll: the documented 90-minute minimum on the classic path, one poll interval on the
    Image Builder path (its progress is worth showing from the start)."""
    request = state.need_request()
    if request.import_method == IMAGE_BUILDER:
        create = custom.creator(state, ws, need(config, "config"))
        first = need(state.image_poll_interval_seconds, "Limits.ImagePollIntervalSeconds")
    else:
        create = _classic_creator(state, ws)
        first = need(state.image_first_poll_delay_seconds, "Limits.ImageFirstPollDelaySeconds")
    result = _import_or_adopt(state, ws, create)
    if result.pop("settled", False):
        first = 0  # adopted an image already AVAILABLE or in ERROR: nothing to wait for
    logger.info(
        "image import started",
        extra={
            "image_id": result["image_id"],
            "adopted": result["adopted"],
            "method": request.import_method,
        },
    )
    if ec2 is not None:
        enter_phase(ec2, request.image_id, PHASE_IMPORTING)
    return {**result, "method": request.import_method, "first_poll_seconds": first}


def _classic_creator(state: WorkflowState, ws: WorkSpacesApi) -> Callable[[str], str]:
    request, ami = state.need_request(), state.need_ami()

    def create(name: str) -> str:
        return ws.import_image(
            ami_id=request.image_id,
            ingestion_process=request.ingestion_process,
            name=name,
            description=need(ami.import_description, "Ami.import_description"),
            tags=wsi_logic.our_tags(request.image_id, request.tags),
            applications=request.applications,
        )

    return create


def _import_or_adopt(
    state: WorkflowState, ws: WorkSpacesApi, create: Callable[[str], str]
) -> dict[str, Any]:
    request = state.need_request()
    name = need(state.need_ami().import_name, "Ami.import_name")
    try:
        return {"image_id": create(name), "name": name, "adopted": False}
    except errors.ImageNameTaken:
        # A retried task whose first import call succeeded lands here: adopt our image.
        existing = ws.find_owned_image(name)
        if existing is None:
            # Taken, yet no owned image of that name is listed: our own image not visible yet
            # (eventual consistency), or a name AWS has not freed since a delete. Retry later.
            raise errors.ImageNotListedYet(
                f"Import: the image name {name!r} is taken but no image of that name is listed yet"
            ) from None
        tags = ws.image_tags(existing["ImageId"])
        if tags is None:
            raise errors.TransientAwsError(
                f"The WorkSpaces image named {name!r} was deleted while ImportImage looked at "
                "it: the name is free again, ImportImage runs again"
            ) from None
        if wsi_logic.is_ours(tags, request.image_id):
            # A retry after a later failure (delivery, reporting) finds it long settled.
            settled = existing.get("State") in SETTLED_IMAGE_STATES
            return {"image_id": existing["ImageId"], "name": name, "adopted": True} | (
                {"settled": True} if settled else {}
            )
        raise errors.ImageNameTaken(
            f"The WorkSpaces image name {name!r} is taken by {existing['ImageId']}, which "
            f"byol-import did not import from {request.image_id}. Give ImageName in the request, "
            "or delete that image"
        ) from None


def poll_image(
    state: WorkflowState, ws: WorkSpacesApi, ec2: Ec2Api | None = None
) -> dict[str, Any]:
    """One poll, by the import's method (`ec2`: where the Image Builder path's progress is
    tagged)."""
    if state.imported is not None and state.imported.method == IMAGE_BUILDER:
        return custom.poll(state, ws, ec2)
    image_id = state.need_image_id()
    seen_before = state.poll is not None and state.poll.seen
    poll = wsi_logic.image_poll(image_id, ws.describe_image(image_id), seen_before)
    logger.info("image polled", extra={"image_id": image_id, "state": poll.state})
    return {
        **poll.to_json(),
        "reason": poll.failure_reason() if poll.state == "ERROR" else None,
        "count": (state.poll.count if state.poll is not None else 0) + 1,
    }


def cleanup_image(state: WorkflowState, ws: WorkSpacesApi, config: RuntimeConfig) -> dict[str, Any]:
    """Delete our failed image. A refused delete is noted, never raised: the import error must
    stay visible (a transient error is raised for the state's Retry; its Catch keeps the error)."""
    request = state.need_request()
    image_id = state.need_image_id()
    reason = state.need_poll().reason or f"WorkSpaces image {image_id} failed"
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
        except errors.TransientAwsError:
            raise  # throttled or a 5xx: the state's Retry tries the delete again
        except errors.AccessDenied as exc:
            note = (
                f"cleanup of image {image_id} was denied, so the image was kept: delete it "
                f"in the WorkSpaces console. {exc.message}"
            )
        except errors.ByolImportError as exc:
            note = f"cleanup of image {image_id} failed: {exc.message}"
    return {
        "Error": errors.ImageImportFailed.__name__,
        "Cause": f"{reason} [{note}]",
        "cleanup": note,
    }
