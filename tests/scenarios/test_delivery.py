"""Delivering the imported image: a bundle created or updated, copies to other Regions, shares
with accounts of the organization. Each step's success and failure, end to end on the embedded
AWS (the deployed ASL, the real handlers, the synthesized IAM enforced on every call)."""

from __future__ import annotations

from typing import Any

import pytest

from local_aws.harness import ACCOUNT_ID, REGION, ExecutionResult, LocalAws, unattended
from local_aws.iam.policies import cached_extract
from local_aws.workspaces_byol import ImportFault
from tests.scenarios.test_retry import retry_command, run_command

pytestmark = pytest.mark.scenario

OTHER_REGION = "eu-central-1"
STRANGER = "999988887777"  # an account outside the organization
# CopyWorkspaceImage granted on the home Region's images only (the defect the test catches)
HOME_IMAGES = {
    "Fn::Join": [
        "",
        [
            "arn:",
            {"Ref": "AWS::Partition"},
            ":workspaces:",
            {"Ref": "AWS::Region"},
            ":",
            {"Ref": "AWS::AccountId"},
            ":workspaceimage/*",
        ],
    ]
}


def run(aws: LocalAws, delivery: dict[str, Any], ami: str | None = None) -> ExecutionResult:
    """A person starts an import of a BYOL-enabled account's AMI, asking for this delivery."""
    ami = ami or aws.create_windows_ami()
    arn = aws.start_manual({"ImageId": ami, "Delivery": delivery})
    aws.wait_for_executions(timeout_seconds=120)
    return aws.result(arn)


@pytest.fixture
def aws() -> Any:
    """An account with BYOL enabled; a second Region where it is enabled too."""
    with LocalAws(config=unattended()) as env:
        env.enable_byol_directly()
        env.enable_byol_in(OTHER_REGION)
        yield env


def bundle_tags(aws: LocalAws, bundle_id: str) -> dict[str, str]:
    found = aws.client("workspaces").describe_tags(ResourceId=bundle_id)["TagList"]
    return {t["Key"]: t["Value"] for t in found}


def an_existing_bundle(aws: LocalAws) -> tuple[str, str]:
    """A bundle a person made from an earlier image: (bundle id, its image)."""
    earlier = run(aws, {})
    image = imported_image(aws, earlier)
    created = aws.client("workspaces").create_workspace_bundle(
        BundleName="team-desktop",
        BundleDescription="made by hand",
        ImageId=image,
        ComputeType={"Name": "STANDARD"},
        UserStorage={"Capacity": "50"},
    )
    return str(created["WorkspaceBundle"]["BundleId"]), image


def ami_of(result: ExecutionResult) -> str:
    return str(result.input["ImageId"])


def imported_image(aws: LocalAws, result: ExecutionResult) -> str:
    return aws.ami_tags(ami_of(result))["byol-import:workspaces-image-id"]


def everything(aws: LocalAws) -> dict[str, Any]:
    """A delivery of all three: bundle win11-gold, a copy to OTHER_REGION, a share with a new
    member of the organization."""
    return {
        "Bundle": {"Create": {"Name": "win11-gold"}},
        "CopyToRegions": [OTHER_REGION],
        "ShareWithAccounts": [aws.organization_member()],
    }


def assert_kept(aws: LocalAws, result: ExecutionResult) -> None:
    """The imported image is AVAILABLE and kept, and the cause says so."""
    image = aws.world.account(ACCOUNT_ID, REGION).images[imported_image(aws, result)]
    assert image.state == "AVAILABLE"
    assert "is AVAILABLE in eu-west-1 and kept" in (result.cause or "")
    assert aws.ami_tags(ami_of(result))["byol-import:status"] == "FAILED"


