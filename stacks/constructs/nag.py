"""cdk-nag suppressions: each finding the stack keeps on purpose, and why."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from cdk_nag import NagSuppressions

from stacks.constructs.functions import ProjectFunction

# Service Authorization Reference: these WorkSpaces actions support no resource-level
# permissions, so Resource "*" is the only option.
WORKSPACES_NO_RESOURCE = (
    "Service Authorization Reference: workspaces:DescribeAccount, ModifyAccount, "
    "ListAvailableManagementCidrRanges, DescribeAccountModifications, ImportWorkspaceImage, "
    "ImportCustomWorkspaceImage, DescribeCustomWorkspaceImageImport and DescribeWorkspaceImages "
    "support no resource-level permissions; Resource * is the only option"
)
EC2_DESCRIBE_NO_RESOURCE = (
    "ec2:DescribeImages and ec2:DescribeVpcs support no resource-level permissions"
)
IMAGE_WILDCARD = (
    "AMI ids are not known at deploy time: EC2 image actions are limited to image/* in this "
    "Region (and tag writes to our own tag keys)"
)


def suppress_findings(
    functions: Mapping[str, ProjectFunction],
    state_machine: sfn.StateMachine,
    dlq: sqs.Queue,
) -> None:
    """cdk-nag findings that are by design, each with its reason."""
    reasons = {
        "CheckImage": f"{EC2_DESCRIBE_NO_RESOURCE}; {IMAGE_WILDCARD}",
        "AcquireLock": IMAGE_WILDCARD,
        "RequestApproval": IMAGE_WILDCARD,
        "Starter": EC2_DESCRIBE_NO_RESOURCE,
        "CheckAccount": WORKSPACES_NO_RESOURCE,
        "EnableByol": f"{WORKSPACES_NO_RESOURCE}; {EC2_DESCRIBE_NO_RESOURCE}; {IMAGE_WILDCARD}",
        "ModifyAccount": f"{WORKSPACES_NO_RESOURCE}; {EC2_DESCRIBE_NO_RESOURCE}; {IMAGE_WILDCARD}",
        "PollModification": WORKSPACES_NO_RESOURCE,
        "PollImage": f"{WORKSPACES_NO_RESOURCE}; {IMAGE_WILDCARD}",
        "ImportImage": (
            f"{WORKSPACES_NO_RESOURCE} (ImportWorkspaceImage is conditioned on our "
            f"managed-by request tag); {EC2_DESCRIBE_NO_RESOURCE}; "
            "workspaces:DescribeTags and CreateTags support no resource types "
            "(CreateTags keeps the managed-by request-tag condition); "
            f"{IMAGE_WILDCARD}; imagebuilder:GetImage on this account's image/* (a build "
            "version named at run time as the import's source)"
        ),
        "CleanupImage": (
            "DeleteWorkspaceImage is limited to workspaceimage/* carrying our "
            "managed-by tag (image ids are created at run time); "
            "workspaces:DescribeTags supports no resource types"
        ),
        "Report": IMAGE_WILDCARD,
        "LockJanitor": IMAGE_WILDCARD,
    }
    xray = (
        "X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level "
        "permissions (added by Lambda active tracing)"
    )
    runtime = (
        "Runtime chosen in one place (stacks/constructs/functions.py RUNTIME); the "
        "Powertools layer is resolved for that runtime and the version pinned in "
        "requirements.txt, so they move together"
    )
    for key, fn in functions.items():
        reason = reasons.get(key, "")
        NagSuppressions.add_resource_suppressions(
            fn,
            [
                {"id": "AwsSolutions-IAM5", "reason": f"{reason}; {xray}" if reason else xray},
                {"id": "AwsSolutions-L1", "reason": runtime},
            ],
            apply_to_children=True,
        )
    NagSuppressions.add_resource_suppressions(
        state_machine,
        [
            {
                "id": "AwsSolutions-IAM5",
                "reason": (
                    "CDK's grantInvoke adds <function arn>:* so that the state machine may "
                    "invoke function versions; X-Ray and CloudWatch Logs delivery actions "
                    "support no resource-level permissions"
                ),
            }
        ],
        apply_to_children=True,
    )
    NagSuppressions.add_resource_suppressions(
        dlq,
        [
            {
                "id": "AwsSolutions-SQS3",
                "reason": ("This queue is itself the dead-letter queue of the EventBridge targets"),
            }
        ],
    )
