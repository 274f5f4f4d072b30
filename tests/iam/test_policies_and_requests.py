"""Template -> per-principal statements, intrinsics -> ARNs, and calls -> what IAM authorizes."""

from __future__ import annotations

from pathlib import Path

import pytest

from local_aws.iam.policies import (
    Place,
    Policies,
    Resolver,
    UnresolvedIntrinsic,
    extract,
    inputs_hash,
)
from local_aws.iam.requests import Call, UnmappedOperation, checks_for

TYPES = {
    "Table": "AWS::DynamoDB::Table",
    "Topic": "AWS::SNS::Topic",
    "Logs": "AWS::Logs::LogGroup",
    "Machine": "AWS::StepFunctions::StateMachine",
    "Fn": "AWS::Lambda::Function",
}


def test_intrinsics_resolve_to_arns_of_the_referenced_type() -> None:
    resolve = Resolver(TYPES, {"Table": "lock", "Fn": "local-fn"}, Place())
    assert (
        resolve({"Fn::GetAtt": ["Table", "Arn"]})
        == "arn:aws:dynamodb:eu-west-1:123456789012:table/lock"
    )
    assert resolve({"Ref": "Topic"}) == "arn:aws:sns:eu-west-1:123456789012:Topic"
    assert resolve({"Ref": "Table"}) == "lock"  # Ref of a table is its name
    assert (
        resolve({"Fn::GetAtt": ["Logs", "Arn"]})
        == "arn:aws:logs:eu-west-1:123456789012:log-group:Logs:*"
    )
    assert (
        resolve({"Fn::Join": ["", [{"Fn::GetAtt": ["Fn", "Arn"]}, ":*"]]})
        == "arn:aws:lambda:eu-west-1:123456789012:function:local-fn:*"
    )
    assert (
        resolve({"Fn::Sub": "arn:${AWS::Partition}:ec2:${AWS::Region}::image/*"})
        == "arn:aws:ec2:eu-west-1::image/*"
    )


@pytest.mark.parametrize(
    "node", [{"Ref": "Unknown"}, {"Fn::ImportValue": "x"}, {"Fn::GetAtt": ["Table", "StreamArn"]}]
)
def test_what_cannot_be_resolved_raises(node: object) -> None:
    with pytest.raises(UnresolvedIntrinsic):
        Resolver(TYPES)(node)


def test_extract_gives_each_function_and_the_state_machine_its_role_statements() -> None:
    template = {
        "Resources": {
            "Role": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "Policies": [
                        {
                            "PolicyDocument": {
                                "Statement": [{"Effect": "Allow", "Action": "a:B", "Resource": "*"}]
                            }
                        }
                    ]
                },
            },
            "Policy": {
                "Type": "AWS::IAM::Policy",
                "Properties": {
                    "Roles": [{"Ref": "Role"}],
                    "PolicyDocument": {
                        "Statement": {"Effect": "Allow", "Action": "c:D", "Resource": "*"}
                    },
                },
            },
            "SmRole": {"Type": "AWS::IAM::Role", "Properties": {}},
            "Fn1": {
                "Type": "AWS::Lambda::Function",
                "Properties": {
                    "Handler": "handlers.x.handler",
                    "Role": {"Fn::GetAtt": ["Role", "Arn"]},
                },
            },
            "Sm": {
                "Type": "AWS::StepFunctions::StateMachine",
                "Properties": {"RoleArn": {"Fn::GetAtt": ["SmRole", "Arn"]}},
            },
        }
    }
    policies = Policies(extract(template, {"handlers.x.handler": "X"}))
    assert policies.principals() == ["StateMachine", "X"]
    assert [s["Action"] for s in policies.raw("X")] == ["a:B", "c:D"]
    assert policies.raw("StateMachine") == []


def test_the_cache_key_changes_with_any_input(tmp_path: Path) -> None:
    (tmp_path / "stacks").mkdir()
    (tmp_path / "stacks" / "s.py").write_text("a")
    (tmp_path / "cdk.json").write_text("{}")
    before = inputs_hash(tmp_path)
    (tmp_path / "stacks" / "s.py").write_text("b")
    assert inputs_hash(tmp_path) != before


def call(service: str, operation: str, **params: object) -> Call:
    return Call(service, operation, params, "eu-west-1", "123456789012")


def test_a_call_becomes_its_action_resource_arns_and_tag_context() -> None:
    [check] = checks_for(
        call(
            "ec2",
            "CreateTags",
            Resources=["ami-0123456789abcdef0"],
            Tags=[{"Key": "byol-import:status", "Value": "OK"}],
        )
    )
    assert check.action == "ec2:CreateTags"
    [(arn, context)] = check.resources
    assert arn == "arn:aws:ec2:eu-west-1::image/ami-0123456789abcdef0"
    assert context == {
        "aws:RequestTag/byol-import:status": ["OK"],
        "aws:TagKeys": ["byol-import:status"],
    }
    [describe] = checks_for(call("workspaces", "DescribeTags", ResourceId="wsi-1"))
    assert describe.resources == [("*", {})]


def test_import_carries_its_documented_dependent_permissions() -> None:
    checks = checks_for(
        call(
            "workspaces",
            "ImportWorkspaceImage",
            Ec2ImageId="ami-1",
            Tags=[{"Key": "k", "Value": "v"}],
        )
    )
    assert [(c.action, c.needed_by) for c in checks] == [
        ("workspaces:ImportWorkspaceImage", None),
        ("ec2:DescribeImages", "workspaces:ImportWorkspaceImage"),
        ("ec2:ModifyImageAttribute", "workspaces:ImportWorkspaceImage"),
        ("workspaces:CreateTags", "workspaces:ImportWorkspaceImage"),
    ]
    assert checks[3].resources == [("*", {"aws:RequestTag/k": ["v"], "aws:TagKeys": ["k"]})]


def test_an_operation_with_resource_types_the_table_does_not_place_fails_loudly() -> None:
    with pytest.raises(UnmappedOperation, match="PLACERS"):
        checks_for(call("dynamodb", "Query", TableName="t"))
    with pytest.raises(UnmappedOperation):
        checks_for(call("ec2", "CreateTags", Resources=["vpc-1"], Tags=[]))
