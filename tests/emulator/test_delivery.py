"""Delivering an imported image: CopyWorkspaceImage (asked in the target Region),
UpdateWorkspaceImagePermission and DescribeWorkspaceImagePermissions, and what IAM authorizes
for them. Rules: docs/byol-api-facts.md, "Delivering an image: bundles, copies, sharing"."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from local_aws.harness import LocalAws
from local_aws.iam.requests import Call, checks_for
from local_aws.place import ACCOUNT_ID, REGION
from local_aws.workspaces_byol import Faults, ImportFault
from tests.emulator.test_bundles import available_image
from tests.emulator.test_workspaces_byol import code, enable, import_kwargs

OTHER_REGION = "eu-central-1"
STRANGER = "999988887777"  # an account outside the organization


def regional(region: str) -> Any:
    """A WorkSpaces client of another Region, retrying as the harness's clients do."""
    retrying = Config(retries={"mode": "standard", "total_max_attempts": 10})
    return boto3.client("workspaces", region_name=region, config=retrying)


@pytest.fixture
def image(aws: LocalAws, ws: Any) -> str:
    enable(aws, ws)
    return available_image(aws, ws)


@pytest.fixture
def other(aws: LocalAws) -> Any:
    return regional(OTHER_REGION)


def copy(client: Any, image_id: str, **over: Any) -> str:
    kwargs: dict[str, Any] = {"Name": "win11-gold-copy", "SourceImageId": image_id}
    kwargs["SourceRegion"] = REGION
    kwargs.update(over)
    return str(client.copy_workspace_image(**kwargs)["ImageId"])


def state(client: Any, image_id: str) -> str:
    [found] = client.describe_workspace_images(ImageIds=[image_id])["Images"]
    return str(found["State"])


def test_a_copy_is_refused_while_the_target_region_has_byol_off(
    aws: LocalAws, image: str, other: Any
) -> None:
    """Given an AVAILABLE BYOL image and a second Region where BYOL is not enabled,
    when the copy is asked there, then it is refused and nothing is created."""
    with pytest.raises(ClientError) as caught:
        copy(other, image)
    assert code(caught) == "OperationNotSupportedException"
    assert "enabled for BYOL" in str(caught.value)
    assert other.describe_workspace_images()["Images"] == []


def test_a_copy_is_pending_then_available_over_virtual_time(
    aws: LocalAws, ws: Any, image: str, other: Any
) -> None:
    """Given BYOL enabled in the target Region, when the copy is asked there, then a new image
    is PENDING in that Region only, AVAILABLE after the copy time, and carries its tags."""
    enable(aws, other)
    copied = copy(other, image, Tags=[{"Key": "stage", "Value": "prod"}])
    assert copied != image and state(other, copied) == "PENDING"
    assert [i["ImageId"] for i in ws.describe_workspace_images()["Images"]] == [image]
    aws.clock.advance(aws.timings.copy_seconds - 1)
    assert state(other, copied) == "PENDING"
    aws.clock.advance(1)
    [shown] = other.describe_workspace_images(ImageIds=[copied])["Images"]
    assert shown["State"] == "AVAILABLE" and shown["OwnerAccountId"] == ACCOUNT_ID
    assert shown["Name"] == "win11-gold-copy" and shown["RequiredTenancy"] == "DEDICATED"
    assert other.describe_tags(ResourceId=copied)["TagList"] == [{"Key": "stage", "Value": "prod"}]
    # The model's WorkspaceImage has no field for the source: the world keeps it.
    record = aws.world.account(ACCOUNT_ID, OTHER_REGION).images[copied]
    assert (record.source_region, record.source_image_id) == (REGION, image)
    # And it keeps the source's root volume size (no bundle of the copy may be smaller)
    assert record.root_gb == aws.world.account(ACCOUNT_ID, REGION).images[image].root_gb == 50


def test_a_copy_within_the_same_region_is_allowed(aws: LocalAws, ws: Any, image: str) -> None:
    """Given an image, when it is copied within its own Region, then a second image exists."""
    copied = copy(ws, image)
    aws.clock.advance(aws.timings.copy_seconds)
    assert state(ws, copied) == "AVAILABLE" and state(ws, image) == "AVAILABLE"


