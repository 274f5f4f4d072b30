"""What the stack deploys, checked on the synthesized template."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Annotations, Match, Template

from app import build_app
from byol_import import settings, triggers
from stacks.byol_import_stack import ByolImportStack
from stacks.config import ASL_FILE, ROOT, asl_definition, default_config, load_cdk_json_context

pytestmark = pytest.mark.infra
# What publishing to a topic under a customer key takes besides sns:Publish.
TOPIC_KEY_ACTIONS = {"kms:Decrypt", "kms:GenerateDataKey*"}


def resources(template_json: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template_json["Resources"].items() if v["Type"] == kind}


def pinned_powertools_version() -> str:
    """The Powertools version the tests run, read the way pip reads requirements.txt."""
    text = (ROOT / "requirements.txt").read_text()
    (version,) = re.findall(r"^aws-lambda-powertools(?:\[[^]]*\])?==([^\s;#]+)", text, re.M)
    return version


def test_every_function_is_arm64_current_python_with_the_pinned_layer(
    template_json: dict[str, Any],
) -> None:
    # Given the tests run the Powertools pinned in requirements.txt,
    # then every function's layer is resolved at deploy time from Powertools' public SSM
    # parameter for that exact version, on the functions' own architecture and runtime.
    functions = resources(template_json, "AWS::Lambda::Function")
    assert len(functions) == len(settings.ALL_FUNCTIONS)
    runtimes = {fn["Properties"]["Runtime"] for fn in functions.values()}
    architectures = {a for fn in functions.values() for a in fn["Properties"]["Architectures"]}
    assert runtimes == {"python3.13"} and architectures == {"arm64"}
    (runtime,), (architecture,) = runtimes, architectures
    wanted = (
        f"/aws/service/powertools/python/{architecture}/{runtime}/{pinned_powertools_version()}"
    )
    params = {
        k: p
        for k, p in template_json["Parameters"].items()
        if p["Type"] == "AWS::SSM::Parameter::Value<String>" and p["Default"] == wanted
    }
    assert len(params) == 1, template_json["Parameters"]
    (param,) = params
    for fn in functions.values():
        props = fn["Properties"]
        assert props["TracingConfig"] == {"Mode": "Active"}
        assert props["Timeout"] <= 60 and props["MemorySize"] == 256
        assert props["Layers"] == [{"Ref": param}]
        assert "LoggingConfig" in props  # explicit log group


def test_the_layer_is_never_pinned_by_hand(template_json: dict[str, Any]) -> None:
    assert "AWSLambdaPowertoolsPython" not in json.dumps(template_json["Resources"])


def test_every_log_group_has_retention(template_json: dict[str, Any]) -> None:
    groups = resources(template_json, "AWS::Logs::LogGroup")
    assert len(groups) == len(settings.ALL_FUNCTIONS) + 1
    assert all(g["Properties"]["RetentionInDays"] == 90 for g in groups.values())


def test_state_machine_is_standard_logged_traced_and_fully_substituted(
    template: Template, template_json: dict[str, Any]
) -> None:
    template.has_resource_properties(
        "AWS::StepFunctions::StateMachine",
        {
            "StateMachineType": "STANDARD",
            "TracingConfiguration": {"Enabled": True},
            "LoggingConfiguration": {
                "Level": "ALL",
                "IncludeExecutionData": True,
                "Destinations": Match.any_value(),
            },
        },
    )
    machine = next(iter(resources(template_json, "AWS::StepFunctions::StateMachine").values()))
    substituted = set(machine["Properties"]["DefinitionSubstitutions"])
    wanted = set(re.findall(r"\$\{(\w+)\}", ASL_FILE.read_text()))
    assert substituted == wanted
    group = next(
        g
        for g in resources(template_json, "AWS::Logs::LogGroup").values()
        if "LogGroupName" in g["Properties"]
    )
    assert group["Properties"]["LogGroupName"].startswith("/aws/vendedlogs/states/")


def test_event_rules_match_tagging_and_available_amis(template: Template) -> None:
    template.has_resource_properties(
        "AWS::Events::Rule",
        {
            "EventPattern": {
                "source": ["aws.ec2"],
                "detail-type": ["AWS API Call via CloudTrail"],
                "detail": Match.object_like(
                    {
                        "eventName": ["CreateTags"],
                        "errorCode": [{"exists": False}],
                        "requestParameters": {
                            "resourcesSet": {"items": {"resourceId": [{"prefix": "ami-"}]}},
                            "tagSet": {"items": {"key": ["WorkSpacesByolImport"]}},
                        },
                    }
                ),
            }
        },
    )
    template.has_resource_properties(
        "AWS::Events::Rule",
        {
            "EventPattern": {
                "source": ["aws.ec2"],
                "detail-type": ["EC2 AMI State Change"],
                "detail": {"State": ["available"]},
            }
        },
    )
    template.has_resource_properties(
        "AWS::Events::Rule",
        {
            "EventPattern": Match.object_like(
                {
                    "source": ["aws.states"],
                    "detail": Match.object_like({"status": ["FAILED", "TIMED_OUT", "ABORTED"]}),
                }
            )
        },
    )


def test_the_deployed_rules_are_the_trigger_registry_s(template_json: dict[str, Any]) -> None:
    # Given the rules of byol_import.triggers (the local harness creates the same ones)
    wanted = triggers.rules("WorkSpacesByolImport", "STATE_MACHINE_ARN")
    # When the stack is synthesized, Then it deploys exactly those rules, with their patterns
    deployed = sorted(
        (r["Properties"]["Description"], r["Properties"]["EventPattern"])
        for r in resources(template_json, "AWS::Events::Rule").values()
    )
    for _, pattern in deployed:  # the state machine's ARN is a CloudFormation reference
        if "stateMachineArn" in pattern["detail"]:
            pattern["detail"]["stateMachineArn"] = ["STATE_MACHINE_ARN"]
    assert deployed == sorted((r.description, r.pattern) for r in wanted)


def test_event_targets_retry_and_have_an_encrypted_dlq(
    template: Template, template_json: dict[str, Any]
) -> None:
    for rule in resources(template_json, "AWS::Events::Rule").values():
        target = rule["Properties"]["Targets"][0]
        assert target["RetryPolicy"] == {
            "MaximumEventAgeInSeconds": 21600,
            "MaximumRetryAttempts": 8,
        }
        assert "DeadLetterConfig" in target
    template.has_resource_properties("AWS::SQS::Queue", {"SqsManagedSseEnabled": True})


def test_a_function_that_keeps_failing_dead_letters_its_event(
    template_json: dict[str, Any],
) -> None:
    # Given the rules' target functions, which EventBridge invokes asynchronously (so its DLQ
    # gets only events Lambda refused)
    targets = {
        t["Arn"]["Fn::GetAtt"][0]
        for rule in resources(template_json, "AWS::Events::Rule").values()
        for t in rule["Properties"]["Targets"]
    }
    assert {t.split("Function")[0] for t in targets} == {"Starter", "LockJanitor"}
    (dlq,) = {
        t["DeadLetterConfig"]["Arn"]["Fn::GetAtt"][0]
        for rule in resources(template_json, "AWS::Events::Rule").values()
        for t in rule["Properties"]["Targets"]
    }
    # Then each has Lambda's asynchronous invocation config: 2 retries, and the same DLQ as its
    # on-failure destination, the queue the DeadLetters alarm watches
    configs = {
        c["Properties"]["FunctionName"]["Ref"]: c["Properties"]
        for c in resources(template_json, "AWS::Lambda::EventInvokeConfig").values()
    }
    assert set(configs) == targets
    for config in configs.values():
        assert config["MaximumRetryAttempts"] == triggers.FUNCTION_RETRY_ATTEMPTS == 2
        assert config["MaximumEventAgeInSeconds"] == 6 * 3600
        assert config["DestinationConfig"]["OnFailure"]["Destination"] == {
            "Fn::GetAtt": [dlq, "Arn"]
        }
    # And each function's role may send to that queue
    for key in ("Starter", "LockJanitor"):
        assert any(
            st["Action"] == "sqs:SendMessage" and st["Resource"] == {"Fn::GetAtt": [dlq, "Arn"]}
            for st in statements(template_json, key)
        )


def statements(template_json: dict[str, Any], function_key: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for policy in resources(template_json, "AWS::IAM::Policy").values():
        roles = json.dumps(policy["Properties"]["Roles"])
        if f'"{function_key}Role' in roles:
            out.extend(policy["Properties"]["PolicyDocument"]["Statement"])
    return out


def actions(template_json: dict[str, Any], function_key: str) -> set[str]:
    found: set[str] = set()
    for st in statements(template_json, function_key):
        acts = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
        found.update(acts)
    return found


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("ValidateRequest", set()),
        # (ec2:CreateTags: each step that enters a phase writes the AMI's status tags)
        # (imagebuilder:GetImage: the request's Image Builder build made its AMI)
        (
            "CheckImage",
            {
                "ec2:DescribeImages",
                "ec2:CreateTags",
                "sns:Publish",
                "imagebuilder:GetImage",
                *TOPIC_KEY_ACTIONS,
            },
        ),
        ("CheckAccount", {"workspaces:DescribeAccount"}),
        ("CheckLock", {"dynamodb:GetItem"}),
        (
            "EnableByol",
            {
                "workspaces:DescribeAccount",
                "workspaces:DescribeAccountModifications",
                "workspaces:ListAvailableManagementCidrRanges",
                "workspaces:ModifyAccount",
                "ec2:DescribeVpcs",
                "ec2:CreateTags",
            },
        ),
        (
            "RequestApproval",
            {"dynamodb:UpdateItem", "ec2:CreateTags", "sns:Publish", *TOPIC_KEY_ACTIONS},
        ),
        (
            "ModifyAccount",
            {
                "workspaces:DescribeAccount",
                "workspaces:DescribeAccountModifications",
                "workspaces:ListAvailableManagementCidrRanges",
                "workspaces:ModifyAccount",
                "ec2:DescribeVpcs",
                "ec2:CreateTags",
                "dynamodb:UpdateItem",
            },
        ),
        (
            "ImportImage",
            {
                "workspaces:ImportWorkspaceImage",
                "workspaces:CreateTags",
                "workspaces:DescribeWorkspaceImages",
                "workspaces:DescribeTags",
                "ec2:DescribeImages",
                "ec2:ModifyImageAttribute",
                "ec2:CreateTags",
                # the Image Builder path (imageBuilderPath, default true)
                "workspaces:ImportCustomWorkspaceImage",
                "imagebuilder:GetInfrastructureConfiguration",
                "imagebuilder:GetImage",
            },
        ),
        ("CleanupImage", {"workspaces:DescribeTags", "workspaces:DeleteWorkspaceImage"}),
        ("Report", {"ec2:CreateTags", "dynamodb:DeleteItem", "sns:Publish", *TOPIC_KEY_ACTIONS}),
        ("AcquireLock", {"dynamodb:PutItem", "dynamodb:GetItem", "ec2:CreateTags"}),
        # (sqs:SendMessage: Lambda sends the event they failed on every attempt to the DLQ;
        # imagebuilder:GetImage: an AVAILABLE image's pipeline, tags and output AMI)
        (
            "Starter",
            {
                "ec2:DescribeImages",
                "states:StartExecution",
                "sqs:SendMessage",
                "imagebuilder:GetImage",
            },
        ),
        (
            "LockJanitor",
            {
                "ec2:CreateTags",
                "dynamodb:DeleteItem",
                "sns:Publish",
                "sqs:SendMessage",
                *TOPIC_KEY_ACTIONS,
            },
        ),
    ],
)
def test_each_function_may_do_only_its_own_job(
    template_json: dict[str, Any], key: str, expected: set[str]
) -> None:
    baseline = {
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
    }
    assert actions(template_json, key) - baseline == expected


def test_only_the_enablement_steps_may_modify_the_account(template_json: dict[str, Any]) -> None:
    # EnableByol (auto, or a pinned range) and ModifyAccount (once a person approved)
    holders = [
        s.key
        for s in settings.ALL_FUNCTIONS
        if "workspaces:ModifyAccount" in actions(template_json, s.key)
    ]
    assert holders == ["EnableByol", "ModifyAccount"]


def test_delete_is_limited_to_images_we_tagged(template_json: dict[str, Any]) -> None:
    st = next(
        s
        for s in statements(template_json, "CleanupImage")
        if s["Action"] == "workspaces:DeleteWorkspaceImage"
    )
    assert "workspaceimage/*" in json.dumps(st["Resource"])
    assert st["Condition"] == {
        "StringEquals": {
            f"aws:ResourceTag/{settings.MANAGED_BY_TAG_KEY}": settings.MANAGED_BY_TAG_VALUE
        }
    }


def test_ec2_writes_are_limited_to_images(template_json: dict[str, Any]) -> None:
    for spec in settings.ALL_FUNCTIONS:
        for st in statements(template_json, spec.key):
            acts = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
            if any(a in ("ec2:CreateTags", "ec2:ModifyImageAttribute") for a in acts):
                assert "::image/*" in json.dumps(st["Resource"])
    tag = next(s for s in statements(template_json, "Report") if s["Action"] == "ec2:CreateTags")
    assert tag["Condition"] == {"ForAllValues:StringLike": {"aws:TagKeys": ["byol-import:*"]}}


def test_image_builder_reads_are_limited_to_this_account_s_images(
    template_json: dict[str, Any],
) -> None:
    # Given the SAR's resource type for imagebuilder:GetImage, `image`
    # (arn:${Partition}:imagebuilder:${Region}:${Account}:image/...)
    image_star = {
        "Fn::Join": [
            "",
            [
                "arn:",
                {"Ref": "AWS::Partition"},
                ":imagebuilder:",
                {"Ref": "AWS::Region"},
                ":",
                {"Ref": "AWS::AccountId"},
                ":image/*",
            ],
        ]
    }
    # Then only the Starter, CheckImage and ImportImage (a build version as the source) may
    # read images, and only this account's, here; ImportImage alone reads its configuration
    holders = []
    for spec in settings.ALL_FUNCTIONS:
        for st in statements(template_json, spec.key):
            acts = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
            if acts == ["imagebuilder:GetInfrastructureConfiguration"]:
                assert spec.key == "ImportImage"
                assert st["Resource"]["Fn::GetAtt"][1] == "Arn"  # the stack's configuration
            elif any(a.startswith("imagebuilder:") for a in acts):
                assert acts == ["imagebuilder:GetImage"]
                assert st["Resource"] == image_star and "Condition" not in st
                holders.append(spec.key)
    assert sorted(holders) == ["CheckImage", "ImportImage", "Starter"]


@pytest.mark.parametrize("key", ["ImportImage", "CleanupImage"])
def test_workspaces_tag_actions_are_granted_on_every_resource(
    template_json: dict[str, Any], key: str
) -> None:
    # Given the Service Authorization Reference lists no resource types for workspaces:DescribeTags
    # and workspaces:CreateTags, a grant on workspaceimage/* matches no request: AWS denies it.
    # Then both are granted on "*", and CreateTags only for requests carrying our managed-by tag.
    for st in statements(template_json, key):
        acts = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
        if "workspaces:DescribeTags" in acts or "workspaces:CreateTags" in acts:
            assert st["Resource"] == "*", (key, acts)
        if "workspaces:CreateTags" in acts:
            assert st["Condition"] == {
                "StringEquals": {
                    f"aws:RequestTag/{settings.MANAGED_BY_TAG_KEY}": settings.MANAGED_BY_TAG_VALUE
                }
            }


def test_import_is_allowed_only_with_our_managed_by_tag(template_json: dict[str, Any]) -> None:
    st = next(
        s
        for s in statements(template_json, "ImportImage")
        if s["Action"] == "workspaces:ImportWorkspaceImage"
    )
    assert st["Condition"]["StringEquals"] == {
        f"aws:RequestTag/{settings.MANAGED_BY_TAG_KEY}": settings.MANAGED_BY_TAG_VALUE
    }


def test_wildcard_resources_only_where_no_resource_level_permission_exists(
    template_json: dict[str, Any],
) -> None:
    allowed_star = {
        "workspaces:DescribeAccount",
        "workspaces:ModifyAccount",
        "workspaces:ListAvailableManagementCidrRanges",
        "workspaces:DescribeAccountModifications",
        "workspaces:ImportWorkspaceImage",
        "workspaces:ImportCustomWorkspaceImage",
        "workspaces:DescribeCustomWorkspaceImageImport",
        "workspaces:DescribeWorkspaceImages",
        "workspaces:DescribeWorkspaceBundles",
        "workspaces:DescribeTags",
        "workspaces:CreateTags",
        "ec2:DescribeImages",
        "ec2:DescribeVpcs",
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
    }
    for spec in settings.ALL_FUNCTIONS:
        for st in statements(template_json, spec.key):
            if st["Resource"] == "*":
                acts = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
                assert set(acts) <= allowed_star, (spec.key, acts)


def _alarm_metrics(alarm: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(namespace, metric, dimension values as JSON) of every metric an alarm reads."""
    props = alarm["Properties"]
    stats = [q["MetricStat"]["Metric"] for q in props.get("Metrics", []) if "MetricStat" in q]
    if "MetricName" in props:
        stats.append(props)
    return [
        (m["Namespace"], m["MetricName"], json.dumps(m.get("Dimensions", []), sort_keys=True))
        for m in stats
    ]