def test_a_bundle_is_created_from_the_image_and_recorded() -> None:
    with LocalAws(config=unattended()) as aws:
        # Given an account with BYOL enabled
        aws.enable_byol_directly()
        # When an import asks for a bundle
        create = {"Name": "win11-gold", "ComputeType": "PERFORMANCE", "UserVolumeSizeGib": 100}
        result = run(aws, {"Bundle": {"Create": create}})
        # Then the import succeeds with a bundle of ours on the image, recorded on the AMI
        assert result.status == "SUCCEEDED", result.cause
        assert "Deliver" in result.states and "PollCopies" not in result.states
        tags = aws.ami_tags(ami_of(result))
        bundle_id = tags["byol-import:bundle-id"]
        [bundle] = aws.client("workspaces").describe_workspace_bundles(BundleIds=[bundle_id])[
            "Bundles"
        ]
        assert bundle["ImageId"] == tags["byol-import:workspaces-image-id"]
        assert (bundle["Name"], bundle["ComputeType"]["Name"]) == ("win11-gold", "PERFORMANCE")
        assert (bundle["RootStorage"]["Capacity"], bundle["UserStorage"]["Capacity"]) == (
            "80",
            "100",
        )
        bundle_tags = {
            t["Key"]: t["Value"]
            for t in aws.client("workspaces").describe_tags(ResourceId=bundle_id)["TagList"]
        }
        assert bundle_tags == {
            "byol-import:managed-by": "byol-import",
            "byol-import:source-ami": ami_of(result),
            "byol-import:workspaces-image-id": bundle["ImageId"],
        }
        # And the notification names the bundle
        [note] = aws.notifications()
        assert f"Bundle {bundle_id} (win11-gold) was created" in note.message


def test_an_existing_bundle_is_moved_to_the_new_image_and_its_previous_image_recorded(
    aws: LocalAws,
) -> None:
    # Given a bundle a person made from an earlier image
    bundle_id, earlier = an_existing_bundle(aws)
    # When a new import asks to update it
    result = run(aws, {"Bundle": {"Update": bundle_id}})
    # Then the bundle uses the new image, and records the one it had (for rollback-bundle)
    assert result.status == "SUCCEEDED", result.cause
    new_image = imported_image(aws, result)
    [bundle] = aws.client("workspaces").describe_workspace_bundles(BundleIds=[bundle_id])["Bundles"]
    assert bundle["ImageId"] == new_image != earlier
    assert bundle_tags(aws, bundle_id) == {
        "byol-import:previous-image-id": earlier,
        "byol-import:workspaces-image-id": new_image,
    }
    assert aws.ami_tags(ami_of(result))["byol-import:bundle-id"] == bundle_id
    message = aws.notifications()[-1].message
    assert f"Bundle {bundle_id} (team-desktop) now uses the image (it used {earlier}" in message


def test_an_unknown_bundle_fails_delivery_and_keeps_the_image(aws: LocalAws) -> None:
    # Given no bundle of that id, When an import asks to update it
    result = run(aws, {"Bundle": {"Update": "wsb-00000000"}})
    # Then delivery fails clearly, and the imported image stays
    assert (result.status, result.error) == ("FAILED", "DeliveryFailed")
    assert "no bundle wsb-00000000" in (result.cause or "")
    assert_kept(aws, result)


def test_a_bundle_name_deleted_within_two_hours_is_refused_and_the_image_kept(
    aws: LocalAws,
) -> None:
    # Given a bundle named team-desktop that a person deleted a moment ago
    bundle_id, _ = an_existing_bundle(aws)
    aws.client("workspaces").delete_workspace_bundle(BundleId=bundle_id)
    # When an import asks for a new bundle of that name
    result = run(aws, {"Bundle": {"Create": {"Name": "team-desktop"}}})
    # Then AWS refuses the name (held 2 hours) and the failure says so; the image is kept
    assert (result.status, result.error) == ("FAILED", "DeliveryFailed")
    assert "deleted less than 2 hours ago" in (result.cause or "")
    assert_kept(aws, result)
    assert "byol-import:bundle-id" not in aws.ami_tags(ami_of(result))


def test_a_bundle_too_small_is_refused_before_anything_is_imported(aws: LocalAws) -> None:
    # When an import asks for a bundle with a root volume WorkSpaces does not allow
    result = run(aws, {"Bundle": {"Create": {"RootVolumeSizeGib": 100}}})
    # Then the request is refused in its first state: nothing imported
    assert (result.status, result.error) == ("FAILED", "InvalidRequest")
    assert "root 100 GiB with user 50 GiB is not a volume combination" in (result.cause or "")
    assert aws.world.account(ACCOUNT_ID, REGION).imports_accepted == 0


def test_the_image_is_copied_to_a_byol_region_and_each_copy_reported(aws: LocalAws) -> None:
    # Given a second Region with BYOL enabled, When an import asks for a copy there
    result = run(aws, {"CopyToRegions": [OTHER_REGION]})
    # Then the copy is started there, polled there until AVAILABLE, and recorded on the AMI
    assert result.status == "SUCCEEDED", result.cause
    assert "PollCopies" in result.states
    [copy] = aws.world.account(ACCOUNT_ID, OTHER_REGION).images.values()
    assert copy.state == "AVAILABLE" and copy.source_image_id == imported_image(aws, result)
    assert {t["Key"]: t["Value"] for t in copy.tags} == {
        "byol-import:managed-by": "byol-import",
        "byol-import:source-ami": ami_of(result),
    }
    assert aws.ami_tags(ami_of(result))["byol-import:copies"] == f"{OTHER_REGION}={copy.image_id}"
    assert (
        f"Copy in {OTHER_REGION}: {copy.image_id} (AVAILABLE)." in aws.notifications()[-1].message
    )


