"""Fault injection reaches every documented error of every call byol-import makes, answered in
the service's own protocol with the documented HTTP status (local_aws/aws_errors.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from byol_import.gateways.aws_call import PERMISSIONS
from local_aws import aws_errors
from local_aws.harness import LocalAws
from local_aws.throttling import Throttling

WSI = "wsi-123456789"
WSB = "wsb-12345678"
AMI = "ami-12345678"


@pytest.fixture(scope="module")
def aws() -> Iterator[LocalAws]:
    # One embedded AWS for the module: each case injects one counted error before the call.
    # The matrix makes hundreds of calls in no virtual time, without SDK retries: the account's
    # rate limits (tested in tests/emulator/test_throttling.py) would refuse the matrix itself.
    with LocalAws(throttling=Throttling.off()) as env:
        yield env


def calls(aws: LocalAws) -> dict[str, Callable[[], Any]]:
    """One valid request per operation the workflow makes (the fault answers before it runs)."""
    # No SDK retries: a retryable code injected once would otherwise be retried away.
    ws, ec2, ddb, sns, sfn = (
        aws.client(s, retries=False)
        for s in ("workspaces", "ec2", "dynamodb", "sns", "stepfunctions")
    )
    key = {"LockId": {"S": "probe"}}
    return {
        "workspaces:DescribeAccount": ws.describe_account,
        "workspaces:DescribeAccountModifications": ws.describe_account_modifications,
        "workspaces:ListAvailableManagementCidrRanges": lambda: (
            ws.list_available_management_cidr_ranges(
                ManagementCidrRangeConstraint="10.0.0.0/8", MaxResults=5
            )
        ),
        "workspaces:ModifyAccount": lambda: ws.modify_account(
            DedicatedTenancySupport="ENABLED", DedicatedTenancyManagementCidrRange="10.4.0.0/16"
        ),
        "workspaces:ImportWorkspaceImage": lambda: ws.import_workspace_image(
            Ec2ImageId=AMI,
            IngestionProcess="BYOL_REGULAR_WSP",
            ImageName="probe",
            ImageDescription="probe",
        ),
        "workspaces:ImportCustomWorkspaceImage": lambda: ws.import_custom_workspace_image(
            ImageName="probe",
            ImageDescription="probe",
            ComputeType="BASE",
            Protocol="DCV",
            ImageSource={"Ec2ImageId": AMI},
            InfrastructureConfigurationArn=(
                "arn:aws:imagebuilder:eu-west-1:123456789012:infrastructure-configuration/probe"
            ),
            Platform="WINDOWS",
            OsVersion="Windows_11",
        ),
        "workspaces:DescribeCustomWorkspaceImageImport": lambda: (
            ws.describe_custom_workspace_image_import(ImageId=WSI)
        ),
        "workspaces:DescribeWorkspaceImages": lambda: ws.describe_workspace_images(ImageIds=[WSI]),
        "workspaces:DescribeTags": lambda: ws.describe_tags(ResourceId=WSI),
        "workspaces:DeleteWorkspaceImage": lambda: ws.delete_workspace_image(ImageId=WSI),
        "workspaces:DescribeWorkspaceBundles": lambda: ws.describe_workspace_bundles(
            BundleIds=[WSB]
        ),
        "workspaces:CreateWorkspaceBundle": lambda: ws.create_workspace_bundle(
            BundleName="probe",
            BundleDescription="probe",
            ImageId=WSI,
            ComputeType={"Name": "STANDARD"},
            UserStorage={"Capacity": "50"},
        ),
        "workspaces:UpdateWorkspaceBundle": lambda: ws.update_workspace_bundle(
            BundleId=WSB, ImageId=WSI
        ),
        "workspaces:CreateTags": lambda: ws.create_tags(
            ResourceId=WSB, Tags=[{"Key": "k", "Value": "v"}]
        ),
        "workspaces:CopyWorkspaceImage": lambda: ws.copy_workspace_image(
            Name="probe", SourceImageId=WSI, SourceRegion="eu-west-1"
        ),
        "workspaces:UpdateWorkspaceImagePermission": lambda: ws.update_workspace_image_permission(
            ImageId=WSI, AllowCopyImage=True, SharedAccountId="111122223333"
        ),
        "ec2:DescribeImages": lambda: ec2.describe_images(ImageIds=[AMI]),
        "ec2:DescribeVpcs": lambda: ec2.describe_vpcs(MaxResults=1000),
        "ec2:CreateTags": lambda: ec2.create_tags(
            Resources=[AMI], Tags=[{"Key": "k", "Value": "v"}]
        ),
        "dynamodb:PutItem": lambda: ddb.put_item(TableName=aws.lock_table, Item=key),
        "dynamodb:GetItem": lambda: ddb.get_item(TableName=aws.lock_table, Key=key),
        "dynamodb:DeleteItem": lambda: ddb.delete_item(TableName=aws.lock_table, Key=key),
        "sns:Publish": lambda: sns.publish(TopicArn=aws.topic_arn, Message="m"),
        "stepfunctions:StartExecution": lambda: sfn.start_execution(
            stateMachineArn=aws.state_machine_arn, name="probe", input="{}"
        ),
        "imagebuilder:GetImage": lambda: aws.client("imagebuilder", retries=False).get_image(
            imageBuildVersionArn="arn:aws:imagebuilder:eu-west-1:123456789012:image/p/1.0.0/1"
        ),
    }


def fault_key(operation: str) -> str:
    """Faults name WorkSpaces operations bare, other services' as service:Operation."""
    service, name = operation.split(":")
    return name if service == "workspaces" else operation