def test_alarms_watch_only_what_no_notification_covers(
    template_json: dict[str, Any], stack: ByolImportStack
) -> None:
    # Given every ended import is notified once (Report, or the janitor for timed-out and
    # aborted executions)
    alarms = resources(template_json, "AWS::CloudWatch::Alarm")
    watched = {(ns, name) for a in alarms.values() for ns, name, _ in _alarm_metrics(a)}
    # Then no alarm watches an outcome a notification already reports
    notified = {
        ("AWS/States", m) for m in ("ExecutionsFailed", "ExecutionsTimedOut", "ExecutionsAborted")
    }
    notified |= {(settings.METRICS_NAMESPACE, m) for m in ("ImportsFailed", "ImportsSucceeded")}
    assert not watched & notified
    # And the alarms watch: executions that ended without a report, failed events the Starter's
    # or the janitor's Lambda could not write to their on-failure destination, and the
    # dead-letter queue (not AsyncEventsDropped: it counts the dead-lettered events too)
    (metric_filter,) = resources(template_json, "AWS::Logs::MetricFilter").values()
    (transform,) = metric_filter["Properties"]["MetricTransformations"]
    # (the filter's metric is per deployment: a metric filter cannot add a constant dimension)
    assert transform["MetricNamespace"] == f"{settings.METRICS_NAMESPACE}/{stack.stack_name}"
    assert watched == {
        (transform["MetricNamespace"], transform["MetricName"]),
        ("AWS/Lambda", "DestinationDeliveryFailures"),
        ("AWS/SQS", "ApproximateNumberOfMessagesVisible"),
    }
    dropped = {
        dims
        for a in alarms.values()
        for ns, name, dims in _alarm_metrics(a)
        if name == "DestinationDeliveryFailures"
    }
    assert {json.loads(d)[0]["Value"]["Ref"].split("Function")[0] for d in dropped} == {
        "Starter",
        "LockJanitor",
    }
    for alarm in alarms.values():
        props = alarm["Properties"]
        assert props["AlarmActions"] and props["Threshold"] == 0
        assert props["ComparisonOperator"] == "GreaterThanThreshold"
        assert props["TreatMissingData"] == "notBreaching"
        assert len(props["AlarmDescription"]) > 80  # says what happened and what to do


