"""The notification topic and its customer-managed KMS key (in the stack's scope)."""

from __future__ import annotations

from aws_cdk import Aws, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns


def notification_topic(stack: Stack) -> tuple[kms.Key, sns.Topic]:
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
        stack,
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
        stack, "Notifications", display_name="byol-import", master_key=key, enforce_ssl=True
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
