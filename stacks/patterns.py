"""EventBridge event patterns the stack deploys. Plain data, no CDK: the local runner matches
events against these very patterns."""

from __future__ import annotations

from typing import Any, Final

# EventBridge target retry policy: the stack deploys it, the local runner follows it.
TARGET_RETRY_ATTEMPTS: Final = 8
TARGET_MAX_EVENT_AGE_HOURS: Final = 6


def create_tags_pattern(trigger_tag_key: str) -> dict[str, Any]:
    """CloudTrail CreateTags that wrote the trigger tag on an AMI (our status tags do not match)."""
    return {
        "source": ["aws.ec2"],
        "detail-type": ["AWS API Call via CloudTrail"],
        "detail": {
            "eventSource": ["ec2.amazonaws.com"],
            "eventName": ["CreateTags"],
            "errorCode": [{"exists": False}],
            "requestParameters": {
                "resourcesSet": {"items": {"resourceId": [{"prefix": "ami-"}]}},
                "tagSet": {"items": {"key": [trigger_tag_key]}},
            },
        },
    }


def ami_available_pattern() -> dict[str, Any]:
    """An AMI became available (tags given at creation are read by the starter)."""
    return {
        "source": ["aws.ec2"],
        "detail-type": ["EC2 AMI State Change"],
        "detail": {"State": ["available"]},
    }


def execution_ended_pattern(state_machine_arn: str) -> dict[str, Any]:
    return {
        "source": ["aws.states"],
        "detail-type": ["Step Functions Execution Status Change"],
        "detail": {"status": ["FAILED", "TIMED_OUT", "ABORTED"],
                   "stateMachineArn": [state_machine_arn]},
    }
