"""The request pipeline every moto request goes through, in the order AWS applies it:
record → throttle (the account's token bucket) → IAM → injected faults → apply atomically →
lost response → CloudTrail."""

from __future__ import annotations

import json
import threading
import uuid
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from local_aws import aws_errors
from local_aws.aws_errors import ErrorSpec
from local_aws.calls import ApiCall, CallLog, operation_of
from local_aws.clock import VirtualClock
from local_aws.throttling import TokenBuckets
from local_aws.workspaces_byol import Faults

# moto warns when a code is not in the service's model: AccessDenied is in none of them, yet AWS
# answers it for any call (local_aws/aws_errors.py documents each injectable code).
warnings.filterwarnings("ignore", message=r"Exception\(InjectedError\)")

if TYPE_CHECKING:
    from local_aws.cloudtrail import CloudTrail
    from local_aws.iam.enforcer import IamEnforcer

# moto's response handler: it serves the request and returns (status, headers, body).
Serve = Callable[[Any], Any]
# moto names Lambda "awslambda". An invoke runs a handler that makes calls of its own: holding
# the lock for it would run handlers one at a time and let one's SDK backoff stop every other.
_NOT_ATOMIC = ("awslambda", "lambda", "stepfunctions")
_THROTTLE = {
    "ec2": ("RequestLimitExceeded", "Request limit exceeded."),
    "sns": ("Throttling", "Rate exceeded"),
    "dynamodb": ("ThrottlingException", "Rate of requests exceeds the allowed throughput."),
    # Image Builder's model: CallRateLimitExceededException, HTTP 429
    "imagebuilder": ("CallRateLimitExceededException", "You have exceeded the permitted rate."),
}


class RequestPipeline:
    def __init__(
        self,
        clock: VirtualClock,
        faults: Faults,
        calls: CallLog,
        buckets: TokenBuckets | None = None,
        cloudtrail: CloudTrail | None = None,
    ) -> None:
        self.clock = clock
        self.faults = faults
        self.calls = calls
        self.buckets = buckets
        self.cloudtrail = cloudtrail
        # Set by LocalAws once the local resources exist: every call is authorized by it.
        self.iam: IamEnforcer | None = None
        # AWS applies each request atomically (a DynamoDB conditional write above all); moto
        # does not lock, so requests are applied one at a time here.
        self.atomic = threading.RLock()

    def __call__(self, request: Any, serve: Serve) -> Any:
        response = self._serve(request, serve)
        # CloudTrail: the request, served or refused, becomes its event (EventBridge rules).
        if self.cloudtrail is not None:
            with self.atomic:
                self.cloudtrail.record(request, response)
        return response

    def _serve(self, request: Any, serve: Serve) -> Any:
        operation, service = operation_of(request), request.service_name
        throttled = self.buckets is not None and not self.buckets.take(
            request.current_account,
            request.region,
            service,
            operation,
            getattr(request, "params", None),
        )
        self.calls.add(ApiCall(service, operation, self.clock.now(), throttled))
        if throttled:
            return _throttle(request)
        # IAM: a call the caller's role does not allow is denied as AWS denies it.
        if self.iam is not None and (denied := self.iam.check(request)) is not None:
            return _fault(request, *denied)
        key = operation if service == "workspaces" else f"{service}:{operation}"
        injected = self._injected(request, service, operation, key)
        if injected is not None:
            return injected
        if service in _NOT_ATOMIC:
            return serve(request)
        with self.atomic:
            response = serve(request)
        if self.faults.take(self.faults.lost_response, key):
            # The operation happened, but its answer is lost: the caller sees a 500.
            return _fault(request, "InternalServerError", "The response was lost.", 500)
        return response

    def _injected(self, request: Any, service: str, operation: str, key: str) -> Any:
        """The fault injected for this request, if any (each injection is spent once)."""
        faults = self.faults
        if faults.take(faults.throttle, key):
            return _throttle(request)
        if faults.take(faults.server_error, key):
            return _fault(
                request,
                "InternalError" if service == "ec2" else "InternalServerError",
                "We encountered an internal error.",
                500,
            )
        spec = _injected_error(faults, service, operation, key)
        return None if spec is None else _documented_fault(request, spec, operation)


def _injected_error(faults: Faults, service: str, operation: str, key: str) -> ErrorSpec | None:
    """The next documented error injected for this operation, if any (each spends one)."""
    table = faults.errors.get(key)
    if not table:
        return None
    for code in list(table):
        spec = aws_errors.lookup(service, operation, code)  # refuses an undocumented code
        if faults.take(table, code):
            return spec
    return None


def _documented_fault(response: Any, spec: ErrorSpec, operation: str) -> Any:
    """A documented error, serialized by moto in the protocol the request came in, with the
    status the model (or the EC2 error-codes page) gives it."""
    from moto.core.exceptions import ServiceException
    from moto.core.responses import ActionResult

    class InjectedError(ServiceException):
        """Defined outside moto: moto looks its code up in the request's own service model."""

    error = InjectedError(spec.code, aws_errors.message(spec, operation, response.current_account))
    _, headers, body = response.serialized(ActionResult(error))
    headers["status"] = spec.status
    headers.setdefault("x-amzn-RequestId", str(uuid.uuid4()))
    return spec.status, headers, body


def _throttle(response: Any) -> Any:
    return _fault(
        response,
        *_THROTTLE.get(response.service_name, ("ThrottlingException", "Rate exceeded")),
        429 if response.service_name == "imagebuilder" else 400,
    )


def _fault(response: Any, code: str, message: str, status: int) -> Any:
    """An error response in the service's own protocol, as AWS would send it."""
    service = response.service_name
    request_id = str(uuid.uuid4())
    if service == "ec2":
        body = (
            '<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error>'
            f"<Code>{code}</Code><Message>{message}</Message></Error></Errors>"
            f"<RequestID>{request_id}</RequestID></Response>"
        )
        return status, {"status": status, "Content-Type": "text/xml"}, body
    if service in ("sns", "sqs", "iam", "sts"):
        body = (
            f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code>"
            f"<Message>{message}</Message></Error><RequestId>{request_id}</RequestId>"
            "</ErrorResponse>"
        )
        return status, {"status": status, "Content-Type": "text/xml"}, body
    body = json.dumps({"__type": code, "message": message})
    return (
        status,
        {
            "status": status,
            "x-amzn-ErrorType": code,
            "x-amzn-RequestId": request_id,
            "Content-Type": "application/x-amz-json-1.1",
        },
        body,
    )
