"""How byol-import treats each documented error code of the delivery calls (merged into
ERROR_TABLE). A refused delivery step is DeliveryFailed: the image is AVAILABLE and kept
(steps/delivery.py adds that and what was delivered); a taken name is handled by the caller."""

from __future__ import annotations

from typing import Final

from byol_import import errors
from byol_import.gateways.error_table import _DEFECT, Handling

_BUNDLE: Final = (
    "Check the bundle request (name, description, compute type, volumes), the image and the "
    "account's bundle quota, then retry the import: the image is kept"
)
_COPY: Final = (
    "Check the target Region (BYOL enabled, image quota, a free name, opt-in Regions need AWS "
    "Support), then retry the import: the image is kept"
)
_SHARE: Final = (
    "Check the account: it must be in your organization (same payer) and have BYOL enabled in "
    "this Region; then retry the import"
)
_TAG: Final = "Check the bundle still exists and its tag count, then retry the import"


def _rows(operation: str, codes: tuple[str, ...], advice: str) -> dict[tuple[str, str], Handling]:
    return {(operation, code): Handling(errors.DeliveryFailed, advice) for code in codes}


_INVALID: Final = "InvalidParameterValuesException"
_NOT_FOUND: Final = "ResourceNotFoundException"
_UNAVAILABLE: Final = "ResourceUnavailableException"
_LIMIT: Final = "ResourceLimitExceededException"
_UNSUPPORTED: Final = "OperationNotSupportedException"
_TAKEN: Final = "ResourceAlreadyExistsException"

DELIVERY_ERRORS: Final[dict[tuple[str, str], Handling]] = {
    **_rows(
        "workspaces:CreateWorkspaceBundle",
        (_UNAVAILABLE, _LIMIT, _INVALID, _NOT_FOUND),
        _BUNDLE,
    ),
    ("workspaces:CreateWorkspaceBundle", _TAKEN): Handling(
        None, "the name is taken: ours from an earlier attempt is adopted, another is refused"
    ),
    **_rows(
        "workspaces:UpdateWorkspaceBundle",
        (_INVALID, _NOT_FOUND, _UNAVAILABLE, _UNSUPPORTED),
        _BUNDLE,
    ),
    ("workspaces:DescribeWorkspaceBundles", _INVALID): Handling(errors.AwsRequestRejected, _DEFECT),
    **_rows("workspaces:CreateTags", (_NOT_FOUND, _INVALID, _LIMIT), _TAG),
    **_rows(
        "workspaces:CopyWorkspaceImage",
        (_LIMIT, _NOT_FOUND, _UNAVAILABLE, _UNSUPPORTED, _INVALID),
        _COPY,
    ),
    ("workspaces:CopyWorkspaceImage", _TAKEN): Handling(
        None, "the name is taken there: our copy from an earlier attempt is adopted"
    ),
    **_rows(
        "workspaces:UpdateWorkspaceImagePermission",
        (_NOT_FOUND, _UNAVAILABLE, _INVALID, _UNSUPPORTED),
        _SHARE,
    ),
}
