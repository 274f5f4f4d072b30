"""Documented errors reached naturally: malformed ids, enum values, CIDR constraints, unknown
images, a /16 taken since it was listed. Rules: docs/byol-api-facts.md, "Validation"."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from local_aws.harness import LocalAws
from local_aws.workspaces_byol import Faults
from tests.emulator.test_workspaces_byol import code, enable


@pytest.mark.parametrize("image_id", ["wsi-XYZ", "wsi-12345678", "ami-0123456789", ""])
def test_delete_refuses_a_malformed_image_id(ws: Any, image_id: str) -> None:
    """DeleteWorkspaceImage ImageId: pattern wsi-[0-9a-z]{9,63}$ (ValidationException)."""
    with pytest.raises(ClientError) as caught:
        ws.delete_workspace_image(ImageId=image_id)
    assert code(caught) == "ValidationException"


def test_delete_of_an_unknown_image_is_not_found(ws: Any) -> None:
    """DeleteWorkspaceImage of a well-formed unknown id: ResourceNotFound (unconfirmed: the
    stricter choice; AWS may answer {})."""
    with pytest.raises(ClientError) as caught:
        ws.delete_workspace_image(ImageId="wsi-0123456789")
    assert code(caught) == "ResourceNotFoundException"


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"ImageType": "MINE"}, "ValidationException"),
        ({"ImageIds": ["wsi-BAD"]}, "ValidationException"),
        ({"MaxResults": 26}, "ValidationException"),
    ],
)
def test_describe_images_enforces_the_model(ws: Any, kwargs: dict[str, Any], error: str) -> None:
    """DescribeWorkspaceImages: ImageType OWNED/SHARED, ImageIds pattern, MaxResults 1-25."""
    with pytest.raises(ClientError) as caught:
        ws.describe_workspace_images(**kwargs)
    assert code(caught) == error


@pytest.mark.parametrize("constraint", ["10.0.0.0", "10.0.0.0/33", "10.0.0/8", "fd00::/8"])
def test_a_cidr_constraint_needs_its_prefix(ws: Any, constraint: str) -> None:
    """ListAvailableManagementCidrRanges: ManagementCidrRangeConstraint pattern x.x.x.x/n."""
    with pytest.raises(ClientError) as caught:
        ws.list_available_management_cidr_ranges(ManagementCidrRangeConstraint=constraint)
    assert code(caught) == "ValidationException"


def test_a_cidr_taken_since_it_was_listed_is_resource_unavailable(
    aws: LocalAws, ws: Any, faults: Faults
) -> None:
    """ModifyAccount: ResourceUnavailable; "availability changes often": a /16 listed a moment
    ago and taken since."""
    [cidr] = ws.list_available_management_cidr_ranges(
        ManagementCidrRangeConstraint="10.0.0.0/8", MaxResults=1
    )["ManagementCidrRanges"]
    faults.unavailable_cidrs.add(cidr)
    with pytest.raises(ClientError) as caught:
        ws.modify_account(
            DedicatedTenancySupport="ENABLED", DedicatedTenancyManagementCidrRange=cidr
        )
    assert code(caught) == "ResourceUnavailableException"


def test_a_vpc_range_is_not_refused_by_modify_account(aws: LocalAws, ws: Any) -> None:
    """Management CIDR: refusing a /16 that overlaps the account's VPCs is undocumented: the
    emulator accepts it (the workflow must avoid it itself)."""
    aws.create_vpc("10.0.0.0/16")
    enable(aws, ws, "10.0.0.0/16")
    assert ws.describe_account()["DedicatedTenancyManagementCidrRange"] == "10.0.0.0/16"


def test_the_account_cidr_is_never_listed_again(aws: LocalAws, ws: Any) -> None:
    """ListAvailableManagementCidrRanges: the CIDR in use by the account is not available."""
    enable(aws, ws, "10.0.0.0/16")
    listed = ws.list_available_management_cidr_ranges(ManagementCidrRangeConstraint="10.0.0.0/15")[
        "ManagementCidrRanges"
    ]
    assert listed == ["10.1.0.0/16"]
