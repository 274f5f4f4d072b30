"""How every AWS call of the gateways fails: `aws_call` turns what escapes into our typed errors.

The gateways (one module per service, beside this one) are the only code that calls boto3.
Every documented error code of every call made here is mapped in one table, `ERROR_TABLE`
(`error_table.py`): retried (throttling, server faults, "try later"), handled by the calling
method (a missing AMI, a held lock...), or a terminal typed error whose message says what a
person must do. A code no documentation lists stays `WorkSpacesError` with AWS's own code and
text.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Final

from botocore.exceptions import BotoCoreError, ClientError, ConnectionError, ReadTimeoutError

from byol_import import errors
from byol_import.gateways.error_table import ERROR_TABLE, RETRIED, Handling, handling

__all__ = [
    "ERROR_TABLE",
    "PERMISSIONS",
    "Handling",
    "aws_call",
    "error_code",
    "error_message",
    "handling",
    "is_transient",
    "translate",
]

_TRANSIENT_CODES: Final = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestLimitExceeded",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "RequestThrottled",
        "RequestThrottledException",
        "SlowDown",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "InternalError",
        "InternalFailure",
        "InternalServerError",
        "InternalServiceError",
        "ServiceException",
    }
)


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def error_message(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Message", ""))


def is_transient(exc: ClientError) -> bool:
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
    return error_code(exc) in _TRANSIENT_CODES or (isinstance(status, int) and status >= 500)


# What the function's role needs for each call: AccessDenied names it. The stack grants all of it.
PERMISSIONS: Final[dict[str, str]] = {
    "workspaces:DescribeAccount": "workspaces:DescribeAccount",
    "workspaces:DescribeAccountModifications": "workspaces:DescribeAccountModifications",
    "workspaces:ListAvailableManagementCidrRanges": "workspaces:ListAvailableManagementCidrRanges",
    "workspaces:ModifyAccount": "workspaces:ModifyAccount",
    "workspaces:ImportWorkspaceImage": (
        "workspaces:ImportWorkspaceImage, workspaces:CreateTags (for the image's tags), and "
        "ec2:DescribeImages and ec2:ModifyImageAttribute on the AMI (WorkSpaces shares it "
        "during the import)"
    ),
    "workspaces:ImportCustomWorkspaceImage": (
        "workspaces:ImportCustomWorkspaceImage, workspaces:CreateTags (for the image's tags), "
        "imagebuilder:GetInfrastructureConfiguration on the infrastructure configuration and "
        "ec2:DescribeImages on the AMI"
    ),
    "workspaces:DescribeCustomWorkspaceImageImport": (
        "workspaces:DescribeCustomWorkspaceImageImport"
    ),
    "workspaces:DescribeWorkspaceImages": "workspaces:DescribeWorkspaceImages",
    "workspaces:DescribeTags": "workspaces:DescribeTags",
    "workspaces:DeleteWorkspaceImage": (
        "workspaces:DeleteWorkspaceImage on the workspaceimage (the stack allows it only for "
        "images tagged byol-import:managed-by)"
    ),
    "workspaces:DescribeWorkspaceBundles": "workspaces:DescribeWorkspaceBundles",
    "workspaces:CreateWorkspaceBundle": (
        "workspaces:CreateWorkspaceBundle on the bundle (with our managed-by tag) and on the "
        "image, and workspaces:CreateTags (for the bundle's tags)"
    ),
    "workspaces:UpdateWorkspaceBundle": (
        "workspaces:UpdateWorkspaceBundle on the workspacebundle and the workspaceimage"
    ),
    "workspaces:CreateTags": "workspaces:CreateTags (the stack allows our byol-import: keys)",
    "workspaces:CopyWorkspaceImage": (
        "workspaces:CopyWorkspaceImage on the workspaceimage in the source and the target "
        "Region, workspaces:DescribeWorkspaceImages and workspaces:CreateTags (the copy's tags)"
    ),
    "workspaces:UpdateWorkspaceImagePermission": (
        "workspaces:UpdateWorkspaceImagePermission on the workspaceimage (the stack allows it "
        "for images tagged byol-import:managed-by)"
    ),
    "ec2:DescribeImages": "ec2:DescribeImages",
    "ec2:DescribeVpcs": "ec2:DescribeVpcs",
    "ec2:CreateTags": "ec2:CreateTags on the AMI (image/*)",
    "dynamodb:PutItem": "dynamodb:PutItem on the lock table",
    "dynamodb:GetItem": "dynamodb:GetItem on the lock table",
    "dynamodb:DeleteItem": "dynamodb:DeleteItem on the lock table",
    "sns:Publish": "sns:Publish on the notification topic",
    "stepfunctions:StartExecution": "states:StartExecution on the state machine",
    "imagebuilder:GetImage": "imagebuilder:GetImage on the Image Builder image (image/*)",
}


_KMS_TARGETS: Final = {"sns": "the notification topic", "stepfunctions": "the state machine"}


def _function() -> str:
    name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
    return f"function {name}" if name else "the byol-import function"


def translate(operation: str, exc: ClientError, about: str = "") -> errors.ByolImportError:
    """The typed error for a ClientError that escaped the calling method."""
    code, message = error_code(exc), error_message(exc)
    reason = exc.response.get("reason")  # OperationNotSupportedException carries one
    aws_said = (f"{message} (reason: {reason})" if reason else message).rstrip(". ")
    name = operation.split(":", 1)[1] + (f" ({about})" if about else "")
    row = handling(operation, code)
    if row is None or row.error is None:
        if is_transient(exc):
            return errors.TransientAwsError(f"{name}: {code}: {aws_said}. {RETRIED}")
        return errors.WorkSpacesError(f"{name}: {code}: {aws_said}")
    advice = row.advice.format(
        function=_function(),
        permissions=PERMISSIONS.get(operation, operation),
        target=_KMS_TARGETS.get(operation.split(":", 1)[0], ""),
    )
    verb = "was denied" if row.error in (errors.AccessDenied, errors.ByolNotEligible) else "failed"
    return row.error(f"{name} {verb}: {code}: {aws_said}. {advice}")


@contextlib.contextmanager
def aws_call(operation: str, about: str = "") -> Iterator[None]:
    """Map what escapes an AWS call ("service:Operation") through ERROR_TABLE.

    Callers catch the codes they handle (rows without an error class) inside this block."""
    try:
        yield
    except ClientError as exc:
        raise translate(operation, exc, about) from exc
    except (ConnectionError, ReadTimeoutError) as exc:
        raise errors.TransientAwsError(f"{operation}: {exc}. {RETRIED}") from exc
    except BotoCoreError as exc:
        raise errors.WorkSpacesError(f"{operation}: {exc}") from exc
