"""The embedded WorkSpaces BYOL service. Each test cites the documented rule it checks
(docs/byol-api-facts.md, a copy of the team's reference)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from local_aws.harness import LocalAws
from local_aws.workspaces_byol import Faults, ImportFault


def code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


def enable(aws: LocalAws, ws: Any, cidr: str = "10.0.0.0/16") -> None:
    ws.modify_account(DedicatedTenancySupport="ENABLED", DedicatedTenancyManagementCidrRange=cidr)
    aws.clock.advance(aws.timings.modification_seconds)


def test_a_new_account_is_disabled(ws: Any) -> None:
    """DescribeAccount: DedicatedTenancySupport ENABLED/DISABLED."""
    assert ws.describe_account()["DedicatedTenancySupport"] == "DISABLED"


def test_cidr_list_is_paged_with_at_most_five(ws: Any) -> None:
    """ListAvailableManagementCidrRanges: MaxResults 1-5, NextToken; each x.y.0.0/16."""
    first = ws.list_available_management_cidr_ranges(
        ManagementCidrRangeConstraint="10.0.0.0/8", MaxResults=5
    )
    assert len(first["ManagementCidrRanges"]) == 5 and first["NextToken"]
    second = ws.list_available_management_cidr_ranges(
        ManagementCidrRangeConstraint="10.0.0.0/8", MaxResults=5, NextToken=first["NextToken"]
    )
    assert not set(first["ManagementCidrRanges"]) & set(second["ManagementCidrRanges"])
    assert all(c.endswith(".0.0/16") for c in second["ManagementCidrRanges"])
    with pytest.raises(ClientError) as caught:
        ws.list_available_management_cidr_ranges(
            ManagementCidrRangeConstraint="10.0.0.0/8", MaxResults=6
        )
    assert code(caught) == "ValidationException"


def test_cidr_list_stays_inside_the_constraint_and_does_not_hide_vpcs(
    aws: LocalAws, ws: Any
) -> None:
    """Management CIDR: inside the constraint. That AWS hides ranges overlapping the account's
    VPCs is undocumented: they are listed, and avoiding them is the caller's job."""
    aws.create_vpc("192.168.0.0/16")
    listed = ws.list_available_management_cidr_ranges(
        ManagementCidrRangeConstraint="192.168.0.0/16"
    )["ManagementCidrRanges"]
    assert listed == ["192.168.0.0/16"]
    listed = ws.list_available_management_cidr_ranges(
        ManagementCidrRangeConstraint="172.16.0.0/12", MaxResults=5
    )["ManagementCidrRanges"]
    assert listed[0] == "172.16.0.0/16"


def test_enablement_is_pending_for_hours_then_completed(aws: LocalAws, ws: Any) -> None:
    """ModifyAccount: enabling "may take several hours"; the CIDR is then the account's."""
    ws.modify_account(
        DedicatedTenancySupport="ENABLED", DedicatedTenancyManagementCidrRange="10.0.0.0/16"
    )
    mods = ws.describe_account_modifications()["AccountModifications"]
    assert [m["ModificationState"] for m in mods] == ["PENDING"]
    aws.clock.advance(aws.timings.modification_seconds - 1)
    assert ws.describe_account()["DedicatedTenancySupport"] == "DISABLED"
    aws.clock.advance(1)
    assert ws.describe_account()["DedicatedTenancyManagementCidrRange"] == "10.0.0.0/16"
    assert (
        ws.describe_account_modifications()["AccountModifications"][0]["ModificationState"]
        == "COMPLETED"
    )


@pytest.mark.parametrize(
    ("support", "cidr", "error"),
    [
        ("DISABLED", "10.0.0.0/16", "InvalidParameterValuesException"),
        ("ENABLED", "10.0.0.0/24", "ValidationException"),
        ("ENABLED", "8.8.0.0/16", "InvalidParameterValuesException"),
    ],
)
def test_modify_account_enforces_its_inputs(ws: Any, support: str, cidr: str, error: str) -> None:
    """ModifyAccount: only ENABLED; a /16 the list call returned."""
    with pytest.raises(ClientError) as caught:
        ws.modify_account(DedicatedTenancySupport=support, DedicatedTenancyManagementCidrRange=cidr)
    assert code(caught) == error


def test_no_second_change_while_pending_and_no_cidr_change_ever(aws: LocalAws, ws: Any) -> None:
    """ModifyAccount: "The CIDR cannot be changed once set"; a call during PENDING fails
    (likely InvalidResourceState)."""
    ws.modify_account(
        DedicatedTenancySupport="ENABLED", DedicatedTenancyManagementCidrRange="10.0.0.0/16"
    )
    with pytest.raises(ClientError) as caught:
        ws.modify_account(
            DedicatedTenancySupport="ENABLED", DedicatedTenancyManagementCidrRange="10.1.0.0/16"
        )
    assert code(caught) == "InvalidResourceStateException"
    aws.clock.advance(aws.timings.modification_seconds)
    with pytest.raises(ClientError) as caught:
        ws.modify_account(
            DedicatedTenancySupport="ENABLED", DedicatedTenancyManagementCidrRange="10.1.0.0/16"
        )
    assert code(caught) == "InvalidResourceStateException"


