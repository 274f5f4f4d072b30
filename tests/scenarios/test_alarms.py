"""One email per ended import: the notification, or an alarm when no notification went out.

The embedded AWS does not evaluate CloudWatch alarms, so each scenario reads what the alarms
would see: the execution's history in the form Step Functions logs it, matched by the very
metric filter the stack deploys (UnreportedFailures), and the dead-letter queue (DeadLetters).
"""

from __future__ import annotations

import os
from functools import cache

import pytest

from local_aws.harness import LocalAws, unattended
from local_aws.logs_filters import Predicate, compile_pattern, step_functions_log_event
from stacks.config import asl_definition
from tests.scenarios.conftest import stop_while_running

pytestmark = pytest.mark.scenario


@cache
def unreported_filter() -> Predicate:
    """The UnreportedFailures metric filter, built as the stack builds it."""
    os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    from stacks.constructs.alarms import fail_states, unreported_pattern

    _, unreported = fail_states(asl_definition())
    return compile_pattern(unreported_pattern(unreported).log_pattern_string)


def emails(aws: LocalAws, arn: str, ami: str) -> dict[str, int]:
    """What reaches the person about one import: notifications, and alarm transitions."""
    history = aws.client("stepfunctions").get_execution_history(executionArn=arn, maxResults=1000)[
        "events"
    ]
    matches = unreported_filter()
    unreported = sum(1 for e in history if matches(step_functions_log_event(e)))
    return {
        "notification": len([n for n in aws.notifications() if ami in n.subject]),
        # Each alarm sends one email when it goes to ALARM (threshold: more than 0).
        "UnreportedFailures": int(unreported > 0),
        "DeadLetters": int(bool(aws.dead_letters)),
    }


def run_console(aws: LocalAws, errors: dict[str, dict[str, int]]) -> tuple[str, str]:
    aws.enable_byol_directly()
    ami = aws.create_windows_ami()
    aws.faults.errors.update(errors)
    arn = aws.start_manual({"ImageId": ami})
    aws.wait_for_executions()
    aws.faults.errors.clear()
    return arn, ami


def test_a_failed_import_sends_one_email_the_notification() -> None:
    with LocalAws(config=unattended()) as aws:
        # Given an import that fails (the image quota is reached)
        arn, ami = run_console(aws, {"ImportWorkspaceImage": {"ResourceLimitExceededException": 1}})
        assert aws.result(arn, history=False).status == "FAILED"
        # Then the Report step notifies, and no alarm adds a second email
        assert emails(aws, arn, ami) == {
            "notification": 1,
            "UnreportedFailures": 0,
            "DeadLetters": 0,
        }


def test_a_failure_the_report_could_not_send_is_the_alarm_s_one_email() -> None:
    with LocalAws(config=unattended()) as aws:
        # Given an import that fails, and a Report step that may not publish
        arn, ami = run_console(
            aws,
            {
                "ImportWorkspaceImage": {"ResourceLimitExceededException": 1},
                "sns:Publish": {"AuthorizationError": 1},
            },
        )
        # Then no notification goes out, so the UnreportedFailures alarm is the one email
        assert emails(aws, arn, ami) == {
            "notification": 0,
            "UnreportedFailures": 1,
            "DeadLetters": 0,
        }


def test_a_success_the_report_could_not_send_is_the_alarm_s_one_email() -> None:
    with LocalAws(config=unattended()) as aws:
        # Given an import that succeeds, and a Report step that may not publish
        arn, ami = run_console(aws, {"sns:Publish": {"AuthorizationError": 1}})
        assert aws.result(arn, history=False).status == "FAILED"
        # Then the person still hears of it once, from the alarm
        assert emails(aws, arn, ami) == {
            "notification": 0,
            "UnreportedFailures": 1,
            "DeadLetters": 0,
        }


def test_a_succeeded_import_sends_one_email_the_notification() -> None:
    with LocalAws(config=unattended()) as aws:
        arn, ami = run_console(aws, {})
        assert aws.result(arn, history=False).status == "SUCCEEDED"
        assert emails(aws, arn, ami) == {
            "notification": 1,
            "UnreportedFailures": 0,
            "DeadLetters": 0,
        }


def test_an_aborted_import_sends_one_email_the_janitor_s() -> None:
    with LocalAws(config=unattended()) as aws:
        # Given an import a person stops while its EnableByol task runs
        ami = aws.create_windows_ami()
        arn = stop_while_running(aws, "EnableByol", ami)
        assert aws.result(arn, history=False).status == "ABORTED"
        # Then the janitor's notification is the one email: no alarm watches aborted runs
        assert emails(aws, arn, ami) == {
            "notification": 1,
            "UnreportedFailures": 0,
            "DeadLetters": 0,
        }
