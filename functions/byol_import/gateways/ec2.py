"""EC2: the AMI and its tags, and the account's VPC CIDR blocks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from botocore.exceptions import ClientError

from byol_import.gateways.aws_call import aws_call, error_code


class Ec2Gateway:
    def __init__(self, client: Any) -> None:
        self._client = client

    def describe_image(self, image_id: str) -> dict[str, Any] | None:
        # One call, no paginator: EC2 refuses MaxResults together with ImageIds, so a request
        # by id is answered in one page.
        with aws_call("ec2:DescribeImages", image_id):
            try:
                images = self._client.describe_images(ImageIds=[image_id]).get("Images", [])
            except ClientError as exc:
                if error_code(exc).startswith("InvalidAMIID"):
                    return None
                raise
        return dict(images[0]) if images else None

    def image_tags(self, image_ids: Sequence[str]) -> dict[str, list[dict[str, str]] | None]:
        """Current tags of each AMI; None for an AMI that does not exist (any more)."""
        found: dict[str, list[dict[str, str]] | None] = {i: None for i in image_ids}
        for image_id in image_ids:
            image = self.describe_image(image_id)
            if image is not None:
                found[image_id] = list(image.get("Tags", []))
        return found

    def vpc_cidrs(self) -> list[str]:
        cidrs: list[str] = []
        paginator = self._client.get_paginator("describe_vpcs")
        with aws_call("ec2:DescribeVpcs"):
            for page in paginator.paginate(PaginationConfig={"PageSize": 1000}):
                for vpc in page.get("Vpcs", []):
                    cidrs.extend(
                        a["CidrBlock"]
                        for a in vpc.get("CidrBlockAssociationSet", [])
                        if a.get("CidrBlockState", {}).get("State", "associated")
                        in ("associated", "associating")
                    )
                    if vpc.get("CidrBlock"):
                        cidrs.append(vpc["CidrBlock"])
        return sorted(set(cidrs))

    def tag_image(self, image_id: str, tags: Mapping[str, str]) -> None:
        with aws_call("ec2:CreateTags", image_id):
            self._client.create_tags(
                Resources=[image_id], Tags=[{"Key": k, "Value": v} for k, v in tags.items()]
            )
