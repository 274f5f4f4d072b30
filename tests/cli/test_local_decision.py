"""A `--local` run that meets the enablement decision answers it in the same command, through
the same approve/reject code as the deployed commands (Stubber: the exact requests)."""

from __future__ import annotations

import json
from typing import Any

from byol_cli.local import LocalSession
from byol_cli.render import PhaseLog
from tests.cli.conftest import CALLER, LOCK_TABLE, SM_ARN, TOPIC, Aws

TOKEN = "token-1"


class Harness:
    """What LocalSession uses of LocalAws: clients, names, and a run that ends after a while."""

    def __init__(self, aws: Aws, busy: int) -> None:
        self.aws, self.busy = aws, busy
        self.state_machine_arn, self.lock_table, self.topic_arn = SM_ARN, LOCK_TABLE, TOPIC

    def client(self, service: str) -> Any:
        return self.aws.clients[service]

    def wait_for_executions(self, timeout_seconds: float) -> None:
        del timeout_seconds
        self.busy -= 1
        if self.busy >= 0:
            raise TimeoutError("still running")


def pending(aws: Aws) -> None:
    aws.lock_item(
        Owner="exec-1",
        ApprovalToken=TOKEN,
        ManagementCidr="10.0.0.0/16",
        ApprovalRequestedAt="2026-11-30T08:05:00Z",
        ApprovalExecution="arn:exec-1",
        ApprovalAmi="ami-0abcdef1234567890",
    )


def test_approve_flag_answers_the_pending_decision_once(aws: Aws):
    # Given a run that waits for the decision while polled twice (the token stays on the item):
    # seen, read again by approve, then seen once more after the answer
    pending(aws)
    pending(aws)
    aws.caller()
    output = {"decision": "approve", "approvedBy": CALLER, "cidr": "10.0.0.0/16"}
    aws.expect("stepfunctions", "send_task_success", {}, taskToken=TOKEN, output=json.dumps(output))
    pending(aws)
    session = LocalSession(Harness(aws, busy=2), PhaseLog(out=lambda _: None))  # type: ignore[arg-type]

    # When it runs with a decision that approves
    ended = session.run(lambda waiting: True)

    # Then one SendTaskSuccess with the CIDR asked about, and the run goes on to its end
    assert ended is True
    assert session.decisions == ["approved enabling BYOL with 10.0.0.0/16"]
    aws.verify()


def test_reject_reason_fails_the_task(aws: Aws):
    pending(aws)
    pending(aws)
    aws.caller()
    aws.expect(
        "stepfunctions",
        "send_task_failure",
        {},
        taskToken=TOKEN,
        error="EnablementRejected",
        cause=f"Rejected by {CALLER}: not this quarter",
    )
    session = LocalSession(Harness(aws, busy=1), PhaseLog(out=lambda _: None))  # type: ignore[arg-type]

    assert session.run(lambda waiting: "not this quarter") is True
    assert session.decisions == ["rejected enabling BYOL: not this quarter"]
    aws.verify()


def test_no_decision_leaves_it_waiting_and_ends_the_command(aws: Aws):
    pending(aws)
    session = LocalSession(Harness(aws, busy=5), PhaseLog(out=lambda _: None))  # type: ignore[arg-type]

    assert session.run(lambda waiting: None) is False
    assert session.decisions == []
    aws.verify()
