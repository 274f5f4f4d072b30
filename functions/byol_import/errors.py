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
    """AccessDenied on the BYOL account calls: AWS has not approved this account for BYOL."""


class AccessDenied(ByolImportError):
    """Our role lacks a permission: a deployment problem."""


class NoFreeManagementCidr(ByolImportError):
    pass


class ByolEnablementFailed(ByolImportError):
    pass


class ByolEnablementTimedOut(ByolImportError):
    pass


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


class ImageImportTimedOut(ByolImportError):
    pass


class WorkSpacesError(ByolImportError):
    """An unexpected WorkSpaces or EC2 error: the message carries AWS's code and text."""


# Names the ASL's Retry blocks list; a test checks the ASL against this.
RETRYABLE_ERROR_NAMES: tuple[str, ...] = (TransientAwsError.__name__,)