@pytest.mark.parametrize("faults", [Faults(not_eligible=True)])
def test_an_account_not_approved_gets_access_denied(ws: Any) -> None:
    """ListAvailableManagementCidrRanges: AccessDenied means not eligible for BYOL."""
    with pytest.raises(ClientError) as caught:
        ws.list_available_management_cidr_ranges(ManagementCidrRangeConstraint="10.0.0.0/8")
    assert code(caught) == "AccessDeniedException"


@pytest.mark.parametrize("faults", [Faults(modification_failure=("InternalError", "It broke"))])
def test_a_failed_modification_carries_its_error(aws: LocalAws, ws: Any) -> None:
    """DescribeAccountModifications: FAILED with ErrorCode and ErrorMessage."""
    enable(aws, ws)
    mod = ws.describe_account_modifications()["AccountModifications"][0]
    assert (mod["ModificationState"], mod["ErrorCode"], mod["ErrorMessage"]) == (
        "FAILED",
        "InternalError",
        "It broke",
    )
    assert ws.describe_account()["DedicatedTenancySupport"] == "DISABLED"


def import_kwargs(ami: str, name: str = "win11-gold", **over: Any) -> dict[str, Any]:
    kwargs = {
        "Ec2ImageId": ami,
        "IngestionProcess": "BYOL_REGULAR_WSP",
        "ImageName": name,
        "ImageDescription": "Windows 11 gold",
    }
    kwargs.update(over)
    return kwargs


def test_import_needs_byol_enabled(aws: LocalAws, ws: Any) -> None:
    """ImportWorkspaceImage: BYOL must be enabled first (OperationNotSupported)."""
    with pytest.raises(ClientError) as caught:
        ws.import_workspace_image(**import_kwargs(aws.create_windows_ami()))
    assert code(caught) == "OperationNotSupportedException"


def test_an_import_is_pending_then_available_and_dedicated(aws: LocalAws, ws: Any) -> None:
    """Import takes at least 90 minutes; images are DEDICATED, owned by the account."""
    enable(aws, ws)
    image_id = ws.import_workspace_image(**import_kwargs(aws.create_windows_ami()))["ImageId"]
    image = ws.describe_workspace_images(ImageIds=[image_id])["Images"][0]
    assert (image["State"], image["RequiredTenancy"], image["OwnerAccountId"]) == (
        "PENDING",
        "DEDICATED",
        "123456789012",
    )
    aws.clock.advance(90 * 60)
    assert ws.describe_workspace_images(ImageIds=[image_id])["Images"][0]["State"] == "PENDING"
    aws.clock.advance(aws.timings.import_seconds)
    assert ws.describe_workspace_images(ImageIds=[image_id])["Images"][0]["State"] == "AVAILABLE"


def test_office_imports_take_longer(aws: LocalAws, ws: Any) -> None:
    """Import: at least 3 hours with Office."""
    enable(aws, ws)
    image_id = ws.import_workspace_image(
        **import_kwargs(aws.create_windows_ami(), Applications=["Microsoft_Office_2019"])
    )["ImageId"]
    aws.clock.advance(3 * 3600)
    assert ws.describe_workspace_images(ImageIds=[image_id])["Images"][0]["State"] == "PENDING"


@pytest.mark.parametrize(
    ("over", "error"),
    [
        ({"ImageName": "has space"}, "ValidationException"),
        ({"ImageName": "colon:no"}, "ValidationException"),
        ({"ImageDescription": "semicolon;"}, "ValidationException"),
        ({"Ec2ImageId": "ami-XYZ"}, "ValidationException"),
        ({"IngestionProcess": "FAST"}, "ValidationException"),
        ({"Ec2ImageId": "ami-0123456789abcdef0"}, "ResourceNotFoundException"),
    ],
)
def test_import_enforces_the_request_patterns(
    aws: LocalAws, ws: Any, over: dict[str, Any], error: str
) -> None:
    """ImportWorkspaceImage: Ec2ImageId, ImageName and ImageDescription patterns; the AMI must
    exist."""
    enable(aws, ws)
    with pytest.raises(ClientError) as caught:
        ws.import_workspace_image(**import_kwargs(aws.create_windows_ami(), **over))
    assert code(caught) == error


def test_import_needs_an_ami_of_this_account(aws: LocalAws, ws: Any) -> None:
    """The AMI: owned by the account."""
    enable(aws, ws)
    with pytest.raises(ClientError) as caught:
        ws.import_workspace_image(**import_kwargs(aws.create_windows_ami(owner="999999999999")))
    assert code(caught) == "InvalidParameterValuesException"


