"""The BYOL enablement decision: the pending approval on the account lock item, answered with
the task token it holds (README, "The CLI")."""

from __future__ import annotations

from dataclasses import dataclass

from byol_cli import contract as c
from byol_cli.gateway import CliError, Gateway


@dataclass(frozen=True)
class PendingApproval:
    token: str
    cidr: str
    requested_at: str
    execution_arn: str
    ami: str


def pending(gateway: Gateway) -> PendingApproval | None:
    item = gateway.lock_item()
    token = item.get(c.APPROVAL_TOKEN_ATTR)
    if not token:
        return None
    return PendingApproval(
        token=token,
        cidr=item.get(c.APPROVAL_CIDR_ATTR, ""),
        requested_at=item.get(c.APPROVAL_REQUESTED_AT_ATTR, ""),
        execution_arn=item.get(c.APPROVAL_EXECUTION_ATTR, ""),
        ami=item.get(c.APPROVAL_AMI_ATTR, ""),
    )


def _require(gateway: Gateway, cidr: str | None) -> PendingApproval:
    waiting = pending(gateway)
    if waiting is None:
        raise CliError("no import is waiting for a BYOL enablement decision")
    if cidr is not None and cidr != waiting.cidr:
        raise CliError(
            f"the pending approval is for management CIDR {waiting.cidr}, not {cidr}: "
            "nothing was sent"
        )
    return waiting


def approve(gateway: Gateway, cidr: str | None = None) -> PendingApproval:
    """Approve the pending enablement with the CIDR it asked about (the workflow refuses any
    other); `cidr` makes the caller's expectation explicit and refuses a mismatch here."""
    waiting = _require(gateway, cidr)
    gateway.send_task_success(
        waiting.token,
        {"decision": "approve", "approvedBy": gateway.caller_arn(), "cidr": waiting.cidr},
    )
    return waiting


def reject(gateway: Gateway, reason: str) -> PendingApproval:
    waiting = _require(gateway, None)
    gateway.send_task_failure(
        waiting.token, c.REJECTED_ERROR, f"Rejected by {gateway.caller_arn()}: {reason}"
    )
    return waiting
