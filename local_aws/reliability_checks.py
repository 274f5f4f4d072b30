"""The rules every reliability scenario checks ("nothing lost"), and the Row each one returns."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from byol_import import settings
from local_aws.harness import LocalAws

TERMINAL = ("AVAILABLE", "FAILED", "ABORTED", "TIMED_OUT")
WORKSPACES_OPS = (
    "DescribeAccount",
    "DescribeAccountModifications",
    "ListAvailableManagementCidrRanges",
    "ModifyAccount",
    "ImportWorkspaceImage",
    "DescribeWorkspaceImages",
    "DescribeTags",
    "DeleteWorkspaceImage",
)
EC2_OPS = ("ec2:DescribeImages", "ec2:DescribeVpcs", "ec2:CreateTags")


@dataclass
class Row:
    scenario: str
    runs: int = 0
    outcome: str = ""
    modify_calls: int = 0  # modifications AWS accepted
    modify_attempts: int = 0  # ModifyAccount requests sent, throttled or failed ones too
    imports: int = 0
    leaked_locks: int = 0
    unhandled: int = 0
    iam_evaluated: int = 0  # handler and state machine calls authorized against their roles
    iam_denied: int = 0
    wall_seconds: float = 0.0
    broken: list[str] = field(default_factory=list)


def finish(
    aws: LocalAws,
    row: Row,
    amis: list[str],
    *,
    expect_status: str | None = None,
    expect_error: str | None = None,
    expect_modify: int | None = None,
) -> Row:
    """Measure the run and check the rules every scenario shares ("nothing lost")."""
    aws.wait_for_executions(timeout_seconds=600)
    # The run is over: our own inspection calls must not meet the injected faults.
    aws.faults.throttle.clear()
    aws.faults.server_error.clear()
    results = aws.results(history=False)
    row.runs = len(results)
    outcomes = Counter(f"{r.status} {r.error}" if r.error else r.status for r in results)
    row.outcome = ", ".join(f"{n} {o}" for o, n in sorted(outcomes.items()))
    calls = aws.calls.count("workspaces")
    row.modify_calls = sum(len(a.modifications) for a in aws.world._accounts.values())
    row.modify_attempts = calls["ModifyAccount"]
    row.imports = sum(a.imports_accepted for a in aws.world._accounts.values())
    row.leaked_locks = 1 if aws.lock_holder() else 0
    row.unhandled = len(aws.lambdas.unhandled)
    # Several LocalAws in one scenario (aborted-holder): the counts add up.
    row.iam_evaluated += aws.iam.evaluated
    row.iam_denied += aws.iam.denied
    if aws.iam.denied:
        row.broken.append(f"IAM denied {aws.iam.denied} calls: {aws.iam.denials[0].message}")
    notes = aws.notifications()
    for ami in amis:
        status = aws.ami_tags(ami).get(settings.STATUS_TAG_KEY)
        if status not in TERMINAL:
            row.broken.append(f"{ami} has no terminal status tag ({status})")
        sent = sum(1 for n in notes if ami in n.subject)
        if sent != 1:
            row.broken.append(f"{ami} got {sent} notifications, not 1")
    images = [i for a in aws.world._accounts.values() for i in a.images.values()]
    # per account and Region: a copy elsewhere carries its source's AMI
    by_ami = Counter(
        (place, i.ami_id) for place, a in aws.world._accounts.items() for i in a.images.values()
    )
    if any(n > 1 for n in by_ami.values()):
        row.broken.append(f"an AMI was imported twice: {dict(by_ami)}")
    if any(i.state == "PENDING" for i in images):
        row.broken.append("an image we created is still PENDING")
    if row.leaked_locks:
        row.broken.append(f"the account lock is still held by {aws.lock_holder()}")
    if row.unhandled:
        row.broken.append(f"unhandled exceptions: {aws.lambdas.unhandled[:3]}")
    if aws.self_triggered():
        row.broken.append(
            f"the workflow's own CreateTags reached the starter {len(aws.self_triggered())} times"
        )
    for r in results:
        if expect_status and r.status != expect_status:
            row.broken.append(f"{r.name} ended {r.status} {r.error}: {r.cause}")
        if expect_error and r.error != expect_error:
            row.broken.append(f"{r.name} failed with {r.error}, not {expect_error}")
        if r.status == "FAILED" and not r.cause:
            row.broken.append(f"{r.name} failed without a reason")
    if expect_modify is not None and row.modify_calls != expect_modify:
        row.broken.append(
            f"ModifyAccount took effect {row.modify_calls} times, not {expect_modify}"
        )
    return row


def tag_each(aws: LocalAws, amis: list[str], value: str = "BYOL_REGULAR_WSP") -> None:
    for ami in amis:
        aws.tag_ami([ami], value=value)
    aws.deliver_events()
