"""The stack: small constructs composed, one least-privilege role per function."""

from __future__ import annotations

from typing import Any

from aws_cdk import Aws, CfnOutput, RemovalPolicy, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns_subscriptions as subs
from constructs import Construct

from byol_import import settings
from stacks.config import ProjectConfig, asl_definition
from stacks.constructs.alarms import ImportAlarms
from stacks.constructs.dashboard import ImportDashboard
from stacks.constructs.functions import ProjectFunction, powertools_layer
from stacks.constructs.image_builder import ImageBuilderInfrastructure
from stacks.constructs.nag import suppress_findings
from stacks.constructs.notifications import notification_topic
from stacks.constructs.permissions import grant_image_builder_path, grant_permissions
from stacks.constructs.trigger import ImportTrigger
from stacks.constructs.workflow import ImportWorkflow

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
        self.topic_key, self.topic = notification_topic(self)
        if config.notification_email:
            self.topic.add_subscription(subs.EmailSubscription(config.notification_email))

        layer = powertools_layer(self)
        # The Image Builder import path: a configuration of ours, an existing one, or none.
        infrastructure_arn = config.infrastructure_configuration_arn
        if config.image_builder_path and not infrastructure_arn:
            self.image_builder = ImageBuilderInfrastructure(self, "ImageBuilder", config=config)
            infrastructure_arn = self.image_builder.arn
        if not config.image_builder_path:
            infrastructure_arn = ""
        environment = {
            **config.lambda_environment(),
            settings.ENV_TOPIC_ARN: self.topic.topic_arn,
            settings.ENV_LOCK_TABLE: self.lock_table.table_name,
            settings.ENV_INFRASTRUCTURE_CONFIGURATION_ARN: infrastructure_arn,
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

        grant_permissions(self.functions, self.lock_table, self.topic, self.workflow)
        if infrastructure_arn:
            grant_image_builder_path(self.functions, infrastructure_arn)
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
        suppress_findings(self.functions, self.workflow.state_machine, self.trigger.dlq)
