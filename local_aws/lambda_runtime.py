"""The Lambda runtime, in-process: an invoke runs our real handler in this process, as its own
role and from its own execution environment, with crashes injectable before or after it."""

from __future__ import annotations

import importlib
import io
import json
import sys
import threading
import traceback
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from local_aws.iam import identity
from local_aws.workspaces_byol import FaultBudget


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
                    totals[metric["Name"]] += sum(values if isinstance(values, list) else [values])
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
        # Lambda runs one invocation per execution environment and reuses idle ones; each has
        # its own SDK clients (and their retry quota), as separate processes would.
        self._idle: dict[str, list[int]] = {}
        self._environments: Counter[str] = Counter()

    def current_function(self) -> str | None:
        """The function whose handler this thread runs: the identity its calls are made as."""
        caller = identity.current()
        return caller.session if caller is not None else None

    def arn(self, name: str) -> str:
        return f"arn:aws:lambda:{self.region}:{self.account_id}:function:{name}"

    def register(self, fn: LocalFunction) -> str:
        self.functions[fn.name] = fn
        return self.arn(fn.name)

    def invoke(
        self, function_name: str, body: Any, response_headers: dict[str, str]
    ) -> bytes | None:
        name = function_name.split(":")[6] if function_name.startswith("arn:") else function_name
        fn = self.functions.get(name)
        if fn is None:
            return None
        with self._lock:
            self.invocations[fn.key] += 1
        if isinstance(body, bytes):
            body = body.decode()
        event = json.loads(body) if body else {}
        crash = {
            "errorType": "Runtime.ExitError",
            "errorMessage": "Runtime exited with error: signal: killed (injected crash)",
        }
        if self.faults.take(self.faults.crash_before, fn.key):
            response_headers["x-amz-function-error"] = "Unhandled"
            return json.dumps(crash).encode()
        self.output.local.capturing = True
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
                result = fn.load()(
                    event, FakeLambdaContext(name, self.arn(name), fn.memory_mb, fn.timeout_seconds)
                )
        except Exception as exc:  # noqa: BLE001 - the Lambda runtime reports any exception
            from byol_import.errors import ByolImportError

            if not isinstance(exc, ByolImportError):
                with self._lock:
                    self.unhandled.append(f"{fn.key}: {type(exc).__name__}: {exc}")
            response_headers["x-amz-function-error"] = "Unhandled"
            return json.dumps(
                {
                    "errorType": type(exc).__name__,
                    "errorMessage": str(exc),
                    "stackTrace": traceback.format_exception(exc)[-5:],
                }
            ).encode()
        finally:
            self.output.local.capturing = False
            with self._lock:
                self._idle[name].append(env)
        if self.faults.take(self.faults.crash_after, fn.key):
            response_headers["x-amz-function-error"] = "Unhandled"
            return json.dumps(crash).encode()
        return json.dumps(result).encode()
