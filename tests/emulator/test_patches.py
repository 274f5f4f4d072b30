"""The moto patches that make the embedded AWS behave as AWS where moto does not."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

from moto.stepfunctions.parser.asl.eval.environment import Environment
from moto.stepfunctions.parser.asl.eval.program_state import (
    ProgramError,
    ProgramRunning,
    ProgramStopped,
)

from local_aws.harness import LocalAws


def _environment(state: Any) -> Environment:
    # Only what set_error touches: the real constructor needs a whole execution.
    env = Environment.__new__(Environment)
    env.__dict__.update(
        _program_state=state,
        _state_mutex=threading.RLock(),
        _frames=[],
        program_state_event=threading.Event(),
    )
    return env


def test_a_stopped_execution_stays_aborted_when_a_task_fails_afterwards(aws: LocalAws) -> None:
    # Given an execution a person stopped while one of its tasks was still running
    env = _environment(ProgramStopped(stop_date=datetime.now(UTC), cause="stopped", error="x"))
    # When that task's aftermath reports an error (moto: "pop from empty list")
    env.set_error({"error": "Exception", "cause": "pop from empty list"})
    # Then the execution stays ABORTED, as StopExecution leaves it in AWS
    assert isinstance(env.program_state(), ProgramStopped)


def test_a_running_execution_still_fails_on_an_error(aws: LocalAws) -> None:
    env = _environment(ProgramRunning())
    env.set_error({"error": "States.TaskFailed", "cause": "boom"})
    assert isinstance(env.program_state(), ProgramError)
