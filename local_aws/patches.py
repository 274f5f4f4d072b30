"""The narrow extensions the embedded AWS makes to moto, each installed and removed as one piece.

- Step Functions Wait states and Retry intervals sleep on the virtual clock;
- Lambda invokes run our real handlers in-process, as the Lambda runtime would;
- EventBridge patterns match arrays of objects the way EventBridge does;
- every API call is recorded, and faults (throttling, 5xx, lost answers, any documented error
  code of the operation) can be injected into any of them;
- requests are throttled by token buckets per account, as AWS does (local_aws/throttling.py);
- an execution stopped mid-task stays ABORTED, as in AWS.
"""

from __future__ import annotations

import importlib
import io
import json
import sys
import threading
import time
import traceback
import uuid
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from local_aws import aws_errors
from local_aws.aws_errors import ErrorSpec
from local_aws.clock import VirtualClock
from local_aws.iam import identity
from local_aws.throttling import TokenBuckets
from local_aws.workspaces_byol import FaultBudget, Faults

# moto warns when a code is not in the service's model: AccessDenied is in none of them, yet AWS
# answers it for any call (local_aws/aws_errors.py documents each injectable code).
warnings.filterwarnings("ignore", message=r"Exception\(InjectedError\)")

if TYPE_CHECKING:
    from local_aws.cloudtrail import CloudTrail
    from local_aws.iam.enforcer import IamEnforcer


@dataclass(frozen=True)
class ApiCall:
    service: str
    operation: str
    at: datetime
    throttled: bool = False  # refused by the account's token bucket (AWS did nothing)


@dataclass
class CallLog:
    calls: list[ApiCall] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, call: ApiCall) -> None:
        with self.lock:
            self.calls.append(call)

    def count(self, service: str | None = None, *, served: bool = False) -> Counter[str]:
        """Requests sent, by operation; `served` leaves out the throttled ones."""
        with self.lock:
            return Counter(c.operation if service else f"{c.service}:{c.operation}"
                           for c in self.calls if (service is None or c.service == service)
                           and not (served and c.throttled))

    def throttled(self, service: str | None = None) -> Counter[str]:
        with self.lock:
            return Counter(c.operation for c in self.calls if c.throttled
                           and (service is None or c.service == service))

    def operations(self, service: str) -> list[str]:
        with self.lock:
            return [c.operation for c in self.calls if c.service == service]


class FakeLambdaContext:
    """What the Lambda runtime hands a handler; Powertools reads these attributes."""

    def __init__(self, name: str, arn: str, memory_mb: int, timeout_seconds: int) -> None:
        self.function_name = name
        self.function_version = "$LATEST"
        self.invoked_function_arn = arn
        self.memory_limit_in_mb = memory_mb
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{name}"
        self.log_stream_name = "local"
        self._timeout_ms = timeout_seconds * 1000

    def get_remaining_time_in_millis(self) -> int:
        return self._timeout_ms


@dataclass
class LocalFunction:
    name: str
    key: str
    handler: str
    memory_mb: int
    timeout_seconds: int

    def load(self) -> Callable[[Any, Any], Any]:
        module, _, attr = self.handler.rpartition(".")
        handler: Callable[[Any, Any], Any] = getattr(importlib.import_module(module), attr)
        return handler


@dataclass
class LambdaFaults(FaultBudget):
    # function key -> how many invocations crash before running the handler
    crash_before: dict[str, int] = field(default_factory=dict)
    # function key -> how many invocations run the handler, then crash (the work is done but the
    # caller sees a failure, as when a Lambda times out after its API call)
    crash_after: dict[str, int] = field(default_factory=dict)


class HandlerOutput(io.TextIOBase):
    """sys.stdout while the embedded AWS runs: what a handler prints (Powertools logs and EMF
    metrics) goes to its own log, as in CloudWatch Logs; everything else passes through."""

    def __init__(self, passthrough: Any) -> None:
        self.passthrough = passthrough
        self.local = threading.local()
        self.lines: list[str] = []
        self._lock = threading.Lock()

    def write(self, text: str) -> int:
        if getattr(self.local, "capturing", False):
            with self._lock:
                self.lines.extend(line for line in text.splitlines() if line.strip())
            return len(text)
        return int(self.passthrough.write(text))

    def flush(self) -> None:
        self.passthrough.flush()

    def metrics(self) -> Counter[str]:
        """Sum of every EMF metric the handlers emitted, by name."""
        totals: Counter[str] = Counter()
        with self._lock:
            lines = list(self.lines)
        for line in lines:
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if not isinstance(record, dict) or "_aws" not in record:
                continue
            for directive in record["_aws"].get("CloudWatchMetrics", []):
                for metric in directive.get("Metrics", []):
                    values = record.get(metric["Name"], [])
                    totals[metric["Name"]] += sum(values if isinstance(values, list)
                                                  else [values])
        return totals


