"""The narrow extensions the embedded AWS makes to moto, each installed and removed as one piece.

Each method of `Patches` installs one patch and says which gap of moto it closes.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from local_aws import speedups
from local_aws.callbacks import TaskTokens
from local_aws.calls import CallLog
from local_aws.clock import VirtualClock
from local_aws.event_patterns import flatten_like_eventbridge
from local_aws.lambda_runtime import LocalLambdaRuntime
from local_aws.pipeline import RequestPipeline
from local_aws.throttling import TokenBuckets
from local_aws.workspaces_byol import Faults

if TYPE_CHECKING:
    from local_aws.cloudtrail import CloudTrail
    from local_aws.iam.enforcer import IamEnforcer


class Patches:
    """Install every patch; `remove()` restores moto exactly."""

    def __init__(
        self,
        clock: VirtualClock,
        lambdas: LocalLambdaRuntime,
        faults: Faults,
        calls: CallLog,
        on_state: Callable[[str, str, datetime], None] | None = None,
        buckets: TokenBuckets | None = None,
        cloudtrail: CloudTrail | None = None,
    ) -> None:
        self.on_state = on_state
        self.clock = clock
        self.lambdas = lambdas
        self.pipeline = RequestPipeline(clock, faults, calls, buckets, cloudtrail)
        self._undo: list[Callable[[], None]] = []

    @property
    def iam(self) -> IamEnforcer | None:
        return self.pipeline.iam

    @iam.setter
    def iam(self, enforcer: IamEnforcer | None) -> None:
        self.pipeline.iam = enforcer

    def _set(self, owner: Any, name: str, value: Any) -> None:
        had = name in vars(owner)
        old = vars(owner).get(name)
        setattr(owner, name, value)
        self._undo.append(lambda: setattr(owner, name, old) if had else delattr(owner, name))

    def install(self) -> None:
        self.virtual_waits()
        self.virtual_backoff()
        self.executions_on_the_clock()
        self.iso_start_time()
        self.in_process_lambda()
        self.handler_logs()
        self.eventbridge_arrays()
        self.ami_block_devices()
        self.request_pipeline()
        self.history_clock()
        self.abort_semantics()
        self.asl_parsed_once()
        speedups.install(self._set)
        self.task_token_callbacks()

    def remove(self) -> None:
        while self._undo:
            self._undo.pop()()

    def virtual_waits(self) -> None:
        """moto's Wait states sleep in wall time; here they sleep on the virtual clock."""
        from moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function import (
            WaitFunction,
        )

        clock = self.clock

        def wait_interval(_self: Any, env: Any, wait_seconds: int) -> None:
            clock.sleep(wait_seconds)

        self._set(WaitFunction, "_wait_interval", wait_interval)

    def virtual_backoff(self) -> None:
        """moto's Retry intervals and the SDK's own retry backoff sleep in wall time; here on the
        virtual clock."""
        import botocore.endpoint
        from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl

        virtual_time = _VirtualTimeModule(self.clock)
        self._set(retrier_decl, "time", virtual_time)
        self._set(botocore.endpoint, "time", virtual_time)

    def executions_on_the_clock(self) -> None:
        """moto runs each execution in a thread the clock knows nothing of; here each one is a
        participant, so virtual time advances only when every execution waits."""
        from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

        clock = self.clock
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

        self._set(ExecutionWorker, "start", start)
        self._set(ExecutionWorker, "_execution_logic", execution_logic)

    def iso_start_time(self) -> None:
        """moto passes $$.Execution.StartTime as a datetime; AWS gives an ISO 8601 string."""
        from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

        original = ExecutionWorker._get_evaluation_environment

        def evaluation_environment(_self: Any) -> Any:
            env = original(_self)
            execution = env.states.context_object.context_object_data["Execution"]
            start_time = execution.get("StartTime")
            if isinstance(start_time, datetime):
                execution["StartTime"] = start_time.isoformat().replace("+00:00", "Z")
            return env

        self._set(ExecutionWorker, "_get_evaluation_environment", evaluation_environment)

    def in_process_lambda(self) -> None:
        """moto's simple Lambda backend echoes the payload; here an invoke runs our handler."""
        from moto.awslambda_simple.models import LambdaSimpleBackend

        lambdas = self.lambdas

        def invoke(
            _self: Any,
            function_name: str,
            qualifier: str | None,
            body: Any,
            headers: Any,
            response_headers: Any,
        ) -> bytes | None:
            return lambdas.invoke(function_name, body, response_headers)

        self._set(LambdaSimpleBackend, "invoke", invoke)

    def handler_logs(self) -> None:
        """What a handler prints (Powertools logs, EMF metrics) goes to its own log, as in
        CloudWatch Logs, which moto does not fill from a function's output."""
        self.lambdas.output.passthrough = sys.stdout
        self._set(sys, "stdout", self.lambdas.output)

    def eventbridge_arrays(self) -> None:
        """moto matches a pattern field against an array of objects as a whole; EventBridge
        matches it against every element (local_aws/event_patterns.py)."""
        from moto.events.models import EventPattern

        self._set(EventPattern, "_flatten_dict", staticmethod(flatten_like_eventbridge))

    def ami_block_devices(self) -> None:
        """moto reports one fixed 15 GB unencrypted volume per AMI; here an AMI carries its own
        (create_windows_ami sets them)."""
        from moto.ec2.models.amis import Ami

        original_devices = Ami.block_device_mappings

        def block_device_mappings(ami: Any) -> Any:
            own = getattr(ami, "byol_block_devices", None)
            return own if own is not None else original_devices.fget(ami)  # type: ignore[attr-defined]

        self._set(Ami, "block_device_mappings", property(block_device_mappings))

    def request_pipeline(self) -> None:
        """moto serves every request at once and concurrently; AWS throttles, authorizes, applies
        atomically and records in CloudTrail (local_aws/pipeline.py), and faults are injected
        there."""
        from moto.core.responses import BaseResponse

        pipeline, original = self.pipeline, BaseResponse.call_action

        def call_action(_self: Any) -> Any:
            return pipeline(_self, original)

        self._set(BaseResponse, "call_action", call_action)

    def history_clock(self) -> None:
        """moto stamps execution history in wall time; here in virtual time, and each state
        entered is reported to `on_state`."""
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

    def abort_semantics(self) -> None:
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

    def asl_parsed_once(self) -> None:
        """moto parses the ASL with its pure-Python ANTLR parser at every CreateStateMachine and
        every execution start (about a second of CPU each); AWS parses a definition once. The
        syntax tree is kept per definition text; each execution still builds its own evaluation
        components from it (they hold per-run state, such as retry counters)."""
        from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser
        from moto.stepfunctions.parser.asl.parse.preprocessor import Preprocessor

        original = AmazonStateLanguageParser.parse

        def parse(definition: str) -> tuple[Any, Any]:
            tree = _PARSED.get(definition)
            if tree is None:
                program, tree = original(definition)  # a syntax error raises, never cached
                if len(_PARSED) >= 8:
                    _PARSED.pop(next(iter(_PARSED)))
                _PARSED[definition] = tree
                return program, tree
            return Preprocessor().visit(tree), tree

        self._set(AmazonStateLanguageParser, "parse", staticmethod(parse))

    def task_token_callbacks(self) -> None:
        """moto waits for a task token's answer in wall time; here a `.waitForTaskToken` Task
        sleeps on the virtual clock until its TimeoutSeconds and wakes when SendTaskSuccess or
        SendTaskFailure arrives, and late or malformed answers get AWS's errors
        (local_aws/callbacks.py)."""
        for owner, name, value in TaskTokens(self.clock).patches():
            self._set(owner, name, value)


# Definition text -> its ANTLR syntax tree (read-only once built), across LocalAws instances.
_PARSED: dict[str, Any] = {}


class _VirtualTimeModule:
    """The `time` module, but `sleep` waits on the virtual clock."""

    def __init__(self, clock: VirtualClock) -> None:
        self.sleep = clock.sleep

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)
