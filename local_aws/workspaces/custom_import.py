"""ImportCustomWorkspaceImage and DescribeCustomWorkspaceImageImport: the BYOL import AWS runs on
EC2 Image Builder. Each rule and its source: docs/byol-api-facts.md, "ImportCustomWorkspaceImage
(EC2 Image Builder path)".

The request is checked against the botocore model's shapes (required members, enums, lengths,
patterns, the one-member union), then the source is resolved to an AMI the account owns and judged
by the classic path's AMI rules (local_aws/workspaces/amis.py). The import walks the model's
State enum, in its order, over a duration drawn by `Timings`; the image is listed PENDING in
DescribeWorkspaceImages meanwhile, AVAILABLE at COMPLETED, ERROR at ERROR.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

import botocore.session
from moto.moto_api._internal import mock_random

from local_aws.workspaces import amis
from local_aws.workspaces.config import CustomImportFault, ImportFault
from local_aws.workspaces.images import ImageOps, ImportedImage, check_image_id
from local_aws.workspaces.rules import (
    MODEL,
    invalid,
    not_found,
    validation,
)
from local_aws.workspaces.shapes import check_input

# Image Builder's ResourceName (CreateInfrastructureConfiguration `name`): 3-128 characters.
RESOURCE_NAME: Final = re.compile(
    botocore.session.get_session()
    .get_service_model("imagebuilder")
    .shape_for("ResourceName")
    .metadata["pattern"]
)

IMPORT_OPERATION: Final = MODEL.operation_model("ImportCustomWorkspaceImage")
DESCRIBE_OPERATION: Final = MODEL.operation_model("DescribeCustomWorkspaceImageImport")
IMPORT_STATES: Final = tuple(MODEL.shape_for("CustomWorkspaceImageImportState").enum)
# The order AWS walks them is undocumented: the model's order, every one of them (facts doc).
PROGRESSION: Final = tuple(s for s in IMPORT_STATES if s not in ("COMPLETED", "ERROR"))
_PROTOCOL_SUFFIX: Final = {"PCOIP": "", "DCV": "_WSP", "BYOP": "_BYOP"}
_OS_OF: Final = {"Windows_10": "windows-10", "Windows_11": "windows-11"}


def check_request(params: dict[str, Any]) -> None:
    """Every constraint of the input shape, as AWS's model states it: ValidationException."""
    check_input(IMPORT_OPERATION.name, params)


def ingestion_process(compute: str, protocol: str) -> str:
    """The classic IngestionProcess a compute type and protocol amount to (for the AMI rules)."""
    base = "BYOL_REGULAR" if compute == "BASE" else f"BYOL_{compute}"
    return base + _PROTOCOL_SUFFIX[protocol]


@dataclass
class CustomImport:
    image_id: str
    image_source: dict[str, str]
    infrastructure_arn: str
    ami_id: str
    created: datetime
    duration: float  # seconds from PENDING to COMPLETED (or to the ERROR, see `ends_at`)
    fault: CustomImportFault | None
    instance_id: str

    @property
    def slot(self) -> float:
        return self.duration / len(PROGRESSION)

    @property
    def ends_at(self) -> datetime:
        if self.fault is None:
            return self.created + timedelta(seconds=self.duration)
        failed = PROGRESSION.index(self.fault.failed_state)
        return self.created + timedelta(seconds=(failed + 0.5) * self.slot)

    def state_at(self, now: datetime) -> tuple[str, int, datetime]:
        """State, ProgressPercentage and when the state began."""
        elapsed = max(0.0, (min(now, self.ends_at) - self.created).total_seconds())
        if now >= self.ends_at:
            if self.fault is None:
                return "COMPLETED", 100, self.ends_at
            return "ERROR", min(99, int(elapsed * 100 / self.duration)), self.ends_at
        index = min(int(elapsed / self.slot), len(PROGRESSION) - 1)
        began = self.created + timedelta(seconds=index * self.slot)
        return PROGRESSION[index], min(99, int(elapsed * 100 / self.duration)), began

    def to_dict(self, now: datetime) -> dict[str, Any]:
        state, progress, began = self.state_at(now)
        out: dict[str, Any] = {
            "ImageId": self.image_id,
            "InfrastructureConfigurationArn": self.infrastructure_arn,
            "State": state,
            "ProgressPercentage": progress,
            "Created": self.created.timestamp(),
            "LastUpdatedTime": began.timestamp(),
            "ImageSource": dict(self.image_source),
        }
        if state not in ("PENDING", "IN_PROGRESS"):  # an instance exists once the build runs
            out["ImageBuilderInstanceId"] = self.instance_id
        if state == "ERROR" and self.fault:
            out["StateMessage"] = self.fault.state_message
            out["ErrorDetails"] = [
                {"ErrorCode": code, "ErrorMessage": message}
                for code, message in self.fault.error_details
            ]
        return out