class LocalLambdaRuntime:
    def __init__(self, account_id: str, region: str) -> None:
        self.account_id = account_id
        self.region = region
        self.functions: dict[str, LocalFunction] = {}
        self.faults = LambdaFaults()
        self.invocations: Counter[str] = Counter()
        self.unhandled: list[str] = []
        self._lock = threading.Lock()
        self.output = HandlerOutput(sys.stdout)
        self._running = threading.local()  # the function whose handler this thread runs
        # Lambda runs one invocation per execution environment and reuses idle ones; each has
        # its own SDK clients (and their retry quota), as separate processes would.
        self._idle: dict[str, list[int]] = {}
        self._environments: Counter[str] = Counter()

    def current_function(self) -> str | None:
        return getattr(self._running, "name", None)

    def arn(self, name: str) -> str:
        return f"arn:aws:lambda:{self.region}:{self.account_id}:function:{name}"

    def register(self, fn: LocalFunction) -> str:
        self.functions[fn.name] = fn
        return self.arn(fn.name)

    def invoke(self, function_name: str, body: Any,
               response_headers: dict[str, str]) -> bytes | None:
        name = function_name.split(":")[6] if function_name.startswith("arn:") else function_name
        fn = self.functions.get(name)
        if fn is None:
            return None
        with self._lock:
            self.invocations[fn.key] += 1
        if isinstance(body, bytes):
            body = body.decode()
        event = json.loads(body) if body else {}
        crash = {"errorType": "Runtime.ExitError",
                 "errorMessage": "Runtime exited with error: signal: killed (injected crash)"}
        if self.faults.take(self.faults.crash_before, fn.key):
            response_headers["x-amz-function-error"] = "Unhandled"
            return json.dumps(crash).encode()
        self.output.local.capturing = True
        outer, self._running.name = self.current_function(), name
        with self._lock:
            idle = self._idle.setdefault(name, [])
            if idle:
                env = idle.pop()
            else:
                env = self._environments[name]
                self._environments[name] += 1
        try:
            from byol_import import clients

            # The handler's AWS calls are authorized as its own role (local_aws/iam), from its
            # own execution environment's SDK clients.
            with identity.acting_as(fn.key, name), clients.environment(f"{name}#{env}"):
                result = fn.load()(event, FakeLambdaContext(name, self.arn(name), fn.memory_mb,
                                                            fn.timeout_seconds))
        except Exception as exc:  # noqa: BLE001 - the Lambda runtime reports any exception
            from byol_import.errors import ByolImportError

            if not isinstance(exc, ByolImportError):
                with self._lock:
                    self.unhandled.append(f"{fn.key}: {type(exc).__name__}: {exc}")
            response_headers["x-amz-function-error"] = "Unhandled"
            return json.dumps({
                "errorType": type(exc).__name__,
                "errorMessage": str(exc),
                "stackTrace": traceback.format_exception(exc)[-5:],
            }).encode()
        finally:
            self.output.local.capturing = False
            self._running.name = outer
            with self._lock:
                self._idle[name].append(env)
        if self.faults.take(self.faults.crash_after, fn.key):
            response_headers["x-amz-function-error"] = "Unhandled"
            return json.dumps(crash).encode()
        return json.dumps(result).encode()


def _flatten_like_eventbridge(node: Any, prefix: str = "",
                              result: dict[str, Any] | None = None) -> dict[str, Any]:
    """EventBridge matches a pattern field against every element of an array of objects."""
    if result is None:
        result = {}
    if isinstance(node, dict):
        for key, value in node.items():
            path = f"{prefix}.{key}" if prefix else key
            if isinstance(value, dict) and value:
                _flatten_like_eventbridge(value, path, result)
            elif isinstance(value, list) and any(isinstance(v, dict) for v in value):
                for element in value:
                    sub = _flatten_like_eventbridge(element, path, {}) if isinstance(
                        element, dict) else {path: element}
                    for sub_key, sub_value in sub.items():
                        existing = result.setdefault(sub_key, [])
                        if not isinstance(existing, list):
                            existing = result[sub_key] = [existing]
                        existing.extend(sub_value if isinstance(sub_value, list) else [sub_value])
            else:
                result[path] = value
    return result


