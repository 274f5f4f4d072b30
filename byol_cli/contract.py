"""The names the CLI shares with the workflow: tag keys, phases and the pending approval's
attributes on the account lock item (README, "The CLI"), all read from `byol_import.settings`.
"""

from __future__ import annotations

from typing import Final

from byol_import import errors, settings

STATUS_TAG_KEY: Final = settings.STATUS_TAG_KEY
ERROR_TAG_KEY: Final = settings.ERROR_TAG_KEY
EXECUTION_TAG_KEY: Final = settings.EXECUTION_TAG_KEY
IMAGE_ID_TAG_KEY: Final = settings.IMAGE_ID_TAG_KEY
STATUS_SINCE_TAG_KEY: Final = settings.STATUS_SINCE_TAG_KEY
PROGRESS_TAG_KEY: Final = settings.PROGRESS_TAG_KEY
ACCOUNT_LOCK_ID: Final = settings.ACCOUNT_LOCK_ID
# What marks a WorkSpaces image or bundle as byol-import's, and what delivery records.
MANAGED_BY_TAG_KEY: Final = settings.MANAGED_BY_TAG_KEY
MANAGED_BY_TAG_VALUE: Final = settings.MANAGED_BY_TAG_VALUE
SOURCE_AMI_TAG_KEY: Final = settings.SOURCE_AMI_TAG_KEY
BUNDLE_ID_TAG_KEY: Final = settings.BUNDLE_ID_TAG_KEY
PREVIOUS_IMAGE_TAG_KEY: Final = settings.PREVIOUS_IMAGE_TAG_KEY
COPIES_TAG_KEY: Final = settings.COPIES_TAG_KEY
SHARES_TAG_KEY: Final = settings.SHARES_TAG_KEY

APPROVAL_TOKEN_ATTR: Final = settings.APPROVAL_TOKEN_ATTR
APPROVAL_CIDR_ATTR: Final = settings.APPROVAL_CIDR_ATTR
APPROVAL_REQUESTED_AT_ATTR: Final = settings.APPROVAL_REQUESTED_AT_ATTR
APPROVAL_EXECUTION_ATTR: Final = settings.APPROVAL_EXECUTION_ATTR
APPROVAL_AMI_ATTR: Final = settings.APPROVAL_AMI_ATTR
REJECTED_ERROR: Final = errors.EnablementRejected.__name__

# The phases of an import, in order, as the status tag names them.
QUEUED: Final = settings.PHASE_QUEUED
WAITING_FOR_LOCK: Final = settings.PHASE_WAITING_FOR_LOCK
AWAITING_APPROVAL: Final = settings.PHASE_AWAITING_APPROVAL
ENABLING_BYOL: Final = settings.PHASE_ENABLING_BYOL
IMPORTING: Final = settings.PHASE_IMPORTING
DELIVERING: Final = settings.PHASE_DELIVERING
AVAILABLE: Final = settings.PHASE_AVAILABLE
FAILED: Final = settings.PHASE_FAILED
PHASES: Final = (
    QUEUED,
    WAITING_FOR_LOCK,
    AWAITING_APPROVAL,
    ENABLING_BYOL,
    IMPORTING,
    DELIVERING,
    AVAILABLE,
    FAILED,
)
# What `byol-import retire` writes once the image is deleted (after AVAILABLE, not a phase).
RETIRED: Final = settings.PHASE_RETIRED
# What the janitor writes for an execution that never reached its Report step.
ENDED_BADLY: Final = ("FAILED", "ABORTED", "TIMED_OUT")
