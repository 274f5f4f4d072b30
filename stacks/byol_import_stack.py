"""The stack: small constructs composed, one least-privilege role per function."""

from __future__ import annotations

from typing import Any

from aws_cdk import Aws, CfnOutput, RemovalPolicy, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subs
from cdk_nag import NagSuppressions
from constructs import Construct

from byol_import import settings
from stacks.config import ProjectConfig, asl_definition
from stacks.constructs.alarms import ImportAlarms
from stacks.constructs.dashboard import ImportDashboard
from stacks.constructs.functions import ProjectFunction, powertools_layer
from stacks.constructs.trigger import ImportTrigger
from stacks.constructs.workflow import ImportWorkflow

# Service Authorization Reference: these WorkSpaces actions support no resource-level
# permissions, so Resource "*" is the only option.
WORKSPACES_NO_RESOURCE = (
    "Service Authorization Reference: workspaces:DescribeAccount, ModifyAccount, "
    "ListAvailableManagementCidrRanges, DescribeAccountModifications, ImportWorkspaceImage and "
    "DescribeWorkspaceImages support no resource-level permissions; Resource * is the only option"
)
EC2_DESCRIBE_NO_RESOURCE = (
    "ec2:DescribeImages and ec2:DescribeVpcs support no resource-level permissions"
)
IMAGE_WILDCARD = (
    "AMI ids are not known at deploy time: EC2 image actions are limited to image/* in this "
    "Region (and tag writes to our own tag keys)"
)


_RETENTION = {
    1: logs.RetentionDays.ONE_DAY,
    3: logs.RetentionDays.THREE_DAYS,
    5: logs.RetentionDays.FIVE_DAYS,
    7: logs.RetentionDays.ONE_WEEK,
    14: logs.RetentionDays.TWO_WEEKS,
    30: logs.RetentionDays.ONE_MONTH,
    60: logs.RetentionDays.TWO_MONTHS,
    90: logs.RetentionDays.THREE_MONTHS,
    120: logs.RetentionDays.FOUR_MONTHS,
    150: logs.RetentionDays.FIVE_MONTHS,
    180: logs.RetentionDays.SIX_MONTHS,
    365: logs.RetentionDays.ONE_YEAR,
    400: logs.RetentionDays.THIRTEEN_MONTHS,
    545: logs.RetentionDays.EIGHTEEN_MONTHS,
    731: logs.RetentionDays.TWO_YEARS,
    1827: logs.RetentionDays.FIVE_YEARS,
    3653: logs.RetentionDays.TEN_YEARS,
}


def _retention(days: int) -> logs.RetentionDays:
    """The shortest retention CloudWatch Logs offers that keeps logs at least `days` days."""
    return _RETENTION[min((d for d in _RETENTION if d >= days), default=3653)]


