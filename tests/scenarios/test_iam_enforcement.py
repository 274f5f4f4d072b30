"""Local runs deny what AWS would deny: each handler runs as its synthesized role."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from local_aws.harness import ACCOUNT_ID, PREFIX, ExecutionResult, LocalAws, unattended
from local_aws.iam import identity
from local_aws.iam.policies import Policies, cached_extract

pytestmark = pytest.mark.scenario

WSI_STAR = {
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


@pytest.fixture(scope="module")
def policies() -> Policies:
    return cached_extract()


def retried_import(policies: Policies) -> tuple[LocalAws, list[ExecutionResult]]:
    """The ImportImage Lambda dies after its call: the retry must find and adopt its image."""
    aws = LocalAws(config=unattended(), policies=policies)
    with aws:
        aws.enable_byol_directly()
        aws.lambdas.faults.crash_after["ImportImage"] = 1
        ami = aws.create_windows_ami()
        aws.tag_ami([ami])
        aws.deliver_events()
        aws.wait_for_executions(timeout_seconds=120)
        results = aws.results()
    return aws, results


def test_with_the_deployed_policies_the_retry_adopts_its_image(policies: Policies) -> None:
    # Given the synthesized roles, when the retried import runs
    aws, results = retried_import(policies)
    # Then it succeeds, every handler call was evaluated and none denied
    assert [r.status for r in results] == ["SUCCEEDED"]
    assert aws.iam.denied == 0
    assert aws.iam.evaluated > 10
    assert aws.iam.by_action["ImportImage workspaces:DescribeTags"] >= 1
    assert aws.iam.by_action["StateMachine awslambda:Invoke"] >= 1


def test_describe_tags_granted_only_on_workspace_images_is_denied(policies: Policies) -> None:
    # Given the defect once shipped: DescribeTags granted on workspaceimage/* (the SAR lists no
    # resource type for it, so AWS authorizes it only on "*")
    statements = [
        dict(s, Resource=WSI_STAR) if s.get("Action") == "workspaces:DescribeTags" else s
        for s in policies.raw("ImportImage")
    ]
    assert statements != policies.raw("ImportImage")
    broken = policies.with_statements("ImportImage", statements)
    # When the import Lambda dies after its call and the retry looks for its image
    aws, [result] = retried_import(broken)
    # Then the retry is denied as AWS denies it, and the execution fails
    assert result.status == "FAILED"
    assert "AccessDenied" in f"{result.error} {result.cause}"
    denial = aws.iam.denials[0]
    assert (denial.principal, denial.action, denial.resource) == (
        "ImportImage",
        "workspaces:DescribeTags",
        "*",
    )
    role = f"{PREFIX}-{policies.role_name('ImportImage')}"
    assert denial.message == (
        f"User: arn:aws:sts::{ACCOUNT_ID}:assumed-role/{role}/{PREFIX}-ImportImage is not "
        "authorized to perform: workspaces:DescribeTags on resource: * because no "
        "identity-based policy allows the workspaces:DescribeTags action"
    )


def test_import_needs_the_dependent_ec2_permissions(policies: Policies) -> None:
    # Given an ImportImage role without ec2:ModifyImageAttribute (docs/byol-api-facts.md: the
    # caller needs ec2:DescribeImages and ec2:ModifyImageAttribute on the AMI)
    statements = [
        s for s in policies.raw("ImportImage") if s.get("Action") != "ec2:ModifyImageAttribute"
    ]
    aws, [result] = retried_import(policies.with_statements("ImportImage", statements))
    # Then ImportWorkspaceImage itself is denied, naming the missing permission and the AMI
    assert result.status == "FAILED"
    denial = aws.iam.denials[0]
    assert (denial.operation, denial.action, denial.needed_by) == (
        "ImportWorkspaceImage",
        "ec2:ModifyImageAttribute",
        "workspaces:ImportWorkspaceImage",
    )
    assert denial.resource.startswith("arn:aws:ec2:eu-west-1::image/ami-")


def test_each_service_answers_a_denial_in_its_own_protocol(policies: Policies) -> None:
    with LocalAws(config=unattended(), policies=policies) as aws:
        topic = aws.topic_arn
        # Given calls made as the Report function, whose role has no such grants
        with identity.acting_as("Report", f"{PREFIX}-Report"):
            with pytest.raises(ClientError) as ws:
                aws.client("workspaces").describe_account()
            with pytest.raises(ClientError) as ec2:
                aws.client("ec2").describe_images(Owners=["self"])
        with identity.acting_as("Starter", f"{PREFIX}-Starter"):
            with pytest.raises(ClientError) as sns:
                aws.client("sns").publish(TopicArn=topic, Message="hi")
            with pytest.raises(ClientError) as ddb:
                aws.client("dynamodb").delete_item(
                    TableName=aws.lock_table, Key={"LockId": {"S": "x"}}
                )
        # And the harness itself is not evaluated
        aws.client("workspaces").describe_account()
    # Then each is AWS's code and status for that service
    answers = {
        name: (
            e.value.response["Error"]["Code"],
            e.value.response["ResponseMetadata"]["HTTPStatusCode"],
        )
        for name, e in [("ws", ws), ("ec2", ec2), ("sns", sns), ("ddb", ddb)]
    }
    assert answers == {
        "ws": ("AccessDeniedException", 400),
        "ec2": ("UnauthorizedOperation", 403),
        "sns": ("AuthorizationError", 403),
        "ddb": ("AccessDeniedException", 400),
    }
    assert "is not authorized to perform: SNS:Publish on resource: " + topic in str(sns.value)
    assert str(ec2.value).count("You are not authorized to perform this operation.") == 1
    assert aws.iam.denied == 4


def encrypted_topic(policies: Policies, key_policy: list[dict], report_kms: bool) -> Policies:
    """The same stack, its topic encrypted with a key of its own (as CDK writes it)."""
    extract = json.loads(json.dumps(policies.extract))
    [topic] = policies.of_type("AWS::SNS::Topic")
    extract["resources"]["TopicKey"] = "AWS::KMS::Key"
    extract["topic_keys"][topic] = {"Fn::GetAtt": ["TopicKey", "Arn"]}
    extract["key_policies"]["TopicKey"] = key_policy
    if report_kms:
        extract["roles"][extract["principals"]["Report"]].append(
            {
                "Effect": "Allow",
                "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                "Resource": {"Fn::GetAtt": ["TopicKey", "Arn"]},
            }
        )
    return Policies(extract)


ROOT_DELEGATES = [
    {
        "Effect": "Allow",
        "Action": "kms:*",
        "Resource": "*",
        "Principal": {
            "AWS": {
                "Fn::Join": [
                    "",
                    [
                        "arn:",
                        {"Ref": "AWS::Partition"},
                        ":iam::",
                        {"Ref": "AWS::AccountId"},
                        ":root",
                    ],
                ]
            }
        },
    }
]


@pytest.mark.parametrize(
    ("key_policy", "report_kms", "denied"),
    [
        (ROOT_DELEGATES, True, None),
        (ROOT_DELEGATES, False, "kms:GenerateDataKey"),  # the role lacks the key grant
        ([], True, "kms:GenerateDataKey"),  # the key policy does not delegate to IAM
    ],
)
def test_publishing_to_an_encrypted_topic_needs_the_key(
    policies: Policies, key_policy, report_kms, denied
) -> None:
    # Given the topic encrypted with a customer managed key of the stack
    # When the Report function publishes
    with (
        LocalAws(policies=encrypted_topic(policies, key_policy, report_kms)) as aws,
        identity.acting_as("Report", f"{PREFIX}-Report"),
    ):
        try:
            aws.client("sns").publish(TopicArn=aws.topic_arn, Message="done")
            error = None
        except ClientError as exc:
            error = exc.response["Error"]["Code"]
    # Then it needs kms:GenerateDataKey and kms:Decrypt on the key, through the key policy
    if denied is None:
        assert error is None and aws.iam.denied == 0
    else:
        assert error == "KMSAccessDenied"
        assert aws.iam.denials[0].action == denied
        assert aws.iam.denials[0].resource.startswith("arn:aws:kms:eu-west-1:123456789012:key/")


def test_conditions_read_the_request_tags_and_the_resources_own_tags(policies: Policies) -> None:
    with LocalAws(config=unattended(), policies=policies) as aws:
        aws.enable_byol_directly()
        ami = aws.create_windows_ami()
        ws = aws.client("workspaces")
        ours = ws.import_workspace_image(
            Ec2ImageId=ami,
            IngestionProcess="BYOL_REGULAR_WSP",
            ImageName="ours",
            ImageDescription="ours",
            Tags=[{"Key": "byol-import:managed-by", "Value": "byol-import"}],
        )["ImageId"]
        theirs = ws.import_workspace_image(
            Ec2ImageId=aws.create_windows_ami(name="other"),
            IngestionProcess="BYOL_REGULAR_WSP",
            ImageName="theirs",
            ImageDescription="theirs",
        )["ImageId"]
        aws.clock.advance(aws.timings.longest_import())
        codes = {}
        # Given CleanupImage's grant: DeleteWorkspaceImage only on images tagged managed-by us
        with identity.acting_as("CleanupImage", f"{PREFIX}-CleanupImage"):
            for name, image in (("theirs", theirs), ("ours", ours)):
                try:
                    ws.delete_workspace_image(ImageId=image)
                    codes[name] = "ok"
                except ClientError as exc:
                    codes[name] = exc.response["Error"]["Code"]
        # And Report's grant: ec2:CreateTags only with tag keys in our namespace
        with identity.acting_as("Report", f"{PREFIX}-Report"):
            aws.client("ec2").create_tags(
                Resources=[ami], Tags=[{"Key": "byol-import:status", "Value": "AVAILABLE"}]
            )
            with pytest.raises(ClientError) as foreign:
                aws.client("ec2").create_tags(
                    Resources=[ami],
                    Tags=[
                        {"Key": "byol-import:status", "Value": "x"},
                        {"Key": "Name", "Value": "x"},
                    ],
                )
    # Then the image without our tag and the foreign tag key are denied, the rest allowed
    assert codes == {"theirs": "AccessDeniedException", "ours": "ok"}
    assert foreign.value.response["Error"]["Code"] == "UnauthorizedOperation"
    assert [d.action for d in aws.iam.denials] == [
        "workspaces:DeleteWorkspaceImage",
        "ec2:CreateTags",
    ]


def test_an_operation_the_request_table_cannot_place_fails_loudly(policies: Policies) -> None:
    with (
        LocalAws(config=unattended(), policies=policies) as aws,
        identity.acting_as("AcquireLock", f"{PREFIX}-AcquireLock"),
        pytest.raises(Exception, match="PLACERS"),
    ):
        # dynamodb:Query has a table resource type the table does not map
        aws.client("dynamodb").query(
            TableName=aws.lock_table,
            KeyConditionExpression="LockId = :l",
            ExpressionAttributeValues={":l": {"S": "x"}},
        )
    assert aws.iam.gaps and "dynamodb:Query" in aws.iam.gaps[0]
