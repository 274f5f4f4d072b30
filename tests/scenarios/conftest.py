from __future__ import annotations

from collections import Counter

import pytest

from local_aws.harness import ExecutionResult, LocalAws

pytestmark = pytest.mark.scenario


def run_tagged(aws: LocalAws, amis: list[str], value: str = "BYOL_REGULAR_WSP") -> list[
        ExecutionResult]:
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


def assert_no_leftovers(aws: LocalAws) -> None:
    """Nothing we created stays PENDING and the lock is free."""
    assert aws.lock_holder() is None
    assert aws.lambdas.unhandled == []
