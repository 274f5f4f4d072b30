"""People acting on the account in virtual time: an operator who answers an approval an hour
after its email arrives, or who never answers.

A person is a participant of the virtual clock, in a thread of their own: while they wait,
time moves on for the executions; when their moment comes, time waits for them to act (their
calls are made then, at that virtual time). The harness's own thread cannot do this: it is
outside the clock, so a Task waiting 24 hours for an answer would time out at once. For the
same reason, arrange people before starting the work they answer (or under `clock.hold()`): an
execution started first and waiting alone on the clock reaches its timeout before they exist.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from local_aws.clock import VirtualClock


@dataclass
class Act:
    """One scheduled action and what came of it."""

    name: str
    done: threading.Event = field(default_factory=threading.Event)
    result: Any = None
    error: BaseException | None = None
    cancelled: bool = False

    def wait(self, timeout_seconds: float = 60) -> Any:
        """The action's result (wall-time bound); its exception if it raised."""
        if not self.done.wait(timeout_seconds):
            raise TimeoutError(f"{self.name} has not acted within {timeout_seconds}s wall time")
        if self.error is not None:
            raise self.error
        return self.result


class People:
    def __init__(self, clock: VirtualClock) -> None:
        self.clock = clock
        self.acts: list[Act] = []
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []

    def after(self, seconds: float, action: Callable[[], Any], name: str = "person") -> Act:
        """`action` runs `seconds` of virtual time from now."""
        return self.when(None, action, delay_seconds=seconds, name=name)

    def when(
        self,
        ready: Callable[[], bool] | None,
        action: Callable[[], Any],
        *,
        delay_seconds: float = 0,
        name: str = "person",
    ) -> Act:
        """`action` runs `delay_seconds` after `ready()` first holds (at once if `ready` is
        None). `ready` is called under the clock's lock: quick, and no lock of its own."""
        act = Act(name)
        self.acts.append(act)
        self.clock.participant_started()  # before the thread runs: time waits for it

        def live() -> None:
            try:
                if ready is not None:
                    self.clock.sleep_until(None, lambda: ready() or self._stopping.is_set())
                if delay_seconds > 0 and not self._stopping.is_set():
                    self.clock.sleep_until(delay_seconds, self._stopping.is_set)
                if self._stopping.is_set():
                    act.cancelled = True
                    return
                act.result = action()
            except BaseException as exc:  # noqa: BLE001 - kept for the test to see
                act.error = exc
            finally:
                act.done.set()
                self.clock.participant_finished()

        thread = threading.Thread(target=live, name=f"person:{name}", daemon=True)
        self._threads.append(thread)
        thread.start()
        return act

    def stop(self, timeout_seconds: float = 5) -> None:
        """Everyone still waiting gives up (the run is over)."""
        self._stopping.set()
        self.clock.wake()
        for thread in self._threads:
            thread.join(timeout_seconds)