def _findings(profile: amis.AmiProfile, os_version: str, process: str) -> CustomImportFault | None:
    """What the compatibility check finds in the image: the classic checker's rules (none of
    them is documented as fixed by this path), plus an OS that is not the one the call names."""
    codes: list[tuple[str, str]] = []
    if profile.os != _OS_OF[os_version]:
        codes.append(("OsVersionMismatch", f"The image is {profile.os}, not {os_version}."))
    fault = amis.checker_findings(profile, process, [])
    if fault is not None:
        codes.extend((c, f"The compatibility check reported {c}.") for c in fault.error_details)
        if not fault.error_details:
            codes.append((fault.error_code, fault.error_message))
    if not codes:
        return None
    return CustomImportFault(
        "IMAGE_COMPATIBILITY_CHECKING", "The image failed the compatibility check.", tuple(codes)
    )


class CustomImportOps(ImageOps):
    """The Image Builder path beside the classic one: the same images, names and quota."""

    def add_infrastructure_configuration(self, name: str) -> str:
        """What the account created in EC2 Image Builder (moto has no Image Builder): a name
        Image Builder takes (`ResourceName`), in its ARN in lower case (the model's ARN pattern
        admits no capitals; docs/byol-api-facts.md)."""
        if not RESOURCE_NAME.fullmatch(name):
            raise ValueError(f"Image Builder refuses the name {name!r}: {RESOURCE_NAME.pattern}")
        prefix = f"arn:aws:imagebuilder:{self.region}:{self.account_id}"
        arn = f"{prefix}:infrastructure-configuration/{name.lower()}"
        self.infrastructure_configurations.add(arn)
        return arn

    def add_image_source(self, source_id: str, ami_id: str) -> None:
        """An Image Builder build version ARN or a completed VM import task, and its AMI."""
        self.image_builder_sources[source_id] = ami_id

    def _own_arn(self, label: str, arn: str) -> None:
        parts = arn.split(":")
        if parts[3] != self.region or parts[4] != self.account_id:
            raise invalid(f"{label} {arn} is not in account {self.account_id}, {self.region}.")

    def _resolve_source(self, key: str, source: str) -> str:
        if key == "Ec2ImageId":
            return source
        if key == "ImageBuildVersionArn":
            self._own_arn("ImageSource.ImageBuildVersionArn", source)
        ami = self.image_builder_sources.get(source)
        if ami is None:
            raise not_found(f"The image source {source} was not found.")
        return ami

    def import_custom_image(self, params: dict[str, Any]) -> dict[str, Any]:
        check_request(params)
        os_version, protocol = params["OsVersion"], params["Protocol"]
        if os_version == "Windows_11" and protocol == "PCOIP":
            raise invalid("Windows 11 does not support the PCOIP protocol.")
        process = ingestion_process(params["ComputeType"], protocol)
        ((key, source),) = ((k, v) for k, v in params["ImageSource"].items() if v is not None)
        infrastructure = params["InfrastructureConfigurationArn"]
        name = params["ImageName"]
        with self.lock:
            self._settle()
            self._require_enabled()
            self._own_arn("InfrastructureConfigurationArn", infrastructure)
            if infrastructure not in self.infrastructure_configurations:
                raise not_found(f"The infrastructure configuration {infrastructure} was not found.")
            ami_id = self._resolve_source(key, source)
            profile = self._admit(ami_id, process, name)
            fault = (
                self.faults.custom_import_errors.get(source)
                or self.faults.custom_import_errors.get("*")
                or _findings(profile, os_version, process)
            )
            if fault is not None and fault.failed_state not in PROGRESSION:
                raise ValueError(f"failed_state must be one of {PROGRESSION}")
            now = self.clock.now()
            image_id = f"wsi-{mock_random.get_random_hex(9)}"
            record = CustomImport(
                image_id=image_id,
                image_source={key: source},
                infrastructure_arn=infrastructure,
                ami_id=ami_id,
                created=now,
                duration=self.timings.draw_custom_import(),
                fault=fault,
                instance_id=f"i-{mock_random.get_random_hex(17)}",
            )
            self.custom_imports[image_id] = record
            self.images[image_id] = ImportedImage(
                image_id=image_id,
                name=name,
                description=params["ImageDescription"],
                ami_id=ami_id,
                ingestion_process=process,
                applications=[],
                tags=[dict(t) for t in params.get("Tags") or []],
                owner=self.account_id,
                created=now,
                visible_at=now + timedelta(seconds=self.timings.image_visibility_lag_seconds),
                ready_at=record.ends_at,
                # DescribeWorkspaceImages says ERROR; the details are the import's (unconfirmed)
                fault=ImportFault(amis.CHECKER_ERROR_CODE, fault.state_message, ())
                if fault
                else None,
                root_gb=profile.volume_sizes[0],
            )
            self.imports_accepted += 1  # either path: one accepted import, one image
            return {"ImageId": image_id, "State": "PENDING"}

    def describe_custom_import(self, params: dict[str, Any]) -> dict[str, Any]:
        image_id = params.get("ImageId")
        if image_id is None:
            raise validation("ImageId is required.")
        check_image_id(image_id)
        with self.lock:
            self._settle()
            record = self.custom_imports.get(image_id)
            image = self.images.get(image_id)
            now = self.clock.now()
            # as DescribeWorkspaceImages, blind to it for the visibility lag (unconfirmed)
            if record is None or image is None or now < image.visible_at:
                raise not_found(f"No image import {image_id} was found.")
            return record.to_dict(now)
