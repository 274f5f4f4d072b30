"""The Lambda functions: the stack deploys each one, the ASL names the workflow's by their
`substitution`, the local runner runs them. Read through `byol_import.settings`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

# A Task's timer also runs through the invoke call and a cold start, so a Task whose timeout equals
# its function's can hit States.Timeout first and retry while the first invocation still runs.
# Each Task's TimeoutSeconds in the ASL is its function's timeout plus this margin
# (tests/unit/test_asl.py holds the ASL to it): the function always times out first.
TASK_TIMEOUT_MARGIN_SECONDS: Final = 60


@dataclass(frozen=True)
class FunctionSpec:
    """One Lambda function: the stack deploys it, the ASL names it, the local runner runs it."""

    key: str
    handler: str
    substitution: str
    timeout_seconds: int
    memory_mb: int
    description: str

    @property
    def task_timeout_seconds(self) -> int:
        """The TimeoutSeconds of the ASL Task that invokes this function."""
        return self.timeout_seconds + TASK_TIMEOUT_MARGIN_SECONDS


# Functions that are Tasks of the state machine; `substitution` is their ARN's name in the ASL file.
WORKFLOW_FUNCTIONS: Final[tuple[FunctionSpec, ...]] = (
    FunctionSpec(
        "ValidateRequest",
        "handlers.validate_request.handler",
        "ValidateRequestFunctionArn",
        10,
        256,
        "Normalise and validate an import request",
    ),
    FunctionSpec(
        "CheckImage",
        "handlers.check_image.handler",
        "CheckImageFunctionArn",
        30,
        256,
        "Check the AMI can be imported as BYOL",
    ),
    FunctionSpec(
        "CheckAccount",
        "handlers.check_account.handler",
        "CheckAccountFunctionArn",
        30,
        256,
        "Read the account's BYOL state",
    ),
    FunctionSpec(
        "AcquireLock",
        "handlers.acquire_lock.handler",
        "AcquireLockFunctionArn",
        15,
        256,
        "Take the account-wide BYOL enablement lock",
    ),
    FunctionSpec(
        "CheckLock",
        "handlers.check_lock.handler",
        "CheckLockFunctionArn",
        15,
        256,
        "Look at the account lock while another import enables BYOL",
    ),
    FunctionSpec(
        "EnableByol",
        "handlers.enable_byol.handler",
        "EnableByolFunctionArn",
        60,
        256,
        "Pick a management CIDR and enable BYOL",
    ),
    FunctionSpec(
        "RequestApproval",
        "handlers.request_approval.handler",
        "RequestApprovalFunctionArn",
        30,
        256,
        "Ask a person to approve the management CIDR; keep the task token on the lock",
    ),
    FunctionSpec(
        "ModifyAccount",
        "handlers.modify_account.handler",
        "ModifyAccountFunctionArn",
        60,
        256,
        "Enable BYOL with the approved management CIDR",
    ),
    FunctionSpec(
        "PollModification",
        "handlers.poll_modification.handler",
        "PollModificationFunctionArn",
        30,
        256,
        "Poll the BYOL account modification",
    ),
    FunctionSpec(
        "ReleaseLock",
        "handlers.release_lock.handler",
        "ReleaseLockFunctionArn",
        15,
        256,
        "Release the account-wide lock",
    ),
    FunctionSpec(
        "ImportImage",
        "handlers.import_image.handler",
        "ImportImageFunctionArn",
        60,
        256,
        "Import the AMI as a WorkSpaces BYOL image",
    ),
    FunctionSpec(
        "PollImage",
        "handlers.poll_image.handler",
        "PollImageFunctionArn",
        30,
        256,
        "Poll the WorkSpaces image import",
    ),
    FunctionSpec(
        "CleanupImage",
        "handlers.cleanup_image.handler",
        "CleanupImageFunctionArn",
        30,
        256,
        "Delete our own failed WorkSpaces image",
    ),
    FunctionSpec(
        "Deliver",
        "handlers.deliver.handler",
        "DeliverFunctionArn",
        60,
        256,
        "Deliver the image: bundle, shares, copies to other Regions",
    ),
    FunctionSpec(
        "PollCopies",
        "handlers.poll_copies.handler",
        "PollCopiesFunctionArn",
        30,
        256,
        "Poll the image's copies in their Regions",
    ),
    FunctionSpec(
        "Report",
        "handlers.report.handler",
        "ReportFunctionArn",
        30,
        256,
        "Tag the AMI, notify and emit metrics",
    ),
)

# Functions outside the state machine.
STARTER_FUNCTION: Final = FunctionSpec(
    "Starter",
    "handlers.starter.handler",
    "",
    60,
    256,
    "Start an import for each AMI an EventBridge event names",
)
LOCK_JANITOR_FUNCTION: Final = FunctionSpec(
    "LockJanitor",
    "handlers.lock_janitor.handler",
    "",
    30,
    256,
    "Free the lock of an execution that ended badly; report aborted and timed-out ones",
)

ALL_FUNCTIONS: Final = (*WORKFLOW_FUNCTIONS, STARTER_FUNCTION, LOCK_JANITOR_FUNCTION)