def test_the_unreported_failures_filter_reads_the_state_machine_s_log(
    template_json: dict[str, Any],
) -> None:
    from local_aws.logs_filters import compile_pattern
    from stacks.constructs.alarms import fail_states

    # Given the workflow's Fail states: ImportFailed follows a Report that went out; the other
    # two end an execution whose Report failed
    reported, unreported = fail_states(asl_definition())
    assert reported == ["ImportFailed"]
    assert unreported == ["ImportFailedUnreported", "ReportingFailed"]
    (metric_filter,) = resources(template_json, "AWS::Logs::MetricFilter").values()
    props = metric_filter["Properties"]
    (sm,) = resources(template_json, "AWS::StepFunctions::StateMachine").values()
    (destination,) = sm["Properties"]["LoggingConfiguration"]["Destinations"]
    assert (
        props["LogGroupName"]["Ref"]
        == destination["CloudWatchLogsLogGroup"]["LogGroupArn"]["Fn::GetAtt"][0]
    )
    matches = compile_pattern(props["FilterPattern"])

    def event(kind: str, **details: str) -> dict[str, Any]:
        return {"type": kind, "details": details}

    # Then the filter counts an execution no one was told about, and nothing else
    assert matches(event("FailStateEntered", name="ImportFailedUnreported"))
    assert matches(event("FailStateEntered", name="ReportingFailed"))
    assert matches(event("ExecutionFailed", error="States.Runtime"))
    assert matches(event("ExecutionFailed", error="States.DataLimitExceeded"))
    assert not matches(event("FailStateEntered", name="ImportFailed"))
    assert not matches(event("ExecutionFailed", error="ImageImportFailed"))
    assert not matches(event("TaskStateEntered", name="ReportingFailed"))