def test_a_target_region_without_byol_is_refused_before_anything_and_not_enabled(
    aws: LocalAws,
) -> None:
    # Given a Region where BYOL is off, When an import asks for a copy there (and a bundle)
    result = run(aws, {"CopyToRegions": ["us-east-1"], "Bundle": {"Create": {}}})
    # Then delivery fails with its own error before any change, and nothing is enabled there
    assert (result.status, result.error) == ("FAILED", "TargetRegionByolDisabled")
    assert "BYOL is not enabled in us-east-1" in (result.cause or "")
    assert_kept(aws, result)
    target = aws.world.account(ACCOUNT_ID, "us-east-1")
    assert (target.support, target.modifications, target.images) == ("DISABLED", [], {})
    assert aws.world.account(ACCOUNT_ID, REGION).bundles == {}
    assert "ModifyAccount" not in aws.calls.count("workspaces", served=True)


def test_a_copy_that_ends_in_error_fails_delivery_and_keeps_the_image(aws: LocalAws) -> None:
    # Given copies from this image end in ERROR
    aws.faults.copy_errors["*"] = ImportFault()
    result = run(aws, {"CopyToRegions": [OTHER_REGION]})
    # Then the failure names the copy and keeps the imported image
    assert (result.status, result.error) == ("FAILED", "DeliveryFailed")
    assert f"in {OTHER_REGION} ended in ERROR" in (result.cause or "")
    assert_kept(aws, result)
    [copy] = aws.world.account(ACCOUNT_ID, OTHER_REGION).images.values()
    assert aws.ami_tags(ami_of(result))["byol-import:copies"] == f"{OTHER_REGION}={copy.image_id}"


def test_the_image_is_shared_with_a_byol_member_of_the_organization(aws: LocalAws) -> None:
    # Given a member account of our organization with BYOL enabled here
    member = aws.organization_member()
    # When an import asks to share with it
    result = run(aws, {"ShareWithAccounts": [member]})
    # Then the image is shared (AllowCopyImage) and the share recorded and reported
    assert result.status == "SUCCEEDED", result.cause
    image = imported_image(aws, result)
    permissions = aws.client("workspaces").describe_workspace_image_permissions(ImageId=image)
    assert permissions["ImagePermissions"] == [{"SharedAccountId": member}]
    assert aws.ami_tags(ami_of(result))["byol-import:shared-with"] == member
    assert f"Shared with account {member}" in aws.notifications()[-1].message


def test_a_share_outside_the_organization_is_refused_per_account_and_the_image_kept(
    aws: LocalAws,
) -> None:
    # Given a member of the organization and an account outside it
    member = aws.organization_member()
    # When an import asks to share with both
    result = run(aws, {"ShareWithAccounts": [member, STRANGER]})
    # Then the member gets it, the stranger is refused with AWS's reason and the rule
    assert (result.status, result.error) == ("FAILED", "DeliveryFailed")
    cause = result.cause or ""
    assert f"{STRANGER}: UpdateWorkspaceImagePermission" in cause
    assert "OperationNotSupportedException" in cause and "same payer account" in cause
    assert f"shared with {member}" in cause
    assert_kept(aws, result)
    assert aws.ami_tags(ami_of(result))["byol-import:shared-with"] == member


