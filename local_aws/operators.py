"""The operator: a person who gets the approval email and answers it as the CLI does
(`byol-import approve` / `reject`): read the pending approval from the lock item, then
SendTaskSuccess or SendTaskFailure with their own identity, in virtual time (local_aws/people.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from byol_import import settings
from local_aws.people import Act

if TYPE_CHECKING:
    from local_aws.harness import LocalAws

APPROVAL_SUBJECT = "byol-import: approve enabling BYOL"


def approval_requests(aws: LocalAws) -> int:
    """How many approval emails the topic has sent (read from the topic, as an inbox is)."""
    return sum(1 for n in aws.notifications() if n.subject.startswith(APPROVAL_SUBJECT))


def pending_approval(aws: LocalAws) -> dict[str, str] | None:
    """What the CLI reads: the pending approval on the account lock item, or None."""
    item = (
        aws.client("dynamodb")
        .get_item(
            TableName=aws.lock_table,
            Key={"LockId": {"S": settings.ACCOUNT_LOCK_ID}},
            ConsistentRead=True,
        )
        .get("Item")
    )
    if not item or settings.APPROVAL_TOKEN_ATTR not in item:
        return None
    return {key: str(value["S"]) for key, value in item.items() if "S" in value}


def answer(aws: LocalAws, decision: str, reason: str = "") -> dict[str, Any]:
    """Answer the pending approval now, through the code of `byol-import approve` / `reject`."""
    from byol_cli import approval
    from byol_cli.gateway import Gateway, StackResources

    pending = pending_approval(aws)
    if pending is None:
        raise LookupError("no approval is pending on the account lock item")
    gateway = Gateway(
        aws.client, StackResources(aws.state_machine_arn, aws.lock_table, aws.topic_arn)
    )
    if decision == "approve":
        waiting = approval.approve(gateway)
    else:
        waiting = approval.reject(gateway, reason)
    who = str(aws.client("sts").get_caller_identity()["Arn"])
    return {"decision": decision, "by": who, "cidr": waiting.cidr, **pending}


def answer_approvals(
    aws: LocalAws,
    decision: str = "approve",
    *,
    after_seconds: float = 600,
    reason: str = "not now",
    times: int = 1,
) -> list[Act]:
    """A person who answers each of the next `times` approval emails `after_seconds` after it
    arrived. Returns their acts (each act's result is what `answer` returned)."""
    acts: list[Act] = []
    for number in range(1, times + 1):
        acts.append(
            aws.people.when(
                lambda n=number: approval_requests(aws) >= n,  # type: ignore[misc]
                lambda: answer(aws, decision, reason),
                delay_seconds=after_seconds,
                name=f"operator {decision} #{number}",
            )
        )
    return acts
