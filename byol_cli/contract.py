"""The names the CLI shares with the workflow: tag keys, phases and the pending approval's
attributes on the account lock item (README, "The CLI").

Read from `byol_import.settings` where it defines them; the approval workflow adds the newer
ones, and until it does the contract's values stand in (the same strings).
"""

from __future__ import annotations

from typing import Final

from byol_import import settings


def _name(attr: str, contract_value: str) -> str:
    return str(getattr(settings, attr, contract_value))


STATUS_TAG_KEY: Final = settings.STATUS_TAG_KEY
ERROR_TAG_KEY: Final = settings.ERROR_TAG_KEY
EXECUTION_TAG_KEY: Final = settings.EXECUTION_TAG_KEY
IMAGE_ID_TAG_KEY: Final = settings.IMAGE_ID_TAG_KEY
STATUS_SINCE_TAG_KEY: Final = _name("STATUS_SINCE_TAG_KEY", f"{settings.TAG_NAMESPACE}status-since")
ACCOUNT_LOCK_ID: Final = settings.ACCOUNT_LOCK_ID

APPROVAL_TOKEN_ATTR: Final = _name("APPROVAL_TOKEN_ATTR", "ApprovalToken")
APPROVAL_CIDR_ATTR: Final = _name("APPROVAL_CIDR_ATTR", "ManagementCidr")
APPROVAL_REQUESTED_AT_ATTR: Final = _name("APPROVAL_REQUESTED_AT_ATTR", "ApprovalRequestedAt")
APPROVAL_EXECUTION_ATTR: Final = _name("APPROVAL_EXECUTION_ATTR", "ApprovalExecution")
APPROVAL_AMI_ATTR: Final = _name("APPROVAL_AMI_ATTR", "ApprovalAmi")
REJECTED_ERROR: Final = "EnablementRejected"

# The phases of an import, in order, as the status tag names them.
QUEUED: Final = "QUEUED"
WAITING_FOR_LOCK: Final = "WAITING_FOR_LOCK"
AWAITING_APPROVAL: Final = "AWAITING_APPROVAL"
ENABLING_BYOL: Final = "ENABLING_BYOL"
IMPORTING: Final = "IMPORTING"
AVAILABLE: Final = "AVAILABLE"
FAILED: Final = "FAILED"
PHASES: Final = (
    QUEUED,
    WAITING_FOR_LOCK,
    AWAITING_APPROVAL,
    ENABLING_BYOL,
    IMPORTING,
    AVAILABLE,
    FAILED,
)
# What the janitor writes for an execution that never reached its Report step.
ENDED_BADLY: Final = ("FAILED", "ABORTED", "TIMED_OUT")
