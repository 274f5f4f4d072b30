"""byolEnablement: a person approves the management /16 (approve), or it is pinned in cdk.json,
or BYOL is left alone (off). The operator answers as the CLI does, in virtual time
(local_aws/operators.py): SendTaskSuccess / SendTaskFailure with their own identity."""

from __future__ import annotations

import dataclasses
import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from local_aws.harness import LocalAws, unattended
from local_aws.operators import APPROVAL_SUBJECT, answer_approvals, pending_approval
from stacks.config import default_config
from tests.scenarios.conftest import run_tagged, status_history

pytestmark = pytest.mark.scenario

HOUR = 3600


def _emails(aws: LocalAws, ami: str) -> tuple[list[str], list[str]]:
    """(approval requests, other notifications) about this AMI."""
    notes = [n for n in aws.notifications() if ami in n.subject]
    asks = [n.message for n in notes if n.subject.startswith(APPROVAL_SUBJECT)]
    return asks, [n.subject + "\n" + n.message for n in notes if n.message not in asks]


def _management_cidr(aws: LocalAws) -> str | None:
    account = aws.client("workspaces").describe_account()
    return account.get("DedicatedTenancyManagementCidrRange")


@pytest.fixture
def logs() -> Iterator[io.StringIO]:
    """The handlers' structured log lines at INFO (the suite runs them at WARNING)."""
    from byol_import.observability import logger

    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logger.registered_formatter)
    level, std = logger.log_level, logging.getLogger(logger.name)
    std.addHandler(handler)
    logger.setLevel("INFO")
    try:
        yield out
    finally:
        std.removeHandler(handler)
        logger.setLevel(level)


def _logged(logs: io.StringIO, message: str) -> list[dict[str, Any]]:
    records = [json.loads(line) for line in logs.getvalue().splitlines() if line.startswith("{")]
    return [r for r in records if r.get("message") == message]


def test_a_person_approves_the_range_and_the_import_goes_on(logs: io.StringIO) -> None:
    # Given BYOL disabled, a VPC in 10.0.0.0/16, and byolEnablement approve (the default)
    with LocalAws() as aws:
        assert aws.config.byol_enablement == "approve"
        aws.create_vpc("10.0.0.0/16")
        ami = aws.create_windows_ami()
        # When a person tags the AMI, and approves an hour after the email arrives
        [act] = answer_approvals(aws, "approve", after_seconds=HOUR)
        [result] = run_tagged(aws, [ami])
        # Then the import waited for the approval, then enabled BYOL with the range asked about
        assert result.status == "SUCCEEDED", result.cause
        assert {"AwaitApproval", "ModifyAccount"} <= set(result.states)
        answered = act.wait()
        assert answered["cidr"] == "10.1.0.0/16"  # the first /16 clear of the VPC
        assert _management_cidr(aws) == "10.1.0.0/16"
        # And the request named the range, what it avoided, what is final, and how to answer
        [ask], [done] = _emails(aws, ami)
        for fragment in (
            "10.1.0.0/16",
            "10.0.0.0/16",
            "54.239.224.0/20",
            "can never be changed",
            "byol-import approve",
            "byol-import reject",
            "aws stepfunctions send-task-success",
        ):
            assert fragment in ask, fragment
        # And who approved is reported and logged, with the AMI, execution and phase
        assert f"approved by {answered['by']}" in done
        [modified] = _logged(logs, "ModifyAccount")
        assert modified["approved_by"] == answered["by"]
        assert (modified["ami"], modified["execution"]) == (ami, result.arn)
        assert modified["phase"] == "ENABLING_BYOL"
        [requested] = _logged(logs, "approval requested")
        assert requested["management_cidr"] == "10.1.0.0/16"
        assert requested["phase"] == "AWAITING_APPROVAL"
        [decided] = _logged(logs, "management CIDR decided")
        assert "10.0.0.0/16" in decided["vpc_cidrs"] and decided["decision"] == "to be approved"
        assert [r["ami"] for r in _logged(logs, "import started")] == [ami]  # the starter's
        assert _logged(logs, "image polled") and _logged(logs, "modification polled")
        # And the AMI's status tag followed the phases, each with the time it entered it
        assert [s for s, _ in status_history(aws, ami)] == [
            "QUEUED",
            "AWAITING_APPROVAL",
            "ENABLING_BYOL",
            "IMPORTING",
            "AVAILABLE",
        ]
        assert aws.ami_tags(ami)["byol-import:status-since"].endswith("Z")
        # And nothing is left pending: the token went with the lock
        assert pending_approval(aws) is None and aws.lock_holder() is None


