"""The Standard state machine, from the ASL YAML file with its substitutions filled by CDK."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from stacks.config import ProjectConfig, asl_template


class ImportWorkflow(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: ProjectConfig,
        functions: Mapping[str, lambda_.IFunction],
        retention: logs.RetentionDays,
    ) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        # vendedlogs prefix keeps CloudWatch Logs resource policies small.
        self.log_group = logs.LogGroup(
            self,
            "Logs",
            log_group_name=f"/aws/vendedlogs/states/{stack.stack_name}-{construct_id}",
            retention=retention,
            removal_policy=RemovalPolicy.DESTROY,
        )
        substitutions = {name: fn.function_arn for name, fn in functions.items()}
        substitutions.update(config.workflow_substitutions())
        self.state_machine = sfn.StateMachine(
            self,
            "StateMachine",
            state_machine_type=sfn.StateMachineType.STANDARD,
            definition_body=sfn.DefinitionBody.from_string(asl_template()),
            definition_substitutions=substitutions,
            logs=sfn.LogOptions(
                destination=self.log_group, level=sfn.LogLevel.ALL, include_execution_data=True
            ),
            tracing_enabled=True,
        )
        for fn in functions.values():
            fn.grant_invoke(self.state_machine)
        self.substitution_names = sorted(substitutions)

    def grant_start(self, grantee: iam.IGrantable) -> None:
        self.state_machine.grant_start_execution(grantee)
