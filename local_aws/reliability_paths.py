"""The reliability scenarios of the newer paths: the Image Builder import
(ImportCustomWorkspaceImage) and the delivery after AVAILABLE (bundle, share, copy), each through
the real state machine under throttling, 5xx, lost answers and Lambda crashes; each returns its
Row (local_aws/reliability_checks.py)."""

from __future__ import annotations

from local_aws.harness import LocalAws, unattended
from local_aws.reliability_checks import EC2_OPS, Row, finish, tag_each
from local_aws.workspaces_byol import Faults

IMAGE_BUILDER_OPS = (
    "DescribeAccount",
    "ImportCustomWorkspaceImage",
    "DescribeCustomWorkspaceImageImport",
    "DescribeWorkspaceImages",
    "DescribeTags",
)
DELIVERY_OPS = (
    "DescribeAccount",
    "DescribeWorkspaceImages",
    "DescribeWorkspaceBundles",
    "DescribeTags",
    "CreateWorkspaceBundle",
    "CreateTags",
    "UpdateWorkspaceImagePermission",
    "CopyWorkspaceImage",
)
COPY_REGION = "eu-central-1"


def image_builder_faults(burst: int = 2) -> Row:
    row = Row(
        f"new paths: Image Builder import, {burst} throttles and a 5xx on every call, "
        "the import answer lost once"
    )
    faults = Faults(
        throttle={op: burst for op in (*IMAGE_BUILDER_OPS, *EC2_OPS)},
        server_error={op: 1 for op in IMAGE_BUILDER_OPS},
        lost_response={"ImportCustomWorkspaceImage": 1},
    )
    with LocalAws(config=unattended(), faults=faults) as aws:
        aws.enable_byol_directly()
        ami = aws.create_windows_ami()
        faults.throttle["ec2:CreateTags"] = 0  # the person's own tagging is not ours to retry
        tag_each(aws, [ami], value="ImportMethod=image-builder")
        faults.throttle["ec2:CreateTags"] = burst
        finish(aws, row, [ami], expect_status="SUCCEEDED", expect_modify=0)
        home = aws.world.account(aws.lambdas.account_id, aws.lambdas.region)
        if home.imports_accepted != 1:  # the lost answer's retry adopts, never imports again
            row.broken.append(f"{home.imports_accepted} imports accepted, not 1")
    return row


def delivery_faults(burst: int = 2) -> Row:
    row = Row(
        f"new paths: delivery (bundle, share, copy), {burst} throttles, a 5xx and a lost answer "
        "on every delivery call, Deliver and PollCopies crash once"
    )
    faults = Faults(
        throttle={op: burst for op in DELIVERY_OPS},
        server_error={op: 1 for op in DELIVERY_OPS},
        lost_response={"CreateWorkspaceBundle": 1, "CopyWorkspaceImage": 1},
    )
    with LocalAws(config=unattended(), faults=faults) as aws:
        aws.enable_byol_directly()
        aws.enable_byol_in(COPY_REGION)
        member = aws.organization_member()
        for key in ("Deliver", "PollCopies"):
            aws.lambdas.faults.crash_before[key] = 1
        ami = aws.create_windows_ami()
        tag_each(
            aws,
            [ami],
            value=(
                "IngestionProcess=BYOL_REGULAR_WSP,Bundle=create,BundleName=gold,"
                f"CopyToRegions={COPY_REGION},ShareWithAccounts={member}"
            ),
        )
        finish(aws, row, [ami], expect_status="SUCCEEDED", expect_modify=0)
        home = aws.world.account(aws.lambdas.account_id, aws.lambdas.region)
        copies = aws.world.account(aws.lambdas.account_id, COPY_REGION).images
        if len(home.bundles) != 1:
            row.broken.append(f"{len(home.bundles)} bundles made, not 1")
        if len(copies) != 1 or any(c.state != "AVAILABLE" for c in copies.values()):
            row.broken.append(f"copies in {COPY_REGION}: {[c.state for c in copies.values()]}")
    return row
