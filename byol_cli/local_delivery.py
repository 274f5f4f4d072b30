"""`--local` rollback-bundle and retire: a fresh local account holding what they undo.

Like `--local start`, each command builds its own account (nothing persists between commands),
so it first makes what a delivery leaves there, by running the workflow itself with a
`Delivery` in its input: the AMI imported, then our bundle, a share with a member account of the
organization and, for --with-copies, a copy in another Region, each recorded by the Deliver step
(bundle and AMI tags). For rollback-bundle, a person's bundle that such a delivery updated. The
command then runs as it does against AWS, with the operator's (unrestricted) IAM.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import boto3

from byol_cli import contract as c
from byol_cli import requests
from byol_cli.gateway import CliError
from byol_cli.images_gateway import RETRIES, ImagesGateway
from byol_cli.local import LocalSession
from local_aws.harness import LocalAws
from local_aws.place import ACCOUNT_ID, REGION

COPY_REGION = "eu-central-1"  # where a --local copy goes (and the demo's `deliver`)


def images_gateway(aws: LocalAws) -> ImagesGateway:
    """The operator's clients on the local AWS, in any Region."""
    cache: dict[tuple[str, str], Any] = {}

    def client(service: str, region: str) -> Any:
        if region == REGION:
            return aws.client(service)
        if (service, region) not in cache:
            cache[service, region] = boto3.client(service, region_name=region, config=RETRIES)
        return cache[service, region]

    return ImagesGateway(client, REGION)


def imported(
    s: LocalSession, ami: str, delivery: Mapping[str, Any] | None = None
) -> dict[str, str]:
    """A real run of the workflow on the AMI (BYOL already enabled), delivering `delivery`:
    the AMI's tags once it ended AVAILABLE."""
    s.ensure_ami(ami)
    raw: dict[str, Any] = {"ImageId": ami}
    if delivery:
        raw["Delivery"] = dict(delivery)
    s.gateway.start_execution(requests.execution_name(raw), raw)
    s.run(lambda _waiting: True)
    tags = s.gateway.ami_tags([ami]).get(ami) or {}
    if tags.get(c.STATUS_TAG_KEY) != c.AVAILABLE or not tags.get(c.IMAGE_ID_TAG_KEY):
        raise CliError(
            f"the local import of {ami} did not end AVAILABLE "
            f"({tags.get(c.ERROR_TAG_KEY) or tags.get(c.STATUS_TAG_KEY)}): nothing to work on"
        )
    return tags


def create_bundle(
    workspaces: Any, name: str, image: str, tags: Mapping[str, str], description: str = ""
) -> str:
    """CreateWorkspaceBundle as a person makes one: STANDARD, root 80 GB, user 50 GB."""
    return str(
        workspaces.create_workspace_bundle(
            BundleName=name,
            BundleDescription=description or f"bundle {name}",
            ImageId=image,
            ComputeType={"Name": "STANDARD"},
            UserStorage={"Capacity": "50"},
            RootStorage={"Capacity": "80"},
            **({"Tags": tag_list(tags)} if tags else {}),
        )["WorkspaceBundle"]["BundleId"]
    )


def tag_list(tags: Mapping[str, str]) -> Sequence[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in tags.items()]


def person_image(aws: LocalAws, name: str) -> str:
    """An image a person imported by hand before byol-import (none of our tags), AVAILABLE."""
    ami = aws.create_windows_ami(name=f"{name}-ami")
    image = str(
        aws.client("workspaces").import_workspace_image(
            Ec2ImageId=ami,
            IngestionProcess="BYOL_REGULAR_WSP",
            ImageName=name,
            ImageDescription="imported by hand",
        )["ImageId"]
    )
    aws.clock.advance(aws.timings.longest_import() + aws.timings.image_visibility_lag_seconds)
    return image


def delivered(s: LocalSession, ami: str, with_copy: bool) -> list[str]:
    """The AMI imported and delivered by the workflow: our bundle, a share, and a copy."""
    member = s.aws.organization_member()
    delivery: dict[str, Any] = {
        "Bundle": {"Create": {"Name": f"byol-{ami}"}},
        "ShareWithAccounts": [member],
    }
    if with_copy:
        s.aws.enable_byol_in(COPY_REGION, cidr="10.200.0.0/16")
        delivery["CopyToRegions"] = [COPY_REGION]
    tags = imported(s, ami, delivery)
    made = [
        f"imported {ami} as {tags[c.IMAGE_ID_TAG_KEY]} and delivered by the workflow:",
        f"bundle {tags[c.BUNDLE_ID_TAG_KEY]} on it",
        f"shared with {member}",
    ]
    if with_copy:
        made.append(f"copied: {tags[c.COPIES_TAG_KEY]}")
    return made


def updated_bundle(s: LocalSession, bundle_id: str) -> list[str]:
    """A person's bundle (given the id asked about) that the workflow's delivery moved to a new
    import (Delivery Bundle Update)."""
    aws = s.aws
    old = person_image(aws, "win11-before-byol-import")
    made = create_bundle(aws.client("workspaces"), "win11-team", old, {})
    account = aws.world.account(ACCOUNT_ID, REGION)
    with account.lock:  # the id the operator asked about
        bundle = account.bundles.pop(made)
        bundle.bundle_id = bundle_id
        account.bundles[bundle_id] = bundle
    ami = aws.create_windows_ami()
    tags = imported(s, ami, {"Bundle": {"Update": bundle_id}})
    return [
        f"bundle {bundle_id} on {old} (a person's image)",
        f"updated to {tags[c.IMAGE_ID_TAG_KEY]} ({ami}) by the workflow's delivery",
    ]
