"""Task tokens (`.waitForTaskToken`) on the virtual clock, answered as AWS answers them.

moto waits for a task token's answer in wall time (`CallbackEndpoint.wait(timeout=...)`), so a
24-hour TimeoutSeconds would never pass in a test and time, meanwhile, would not move. Here the
waiting Task sleeps on the virtual clock until its TimeoutSeconds (or its HeartbeatSeconds
since the last heartbeat) and wakes at once when SendTaskSuccess, SendTaskFailure or
SendTaskHeartbeat arrives: the clock never jumps past a wait whose answer is already in.

What else differs from moto, each stricter and as the API reference documents it
(https://docs.aws.amazon.com/step-functions/latest/apireference/API_SendTaskSuccess.html):
- an answer to a task that is over (answered, timed out, its execution ended) is TaskTimedOut
  ("the task token has either expired or the task associated with the token has already been
  closed"); moto accepts a second answer, or says InvalidToken once the execution ended;
- SendTaskSuccess's output must be JSON (InvalidOutput), and fit 262144 bytes;
- SendTaskFailure keeps its `cause` (moto's response handler drops it);
- TimeoutSecondsPath / HeartbeatSecondsPath must select a positive integer, else States.Runtime
  (moto's check `not isinstance(x, int) and x <= 0` lets any integer through).
"""

from __future__ import annotations

import json
from typing import Any

from local_aws.clock import VirtualClock

_MAX_OUTPUT_BYTES = 262144


class TaskTokens:
    """The patches, installed through `Patches.task_token_callbacks` (one undo each)."""

    def __init__(self, clock: VirtualClock) -> None:
        self.clock = clock

    def patches(self) -> list[tuple[Any, str, Any]]:
        """(owner, attribute, replacement) for each piece of moto replaced."""
        from moto.stepfunctions.parser.asl.component.common.timeouts.heartbeat import (
            HeartbeatSecondsPath,
        )
        from moto.stepfunctions.parser.asl.component.common.timeouts.timeout import (
            TimeoutSecondsPath,
        )
        from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
            state_task_service_callback as callback_module,
        )
        from moto.stepfunctions.parser.models import StepFunctionsParserBackend
        from moto.stepfunctions.responses import StepFunctionResponse

        task = callback_module.StateTaskServiceCallback
        return [
            (task, "_eval_wait_for_task_token", self._wait_for_answer()),
            (StepFunctionsParserBackend, "send_task_success", self._send_success()),
            (StepFunctionsParserBackend, "send_task_failure", self._send_failure()),
            (StepFunctionsParserBackend, "send_task_heartbeat", self._send_heartbeat()),
            (StepFunctionResponse, "send_task_failure", _failure_with_cause),
            (TimeoutSecondsPath, "_eval_seconds", _positive(TimeoutSecondsPath._eval_seconds)),
            (
                HeartbeatSecondsPath,
                "_eval_seconds",
                _positive(HeartbeatSecondsPath._eval_seconds),
            ),
        ]

    def _wait_for_answer(self) -> Any:
        from moto.stepfunctions.parser.asl.eval.callback.callback import (
            CallbackOutcomeTimedOut,
            HeartbeatTimedOut,
        )

        clock = self.clock

        def wait(
            _self: Any,
            env: Any,
            timeout_seconds: int,
            callback_endpoint: Any,
            heartbeat_endpoint: Any,
        ) -> Any:
            """The whole TimeoutSeconds bounds the wait, heartbeats or not (AWS); each
            HeartbeatSeconds without a heartbeat ends it too."""
            answered, heartbeat = callback_endpoint._notify_event, heartbeat_endpoint
            beat = heartbeat._next_heartbeat_event if heartbeat is not None else None
            deadline = clock.now().timestamp() + timeout_seconds
            try:
                while env.is_running():
                    left = deadline - clock.now().timestamp()
                    if left <= 0:
                        return CallbackOutcomeTimedOut(callback_id=callback_endpoint.callback_id)
                    span = left if beat is None else min(left, heartbeat._heartbeat_seconds)
                    clock.sleep_until(
                        span,
                        lambda: (
                            answered.is_set()
                            or (beat is not None and beat.is_set())
                            or not env.is_running()
                        ),
                    )
                    if callback_endpoint.get_outcome() is not None:
                        return callback_endpoint.get_outcome()
                    if beat is not None and beat.is_set():
                        beat.clear()  # a heartbeat: the next HeartbeatSeconds start now
                        continue
                    if beat is not None and deadline - clock.now().timestamp() > 0:
                        return HeartbeatTimedOut()
                return None
            finally:
                callback_endpoint.byol_closed = True  # any later answer is TaskTimedOut

        return wait

    def _send_success(self) -> Any:
        from moto.stepfunctions.parser.asl.eval.callback.callback import CallbackOutcomeSuccess

        def send_task_success(backend: Any, task_token: str, outcome: str) -> None:
            try:
                json.loads(outcome)
            except (TypeError, ValueError):
                raise _error(
                    "InvalidOutput", "The provided JSON output data is not valid."
                ) from None
            if len(outcome.encode()) > _MAX_OUTPUT_BYTES:
                raise _error("InvalidOutput", f"The output exceeds {_MAX_OUTPUT_BYTES} bytes.")
            self._answer(backend, task_token, CallbackOutcomeSuccess(task_token, outcome))

        return send_task_success

    def _send_failure(self) -> Any:
        from moto.stepfunctions.parser.asl.eval.callback.callback import CallbackOutcomeFailure

        def send_task_failure(
            backend: Any, task_token: str, error: str | None = None, cause: str | None = None
        ) -> None:
            self._answer(backend, task_token, CallbackOutcomeFailure(task_token, error, cause))

        return send_task_failure

    def _send_heartbeat(self) -> Any:
        def send_task_heartbeat(backend: Any, task_token: str) -> None:
            endpoint = _open_endpoint(backend, task_token)
            endpoint.notify_heartbeat()
            self.clock.wake()

        return send_task_heartbeat

    def _answer(self, backend: Any, task_token: str, outcome: Any) -> None:
        endpoint = _open_endpoint(backend, task_token)
        endpoint.notify(outcome)
        self.clock.wake()  # the waiting Task sees its answer now, before time moves on


