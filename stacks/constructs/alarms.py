"""Alarms for what no notification covers, sent to the notification topic.

Every import that ends is reported once: its Report state notifies on success and on failure,
and the janitor notifies for executions that timed out or were aborted (they never reach
Report). An alarm on failed, timed-out or aborted executions would send the same person a second
email about the same import, so the alarms watch only what no notification covers:

- UnreportedFailures: an execution ended without a report. It entered a Fail state that no
  successful Report task leads to (today: the Report task itself failed), or it failed with an
  error no Catch can catch (States.Runtime, States.DataLimitExceeded). Counted by a metric filter
  on the state machine's log group, from the ASL, so a new Fail state is classified by where it
  sits, not by a list kept by hand.
- StartsOrReportsDropped: the Starter or the janitor failed on every attempt of an asynchronous
  invocation (or the event outlived its maximum age) and Lambda could not write it to the
  function's on-failure destination, the dead-letter queue (Lambda's
  DestinationDeliveryFailures): the event is lost, no message says so. Lambda's
  AsyncEventsDropped is not watched: it also counts every event it did send to that
  destination, which DeadLetters already reports (one email per event).
- DeadLetters: an event that EventBridge could not deliver to the Starter or the janitor, or
  that one of them failed on every attempt (their on-failure destination).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, Final

from aws_cdk import Duration, Stack
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from byol_import import settings

UNREPORTED_FAILURES_METRIC: Final = "UnreportedFailures"
# Errors that end an execution past every Catch, even States.ALL: "A retry or catch on
# States.ALL won't catch States.Runtime errors" and States.DataLimitExceeded is terminal
# (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html).
UNCATCHABLE_ERRORS: Final = ("States.Runtime", "States.DataLimitExceeded")
PERIOD: Final = Duration.minutes(5)


def report_substitution() -> str:
    """The ASL's name for the Report function's ARN."""
    (spec,) = [s for s in settings.WORKFLOW_FUNCTIONS if s.key == "Report"]
    return "${" + spec.substitution + "}"


def _transitions(state: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(how, target) for each state a state can go to."""
    out = [("Next", state["Next"])] if "Next" in state else []
    out += [("Default", state["Default"])] if "Default" in state else []
    out += [("Choice", c["Next"]) for c in state.get("Choices", [])]
    out += [("Catch", c["Next"]) for c in state.get("Catch", [])]
    return out


def fail_states(definition: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """(reported, unreported) top-level Fail states. A Fail state is reported when it is entered
    only as the Next of a Report task, i.e. after the report went out; any other Fail state
    ends an execution no one was told about."""
    states: Mapping[str, Any] = definition["States"]
    report = report_substitution()
    entries: dict[str, list[bool]] = {}
    for state in states.values():
        after_report = state.get("Type") == "Task" and report in json.dumps(state)
        for how, target in _transitions(state):
            entries.setdefault(target, []).append(after_report and how == "Next")
    fails = sorted(name for name, s in states.items() if s.get("Type") == "Fail")
    reported = [n for n in fails if entries.get(n) and all(entries[n])]
    return reported, [n for n in fails if n not in reported]


def unreported_pattern(unreported_fail_states: Sequence[str]) -> logs.IFilterPattern:
    """Step Functions log events (level ALL) of an execution that ends without a report: the
    entry into an unreported Fail state, or ExecutionFailed with an uncatchable error.
    Event fields: https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html"""
    fp = logs.FilterPattern
    entered = fp.all(
        fp.string_value("$.type", "=", "FailStateEntered"),
        fp.any(*(fp.string_value("$.details.name", "=", name) for name in unreported_fail_states)),
    )
    uncaught = fp.all(
        fp.string_value("$.type", "=", "ExecutionFailed"),
        fp.any(*(fp.string_value("$.details.error", "=", error) for error in UNCATCHABLE_ERRORS)),
    )
    return fp.any(entered, uncaught) if unreported_fail_states else uncaught


def unreported_namespace(stack: Stack) -> str:
    """A metric filter cannot add a constant dimension, so the deployment is in the namespace:
    two stacks in one account and Region keep their own count."""
    return f"{settings.METRICS_NAMESPACE}/{stack.stack_name}"


class ImportAlarms(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        definition: Mapping[str, Any],
        state_machine_logs: logs.ILogGroup,
        starter: lambda_.IFunction,
        janitor: lambda_.IFunction,
        dlq: sqs.IQueue,
        topic: sns.ITopic,
    ) -> None:
        super().__init__(scope, construct_id)
        self.reported_fail_states, self.unreported_fail_states = fail_states(definition)
        self.unreported_filter = logs.MetricFilter(
            self,
            "UnreportedFailuresFilter",
            log_group=state_machine_logs,
            filter_pattern=unreported_pattern(self.unreported_fail_states),
            metric_namespace=unreported_namespace(Stack.of(self)),
            metric_name=UNREPORTED_FAILURES_METRIC,
            metric_value="1",
            unit=cw.Unit.COUNT,
        )
        self.unreported_failures = self.unreported_filter.metric(
            statistic=cw.Stats.SUM, period=PERIOD, label="Executions ended without a report"
        )
        self.dropped_events = cw.MathExpression(
            expression="FILL(starter, 0) + FILL(janitor, 0)",
            using_metrics={
                name: fn.metric(
                    "DestinationDeliveryFailures", statistic=cw.Stats.SUM, period=PERIOD
                )
                for name, fn in (("starter", starter), ("janitor", janitor))
            },
            period=PERIOD,
            label="Failed events Lambda could not dead-letter",
        )
        self.dead_letters = dlq.metric_approximate_number_of_messages_visible(
            statistic=cw.Stats.MAXIMUM, period=PERIOD
        )

        self.alarms: dict[str, cw.Alarm] = {}
        for name, metric, description in (
            (
                "UnreportedFailures",
                self.unreported_failures,
                "An import execution ended and no one was notified: its Report step failed, or "
                "the execution failed past every Catch. Open the state machine's failed executions "
                "of the last minutes (StateMachineConsoleUrl): the execution's error says what "
                "happened; the AMI may lack its status tag. Fix the cause (often sns:Publish or "
                "the topic's KMS key), then redrive or start the import again.",
            ),
            (
                "StartsOrReportsDropped",
                self.dropped_events,
                "The Starter or the janitor failed on every attempt and Lambda could not write the "
                "event to the dead-letter queue, so it was dropped: an import did not start, or a "
                "timed-out or aborted one was not reported. Read the function's errors in its log "
                "group (dashboard: Throttles and errors) and why the queue refused it (its policy, "
                "the message size), fix the cause, then tag the AMI again or check the state "
                "machine's executions.",
            ),
            (
                "DeadLetters",
                self.dead_letters,
                "EventBridge could not deliver an event to the Starter or the janitor, or one of "
                "them failed on every attempt. Read the message in the dead-letter queue (its "
                "attributes, or the invocation record's condition and error, say why), fix the "
                "cause, then "
                "tag the AMI again or check the state machine's executions; delete the message.",
            ),
        ):
            alarm = cw.Alarm(
                self,
                name,
                alarm_description=f"byol-import: {description}",
                metric=metric,
                threshold=0,
                comparison_operator=cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
                evaluation_periods=1,
                treat_missing_data=cw.TreatMissingData.NOT_BREACHING,
            )
            alarm.add_alarm_action(cw_actions.SnsAction(topic))
            self.alarms[name] = alarm
