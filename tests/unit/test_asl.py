"""The workflow definition itself: structure, substitutions, retries, catches and loop bounds."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from byol_import import errors, settings
from stacks.config import ASL_FILE, asl_template, default_config, substitute

ASL: dict[str, Any] = json.loads(ASL_FILE.read_text())
STATES: dict[str, dict[str, Any]] = ASL["States"]
TASKS = {n: s for n, s in STATES.items() if s["Type"] == "Task"}
# AWS's recommended Lambda retry set (Step Functions developer guide, "Handling errors": "Best
# practices for handling Lambda service exceptions"), plus throttling.
LAMBDA_SERVICE_ERRORS = {"Lambda.ServiceException", "Lambda.AWSLambdaException",
                         "Lambda.SdkClientException", "Lambda.ClientExecutionTimeoutException",
                         "Lambda.TooManyRequestsException"}
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
    values = {**{a: "arn:aws:lambda:eu-west-1:123456789012:function:x" for a in arns},
              **default_config().workflow_substitutions()}
    assert wanted == set(values)
    json.loads(substitute(asl_template(), values))


def test_a_missing_substitution_is_refused() -> None:
    with pytest.raises(ValueError, match="unfilled substitution"):
        substitute(asl_template(), {})


@pytest.mark.parametrize("name", sorted(TASKS))
def test_every_task_has_timeout_retry_and_catch(name: str) -> None:
    task = TASKS[name]
    assert 0 < task["TimeoutSeconds"] <= 900
    retried = {e for r in task["Retry"] for e in r["ErrorEquals"]}
    assert set(errors.RETRYABLE_ERROR_NAMES) <= retried
    assert LAMBDA_SERVICE_ERRORS <= retried
    for retry in task["Retry"]:
        assert retry["BackoffRate"] > 1 and retry["JitterStrategy"] == "FULL"
        assert retry["MaxDelaySeconds"] <= 120 and retry["MaxAttempts"] <= 6
    assert any("States.ALL" in c["ErrorEquals"] for c in task["Catch"])


@pytest.mark.parametrize("name", sorted(TASKS))
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
    lambda_retry = [r for r in TASKS[name]["Retry"]
                    if "Lambda.ServiceException" in r["ErrorEquals"]]
    assert len(lambda_retry) == 1
    assert "Lambda.ClientExecutionTimeoutException" in lambda_retry[0]["ErrorEquals"]


def test_error_names_are_ours_or_aws() -> None:
    ours = {c.__name__ for c in vars(errors).values()
            if isinstance(c, type) and issubclass(c, errors.ByolImportError)}
    for state in STATES.values():
        names = [e for r in state.get("Retry", []) for e in r["ErrorEquals"]]
        names += [state["Parameters"]["Error"]] if "Error" in state.get("Parameters", {}) else []
        for name in names:
            assert name in ours or name.startswith(
                ("States.", "Lambda.", "Runtime.", "Sandbox.")), name


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


def test_every_loop_has_a_bound() -> None:
    loops = cycles()
    assert len(loops) == 3  # lock wait, modification poll, image poll
    for loop in loops:
        bounds = [STATES[s] for s in loop if STATES[s]["Type"] == "Choice" and any(
            "NumericGreaterThanEqualsPath" in c and c["Variable"].startswith("$.Counters.")
            and c["NumericGreaterThanEqualsPath"].startswith("$.Limits.")
            for c in STATES[s]["Choices"])]
        counters = [STATES[s] for s in loop if STATES[s]["Type"] == "Pass"
                    and STATES[s].get("ResultPath") == "$.Counters"]
        assert bounds and counters, loop


def test_worst_case_history_stays_far_below_the_limit() -> None:
    # Each loop iteration is at most: Wait (2 events) + Task (5) + 2 Choices (4) + Pass (2).
    config = default_config()
    per_iteration = 13
    iterations = config.lock_max_waits + config.modification_max_polls + config.image_max_polls
    straight = 5 * len(TASKS) + 2 * (len(STATES) - len(TASKS))
    retries = 5 * 6 * len(TASKS)  # every task retried to its limit once
    worst = iterations * per_iteration + straight + retries
    assert worst < HISTORY_LIMIT / 5, worst


def test_overall_timeout_exceeds_every_loop_deadline() -> None:
    assert ASL["TimeoutSeconds"] > default_config().worst_case_seconds() + 3600


def test_failures_end_in_fail_states_that_carry_the_real_error() -> None:
    fails = {n: s for n, s in STATES.items() if s["Type"] == "Fail"}
    assert fails and all(s["ErrorPath"] == "$.Error.Error" for s in fails.values())
