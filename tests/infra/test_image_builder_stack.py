"""The Image Builder import path in the template: the infrastructure configuration the stack
creates, or an existing one, or none; and the grants that go with each."""

from __future__ import annotations

import json
import re
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Match, Template

from app import build_app
from byol_import import settings
from byol_import.image_builder_settings import CONFIGURATION_SUFFIX
from byol_import.schema import ConfigError
from stacks.config import load_cdk_json_context
from tests.infra.test_stack import actions, resources, statements

EXISTING = "arn:aws:imagebuilder:eu-west-1:123456789012:infrastructure-configuration/ours"
PATH_ACTIONS = {
    "workspaces:ImportCustomWorkspaceImage",
    "imagebuilder:GetInfrastructureConfiguration",
    "imagebuilder:GetImage",
    "workspaces:DescribeCustomWorkspaceImageImport",
}


def synth(**changes: Any) -> dict[str, Any]:
    app = cdk.App(context={settings.CONTEXT_KEY: {**load_cdk_json_context(), **changes}})
    _, stack = build_app(app)
    return dict(Template.from_stack(stack).to_json())


def environment(template_json: dict[str, Any]) -> Any:
    fn = next(iter(resources(template_json, "AWS::Lambda::Function").values()))
    return fn["Properties"]["Environment"]["Variables"][
        settings.ENV_INFRASTRUCTURE_CONFIGURATION_ARN
    ]


def test_the_default_stack_creates_a_configuration_that_ends_failed_builds(
    template: Template, template_json: dict[str, Any]
) -> None:
    template.has_resource_properties(
        "AWS::ImageBuilder::InfrastructureConfiguration",
        {
            "TerminateInstanceOnFailure": True,
            "InstanceTypes": ["m6i.large"],
            "InstanceMetadataOptions": {"HttpTokens": "required"},
            "Logging": {
                "S3Logs": {"S3BucketName": Match.any_value(), "S3KeyPrefix": Match.any_value()}
            },
            "Tags": {settings.MANAGED_BY_TAG_KEY: settings.MANAGED_BY_TAG_VALUE},
        },
    )
    # Its build instance's role is EC2's, with the two managed policies AWS documents
    template.has_resource_properties(
        "AWS::IAM::Role",
        {
            "AssumeRolePolicyDocument": Match.object_like(
                {"Statement": [Match.object_like({"Principal": {"Service": "ec2.amazonaws.com"}})]}
            ),
            "ManagedPolicyArns": Match.array_with(
                [
                    Match.object_like(
                        {
                            "Fn::Join": Match.array_with(
                                [
                                    Match.array_with(
                                        [
                                            Match.string_like_regexp(
                                                "EC2InstanceProfileForImageBuilder"
                                            )
                                        ]
                                    )
                                ]
                            )
                        }
                    )
                ]
            ),
        },
    )
    # The functions get its ARN; ImportImage may read only that configuration
    [config_id] = resources(template_json, "AWS::ImageBuilder::InfrastructureConfiguration")
    assert environment(template_json) == {"Fn::GetAtt": [config_id, "Arn"]}
    reads = [
        st
        for st in statements(template_json, "ImportImage")
        if st["Action"] == "imagebuilder:GetInfrastructureConfiguration"
    ]
    assert [st["Resource"] for st in reads] == [{"Fn::GetAtt": [config_id, "Arn"]}]
    # The log bucket refuses plain HTTP
    bucket_policy = json.dumps(resources(template_json, "AWS::S3::BucketPolicy"))
    assert "aws:SecureTransport" in bucket_policy


def test_an_existing_configuration_is_used_and_none_created() -> None:
    template_json = synth(infrastructureConfigurationArn=EXISTING)
    assert resources(template_json, "AWS::ImageBuilder::InfrastructureConfiguration") == {}
    assert environment(template_json) == EXISTING
    reads = [
        st
        for st in statements(template_json, "ImportImage")
        if st["Action"] == "imagebuilder:GetInfrastructureConfiguration"
    ]
    assert [st["Resource"] for st in reads] == [EXISTING]


def test_without_the_path_there_is_no_configuration_and_no_grant() -> None:
    template_json = synth(imageBuilderPath=False)
    assert resources(template_json, "AWS::ImageBuilder::InfrastructureConfiguration") == {}
    assert environment(template_json) == ""
    granted = actions(template_json, "ImportImage") | actions(template_json, "PollImage")
    assert granted & PATH_ACTIONS == set()


# Image Builder's ResourceName, the configuration's `name` (pinned botocore model, imagebuilder
# CreateInfrastructureConfiguration): at most 128 characters, where a stack name may have 128.
RESOURCE_NAME = re.compile(r"^[-_A-Za-z-0-9][-_A-Za-z0-9 ]{1,126}[-_A-Za-z-0-9]$")


def test_a_stack_name_too_long_for_its_configuration_name_is_refused_before_deploying() -> None:
    # Given a stack name of 111 characters, which would name the configuration with 129
    too_long = "B" + "y" * 110
    assert not RESOURCE_NAME.match(f"{too_long}{CONFIGURATION_SUFFIX}")
    # When the stack would create the configuration, Then the configuration is refused
    with pytest.raises(ConfigError, match="at most 110"):
        synth(stackName=too_long)
    # And 110 characters give a name Image Builder takes
    longest = too_long[:110]
    assert RESOURCE_NAME.match(f"{longest}{CONFIGURATION_SUFFIX}")
    assert resources(synth(stackName=longest), "AWS::ImageBuilder::InfrastructureConfiguration")


def test_a_long_stack_name_is_fine_when_the_stack_creates_no_configuration() -> None:
    # Given the longest stack name CloudFormation takes, with an existing configuration
    template_json = synth(stackName="B" + "y" * 127, infrastructureConfigurationArn=EXISTING)
    # Then nothing named after it is created
    assert resources(template_json, "AWS::ImageBuilder::InfrastructureConfiguration") == {}
