"""Deliver an AVAILABLE image (Deliver): check BYOL in every target Region first, then create or
update the bundle, share, and start the copies; follow the copies (PollCopies). A retried step
adopts what an earlier attempt did: our bundle of that name, the bundle already on the image, our
copy of that name in a Region; sharing again changes nothing. A failure never deletes the
imported image: it is AVAILABLE and kept, and the error says what was delivered."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from typing import Any

from byol_import import errors
from byol_import.gateways.protocols import DeliveryApi, Ec2Api
from byol_import.logic.delivery import BundleCreate, DeliveryRequest, Place
from byol_import.logic.delivery_rules import root_too_small
from byol_import.observability import logger
from byol_import.settings import (
    BUNDLE_ID_TAG_KEY,
    IMAGE_ID_TAG_KEY,
    MANAGED_BY_TAG_KEY,
    MANAGED_BY_TAG_VALUE,
    PHASE_DELIVERING,
    PREVIOUS_IMAGE_TAG_KEY,
    SOURCE_AMI_TAG_KEY,
)
from byol_import.state import WorkflowState, need
from byol_import.steps.delivery_record import delivery_tags, done
from byol_import.steps.phases import enter_phase

SHARE_RULE = (
    "AWS shares a BYOL image only with accounts of your organization (under the same payer "
    "account) that have BYOL enabled in this Region"
)


@contextlib.contextmanager
def _kept(image_id: str, region: str, delivered: Mapping[str, Any]) -> Iterator[None]:
    """A delivery error keeps its type (the ASL names it) and says the image is kept."""
    try:
        yield
    except (errors.TransientAwsError, errors.ImageNotListedYet):
        raise
    except errors.ByolImportError as exc:
        raise type(exc)(
            f"{exc.message}. Delivered so far: {done(delivered)}. WorkSpaces image {image_id} "
            f"is AVAILABLE in {region} and kept; fix the cause and retry the import (what was "
            "delivered is adopted, not redone)"
        ) from exc


def deliver(state: WorkflowState, gw: DeliveryApi, ec2: Ec2Api, place: Place) -> dict[str, Any]:
    request = state.need_request()
    delivery = need(request.delivery, "Request.delivery")
    image_id = state.need_image_id()
    image_name = need(state.need_ami().import_name, "Ami.import_name")
    enter_phase(ec2, request.image_id, PHASE_DELIVERING)
    delivered: dict[str, Any] = {"bundle": None, "shares": [], "copies": []}
    try:
        with _kept(image_id, place.region, delivered):
            root = state.need_ami().root_volume_gib
            _deliver(
                gw, ec2, delivery, delivered, request.image_id, (image_id, root), image_name, place
            )
    finally:
        _tag_ami(ec2, request.image_id, delivery_tags(delivered))
    logger.info("delivery started", extra={"delivered": done(delivered)})
    pending = any(c["state"] == "PENDING" for c in delivered["copies"])
    return {**delivered, "pending": pending, "count": 0}


def _deliver(
    gw: DeliveryApi,
    ec2: Ec2Api,
    delivery: DeliveryRequest,
    delivered: dict[str, Any],
    ami: str,
    image: tuple[str, int | None],  # the image and its root volume (GiB), when known
    image_name: str,
    place: Place,
) -> None:
    _check_regions(gw, delivery.copy_to_regions)  # before anything is changed
    image_id = image[0]
    if delivery.create_bundle or delivery.update_bundle:
        delivered["bundle"] = _bundle(gw, delivery, ami, image, image_name)
        _tag_ami(ec2, ami, {BUNDLE_ID_TAG_KEY: delivered["bundle"]["id"]})
    delivered["shares"] = [_share(gw, image_id, a) for a in delivery.share_with_accounts]
    refused = [s for s in delivered["shares"] if not s["shared"]]
    if refused:
        raise errors.DeliveryFailed(
            "UpdateWorkspaceImagePermission refused to share with "
            + "; ".join(f"{s['account']}: {s['reason']}" for s in refused)
            + f". {SHARE_RULE}. Nothing was copied"
        )
    for region in delivery.copy_to_regions:
        delivered["copies"].append(_copy(gw, region, place.region, ami, image_id, image_name))


def _tag_ami(ec2: Ec2Api, ami: str, tags: Mapping[str, str]) -> None:
    if not tags:
        return
    try:
        ec2.tag_image(ami, tags)
    except errors.TransientAwsError:
        raise
    except errors.ByolImportError as exc:  # the record also goes in the notification
        logger.warning("could not record the delivery on the AMI", extra={"reason": str(exc)})


def _check_regions(gw: DeliveryApi, regions: tuple[str, ...]) -> None:
    off = [region for region in regions if not gw.byol_enabled(region)]
    if off:
        raise errors.TargetRegionByolDisabled(
            f"BYOL is not enabled in {', '.join(off)} (DescribeAccount there), and a BYOL image "
            "can be copied only to a Region enabled for BYOL. Nothing was copied, and byol-import "
            "did not enable BYOL there: that fixes the Region's management CIDR for good, a "
            "decision for a person (deploy byol-import there, or ModifyAccount). Enable it, or "
            "remove the Region from CopyToRegions"
        )


def _ours(tags: Mapping[str, str] | None, ami: str) -> bool:
    return (
        tags is not None
        and tags.get(MANAGED_BY_TAG_KEY) == MANAGED_BY_TAG_VALUE
        and tags.get(SOURCE_AMI_TAG_KEY) == ami
    )


def _fits(bundle: str, root_gib: int, image: tuple[str, int | None], advice: str) -> None:
    refusal = root_too_small(root_gib, image[1])
    if refusal:  # checked before WorkSpaces is asked: it refuses too, less clearly
        raise errors.BundleTooSmall(f"Bundle {bundle}: {refusal}. {advice}")


def _bundle(
    gw: DeliveryApi, delivery: DeliveryRequest, ami: str, image: tuple[str, int | None], name: str
) -> dict[str, Any]:
    image_id = image[0]
    if delivery.create_bundle is not None:
        spec = delivery.create_bundle
        advice = "Ask for RootVolumeSizeGib 175-2000 (with UserVolumeSizeGib 100-2000)"
        _fits(repr(spec.name or name), spec.root_gib, image, advice)
        return _create_bundle(gw, delivery.create_bundle, ami, image_id, name)
    bundle_id = need(delivery.update_bundle, "Request.delivery.update_bundle")
    bundle = gw.bundle(bundle_id)
    if bundle is None:
        raise errors.DeliveryFailed(
            f"There is no bundle {bundle_id} in this account and Region to update: check the id "
            "(Delivery.Bundle.Update, the tag value's Bundle or deliveryBundle)"
        )
    current = str(bundle.get("ImageId", ""))
    root = str((bundle.get("RootStorage") or {}).get("Capacity") or "")
    if root.isdigit():
        _fits(bundle_id, int(root), image, "Update a bundle with a larger root volume")
    if current == image_id:  # a retry after the update: keep the recorded previous image
        previous = (gw.tags(bundle_id) or {}).get(PREVIOUS_IMAGE_TAG_KEY)
    else:
        # Record the image it had before moving it: `byol-import rollback-bundle` reads it.
        gw.tag(bundle_id, {PREVIOUS_IMAGE_TAG_KEY: current})
        gw.update_bundle(bundle_id, image_id)
        previous = current
    gw.tag(bundle_id, {IMAGE_ID_TAG_KEY: image_id})
    return {
        "id": bundle_id,
        "name": bundle.get("Name"),
        "action": "updated",
        "previous_image": previous,
    }


def _create_bundle(
    gw: DeliveryApi, spec: BundleCreate, ami: str, image_id: str, image_name: str
) -> dict[str, Any]:
    name = spec.name or image_name
    tags = {
        MANAGED_BY_TAG_KEY: MANAGED_BY_TAG_VALUE,
        SOURCE_AMI_TAG_KEY: ami,
        IMAGE_ID_TAG_KEY: image_id,
    }
    bundle_id = gw.create_bundle(
        name=name,
        description=spec.description or f"byol-import bundle of {ami}",
        image_id=image_id,
        compute_type=spec.compute_type,
        root_gib=spec.root_gib,
        user_gib=spec.user_gib,
        tags=[{"Key": k, "Value": v} for k, v in tags.items()],
    )
    if bundle_id is not None:
        return {"id": bundle_id, "name": name, "action": "created", "previous_image": None}
    existing = gw.bundle_named(name)
    if existing is None:
        raise errors.DeliveryFailed(
            f"CreateWorkspaceBundle refused the name {name!r} and no bundle of that name is "
            "listed: a bundle of that name was deleted less than 2 hours ago (AWS holds a "
            "deleted bundle's name for 2 hours). Give the bundle another Name, or retry later"
        )
    found = gw.tags(str(existing["BundleId"]))
    if _ours(found, ami) and (found or {}).get(IMAGE_ID_TAG_KEY) == image_id:
        return {
            "id": existing["BundleId"],
            "name": name,
            "action": "created",
            "previous_image": None,
        }
    raise errors.DeliveryFailed(
        f"The bundle name {name!r} is taken by {existing['BundleId']}, which byol-import did "
        f"not create for {image_id}: give the bundle another Name, or update that bundle instead"
    )


def _share(gw: DeliveryApi, image_id: str, account: str) -> dict[str, Any]:
    try:
        gw.share(image_id, account)
    except (errors.TransientAwsError, errors.AccessDenied):
        raise
    except errors.ByolImportError as exc:
        return {"account": account, "shared": False, "reason": exc.message}
    return {"account": account, "shared": True, "reason": None}


def _copy(
    gw: DeliveryApi, region: str, home: str, ami: str, image_id: str, name: str
) -> dict[str, Any]:
    tags = [
        {"Key": MANAGED_BY_TAG_KEY, "Value": MANAGED_BY_TAG_VALUE},
        {"Key": SOURCE_AMI_TAG_KEY, "Value": ami},
    ]
    copy_id = gw.copy_image(
        region,
        name=name,
        description=f"Copy of {image_id} from {home}",
        source_image_id=image_id,
        source_region=home,
        tags=tags,
    )
    if copy_id is None:  # the name is taken there: our copy from an earlier attempt?
        existing = gw.image_named(region, name)
        if existing is None:
            raise errors.ImageNotListedYet(
                f"CopyWorkspaceImage: the name {name!r} is taken in {region} but no image of "
                "that name is listed yet"
            )
        if not _ours(gw.tags(str(existing["ImageId"]), region), ami):
            raise errors.DeliveryFailed(
                f"The image name {name!r} is taken in {region} by {existing['ImageId']}, which "
                f"byol-import did not copy from {ami}: delete or rename it, then retry"
            )
        return {
            "region": region,
            "image_id": existing["ImageId"],
            "state": str(existing.get("State", "PENDING")),
            "seen": True,
        }
    return {"region": region, "image_id": copy_id, "state": "PENDING"}


def poll_copies(state: WorkflowState, gw: DeliveryApi, place: Place) -> dict[str, Any]:
    """One DescribeWorkspaceImages per Region still PENDING; a copy in ERROR fails delivery
    (the imported image is kept, and so is the failed copy, for a person to look at)."""
    delivered = dict(need(state.delivery, "Delivery"))
    image_id = state.need_image_id()
    copies = []
    with _kept(image_id, place.region, delivered):
        for copy in delivered.get("copies", []):
            if copy["state"] == "PENDING":
                copy = _polled(gw, copy)
            copies.append(copy)
    pending = any(c["state"] == "PENDING" for c in copies)
    logger.info("copies polled", extra={"copies": copies})
    count = int(delivered.get("count") or 0) + 1
    return {**delivered, "copies": copies, "pending": pending, "count": count}


def _polled(gw: DeliveryApi, copy: Mapping[str, Any]) -> dict[str, Any]:
    found = gw.image(copy["region"], copy["image_id"])
    if found is None and copy.get("seen"):
        raise errors.DeliveryFailed(
            f"The copy {copy['image_id']} in {copy['region']} disappeared while PENDING: "
            "someone deleted it. Retry the import to copy again"
        )
    if found is None:  # not listed yet (eventual consistency): the loop is bounded
        return {**copy, "state": "PENDING"}
    polled = {**copy, "state": str(found["State"]), "seen": True}
    if polled["state"] == "ERROR":
        raise errors.DeliveryFailed(
            f"The copy {copy['image_id']} in {copy['region']} ended in ERROR: "
            f"{found.get('ErrorCode', 'no ErrorCode')}: "
            f"{found.get('ErrorMessage', 'no ErrorMessage')}; the copy is kept for you to look "
            "at (delete it before copying again)"
        )
    return polled
