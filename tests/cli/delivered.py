"""The world rollback-bundle and retire work on, made directly on the local AWS as a delivery
leaves it (images through the emulator's API, bundles and tags with boto3 as a person or the
`--local` world makes them, the contract's tag names), and the CLI run against it as against
AWS (boto3 with the operator's session)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
from botocore.config import Config
from click.testing import CliRunner, Result

from byol_cli import contract as c
from byol_cli.local_delivery import COPY_REGION as COPY_REGION
from byol_cli.local_delivery import create_bundle, tag_list
from byol_cli.main import cli
from local_aws.harness import LocalAws
from local_aws.place import ACCOUNT_ID, REGION
from local_aws.workspaces_byol import Faults, Timings

OURS = {c.MANAGED_BY_TAG_KEY: c.MANAGED_BY_TAG_VALUE}
CHANGES = (
    "UpdateWorkspaceBundle",
    "DeleteWorkspaceBundle",
    "UpdateWorkspaceImagePermission",
    "DeleteWorkspaceImage",
    "CreateTags",
)


@contextmanager
def local_aws(faults: Faults) -> Iterator[LocalAws]:
    """An account with BYOL enabled, fixed timings (tests/cli/conftest.py: the `local` fixture)."""
    with LocalAws(timings=Timings(), faults=faults) as env:
        env.enable_byol_directly()
        yield env


def workspaces(aws: LocalAws, region: str = REGION) -> Any:
    if region == REGION:
        return aws.client("workspaces")
    retrying = Config(retries={"mode": "standard", "total_max_attempts": 10})
    return boto3.client("workspaces", region_name=region, config=retrying)


def imported(aws: LocalAws, name: str, tags: dict[str, str] | None = None) -> tuple[str, str]:
    """(AMI, image): an AVAILABLE image of a new AMI, tagged `tags` (ours: managed-by and
    source-ami), and the AMI tagged with it as the Report step does."""
    ami = aws.create_windows_ami(name=f"{name}-ami")
    image_tags = {**OURS, c.SOURCE_AMI_TAG_KEY: ami} if tags is None else tags
    image = str(
        workspaces(aws).import_workspace_image(
            Ec2ImageId=ami,
            IngestionProcess="BYOL_REGULAR_WSP",
            ImageName=name,
            ImageDescription="Windows 11",
            **({"Tags": tag_list(image_tags)} if image_tags else {}),
        )["ImageId"]
    )
    aws.clock.advance(aws.timings.import_seconds)
    tag_ami(aws, ami, {c.STATUS_TAG_KEY: c.AVAILABLE, c.IMAGE_ID_TAG_KEY: image})
    return ami, image


def tag_ami(aws: LocalAws, ami: str, tags: dict[str, str]) -> None:
    aws.client("ec2").create_tags(Resources=[ami], Tags=tag_list(tags))


def ami_tags(aws: LocalAws, ami: str) -> dict[str, str]:
    [image] = aws.client("ec2").describe_images(ImageIds=[ami])["Images"]
    return {t["Key"]: t["Value"] for t in image.get("Tags", [])}


def bundle(aws: LocalAws, name: str, image: str, tags: dict[str, str], region: str = REGION) -> str:
    return create_bundle(workspaces(aws, region), name, image, tags)


def bundle_image(aws: LocalAws, bundle_id: str) -> str:
    [found] = workspaces(aws).describe_workspace_bundles(BundleIds=[bundle_id])["Bundles"]
    return str(found["ImageId"])


def tags_of(aws: LocalAws, resource: str, region: str = REGION) -> dict[str, str]:
    found = workspaces(aws, region).describe_tags(ResourceId=resource)["TagList"]
    return {t["Key"]: t["Value"] for t in found}


def image_ids(aws: LocalAws, region: str = REGION) -> set[str]:
    return set(aws.world.account(ACCOUNT_ID, region).images)


def changes(aws: LocalAws) -> list[str]:
    """The WorkSpaces calls that change something, in the order AWS served them (a throttled
    request, which the SDK sends again, did nothing)."""
    with aws.calls.lock:
        served = [call for call in aws.calls.calls if not call.throttled]
    return [
        call.operation
        for call in served
        if call.service == "workspaces" and call.operation in CHANGES
    ]


def run(*args: str, answer: str | None = None) -> Result:
    """The CLI as an operator runs it against AWS: the deployed path, whose boto3 session the
    embedded AWS serves."""
    return CliRunner().invoke(cli, ["--region", REGION, *args], input=answer)