def test_a_fail_state_reachable_without_a_report_counts_as_unreported() -> None:
    from stacks.constructs.alarms import fail_states, report_substitution

    # Given a Fail state a Report task leads to, but that a Choice also reaches directly
    definition = {
        "States": {
            "Report": {"Type": "Task", "Resource": report_substitution(), "Next": "Done"},
            "Check": {"Type": "Choice", "Choices": [{"Next": "Done"}], "Default": "Other"},
            "Other": {"Type": "Task", "Resource": "arn:x", "Next": "Lost"},
            "Done": {"Type": "Fail"},
            "Lost": {"Type": "Fail"},
        }
    }
    # Then neither is a reported failure
    assert fail_states(definition) == ([], ["Done", "Lost"])


def _ref(value: Any) -> str:
    """The logical id a Ref or GetAtt names."""
    if isinstance(value, dict) and "Ref" in value:
        return str(value["Ref"])
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        return str(value["Fn::GetAtt"][0])
    raise AssertionError(f"not a reference to a resource of this stack: {value!r}")


def _cloudwatch_statements(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        st
        for st in document["Statement"]
        if st["Effect"] == "Allow"
        and st.get("Principal") == {"Service": "cloudwatch.amazonaws.com"}
    ]


def _alarm_topics(template_json: dict[str, Any]) -> set[str]:
    return {
        _ref(action)
        for alarm in resources(template_json, "AWS::CloudWatch::Alarm").values()
        for action in alarm["Properties"]["AlarmActions"]
    }


