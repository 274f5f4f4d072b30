"""A project Lambda function: arm64, current Python, Powertools layer, own log group."""

from __future__ import annotations

from typing import Final

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from byol_import.settings import FunctionSpec
from stacks.config import FUNCTIONS_DIR

RUNTIME: Final = lambda_.Runtime.PYTHON_3_13
# The public Powertools for AWS Lambda (Python) v3 layer, pinned in this one place.
POWERTOOLS_LAYER_NAME: Final = "AWSLambdaPowertoolsPythonV3-python313-arm64"
POWERTOOLS_LAYER_VERSION: Final = 27
POWERTOOLS_LAYER_ACCOUNT: Final = "017000801446"


def powertools_layer_arn(stack: Stack) -> str:
    return (f"arn:{stack.partition}:lambda:{stack.region}:{POWERTOOLS_LAYER_ACCOUNT}:layer:"
            f"{POWERTOOLS_LAYER_NAME}:{POWERTOOLS_LAYER_VERSION}")


class ProjectFunction(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, spec: FunctionSpec,
                 environment: dict[str, str], retention: logs.RetentionDays,
                 layer: lambda_.ILayerVersion) -> None:
        super().__init__(scope, construct_id)
        self.log_group = logs.LogGroup(self, "Logs", retention=retention,
                                       removal_policy=RemovalPolicy.DESTROY)
        # Its own role with no managed policy: the stack grants each function what it uses.
        self.role = iam.Role(self, "Role",
                             assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
                             description=f"byol-import {spec.key}")
        self.log_group.grant_write(self.role)
        self.function = lambda_.Function(
            self, "Function",
            runtime=RUNTIME,
            architecture=lambda_.Architecture.ARM_64,
            handler=spec.handler,
            code=lambda_.Code.from_asset(
                str(FUNCTIONS_DIR), exclude=["**/__pycache__", "**/*.pyc", ".mypy_cache"]),
            description=spec.description,
            memory_size=spec.memory_mb,
            timeout=Duration.seconds(spec.timeout_seconds),
            environment=environment,
            layers=[layer],
            role=self.role,
            log_group=self.log_group,
            tracing=lambda_.Tracing.ACTIVE,
            logging_format=lambda_.LoggingFormat.JSON,
        )
