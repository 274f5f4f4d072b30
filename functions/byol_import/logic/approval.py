"""The approval of a BYOL enablement (byolEnablement approve): what the request says, and
whether an answer approves the range that was asked about. Pure."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from byol_import import errors


@dataclass(frozen=True)
class ApprovalRequest:
    ami: str
    execution_arn: str
    cidr: str
    vpc_cidrs: Sequence[str]
    exclusions: Sequence[str]
    timeout_hours: int
    lock_table: str


def request_message(request: ApprovalRequest) -> tuple[str, str]:
    """The email asking a person to approve: the range, what it avoided, what cannot be undone,
    and the one command that answers."""
    execution = request.execution_arn
    region = execution.split(":")[3] if execution.count(":") >= 3 else ""
    subject = f"byol-import: approve enabling BYOL with {request.cidr}? ({request.ami})"
    lines = [
        f"The import of AMI {request.ami} needs BYOL enabled in this account and Region.",
        f"byol-import chose the management CIDR range {request.cidr} for it.",
        f"It avoids this account's VPC CIDR blocks: {', '.join(request.vpc_cidrs) or 'none'}",
        f"and the excluded ranges (cidrExclusions): {', '.join(request.exclusions) or 'none'}.",
        "",
        "What cannot be undone: once BYOL is enabled, the management CIDR range of the account",
        "can never be changed, and BYOL cannot be turned off again.",
        "",
        "Approve (from a shell with this account's credentials):",
        f"  byol-import approve --region {region}",
        "Reject:",
        f'  byol-import reject --region {region} --reason "..."',
        "Without the CLI: read ApprovalToken from the lock item",
        f"  aws dynamodb get-item --table-name {request.lock_table} "
        '--key \'{"LockId": {"S": "account-byol-enablement"}}\'',
        "then",
        "  aws stepfunctions send-task-success --task-token <ApprovalToken> --task-output "
        f'\'{{"decision": "approve", "approvedBy": "<your ARN>", "cidr": "{request.cidr}"}}\'',
        "  aws stepfunctions send-task-failure --task-token <ApprovalToken> "
        '--error EnablementRejected --cause "Rejected by <your ARN>: <reason>"',
        "",
        f"Without an answer within {request.timeout_hours} h the import fails (ApprovalTimedOut).",
        "To decide once for all imports, pin managementCidr in cdk.json (byolImport) instead.",
        f"Execution: {execution}",
    ]
    return subject, "\n".join(lines)


def approved_by(answer: Any, asked_cidr: str) -> str:
    """Who approved, if `answer` (SendTaskSuccess's output) approves `asked_cidr`; otherwise
    the enablement is refused (EnablementRejected), naming what was wrong."""
    if isinstance(answer, str):
        try:
            answer = json.loads(answer)
        except ValueError:
            answer = None
    if not isinstance(answer, Mapping) or answer.get("decision") != "approve":
        raise errors.EnablementRejected(
            f"The answer to the approval request is not an approval: {answer!r}. Start the "
            "import again to ask again"
        )
    if answer.get("cidr") != asked_cidr:
        raise errors.EnablementRejected(
            f"The approval names management CIDR {answer.get('cidr')!r}, but {asked_cidr} was "
            "asked about: nothing was changed. Start the import again to ask again"
        )
    who = answer.get("approvedBy")
    return str(who) if isinstance(who, str) and who else "unknown"
