from __future__ import annotations

import math
import threading
from collections import Counter
from typing import Any

import pytest

from local_aws.harness import ExecutionResult, LocalAws

pytestmark = pytest.mark.scenario


def run_tagged(
    aws: LocalAws, amis: list[str], value: str = "BYOL_REGULAR_WSP"
) -> list[ExecutionResult]:
    """A person tags the AMIs; EventBridge delivers; the workflow runs to its end."""
    aws.tag_ami(amis, value=value)
    aws.deliver_events()
    aws.wait_for_executions(timeout_seconds=120)
    return aws.results()


def ws_calls(aws: LocalAws) -> Counter[str]:
    """WorkSpaces requests AWS served (the throttled ones did nothing; they are counted apart)."""
    return aws.calls.count("workspaces", served=True)


def assert_reported(aws: LocalAws, ami: str, status: str, fragment: str) -> None:
    """The AMI carries the outcome and a person got exactly one message that explains it."""
    tags = aws.ami_tags(ami)
    assert tags["byol-import:status"] == status
    if status != "AVAILABLE":
        assert fragment in tags["byol-import:error"]
    notes = [n for n in aws.notifications() if ami in n.subject]
    assert len(notes) == 1
    assert fragment in notes[0].subject + notes[0].message


def status_history(aws: LocalAws, ami: str) -> list[tuple[str, str]]:
    """Each status the workflow gave the AMI, in order, with the time it entered it (from
    CloudTrail's CreateTags events: the AMI itself keeps only the last)."""
    history = []
    for event in list(aws.cloudtrail.events):
        params = event["requestParameters"]
        tags = {t["key"]: t["value"] for t in params["tagSet"]["items"]}
        resources = [r["resourceId"] for r in params["resourcesSet"]["items"]]
        if "errorCode" not in event and ami in resources and "byol-import:status" in tags:
            history.append((tags["byol-import:status"], tags.get("byol-import:status-since", "")))
    return history


def assert_no_leftovers(aws: LocalAws) -> None:
    """Nothing we created stays PENDING and the lock is free."""
    assert aws.lock_holder() is None
    assert aws.lambdas.unhandled == []


# Durations are drawn per run (Timings.realistic): expected counts come from what was drawn.
def drawn_modification_seconds(aws: LocalAws, with_lag: bool = True) -> float:
    """How long the account's (only) modification took, plus the DescribeAccount lag."""
    [mod] = [m for a in aws.world._accounts.values() for m in a.modifications]
    lag = aws.timings.account_lag_seconds if with_lag else 0.0
    return (mod.done_at - mod.start).total_seconds() + lag


def drawn_import_seconds(aws: LocalAws) -> float:
    [image] = [i for a in aws.world._accounts.values() for i in a.import_log]
    return (image.ready_at - image.created).total_seconds()


def polls_until(seconds: float, first: float, interval: float) -> int:
    """Polls a loop makes (first after `first`, then every `interval`) until `seconds` passed."""
    return 1 + max(0, math.ceil((seconds - first) / interval))


def modification_polls(aws: LocalAws, with_lag: bool = True) -> int:
    """Polls of the modification loop until the account reads ENABLED (or, without the lag,
    until the modification itself ended)."""
    interval = aws.config.modification_poll_interval_seconds
    return polls_until(drawn_modification_seconds(aws, with_lag), interval, interval)


def modification_loop_calls(aws: LocalAws) -> Counter[str]:
    """One WorkSpaces call per poll: DescribeAccountModifications while PENDING, then
    DescribeAccount from the poll that reads COMPLETED until DescribeAccount says ENABLED."""
    pending = modification_polls(aws, with_lag=False)
    return Counter(
        {
            "DescribeAccountModifications": pending,
            "DescribeAccount": modification_polls(aws) - pending + 1,
        }
    )


def image_polls(aws: LocalAws) -> int:
    return polls_until(
        drawn_import_seconds(aws),
        aws.config.image_first_poll_delay_minutes * 60,
        aws.config.image_poll_interval_seconds,
    )


def stop_while_running(aws: LocalAws, function_key: str, ami: str) -> str:
    """A person starts an import of `ami` and stops it while `function_key`'s task runs; that
    task finishes afterwards. Returns the execution ARN, once everything has settled."""
    [fn] = [f for f in aws.lambdas.functions.values() if f.key == function_key]
    handler, entered, go_on = fn.load(), threading.Event(), threading.Event()

    def gated(event: Any, context: Any) -> Any:
        entered.set()
        go_on.wait(timeout=60)
        return handler(event, context)

    fn.load = lambda: gated  # type: ignore[method-assign]
    arn = aws.start_manual({"ImageId": ami})
    assert entered.wait(timeout=60)
    aws.client("stepfunctions").stop_execution(
        executionArn=arn, error="Aborted", cause="stopped by a person"
    )
    go_on.set()
    aws.wait_for_executions()
    return arn
