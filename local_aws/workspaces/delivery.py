"""CopyWorkspaceImage, UpdateWorkspaceImagePermission and DescribeWorkspaceImagePermissions:
delivering an imported image to other Regions and accounts. Each rule and its source:
docs/byol-api-facts.md, "Delivering an image: bundles, copies, sharing".

The world is per account and Region (`ByolWorld`), so a copy is asked in the target Region (the
client's) and reads its source in `SourceRegion`; an image is shared with accounts of its own
Region. Sources are read under their own lock, then released, before the target's is taken:
two copies in opposite directions never wait on each other.
"""

from __future__ import annotations

from datetime import timedelta
from functools import cache
from typing import Any

import botocore.session
from moto.moto_api._internal import mock_random

from local_aws.workspaces.images import ImportedImage
from local_aws.workspaces.rules import IMAGE_QUOTA, WorkSpacesError, invalid, not_found, page
from local_aws.workspaces.service import ByolAccount, ByolWorld
from local_aws.workspaces.shapes import check_input

NINGXIA = "cn-northwest-1"


@cache
def workspaces_regions() -> frozenset[str]:
    """Every Region the SDK's endpoint data lists WorkSpaces in, in every partition."""
    session = botocore.session.get_session()
    return frozenset(
        region
        for partition in session.get_available_partitions()
        for region in session.get_available_regions("workspaces", partition)
    )


def _partition(region: str) -> str:
    return (
        "aws-cn"
        if region.startswith("cn-")
        else ("aws-us-gov" if region.startswith("us-gov-") else "aws")
    )


def _confined(source: str, target: str) -> str | None:
    """Why an image cannot go from `source` to `target` without AWS Support, if it cannot."""
    if source == target:
        return None
    if NINGXIA in (source, target):
        return "In the China (Ningxia) Region, you can copy images only within the same Region."
    if _partition(source) != _partition(target):
        return "Images cannot be copied across partitions."
    if _partition(source) == "aws-us-gov":
        return "In AWS GovCloud (US), to copy images to and from other Regions, contact Support."
    return None


def organization_of(account_id: str) -> str | None:
    """The management account of the account's organization in moto's Organizations, if any."""
    from moto.organizations.models import organizations_backends

    member_of = organizations_backends.master_accounts.get(account_id)
    if member_of is not None:
        return member_of[0]
    backend = organizations_backends[account_id]["aws"]
    return account_id if backend.org is not None else None


def _own_image(account: ByolAccount, image_id: str) -> ImportedImage | None:
    with account.lock:
        account._settle()
        return account.images.get(image_id)


def _shared_image(world: ByolWorld, account_id: str, region: str, image_id: str) -> Any:
    """Another account's image of this Region that is shared with `account_id`, if any."""
    for other in world.accounts_in(region):
        if other.account_id == account_id:
            continue
        image = _own_image(other, image_id)
        if image is not None and account_id in image.shared_with:
            return image
    return None


def shared_images(world: ByolWorld, account: ByolAccount) -> list[dict[str, Any]]:
    """DescribeWorkspaceImages' view of the images other accounts share with this one."""
    now = account.clock.now()
    found = []
    for other in world.accounts_in(account.region):
        if other.account_id == account.account_id:
            continue
        with other.lock:
            other._settle()
            found += [
                i.to_dict()
                for i in other.images.values()
                if account.account_id in i.shared_with and now >= i.visible_at
            ]
    return found