@pytest.mark.parametrize(
    ("over", "error"),
    [
        ({"Name": "has space"}, "ValidationException"),
        ({"Name": "win11-gold"}, "ResourceAlreadyExistsException"),
        ({"SourceImageId": "wsi-BAD"}, "ValidationException"),
        ({"SourceImageId": "wsi-000000000"}, "ResourceNotFoundException"),
        ({"SourceRegion": "EU_WEST_1"}, "ValidationException"),
        ({"SourceRegion": "xx-moon-1"}, "InvalidParameterValuesException"),
        ({"SourceRegion": "cn-northwest-1"}, "OperationNotSupportedException"),
        ({"Description": "semi;colon"}, "ValidationException"),
    ],
)
def test_copy_enforces_the_model_and_the_documented_rules(
    aws: LocalAws, ws: Any, image: str, over: dict[str, Any], error: str
) -> None:
    """Given an AVAILABLE image, when a copy breaks a pattern, names a taken name, an unknown
    image or Region, or leaves China (Ningxia), then it is refused with the documented error."""
    with pytest.raises(ClientError) as caught:
        copy(ws, image, **over)
    assert code(caught) == error


def test_only_an_available_image_is_copied(aws: LocalAws, ws: Any) -> None:
    """Given an image still PENDING, when it is copied, then ResourceUnavailableException."""
    enable(aws, ws)
    pending = ws.import_workspace_image(**import_kwargs(aws.create_windows_ami()))["ImageId"]
    with pytest.raises(ClientError) as caught:
        copy(ws, pending)
    assert code(caught) == "ResourceUnavailableException"


def test_a_copy_can_end_in_error(aws: LocalAws, faults: Faults, image: str, other: Any) -> None:
    """Given a copy fault, when the copy time has passed, then the copy is in ERROR."""
    faults.copy_errors["*"] = ImportFault(error_details=())
    enable(aws, other)
    copied = copy(other, image)
    aws.clock.advance(aws.timings.copy_seconds)
    [shown] = other.describe_workspace_images(ImageIds=[copied])["Images"]
    assert shown["State"] == "ERROR" and shown["ErrorCode"] == "ImportFailed"


def test_documented_errors_can_be_injected(aws: LocalAws, faults: Faults, image: str) -> None:
    """Given injected errors, when each delivery call is made, then it answers that error."""
    faults.errors.update(
        {
            "CopyWorkspaceImage": {"ResourceLimitExceededException": 1},
            "UpdateWorkspaceImagePermission": {"ResourceUnavailableException": 1},
            "DescribeWorkspaceImagePermissions": {"ResourceNotFoundException": 1},
        }
    )
    ws = aws.client("workspaces", retries=False)
    calls = {
        "ResourceLimitExceededException": lambda: copy(ws, image),
        "ResourceUnavailableException": lambda: ws.update_workspace_image_permission(
            ImageId=image, AllowCopyImage=True, SharedAccountId=STRANGER
        ),
        "ResourceNotFoundException": lambda: ws.describe_workspace_image_permissions(ImageId=image),
    }
    for error, call in calls.items():
        aws.clock.advance(1)  # a fresh token: the account's rate limit is not under test
        with pytest.raises(ClientError) as caught:
            call()
        assert code(caught) == error


def organization_member(aws: LocalAws, byol: bool = True) -> str:
    """A member account of the organization ACCOUNT_ID manages, BYOL enabled in REGION."""
    org = boto3.client("organizations", region_name="us-east-1")
    org.create_organization(FeatureSet="ALL")
    status = org.create_account(AccountName="member", Email="member@example.com")
    member = str(status["CreateAccountStatus"]["AccountId"])
    if byol:
        recipient = aws.world.account(member, REGION)
        recipient.support, recipient.cidr = "ENABLED", "10.9.0.0/16"
    return member


@contextmanager
def as_account(account_id: str) -> Iterator[None]:
    """Calls made meanwhile come from `account_id` (LocalAws pins moto's account by env)."""
    saved = os.environ["MOTO_ACCOUNT_ID"]
    os.environ["MOTO_ACCOUNT_ID"] = account_id
    try:
        yield
    finally:
        os.environ["MOTO_ACCOUNT_ID"] = saved


