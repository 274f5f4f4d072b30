"""`--local` rollback-bundle and retire: a fresh local account holding what they undo.

Like `--local start`, each command builds its own account (nothing persists between commands),
so it first makes what a delivery leaves there: the AMI imported by a real run of the workflow,
then, as the delivery records it (the bundle and AMI tags of the contract), a bundle, a share
with a member account of the organization and, for --with-copies, a copy in another Region. The
command then runs as it does against AWS, with the operator's (unrestricted) IAM.
"""

from __future__ import annotations

from typing import Any

import boto3

from byol_cli import contract as c
from byol_cli import requests
from byol_cli.gateway import CliError
from byol_cli.images_gateway import RETRIES, ImagesGateway
from byol_cli.local import LocalSession
from local_aws.harness import LocalAws
from local_aws.place import ACCOUNT_ID, REGION

COPY_REGION = "eu-central-1"  # where a --local copy goes


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


def _enable(aws: LocalAws, account_id: str, region: str, cidr: str) -> None:
    account = aws.world.account(account_id, region)
    account.support, account.cidr = "ENABLED", cidr


def imported(s: LocalSession, ami: str) -> str:
    """The AMI imported by a real run of the workflow (BYOL already enabled): its image."""
    s.ensure_ami(ami)
    raw = {"ImageId": ami}
    s.gateway.start_execution(requests.execution_name(raw), raw)
    s.run(lambda _waiting: True)
    image = s.gateway.ami_tags([ami]).get(ami, {}).get(c.IMAGE_ID_TAG_KEY)
    if not image:
        raise CliError(f"the local import of {ami} did not end AVAILABLE: nothing to work on")
    return image


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


def _bundle(aws: LocalAws, name: str, image: str, tags: dict[str, str]) -> str:
    return str(
        aws.client("workspaces").create_workspace_bundle(
            BundleName=name,
            BundleDescription=f"bundle {name}",
            ImageId=image,
            ComputeType={"Name": "STANDARD"},
            UserStorage={"Capacity": "50"},
            RootStorage={"Capacity": "80"},
            Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
        )["WorkspaceBundle"]["BundleId"]
    )


def _member(aws: LocalAws) -> str:
    """A member account of the organization, BYOL enabled (BYOL images are shared only so)."""
    org = boto3.client("organizations", region_name="us-east-1")
    org.create_organization(FeatureSet="ALL")
    status = org.create_account(AccountName="member", Email="member@example.com")
    member = str(status["CreateAccountStatus"]["AccountId"])
    _enable(aws, member, REGION, "10.9.0.0/16")
    return member


def delivered(s: LocalSession, ami: str, with_copy: bool) -> list[str]:
    """The AMI imported and delivered: our bundle, a share, and a copy; what was made."""
    aws = s.aws
    image = imported(s, ami)
    ours = {c.MANAGED_BY_TAG_KEY: c.MANAGED_BY_TAG_VALUE, c.SOURCE_AMI_TAG_KEY: ami}
    bundle = _bundle(aws, f"byol-{ami}", image, {**ours, c.IMAGE_ID_TAG_KEY: image})
    member = _member(aws)
    aws.client("workspaces").update_workspace_image_permission(
        ImageId=image, AllowCopyImage=True, SharedAccountId=member
    )
    ami_tags = {c.BUNDLE_ID_TAG_KEY: bundle}
    made = [f"imported {ami} as {image}", f"bundle {bundle} on it", f"shared with {member}"]
    if with_copy:
        _enable(aws, ACCOUNT_ID, COPY_REGION, "10.200.0.0/16")
        target = images_gateway(aws)._client("workspaces", COPY_REGION)
        copy = str(
            target.copy_workspace_image(
                Name=f"{ami}-copy",
                SourceImageId=image,
                SourceRegion=REGION,
                Tags=[{"Key": k, "Value": v} for k, v in ours.items()],
            )["ImageId"]
        )
        timings = aws.timings
        longest = timings.copy_range[1] if timings.copy_range else timings.copy_seconds
        aws.clock.advance(longest + timings.image_visibility_lag_seconds)
        ami_tags[c.COPIES_TAG_KEY] = f"{COPY_REGION}={copy}"
        made.append(f"copied to {COPY_REGION} as {copy}")
    aws.client("ec2").create_tags(
        Resources=[ami], Tags=[{"Key": k, "Value": v} for k, v in ami_tags.items()]
    )
    return made


def updated_bundle(s: LocalSession, bundle_id: str) -> list[str]:
    """A person's bundle (given the id asked about) that a delivery moved to a new import."""
    aws = s.aws
    old = person_image(aws, "win11-before-byol-import")
    made = _bundle(aws, "win11-team", old, {})
    account = aws.world.account(ACCOUNT_ID, REGION)
    bundle = account.bundles.pop(made)
    bundle.bundle_id = bundle_id
    account.bundles[bundle_id] = bundle
    ami = aws.create_windows_ami()
    new = imported(s, ami)
    ws = aws.client("workspaces")
    ws.update_workspace_bundle(BundleId=bundle_id, ImageId=new)
    ws.create_tags(
        ResourceId=bundle_id,
        Tags=[
            {"Key": c.PREVIOUS_IMAGE_TAG_KEY, "Value": old},
            {"Key": c.IMAGE_ID_TAG_KEY, "Value": new},
        ],
    )
    aws.client("ec2").create_tags(
        Resources=[ami], Tags=[{"Key": c.BUNDLE_ID_TAG_KEY, "Value": bundle_id}]
    )
    return [f"bundle {bundle_id} on {old} (a person's image)", f"updated to {new} ({ami})"]