def _open_endpoint(backend: Any, task_token: str) -> Any:
    """The endpoint still waiting for this token; InvalidToken if no task ever had it,
    TaskTimedOut if its task is over."""
    for machine in backend.state_machines:
        for execution in machine.executions:
            worker = execution.exec_worker
            endpoint = worker.env.callback_pool_manager.get(task_token) if worker else None
            if endpoint is None:
                continue
            if getattr(endpoint, "byol_closed", False) or not worker.env.is_running():
                raise _error(
                    "TaskTimedOut",
                    "The task token has either expired or the task associated with the token "
                    "has already been closed.",
                )
            return endpoint
    raise _error("InvalidToken", "Invalid Token: Invalid token")


def _error(code: str, message: str) -> Exception:
    """An error moto serializes with its code (moto's own parser.api classes carry none)."""
    from moto.core.exceptions import AWSError

    return AWSError(message, exception_type=code, status=400)


def _failure_with_cause(response: Any) -> Any:
    from moto.core.responses import EmptyResult

    response.stepfunction_backend.send_task_failure(
        response._get_param("taskToken"),
        error=response._get_param("error"),
        cause=response._get_param("cause"),
    )
    return EmptyResult()


def _positive(original: Any) -> Any:
    from moto.stepfunctions.parser.api import ExecutionFailedEventDetails, HistoryEventType
    from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
        FailureEvent,
        FailureEventException,
    )
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import (
        StatesErrorName,
    )
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import (
        StatesErrorNameType,
    )
    from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails

    def eval_seconds(_self: Any, env: Any) -> int:
        try:
            seconds = original(_self, env)
        except (TypeError, ValueError):  # moto's own check, on a value it cannot compare
            seconds = None
        if isinstance(seconds, bool) or not isinstance(seconds, int) or seconds <= 0:
            error = StatesErrorNameType.StatesRuntime.to_name()
            cause = f"The value selected by the path must be a positive integer, got {seconds!r}"
            # As moto fails a path that selects nothing: the execution fails, uncaught.
            raise FailureEventException(
                FailureEvent(
                    env=env,
                    error_name=StatesErrorName(typ=StatesErrorNameType.StatesRuntime),
                    event_type=HistoryEventType.ExecutionFailed,
                    event_details=EventDetails(  # type: ignore[typeddict-item]
                        executionFailedEventDetails=ExecutionFailedEventDetails(
                            error=error, cause=cause
                        )
                    ),
                )
            )
        return seconds

    return eval_seconds
