"""A `--local` run that meets the enablement decision answers it in the same command: an
operator (a participant of the virtual clock) answers through the same approve/reject code as
the deployed commands (Stubber: the exact requests)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import boto3
from moto import mock_aws

from byol_cli.local import LocalSession
from byol_cli.render import PhaseLog
from tests.cli.conftest import CALLER, LOCK_TABLE, SM_ARN, TOPIC, Aws

TOKEN = "token-1"


class People:
    """The harness's people: here each scheduled act runs when the run next looks."""

    def __init__(self) -> None:
        self.waiting: list[Callable[[], Any]] = []

    def when(
        self, ready: Any, action: Callable[[], Any], delay_seconds: float = 0, name: str = ""
    ) -> None:
        del ready, delay_seconds, name
        self.waiting.append(action)


class Harness:
    """What LocalSession uses of LocalAws: clients, names, people, and a run that ends after
    `busy` looks; people act at the first look only (one decision is asked)."""

    def __init__(self, aws: Aws, busy: int) -> None:
        self.aws, self.busy, self.people = aws, busy, People()
        self.state_machine_arn, self.lock_table, self.topic_arn = SM_ARN, LOCK_TABLE, TOPIC
        self.acted = False

    def client(self, service: str) -> Any:
        return self.aws.clients[service]

    def wait_for_executions(self, timeout_seconds: float) -> None:
        del timeout_seconds
        if not self.acted:
            self.acted = True
            for act in list(self.people.waiting):
                self.people.waiting.remove(act)
                act()
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


def session(aws: Aws, busy: int) -> tuple[LocalSession, Harness]:
    harness = Harness(aws, busy)
    return LocalSession(harness, PhaseLog(out=lambda _: None)), harness  # type: ignore[arg-type]


def test_approve_answers_the_pending_decision_and_the_operator_stays_for_the_next(aws: Aws):
    # Given a run that waits for the decision (read by the operator, then again by approve)
    pending(aws)
    pending(aws)
    aws.caller()
    output = {"decision": "approve", "approvedBy": CALLER, "cidr": "10.0.0.0/16"}
    aws.expect("stepfunctions", "send_task_success", {}, taskToken=TOKEN, output=json.dumps(output))
    run, harness = session(aws, busy=2)

    # When it runs with a decision that approves
    ended = run.run(lambda waiting: True)

    # Then one SendTaskSuccess with the CIDR asked about, the run goes on to its end, and an
    # operator waits for any later decision (another import may ask after a rejection)
    assert ended is True
    assert run.decisions == ["approved enabling BYOL with 10.0.0.0/16"]
    assert len(harness.people.waiting) == 1
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
    run, _ = session(aws, busy=1)

    assert run.run(lambda waiting: "not this quarter") is True
    assert run.decisions == ["rejected enabling BYOL: not this quarter"]
    aws.verify()


def test_no_decision_shows_the_account_at_that_moment_and_ends_the_run(aws: Aws):
    # Given a decision nobody gives (no SendTask* stubbed)
    pending(aws)
    shown: list[str] = []
    run, _ = session(aws, busy=5)

    # When the run meets it
    ended = run.run(lambda waiting: None, left_waiting=lambda: shown.append("status"))

    # Then the status is shown while the decision waits, and the run stops there
    assert ended is False
    assert shown == ["status"]
    assert run.decisions == []
    aws.verify()


def test_the_operator_sees_a_new_token_on_the_lock_item_in_memory() -> None:
    # Given the local account's lock table (moto), with a pending approval's token on the item
    with mock_aws():
        ddb = boto3.client("dynamodb", region_name="eu-west-1")
        ddb.create_table(
            TableName=LOCK_TABLE,
            KeySchema=[{"AttributeName": "LockId", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "LockId", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        harness = Harness(Aws.__new__(Aws), busy=0)
        run = LocalSession(harness, PhaseLog(out=lambda _: None))  # type: ignore[arg-type]
        key = {"LockId": {"S": "account-byol-enablement"}}
        ddb.put_item(TableName=LOCK_TABLE, Item={**key, "Owner": {"S": "exec-1"}})
        assert run._token_waiting(set()) is False  # a lock with no question

        ec2 = boto3.client("ec2", region_name="eu-west-1")
        ami = ec2.register_image(Name="win11", RootDeviceName="/dev/sda1")["ImageId"]
        ddb.put_item(
            TableName=LOCK_TABLE,
            Item={
                **key,
                "Owner": {"S": "exec-1"},
                "ApprovalToken": {"S": TOKEN},
                "ApprovalAmi": {"S": ami},
            },
        )
        # a token recorded before its AMI says AWAITING_APPROVAL (nobody was emailed yet)
        assert run._token_waiting(set()) is False
        ec2.create_tags(
            Resources=[ami], Tags=[{"Key": "byol-import:status", "Value": "AWAITING_APPROVAL"}]
        )

        # Then a token not yet answered wakes the operator, an answered one does not
        assert run._token_waiting(set()) is True
        assert run._token_waiting({TOKEN}) is False
