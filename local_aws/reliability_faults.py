"""The reliability scenarios with faults: throttling, 5xx, lost answers, Lambda crashes, terminal
failures, a stale lock and an aborted lock holder, each through the real state machine on the
embedded AWS; each returns its Row (local_aws/reliability_checks.py).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable

from byol_import import settings
from local_aws.harness import LocalAws, unattended
from local_aws.reliability_checks import EC2_OPS, WORKSPACES_OPS, Row, finish, tag_each
from local_aws.workspaces_byol import Faults, ImportFault

# --- 3. faults ----------------------------------------------------------------------------------


def throttling_everywhere(burst: int = 3) -> Row:
    row = Row(f"faults: {burst} throttles on every WorkSpaces and EC2 call")
    faults = Faults(throttle={op: burst for op in (*WORKSPACES_OPS, *EC2_OPS)})
    with LocalAws(config=unattended(), faults=faults) as aws:
        ami = aws.create_windows_ami()
        faults.throttle["ec2:CreateTags"] = 0  # the person's own tagging is not ours to retry
        tag_each(aws, [ami])
        faults.throttle["ec2:CreateTags"] = burst
        return finish(aws, row, [ami], expect_status="SUCCEEDED", expect_modify=1)


def server_errors() -> Row:
    row = Row("faults: a 5xx on every call; ModifyAccount and Import answers lost once")
    faults = Faults(
        server_error={
            op: 1
            for op in (
                *WORKSPACES_OPS,
                "ec2:DescribeImages",
                "ec2:DescribeVpcs",
                "dynamodb:PutItem",
                "dynamodb:DeleteItem",
                "sns:Publish",
            )
        },
        lost_response={"ModifyAccount": 1, "ImportWorkspaceImage": 1},
    )
    with LocalAws(config=unattended(), faults=faults) as aws:
        ami = aws.create_windows_ami()
        tag_each(aws, [ami])
        faults.server_error["ec2:CreateTags"] = 1
        return finish(aws, row, [ami], expect_status="SUCCEEDED", expect_modify=1)


def lambda_crashes() -> Row:
    row = Row("faults: every workflow Lambda crashes once")
    with LocalAws(config=unattended()) as aws:
        for spec in settings.WORKFLOW_FUNCTIONS:
            aws.lambdas.faults.crash_before[spec.key] = 1
        ami = aws.create_windows_ami()
        tag_each(aws, [ami])
        return finish(aws, row, [ami], expect_status="SUCCEEDED", expect_modify=1)


TERMINAL_CASES: dict[str, tuple[Callable[[], Faults], str, bool]] = {
    # name -> (the faults, the error the execution must end in, BYOL enabled beforehand)
    "faults: modification FAILED": (
        lambda: Faults(modification_failure=("InternalError", "broke")),
        "ByolEnablementFailed",
        False,
    ),
    "faults: import ERROR, image cleaned up": (
        lambda: Faults(import_errors={"*": ImportFault()}),
        "ImageImportFailed",
        True,
    ),
    "faults: import ERROR and cleanup fails": (
        lambda: Faults(
            import_errors={"*": ImportFault()}, delete_error="ResourceAssociatedException"
        ),
        "ImageImportFailed",
        True,
    ),
    "faults: account not eligible": (lambda: Faults(not_eligible=True), "ByolNotEligible", False),
}


def terminal_failure(name: str) -> Row:
    make_faults, error, enabled = TERMINAL_CASES[name]
    row = Row(name)
    with LocalAws(config=unattended(), faults=make_faults()) as aws:
        if enabled:
            aws.enable_byol_directly()
        ami = aws.create_windows_ami()
        tag_each(aws, [ami])
        finish(aws, row, [ami], expect_status="FAILED", expect_error=error)
        if "cleanup fails" not in name and any(
            i.ami_id == ami for a in aws.world._accounts.values() for i in a.images.values()
        ):
            row.broken.append("our failed image was not deleted")
    return row


def terminal_failures() -> list[Row]:
    return [terminal_failure(name) for name in TERMINAL_CASES]


def stale_lock() -> Row:
    row = Row("faults: lock left by a dead holder, lease expired")
    with LocalAws(config=unattended()) as aws:
        aws.client("dynamodb").put_item(
            TableName=aws.lock_table,
            Item={
                "LockId": {"S": settings.ACCOUNT_LOCK_ID},
                "Owner": {"S": "arn:dead-execution"},
                "ExpiresAt": {"N": str(int(aws.clock.now().timestamp()) - 1)},
            },
        )
        ami = aws.create_windows_ami()
        tag_each(aws, [ami])
        return finish(aws, row, [ami], expect_status="SUCCEEDED", expect_modify=1)


def aborted_holder() -> Row:
    row = Row("faults: the lock holder is aborted; the janitor frees it")
    with LocalAws(config=unattended()) as aws:
        first = aws.create_windows_ami(name="win11-first")
        second = aws.create_windows_ami(name="win11-second")
        with aws.clock.hold():
            arn = aws.start_manual({"ImageId": first}, name="holder")
            deadline = time.monotonic() + 60
            while aws.lock_holder() != arn and time.monotonic() < deadline:
                time.sleep(0.01)
            aws.client("stepfunctions").stop_execution(
                executionArn=arn, error="Aborted", cause="aborted by a person"
            )
        aws.wait_for_executions()
        if aws.lock_holder() is not None:
            row.broken.append("the janitor did not free the aborted holder's lock")
        if aws.ami_tags(first).get(settings.STATUS_TAG_KEY) != "ABORTED":
            row.broken.append("the aborted import was not reported on its AMI")
        # Another import adopts the modification the aborted holder started.
        tag_each(aws, [second])
        finish(aws, row, [first, second], expect_modify=1)
        statuses = Counter(r.status for r in aws.results(history=False))
        if statuses != Counter({"ABORTED": 1, "SUCCEEDED": 1}):
            row.broken.append(f"unexpected outcomes {dict(statuses)}")
    return row