def test_an_image_is_shared_described_copied_by_the_member_and_unshared(
    aws: LocalAws, ws: Any, image: str
) -> None:
    """Given a BYOL-enabled member of the owner's organization, when the owner shares the image,
    then the member sees it as SHARED and can copy it to its own BYOL Region; after unsharing,
    the member's copy stays and the image can be deleted."""
    member = organization_member(aws)
    ws.update_workspace_image_permission(ImageId=image, AllowCopyImage=True, SharedAccountId=member)
    assert ws.describe_workspace_image_permissions(ImageId=image)["ImagePermissions"] == [
        {"SharedAccountId": member}
    ]
    with as_account(member):
        seen = regional(REGION).describe_workspace_images(ImageType="SHARED")
    assert [(i["ImageId"], i["OwnerAccountId"]) for i in seen["Images"]] == [(image, ACCOUNT_ID)]
    elsewhere = aws.world.account(member, OTHER_REGION)
    elsewhere.support, elsewhere.cidr = "ENABLED", "10.9.0.0/16"
    with as_account(member):
        copied = copy(regional(OTHER_REGION), image)
    assert aws.world.account(member, OTHER_REGION).images[copied].owner == member
    with pytest.raises(ClientError) as caught:
        ws.delete_workspace_image(ImageId=image)
    assert code(caught) == "ResourceAssociatedException"
    ws.update_workspace_image_permission(
        ImageId=image, AllowCopyImage=False, SharedAccountId=member
    )
    assert ws.describe_workspace_image_permissions(ImageId=image)["ImagePermissions"] == []
    ws.delete_workspace_image(ImageId=image)
    assert copied in aws.world.account(member, OTHER_REGION).images


def test_a_member_cannot_share_an_image_shared_with_it(aws: LocalAws, ws: Any, image: str) -> None:
    """Given an image shared with a member, when the member shares it on, then it is refused."""
    member = organization_member(aws)
    ws.update_workspace_image_permission(ImageId=image, AllowCopyImage=True, SharedAccountId=member)
    with as_account(member), pytest.raises(ClientError) as caught:
        regional(REGION).update_workspace_image_permission(
            ImageId=image, AllowCopyImage=True, SharedAccountId=STRANGER
        )
    assert code(caught) == "OperationNotSupportedException"


def test_permissions_are_paged(aws: LocalAws, ws: Any, image: str) -> None:
    """Given an image shared with two members, when permissions are read one per page,
    then NextToken leads from the first to the second."""
    first = organization_member(aws)
    org = boto3.client("organizations", region_name="us-east-1")
    second = str(
        org.create_account(AccountName="two", Email="two@example.com")["CreateAccountStatus"][
            "AccountId"
        ]
    )
    aws.world.account(second, REGION).support = "ENABLED"
    for member in (first, second):
        ws.update_workspace_image_permission(
            ImageId=image, AllowCopyImage=True, SharedAccountId=member
        )
    page = ws.describe_workspace_image_permissions(ImageId=image, MaxResults=1)
    assert page["ImagePermissions"] == [{"SharedAccountId": first}] and page["ImageId"] == image
    rest = ws.describe_workspace_image_permissions(
        ImageId=image, MaxResults=1, NextToken=page["NextToken"]
    )
    assert rest["ImagePermissions"] == [{"SharedAccountId": second}] and "NextToken" not in rest


@pytest.mark.parametrize(
    ("target", "allow", "error"),
    [
        (STRANGER, True, "OperationNotSupportedException"),  # not in the organization
        ("member-byol-off", True, "OperationNotSupportedException"),
        ("12345", True, "ValidationException"),
        (ACCOUNT_ID, True, "InvalidParameterValuesException"),
        ("member", False, "InvalidParameterValuesException"),  # revoked before shared
    ],
)
def test_sharing_enforces_the_byol_rules(
    aws: LocalAws, ws: Any, image: str, target: str, allow: bool, error: str
) -> None:
    """Given the owner's organization, when sharing goes outside it, to an account without
    BYOL, to a malformed id or to the owner, or revokes what was never shared, it is refused."""
    if target.startswith("member"):
        target = organization_member(aws, byol=target == "member")
    with pytest.raises(ClientError) as caught:
        ws.update_workspace_image_permission(
            ImageId=image, AllowCopyImage=allow, SharedAccountId=target
        )
    assert code(caught) == error
    assert ws.describe_workspace_image_permissions(ImageId=image)["ImagePermissions"] == []


