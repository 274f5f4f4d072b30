"""`byol-import retire`: our bundles first, then every share, then the image (the order AWS
requires, read from the embedded AWS's call log), in each Region with --with-copies; what it
must not touch is refused before anything changes."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from click.testing import CliRunner

from byol_cli import contract as c
from byol_cli.images_gateway import ImagesGateway
from byol_cli.main import cli
from byol_cli.status import _ended, next_step
from local_aws.harness import LocalAws
from local_aws.place import ACCOUNT_ID, REGION
from local_aws.workspaces_byol import Faults
from tests.cli.delivered import (
    COPY_REGION,
    OURS,
    ami_tags,
    bundle,
    changes,
    image_ids,
    imported,
    run,
    tag_ami,
    workspaces,
)


def member(aws: LocalAws) -> str:
    """A BYOL-enabled member account of the organization (BYOL images are shared only so)."""
    org = boto3.client("organizations", region_name="us-east-1")
    org.create_organization(FeatureSet="ALL")
    created = org.create_account(AccountName="member", Email="member@example.com")
    account_id = str(created["CreateAccountStatus"]["AccountId"])
    recipient = aws.world.account(account_id, REGION)
    recipient.support, recipient.cidr = "ENABLED", "10.9.0.0/16"
    return account_id


def delivered(aws: LocalAws, shared: bool = True) -> tuple[str, str, str]:
    """(AMI, image, bundle): an import delivered to our bundle and shared with a member."""
    ami, image = imported(aws, "win11-2026")
    bundle_id = bundle(aws, "win11-byol", image, {**OURS, c.IMAGE_ID_TAG_KEY: image})
    tag_ami(aws, ami, {c.BUNDLE_ID_TAG_KEY: bundle_id})
    if shared:
        workspaces(aws).update_workspace_image_permission(
            ImageId=image, AllowCopyImage=True, SharedAccountId=member(aws)
        )
    return ami, image, bundle_id


def copied(aws: LocalAws, ami: str, image: str, ours: bool = True, done: bool = True) -> str:
    """The image copied to COPY_REGION (with our tags), recorded on the AMI."""
    there = aws.world.account(ACCOUNT_ID, COPY_REGION)
    there.support, there.cidr = "ENABLED", "10.200.0.0/16"
    copy = str(
        workspaces(aws, COPY_REGION).copy_workspace_image(
            Name="win11-2026-copy",
            SourceImageId=image,
            SourceRegion=REGION,
            Tags=[
                {"Key": c.MANAGED_BY_TAG_KEY, "Value": c.MANAGED_BY_TAG_VALUE},
                {"Key": c.SOURCE_AMI_TAG_KEY, "Value": ami},
            ]
            if ours
            else [{"Key": "team", "Value": "euc"}],
        )["ImageId"]
    )
    if done:
        aws.clock.advance(aws.timings.copy_seconds)
    tag_ami(aws, ami, {c.COPIES_TAG_KEY: f"{COPY_REGION}={copy}"})
    return copy


def test_retire_deletes_the_bundle_then_unshares_then_deletes_the_image(local: LocalAws) -> None:
    # Given an image delivered to our bundle and shared with a member account
    ami, image, bundle_id = delivered(local)
    before = len(changes(local))
    # When the operator retires the AMI's image
    result = run("retire", ami, "--yes")
    # Then the bundle went first, the share next, the image last, and the AMI says RETIRED
    assert result.exit_code == 0, result.output
    assert changes(local)[before:] == [
        "DeleteWorkspaceBundle",
        "UpdateWorkspaceImagePermission",
        "DeleteWorkspaceImage",
    ]
    assert image not in image_ids(local)
    assert workspaces(local).describe_workspace_bundles()["Bundles"] == []
    assert ami_tags(local, ami)[c.STATUS_TAG_KEY] == c.RETIRED
    assert f"done: delete bundle {bundle_id}" in result.output
    assert result.output.index("1. delete bundle") < result.output.index("3. delete image")


def test_retire_takes_the_image_id_too(local: LocalAws) -> None:
    # Given a delivered image, not shared
    ami, image, _ = delivered(local, shared=False)
    # When it is retired by its wsi- id, then it is gone and its AMI is marked
    assert run("retire", image, "--yes").exit_code == 0
    assert image not in image_ids(local)
    assert ami_tags(local, ami)[c.STATUS_TAG_KEY] == c.RETIRED


def test_retire_refuses_an_image_byol_import_did_not_create(local: LocalAws) -> None:
    # Given an image without our managed-by tag
    _, image = imported(local, "by-hand", tags={"team": "euc"})
    # When the operator retires it, then it is refused and it stays
    result = run("retire", image, "--yes")
    assert result.exit_code == 1
    assert f"has no {c.MANAGED_BY_TAG_KEY}=byol-import tag" in result.output
    assert image in image_ids(local) and changes(local) == []


@pytest.mark.parametrize("updated_by_us", [True, False])
def test_retire_refuses_while_a_bundle_not_ours_uses_the_image(
    local: LocalAws, updated_by_us: bool
) -> None:
    # Given our delivered image, also used by a person's bundle (which we updated, or not)
    ami, image, bundle_id = delivered(local)
    tags = {c.PREVIOUS_IMAGE_TAG_KEY: "wsi-0ld000000"} if updated_by_us else {"team": "euc"}
    theirs = bundle(local, "team-bundle", image, tags)
    before = changes(local)
    # When the operator retires the image
    result = run("retire", ami, "--yes")
    # Then nothing changed, and the message says how to free the image
    assert result.exit_code == 1
    assert f"bundle {theirs} (team-bundle) uses {image} and is not byol-import's" in result.output
    advice = f"byol-import rollback-bundle {theirs}" if updated_by_us else "UpdateWorkspaceBundle"
    assert advice in result.output
    assert changes(local) == before and image in image_ids(local)
    assert workspaces(local).describe_workspace_bundles(BundleIds=[bundle_id])["Bundles"]


def test_retire_refuses_while_our_bundle_has_workspaces(local: LocalAws) -> None:
    # Given our bundle with a WorkSpace launched from it
    ami, _, bundle_id = delivered(local, shared=False)
    workspace = local.launch_workspace(bundle_id)
    before = changes(local)
    # When the operator retires the image, then it is refused before anything changes
    result = run("retire", ami, "--yes")
    assert result.exit_code == 1
    assert f"bundle {bundle_id} (win11-byol) has 1 WorkSpaces ({workspace})" in result.output
    assert changes(local) == before


def test_dry_run_prints_the_plan_and_changes_nothing(local: LocalAws) -> None:
    # Given a delivered, shared image
    ami, image, bundle_id = delivered(local)
    before = changes(local)
    # When the operator asks for a dry run
    result = run("retire", ami, "--dry-run")
    # Then the plan is printed in order and nothing changed
    assert result.exit_code == 0, result.output
    assert f"1. delete bundle {bundle_id}" in result.output
    assert f"2. unshare {image} with account" in result.output
    assert f"3. delete image {image} in {REGION}" in result.output
    assert "Dry run: nothing was changed." in result.output
    assert changes(local) == before and image in image_ids(local)


def test_retire_asks_first_and_a_no_changes_nothing(local: LocalAws) -> None:
    ami, image, _ = delivered(local)
    before = changes(local)
    result = run("retire", ami, answer="n\n")
    assert result.exit_code == 1 and "nothing was changed" in result.output
    assert changes(local) == before and image in image_ids(local)


def test_with_copies_retires_the_copies_in_their_regions(local: LocalAws) -> None:
    # Given a delivered image with a copy in another Region (and our bundle there on it)
    ami, image, _ = delivered(local)
    copy = copied(local, ami, image)
    there = bundle(local, "win11-byol-fra", copy, OURS, region=COPY_REGION)
    # When it is retired without --with-copies, then the copy stays and the plan says so
    kept = run("retire", ami, "--dry-run")
    assert f"copies kept (--with-copies retires them too): {COPY_REGION}={copy}" in kept.output
    # When it is retired with --with-copies
    result = run("retire", ami, "--with-copies", "--yes")
    # Then the copy and its bundle are gone too, in the same order there
    assert result.exit_code == 0, result.output
    assert image not in image_ids(local) and copy not in image_ids(local, COPY_REGION)
    steps = [line for line in result.output.splitlines() if line.startswith("  done: delete")]
    assert steps[-2:] == [
        f"  done: delete bundle {there} (win11-byol-fra) in {COPY_REGION}",
        f"  done: delete image {copy} in {COPY_REGION}",
    ]


def test_a_copy_not_ours_is_refused(local: LocalAws) -> None:
    # Given an AMI whose copies tag names an image without our managed-by tag
    ami, image, _ = delivered(local, shared=False)
    copy = copied(local, ami, image, ours=False)
    before = changes(local)
    # When retired with --with-copies, then nothing changed anywhere
    result = run("retire", ami, "--with-copies", "--yes")
    assert result.exit_code == 1 and f"{copy} in {COPY_REGION} has no" in result.output
    assert changes(local) == before and image in image_ids(local)


def test_a_copy_still_pending_is_refused(local: LocalAws) -> None:
    # Given a copy that is still being made
    ami, image, _ = delivered(local, shared=False)
    copy = copied(local, ami, image, done=False)
    before = changes(local)
    # When retired with --with-copies, then it is refused before anything changes
    result = run("retire", ami, "--with-copies", "--yes")
    assert result.exit_code == 1
    assert f"{copy} in {COPY_REGION} is PENDING (its import or copy is still running)" in (
        result.output
    )
    assert changes(local) == before and image in image_ids(local)


def test_an_aws_refusal_stops_with_its_message_and_what_was_done(
    local: LocalAws, faults: Faults
) -> None:
    # Given a delivered image that AWS will refuse to delete (injected)
    ami, image, bundle_id = delivered(local, shared=False)
    faults.delete_error = "InvalidResourceStateException"
    # When the operator retires it
    result = run("retire", ami, "--yes")
    # Then it stops at the image with AWS's code and message, and says the bundle is gone
    assert result.exit_code == 1
    assert f"retire stopped at: delete image {image} in {REGION}" in result.output
    assert "InvalidResourceStateException: The image" in result.output
    assert f"Done before it: delete bundle {bundle_id}" in result.output
    assert ami_tags(local, ami)[c.STATUS_TAG_KEY] == c.AVAILABLE
    # And once the cause is gone, the same command finishes the job
    faults.delete_error = None
    again = run("retire", ami, "--yes")
    assert again.exit_code == 0, again.output
    assert "1. delete image" in again.output and image not in image_ids(local)


def test_a_retired_import_shows_as_retired_in_status() -> None:
    """`byol-import status`: a succeeded import whose AMI retire marked reads RETIRED."""
    assert _ended("SUCCEEDED", {c.STATUS_TAG_KEY: c.RETIRED}) == c.RETIRED
    assert _ended("SUCCEEDED", {c.STATUS_TAG_KEY: c.AVAILABLE}) == c.AVAILABLE
    assert next_step(c.RETIRED, "ami-1", None, "wsi-1") == "none: byol-import retire deleted wsi-1"


def test_without_a_region_nothing_is_called(monkeypatch: pytest.MonkeyPatch) -> None:
    """Deployed, with no Region anywhere: a clear error before any call."""
    for name in ("AWS_DEFAULT_REGION", "AWS_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    result = CliRunner().invoke(cli, ["retire", "ami-0123456789abcdef0", "--dry-run"])
    assert result.exit_code == 1 and "no AWS Region: give --region" in result.output


def test_shares_are_read_page_by_page() -> None:
    """DescribeWorkspaceImagePermissions has no botocore paginator: NextToken is followed."""
    client = boto3.client("workspaces", region_name=REGION)
    stub = Stubber(client)
    pages: list[dict[str, Any]] = [
        {"ImageId": "wsi-123456789", "ImagePermissions": [{"SharedAccountId": "111111111111"}]},
        {"ImageId": "wsi-123456789", "ImagePermissions": [{"SharedAccountId": "222222222222"}]},
    ]
    pages[0]["NextToken"] = "page-2"
    stub.add_response(
        "describe_workspace_image_permissions", pages[0], {"ImageId": "wsi-123456789"}
    )
    stub.add_response(
        "describe_workspace_image_permissions",
        pages[1],
        {"ImageId": "wsi-123456789", "NextToken": "page-2"},
    )
    with stub:
        gateway = ImagesGateway(lambda service, region: client, REGION)
        assert gateway.shared_with("wsi-123456789") == ["111111111111", "222222222222"]
    stub.assert_no_pending_responses()


def test_local_retire_runs_in_an_account_a_delivery_left() -> None:
    """`--local retire AMI --with-copies`: a fresh account where a real import was delivered
    (bundle, share, copy); every step runs and the AMI ends RETIRED."""
    result = CliRunner().invoke(
        cli, ["--local", "retire", "ami-0123456789abcdef0", "--with-copies", "--yes"]
    )
    assert result.exit_code == 0, result.output
    assert "and delivered by the workflow:" in result.output
    assert f"copied: {COPY_REGION}=wsi-" in result.output
    # the bundle first, then the share, then the image and its copy, then the AMI's tag
    done = [line.split()[1:3] for line in result.output.splitlines() if "  done: " in line]
    assert [step[0] for step in done] == ["delete", "unshare", "delete", "delete", "tag"]
    assert done[0][1] == "bundle" and done[2][1] == done[3][1] == "image"
    assert "delete image" in result.output and f"in {COPY_REGION}" in result.output
    assert f"done: tag ami-0123456789abcdef0 {c.STATUS_TAG_KEY}={c.RETIRED}" in result.output
