"""Alarms a person acts on, sent to the notification topic."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct


class ImportAlarms(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, state_machine: sfn.StateMachine,
                 dlq: sqs.IQueue, topic: sns.ITopic) -> None:
        super().__init__(scope, construct_id)
        period = Duration.minutes(5)
        metrics = {
            "ExecutionsFailed": state_machine.metric_failed(period=period),
            "ExecutionsTimedOut": state_machine.metric_timed_out(period=period),
            "ExecutionsAborted": state_machine.metric_aborted(period=period),
            "DeadLetters": dlq.metric_approximate_number_of_messages_visible(period=period),
        }
        self.alarms: list[cw.Alarm] = []
        for name, metric in metrics.items():
            alarm = cw.Alarm(
                self, name,
                alarm_description=f"byol-import: {name} > 0. Read the execution or DLQ message.",
                metric=metric,
                threshold=0,
                comparison_operator=cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
                evaluation_periods=1,
                treat_missing_data=cw.TreatMissingData.NOT_BREACHING,
            )
            alarm.add_alarm_action(cw_actions.SnsAction(topic))
            self.alarms.append(alarm)
