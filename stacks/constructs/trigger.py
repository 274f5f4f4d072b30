"""EventBridge rules that start imports, with a retry policy and an encrypted DLQ.

Two layers, one queue: EventBridge dead-letters an event it could not hand to Lambda (the
invoke refused, throttled or denied); once Lambda has accepted it (EventBridge invokes
asynchronously), a function error is retried by Lambda and then sent to the function's
on-failure destination, the same queue. Without that destination Lambda drops the event.
https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html
https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html"""

from __future__ import annotations

from typing import Any

import jsii
from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from byol_import import triggers


@jsii.implements(lambda_.IDestination)
class _QueueDestination:
    """An SQS on-failure destination granting only what Lambda needs, sqs:SendMessage (the L2
    SqsDestination also grants GetQueueUrl and GetQueueAttributes).
    https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html"""

    def __init__(self, queue: sqs.IQueue) -> None:
        self.queue = queue

    def bind(
        self,
        _scope: Construct,
        fn: lambda_.IFunction,
        *,
        type: lambda_.DestinationType | None = None,
    ) -> lambda_.DestinationConfig:
        fn.add_to_role_policy(
            iam.PolicyStatement(actions=["sqs:SendMessage"], resources=[self.queue.queue_arn])
        )
        return lambda_.DestinationConfig(destination=self.queue.queue_arn)


def _pattern(raw: dict[str, Any]) -> events.EventPattern:
    return events.EventPattern(
        source=raw["source"], detail_type=raw["detail-type"], detail=raw["detail"]
    )


class ImportTrigger(Construct):
    """Every rule of `byol_import.triggers.rules`, each targeting its function."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        trigger_tag_key: str,
        starter: lambda_.IFunction,
        janitor: lambda_.IFunction,
        state_machine: sfn.IStateMachine,
    ) -> None:
        super().__init__(scope, construct_id)
        self.dlq = sqs.Queue(
            self,
            "DeadLetterQueue",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=Duration.days(14),
        )
        functions = {triggers.STARTER: starter, triggers.LOCK_JANITOR: janitor}
        for fn in functions.values():
            fn.configure_async_invoke(
                retry_attempts=triggers.FUNCTION_RETRY_ATTEMPTS,
                max_event_age=Duration.hours(triggers.FUNCTION_MAX_EVENT_AGE_HOURS),
                on_failure=_QueueDestination(self.dlq),
            )
        self.rules: dict[str, events.Rule] = {}
        for rule in triggers.rules(trigger_tag_key, state_machine.state_machine_arn):
            self.rules[rule.rule_id] = events.Rule(
                self,
                rule.rule_id,
                description=rule.description,
                event_pattern=_pattern(rule.pattern),
                targets=[
                    targets.LambdaFunction(
                        functions[rule.target],
                        dead_letter_queue=self.dlq,
                        retry_attempts=triggers.TARGET_RETRY_ATTEMPTS,
                        max_event_age=Duration.hours(triggers.TARGET_MAX_EVENT_AGE_HOURS),
                    )
                ],
            )
