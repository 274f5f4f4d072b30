"""Many imports waiting on one BYOL enablement, and what the polling costs for one import.

Reduced form: the fleet here is 5 imports waiting on a 30 min enablement; the full form, 20 imports
on a 4 h enablement (2 h imports), is `make bench` ("fleet: WorkSpaces calls in enablement, 20
imports / 1"). The rules are the same: one ModifyAccount, every import done, only the lock
holder polls WorkSpaces (each waiter adds exactly 2 account reads), every waiter noticing the
release within one lock poll."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

import pytest

from local_aws.harness import LocalAws, unattended
from local_aws.workspaces_byol import Timings
from tests.scenarios.conftest import assert_no_leftovers, ws_calls

pytestmark = pytest.mark.scenario

HOUR = 3600
ENABLEMENT_CALLS = (
    "DescribeAccount",
    "DescribeAccountModifications",
    "ListAvailableManagementCidrRanges",
    "ModifyAccount",
)
POLL_SECONDS = 120
FLEET = 5


def timings() -> Timings:
    """30 min enablement, 90 min imports, DescribeAccount 15 min late (fixed: the runs compare)."""
    return Timings(
        modification_seconds=HOUR / 2, import_seconds=1.5 * HOUR, account_lag_seconds=15 * 60
    )


def run_imports(aws: LocalAws, count: int) -> None:
    with aws.clock.hold():
        amis = [aws.create_windows_ami(name=f"win11-{i}") for i in range(count)]
        for ami in amis:
            aws.tag_ami([ami], value="BYOL_REGULAR_WSP")
        aws.deliver_events()
    aws.wait_for_executions(timeout_seconds=900)


def enablement_calls(aws: LocalAws) -> int:
    return sum(n for op, n in ws_calls(aws).items() if op in ENABLEMENT_CALLS)


def task_retries(aws: LocalAws) -> int:
    """Task attempts that failed with our transient error (and so were retried by the ASL)."""
    return sum(
        1
        for e in aws.executions()
        for event in aws._history(e["executionArn"])
        if event["type"] == "LambdaFunctionFailed"
        and event["lambdaFunctionFailedEventDetails"].get("error") == "TransientAwsError"
    )


def call_times(aws: LocalAws, service: str, operation: str) -> list[datetime]:
    return sorted(c.at for c in aws.calls.calls if (c.service, c.operation) == (service, operation))


def test_waiting_imports_cost_little_more_than_one() -> None:
    # Given one import on a BYOL-disabled account
    with LocalAws(config=unattended(), timings=timings()) as single:
        run_imports(single, 1)
        [alone] = single.results(history=False)
        assert alone.status == "SUCCEEDED", alone.cause
        one = enablement_calls(single)
    # When a fleet of imports starts at once on another such account
    with LocalAws(config=unattended(), timings=timings()) as fleet:
        run_imports(fleet, FLEET)
        results = fleet.results(history=False)
        # Then all of them import, BYOL is enabled once ...
        assert Counter(r.status for r in results) == Counter({"SUCCEEDED": FLEET})
        calls = ws_calls(fleet)
        assert calls["ModifyAccount"] == 1 and calls["ImportWorkspaceImage"] == FLEET
        # ... only the lock holder polls WorkSpaces; the others read the lock item, and the
        # account once before and once after: within 1.5 times the calls of a single import
        many = enablement_calls(fleet)
        assert many <= 1.5 * one, (many, one)
        # (a step the throttled SDK gave up on is retried whole by its Task: its served calls
        # are made again, so each such retry may add one)
        retried = task_retries(fleet)
        assert one + 2 * (FLEET - 1) <= many <= one + 2 * (FLEET - 1) + retried, (many, retried)
        # ... and every waiter notices the release within one lock poll (plus its own steps)
        [released] = call_times(fleet, "dynamodb", "DeleteItem")[:1]
        imports = call_times(fleet, "workspaces", "ImportWorkspaceImage")
        assert max((t - released).total_seconds() for t in imports) < POLL_SECONDS + 60
        assert_no_leftovers(fleet)


def test_one_import_polls_within_two_minutes_at_a_third_of_the_cost_of_a_60_second_poll() -> None:
    # Given a 4 h enablement and a 2 h import (no read lags)
    with LocalAws(
        config=unattended(), timings=Timings(modification_seconds=4 * HOUR, import_seconds=2 * HOUR)
    ) as aws:
        # When one AMI is imported
        run_imports(aws, 1)
        [result] = aws.results()
        assert result.status == "SUCCEEDED", result.cause
        # Then each end was noticed within 2 minutes (plus the steps' own run time) ...
        lag = result.virtual_seconds - 6 * HOUR
        assert 0 <= lag < 2 * POLL_SECONDS + 60, lag
        # ... with at most a third of the transitions and calls of a fixed 60-second poll
        assert result.transitions <= 603, result.transitions
        assert sum(ws_calls(aws).values()) <= 202, ws_calls(aws)


@pytest.mark.parametrize("late", [1, 20, 90])
def test_an_end_that_falls_just_after_a_poll_is_noticed_within_two_minutes(late: int) -> None:
    # Given an enablement and an import that end `late` seconds past 4 h and 2 h (no read lags):
    # with 120 s polls an end 1 s after a poll was seen 121 s later
    timings = Timings(modification_seconds=4 * HOUR + late, import_seconds=2 * HOUR + late)
    with LocalAws(config=unattended(), timings=timings) as aws:
        # When one AMI is imported
        run_imports(aws, 1)
        [result] = aws.results(history=False)
        assert result.status == "SUCCEEDED", result.cause
        # Then the poll that sees each end is made at most 115 s after it, so its answer (a poll
        # task takes about a second) is back within 120 s
        accounts = aws.world._accounts.values()
        [modification] = [m for a in accounts for m in a.modifications]
        [image] = [i for a in accounts for i in a.import_log]
        for poll, done in (
            ("DescribeAccountModifications", modification.done_at),
            ("DescribeWorkspaceImages", image.ready_at),
        ):
            served = (c.at for c in aws.calls.calls if c.operation == poll and not c.throttled)
            noticed = min(at for at in served if at >= done)
            assert (noticed - done).total_seconds() <= 115, (poll, (noticed - done).total_seconds())