def test_a_rejection_fails_the_import_with_who_and_why_and_changes_nothing() -> None:
    with LocalAws() as aws:
        ami = aws.create_windows_ami()
        [act] = answer_approvals(aws, "reject", after_seconds=600, reason="change freeze")
        [result] = run_tagged(aws, [ami])
        answered = act.wait()
        assert (result.status, result.error) == ("FAILED", "EnablementRejected")
        assert result.cause == f"Rejected by {answered['by']}: change freeze"
        assert "ModifyAccount" not in aws.workspaces_calls()
        # One email for the failure (after the one that asked)
        [_], [failure] = _emails(aws, ami)
        assert "EnablementRejected" in failure and "change freeze" in failure
        assert aws.ami_tags(ami)["byol-import:status"] == "FAILED"
        assert pending_approval(aws) is None and aws.lock_holder() is None


def test_no_answer_within_the_timeout_fails_the_import_in_virtual_time() -> None:
    with LocalAws() as aws:
        ami = aws.create_windows_ami()
        [result] = run_tagged(aws, [ami])
        assert (result.status, result.error) == ("FAILED", "ApprovalTimedOut")
        assert "approvalTimeoutHours" in (result.cause or "")
        assert result.virtual_seconds >= aws.config.approval_timeout_hours * HOUR
        assert "ModifyAccount" not in aws.workspaces_calls()
        [_], [failure] = _emails(aws, ami)
        assert "ApprovalTimedOut" in failure
        assert pending_approval(aws) is None and aws.lock_holder() is None


def test_a_pinned_range_is_the_decision_no_approval_is_asked() -> None:
    config = dataclasses.replace(default_config(), management_cidr="10.200.0.0/16")
    with LocalAws(config=config) as aws:
        ami = aws.create_windows_ami()
        [result] = run_tagged(aws, [ami])
        assert result.status == "SUCCEEDED", result.cause
        assert "AwaitApproval" not in result.states
        asks, _ = _emails(aws, ami)
        assert asks == []
        assert _management_cidr(aws) == "10.200.0.0/16"


def test_a_pinned_range_a_vpc_uses_fails_clearly() -> None:
    config = dataclasses.replace(default_config(), management_cidr="10.200.0.0/16")
    with LocalAws(config=config) as aws:
        aws.create_vpc("10.200.0.0/20")
        ami = aws.create_windows_ami()
        [result] = run_tagged(aws, [ami])
        assert (result.status, result.error) == ("FAILED", "ManagementCidrUnavailable")
        assert "10.200.0.0/16" in (result.cause or "") and "10.200.0.0/20" in (result.cause or "")
        assert "ModifyAccount" not in aws.workspaces_calls()


def test_a_pinned_range_aws_does_not_offer_fails_clearly() -> None:
    config = dataclasses.replace(default_config(), management_cidr="8.8.0.0/16")
    with LocalAws(config=config) as aws:
        ami = aws.create_windows_ami()
        [result] = run_tagged(aws, [ami])
        assert (result.status, result.error) == ("FAILED", "ManagementCidrUnavailable")
        assert "not offered" in (result.cause or "")
        assert "ModifyAccount" not in aws.workspaces_calls()


def test_off_with_byol_disabled_fails_with_what_to_do() -> None:
    config = dataclasses.replace(default_config(), byol_enablement="off")
    with LocalAws(config=config) as aws:
        ami = aws.create_windows_ami()
        [result] = run_tagged(aws, [ami])
        assert (result.status, result.error) == ("FAILED", "ByolDisabled")
        assert "byolEnablement" in (result.cause or "")
        assert "ModifyAccount" not in aws.workspaces_calls()
        assert "ListAvailableManagementCidrRanges" not in aws.workspaces_calls()


def test_off_with_byol_enabled_imports() -> None:
    config = dataclasses.replace(default_config(), byol_enablement="off")
    with LocalAws(config=config) as aws:
        aws.enable_byol_directly()
        [result] = run_tagged(aws, [aws.create_windows_ami()])
        assert result.status == "SUCCEEDED", result.cause


def test_an_answer_after_the_import_ended_is_refused() -> None:
    with LocalAws() as aws:
        ami = aws.create_windows_ami()
        [act] = answer_approvals(aws, "approve", after_seconds=25 * HOUR)
        [result] = run_tagged(aws, [ami])
        assert result.error == "ApprovalTimedOut"
        with pytest.raises(LookupError):  # the token went with the lock: nothing to answer
            act.wait()
        with pytest.raises(ClientError):
            aws.client("stepfunctions").send_task_success(taskToken="x" * 40, output="{}")


def test_notify_on_start_sends_one_started_notification_before_the_outcome() -> None:
    with LocalAws(config=unattended(notify_on_start=True)) as aws:
        aws.enable_byol_directly()
        ami = aws.create_windows_ami()
        [result] = run_tagged(aws, [ami])
        assert result.status == "SUCCEEDED", result.cause
        subjects = [n.subject for n in aws.notifications() if ami in n.subject]
        assert len(subjects) == 2 and subjects[0] == f"byol-import: import of {ami} started"
