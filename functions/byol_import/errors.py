"""Typed errors. Step Functions sees each class name as the error name in Retry and Catch.

Transient errors are retried by the state machine with backoff and jitter; every other error is
terminal and its message says what a person must do.
"""

from __future__ import annotations


class ByolImportError(Exception):
    """Base class. `retryable` errors are named in the ASL Retry blocks."""

    retryable = False

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    @property
    def name(self) -> str:
        return type(self).__name__


class TransientAwsError(ByolImportError):
    """Throttling or a server-side fault: safe to retry."""

    retryable = True


class ImageNotListedYet(ByolImportError):
    """ImportWorkspaceImage says the name is taken, yet no image of that name is listed: our own
    image from an attempt whose answer was lost, not visible yet (eventual consistency)."""

    retryable = True


class InvalidRequest(ByolImportError):
    """The request does not follow the documented input rules."""


class ConfigurationError(ByolImportError):
    """The deployment's configuration is incomplete or wrong."""


class ImageNotFound(ByolImportError):
    pass


class ImageNotOwned(ByolImportError):
    pass


class ImageNotAvailable(ByolImportError):
    pass


class ImageBuildNotUsable(ByolImportError):
    """The request's Image Builder build is not AVAILABLE, or did not make its AMI here."""


class ImageNotWindows(ByolImportError):
    pass


class ImageNotX86(ByolImportError):
    pass


class ImageEncrypted(ByolImportError):
    pass


class ImageVolumeUnsupported(ByolImportError):
    pass


class UnsupportedCombination(ByolImportError):
    """IngestionProcess / Applications / OS combination the API documents as invalid."""


class ByolNotEligible(ByolImportError):
    """ListAvailableManagementCidrRanges was denied: AWS has not approved this account for BYOL,
    or the role lacks that one permission. The message names both and what to check."""


class AccessDenied(ByolImportError):
    """A call was denied: the function's role lacks the permission the message names."""


class AccountRestricted(ByolImportError):
    """AWS restricts the account itself (blocked, pending verification, not subscribed)."""


class AwsRequestRejected(ByolImportError):
    """AWS refused a request byol-import built (a parameter, signature or validation error):
    a defect of byol-import or of its configuration, never fixed by retrying."""


class NoFreeManagementCidr(ByolImportError):
    pass


class ByolEnablementFailed(ByolImportError):
    pass


class ByolEnablementTimedOut(ByolImportError):
    pass


class ByolDisabled(ByolImportError):
    """BYOL is not enabled and byolEnablement is off: the workflow does not enable it."""


class ManagementCidrUnavailable(ByolImportError):
    """The pinned or approved management /16 is not offered (any more), or overlaps a VPC CIDR
    block or an excluded range."""


class EnablementRejected(ByolImportError):
    """A person rejected the BYOL enablement (SendTaskFailure), or answered with something that
    is not an approval of the range asked about."""


class ApprovalTimedOut(ByolImportError):
    """Nobody answered the approval request within approvalTimeoutHours (the ASL names it)."""


class LockNotAcquired(ByolImportError):
    """Another execution held the account lock for longer than our wait bound."""


class ImageNameTaken(ByolImportError):
    pass


class ImageQuotaExceeded(ByolImportError):
    pass


class ImageImportRejected(ByolImportError):
    """ImportWorkspaceImage refused the request (OperationNotSupported, InvalidParameters)."""


class ImageImportFailed(ByolImportError):
    pass


class ImageDeleteRefused(ByolImportError):
    """DeleteWorkspaceImage refused: the image is in use (bundle, sharing) or not deletable yet."""


class TagLimitExceeded(ByolImportError):
    """The AMI carries as many tags as EC2 allows: the status tags cannot be written."""


class ImageImportTimedOut(ByolImportError):
    pass


class DeliveryFailed(ByolImportError):
    """A delivery step (bundle, copy, share) failed after the image became AVAILABLE: the image
    is kept; the message says which step, AWS's answer and what was already delivered."""


class BundleTooSmall(ByolImportError):
    """The bundle's root volume is smaller than the image's ("custom bundle storage volumes
    can't be smaller than image storage volumes"): refused before CreateWorkspaceBundle or
    UpdateWorkspaceBundle is asked; the image is kept."""


class TargetRegionByolDisabled(ByolImportError):
    """A Region to copy to does not have BYOL enabled (DescribeAccount there): nothing is
    copied and nothing is enabled there, since that choice is a person's."""


class DeliveryTimedOut(ByolImportError):
    """A copy was still PENDING at the copy deadline (the ASL names it)."""


class WorkSpacesError(ByolImportError):
    """An AWS error no documentation lists for the call (every documented one has its own
    mapping in gateways/aws_call.py): the message carries AWS's code and text."""


# Names the ASL's Retry blocks list; a test checks the ASL against this.
RETRYABLE_ERROR_NAMES: tuple[str, ...] = (TransientAwsError.__name__,)