def test_a_retried_deliver_adopts_what_it_already_did(aws: LocalAws) -> None:
    # Given a Deliver that creates the bundle, shares and starts the copy, then dies before
    # answering (its retry runs it again)
    aws.lambdas.faults.crash_after["Deliver"] = 1
    delivery = everything(aws)
    [member] = delivery["ShareWithAccounts"]
    # When the import runs
    result = run(aws, delivery)
    # Then the retries (the copy is not listed at once: ImageNotListedYet is retried) adopted
    # the bundle and the copy: one of each, shared once, and the import succeeded
    assert result.status == "SUCCEEDED", result.cause
    assert aws.calls.count("workspaces", served=True)["CreateWorkspaceBundle"] >= 2
    assert len(aws.world.account(ACCOUNT_ID, REGION).bundles) == 1
    [copy] = aws.world.account(ACCOUNT_ID, OTHER_REGION).images.values()
    image = imported_image(aws, result)
    permissions = aws.client("workspaces").describe_workspace_image_permissions(ImageId=image)
    assert permissions["ImagePermissions"] == [{"SharedAccountId": member}]
    assert aws.ami_tags(ami_of(result))["byol-import:copies"] == f"{OTHER_REGION}={copy.image_id}"
    [bundle_id] = aws.world.account(ACCOUNT_ID, REGION).bundles
    assert aws.ami_tags(ami_of(result))["byol-import:bundle-id"] == bundle_id


def test_every_delivery_call_is_authorized_by_the_deployed_roles(aws: LocalAws) -> None:
    # Given the synthesized roles enforced on every call, in every Region
    member = aws.organization_member()
    delivery = {
        "Bundle": {"Create": {}},
        "CopyToRegions": [OTHER_REGION],
        "ShareWithAccounts": [member],
    }
    # When an import delivers all three
    result = run(aws, delivery)
    # Then each call was evaluated as its function's role, and none was denied
    assert result.status == "SUCCEEDED", result.cause
    assert aws.iam.denied == 0
    for action in (
        "Deliver workspaces:DescribeAccount",
        "Deliver workspaces:CreateWorkspaceBundle",
        "Deliver workspaces:CopyWorkspaceImage",
        "Deliver workspaces:UpdateWorkspaceImagePermission",
        "PollCopies workspaces:DescribeWorkspaceImages",
    ):
        assert aws.iam.by_action[action] >= 1, action


def test_a_copy_grant_limited_to_the_home_region_is_denied_in_the_target_region() -> None:
    # Given a Deliver role whose CopyWorkspaceImage names only the home Region's images
    policies = cached_extract()
    statements = [
        dict(s, Resource=HOME_IMAGES) if s.get("Action") == "workspaces:CopyWorkspaceImage" else s
        for s in policies.raw("Deliver")
    ]
    assert statements != policies.raw("Deliver")
    broken = policies.with_statements("Deliver", statements)
    with LocalAws(config=unattended(), policies=broken) as aws:
        aws.enable_byol_directly()
        aws.enable_byol_in(OTHER_REGION)
        # When an import asks for a copy to the other Region
        result = run(aws, {"CopyToRegions": [OTHER_REGION]})
        # Then the call made from the target Region is denied on that Region's new image
        assert (result.status, result.error) == ("FAILED", "AccessDenied")
        denial = aws.iam.denials[0]
        assert (denial.principal, denial.action) == ("Deliver", "workspaces:CopyWorkspaceImage")
        assert denial.resource == f"arn:aws:workspaces:{OTHER_REGION}:{ACCOUNT_ID}:workspaceimage/*"
        assert_kept(aws, result)


def test_once_byol_is_enabled_there_the_notified_retry_finishes_the_delivery(
    aws: LocalAws,
) -> None:
    # Given a delivery refused because BYOL is off in us-east-1, after the bundle was asked
    first = run(aws, {"Bundle": {"Create": {"Name": "gold"}}, "CopyToRegions": ["us-east-1"]})
    assert first.error == "TargetRegionByolDisabled"
    # When a person enables BYOL there and runs the retry command the notification gave
    aws.enable_byol_in("us-east-1")
    arn = run_command(aws, retry_command(aws, ami_of(first)))
    aws.wait_for_executions(timeout_seconds=120)
    # Then the retry adopts the imported image (no second import) and delivers the rest
    retried = aws.result(arn)
    assert retried.status == "SUCCEEDED", retried.cause
    assert aws.world.account(ACCOUNT_ID, REGION).imports_accepted == 1
    # And the adopted image, AVAILABLE already, is polled at once (not after the 90 minutes a
    # new import waits): the retry takes the copy's one-hour poll and little more
    assert retried.virtual_seconds < 3600 + 15 * 60, retried.virtual_seconds
    [copy] = aws.world.account(ACCOUNT_ID, "us-east-1").images.values()
    assert copy.state == "AVAILABLE"
    tags = aws.ami_tags(ami_of(first))
    assert tags["byol-import:status"] == "AVAILABLE"
    assert tags["byol-import:copies"] == f"us-east-1={copy.image_id}"
    assert tags["byol-import:bundle-id"] in aws.world.account(ACCOUNT_ID, REGION).bundles