def test_alarm_topics_are_under_a_customer_key_cloudwatch_may_use(
    template_json: dict[str, Any],
) -> None:
    # Given CloudWatch alarms cannot use the AWS-managed alias/aws/sns key (its policy cannot be
    # edited to let cloudwatch.amazonaws.com in: knowledge center "cloudwatch-configure-alarm-sns"),
    # then every topic an alarm action names is under a customer key of this stack, rotated,
    # whose policy lets CloudWatch generate and decrypt data keys for alarms of this account only.
    topics = _alarm_topics(template_json)
    assert topics
    keys = resources(template_json, "AWS::KMS::Key")
    for topic_id in topics:
        topic = template_json["Resources"][topic_id]
        assert topic["Type"] == "AWS::SNS::Topic"
        key_ref = topic["Properties"]["KmsMasterKeyId"]
        assert "alias/aws/sns" not in json.dumps(key_ref)
        key = keys[_ref(key_ref)]["Properties"]
        assert key["EnableKeyRotation"] is True
        (grant,) = _cloudwatch_statements(key["KeyPolicy"])
        acts = grant["Action"] if isinstance(grant["Action"], list) else [grant["Action"]]
        assert set(acts) == {"kms:Decrypt", "kms:GenerateDataKey*"}
        assert grant["Condition"]["StringEquals"] == {
            "aws:SourceAccount": {"Ref": "AWS::AccountId"}
        }
        assert ":alarm:*" in json.dumps(grant["Condition"]["ArnLike"]["aws:SourceArn"])