class Patches:
    """Install every patch; `remove()` restores moto exactly."""

    def __init__(self, clock: VirtualClock, lambdas: LocalLambdaRuntime, faults: Faults,
                 calls: CallLog,
                 on_state: Callable[[str, str, datetime], None] | None = None,
                 buckets: TokenBuckets | None = None,
                 cloudtrail: CloudTrail | None = None) -> None:
        self.on_state = on_state
        self.buckets = buckets
        self.cloudtrail = cloudtrail
        self.clock = clock
        self.lambdas = lambdas
        self.faults = faults
        self.calls = calls
        # Set by LocalAws once the local resources exist: every call is authorized by it.
        self.iam: IamEnforcer | None = None
        self._undo: list[Callable[[], None]] = []

    def _set(self, owner: Any, name: str, value: Any) -> None:
        had = name in vars(owner)
        old = vars(owner).get(name)
        setattr(owner, name, value)
        self._undo.append(lambda: setattr(owner, name, old) if had else delattr(owner, name))

    def install(self) -> None:
        from moto.awslambda_simple.models import LambdaSimpleBackend
        from moto.core.responses import BaseResponse
        from moto.events.models import EventPattern
        from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
        from moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function import (
            WaitFunction,
        )
        from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

        clock, lambdas, faults, calls = self.clock, self.lambdas, self.faults, self.calls
        patches = self
        buckets = self.buckets

        def wait_interval(_self: Any, env: Any, wait_seconds: int) -> None:
            clock.sleep(wait_seconds)

        self._set(WaitFunction, "_wait_interval", wait_interval)
        virtual_time = _VirtualTimeModule(clock)
        self._set(retrier_decl, "time", virtual_time)
        # The SDK's own retry backoff sleeps on the virtual clock too.
        import botocore.endpoint

        self._set(botocore.endpoint, "time", virtual_time)

        original_start = ExecutionWorker.start
        original_logic = ExecutionWorker._execution_logic

        def start(_self: Any) -> None:
            clock.participant_started()  # before the thread runs: time waits for it
            original_start(_self)

        def execution_logic(_self: Any) -> None:
            try:
                original_logic(_self)
            finally:
                clock.participant_finished()

        original_environment = ExecutionWorker._get_evaluation_environment

        def evaluation_environment(_self: Any) -> Any:
            # AWS gives $$.Execution.StartTime as an ISO 8601 string; moto passes a datetime.
            env = original_environment(_self)
            execution = env.states.context_object.context_object_data["Execution"]
            start_time = execution.get("StartTime")
            if isinstance(start_time, datetime):
                execution["StartTime"] = start_time.isoformat().replace("+00:00", "Z")
            return env

        self._set(ExecutionWorker, "_get_evaluation_environment", evaluation_environment)
        self._set(ExecutionWorker, "start", start)
        self._set(ExecutionWorker, "_execution_logic", execution_logic)

        def invoke(_self: Any, function_name: str, qualifier: str | None, body: Any,
                   headers: Any, response_headers: Any) -> bytes | None:
            return lambdas.invoke(function_name, body, response_headers)

        self._set(LambdaSimpleBackend, "invoke", invoke)
        lambdas.output.passthrough = sys.stdout
        self._set(sys, "stdout", lambdas.output)
        self._set(EventPattern, "_flatten_dict", staticmethod(_flatten_like_eventbridge))

        # moto reports one fixed 15 GB unencrypted volume per AMI; let an AMI carry its own.
        from moto.ec2.models.amis import Ami

        original_devices = Ami.block_device_mappings

        def block_device_mappings(ami: Any) -> Any:
            own = getattr(ami, "byol_block_devices", None)
            return own if own is not None else original_devices.fget(ami)  # type: ignore[attr-defined]

        self._set(Ami, "block_device_mappings", property(block_device_mappings))

        original_call = BaseResponse.call_action
        # AWS applies each request atomically (a DynamoDB conditional write above all); moto
        # does not lock, so requests are applied one at a time here. Lambda and Step Functions
        # calls stay outside: an invoke runs a handler that makes calls of its own.
        atomic = threading.RLock()

        def serve(_self: Any) -> Any:
            operation = _self._get_action()
            service = _self.service_name
            # Throttling: the account's token bucket for this request, on the virtual clock.
            throttled = buckets is not None and not buckets.take(
                _self.current_account, _self.region, service, operation,
                getattr(_self, "params", None))
            calls.add(ApiCall(service, operation, clock.now(), throttled))
            if throttled:
                return _fault(_self, *_THROTTLE.get(service, ("ThrottlingException",
                                                              "Rate exceeded")), 400)
            # IAM: a call the caller's role does not allow is denied as AWS denies it.
            if patches.iam is not None and (denied := patches.iam.check(_self)) is not None:
                return _fault(_self, *denied)
            key = operation if service == "workspaces" else f"{service}:{operation}"
            if faults.take(faults.throttle, key):
                return _fault(_self, *_THROTTLE.get(service, ("ThrottlingException",
                                                              "Rate exceeded")), 400)
            if faults.take(faults.server_error, key):
                return _fault(_self, "InternalError" if service == "ec2" else
                              "InternalServerError", "We encountered an internal error.", 500)
            injected = _injected_error(faults, service, operation, key)
            if injected is not None:
                return _documented_fault(_self, injected, operation)
            # moto names Lambda "awslambda": an invoke held the lock for its whole handler, so
            # handlers ran one at a time and a handler's SDK backoff stopped every other one.
            if service in ("awslambda", "lambda", "stepfunctions"):
                return original_call(_self)
            with atomic:
                response = original_call(_self)
            if faults.take(faults.lost_response, key):
                # The operation happened, but its answer is lost: the caller sees a 500.
                return _fault(_self, "InternalServerError", "The response was lost.", 500)
            return response

        trail = self.cloudtrail

        def call_action(_self: Any) -> Any:
            response = serve(_self)
            # CloudTrail: the request, served or refused, becomes its event (EventBridge rules).
            if trail is not None:
                with atomic:
                    trail.record(_self, response)
            return response

        self._set(BaseResponse, "call_action", call_action)
        self._install_history_clock()
        self._install_abort_semantics()

    def _install_history_clock(self) -> None:
        """Execution history carries virtual timestamps; each state entered is reported."""
        from moto.stepfunctions.parser.asl.eval.event.event_manager import EventManager

        clock, observer = self.clock, self.on_state
        original = EventManager._publish_history_event

        def publish(_self: Any, **kwargs: Any) -> Any:
            if observer and str(kwargs.get("event_type")).endswith("StateEntered"):
                details = kwargs.get("event_details") or {}
                name = details.get("stateEnteredEventDetails", {}).get("name", "?")
                observer(str(id(_self)), name, clock.now())
            return original(_self, **kwargs)

        self._set(EventManager, "_get_current_timestamp", staticmethod(lambda: clock.now()))
        self._set(EventManager, "_publish_history_event", publish)

    def _install_abort_semantics(self) -> None:
        """StopExecution while a Task is in flight: moto lets the task's aftermath overwrite the
        stop with a FAILED "Exception". In AWS an aborted execution stays ABORTED."""
        from moto.stepfunctions.parser.asl.eval.environment import Environment
        from moto.stepfunctions.parser.asl.eval.program_state import ProgramStopped

        original_set_error = Environment.set_error

        def set_error(_self: Any, error: Any) -> None:
            # The same (re-entrant) mutex set_stop takes: no stop slips between check and write.
            with _self._state_mutex:
                if not isinstance(_self._program_state, ProgramStopped):
                    original_set_error(_self, error)

        self._set(Environment, "set_error", set_error)

    def remove(self) -> None:
        while self._undo:
            self._undo.pop()()