CASES = [(op, code) for op in PERMISSIONS for code in aws_errors.documented_errors(*op.split(":"))]


def test_every_call_the_gateway_makes_has_a_catalogue() -> None:
    assert {op for op, _ in CASES} == set(PERMISSIONS)
    # AccessDenied on every call, in each service's spelling
    for op in PERMISSIONS:
        service = op.split(":")[0]
        assert aws_errors.ACCESS_DENIED[service][0] in aws_errors.documented_errors(*op.split(":"))


@pytest.mark.parametrize(("operation", "code"), CASES, ids=[f"{o}-{c}" for o, c in CASES])
def test_every_documented_error_can_be_injected(aws: LocalAws, operation: str, code: str) -> None:
    # Given one documented error injected into the operation
    service, name = operation.split(":")
    spec = aws_errors.lookup(service, name, code)
    aws.faults.errors[fault_key(operation)] = {code: 1}
    # When a real botocore client calls it
    with pytest.raises(ClientError) as caught:
        calls(aws)[operation]()
    # Then botocore reads the documented code, message and HTTP status from the service's own
    # protocol (JSON, query XML or EC2 XML), and the fault is spent
    response = caught.value.response
    assert response["Error"]["Code"] == code
    assert response["Error"]["Message"]
    assert response["ResponseMetadata"]["HTTPStatusCode"] == spec.status
    assert aws.faults.errors[fault_key(operation)] == {code: 0}


def test_access_denied_names_the_principal_and_the_action(aws: LocalAws) -> None:
    aws.faults.errors["ec2:CreateTags"] = {"UnauthorizedOperation": 1}
    with pytest.raises(ClientError) as caught:
        calls(aws)["ec2:CreateTags"]()
    message = caught.value.response["Error"]["Message"]
    assert "arn:aws:sts::123456789012:assumed-role/" in message
    assert "not authorized to perform: ec2:CreateTags" in message
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_a_count_answers_that_many_calls_then_the_operation_runs(aws: LocalAws) -> None:
    aws.faults.errors["DescribeAccount"] = {"AccessDeniedException": 2}
    for _ in range(2):
        with pytest.raises(ClientError):
            aws.client("workspaces", retries=False).describe_account()
    account = aws.client("workspaces", retries=False).describe_account()
    assert account["DedicatedTenancySupport"] == "DISABLED"


def test_the_model_shape_name_is_accepted_for_the_wire_code(aws: LocalAws) -> None:
    # SNS names the shape AuthorizationErrorException; the wire code is AuthorizationError
    aws.faults.errors["sns:Publish"] = {"AuthorizationErrorException": 1}
    with pytest.raises(ClientError) as caught:
        calls(aws)["sns:Publish"]()
    assert caught.value.response["Error"]["Code"] == "AuthorizationError"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_a_server_fault_without_a_modelled_status_answers_500() -> None:
    # DynamoDB's model gives InternalServerError no httpStatusCode; AWS answers it with a 500
    assert aws_errors.lookup("dynamodb", "GetItem", "InternalServerError").status == 500


@pytest.mark.parametrize(
    ("operation", "code"),
    [
        ("workspaces:DescribeAccount", "ResourceUnavailableException"),  # ModifyAccount's only
        ("ec2:DescribeVpcs", "InvalidAMIID.NotFound"),
        ("sns:Publish", "NoSuchCode"),
    ],
)
def test_an_undocumented_error_is_refused(aws: LocalAws, operation: str, code: str) -> None:
    # Given a code AWS does not document for the operation
    aws.faults.errors[fault_key(operation)] = {code: 1}
    # When the operation is called, Then the embedded AWS refuses to answer it, loudly
    try:
        with pytest.raises(ValueError, match="not a documented error"):
            calls(aws)[operation]()
    finally:
        aws.faults.errors.clear()
