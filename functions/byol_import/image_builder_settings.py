"""The settings of the Image Builder import path (ImportCustomWorkspaceImage): what the stack
deploys for it. A group of its own, mixed into `DeploymentSettings` (settings.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from byol_import.schema import ConfigError
from byol_import.schema import setting as _setting

# The pattern ImportCustomWorkspaceImage holds InfrastructureConfigurationArn to (the model).
INFRASTRUCTURE_CONFIGURATION_ARN: Final = re.compile(
    r"^arn:aws[^:]*:imagebuilder:[^:]+:(?:[0-9]{12}|aws):infrastructure-configuration/[a-z0-9-_]+$"
)
_SUBNET: Final = re.compile(r"^subnet-(?:[0-9a-f]{8}|[0-9a-f]{17})$")
_SECURITY_GROUP: Final = re.compile(r"^sg-(?:[0-9a-f]{8}|[0-9a-f]{17})$")
_INSTANCE_TYPE: Final = re.compile(r"^[a-z][a-z0-9-]*\.[a-z0-9]+$")
# The stack names the configuration it creates `<stackName><suffix>`. Image Builder's name
# (`ResourceName`, CreateInfrastructureConfiguration `name` in the pinned botocore model and
# the CloudFormation `Name`) is `^[-_A-Za-z-0-9][-_A-Za-z0-9 ]{1,126}[-_A-Za-z-0-9]$`: at most
# 128 characters, so the stack name may have at most 110 (a stack name may have 128).
CONFIGURATION_SUFFIX: Final = "-workspaces-import"
CONFIGURATION_NAME_MAX: Final = 128


@dataclass(frozen=True)
class ImageBuilderSettings:
    image_builder_path: bool = _setting(
        "imageBuilderPath",
        True,
        "true (deploy the Image Builder import path: its infrastructure configuration and "
        "grants) or false",
    )
    infrastructure_configuration_arn: str = _setting(
        "infrastructureConfigurationArn",
        "",
        "empty (the stack creates the infrastructure configuration) or the ARN of an existing "
        "one, arn:aws:imagebuilder:<region>:<account>:infrastructure-configuration/<name>",
        check=lambda v: v == "" or bool(INFRASTRUCTURE_CONFIGURATION_ARN.match(v)),
    )
    image_builder_subnet_id: str = _setting(
        "imageBuilderSubnetId",
        "",
        "empty (the default VPC) or a subnet id such as subnet-0123456789abcdef0",
        check=lambda v: v == "" or bool(_SUBNET.match(v)),
    )
    image_builder_security_group_ids: tuple[str, ...] = _setting(
        "imageBuilderSecurityGroupIds",
        (),
        "security group ids such as sg-0123456789abcdef0 (with imageBuilderSubnetId)",
        check=lambda v: all(_SECURITY_GROUP.match(g) for g in v),
    )
    image_builder_instance_types: tuple[str, ...] = _setting(
        "imageBuilderInstanceTypes",
        ("m6i.large",),
        "EC2 instance types for the build instance, such as m6i.large",
        check=lambda v: all(_INSTANCE_TYPE.match(t) for t in v),
    )

    def check_image_builder(self, name: str = "byolImport.", stack_name: str = "") -> None:
        """Rules across keys: Image Builder needs the subnet of the security groups; the
        configuration the stack creates is named after the stack, within Image Builder's limit."""
        if self.image_builder_security_group_ids and not self.image_builder_subnet_id:
            raise ConfigError(
                f"{name}imageBuilderSecurityGroupIds needs {name}imageBuilderSubnetId (security "
                "groups belong to the subnet's VPC)"
            )
        creates = self.image_builder_path and not self.infrastructure_configuration_arn
        longest = CONFIGURATION_NAME_MAX - len(CONFIGURATION_SUFFIX)
        if creates and len(stack_name) > longest:
            raise ConfigError(
                f"{name}stackName ({len(stack_name)} characters) names the Image Builder "
                f"infrastructure configuration the stack creates, {stack_name[:8]}..."
                f"{CONFIGURATION_SUFFIX}, and Image Builder takes names of at most "
                f"{CONFIGURATION_NAME_MAX} characters: use a stack name of at most {longest}, "
                f"or give {name}infrastructureConfigurationArn"
            )
