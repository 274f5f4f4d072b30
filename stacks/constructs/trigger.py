"""EventBridge rules that start imports, with a retry policy and an encrypted DLQ."""

from __future__ import annotations

from typing import Any

from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from stacks.patterns import (
    TARGET_MAX_EVENT_AGE_HOURS,
    TARGET_RETRY_ATTEMPTS,
    ami_available_pattern,
    create_tags_pattern,
    execution_ended_pattern,
)


def _pattern(raw: dict[str, Any]) -> events.EventPattern:
    return events.EventPattern(source=raw["source"], detail_type=raw["detail-type"],
                               detail=raw["detail"])


class ImportTrigger(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, trigger_tag_key: str,
                 starter: lambda_.IFunction, janitor: lambda_.IFunction,
                 state_machine: sfn.IStateMachine) -> None:
        super().__init__(scope, construct_id)
        self.dlq = sqs.Queue(
            self, "DeadLetterQueue",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=Duration.days(14),
        )

        def target(fn: lambda_.IFunction) -> targets.LambdaFunction:
            return targets.LambdaFunction(
                fn, dead_letter_queue=self.dlq, retry_attempts=TARGET_RETRY_ATTEMPTS,
                max_event_age=Duration.hours(TARGET_MAX_EVENT_AGE_HOURS))

        self.tag_rule = events.Rule(
            self, "AmiTaggedRule",
            description="Start a WorkSpaces BYOL import when an AMI gets the trigger tag",
            event_pattern=_pattern(create_tags_pattern(trigger_tag_key)),
            targets=[target(starter)],
        )
        self.available_rule = events.Rule(
            self, "AmiAvailableRule",
            description="Start a WorkSpaces BYOL import for an AMI tagged at creation",
            event_pattern=_pattern(ami_available_pattern()),
            targets=[target(starter)],
        )
        self.janitor_rule = events.Rule(
            self, "ExecutionEndedRule",
            description="Free the account lock of an import that failed, timed out or was aborted",
            event_pattern=_pattern(execution_ended_pattern(state_machine.state_machine_arn)),
            targets=[target(janitor)],
        )
