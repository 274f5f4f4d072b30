"""Delivering the imported image: a bundle created or updated, copies to other Regions, shares
with accounts of the organization. Each step's success and failure, end to end on the embedded
AWS (the deployed ASL, the real handlers, the synthesized IAM enforced on every call)."""

from __future__ import annotations

from typing import Any

import pytest

from local_aws.harness import ACCOUNT_ID, REGION, ExecutionResult, LocalAws, unattended
from local_aws.workspaces_byol import ImportFault

pytestmark = pytest.mark.scenario

OTHER_REGION = "eu-central-1"
STRANGER = "999988887777"  # an account outside the organization


def run(aws: LocalAws, delivery: dict[str, Any], ami: str | None = None) -> ExecutionResult:
    """A person starts an import of a BYOL-enabled account's AMI, asking for this delivery."""
    ami = ami or aws.create_windows_ami()
    arn = aws.start_manual({"ImageId": ami, "Delivery": delivery})
    aws.wait_for_executions(timeout_seconds=120)
    return aws.result(arn)


def home() -> Any:
    return None


@pytest.fixture
def aws() -> Any:
    with LocalAws(config=unattended()) as env:
        env.enable_byol_directly()
        yield env


def ami_of(result: ExecutionResult) -> str:
    return str(result.input["ImageId"])


def imported_image(aws: LocalAws, result: ExecutionResult) -> str:
    return aws.ami_tags(ami_of(result))["byol-import:workspaces-image-id"]


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