def test_image_names_are_unique(aws: LocalAws, ws: Any) -> None:
    """ImportWorkspaceImage: ResourceAlreadyExists (name taken)."""
    enable(aws, ws)
    ws.import_workspace_image(**import_kwargs(aws.create_windows_ami()))
    with pytest.raises(ClientError) as caught:
        ws.import_workspace_image(**import_kwargs(aws.create_windows_ami()))
    assert code(caught) == "ResourceAlreadyExistsException"


def test_the_image_quota_is_forty(aws: LocalAws, ws: Any) -> None:
    """Times and quotas: 40 images per Region by default (ResourceLimitExceeded)."""
    enable(aws, ws)
    ami = aws.create_windows_ami()
    for i in range(40):
        ws.import_workspace_image(**import_kwargs(ami, name=f"img-{i}"))
    with pytest.raises(ClientError) as caught:
        ws.import_workspace_image(**import_kwargs(ami, name="img-40"))
    assert code(caught) == "ResourceLimitExceededException"
    owned = ws.get_paginator("describe_workspace_images").paginate(ImageType="OWNED", MaxResults=25)
    pages = list(owned)
    assert len(pages) == 2 and sum(len(p["Images"]) for p in pages) == 40


@pytest.mark.parametrize(
    "faults",
    [
        Faults(
            import_errors={
                "*": ImportFault(
                    "ImportFailed", "Validation failed", ("OSNotSupported", "ZeroRearmCount")
                )
            }
        )
    ],
)
def test_an_import_can_end_in_error_with_details(aws: LocalAws, ws: Any) -> None:
    """DescribeWorkspaceImages: ERROR with ErrorCode, ErrorMessage and ErrorDetails."""
    enable(aws, ws)
    image_id = ws.import_workspace_image(**import_kwargs(aws.create_windows_ami()))["ImageId"]
    aws.clock.advance(aws.timings.import_seconds)
    image = ws.describe_workspace_images(ImageIds=[image_id])["Images"][0]
    assert image["State"] == "ERROR" and image["ErrorCode"] == "ImportFailed"
    assert [d["ErrorCode"] for d in image["ErrorDetails"]] == ["OSNotSupported", "ZeroRearmCount"]


def test_a_pending_image_cannot_be_deleted(aws: LocalAws, ws: Any) -> None:
    """DeleteWorkspaceImage: InvalidResourceState."""
    enable(aws, ws)
    image_id = ws.import_workspace_image(**import_kwargs(aws.create_windows_ami()))["ImageId"]
    with pytest.raises(ClientError) as caught:
        ws.delete_workspace_image(ImageId=image_id)
    assert code(caught) == "InvalidResourceStateException"
    aws.clock.advance(aws.timings.import_seconds)
    ws.delete_workspace_image(ImageId=image_id)
    assert ws.describe_workspace_images(ImageIds=[image_id])["Images"] == []


def test_imported_images_carry_their_tags(aws: LocalAws, ws: Any) -> None:
    """ImportWorkspaceImage: Tags (needs workspaces:CreateTags)."""
    enable(aws, ws)
    image_id = ws.import_workspace_image(
        **import_kwargs(aws.create_windows_ami(), Tags=[{"Key": "team", "Value": "euc"}])
    )["ImageId"]
    assert ws.describe_tags(ResourceId=image_id)["TagList"] == [{"Key": "team", "Value": "euc"}]


@pytest.mark.parametrize("faults", [Faults(throttle={"DescribeAccount": 1})])
def test_throttling_can_be_injected_on_any_operation(aws: LocalAws, ws: Any) -> None:
    """Times and quotas: about 2 calls per second per account: expect throttling."""
    with pytest.raises(ClientError) as caught:
        aws.client("workspaces", retries=False).describe_account()  # no SDK retry hides it
    assert code(caught) == "ThrottlingException"
    assert ws.describe_account()["DedicatedTenancySupport"] == "DISABLED"


@pytest.mark.parametrize(
    "faults", [Faults(throttle={"ec2:DescribeImages": 1}, server_error={"dynamodb:GetItem": 1})]
)
def test_faults_reach_other_services_too(aws: LocalAws) -> None:
    with pytest.raises(ClientError) as caught:
        aws.client("ec2", retries=False).describe_images(ImageIds=["ami-12345678"])
    assert code(caught) == "RequestLimitExceeded"
    with pytest.raises(ClientError) as caught:
        aws.client("dynamodb", retries=False).get_item(
            TableName=aws.lock_table, Key={"LockId": {"S": "x"}}
        )
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500


def test_clients_speak_the_wire_protocol_boto3_chooses(aws: LocalAws, checked_ws: Any) -> None:
    """The wire protocol: boto3 picks from smithy-rpc-v2-cbor and JSON; we answer what it sends."""
    assert checked_ws.meta.service_model.metadata["targetPrefix"] == "WorkspacesService"
    assert checked_ws.describe_account()["ResponseMetadata"]["HTTPStatusCode"] == 200