class ByolImportStack(Stack):
    def __init__(
        self, scope: Construct, construct_id: str, *, config: ProjectConfig, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        retention = _retention(config.log_retention_days)

        self.lock_table = dynamodb.Table(
            self,
            "LockTable",
            partition_key=dynamodb.Attribute(name="LockId", type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            encryption=dynamodb.TableEncryption.AWS_MANAGED,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            time_to_live_attribute="ExpiresAt",
            removal_policy=RemovalPolicy.DESTROY,
        )
        self.topic_key, self.topic = self._notification_topic()
        if config.notification_email:
            self.topic.add_subscription(subs.EmailSubscription(config.notification_email))

        layer = powertools_layer(self)
        environment = {
            **config.lambda_environment(),
            settings.ENV_TOPIC_ARN: self.topic.topic_arn,
            settings.ENV_LOCK_TABLE: self.lock_table.table_name,
        }
        self.functions: dict[str, ProjectFunction] = {}
        for spec in settings.WORKFLOW_FUNCTIONS:
            self.functions[spec.key] = ProjectFunction(
                self, spec.key, spec=spec, environment=environment, retention=retention, layer=layer
            )

        self.workflow = ImportWorkflow(
            self,
            "Workflow",
            config=config,
            retention=retention,
            functions={
                spec.substitution: self.functions[spec.key].function
                for spec in settings.WORKFLOW_FUNCTIONS
            },
        )
        sm_arn = self.workflow.state_machine.state_machine_arn
        for spec in (settings.STARTER_FUNCTION, settings.LOCK_JANITOR_FUNCTION):
            self.functions[spec.key] = ProjectFunction(
                self,
                spec.key,
                spec=spec,
                retention=retention,
                layer=layer,
                environment={**environment, settings.ENV_STATE_MACHINE_ARN: sm_arn},
            )

        self._grant_permissions()
        self.trigger = ImportTrigger(
            self,
            "Trigger",
            trigger_tag_key=config.trigger_tag_key,
            starter=self.functions["Starter"].function,
            janitor=self.functions["LockJanitor"].function,
            state_machine=self.workflow.state_machine,
        )
        self.alarms = ImportAlarms(
            self,
            "Alarms",
            definition=asl_definition(),
            state_machine_logs=self.workflow.log_group,
            starter=self.functions["Starter"].function,
            janitor=self.functions["LockJanitor"].function,
            dlq=self.trigger.dlq,
            topic=self.topic,
        )
        self.dashboard = ImportDashboard(
            self,
            "Dashboard",
            state_machine=self.workflow.state_machine,
            state_machine_logs=self.workflow.log_group,
            functions={key: fn.function for key, fn in self.functions.items()},
            function_logs={key: fn.log_group for key, fn in self.functions.items()},
            dlq=self.trigger.dlq,
            alarms=self.alarms,
        )

        CfnOutput(self, "StateMachineArn", value=sm_arn)
        CfnOutput(
            self,
            "StateMachineConsoleUrl",
            value=(
                f"https://{Aws.REGION}.console.aws.amazon.com/states/home?region={Aws.REGION}"
                f"#/statemachines/view/{sm_arn}"
            ),
        )
        CfnOutput(self, "NotificationTopicArn", value=self.topic.topic_arn)
        CfnOutput(self, "LockTableName", value=self.lock_table.table_name)
        CfnOutput(self, "DashboardUrl", value=self.dashboard.url)
        self._suppress()

    def _notification_topic(self) -> tuple[kms.Key, sns.Topic]:
        """The topic the functions and the alarms publish to, under a customer key.

        CloudWatch alarms cannot publish to a topic under the AWS-managed alias/aws/sns key: its
        policy does not let cloudwatch.amazonaws.com use it and cannot be edited
        (https://repost.aws/knowledge-center/cloudwatch-configure-alarm-sns). So the key is ours,
        and both its policy and the topic policy let CloudWatch in for this account's alarms only
        (aws:SourceAccount and aws:SourceArn, as in
        https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-use-cases.html and
        https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html
        #compatibility-with-aws-services). The functions get kms:Decrypt and
        kms:GenerateDataKey* on it from grant_publish.
        """
        cloudwatch = iam.ServicePrincipal("cloudwatch.amazonaws.com")
        from_our_alarms = {
            "StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID},
            "ArnLike": {
                "aws:SourceArn": (
                    f"arn:{Aws.PARTITION}:cloudwatch:{Aws.REGION}:{Aws.ACCOUNT_ID}:alarm:*"
                )
            },
        }
        key = kms.Key(
            self,
            "NotificationsKey",
            description="byol-import: encrypts the notification topic (alarms and functions)",
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.DESTROY,
        )
        key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowCloudWatchAlarmsToUseTheKey",
                principals=[cloudwatch],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],
                conditions=from_our_alarms,
            )
        )
        topic = sns.Topic(
            self, "Notifications", display_name="byol-import", master_key=key, enforce_ssl=True
        )
        topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowCloudWatchAlarmsToPublish",
                principals=[cloudwatch],
                actions=["sns:Publish"],
                resources=[topic.topic_arn],
                conditions=from_our_alarms,
            )
        )
        return key, topic

    # -- IAM: what each function may do, and nothing more --------------------------------------

    def _allow(
        self,
        key: str,
        actions: list[str],
        resources: list[str],
        conditions: dict[str, Any] | None = None,
    ) -> None:
        self.functions[key].function.add_to_role_policy(
            iam.PolicyStatement(actions=actions, resources=resources, conditions=conditions)
        )

    def _grant_permissions(self) -> None:
        image_arn = f"arn:{Aws.PARTITION}:ec2:{Aws.REGION}::image/*"
        wsi_arn = f"arn:{Aws.PARTITION}:workspaces:{Aws.REGION}:{Aws.ACCOUNT_ID}:workspaceimage/*"
        managed = {f"aws:ResourceTag/{settings.MANAGED_BY_TAG_KEY}": settings.MANAGED_BY_TAG_VALUE}
        read_account = ["workspaces:DescribeAccount", "workspaces:DescribeAccountModifications"]

        self._allow("CheckImage", ["ec2:DescribeImages"], ["*"])
        self._allow("CheckAccount", ["workspaces:DescribeAccount"], ["*"])
        self._allow(
            "EnableByol",
            [
                *read_account,
                "workspaces:ListAvailableManagementCidrRanges",
                "workspaces:ModifyAccount",
            ],
            ["*"],
        )
        self._allow("EnableByol", ["ec2:DescribeVpcs"], ["*"])
        self._allow("PollModification", read_account, ["*"])
        self._allow(
            "ImportImage",
            ["workspaces:ImportWorkspaceImage"],
            ["*"],
            {
                "StringEquals": {
                    f"aws:RequestTag/{settings.MANAGED_BY_TAG_KEY}": settings.MANAGED_BY_TAG_VALUE
                }
            },
        )
        # SAR: CreateTags and DescribeTags list no resource types, so only "*" matches; tagging
        # at import stays limited to requests that carry our managed-by tag.
        self._allow(
            "ImportImage",
            ["workspaces:CreateTags"],
            ["*"],
            {
                "StringEquals": {
                    f"aws:RequestTag/{settings.MANAGED_BY_TAG_KEY}": settings.MANAGED_BY_TAG_VALUE
                }
            },
        )
        self._allow("ImportImage", ["workspaces:DescribeWorkspaceImages"], ["*"])
        self._allow("ImportImage", ["workspaces:DescribeTags"], ["*"])
        self._allow("ImportImage", ["ec2:DescribeImages"], ["*"])
        # WorkSpaces shares the AMI with its own account during the import.
        self._allow("ImportImage", ["ec2:ModifyImageAttribute"], [image_arn])
        self._allow("PollImage", ["workspaces:DescribeWorkspaceImages"], ["*"])
        self._allow("CleanupImage", ["workspaces:DescribeTags"], ["*"])
        self._allow(
            "CleanupImage",
            ["workspaces:DeleteWorkspaceImage"],
            [wsi_arn],
            {"StringEquals": managed},
        )
        self._allow(
            "Report",
            ["ec2:CreateTags"],
            [image_arn],
            {"ForAllValues:StringLike": {"aws:TagKeys": [f"{settings.TAG_NAMESPACE}*"]}},
        )
        self._allow("Starter", ["ec2:DescribeImages"], ["*"])
        self._allow(
            "LockJanitor",
            ["ec2:CreateTags"],
            [image_arn],
            {"ForAllValues:StringLike": {"aws:TagKeys": [f"{settings.TAG_NAMESPACE}*"]}},
        )

        self.lock_table.grant(
            self.functions["AcquireLock"].function, "dynamodb:PutItem", "dynamodb:GetItem"
        )
        self.lock_table.grant(self.functions["CheckLock"].function, "dynamodb:GetItem")
        for key in ("ReleaseLock", "Report", "LockJanitor"):
            self.lock_table.grant(self.functions[key].function, "dynamodb:DeleteItem")
        for key in ("Report", "LockJanitor"):
            self.topic.grant_publish(self.functions[key].function)
        self.workflow.grant_start(self.functions["Starter"].function)

    def _suppress(self) -> None:
        reasons = {
            "CheckImage": EC2_DESCRIBE_NO_RESOURCE,
            "Starter": EC2_DESCRIBE_NO_RESOURCE,
            "CheckAccount": WORKSPACES_NO_RESOURCE,
            "EnableByol": f"{WORKSPACES_NO_RESOURCE}; {EC2_DESCRIBE_NO_RESOURCE}",
            "PollModification": WORKSPACES_NO_RESOURCE,
            "PollImage": WORKSPACES_NO_RESOURCE,
            "ImportImage": (
                f"{WORKSPACES_NO_RESOURCE} (ImportWorkspaceImage is conditioned on our "
                f"managed-by request tag); {EC2_DESCRIBE_NO_RESOURCE}; "
                "workspaces:DescribeTags and CreateTags support no resource types "
                "(CreateTags keeps the managed-by request-tag condition); "
                f"{IMAGE_WILDCARD}"
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
        for key, fn in self.functions.items():
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
            self.workflow.state_machine,
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
            self.trigger.dlq,
            [
                {
                    "id": "AwsSolutions-SQS3",
                    "reason": (
                        "This queue is itself the dead-letter queue of the EventBridge targets"
                    ),
                }
            ],
        )
