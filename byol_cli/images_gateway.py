"""The WorkSpaces and EC2 calls of `rollback-bundle` and `retire`, over boto3 with the operator's
own credentials. They need no stack (an image and its bundles outlive a deleted stack), and they
reach other Regions (an image's copies): every call names its Region, the home one by default.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from byol_cli.gateway import CliError

# WorkSpaces allows an account about 2 calls a second: a retire that reads every bundle's tags
# meets throttling, which the SDK's standard retries (backoff with jitter) carry through.
RETRIES = Config(retries={"mode": "standard", "total_max_attempts": 10})


class AwsRefused(CliError):
    """AWS refused a call: its code and message, and what the CLI was doing."""

    def __init__(self, doing: str, code: str, message: str) -> None:
        super().__init__(f"{doing}: {code}: {message}")
        self.code = code


def _not_found(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") == "ResourceNotFoundException"


class ImagesGateway:
    def __init__(self, client: Callable[[str, str], Any], region: str) -> None:
        self._client = client
        self.region = region

    @classmethod
    def deployed(cls, region: str | None, profile: str | None) -> ImagesGateway:
        """Clients of the operator's session (the AWS CLI's credentials and Region)."""
        try:
            session = boto3.Session(region_name=region, profile_name=profile)
        except BotoCoreError as error:
            raise CliError(f"AWS session: {error}") from error
        if not session.region_name:
            raise CliError("no AWS Region: give --region (or set one in the AWS CLI's config)")
        cache: dict[tuple[str, str], Any] = {}

        def client(service: str, where: str) -> Any:
            if (service, where) not in cache:
                cache[service, where] = session.client(service, region_name=where, config=RETRIES)
            return cache[service, where]

        return cls(client, session.region_name)

    def _call(self, service: str, operation: str, doing: str, region: str | None, **kw: Any) -> Any:
        try:
            return getattr(self._client(service, region or self.region), operation)(**kw)
        except ClientError as error:
            err = error.response.get("Error", {})
            raise AwsRefused(doing, str(err.get("Code")), str(err.get("Message"))) from error
        except BotoCoreError as error:
            raise CliError(f"{doing}: {error}") from error

    def _pages(
        self, operation: str, key: str, doing: str, region: str | None, **kw: Any
    ) -> list[Any]:
        paginator = self._client("workspaces", region or self.region).get_paginator(operation)
        try:
            return [item for page in paginator.paginate(**kw) for item in page[key]]
        except ClientError as error:
            err = error.response.get("Error", {})
            raise AwsRefused(doing, str(err.get("Code")), str(err.get("Message"))) from error
        except BotoCoreError as error:
            raise CliError(f"{doing}: {error}") from error

    # -- bundles -----------------------------------------------------------------------------
    def bundle(self, bundle_id: str, region: str | None = None) -> dict[str, Any] | None:
        found = self._call(
            "workspaces",
            "describe_workspace_bundles",
            f"reading bundle {bundle_id}",
            region,
            BundleIds=[bundle_id],
        )["Bundles"]
        return dict(found[0]) if found else None

    def bundles(self, region: str | None = None) -> list[dict[str, Any]]:
        """The account's own bundles in the Region (no Owner: not AWS's public ones)."""
        where = region or self.region
        return self._pages(
            "describe_workspace_bundles", "Bundles", f"listing the bundles in {where}", where
        )

    def workspaces_of(self, bundle_id: str, region: str | None = None) -> list[str]:
        found = self._pages(
            "describe_workspaces",
            "Workspaces",
            f"listing the WorkSpaces of {bundle_id}",
            region,
            BundleId=bundle_id,
        )
        return [str(w["WorkspaceId"]) for w in found]

    def update_bundle(self, bundle_id: str, image_id: str) -> None:
        self._call(
            "workspaces",
            "update_workspace_bundle",
            f"updating bundle {bundle_id} to {image_id}",
            None,
            BundleId=bundle_id,
            ImageId=image_id,
        )

    def delete_bundle(self, bundle_id: str, region: str | None = None) -> None:
        self._call(
            "workspaces",
            "delete_workspace_bundle",
            f"deleting bundle {bundle_id}",
            region,
            BundleId=bundle_id,
        )

    # -- tags of images and bundles ----------------------------------------------------------
    def tags(self, resource_id: str, region: str | None = None) -> dict[str, str] | None:
        """A WorkSpaces image's or bundle's tags; None when it does not exist."""
        try:
            found = self._client("workspaces", region or self.region).describe_tags(
                ResourceId=resource_id
            )
        except ClientError as error:
            if _not_found(error):
                return None
            err = error.response.get("Error", {})
            raise AwsRefused(
                f"reading the tags of {resource_id}", str(err.get("Code")), str(err.get("Message"))
            ) from error
        except BotoCoreError as error:
            raise CliError(f"reading the tags of {resource_id}: {error}") from error
        return {t["Key"]: t["Value"] for t in found.get("TagList", [])}

    def set_tags(self, resource_id: str, tags: dict[str, str], region: str | None = None) -> None:
        self._call(
            "workspaces",
            "create_tags",
            f"tagging {resource_id}",
            region,
            ResourceId=resource_id,
            Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
        )

    # -- images ------------------------------------------------------------------------------
    def image(self, image_id: str, region: str | None = None) -> dict[str, Any] | None:
        found = self._call(
            "workspaces",
            "describe_workspace_images",
            f"reading image {image_id}",
            region,
            ImageIds=[image_id],
        )["Images"]
        return dict(found[0]) if found else None

    def shared_with(self, image_id: str, region: str | None = None) -> list[str]:
        """Every account the image is shared with (no paginator in botocore: paged here)."""
        accounts: list[str] = []
        kwargs: dict[str, Any] = {"ImageId": image_id}
        while True:
            page = self._call(
                "workspaces",
                "describe_workspace_image_permissions",
                f"reading who {image_id} is shared with",
                region,
                **kwargs,
            )
            accounts += [str(p["SharedAccountId"]) for p in page.get("ImagePermissions", [])]
            if not page.get("NextToken"):
                return accounts
            kwargs["NextToken"] = page["NextToken"]

    def unshare(self, image_id: str, account: str, region: str | None = None) -> None:
        self._call(
            "workspaces",
            "update_workspace_image_permission",
            f"unsharing {image_id} with {account}",
            region,
            ImageId=image_id,
            AllowCopyImage=False,
            SharedAccountId=account,
        )

    def delete_image(self, image_id: str, region: str | None = None) -> None:
        self._call(
            "workspaces",
            "delete_workspace_image",
            f"deleting image {image_id}",
            region,
            ImageId=image_id,
        )

    # -- the AMI -----------------------------------------------------------------------------
    def ami_tags(self, ami: str) -> dict[str, str] | None:
        """The AMI's tags; None when the account has no such AMI."""
        found = self._call(
            "ec2",
            "describe_images",
            f"reading AMI {ami}",
            None,
            Filters=[{"Name": "image-id", "Values": [ami]}],
        )["Images"]
        if not found:
            return None
        return {t["Key"]: t["Value"] for t in found[0].get("Tags", [])}

    def tag_ami(self, ami: str, tags: dict[str, str]) -> None:
        self._call(
            "ec2",
            "create_tags",
            f"tagging {ami}",
            None,
            Resources=[ami],
            Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
        )
