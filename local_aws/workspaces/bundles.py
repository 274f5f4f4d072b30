"""CreateWorkspaceBundle, DescribeWorkspaceBundles, UpdateWorkspaceBundle, DeleteWorkspaceBundle
(moto has no bundles). Shapes from the botocore model; sizes and name reuse: the facts doc."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from moto.moto_api._internal import mock_random
from moto.workspaces.models import workspaces_backends

from local_aws.workspaces.images import check_image_id
from local_aws.workspaces.rules import (
    BUNDLE_DESCRIPTION_PATTERN,
    BUNDLE_ID_PATTERN,
    BUNDLE_NAME_PATTERN,
    COMPUTE_TYPES,
    WorkSpacesError,
    check_tags,
    invalid,
    not_found,
    page,
    validation,
)
from local_aws.workspaces.state import AccountBase

BUNDLE_QUOTA: Final = 50  # unconfirmed: stricter than no limit
# "wait at least 2 hours after deleting a bundle before creating a new bundle with the same name"
NAME_REUSE_SECONDS: Final = 2 * 3600.0
DEFAULT_ROOT_GB: Final = 80
# (root, user) GB the admin guide allows: root 80 with user 10, 50 or 100; or both 175+/100+
_SMALL_COMBINATIONS: Final = frozenset({(80, 10), (80, 50), (80, 100)})
MAX_VOLUME_GB: Final = 2000


@dataclass
class Bundle:
    bundle_id: str
    name: str
    description: str
    image_id: str
    compute: str
    root_gb: int
    user_gb: int
    owner: str
    created: datetime
    updated: datetime
    tags: list[dict[str, str]]

    def to_dict(self) -> dict[str, Any]:
        return {
            "BundleId": self.bundle_id,
            "Name": self.name,
            "Owner": self.owner,
            "Description": self.description,
            "ImageId": self.image_id,
            "RootStorage": {"Capacity": str(self.root_gb)},
            "UserStorage": {"Capacity": str(self.user_gb)},
            "ComputeType": {"Name": self.compute},
            "CreationTime": self.created.timestamp(),
            "LastUpdatedTime": self.updated.timestamp(),
            "State": "AVAILABLE",
            "BundleType": "REGULAR",
        }


def _capacity(storage: Any, field: str, default: int | None = None) -> int:
    if storage is None and default is not None:
        return default
    capacity = storage.get("Capacity") if isinstance(storage, dict) else None
    if not isinstance(capacity, str) or not capacity.isdigit():
        raise invalid(f"{field}.Capacity must be a whole number of GB.")
    return int(capacity)


def _check_sizes(root: int, user: int) -> None:
    if (root, user) in _SMALL_COMBINATIONS:
        return
    if 175 <= root <= MAX_VOLUME_GB and 100 <= user <= MAX_VOLUME_GB:
        return
    raise invalid(f"Root {root} GB with user {user} GB is not an allowed volume combination.")


def _fits(process: str, compute: str) -> bool:
    """An imported image runs on the bundles its IngestionProcess was for (ImportWorkspaceImage:
    regular processes for non-graphics bundles, each graphics process for its own family)."""
    if "G4DN" in process:
        return compute in ("GRAPHICS_G4DN", "GRAPHICSPRO_G4DN")
    if process in ("BYOL_GRAPHICS", "BYOL_GRAPHICSPRO"):
        return compute == process.removeprefix("BYOL_")
    return not compute.startswith("GRAPHICS")


def check_bundle_id(bundle_id: Any) -> str:
    if not isinstance(bundle_id, str) or not BUNDLE_ID_PATTERN.fullmatch(bundle_id):
        raise validation(f"BundleId {bundle_id!r} does not match ^wsb-[0-9a-z]{{8,63}}$.")
    return bundle_id


class BundleOps(AccountBase):
    def _usable_image(self, image_id: Any, compute: str, root: int) -> str:
        check_image_id(image_id)
        image = self.images.get(image_id)
        if image is None:
            raise not_found(f"The image {image_id} was not found.")
        if image.state != "AVAILABLE":
            raise WorkSpacesError(
                "ResourceUnavailableException",
                f"The image {image_id} is {image.state}, not AVAILABLE.",
            )
        if not _fits(image.ingestion_process, compute):
            raise invalid(
                f"The image {image_id} was imported with {image.ingestion_process}: it cannot "
                f"run on {compute} bundles."
            )
        if root < image.root_gb:
            # "Custom bundle storage volumes can't be smaller than image storage volumes."
            raise invalid(
                f"The root volume of {root} GB is smaller than the image {image_id}'s root "
                f"volume of {image.root_gb} GB."
            )
        return str(image_id)

    def _bundle(self, bundle_id: Any) -> Bundle:
        bundle = self.bundles.get(check_bundle_id(bundle_id))
        if bundle is None:
            raise not_found(f"The bundle {bundle_id} was not found.")
        return bundle

    def create_bundle(self, p: dict[str, Any]) -> dict[str, Any]:
        name, description = p.get("BundleName"), p.get("BundleDescription")
        if not isinstance(name, str) or not BUNDLE_NAME_PATTERN.fullmatch(name):
            raise validation(f"BundleName {name!r} does not match the pattern (1-64).")
        if not isinstance(description, str) or not BUNDLE_DESCRIPTION_PATTERN.fullmatch(
            description
        ):
            raise validation(f"BundleDescription {description!r} does not match the pattern.")
        compute = (p.get("ComputeType") or {}).get("Name")
        if compute not in COMPUTE_TYPES:
            raise validation(f"ComputeType.Name {compute!r} is not a documented Compute.")
        if p.get("UserStorage") is None:
            raise validation("UserStorage is required.")
        root = _capacity(p.get("RootStorage"), "RootStorage", DEFAULT_ROOT_GB)
        user = _capacity(p.get("UserStorage"), "UserStorage")
        _check_sizes(root, user)
        tags = p.get("Tags") or []
        check_tags(tags)
        with self.lock:
            self._settle()
            image_id = self._usable_image(p.get("ImageId"), str(compute), root)
            now = self.clock.now()
            free_at = self.released_bundle_names.get(name)
            if any(b.name == name for b in self.bundles.values()) or (
                free_at is not None and now < free_at
            ):
                raise WorkSpacesError(
                    "ResourceAlreadyExistsException",
                    f"A bundle named {name} exists or was deleted lately.",
                )
            if len(self.bundles) >= BUNDLE_QUOTA:
                raise WorkSpacesError(
                    "ResourceLimitExceededException",
                    f"The quota of {BUNDLE_QUOTA} bundles is reached.",
                )
            bundle = Bundle(
                f"wsb-{mock_random.get_random_hex(9)}",
                name,
                description,
                image_id,
                str(compute),
                root,
                user,
                self.account_id,
                now,
                now,
                [dict(t) for t in tags],
            )
            self.bundles[bundle.bundle_id] = bundle
            return {"WorkspaceBundle": bundle.to_dict()}

    def describe_bundles(self, p: dict[str, Any]) -> dict[str, Any]:
        ids, owner = p.get("BundleIds"), p.get("Owner")
        if ids is not None and owner is not None:
            raise invalid("Owner cannot be combined with BundleIds.")
        if ids is not None:
            if not 1 <= len(ids) <= 25:
                raise validation("BundleIds must name 1 to 25 bundles.")
            for bundle_id in ids:
                check_bundle_id(bundle_id)
        with self.lock:
            mine = [b.to_dict() for b in self.bundles.values()]
        if owner is not None:
            # AWS's public bundles ("AMAZON") are not modelled; another owner has none here.
            mine = []
        elif ids is not None:
            mine = [b for b in mine if b["BundleId"] in ids]
        return page(mine, p.get("NextToken"), 25, "Bundles")

    def update_bundle(self, p: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            self._settle()
            bundle = self._bundle(p.get("BundleId"))
            bundle.image_id = self._usable_image(p.get("ImageId"), bundle.compute, bundle.root_gb)
            bundle.updated = self.clock.now()
            return {}

    def launch_refusal(self, bundle_id: Any, tenancy: str | None) -> tuple[str, str] | None:
        """Why CreateWorkspaces fails a WorkSpace of this bundle (a FailedRequests entry): an
        unknown bundle (moto launches any id), or a BYOL bundle in a directory that is not
        DEDICATED (every bundle here is of an imported BYOL image)."""
        with self.lock:
            bundle = self.bundles.get(bundle_id) if isinstance(bundle_id, str) else None
        if bundle is None:
            return "ResourceNotFound.Bundle", f"The bundle {bundle_id} was not found."
        if tenancy is not None and tenancy != "DEDICATED":
            return (
                "InvalidParameterValuesException",
                f"The bundle {bundle_id} is of a BYOL image: its WorkSpaces launch only in a "
                "directory registered with Tenancy DEDICATED.",
            )
        return None

    def delete_bundle(self, p: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            bundle = self._bundle(p.get("BundleId"))
            moto_ws = workspaces_backends[self.account_id][self.region].workspaces
            if any(w.bundle_id == bundle.bundle_id for w in moto_ws.values()):
                raise WorkSpacesError(
                    "ResourceAssociatedException", f"WorkSpaces use the bundle {bundle.bundle_id}."
                )
            del self.bundles[bundle.bundle_id]
            self.released_bundle_names[bundle.name] = self.clock.now() + timedelta(
                seconds=NAME_REUSE_SECONDS
            )
            return {}
