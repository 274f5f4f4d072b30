"""The workflow definition itself: structure, substitutions, retries, catches and loop bounds."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from byol_import import errors, settings
from stacks.config import ASL_FILE, asl_definition, asl_template, default_config, substitute

ASL: dict[str, Any] = asl_definition()
YAML_TEXT = ASL_FILE.read_text()
STATES: dict[str, dict[str, Any]] = ASL["States"]
TASKS = {n: s for n, s in STATES.items() if s["Type"] == "Task"}
# The callback Task that waits for a person: its timeout is the approval's, not a function's.
CALLBACK = "AwaitApproval"
FUNCTION_TASKS = {n: s for n, s in TASKS.items() if n != CALLBACK}
# AWS's recommended Lambda retry set (Step Functions developer guide, "Handling errors": "Best
# practices for handling Lambda service exceptions"), plus throttling.
LAMBDA_SERVICE_ERRORS = {
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.ClientExecutionTimeoutException",
    "Lambda.TooManyRequestsException",
}
HISTORY_LIMIT = 25_000


def successors(state: dict[str, Any]) -> set[str]:
    nxt = {state["Next"]} if "Next" in state else set()
    nxt |= {c["Next"] for c in state.get("Choices", [])}
    nxt |= {c["Next"] for c in state.get("Catch", [])}
    if "Default" in state:
        nxt.add(state["Default"])
    return nxt


def test_every_next_exists_and_every_state_is_reachable() -> None:
    seen, todo = set(), [ASL["StartAt"]]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        assert name in STATES, f"missing state {name}"
        seen.add(name)
        todo.extend(successors(STATES[name]))
    assert seen == set(STATES)


def test_every_substitution_is_filled_by_cdk_and_the_local_runner() -> None:
    wanted = set(re.findall(r"\$\{(\w+)\}", asl_template()))
    arns = {spec.substitution for spec in settings.WORKFLOW_FUNCTIONS}
    values = {
        **{a: "arn:aws:lambda:eu-west-1:123456789012:function:x" for a in arns},
        **default_config().workflow_substitutions(),
    }
    assert wanted == set(values)
    json.loads(substitute(asl_template(), values))


def test_a_missing_substitution_is_refused() -> None:
    with pytest.raises(ValueError, match="unfilled substitution"):
        substitute(asl_template(), {})


@pytest.mark.parametrize("name", sorted(TASKS))
def test_every_task_has_timeout_retry_and_catch(name: str) -> None:
    task = TASKS[name]
    if name == CALLBACK:
        assert task["TimeoutSecondsPath"] == "$.Limits.ApprovalTimeoutSeconds"
    else:
        assert 0 < task["TimeoutSeconds"] <= 900
    retried = {e for r in task["Retry"] for e in r["ErrorEquals"]}
    assert set(errors.RETRYABLE_ERROR_NAMES) <= retried
    assert LAMBDA_SERVICE_ERRORS <= retried
    for retry in task["Retry"]:
        assert retry["BackoffRate"] > 1 and retry["JitterStrategy"] == "FULL"
        assert retry["MaxDelaySeconds"] <= 120 and retry["MaxAttempts"] <= 6
    assert any("States.ALL" in c["ErrorEquals"] for c in task["Catch"])


@pytest.mark.parametrize("name", sorted(FUNCTION_TASKS))
def test_every_task_timeout_is_its_function_timeout_plus_the_margin(name: str) -> None:
    # Given the task timer also runs through the invoke call and a cold start,
    # when a Task's timeout equalled its function's, States.Timeout could fire first and the
    # retry would start a second invocation while the first still ran.
    # Then every Task waits for its function's own timeout (FunctionSpec) plus the margin.
    by_arn = {f"${{{s.substitution}}}": s for s in settings.WORKFLOW_FUNCTIONS}
    spec = by_arn[TASKS[name]["Resource"]]
    assert settings.TASK_TIMEOUT_MARGIN_SECONDS >= 30
    assert TASKS[name]["TimeoutSeconds"] == spec.task_timeout_seconds
    assert spec.task_timeout_seconds == spec.timeout_seconds + settings.TASK_TIMEOUT_MARGIN_SECONDS


@pytest.mark.parametrize("name", sorted(TASKS))
def test_every_task_retries_the_lambda_client_execution_timeout(name: str) -> None:
    lambda_retry = [
        r for r in TASKS[name]["Retry"] if "Lambda.ServiceException" in r["ErrorEquals"]
    ]
    assert len(lambda_retry) == 1
    assert "Lambda.ClientExecutionTimeoutException" in lambda_retry[0]["ErrorEquals"]


def test_error_names_are_ours_or_aws() -> None:
    ours = {
        c.__name__
        for c in vars(errors).values()
        if isinstance(c, type) and issubclass(c, errors.ByolImportError)
    }
    for state in STATES.values():
        names = [e for r in state.get("Retry", []) for e in r["ErrorEquals"]]
        names += [state["Parameters"]["Error"]] if "Error" in state.get("Parameters", {}) else []
        for name in names:
            assert name in ours or name.startswith(
                ("States.", "Lambda.", "Runtime.", "Sandbox.")
            ), name


def cycles() -> list[list[str]]:
    """Every elementary cycle of the state graph (small graph: plain DFS)."""
    found: list[list[str]] = []

    def walk(start: str, node: str, path: list[str]) -> None:
        for nxt in successors(STATES[node]):
            if nxt == start:
                found.append(path)
            elif nxt not in path and nxt > start:
                walk(start, nxt, [*path, nxt])

    for name in STATES:
        walk(name, name, [name])
    return found


# Each poll loop: its Task, the Choice after it, and the Wait before it.
LOOPS = {
    "CheckLock": ("LockWaitChoice", "WaitForLock", "LockTimedOut", "LockMaxWaits"),
    "PollModification": (
        "ModificationChoice",
        "WaitForModification",
        "ModificationTimedOut",
        "ModificationMaxPolls",
    ),
    "PollImage": ("ImageChoice", "WaitForImage", "ImageTimedOut", "ImageMaxPolls"),
    "PollCopies": ("DeliveryChoice", "WaitForCopies", "CopiesTimedOut", "CopyMaxPolls"),
}


def test_every_loop_is_three_states_and_ends_in_its_own_timeout_error() -> None:
    # Given the polling loops, Then each is exactly Wait -> Poll -> Choice -> Wait
    short = [c for c in cycles() if len(c) == 3]
    assert sorted(sorted(c) for c in short) == sorted(
        sorted([poll, choice, wait]) for poll, (choice, wait, _, _) in LOOPS.items()
    )
    for poll, (choice, wait, timed_out, limit) in LOOPS.items():
        task = STATES[poll]
        assert task["Type"] == "Task" and task["Next"] == choice
        assert STATES[wait]["Type"] == "Wait" and STATES[wait]["Next"] == poll
        assert STATES[choice]["Default"] == wait
        # The Choice also holds the bound: the poll's own count against its limit.
        [bound] = [c for c in STATES[choice]["Choices"] if "NumericGreaterThanEqualsPath" in c]
        assert bound["Variable"] == f"{task['ResultPath']}.count"
        assert bound["NumericGreaterThanEqualsPath"] == f"$.Limits.{limit}"
        assert bound["Next"] == timed_out
        assert STATES[timed_out]["Parameters"]["Error"] in (
            "LockNotAcquired",
            "ByolEnablementTimedOut",
            "ImageImportTimedOut",
            "DeliveryTimedOut",
        )
    # No counter states are left: the polls count themselves.
    assert not [n for n, st in STATES.items() if st.get("ResultPath") == "$.Counters"]


def test_every_cycle_goes_through_a_bounded_poll() -> None:
    # The lock loop's way back through CheckAccount is bounded by the same count.
    for cycle in cycles():
        assert set(cycle) & set(LOOPS), cycle


def test_the_retry_and_catch_policies_are_written_once() -> None:
    # Given the YAML source, Then one retry anchor and one catch anchor, and every Task but the
    # approval's names the retry policy; every Task but the three on the reporting path and the
    # approval's names the catch policy.
    assert YAML_TEXT.count("&retry") == 1 and YAML_TEXT.count("&catch") == 1
    assert YAML_TEXT.count("Retry: *retry") == len(TASKS) - 1
    assert YAML_TEXT.count("Retry:") == len(TASKS)
    assert YAML_TEXT.count("Catch: *catch") == len(TASKS) - 4
    policy = TASKS["CheckAccount"]["Retry"]
    assert all(task["Retry"] == policy for task in FUNCTION_TASKS.values())
    retried = {e for r in policy for e in r["ErrorEquals"]}
    assert {"TransientAwsError", "ImageNotListedYet"} <= retried


def test_the_source_stays_within_300_lines() -> None:
    assert len(YAML_TEXT.splitlines()) <= 300


def test_the_approval_waits_its_own_timeout_and_is_never_asked_twice_for_one_silence() -> None:
    # Given the callback Task that waits for a person
    task = TASKS[CALLBACK]
    assert task["Resource"] == "arn:aws:states:::lambda:invoke.waitForTaskToken"
    assert task["Parameters"]["Payload"]["Token.$"] == "$$.Task.Token"
    # Then no answer is not retried (that would ask again) but caught as ApprovalTimedOut
    retried = {e for r in task["Retry"] for e in r["ErrorEquals"]}
    assert "States.Timeout" not in retried and "States.ALL" not in retried
    first, *_ = task["Catch"]
    assert (first["ErrorEquals"], first["Next"]) == (["States.Timeout"], "ApprovalTimedOut")
    assert STATES["ApprovalTimedOut"]["Parameters"]["Error"] == "ApprovalTimedOut"
    # And a rejection (any other error) is reported with its own error and cause
    assert task["Catch"][-1] == {
        "ErrorEquals": ["States.ALL"],
        "ResultPath": "$.Error",
        "Next": "ReportFailure",
    }
    assert task["Next"] == "ModifyAccount"


def test_worst_case_history_stays_well_below_the_limit() -> None:
    # Each poll: Wait (2 events) + Task (5: entered, scheduled, started, succeeded, exited) +
    # Choice (2). A lock wait may also come back through CheckAccount, AccountChoice,
    # AcquireLock and LockChoice (5 + 2 + 5 + 2): a refused AcquireLock counts as a look too,
    # so that way costs 23 events for 2 counts. A waiter can wait out the holder's whole
    # enablement (and its approval, looked at rarely), then enable BYOL itself, then import,
    # then deliver (the copy loop).
    config = default_config()
    poll = 2 + 5 + 2
    lock_look = (poll + 5 + 2 + 5 + 2) / 2
    loops = (config.lock_max_waits + 1) * lock_look + (
        config.modification_max_polls + config.image_max_polls + config.copy_max_polls
    ) * poll
    straight = 5 * len(TASKS) + 2 * (len(STATES) - len(TASKS))
    retries = 5 * 6 * len(TASKS)  # every task retried to its limit once
    worst = loops + straight + retries
    assert worst < 0.8 * HISTORY_LIMIT, worst


def test_overall_timeout_exceeds_every_loop_deadline() -> None:
    assert ASL["TimeoutSeconds"] > default_config().worst_case_seconds() + 3600


def test_failures_end_in_fail_states_that_carry_the_real_error() -> None:
    fails = {n: s for n, s in STATES.items() if s["Type"] == "Fail"}
    assert fails and all(s["ErrorPath"] == "$.Error.Error" for s in fails.values())