def test_sharing_needs_an_available_image_of_ones_own(aws: LocalAws, ws: Any) -> None:
    """Given a PENDING image and an unknown id, when shared, then ResourceUnavailable and
    ResourceNotFound; describing an unknown image's permissions is ResourceNotFound."""
    enable(aws, ws)
    member = organization_member(aws)
    pending = ws.import_workspace_image(**import_kwargs(aws.create_windows_ami()))["ImageId"]
    for image_id, error in (
        (pending, "ResourceUnavailableException"),
        ("wsi-000000000", "ResourceNotFoundException"),
    ):
        with pytest.raises(ClientError) as caught:
            ws.update_workspace_image_permission(
                ImageId=image_id, AllowCopyImage=True, SharedAccountId=member
            )
        assert code(caught) == error
    with pytest.raises(ClientError) as caught:
        ws.describe_workspace_image_permissions(ImageId="wsi-000000000")
    assert code(caught) == "ResourceNotFoundException"


def iam_call(operation: str, **params: Any) -> Call:
    return Call("workspaces", operation, params, OTHER_REGION, ACCOUNT_ID)


def test_iam_authorizes_a_copy_on_its_source_and_its_new_image() -> None:
    """Given a copy asked in the target Region, then IAM checks CopyWorkspaceImage on the source
    image's ARN in the source Region and on a new image in the target Region, with the request's
    tags, and DescribeWorkspaceImages as the documented companion permission."""
    checks = checks_for(
        iam_call(
            "CopyWorkspaceImage",
            Name="n",
            SourceImageId="wsi-123456789",
            SourceRegion=REGION,
            Tags=[{"Key": "k", "Value": "v"}],
        )
    )
    assert [(c.action, c.needed_by) for c in checks] == [
        ("workspaces:CopyWorkspaceImage", None),
        ("workspaces:DescribeWorkspaceImages", "workspaces:CopyWorkspaceImage"),
        ("workspaces:CreateTags", "workspaces:CopyWorkspaceImage"),
    ]
    arns = [arn for arn, _ in checks[0].resources]
    assert arns == [
        f"arn:aws:workspaces:{REGION}:{ACCOUNT_ID}:workspaceimage/wsi-123456789",
        f"arn:aws:workspaces:{OTHER_REGION}:{ACCOUNT_ID}:workspaceimage/*",
    ]
    assert all(context["aws:TagKeys"] == ["k"] for _, context in checks[0].resources)


@pytest.mark.parametrize(
    ("operation", "params", "resources"),
    [
        (
            "UpdateWorkspaceImagePermission",
            {"ImageId": "wsi-123456789"},
            ["workspaceimage/wsi-123456789"],
        ),
        (
            "DescribeWorkspaceImagePermissions",
            {"ImageId": "wsi-123456789"},
            ["workspaceimage/wsi-123456789"],
        ),
        (
            "CreateWorkspaceBundle",
            {"ImageId": "wsi-123456789"},
            ["workspacebundle/*", "workspaceimage/wsi-123456789"],
        ),
        (
            "UpdateWorkspaceBundle",
            {"BundleId": "wsb-12345678", "ImageId": "wsi-123456789"},
            ["workspacebundle/wsb-12345678", "workspaceimage/wsi-123456789"],
        ),
        ("DeleteWorkspaceBundle", {"BundleId": "wsb-12345678"}, ["workspacebundle/wsb-12345678"]),
    ],
)
def test_iam_places_the_delivery_calls_on_their_resources(
    operation: str, params: dict[str, Any], resources: list[str]
) -> None:
    """Given each delivery call, then IAM checks it on the SAR resource types it names."""
    [check] = checks_for(iam_call(operation, **params))
    prefix = f"arn:aws:workspaces:{OTHER_REGION}:{ACCOUNT_ID}:"
    assert [arn for arn, _ in check.resources] == [prefix + r for r in resources]


def test_a_bundle_created_with_tags_also_needs_create_tags() -> None:
    """Given CreateWorkspaceBundle with Tags, then IAM also checks workspaces:CreateTags with
    those request tags (the API reference's note), as for the imports and copies."""
    tags = [{"Key": "byol-import:managed-by", "Value": "byol-import"}]
    checks = checks_for(iam_call("CreateWorkspaceBundle", ImageId="wsi-123456789", Tags=tags))
    assert [(c.action, c.needed_by) for c in checks] == [
        ("workspaces:CreateWorkspaceBundle", None),
        ("workspaces:CreateTags", "workspaces:CreateWorkspaceBundle"),
    ]
