"""ImportWorkspaceImage, DescribeWorkspaceImages and DeleteWorkspaceImage."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from moto.ec2.models import ec2_backends
from moto.moto_api._internal import mock_random

from local_aws.workspaces import amis
from local_aws.workspaces.config import ImportFault
from local_aws.workspaces.rules import (
    AMI_PATTERN,
    APPLICATIONS,
    DESCRIPTION_PATTERN,
    IMAGE_ID_PATTERN,
    IMAGE_QUOTA,
    IMAGE_TYPES,
    INGESTION_PROCESSES,
    NAME_PATTERN,
    WorkSpacesError,
    check_tags,
    invalid,
    not_found,
    page,
    validation,
)
from local_aws.workspaces.state import AccountBase


@dataclass
class ImportedImage:
    image_id: str
    name: str
    description: str
    ami_id: str
    ingestion_process: str
    applications: list[str]
    tags: list[dict[str, str]]
    owner: str
    created: datetime
    visible_at: datetime
    ready_at: datetime
    fault: ImportFault | None
    state: str = "PENDING"
    # UpdateWorkspaceImagePermission: the accounts that may copy it, in the order shared
    shared_with: list[str] = field(default_factory=list)
    # CopyWorkspaceImage: where the copy came from (DescribeWorkspaceImages has no field for it)
    source_region: str | None = None
    source_image_id: str | None = None
    # GB of the source AMI's root EBS volume: no bundle of the image may have a smaller root
    root_gb: int = 0

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "ImageId": self.image_id,
            "Name": self.name,
            "Description": self.description,
            "OperatingSystem": {"Type": "WINDOWS"},
            "State": self.state,
            "RequiredTenancy": "DEDICATED",
            "Created": self.created.timestamp(),
            "OwnerAccountId": self.owner,
            "Updates": {"UpdateAvailable": False},
        }
        if self.state == "ERROR" and self.fault:
            out["ErrorCode"] = self.fault.error_code
            out["ErrorMessage"] = self.fault.error_message
            out["ErrorDetails"] = [
                {"ErrorCode": code, "ErrorMessage": f"The BYOL checker reported {code}."}
                for code in self.fault.error_details
            ]
        return out


def check_image_id(image_id: Any) -> str:
    if not isinstance(image_id, str) or not IMAGE_ID_PATTERN.fullmatch(image_id):
        raise validation(f"ImageId {image_id!r} does not match wsi-[0-9a-z]{{9,63}}.")
    return image_id


class ImageOps(AccountBase):
    byop_allowed = False  # BYOP is for allow-listed WorkSpaces Core accounts only

    def _settle_images(self, now: datetime) -> None:
        for image in self.images.values():
            if image.state == "PENDING" and now >= image.ready_at:
                image.state = "ERROR" if image.fault else "AVAILABLE"

    def _name_taken(self, name: str) -> bool:
        free_at = self.released_image_names.get(name)
        return any(i.name == name for i in self.images.values()) or (
            free_at is not None and self.clock.now() < free_at
        )

    def _require_enabled(self) -> None:
        """Imports need an approved account whose BYOL reads ENABLED (under the lock)."""
        self._check_eligible()
        if not self.visibly_enabled():
            raise WorkSpacesError(
                "OperationNotSupportedException",
                "BYOL is not enabled for this account: enable it with ModifyAccount first.",
            )

    def _admit(self, ami: str, process: str, name: str) -> amis.AmiProfile:
        """What every import path refuses at once about its source AMI, its name and the
        quota (under the lock); the AMI's profile for the checker's findings."""
        image = ec2_backends[self.account_id][self.region].amis.get(ami)
        if image is None:
            raise not_found(f"The AMI {ami} was not found.")
        if image.owner_id != self.account_id:
            raise invalid(f"The AMI {ami} is not owned by account {self.account_id}.")
        profile = amis.profile_of(image)
        amis.refuse_at_once(profile, ami, process, self.byop_allowed)
        if self._name_taken(name):
            raise WorkSpacesError(
                "ResourceAlreadyExistsException",
                f"A WorkSpace image with the name {name} already exists.",
            )
        if len(self.images) >= IMAGE_QUOTA:
            raise WorkSpacesError(
                "ResourceLimitExceededException",
                f"The image quota of {IMAGE_QUOTA} images in this Region is reached.",
            )
        return profile

    def import_image(self, params: dict[str, Any]) -> dict[str, Any]:
        ami = params.get("Ec2ImageId")
        name = params.get("ImageName")
        description = params.get("ImageDescription")
        process = params.get("IngestionProcess")
        applications = list(params.get("Applications") or [])
        tags = params.get("Tags") or []
        if not isinstance(ami, str) or not AMI_PATTERN.fullmatch(ami):
            raise validation(f"Ec2ImageId {ami!r} does not match the AMI id pattern.")
        if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
            raise validation(f"ImageName {name!r} does not match [a-zA-Z0-9_./()\\-]{{1,64}}.")
        if not isinstance(description, str) or not DESCRIPTION_PATTERN.fullmatch(description):
            raise validation(f"ImageDescription {description!r} does not match the pattern.")
        if not isinstance(process, str) or process not in INGESTION_PROCESSES:
            raise validation(f"IngestionProcess {process!r} is not valid.")
        if any(a not in APPLICATIONS for a in applications):
            raise validation(f"Applications {applications!r} are not valid.")
        if len(applications) > 1:  # "only one item is allowed at this time"
            raise invalid("Applications: only one item is allowed.")
        check_tags(tags)
        with self.lock:
            self._settle()
            self._require_enabled()
            profile = self._admit(ami, process, name)
            now = self.clock.now()
            duration = self.timings.draw_import(with_office=bool(applications))
            image_id = f"wsi-{mock_random.get_random_hex(9)}"
            fault = (
                self.faults.import_errors.get(ami)
                or self.faults.import_errors.get("*")
                or amis.checker_findings(profile, process, applications)
            )
            self.images[image_id] = image_record = ImportedImage(
                image_id=image_id,
                name=name,
                description=description,
                ami_id=ami,
                ingestion_process=process,
                applications=applications,
                tags=[dict(t) for t in tags],
                owner=self.account_id,
                created=now,
                visible_at=now + timedelta(seconds=self.timings.image_visibility_lag_seconds),
                ready_at=now + timedelta(seconds=duration),
                fault=fault,
                root_gb=profile.volume_sizes[0],
            )
            self.imports_accepted += 1
            self.import_log.append(image_record)
            return {"ImageId": image_id}

    def describe_images(
        self, params: dict[str, Any], others: list[dict[str, Any]]
    ) -> dict[str, Any]:
        ids = params.get("ImageIds")
        image_type = params.get("ImageType")
        max_results = params.get("MaxResults")
        if ids is not None:
            if not 1 <= len(ids) <= 25:
                raise validation("ImageIds must name 1 to 25 images.")
            for image_id in ids:
                check_image_id(image_id)
        if image_type is not None and image_type not in IMAGE_TYPES:
            raise validation(f"ImageType {image_type!r} is not one of {sorted(IMAGE_TYPES)}.")
        if max_results is not None and not 1 <= max_results <= 25:
            raise validation("MaxResults must be between 1 and 25.")
        with self.lock:
            self._settle()
            now = self.clock.now()
            images = others + [i.to_dict() for i in self.images.values() if now >= i.visible_at]
        if image_type == "OWNED":
            images = [i for i in images if i.get("OwnerAccountId") == self.account_id]
        elif image_type == "SHARED":
            images = [i for i in images if i.get("OwnerAccountId") != self.account_id]
        if ids:
            images = [i for i in images if i["ImageId"] in ids]
        return page(images, params.get("NextToken"), max_results or 25, "Images")

    def delete_image(self, image_id: Any) -> dict[str, Any]:
        check_image_id(image_id)
        with self.lock:
            self._settle()
            image = self.images.get(image_id)
            if image is None:
                # Undocumented for this operation; stricter than a silent {} (facts doc).
                raise not_found(f"The image {image_id} was not found.")
            if self.faults.delete_error:
                raise WorkSpacesError(
                    self.faults.delete_error, f"The image {image_id} cannot be deleted now."
                )
            using = sorted(b.bundle_id for b in self.bundles.values() if b.image_id == image_id)
            if using:
                raise WorkSpacesError(
                    "ResourceAssociatedException",
                    f"The image {image_id} is used by bundles {', '.join(using)}.",
                )
            if image.shared_with:
                # "To delete a shared image, you must unshare the image before you can delete it"
                raise WorkSpacesError(
                    "ResourceAssociatedException",
                    f"The image {image_id} is shared with {', '.join(image.shared_with)}.",
                )
            if image.state == "PENDING":
                raise WorkSpacesError(
                    "InvalidResourceStateException", f"The image {image_id} is still being created."
                )
            del self.images[image_id]
            self.released_image_names[image.name] = self.clock.now() + timedelta(
                seconds=self.timings.name_release_lag_seconds
            )
            return {}
