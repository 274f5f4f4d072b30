"""WorkSpaces calls that deliver an image: bundles, copies (asked in the target Region) and
shares. Calls in another Region go through that Region's client (`regional`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from botocore.exceptions import ClientError

from byol_import.gateways.aws_call import aws_call, error_code


class DeliveryGateway:
    def __init__(self, client: Any, regional: Callable[[str], Any]) -> None:
        self._client = client  # the home Region's
        self._regional = regional

    def byol_enabled(self, region: str) -> bool:
        """DescribeAccount in `region`: is BYOL (dedicated tenancy) ENABLED there?"""
        with aws_call("workspaces:DescribeAccount", region):
            account = self._regional(region).describe_account()
        return account.get("DedicatedTenancySupport") == "ENABLED"

    def bundle(self, bundle_id: str) -> dict[str, Any] | None:
        with aws_call("workspaces:DescribeWorkspaceBundles", bundle_id):
            found = self._client.describe_workspace_bundles(BundleIds=[bundle_id])
        bundles = found.get("Bundles", [])
        return dict(bundles[0]) if bundles else None

    def bundle_named(self, name: str) -> dict[str, Any] | None:
        """The account's own bundles have no name filter: page through them."""
        paginator = self._client.get_paginator("describe_workspace_bundles")
        with aws_call("workspaces:DescribeWorkspaceBundles", name):
            for page in paginator.paginate():
                for bundle in page.get("Bundles", []):
                    if bundle.get("Name") == name:
                        return dict(bundle)
        return None

    def create_bundle(
        self,
        *,
        name: str,
        description: str,
        image_id: str,
        compute_type: str,
        root_gib: int,
        user_gib: int,
        tags: Sequence[Mapping[str, str]],
    ) -> str | None:
        """The new bundle's id; None when the name is taken (the caller looks at that one)."""
        with aws_call("workspaces:CreateWorkspaceBundle", name):
            try:
                created = self._client.create_workspace_bundle(
                    BundleName=name,
                    BundleDescription=description,
                    ImageId=image_id,
                    ComputeType={"Name": compute_type},
                    RootStorage={"Capacity": str(root_gib)},
                    UserStorage={"Capacity": str(user_gib)},
                    Tags=list(tags),
                )
            except ClientError as exc:
                if error_code(exc) == "ResourceAlreadyExistsException":
                    return None
                raise
        return str(created["WorkspaceBundle"]["BundleId"])

    def update_bundle(self, bundle_id: str, image_id: str) -> None:
        with aws_call("workspaces:UpdateWorkspaceBundle", f"{bundle_id} to {image_id}"):
            self._client.update_workspace_bundle(BundleId=bundle_id, ImageId=image_id)

    def tags(self, resource_id: str, region: str | None = None) -> dict[str, str] | None:
        """A bundle's or image's tags; None when it does not exist (any more)."""
        client = self._regional(region) if region else self._client
        with aws_call("workspaces:DescribeTags", resource_id):
            try:
                found = client.describe_tags(ResourceId=resource_id).get("TagList", [])
            except ClientError as exc:
                if error_code(exc) == "ResourceNotFoundException":
                    return None
                raise
        return {t["Key"]: t.get("Value", "") for t in found}

    def tag(self, resource_id: str, tags: Mapping[str, str]) -> None:
        with aws_call("workspaces:CreateTags", resource_id):
            self._client.create_tags(
                ResourceId=resource_id, Tags=[{"Key": k, "Value": v} for k, v in tags.items()]
            )

    def copy_image(
        self,
        region: str,
        *,
        name: str,
        description: str,
        source_image_id: str,
        source_region: str,
        tags: Sequence[Mapping[str, str]],
    ) -> str | None:
        """CopyWorkspaceImage asked in `region`; None when the name is taken there (a retried
        copy: the caller finds it by name)."""
        with aws_call("workspaces:CopyWorkspaceImage", f"{source_image_id} to {region}"):
            try:
                copied = self._regional(region).copy_workspace_image(
                    Name=name,
                    Description=description,
                    SourceImageId=source_image_id,
                    SourceRegion=source_region,
                    Tags=list(tags),
                )
            except ClientError as exc:
                if error_code(exc) == "ResourceAlreadyExistsException":
                    return None
                raise
        return str(copied["ImageId"])

    def image_named(self, region: str, name: str) -> dict[str, Any] | None:
        paginator = self._regional(region).get_paginator("describe_workspace_images")
        with aws_call("workspaces:DescribeWorkspaceImages", f"{name} in {region}"):
            for page in paginator.paginate(ImageType="OWNED", PaginationConfig={"PageSize": 25}):
                for image in page.get("Images", []):
                    if image.get("Name") == name:
                        return dict(image)
        return None

    def image(self, region: str, image_id: str) -> dict[str, Any] | None:
        with aws_call("workspaces:DescribeWorkspaceImages", f"{image_id} in {region}"):
            found = self._regional(region).describe_workspace_images(ImageIds=[image_id])
        images = found.get("Images", [])
        return dict(images[0]) if images else None

    def share(self, image_id: str, account_id: str) -> None:
        with aws_call("workspaces:UpdateWorkspaceImagePermission", f"{image_id} with {account_id}"):
            self._client.update_workspace_image_permission(
                ImageId=image_id, AllowCopyImage=True, SharedAccountId=account_id
            )