def test_cloudwatch_may_publish_to_alarm_topics_for_this_account_only(
    template_json: dict[str, Any],
) -> None:
    policies = resources(template_json, "AWS::SNS::TopicPolicy").values()
    for topic_id in _alarm_topics(template_json):
        docs = [
            p["Properties"]["PolicyDocument"]
            for p in policies
            if {"Ref": topic_id} in p["Properties"]["Topics"]
        ]
        (publish,) = [st for d in docs for st in _cloudwatch_statements(d)]
        assert publish["Action"] == "sns:Publish"
        assert publish["Resource"] == {"Ref": topic_id}
        assert publish["Condition"]["StringEquals"] == {
            "aws:SourceAccount": {"Ref": "AWS::AccountId"}
        }
        assert ":alarm:*" in json.dumps(publish["Condition"]["ArnLike"]["aws:SourceArn"])


@pytest.mark.parametrize("key", ["Report", "LockJanitor", "RequestApproval", "CheckImage"])
def test_publishers_may_use_the_topic_key(template_json: dict[str, Any], key: str) -> None:
    (topic_id,) = resources(template_json, "AWS::SNS::Topic")
    key_id = _ref(template_json["Resources"][topic_id]["Properties"]["KmsMasterKeyId"])
    kms = [st for st in statements(template_json, key) if "kms:Decrypt" in st["Action"]]
    assert kms and all(
        set(st["Action"]) == {"kms:Decrypt", "kms:GenerateDataKey*"}
        and _ref(st["Resource"]) == key_id
        for st in kms
    )


