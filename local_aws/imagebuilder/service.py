"""GetImage and GetInfrastructureConfiguration as Image Builder answers them, on the shared world.

Each rule and its source: docs/byol-api-facts.md, "EC2 Image Builder (GetImage,
GetInfrastructureConfiguration)". The request members are the botocore model's; a value that
breaks the model's pattern is refused with InvalidRequestException ("The request is malformed or
otherwise invalid", the model's only validation error). An ARN that names nothing is answered
ResourceNotFoundException (HTTP 404): not in either operation's error list in the model, but
what Image Builder answers (facts doc).
"""

from __future__ import annotations

import uuid
from typing import Any

from moto.core.exceptions import ServiceException

from local_aws.imagebuilder.images import (
    IMAGE_ARN_PATTERN,
    INFRASTRUCTURE_ARN_PATTERN,
    ImageBuilderWorld,
)


class ImageBuilderError(ServiceException):
    """Serialized by moto from the imagebuilder model (status from the error shape)."""


def invalid_request(message: str) -> ImageBuilderError:
    return ImageBuilderError("InvalidRequestException", message)


def not_found(kind: str, arn: str) -> ImageBuilderError:
    # The message's wording is unconfirmed; the code and status are what callers act on.
    return ImageBuilderError(
        "ResourceNotFoundException", f"The resource '{kind}' cannot be found: '{arn}'."
    )


def _arn_param(params: dict[str, Any], member: str, pattern: Any) -> str:
    value = params.get(member)
    if value is None:
        raise invalid_request(f"{member} is required.")
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise invalid_request(f"Value '{value}' at '{member}' failed to match {pattern.pattern}.")
    return value


def _own(arn: str, account_id: str, region: str) -> bool:
    """Only the caller's account and the Region called hold what the ARN names (sharing
    across accounts is not modelled: another account's image is not found)."""
    return arn.split(":")[3:5] == [region, account_id]


def get_image(
    world: ImageBuilderWorld, account_id: str, region: str, params: dict[str, Any]
) -> dict[str, Any]:
    arn = _arn_param(params, "imageBuildVersionArn", IMAGE_ARN_PATTERN)
    image = world.find(account_id, region, arn) if _own(arn, account_id, region) else None
    if image is None:
        raise not_found("Image", arn)
    return {"requestId": str(uuid.uuid4()), "image": image.to_dict()}


def get_infrastructure_configuration(
    world: ImageBuilderWorld, account_id: str, region: str, params: dict[str, Any]
) -> dict[str, Any]:
    arn = _arn_param(params, "infrastructureConfigurationArn", INFRASTRUCTURE_ARN_PATTERN)
    known = world.byol.account(account_id, region).infrastructure_configurations
    if not _own(arn, account_id, region) or arn not in known:
        raise not_found("InfrastructureConfiguration", arn)
    return {
        "requestId": str(uuid.uuid4()),
        "infrastructureConfiguration": {"arn": arn, "name": arn.rsplit("/", 1)[1], "tags": {}},
    }
