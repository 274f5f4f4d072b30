"""The documented errors of the operations byol-import calls: what fault injection may answer.

Sources, in order of authority:
- the botocore service model shipped with the pinned boto3 (each operation's error shapes, with
  their wire code and httpStatusCode) for WorkSpaces, DynamoDB, SNS and Step Functions;
- EC2's model lists no errors: its documented codes are in `EC2_ERRORS` below, from the EC2 API
  error-codes page (`EC2_ERRORS_URL`);
- AccessDenied, which AWS answers for any call the caller's policies do not allow, in each
  service's own spelling (`ACCESS_DENIED`).

An injected code that is not documented for the operation is refused: the embedded AWS never
answers what AWS does not document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Final

import botocore.session

EC2_ERRORS_URL: Final = (
    "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html"
)
EC2_THROTTLING_URL: Final = (
    "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/query-api-troubleshooting.html"
)


@dataclass(frozen=True)
class ErrorSpec:
    service: str
    code: str  # as it travels on the wire and as botocore reports it in Error.Code
    status: int
    description: str
    shape: str = ""  # the model's shape name, when it differs from the code (SNS)


# EC2: "Common client error codes" (every EC2 action can return them) and the server error codes
# of EC2_ERRORS_URL, plus the action-specific codes of the same page for the AMIs and tags we
# touch. Left out: DryRunOperation (we never send DryRun), IdempotentParameterMismatch (these
# actions take no ClientToken), UnsupportedInstanceAttribute (instances only). The page gives
# client errors a 400-series status: UnauthorizedOperation is 403 (what AWS sends; the page does
# not say which 4xx), the rest 400; server errors 500 and 503.
_EC2_COMMON: Final[dict[str, tuple[int, str]]] = {
    "AuthFailure": (400, "The provided credentials could not be validated."),
    "Blocked": (400, "Your account is currently blocked. Contact AWS Support."),
    "IncompleteSignature": (400, "The request signature does not conform to AWS standards."),
    "InvalidAction": (400, "The action or operation requested is not valid."),
    "InvalidCharacter": (400, "A specified character is not valid."),
    "InvalidClientTokenId": (
        400,
        "The X.509 certificate or credentials provided do not exist in our records.",
    ),
    "InvalidPaginationToken": (400, "The specified pagination token is not valid or is expired."),
    "InvalidParameter": (
        400,
        "A parameter specified in a request is not valid, is unsupported, or cannot be used.",
    ),
    "InvalidParameterCombination": (
        400,
        "Indicates an incorrect combination of parameters, or a missing parameter.",
    ),
    "InvalidParameterDependency": (
        400,
        "Indicates an incorrect combination of parameters, or a missing parameter.",
    ),
    "InvalidParameterValue": (
        400,
        "A value specified in a parameter is not valid, is unsupported, or cannot be used.",
    ),
    "InvalidQueryParameter": (
        400,
        "The AWS query string is malformed or does not adhere to AWS standards.",
    ),
    "MalformedQueryString": (400, "The query string contains a syntax error."),
    "MissingAction": (400, "The request is missing an action or a required parameter."),
    "MissingAuthenticationToken": (400, "The request must contain valid credentials."),
    "MissingParameter": (400, "The request is missing a required parameter."),
    "OptInRequired": (400, "You are not authorized to use the requested service."),
    "PendingVerification": (400, "Your account is pending verification."),
    "RequestExpired": (
        400,
        "The request reached the service more than 15 minutes after the date stamp on the request.",
    ),
    "RequestLimitExceeded": (
        400,
        "The maximum request rate permitted by the Amazon EC2 APIs "
        "has been exceeded for your account.",
    ),
    "UnauthorizedOperation": (403, "You are not authorized to perform this operation."),
    "UnknownParameter": (400, "An unknown or unrecognized parameter was supplied."),
    "UnsupportedOperation": (400, "The specified request includes an unsupported operation."),
    "UnsupportedProtocol": (400, "SOAP has been deprecated."),
    "ValidationError": (
        400,
        "The input fails to satisfy the constraints specified by an AWS service.",
    ),
    "InternalError": (500, "An internal error has occurred."),
    "Unavailable": (503, "The server is overloaded and can't handle the request."),
}
_EC2_AMI: Final[dict[str, tuple[int, str]]] = {
    "InvalidAMIID.Malformed": (400, "The specified AMI ID is malformed."),
    "InvalidAMIID.NotFound": (400, "The specified AMI doesn't exist."),
    "InvalidAMIID.Unavailable": (
        400,
        "The specified AMI has been deregistered or is otherwise unavailable.",
    ),
}
_EC2_TAGS: Final[dict[str, tuple[int, str]]] = {
    "InvalidID": (400, "The specified ID for the resource you are trying to tag is not valid."),
    "TagLimitExceeded": (
        400,
        "You've reached the limit on the number of tags that you can "
        "assign to the specified resource.",
    ),
}
EC2_ERRORS: Final[dict[str, dict[str, tuple[int, str]]]] = {
    "DescribeImages": {**_EC2_COMMON, **_EC2_AMI},
    # VpcIds-specific codes (InvalidVpcID.*) cannot answer a call that names no VPC.
    "DescribeVpcs": dict(_EC2_COMMON),
    "CreateTags": {**_EC2_COMMON, **_EC2_AMI, **_EC2_TAGS},
}

# AccessDenied as each service spells it: (code, HTTP status). WorkSpaces' is in its model.
ACCESS_DENIED: Final[dict[str, tuple[str, int]]] = {
    "workspaces": ("AccessDeniedException", 400),
    "ec2": ("UnauthorizedOperation", 403),
    "dynamodb": ("AccessDeniedException", 400),
    "sns": ("AuthorizationError", 403),
    "stepfunctions": ("AccessDeniedException", 400),
    # Lambda's common error (https://docs.aws.amazon.com/lambda/latest/api/CommonErrors.html):
    # EventBridge's invoke of a target it may not invoke.
    "lambda": ("AccessDeniedException", 403),
    # A denied GetImage answers 403 (docs/byol-api-facts.md, "EC2 Image Builder"); code unconfirmed
    "imagebuilder": ("AccessDeniedException", 403),
}
# The IAM action prefix of each service (Service Authorization Reference).
IAM_PREFIX: Final[dict[str, str]] = {
    "workspaces": "workspaces",
    "ec2": "ec2",
    "dynamodb": "dynamodb",
    "sns": "sns",
    "stepfunctions": "states",
    "lambda": "lambda",
    "imagebuilder": "imagebuilder",
}
# Codes AWS answers that an operation's model does not list: (service, operation) -> code ->
# (status, description). Image Builder answers an ARN that names nothing with
# ResourceNotFoundException, HTTP 404 (docs/byol-api-facts.md, "EC2 Image Builder").
_UNMODELLED: Final[dict[tuple[str, str], dict[str, tuple[int, str]]]] = {
    ("imagebuilder", op): {
        "ResourceNotFoundException": (
            404,
            "At least one of the resources referenced by your request does not exist.",
        )
    }
    for op in ("GetImage", "GetInfrastructureConfiguration")
}
# Modelled server faults whose shape carries no httpStatusCode (DynamoDB's InternalServerError).
_SERVER_FAULTS: Final = {
    "InternalServerError": 500,
    "InternalFailure": 500,
    "ServiceUnavailable": 503,
}


@cache
def _session() -> botocore.session.Session:
    return botocore.session.get_session()


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html or "")).strip()


@cache
def documented_errors(service: str, operation: str) -> dict[str, ErrorSpec]:
    """Every documented error code of one operation, by wire code."""
    found: dict[str, ErrorSpec] = {}
    if service == "ec2":
        if operation not in EC2_ERRORS:
            raise KeyError(f"no documented EC2 errors are tabled for {operation}")
        for code, (status, text) in EC2_ERRORS[operation].items():
            found[code] = ErrorSpec(service, code, status, text)
    else:
        model = _session().get_service_model(service).operation_model(operation)
        for shape in model.error_shapes:
            meta = shape.metadata.get("error", {})
            code = str(meta.get("code", shape.name))
            status = int(meta.get("httpStatusCode", _SERVER_FAULTS.get(code, 400)))
            found[code] = ErrorSpec(
                service,
                code,
                status,
                _text(shape.documentation) or code,
                shape.name if shape.name != code else "",
            )
    for code, (status, text) in _UNMODELLED.get((service, operation), {}).items():
        found.setdefault(code, ErrorSpec(service, code, status, text))
    code, status = ACCESS_DENIED[service]
    found.setdefault(code, ErrorSpec(service, code, status, "Access denied."))
    return found


def lookup(service: str, operation: str, code: str) -> ErrorSpec:
    """The documented error `code` (wire code or model shape name) of the operation."""
    errors = documented_errors(service, operation)
    for spec in errors.values():
        if code in (spec.code, spec.shape):
            return spec
    raise ValueError(
        f"{code} is not a documented error of {service}:{operation}; "
        f"documented: {', '.join(sorted(errors))}"
    )


def message(spec: ErrorSpec, operation: str, account_id: str) -> str:
    """What AWS would say. AccessDenied names the principal and the action, as AWS does."""
    if spec.code == ACCESS_DENIED[spec.service][0]:
        action = f"{IAM_PREFIX[spec.service]}:{operation}"
        return (
            f"User: arn:aws:sts::{account_id}:assumed-role/byol-import-local/{operation} "
            f"is not authorized to perform: {action} on resource: * because no "
            f"identity-based policy allows the {action} action"
        )
    return spec.description