def copy_image(world: ByolWorld, target: ByolAccount, params: dict[str, Any]) -> dict[str, Any]:
    """CopyWorkspaceImage, asked in the target Region: a new PENDING image there, AVAILABLE
    after a drawn copy time (or ERROR when a fault is injected for its source)."""
    check_input("CopyWorkspaceImage", params)
    name, source_id = str(params["Name"]), str(params["SourceImageId"])
    source_region = str(params["SourceRegion"])
    if source_region not in workspaces_regions():
        raise invalid(f"SourceRegion {source_region} is not a Region Amazon WorkSpaces runs in.")
    confined = _confined(source_region, target.region)
    if confined:
        raise WorkSpacesError("OperationNotSupportedException", confined)
    source = _own_image(world.account(target.account_id, source_region), source_id)
    if source is None:
        source = _shared_image(world, target.account_id, source_region, source_id)
    if source is None:
        raise not_found(f"The image {source_id} was not found in {source_region}.")
    if source.state != "AVAILABLE":
        raise WorkSpacesError(
            "ResourceUnavailableException",
            f"The image {source_id} is {source.state}: only an AVAILABLE image can be copied.",
        )
    tags = [dict(t) for t in params.get("Tags") or []]
    with target.lock:
        target._settle()
        target._check_eligible()
        if not target.visibly_enabled():
            raise WorkSpacesError(
                "OperationNotSupportedException",
                f"A BYOL image can be copied only to a Region enabled for BYOL: {target.region} "
                "is not. Enable it with ModifyAccount there first.",
            )
        if target._name_taken(name):
            raise WorkSpacesError(
                "ResourceAlreadyExistsException",
                f"A WorkSpace image with the name {name} already exists.",
            )
        if len(target.images) >= IMAGE_QUOTA:
            raise WorkSpacesError(
                "ResourceLimitExceededException",
                f"The image quota of {IMAGE_QUOTA} images in {target.region} is reached.",
            )
        now, faults = target.clock.now(), target.faults
        image_id = f"wsi-{mock_random.get_random_hex(9)}"
        target.images[image_id] = ImportedImage(
            image_id=image_id,
            name=name,
            description=str(params.get("Description") or source.description),
            ami_id=source.ami_id,
            ingestion_process=source.ingestion_process,
            applications=list(source.applications),
            tags=tags,
            owner=target.account_id,
            created=now,
            visible_at=now + timedelta(seconds=target.timings.image_visibility_lag_seconds),
            ready_at=now + timedelta(seconds=target.timings.draw_copy()),
            fault=faults.copy_errors.get(source_id) or faults.copy_errors.get("*"),
            source_region=source_region,
            source_image_id=source_id,
            root_gb=source.root_gb,
        )
        return {"ImageId": image_id}


def _image_to_share(world: ByolWorld, owner: ByolAccount, image_id: str) -> ImportedImage:
    image = _own_image(owner, image_id)
    if image is not None:
        return image
    if _shared_image(world, owner.account_id, owner.region, image_id) is not None:
        raise WorkSpacesError(
            "OperationNotSupportedException",
            f"The image {image_id} was shared with you: it cannot be shared further.",
        )
    raise not_found(f"The image {image_id} was not found.")


def _check_recipient(world: ByolWorld, owner: ByolAccount, recipient_id: str) -> None:
    """BYOL images go only to accounts enabled for BYOL in the same organization."""
    recipient = world.account(recipient_id, owner.region)
    with recipient.lock:
        recipient._settle()
        enabled = recipient.visibly_enabled()
    if not enabled:
        raise WorkSpacesError(
            "OperationNotSupportedException",
            f"BYOL images can be shared only with accounts enabled for BYOL: {recipient_id} "
            f"is not enabled in {owner.region}.",
        )
    organization = organization_of(owner.account_id)
    if organization is None or organization_of(recipient_id) != organization:
        raise WorkSpacesError(
            "OperationNotSupportedException",
            f"BYOL images can be shared only within the organization: {recipient_id} is not "
            "under the same payer account.",
        )


def update_permission(
    world: ByolWorld, owner: ByolAccount, params: dict[str, Any]
) -> dict[str, Any]:
    """UpdateWorkspaceImagePermission: share (AllowCopyImage true) or unshare one account."""
    check_input("UpdateWorkspaceImagePermission", params)
    image_id, recipient = str(params["ImageId"]), str(params["SharedAccountId"])
    allow = bool(params["AllowCopyImage"])
    if recipient == owner.account_id:
        raise invalid("An image cannot be shared with the account that owns it.")
    image = _image_to_share(world, owner, image_id)
    if not allow:
        with owner.lock:
            if recipient not in image.shared_with:
                raise invalid(
                    f"The image {image_id} is not shared with {recipient}: the permission can be "
                    "revoked only after the image has been shared."
                )
            image.shared_with.remove(recipient)
            return {}
    if image.state != "AVAILABLE":
        raise WorkSpacesError(
            "ResourceUnavailableException",
            f"The image {image_id} is {image.state}: only an AVAILABLE image can be shared.",
        )
    _check_recipient(world, owner, recipient)
    with owner.lock:
        if owner.images.get(image_id) is not image:
            raise not_found(f"The image {image_id} was not found.")
        if recipient not in image.shared_with:  # sharing again changes nothing (unconfirmed)
            image.shared_with.append(recipient)
        return {}


def describe_permissions(owner: ByolAccount, params: dict[str, Any]) -> dict[str, Any]:
    """DescribeWorkspaceImagePermissions: the accounts the owner shares an image with, paged."""
    check_input("DescribeWorkspaceImagePermissions", params)
    image_id = str(params["ImageId"])
    image = _own_image(owner, image_id)
    if image is None:
        raise not_found(f"The image {image_id} was not found.")
    with owner.lock:
        permissions = [{"SharedAccountId": a} for a in image.shared_with]
    out = page(
        permissions, params.get("NextToken"), params.get("MaxResults") or 25, "ImagePermissions"
    )
    return {"ImageId": image_id, **out}
