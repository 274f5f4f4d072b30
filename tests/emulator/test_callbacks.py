"""Task tokens on the virtual clock (local_aws/callbacks.py): a `.waitForTaskToken` Task waits
its TimeoutSeconds in virtual time and wakes when its answer arrives; answers get AWS's errors.
Rules: https://docs.aws.amazon.com/step-functions/latest/apireference/API_SendTaskSuccess.html,
API_SendTaskFailure.html and the "Wait for a Callback with Task Token" guide."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from local_aws.clock import VirtualClock
from local_aws.harness import LocalAws
from local_aws.iam import identity
from local_aws.place import ACCOUNT_ID, PREFIX
from local_aws.workspaces_byol import Timings

HOUR = 3600
# The probe stands in for the code of a function the deployed state machine may invoke: the
# state machine's own IAM policy is enforced on the invoke as in every run.
PROBE_KEY = "ValidateRequest"
TOKENS: list[str] = []


def probe(event: dict[str, Any], _context: Any) -> dict[str, Any]:
    """What a callback function does with its token: hands it on (here, to the test)."""
    TOKENS.append(event["token"])
    return {}


def _machine(timeout: dict[str, Any], name: str = "Probe") -> dict[str, Any]:
    return {
        "StartAt": "Wait",
        "States": {
            "Wait": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                "Parameters": {
                    "FunctionName": f"{PREFIX}-{PROBE_KEY}",
                    "Payload": {"token.$": "$$.Task.Token"},
                },
                **timeout,
                "End": True,
            }
        },
    }


@pytest.fixture
def aws() -> Iterator[LocalAws]:
    TOKENS.clear()
    with LocalAws(timings=Timings()) as env:
        env.lambdas.functions[f"{PREFIX}-{PROBE_KEY}"].handler = f"{__name__}.probe"
        yield env


def _start(aws: LocalAws, timeout: dict[str, Any], execution_input: Any = None) -> str:
    """Start the Task. Its answerers must be arranged (aws.people) before: this thread is outside
    the clock, so once the Task waits alone on it, time jumps to the Task's timeout or heartbeat
    deadline before a person scheduled after the start exists."""
    sfn = aws.client("stepfunctions")
    machine = sfn.create_state_machine(
        name=f"{PREFIX}-Probe",
        definition=json.dumps(_machine(timeout)),
        roleArn=f"arn:aws:iam::{ACCOUNT_ID}:role/{PREFIX}Role",
    )["stateMachineArn"]
    return str(
        sfn.start_execution(stateMachineArn=machine, input=json.dumps(execution_input or {}))[
            "executionArn"
        ]
    )


def _finished(aws: LocalAws, arn: str) -> dict[str, Any]:
    sfn = aws.client("stepfunctions")
    for _ in range(2000):
        described = sfn.describe_execution(executionArn=arn)
        if described["status"] != "RUNNING":
            return dict(described)
        time.sleep(0.01)
    raise AssertionError("the execution is still RUNNING")


def _history_time(aws: LocalAws, arn: str) -> timedelta:
    events = aws.client("stepfunctions").get_execution_history(executionArn=arn)["events"]
    return events[-1]["timestamp"] - events[0]["timestamp"]


def _token_ready() -> bool:
    return bool(TOKENS)


def test_an_answer_an_hour_later_ends_the_wait_then(aws: LocalAws) -> None:
    # Given a person who answers an hour after the token is handed out
    sfn = aws.client("stepfunctions")
    act = aws.people.when(
        _token_ready,
        lambda: sfn.send_task_success(taskToken=TOKENS[0], output='{"decision": "approve"}'),
        delay_seconds=HOUR,
    )
    # When a Task waits for its token with a 24-hour timeout read from the input
    arn = _start(
        aws, {"TimeoutSecondsPath": "$.Limits.Seconds"}, {"Limits": {"Seconds": 24 * HOUR}}
    )
    # Then the execution succeeds with that output, an hour of virtual time later
    described = _finished(aws, arn)
    act.wait()
    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["output"]) == {"decision": "approve"}
    assert timedelta(hours=1) <= _history_time(aws, arn) < timedelta(hours=1, minutes=1)


def test_no_answer_times_the_task_out_in_virtual_time(aws: LocalAws) -> None:
    # Given a Task waiting 24 hours for its token, and nobody answering
    arn = _start(
        aws, {"TimeoutSecondsPath": "$.Limits.Seconds"}, {"Limits": {"Seconds": 24 * HOUR}}
    )
    # Then it fails with States.Timeout once 24 virtual hours passed (in well under a minute)
    described = _finished(aws, arn)
    assert (described["status"], described["error"]) == ("FAILED", "States.Timeout")
    assert timedelta(hours=24) <= _history_time(aws, arn) < timedelta(hours=24, minutes=1)
    # And an answer after that is refused as AWS refuses it
    with pytest.raises(ClientError) as caught:
        aws.client("stepfunctions").send_task_success(taskToken=TOKENS[0], output="{}")
    assert caught.value.response["Error"]["Code"] == "TaskTimedOut"


def test_a_failure_answer_keeps_its_error_and_cause(aws: LocalAws) -> None:
    sfn = aws.client("stepfunctions")
    act = aws.people.when(
        _token_ready,
        lambda: sfn.send_task_failure(
            taskToken=TOKENS[0], error="EnablementRejected", cause="Rejected by ops: not today"
        ),
        delay_seconds=60,
    )
    arn = _start(aws, {"TimeoutSeconds": 24 * HOUR})
    described = _finished(aws, arn)
    act.wait()
    assert described["status"] == "FAILED"
    assert (described["error"], described["cause"]) == (
        "EnablementRejected",
        "Rejected by ops: not today",
    )


def test_a_second_answer_and_an_unknown_token_are_refused(aws: LocalAws) -> None:
    sfn = aws.client("stepfunctions")
    first = aws.people.when(
        _token_ready, lambda: sfn.send_task_success(taskToken=TOKENS[0], output="{}")
    )
    arn = _start(aws, {"TimeoutSeconds": HOUR})
    assert _finished(aws, arn)["status"] == "SUCCEEDED"
    first.wait()
    with pytest.raises(ClientError) as again:
        sfn.send_task_failure(taskToken=TOKENS[0], error="Late")
    with pytest.raises(ClientError) as unknown:
        sfn.send_task_success(taskToken="not-a-token", output="{}")
    assert again.value.response["Error"]["Code"] == "TaskTimedOut"
    assert unknown.value.response["Error"]["Code"] == "InvalidToken"


def test_output_that_is_not_json_is_invalid_output(aws: LocalAws) -> None:
    sfn = aws.client("stepfunctions")

    def answer_badly_then_well() -> str:
        try:
            sfn.send_task_success(taskToken=TOKENS[0], output="approve")
        except ClientError as error:
            code = str(error.response["Error"]["Code"])
        sfn.send_task_success(taskToken=TOKENS[0], output='"approve"')
        return code

    act = aws.people.when(_token_ready, answer_badly_then_well)
    arn = _start(aws, {"TimeoutSeconds": HOUR})
    assert _finished(aws, arn)["status"] == "SUCCEEDED"
    assert act.wait() == "InvalidOutput"


def test_a_timeout_path_that_selects_no_positive_integer_fails_the_execution(
    aws: LocalAws,
) -> None:
    arn = _start(aws, {"TimeoutSecondsPath": "$.Seconds"}, {"Seconds": "86400"})
    described = _finished(aws, arn)
    assert (described["status"], described["error"]) == ("FAILED", "States.Runtime")


def test_heartbeats_keep_the_task_alive_until_they_stop(aws: LocalAws) -> None:
    # Given a Task with a 10-minute heartbeat, beating twice 8 minutes apart, then silent
    sfn = aws.client("stepfunctions")
    beats = [
        aws.people.when(
            _token_ready,
            lambda: sfn.send_task_heartbeat(taskToken=TOKENS[0]),
            delay_seconds=minutes * 60,
        )
        for minutes in (8, 16)
    ]
    arn = _start(aws, {"TimeoutSeconds": 24 * HOUR, "HeartbeatSeconds": 600})
    # Then it times out 10 minutes after the last heartbeat
    described = _finished(aws, arn)
    for beat in beats:
        beat.wait()
    assert (described["status"], described["error"]) == ("FAILED", "States.Timeout")
    assert timedelta(minutes=26) <= _history_time(aws, arn) < timedelta(minutes=27)


def test_answers_go_through_the_pipeline_and_a_role_without_the_action_is_denied(
    aws: LocalAws,
) -> None:
    # Given a waiting Task
    sfn = aws.client("stepfunctions")

    def answer_as_a_function_then_as_the_operator() -> str:
        # A workflow function's role has no states:SendTaskSuccess: AWS denies it
        with identity.acting_as("CheckImage", f"{PREFIX}-CheckImage"):
            try:
                sfn.send_task_success(taskToken=TOKENS[0], output="{}")
            except ClientError as error:
                code = str(error.response["Error"]["Code"])
        sfn.send_task_success(taskToken=TOKENS[0], output="{}")
        return code

    act = aws.people.when(_token_ready, answer_as_a_function_then_as_the_operator)
    arn = _start(aws, {"TimeoutSeconds": HOUR})
    assert _finished(aws, arn)["status"] == "SUCCEEDED"
    assert act.wait() == "AccessDeniedException"
    # And every answer is an API call the account saw (throttling, CloudTrail)
    assert aws.calls.operations("stepfunctions").count("SendTaskSuccess") == 2


def test_the_clock_never_jumps_past_a_sleeper_whose_condition_already_holds() -> None:
    # Given a busy participant, and another sleeping a day unless its answer arrives
    clock = VirtualClock()
    answered = threading.Event()
    woke: list[bool] = []
    clock.participant_started()  # the busy one (this thread)

    def sleeper() -> None:
        woke.append(clock.sleep_until(24 * HOUR, answered.is_set))
        clock.participant_finished()

    clock.participant_started()
    thread = threading.Thread(target=sleeper)
    thread.start()
    # When the answer arrives (nobody tells the clock) and the busy one sleeps two days
    answered.set()
    clock.sleep(48 * HOUR)
    clock.participant_finished()
    thread.join(5)
    # Then the sleeper woke by its answer, not by its day running out
    assert woke == [True]
    assert clock.elapsed() == timedelta(hours=48)


def test_an_untimed_sleeper_sets_no_time_of_its_own() -> None:
    clock = VirtualClock()
    stop = threading.Event()
    clock.participant_started()

    def sleeper() -> None:
        clock.sleep_until(None, stop.is_set)
        clock.participant_finished()

    thread = threading.Thread(target=sleeper)
    thread.start()
    clock.participant_started()
    clock.sleep(60)  # the only timed sleeper: time goes to it, not beyond
    clock.participant_finished()
    stop.set()
    clock.wake()
    thread.join(5)
    assert not thread.is_alive() and clock.elapsed() == timedelta(seconds=60)
