"""Undoing a delivery end to end: the workflow delivers (bundle created or updated, copy, share,
its tags written by the real Deliver step under the deployed IAM), then the operator's
`byol-import rollback-bundle` and `retire` (the CLI as run against AWS, whose boto3 session the
embedded AWS serves) undo it."""

from __future__ import annotations

import pytest

from byol_cli.local_delivery import create_bundle, person_image
from local_aws.harness import ACCOUNT_ID, REGION, LocalAws
from tests.cli.delivered import changes, run
from tests.scenarios import test_delivery
from tests.scenarios.test_delivery import (
    OTHER_REGION,
    ami_of,
    bundle_tags,
    everything,
    imported_image,
)
from tests.scenarios.test_delivery import run as deliver

pytestmark = pytest.mark.scenario

PREVIOUS = "byol-import:previous-image-id"
IMAGE = "byol-import:workspaces-image-id"


# An account with BYOL enabled here and in OTHER_REGION, as for the delivery scenarios
aws = test_delivery.aws


def bundle_image(aws: LocalAws, bundle_id: str) -> str:
    [bundle] = aws.client("workspaces").describe_workspace_bundles(BundleIds=[bundle_id])["Bundles"]
    return str(bundle["ImageId"])


def images(aws: LocalAws, region: str = REGION) -> set[str]:
    return set(aws.world.account(ACCOUNT_ID, region).images)


def test_a_bundle_update_is_rolled_back_and_a_second_rollback_undoes_it(aws: LocalAws) -> None:
    # Given a first import that created a bundle, and a second import that updated it
    first = deliver(aws, {"Bundle": {"Create": {"Name": "win11-gold"}}})
    assert first.status == "SUCCEEDED", first.cause
    bundle_id = aws.ami_tags(ami_of(first))["byol-import:bundle-id"]
    second = deliver(aws, {"Bundle": {"Update": bundle_id}})
    assert second.status == "SUCCEEDED", second.cause
    image_1, image_2 = imported_image(aws, first), imported_image(aws, second)
    # And the workflow recorded the move on the bundle
    assert bundle_image(aws, bundle_id) == image_2
    tags = bundle_tags(aws, bundle_id)
    assert (tags[PREVIOUS], tags[IMAGE]) == (image_1, image_2)
    assert aws.ami_tags(ami_of(second))["byol-import:bundle-id"] == bundle_id
    # When the operator rolls the bundle back
    result = run("rollback-bundle", bundle_id, "--yes")
    # Then it is on image 1 again, its tags swapped, and still ours
    assert result.exit_code == 0, result.output
    assert f"image {image_2} -> {image_1}" in result.output
    assert bundle_image(aws, bundle_id) == image_1
    tags = bundle_tags(aws, bundle_id)
    assert (tags[PREVIOUS], tags[IMAGE]) == (image_2, image_1)
    assert tags["byol-import:managed-by"] == "byol-import"
    # When it is rolled back a second time, then it is on image 2 once more
    again = run("rollback-bundle", bundle_id, "--yes")
    assert again.exit_code == 0, again.output
    assert bundle_image(aws, bundle_id) == image_2
    tags = bundle_tags(aws, bundle_id)
    assert (tags[PREVIOUS], tags[IMAGE]) == (image_1, image_2)


def a_persons_bundle(aws: LocalAws) -> tuple[str, str]:
    """A bundle a person made by hand (none of our tags) on an image imported by hand."""
    image = person_image(aws, "win11-by-hand")
    ws = aws.client("workspaces")
    return create_bundle(ws, "team-desktop", image, {"team": "euc"}, "made by hand"), image


def test_a_persons_bundle_updated_by_the_workflow_is_rolled_back(aws: LocalAws) -> None:
    # Given a person's bundle, which an import updated to its new image
    bundle_id, theirs = a_persons_bundle(aws)
    result = deliver(aws, {"Bundle": {"Update": bundle_id}})
    assert result.status == "SUCCEEDED", result.cause
    ours = imported_image(aws, result)
    assert bundle_tags(aws, bundle_id) == {"team": "euc", PREVIOUS: theirs, IMAGE: ours}
    # When the operator rolls it back
    rolled = run("rollback-bundle", bundle_id, "--yes")
    # Then it has the person's image again, keeps their tag, and never became ours
    assert rolled.exit_code == 0, rolled.output
    assert "Rolled back: bundle" in rolled.output and "(team-desktop)" in rolled.output
    assert bundle_image(aws, bundle_id) == theirs
    assert bundle_tags(aws, bundle_id) == {"team": "euc", PREVIOUS: ours, IMAGE: theirs}


def test_retire_undoes_a_whole_delivery_in_the_order_aws_requires(aws: LocalAws) -> None:
    # Given an import delivered to a new bundle, shared with a member, copied to a second Region
    delivery = everything(aws)
    [member] = delivery["ShareWithAccounts"]
    result = deliver(aws, delivery)
    assert result.status == "SUCCEEDED", result.cause
    ami, image = ami_of(result), imported_image(aws, result)
    tags = aws.ami_tags(ami)
    bundle_id = tags["byol-import:bundle-id"]
    [copy] = images(aws, OTHER_REGION)
    assert tags["byol-import:copies"] == f"{OTHER_REGION}={copy}"
    before = len(changes(aws))
    # When the operator retires the AMI with its copies
    retired = run("retire", ami, "--with-copies", "--yes")
    # Then the bundle went first, the share next, then the image, then the copy
    assert retired.exit_code == 0, retired.output
    assert changes(aws)[before:] == [
        "DeleteWorkspaceBundle",
        "UpdateWorkspaceImagePermission",
        "DeleteWorkspaceImage",
        "DeleteWorkspaceImage",
    ]
    assert f"done: delete bundle {bundle_id} (win11-gold) in {REGION}" in retired.output
    assert f"done: unshare {image} with account {member}" in retired.output
    assert f"done: delete image {copy} in {OTHER_REGION}" in retired.output
    # And nothing of the delivery is left, and the AMI says RETIRED
    assert image not in images(aws) and images(aws, OTHER_REGION) == set()
    assert aws.world.account(ACCOUNT_ID, REGION).bundles == {}
    assert aws.ami_tags(ami)["byol-import:status"] == "RETIRED"


def test_retire_is_refused_while_a_persons_bundle_the_workflow_updated_uses_the_image(
    aws: LocalAws,
) -> None:
    # Given a person's bundle that an import updated to its image
    bundle_id, _ = a_persons_bundle(aws)
    result = deliver(aws, {"Bundle": {"Update": bundle_id}})
    assert result.status == "SUCCEEDED", result.cause
    ami, image = ami_of(result), imported_image(aws, result)
    before = changes(aws)
    # When the operator retires the image
    refused = run("retire", ami, "--yes")
    # Then it is refused before anything changed, naming rollback-bundle to free the image
    assert refused.exit_code == 1
    assert f"bundle {bundle_id} (team-desktop) uses {image} and is not byol-import's" in (
        refused.output
    )
    assert f"byol-import rollback-bundle {bundle_id}" in refused.output
    assert changes(aws) == before and image in images(aws)
    # And after that rollback, the retire goes through
    assert run("rollback-bundle", bundle_id, "--yes").exit_code == 0
    assert run("retire", ami, "--yes").exit_code == 0
    assert image not in images(aws)