class _VirtualTimeModule:
    """The `time` module, but `sleep` waits on the virtual clock."""

    def __init__(self, clock: VirtualClock) -> None:
        self.sleep = clock.sleep

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)


_THROTTLE = {
    "ec2": ("RequestLimitExceeded", "Request limit exceeded."),
    "sns": ("Throttling", "Rate exceeded"),
    "dynamodb": ("ThrottlingException", "Rate of requests exceeds the allowed throughput."),
}


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

    error = InjectedError(spec.code, aws_errors.message(spec, operation,
                                                        response.current_account))
    _, headers, body = response.serialized(ActionResult(error))
    headers["status"] = spec.status
    headers.setdefault("x-amzn-RequestId", str(uuid.uuid4()))
    return spec.status, headers, body


def _fault(response: Any, code: str, message: str, status: int) -> Any:
    """An error response in the service's own protocol, as AWS would send it."""
    service = response.service_name
    request_id = str(uuid.uuid4())
    if service == "ec2":
        body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Errors><Error>"
                f"<Code>{code}</Code><Message>{message}</Message></Error></Errors>"
                f"<RequestID>{request_id}</RequestID></Response>")
        return status, {"status": status, "Content-Type": "text/xml"}, body
    if service in ("sns", "sqs", "iam", "sts"):
        body = (f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code>"
                f"<Message>{message}</Message></Error><RequestId>{request_id}</RequestId>"
                "</ErrorResponse>")
        return status, {"status": status, "Content-Type": "text/xml"}, body
    body = json.dumps({"__type": code, "message": message})
    return status, {"status": status, "x-amzn-ErrorType": code,
                    "x-amzn-RequestId": request_id,
                    "Content-Type": "application/x-amz-json-1.1"}, body