def test_topic_is_encrypted_and_outputs_are_there(template: Template) -> None:
    template.has_resource_properties("AWS::SNS::Topic", {"KmsMasterKeyId": Match.any_value()})
    outputs = template.find_outputs("*")
    assert {"StateMachineArn", "StateMachineConsoleUrl", "NotificationTopicArn"} <= set(outputs)


def test_lock_table_is_on_demand_with_ttl(template: Template) -> None:
    template.has_resource_properties(
        "AWS::DynamoDB::Table",
        {
            "BillingMode": "PAY_PER_REQUEST",
            "TimeToLiveSpecification": {"AttributeName": "ExpiresAt", "Enabled": True},
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
        },
    )


def test_functions_get_their_configuration_from_cdk_json(template_json: dict[str, Any]) -> None:
    config = default_config()
    fn = next(iter(resources(template_json, "AWS::Lambda::Function").values()))
    env = fn["Properties"]["Environment"]["Variables"]
    assert env[settings.ENV_TRIGGER_TAG_KEY] == config.trigger_tag_key
    assert env[settings.ENV_CIDR_CONSTRAINTS] == ",".join(config.cidr_constraints)


def test_email_subscription_is_optional() -> None:
    context = {**load_cdk_json_context(), "notificationEmail": "ops@example.com"}
    app = cdk.App(context={settings.CONTEXT_KEY: context})
    _, stack = build_app(app)
    Template.from_stack(stack).has_resource_properties(
        "AWS::SNS::Subscription", {"Protocol": "email", "Endpoint": "ops@example.com"}
    )


