"""The boto3 edge, with botocore's Stubber (each request is checked against the real service
model) plus the patterns botocore does not check."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

from byol_import import errors
from byol_import.gateways.aws import (
    Ec2Gateway,
    LockGateway,
    Notifier,
    Starter,
    WorkSpacesGateway,
)
from tests.api_patterns import attach


def stubbed(service: str) -> tuple[Any, Stubber]:
    client = boto3.client(service, region_name="eu-west-1")
    attach(client)
    return client, Stubber(client)


@pytest.fixture
def ws() -> Iterator[tuple[WorkSpacesGateway, Stubber]]:
    client, stub = stubbed("workspaces")
    with stub:
        yield WorkSpacesGateway(client), stub
        stub.assert_no_pending_responses()


def test_modifications_are_read_from_every_page(ws: tuple[WorkSpacesGateway, Stubber]) -> None:
    gateway, stub = ws
    t = datetime(2026, 11, 1, tzinfo=UTC)
    stub.add_response("describe_account_modifications", {
        "AccountModifications": [{"ModificationState": "FAILED", "StartTime": t}],
        "NextToken": "p2"}, {})
    stub.add_response("describe_account_modifications", {
        "AccountModifications": [{"ModificationState": "PENDING", "StartTime": t}]},
        {"NextToken": "p2"})
    assert [m["ModificationState"] for m in gateway.account_modifications()] == [
        "FAILED", "PENDING"]


def test_cidr_pages_are_read_lazily_with_at_most_five(
        ws: tuple[WorkSpacesGateway, Stubber]) -> None:
    gateway, stub = ws
    stub.add_response("list_available_management_cidr_ranges", {
        "ManagementCidrRanges": ["10.0.0.0/16", "10.1.0.0/16"], "NextToken": "n"},
        {"ManagementCidrRangeConstraint": "10.0.0.0/8", "MaxResults": 5})
    cidrs = gateway.available_cidrs("10.0.0.0/8")
    assert next(cidrs) == "10.0.0.0/16"
    assert next(cidrs) == "10.1.0.0/16"
    # the second page is only asked for when the first had no usable range
    stub.add_response("list_available_management_cidr_ranges", {
        "ManagementCidrRanges": ["10.2.0.0/16"]},
        {"ManagementCidrRangeConstraint": "10.0.0.0/8", "MaxResults": 5, "NextToken": "n"})
    assert list(cidrs) == ["10.2.0.0/16"]


PRINCIPAL = ("User: arn:aws:sts::123456789012:assumed-role/ByolImport-Role/ByolImport-CheckAccount"
             " is not authorized to perform: workspaces:DescribeAccount")


@pytest.mark.parametrize(("operation", "permissions"), [
    ("describe_account", ["workspaces:DescribeAccount"]),
    ("modify_account", ["workspaces:ModifyAccount"]),
    ("import_workspace_image", ["workspaces:ImportWorkspaceImage", "workspaces:CreateTags",
                                "ec2:DescribeImages", "ec2:ModifyImageAttribute"]),
])
def test_access_denied_names_the_permission_and_the_function(
        ws: tuple[WorkSpacesGateway, Stubber], operation: str, permissions: list[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a function whose role lacks a permission (any account may call these operations)
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "ByolImport-CheckAccount")
    gateway, stub = ws
    stub.add_client_error(operation, "AccessDeniedException", PRINCIPAL)
    # When the call is denied
    with pytest.raises(errors.AccessDenied) as caught:
        if operation == "modify_account":
            gateway.modify_account("10.0.0.0/16")
        elif operation == "describe_account":
            gateway.describe_account()
        else:
            gateway.import_image(**IMPORT)
    # Then the message keeps AWS's words (the principal), names the role's missing
    # permissions and the function, and is not mistaken for BYOL eligibility
    message = caught.value.message
    assert PRINCIPAL in message
    assert all(p in message for p in permissions), message
    assert "function ByolImport-CheckAccount" in message
    assert "approve" not in message


def test_access_denied_on_the_cidr_list_names_both_causes(
        ws: tuple[WorkSpacesGateway, Stubber], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "ByolImport-EnableByol")
    gateway, stub = ws
    stub.add_client_error("list_available_management_cidr_ranges", "AccessDeniedException",
                          "The account is not authorized to use BYOL.")
    with pytest.raises(errors.ByolNotEligible) as caught:
        list(gateway.available_cidrs("10.0.0.0/8"))
    message = caught.value.message
    # not approved for BYOL, or the role lacks this one action: both, and what to check
    assert "not approved this account for WorkSpaces BYOL" in message
    assert "lacks workspaces:ListAvailableManagementCidrRanges" in message
    assert "function ByolImport-EnableByol" in message
    assert "The account is not authorized to use BYOL." in message


@pytest.mark.parametrize(("code", "status"), [("ThrottlingException", 400),
                                              ("InternalServerError", 500)])
def test_throttling_and_faults_are_transient(ws: tuple[WorkSpacesGateway, Stubber], code: str,
                                             status: int) -> None:
    gateway, stub = ws
    stub.add_client_error("describe_account", code, "slow down", http_status_code=status)
    with pytest.raises(errors.TransientAwsError):
        gateway.describe_account()


def test_modify_account_sends_enabled_and_the_cidr(ws: tuple[WorkSpacesGateway, Stubber]) -> None:
    gateway, stub = ws
    stub.add_response("modify_account", {}, {"DedicatedTenancySupport": "ENABLED",
                                             "DedicatedTenancyManagementCidrRange": "10.4.0.0/16"})
    assert gateway.modify_account("10.4.0.0/16") is True


def test_modify_account_during_a_pending_change_reports_it_for_adoption(
        ws: tuple[WorkSpacesGateway, Stubber]) -> None:
    gateway, stub = ws
    stub.add_client_error("modify_account", "InvalidResourceStateException", "in progress")
    assert gateway.modify_account("10.4.0.0/16") is False


IMPORT: dict[str, Any] = {
    "ami_id": "ami-0abcdef1234567890", "ingestion_process": "BYOL_REGULAR_WSP",
          "name": "win11-ami-0abcdef1234567890", "description": "Windows 11",
          "tags": [{"Key": "byol-import:managed-by", "Value": "byol-import"}],
          "applications": ["Microsoft_Office_2019"]}


def test_import_sends_a_valid_request(ws: tuple[WorkSpacesGateway, Stubber]) -> None:
    gateway, stub = ws
    stub.add_response("import_workspace_image", {"ImageId": "wsi-123456789"}, {
        "Ec2ImageId": IMPORT["ami_id"], "IngestionProcess": "BYOL_REGULAR_WSP",
        "ImageName": IMPORT["name"], "ImageDescription": "Windows 11", "Tags": IMPORT["tags"],
        "Applications": ["Microsoft_Office_2019"]})
    assert gateway.import_image(**IMPORT) == "wsi-123456789"


@pytest.mark.parametrize(("code", "error"), [
    ("ResourceAlreadyExistsException", errors.ImageNameTaken),
    ("ResourceLimitExceededException", errors.ImageQuotaExceeded),
    ("OperationNotSupportedException", errors.ImageImportRejected),
    ("InvalidParameterValuesException", errors.ImageImportRejected),
    ("AccessDeniedException", errors.AccessDenied),
])
def test_import_errors_become_typed_errors(ws: tuple[WorkSpacesGateway, Stubber], code: str,
                                           error: type[Exception]) -> None:
    gateway, stub = ws
    stub.add_client_error("import_workspace_image", code, "no")
    with pytest.raises(error):
        gateway.import_image(**IMPORT)


def test_finding_an_image_by_name_pages_owned_images(
        ws: tuple[WorkSpacesGateway, Stubber]) -> None:
    gateway, stub = ws
    stub.add_response("describe_workspace_images", {
        "Images": [{"ImageId": "wsi-111111111", "Name": "other"}], "NextToken": "t"},
        {"ImageType": "OWNED", "MaxResults": 25})
    stub.add_response("describe_workspace_images", {
        "Images": [{"ImageId": "wsi-222222222", "Name": "mine"}]},
        {"ImageType": "OWNED", "MaxResults": 25, "NextToken": "t"})
    assert gateway.find_owned_image("mine") == {"ImageId": "wsi-222222222", "Name": "mine"}


@pytest.fixture
def ec2() -> Iterator[tuple[Ec2Gateway, Stubber]]:
    client, stub = stubbed("ec2")
    with stub:
        yield Ec2Gateway(client), stub
        stub.assert_no_pending_responses()


def test_a_missing_ami_is_none(ec2: tuple[Ec2Gateway, Stubber]) -> None:
    gateway, stub = ec2
    stub.add_client_error("describe_images", "InvalidAMIID.NotFound", "gone")
    assert gateway.describe_image("ami-0abcdef1234567890") is None


def test_vpc_cidrs_cover_every_association_and_page(ec2: tuple[Ec2Gateway, Stubber]) -> None:
    gateway, stub = ec2
    stub.add_response("describe_vpcs", {"Vpcs": [{"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16",
        "CidrBlockAssociationSet": [
            {"CidrBlock": "10.0.0.0/16", "CidrBlockState": {"State": "associated"}},
            {"CidrBlock": "100.64.0.0/16", "CidrBlockState": {"State": "associated"}},
            {"CidrBlock": "10.9.0.0/16", "CidrBlockState": {"State": "disassociated"}}]}],
        "NextToken": "x"}, {"MaxResults": 1000})
    stub.add_response("describe_vpcs", {"Vpcs": [{"VpcId": "vpc-2", "CidrBlock": "172.31.0.0/16"}]},
                      {"MaxResults": 1000, "NextToken": "x"})
    assert gateway.vpc_cidrs() == ["10.0.0.0/16", "100.64.0.0/16", "172.31.0.0/16"]


def test_status_tags_are_written_to_the_ami(ec2: tuple[Ec2Gateway, Stubber]) -> None:
    gateway, stub = ec2
    stub.add_response("create_tags", {}, {"Resources": ["ami-0abcdef1234567890"],
                                          "Tags": [{"Key": "byol-import:status",
                                                    "Value": "AVAILABLE"}]})
    gateway.tag_image("ami-0abcdef1234567890", {"byol-import:status": "AVAILABLE"})


@pytest.fixture
def lock() -> Iterator[tuple[LockGateway, Stubber]]:
    client, stub = stubbed("dynamodb")
    with stub:
        yield LockGateway(client, "locks"), stub
        stub.assert_no_pending_responses()


def test_lock_is_taken_with_a_conditional_put(lock: tuple[LockGateway, Stubber]) -> None:
    gateway, stub = lock
    stub.add_response("put_item", {}, {
        "TableName": "locks", "Item": {"LockId": {"S": "L"}, "Owner": {"S": "me"},
                                       "ExpiresAt": {"N": "1100"}},
        "ConditionExpression": ANY, "ExpressionAttributeNames": {"#owner": "Owner"},
        "ExpressionAttributeValues": {":owner": {"S": "me"}, ":now": {"N": "1000"}}})
    assert gateway.try_acquire("L", "me", 1000, 100) is None


def test_a_held_lock_names_its_holder(lock: tuple[LockGateway, Stubber]) -> None:
    gateway, stub = lock
    stub.add_client_error("put_item", "ConditionalCheckFailedException", "held")
    stub.add_response("get_item", {"Item": {"LockId": {"S": "L"}, "Owner": {"S": "other"}}},
                      {"TableName": "locks", "Key": {"LockId": {"S": "L"}},
                       "ConsistentRead": True})
    assert gateway.try_acquire("L", "me", 1000, 100) == "other"


def test_release_frees_only_our_own_lock(lock: tuple[LockGateway, Stubber]) -> None:
    gateway, stub = lock
    stub.add_client_error("delete_item", "ConditionalCheckFailedException", "not ours")
    assert gateway.release("L", "me") is False


def test_repeated_execution_name_is_not_an_error() -> None:
    client, stub = stubbed("stepfunctions")
    with stub:
        stub.add_client_error("start_execution", "ExecutionAlreadyExists", "exists")
        assert Starter(client, "arn:aws:states:eu-west-1:123456789012:stateMachine:x").start(
            "ami-0abcdef1234567890-00000000", "{}") is False


def test_unconfigured_resources_fail_clearly() -> None:
    with pytest.raises(errors.ConfigurationError):
        Notifier(boto3.client("sns", region_name="eu-west-1"), "")
    with pytest.raises(errors.ConfigurationError):
        LockGateway(boto3.client("dynamodb", region_name="eu-west-1"), "")
