"""WorkSpaces: the account's BYOL state and modifications, management CIDRs, image import."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from botocore.exceptions import ClientError

from byol_import.gateways.aws_call import aws_call, error_code


class WorkSpacesGateway:
    def __init__(self, client: Any) -> None:
        self._client = client

    def describe_account(self) -> dict[str, Any]:
        with aws_call("workspaces:DescribeAccount"):
            return dict(self._client.describe_account())

    def account_modifications(self) -> list[dict[str, Any]]:
        paginator = self._client.get_paginator("describe_account_modifications")
        with aws_call("workspaces:DescribeAccountModifications"):
            return [
                dict(mod)
                for page in paginator.paginate()
                for mod in page.get("AccountModifications", [])
            ]

    def available_cidrs(self, constraint: str, page_size: int = 5) -> Iterator[str]:
        """Page lazily so we stop reading at the first usable range."""
        pages = iter(
            self._client.get_paginator("list_available_management_cidr_ranges").paginate(
                ManagementCidrRangeConstraint=constraint, PaginationConfig={"PageSize": page_size}
            )
        )
        while True:
            # Only the page request is an AWS call: the consumer's own errors pass through.
            with aws_call("workspaces:ListAvailableManagementCidrRanges", constraint):
                page = next(pages, None)
            if page is None:
                return
            yield from page.get("ManagementCidrRanges", [])

    def modify_account(self, cidr: str) -> bool:
        """Start enabling BYOL; False when BYOL is already set or a modification is running
        (InvalidResourceStateException): the caller adopts that one."""
        with aws_call("workspaces:ModifyAccount", cidr):
            try:
                self._client.modify_account(
                    DedicatedTenancySupport="ENABLED",
                    DedicatedTenancyManagementCidrRange=cidr,
                )
                return True
            except ClientError as exc:
                if error_code(exc) == "InvalidResourceStateException":
                    return False
                raise

    def import_image(
        self,
        *,
        ami_id: str,
        ingestion_process: str,
        name: str,
        description: str,
        tags: Sequence[Mapping[str, str]],
        applications: Sequence[str],
    ) -> str:
        kwargs: dict[str, Any] = {
            "Ec2ImageId": ami_id,
            "IngestionProcess": ingestion_process,
            "ImageName": name,
            "ImageDescription": description,
            "Tags": list(tags),
        }
        if applications:
            kwargs["Applications"] = list(applications)
        with aws_call("workspaces:ImportWorkspaceImage", f"{ami_id} as {name}"):
            return str(self._client.import_workspace_image(**kwargs)["ImageId"])

    def import_custom_image(
        self,
        *,
        source: Mapping[str, str],
        infrastructure_arn: str,
        name: str,
        description: str,
        compute_type: str,
        protocol: str,
        os_version: str,
        tags: Sequence[Mapping[str, str]],
        validation_mode: str | None = None,
    ) -> str:
        """ImportCustomWorkspaceImage (AWS runs the import on EC2 Image Builder)."""
        kwargs: dict[str, Any] = {
            "ImageName": name,
            "ImageDescription": description,
            "ComputeType": compute_type,
            "Protocol": protocol,
            "ImageSource": dict(source),
            "InfrastructureConfigurationArn": infrastructure_arn,
            "Platform": "WINDOWS",
            "OsVersion": os_version,
            "Tags": list(tags),
        }
        if validation_mode:
            kwargs["ImageValidationMode"] = validation_mode
        about = f"{next(iter(source.values()), '')} as {name}"
        with aws_call("workspaces:ImportCustomWorkspaceImage", about):
            return str(self._client.import_custom_workspace_image(**kwargs)["ImageId"])

    def describe_custom_import(self, image_id: str) -> dict[str, Any] | None:
        """The import's State, ProgressPercentage, ErrorDetails...; None while not listed."""
        with aws_call("workspaces:DescribeCustomWorkspaceImageImport", image_id):
            try:
                return dict(self._client.describe_custom_workspace_image_import(ImageId=image_id))
            except ClientError as exc:
                if error_code(exc) == "ResourceNotFoundException":
                    return None
                raise

    def describe_image(self, image_id: str) -> dict[str, Any] | None:
        with aws_call("workspaces:DescribeWorkspaceImages", image_id):
            images = self._client.describe_workspace_images(ImageIds=[image_id]).get("Images", [])
        return dict(images[0]) if images else None

    def find_owned_image(self, name: str) -> dict[str, Any] | None:
        """DescribeWorkspaceImages has no name filter: page through OWNED images, stopping at
        the first of that name."""
        paginator = self._client.get_paginator("describe_workspace_images")
        with aws_call("workspaces:DescribeWorkspaceImages"):
            for page in paginator.paginate(ImageType="OWNED", PaginationConfig={"PageSize": 25}):
                for image in page.get("Images", []):
                    if image.get("Name") == name:
                        return dict(image)
        return None

    def image_tags(self, image_id: str) -> list[dict[str, str]] | None:
        """The image's tags; None when the image does not exist (any more)."""
        with aws_call("workspaces:DescribeTags", image_id):
            try:
                return list(self._client.describe_tags(ResourceId=image_id).get("TagList", []))
            except ClientError as exc:
                if error_code(exc) == "ResourceNotFoundException":
                    return None
                raise

    def delete_image(self, image_id: str) -> None:
        with aws_call("workspaces:DeleteWorkspaceImage", image_id):
            self._client.delete_workspace_image(ImageId=image_id)
