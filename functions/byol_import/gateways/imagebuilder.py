"""EC2 Image Builder: an image build version (its status, pipeline, tags and output AMIs)."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from byol_import.gateways.aws_call import aws_call, error_code


class ImageBuilderGateway:
    def __init__(self, client: Any) -> None:
        self._client = client

    def get_image(self, build_version_arn: str) -> dict[str, Any] | None:
        """The image (GetImage's `image`); None when it does not exist (any more)."""
        with aws_call("imagebuilder:GetImage", build_version_arn):
            try:
                image = self._client.get_image(imageBuildVersionArn=build_version_arn)
            except ClientError as exc:
                # Not in GetImage's model, but what Image Builder answers for an unknown ARN
                # (docs/byol-api-facts.md, "GetImage").
                if error_code(exc) == "ResourceNotFoundException":
                    return None
                raise
        return dict(image.get("image") or {}) or None
