"""A project Lambda function: arm64, current Python, the pinned Powertools layer, own log group."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Final

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from byol_import.settings import FunctionSpec
from stacks.config import FUNCTIONS_DIR, ROOT

# The one place the functions' runtime and architecture are chosen; the layer follows them.
RUNTIME: Final = lambda_.Runtime.PYTHON_3_13
ARCHITECTURE: Final = lambda_.Architecture.ARM_64
REQUIREMENTS: Final = ROOT / "requirements.txt"
_POWERTOOLS_PIN: Final = re.compile(
    r"^aws-lambda-powertools(?:\[[^]]*\])?==(?P<version>[0-9][^\s;#]*)", re.MULTILINE
)


def powertools_version(requirements: Path = REQUIREMENTS) -> str:
    """The Powertools version pinned in requirements.txt: the one the tests run."""
    found = _POWERTOOLS_PIN.findall(requirements.read_text())
    if len(found) != 1:
        raise ValueError(f"{requirements} must pin aws-lambda-powertools==<version> exactly once")
    return str(found[0])


def powertools_layer_parameter() -> str:
    """Powertools' public SSM parameter holding the layer ARN of that exact version.

    Documented format /aws/service/powertools/python/<arch>/<python-runtime>/<version>
    (https://docs.aws.amazon.com/powertools/python/latest/getting-started/install/
    #using-ssm-parameter-store). Powertools writes it in the commercial Regions only (its
    .github/workflows/update_ssm.yml), and its China layers live in another account, which is
    why cdk.json targets the `aws` partition alone.
    """
    return (
        f"/aws/service/powertools/python/{ARCHITECTURE.name}/{RUNTIME.name}/{powertools_version()}"
    )


def powertools_layer(scope: Construct) -> lambda_.ILayerVersion:
    """The layer, resolved by CloudFormation at deploy time (synth stays offline)."""
    arn = ssm.StringParameter.value_for_string_parameter(scope, powertools_layer_parameter())
    return lambda_.LayerVersion.from_layer_version_arn(scope, "Powertools", arn)


class ProjectFunction(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        spec: FunctionSpec,
        environment: dict[str, str],
        retention: logs.RetentionDays,
        layer: lambda_.ILayerVersion,
    ) -> None:
        super().__init__(scope, construct_id)
        self.log_group = logs.LogGroup(
            self, "Logs", retention=retention, removal_policy=RemovalPolicy.DESTROY
        )
        # Its own role with no managed policy: the stack grants each function what it uses.
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"byol-import {spec.key}",
        )
        self.log_group.grant_write(self.role)
        self.function = lambda_.Function(
            self,
            "Function",
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            handler=spec.handler,
            code=lambda_.Code.from_asset(
                str(FUNCTIONS_DIR), exclude=["**/__pycache__", "**/*.pyc", ".mypy_cache"]
            ),
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
