"""Every documented error code of every AWS call the gateways make, and how byol-import treats it.

`aws_call` (beside this module) looks codes up here: retried (throttling, server faults, "try
later"), handled by the calling method (a missing AMI, a held lock...), or a terminal typed error
whose message says what a person must do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from byol_import import errors


@dataclass(frozen=True)
class Handling:
    """How byol-import treats one documented error code of one call.

    `error` None: the calling method handles the code itself (`advice` says how). Otherwise
    the code becomes `error`; `advice` (with {function} and {permissions} filled in) ends the
    message and says what a person must do. TransientAwsError is retried by the workflow."""

    error: type[errors.ByolImportError] | None
    advice: str


RETRIED: Final = "Retried by the workflow with backoff."
_DENIED: Final = (
    "The IAM role of {function} needs {permissions}. Add it to the role (the "
    "stack grants it: redeploy if the role or a permissions boundary or SCP "
    "changed it), then start the import again"
)
_CREDENTIALS: Final = (
    "AWS did not accept the credentials of {function}, whose role needs "
    "{permissions}. Check the role exists and Lambda can assume it (redeploy "
    "the stack), then start the import again"
)
_DEFECT: Final = (
    "AWS refused the request byol-import built. This is a defect of byol-import "
    "or of its configuration: report it with this message"
)
_ACCOUNT: Final = (
    "AWS restricts this account. Resolve it with AWS Support (account status, "
    "verification or service subscription), then start the import again"
)
_REDEPLOY: Final = "redeploy the stack (or restore the resource it created), then start again"
_KMS_DENIED: Final = (
    "The role of {function} may not use the KMS key that encrypts {target} "
    "(kms:GenerateDataKey and kms:Decrypt). Allow it in the key policy, then "
    "start the import again"
)
_KMS_KEY: Final = (
    "The KMS key that encrypts {target} is disabled, pending deletion or gone. "
    "Enable it or change the encryption, then start the import again"
)

# (service or service:Operation, code) -> handling. A service-wide row ("ec2", code) applies to
# every call of that service; an operation row overrides it. `tests/unit/test_gateways.py`
# checks every documented code of every call has a row, and injects each one end to end.
_EC2_REJECTED: Final = (
    "InvalidAction",
    "InvalidCharacter",
    "InvalidParameter",
    "InvalidParameterCombination",
    "InvalidParameterDependency",
    "InvalidParameterValue",
    "InvalidQueryParameter",
    "MalformedQueryString",
    "MissingAction",
    "MissingParameter",
    "UnknownParameter",
    "UnsupportedOperation",
    "UnsupportedProtocol",
    "ValidationError",
    "IncompleteSignature",
)
ERROR_TABLE: Final[dict[tuple[str, str], Handling]] = {
    # -- WorkSpaces ----------------------------------------------------------------------------
    ("workspaces", "AccessDeniedException"): Handling(errors.AccessDenied, _DENIED),
    # Any account may call ListAvailableManagementCidrRanges' siblings; this one alone answers
    # AccessDenied to an account AWS has not approved for BYOL (docs/byol-api-facts.md).
    ("workspaces:ListAvailableManagementCidrRanges", "AccessDeniedException"): Handling(
        errors.ByolNotEligible,
        "Either AWS has not approved this account for WorkSpaces BYOL, or the IAM role of "
        "{function} lacks workspaces:ListAvailableManagementCidrRanges. Check the role's "
        "policy first; if it allows the action, ask AWS (your account team or a support case) "
        "to approve the account for BYOL. Then start the import again",
    ),
    ("workspaces:ListAvailableManagementCidrRanges", "InvalidParameterValuesException"): Handling(
        errors.ConfigurationError,
        "WorkSpaces refused the management CIDR constraint: fix cidrConstraints in cdk.json "
        "(IPv4 ranges inside 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10 or "
        "198.18.0.0/15), redeploy, then start the import again",
    ),
    ("workspaces:ModifyAccount", "InvalidResourceStateException"): Handling(
        None,
        "BYOL is already set or a modification is running (a person or another tool "
        "started it): EnableByol reads the account again and adopts that modification",
    ),
    ("workspaces:ModifyAccount", "ResourceUnavailableException"): Handling(
        errors.TransientAwsError, RETRIED
    ),
    ("workspaces:ModifyAccount", "InvalidParameterValuesException"): Handling(
        errors.ByolEnablementFailed,
        "WorkSpaces refused the management CIDR (availability changes often). Start the "
        "import again to pick another /16; if it repeats, add the range to cidrExclusions",
    ),
    ("workspaces:ModifyAccount", "ResourceNotFoundException"): Handling(
        errors.ByolEnablementFailed,
        "WorkSpaces found nothing to modify for this account in this Region. Check that "
        "WorkSpaces BYOL is offered in this Region and approved for this account, then start "
        "the import again",
    ),
    ("workspaces:ImportWorkspaceImage", "ResourceAlreadyExistsException"): Handling(
        errors.ImageNameTaken,
        "ImportImage adopts the image when byol-import made it; otherwise give ImageName in "
        "the request, or delete that image",
    ),
    ("workspaces:ImportWorkspaceImage", "ResourceLimitExceededException"): Handling(
        errors.ImageQuotaExceeded,
        "Delete unused WorkSpaces images or ask for a higher image quota (Service Quotas), "
        "then import again",
    ),
    ("workspaces:ImportWorkspaceImage", "ResourceNotFoundException"): Handling(
        errors.ImageImportRejected,
        "WorkSpaces cannot find the AMI: check it still exists in this Region and account, "
        "then start the import again",
    ),
    ("workspaces:ImportWorkspaceImage", "OperationNotSupportedException"): Handling(
        errors.ImageImportRejected,
        "WorkSpaces does not support this import (the message says why: BYOL not enabled, or "
        "the IngestionProcess or Applications for this Windows). Change the request, then "
        "start the import again",
    ),
    ("workspaces:ImportWorkspaceImage", "InvalidParameterValuesException"): Handling(
        errors.ImageImportRejected,
        "Fix the value the message names (ImageName, ImageDescription, IngestionProcess, "
        "Applications or Tags of the request), then start the import again",
    ),
    ("workspaces:DescribeTags", "ResourceNotFoundException"): Handling(
        None, "the image does not exist (any more): nothing to adopt or delete"
    ),
    ("workspaces:DeleteWorkspaceImage", "ResourceAssociatedException"): Handling(
        errors.ImageDeleteRefused,
        "The image is used by a bundle or shared with another account: delete the bundle or "
        "stop sharing, then delete the image in the WorkSpaces console",
    ),
    ("workspaces:DeleteWorkspaceImage", "InvalidResourceStateException"): Handling(
        errors.ImageDeleteRefused,
        "The image cannot be deleted in its current state: delete it in the WorkSpaces "
        "console once its state settles",
    ),
    # -- EC2 (codes from the EC2 API error-codes page) -----------------------------------------
    ("ec2", "UnauthorizedOperation"): Handling(errors.AccessDenied, _DENIED),
    ("ec2", "AuthFailure"): Handling(errors.AccessDenied, _DENIED),
    ("ec2", "InvalidClientTokenId"): Handling(errors.AccessDenied, _CREDENTIALS),
    ("ec2", "MissingAuthenticationToken"): Handling(errors.AccessDenied, _CREDENTIALS),
    ("ec2", "Blocked"): Handling(errors.AccountRestricted, _ACCOUNT),
    ("ec2", "OptInRequired"): Handling(errors.AccountRestricted, _ACCOUNT),
    ("ec2", "PendingVerification"): Handling(errors.AccountRestricted, _ACCOUNT),
    ("ec2", "RequestLimitExceeded"): Handling(errors.TransientAwsError, RETRIED),
    ("ec2", "RequestExpired"): Handling(
        errors.TransientAwsError, "A retry signs the request anew. " + RETRIED
    ),
    ("ec2", "InvalidPaginationToken"): Handling(
        errors.TransientAwsError, "A retry reads from the first page. " + RETRIED
    ),
    ("ec2", "InternalError"): Handling(errors.TransientAwsError, RETRIED),
    ("ec2", "Unavailable"): Handling(errors.TransientAwsError, RETRIED),
    **{("ec2", code): Handling(errors.AwsRequestRejected, _DEFECT) for code in _EC2_REJECTED},
    **{
        ("ec2:DescribeImages", code): Handling(
            None,
            "the AMI does not exist (any more) or cannot be used: CheckImage fails with "
            "ImageNotFound, the starter ignores it",
        )
        for code in ("InvalidAMIID.NotFound", "InvalidAMIID.Malformed", "InvalidAMIID.Unavailable")
    },
    **{
        ("ec2:CreateTags", code): Handling(
            errors.ImageNotFound,
            "The AMI is gone, so it cannot carry the status tags: check "
            "the AMI id (the notification still says how the import ended)",
        )
        for code in (
            "InvalidAMIID.NotFound",
            "InvalidAMIID.Malformed",
            "InvalidAMIID.Unavailable",
            "InvalidID",
        )
    },
    ("ec2:CreateTags", "TagLimitExceeded"): Handling(
        errors.TagLimitExceeded,
        "The AMI carries as many tags as EC2 allows: remove unused tags so byol-import can "
        "write its status tags",
    ),
    # -- DynamoDB (the lock table) -------------------------------------------------------------
    ("dynamodb", "AccessDeniedException"): Handling(errors.AccessDenied, _DENIED),
    **{
        ("dynamodb", code): Handling(errors.TransientAwsError, RETRIED)
        for code in (
            "ProvisionedThroughputExceededException",
            "RequestLimitExceeded",
            "ThrottlingException",
            "InternalServerError",
            "TransactionConflictException",
            "ReplicatedWriteConflictException",
        )
    },
    ("dynamodb", "ResourceNotFoundException"): Handling(
        errors.ConfigurationError, "The lock table does not exist: " + _REDEPLOY
    ),
    ("dynamodb", "ItemCollectionSizeLimitExceededException"): Handling(
        errors.ConfigurationError,
        "The lock table has a local secondary index, so it is not the table the stack "
        "deploys: " + _REDEPLOY,
    ),
    ("dynamodb", "ConditionalCheckFailedException"): Handling(
        None, "the lock is held by another execution (acquire) or is not ours (release)"
    ),
    # -- SNS (the notification topic) ----------------------------------------------------------
    ("sns", "AuthorizationError"): Handling(errors.AccessDenied, _DENIED),
    ("sns", "InternalError"): Handling(errors.TransientAwsError, RETRIED),
    ("sns", "KMSThrottling"): Handling(errors.TransientAwsError, RETRIED),
    ("sns", "NotFound"): Handling(
        errors.ConfigurationError, "The notification topic does not exist: " + _REDEPLOY
    ),
    **{
        ("sns", code): Handling(
            errors.ConfigurationError,
            "The notification target is a disabled endpoint, not the stack's topic: " + _REDEPLOY,
        )
        for code in ("EndpointDisabled", "PlatformApplicationDisabled")
    },
    ("sns", "KMSAccessDenied"): Handling(errors.AccessDenied, _KMS_DENIED),
    **{
        ("sns", code): Handling(errors.ConfigurationError, _KMS_KEY)
        for code in ("KMSDisabled", "KMSInvalidState", "KMSNotFound")
    },
    ("sns", "KMSOptInRequired"): Handling(errors.AccountRestricted, _ACCOUNT),
    **{
        ("sns", code): Handling(errors.AwsRequestRejected, _DEFECT)
        for code in (
            "InvalidParameter",
            "ParameterValueInvalid",
            "ValidationException",
            "InvalidSecurity",
        )
    },
    # -- Step Functions (the starter) ----------------------------------------------------------
    ("stepfunctions", "AccessDeniedException"): Handling(errors.AccessDenied, _DENIED),
    ("stepfunctions", "ExecutionLimitExceeded"): Handling(
        errors.TransientAwsError, "Running executions must end first. " + RETRIED
    ),
    ("stepfunctions", "KmsThrottlingException"): Handling(errors.TransientAwsError, RETRIED),
    ("stepfunctions", "ExecutionAlreadyExists"): Handling(
        None, "the execution of that name exists: the event was a repeat, nothing starts"
    ),
    **{
        ("stepfunctions", code): Handling(
            errors.ConfigurationError, "The state machine is not the one deployed: " + _REDEPLOY
        )
        for code in ("InvalidArn", "StateMachineDoesNotExist", "StateMachineDeleting")
    },
    **{
        ("stepfunctions", code): Handling(errors.AwsRequestRejected, _DEFECT)
        for code in ("InvalidExecutionInput", "InvalidName", "ValidationException")
    },
    ("stepfunctions", "KmsAccessDeniedException"): Handling(errors.AccessDenied, _KMS_DENIED),
    ("stepfunctions", "KmsInvalidStateException"): Handling(errors.ConfigurationError, _KMS_KEY),
}

# The Image Builder path's and the delivery calls' rows live in their own modules, which import
# Handling from this one.
from byol_import.gateways.delivery_errors import DELIVERY_ERRORS  # noqa: E402
from byol_import.gateways.image_builder_errors import image_builder_errors  # noqa: E402

ERROR_TABLE.update(image_builder_errors(ERROR_TABLE))
ERROR_TABLE.update(DELIVERY_ERRORS)


def handling(operation: str, code: str) -> Handling | None:
    """The row for `code` of `operation` ("service:Operation"), if one exists."""
    service = operation.split(":", 1)[0]
    return ERROR_TABLE.get((operation, code)) or ERROR_TABLE.get((service, code))
