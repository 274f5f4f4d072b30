"""One function per workflow step, grouped by phase. Each takes the parsed state
(`byol_import.state.WorkflowState`) and gateways (`byol_import.gateways.protocols`), and returns
the JSON the ASL stores at the step's ResultPath.

- request: ValidateRequest, CheckImage
- account: CheckAccount, AcquireLock, CheckLock, EnableByol, PollModification, ReleaseLock
- approval: RequestApproval, ModifyAccount (byolEnablement approve)
- phases: the AMI's status tags, one write per phase entered
- image: ImportImage, PollImage, CleanupImage
- delivery: Deliver, PollCopies (bundle, shares, copies once the image is AVAILABLE)
- report: Report (plan, then apply), and the notification text
- starter: the EventBridge starter and the lock janitor
"""

from byol_import.logic.retry import retry_command, retry_name
from byol_import.steps.account import (
    acquire_lock,
    check_account,
    check_lock,
    choose_management_cidr,
    enable_byol,
    poll_modification,
    release_lock,
)
from byol_import.steps.approval import modify_account, request_approval
from byol_import.steps.delivery import deliver, poll_copies
from byol_import.steps.image import cleanup_image, import_image, poll_image
from byol_import.steps.report import notification, report
from byol_import.steps.request import check_image, validate_request
from byol_import.steps.starter import close_ended_execution, start_imports

__all__ = [
    "acquire_lock",
    "check_account",
    "check_image",
    "check_lock",
    "choose_management_cidr",
    "cleanup_image",
    "close_ended_execution",
    "deliver",
    "enable_byol",
    "import_image",
    "modify_account",
    "notification",
    "poll_copies",
    "poll_image",
    "poll_modification",
    "release_lock",
    "report",
    "request_approval",
    "retry_command",
    "retry_name",
    "start_imports",
    "validate_request",
]
