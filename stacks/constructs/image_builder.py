"""The Image Builder import path's infrastructure configuration: the build instance
ImportCustomWorkspaceImage runs on (its instance profile, network, instance types and logs).

Created when `imageBuilderPath` is true and `infrastructureConfigurationArn` is empty. The
instance role carries the two managed policies AWS documents for Image Builder build instances
(EC2InstanceProfileForImageBuilder, AmazonSSMManagedInstanceCore: docs/byol-api-facts.md) and
may write its logs to the stack's log bucket. Names derive from the stack name, so two stacks
coexist (Image Builder's ARN takes the name in lower case).
"""

from __future__ import annotations

from aws_cdk import Aws, Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_imagebuilder as imagebuilder
from aws_cdk import aws_s3 as s3
from cdk_nag import NagSuppressions
from constructs import Construct

from byol_import import settings
from byol_import.image_builder_settings import CONFIGURATION_SUFFIX
from stacks.config import ProjectConfig

MANAGED_POLICIES = ("EC2InstanceProfileForImageBuilder", "AmazonSSMManagedInstanceCore")
LOG_PREFIX = "workspaces-import/"


class ImageBuilderInfrastructure(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, config: ProjectConfig) -> None:
        super().__init__(scope, construct_id)
        self.log_bucket = s3.Bucket(
            self,
            "Logs",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            lifecycle_rules=[s3.LifecycleRule(expiration=Duration.days(config.log_retention_days))],
            # Build logs explain a failed import: kept when the stack is deleted.
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.role = iam.Role(
            self,
            "InstanceRole",
            assumed_by=iam.ServicePrincipal("ec2.amazonaws.com"),
            description="byol-import: the Image Builder build instance of WorkSpaces imports",
            managed_policies=[
                iam.ManagedPolicy.from_aws_managed_policy_name(name) for name in MANAGED_POLICIES
            ],
        )
        self.log_bucket.grant_put(self.role, f"{LOG_PREFIX}*")
        self.instance_profile = iam.InstanceProfile(self, "InstanceProfile", role=self.role)
        self.configuration = imagebuilder.CfnInfrastructureConfiguration(
            self,
            "Configuration",
            # Image Builder writes the name in lower case in the ARN (unconfirmed: facts doc)
            name=f"{Aws.STACK_NAME}{CONFIGURATION_SUFFIX}",
            description="byol-import: where WorkSpaces builds ImportCustomWorkspaceImage imports",
            instance_profile_name=self.instance_profile.instance_profile_name,
            instance_types=list(config.image_builder_instance_types) or None,
            subnet_id=config.image_builder_subnet_id or None,
            security_group_ids=list(config.image_builder_security_group_ids) or None,
            terminate_instance_on_failure=True,
            instance_metadata_options=imagebuilder.CfnInfrastructureConfiguration.InstanceMetadataOptionsProperty(
                http_tokens="required"
            ),
            logging=imagebuilder.CfnInfrastructureConfiguration.LoggingProperty(
                s3_logs=imagebuilder.CfnInfrastructureConfiguration.S3LogsProperty(
                    s3_bucket_name=self.log_bucket.bucket_name, s3_key_prefix=LOG_PREFIX
                )
            ),
            tags={settings.MANAGED_BY_TAG_KEY: settings.MANAGED_BY_TAG_VALUE},
        )
        self.arn = self.configuration.attr_arn
        NagSuppressions.add_resource_suppressions(
            self.role,
            [
                {
                    "id": "AwsSolutions-IAM4",
                    "reason": "The managed policies AWS documents for Image Builder build "
                    "instances (EC2InstanceProfileForImageBuilder, AmazonSSMManagedInstanceCore)",
                    "appliesTo": [
                        f"Policy::arn:<AWS::Partition>:iam::aws:policy/{name}"
                        for name in MANAGED_POLICIES
                    ],
                },
                {
                    "id": "AwsSolutions-IAM5",
                    "reason": "The build instance writes log objects of run-time names under "
                    f"{LOG_PREFIX} of the stack's log bucket only",
                },
            ],
            apply_to_children=True,
        )
        NagSuppressions.add_resource_suppressions(
            self.log_bucket,
            [
                {
                    "id": "AwsSolutions-S1",
                    "reason": "This bucket holds only build logs; access logs of a log bucket "
                    "would need a bucket of their own for no reader",
                }
            ],
        )