def test_two_deployments_can_coexist_in_one_account() -> None:
    app = cdk.App()
    config = default_config()
    a = ByolImportStack(app, "ByolImportA", config=config)
    b = ByolImportStack(app, "ByolImportB", config=config)
    names = (
        "FunctionName",
        "TableName",
        "TopicName",
        "QueueName",
        "RoleName",
        "StateMachineName",
        "Name",
        "AlarmName",
    )
    groups = []
    for stack in (a, b):
        for resource in Template.from_stack(stack).to_json()["Resources"].values():
            props = resource.get("Properties", {})
            # a literal name would clash; references to generated names are fine
            assert not any(isinstance(props.get(n), str) for n in names), resource["Type"]
            if resource["Type"] == "AWS::Logs::LogGroup" and "LogGroupName" in props:
                groups.append(json.dumps(props["LogGroupName"], sort_keys=True))
    assert len(groups) == len(set(groups)) == 2


def test_cdk_nag_finds_nothing_unsuppressed(stack: ByolImportStack) -> None:
    for find in (
        Annotations.from_stack(stack).find_error,
        Annotations.from_stack(stack).find_warning,
    ):
        findings = find("*", Match.string_like_regexp("AwsSolutions-.*"))
        assert findings == [], [f.entry.data for f in findings][:5]


def test_every_nag_suppression_gives_a_reason(template_json: dict[str, Any]) -> None:
    found = 0
    for resource in template_json["Resources"].values():
        for s in resource.get("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", []):
            found += 1
            assert len(s["reason"]) >= 20, s
    assert found > 0


def test_cfn_lint_is_clean(template_json: dict[str, Any]) -> None:
    from cfnlint.api import ManualArgs, lint

    matches = lint(
        json.dumps(template_json), config=ManualArgs(regions=["eu-west-1"], ignore_checks=["W3005"])
    )
    assert [str(m) for m in matches] == []


def test_c_options_reach_the_template() -> None:
    # Given `cdk synth -c byolImport.notificationEmail=ops@example.com -c
    # byolImport.cleanupFailedImages=false -c byolImport.logRetentionDays=30`, which the CLI hands
    # the app as flat dotted context keys with string values,
    app = cdk.App(
        context={
            "byolImport": {},
            "byolImport.notificationEmail": "ops@example.com",
            "byolImport.cleanupFailedImages": "false",
            "byolImport.logRetentionDays": "30",
        }
    )
    # when the app is built,
    _, stack = build_app(app)
    template = Template.from_stack(stack)
    # then each override is in the template, typed.
    template.has_resource_properties(
        "AWS::SNS::Subscription", {"Protocol": "email", "Endpoint": "ops@example.com"}
    )
    for fn in template.find_resources("AWS::Lambda::Function").values():
        env = fn["Properties"]["Environment"]["Variables"]
        assert env[settings.ENV_CLEANUP_FAILED_IMAGES] == "false"
    groups = template.find_resources("AWS::Logs::LogGroup").values()
    assert {g["Properties"]["RetentionInDays"] for g in groups} == {30}


def test_the_cdk_app_runs_in_the_project_venv_from_a_bare_shell() -> None:
    # Given cdk.json's app command, which installs .venv under the same stamp as make,
    app = json.loads((ROOT / "cdk.json").read_text())["app"]
    assert app == "sh scripts/venv python app.py"
    stamp = "cat requirements.txt requirements-dev.txt pyproject.toml | cksum | cut -d' ' -f1"
    assert stamp in (ROOT / "scripts" / "venv").read_text()
    assert stamp in (ROOT / "Makefile").read_text()
    checksum = subprocess.run(
        ["sh", "-c", stamp], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    if not (ROOT / ".venv" / f".installed-{checksum}").exists():
        # Never (re)install from a test: it would rebuild the very venv the suite runs in.
        pytest.skip(".venv is not installed for these requirement files: running would install")
    # and a shell with no virtualenv on its PATH,
    # when the launcher runs Python, then it is the project's venv, with the CDK importable.
    done = subprocess.run(
        ["sh", "scripts/venv", "python", "-c", "import aws_cdk, sys; print(sys.prefix)"],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "HOME": os.environ.get("HOME", "/tmp")},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert Path(done.stdout.strip()).resolve() == (ROOT / ".venv").resolve()
