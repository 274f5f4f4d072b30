"""A virtual clock for the embedded AWS: hours of waiting pass in no wall time.

Step Functions Wait states and Retry intervals call `sleep`. Time moves on only when every running
execution is asleep; it then jumps to the earliest wake-up. That is a discrete-event simulation:
concurrent executions see one consistent timeline, and nothing ever sleeps in wall time.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

# How often a sleeper re-checks in wall time, in case it missed a notification.
_RECHECK_SECONDS = 0.05


class VirtualClock:
    def __init__(self, start: datetime | None = None) -> None:
        self._start = start or datetime.now(UTC).replace(microsecond=0)
        self._now = self._start
        self._cond = threading.Condition()
        self._sleepers: list[tuple[datetime, int]] = []
        # Sleepers that wake early when their condition holds (a task token answered): time
        # must not jump past one whose condition already holds but which has not noticed yet.
        self._conditions: dict[int, Callable[[], bool]] = {}
        self._ids = itertools.count()
        self._active = 0
        self._asleep = 0
        self._finished = 0  # participants that finished, ever (wait_while_busy)
        self._local = threading.local()
        self.total_sleep_requested = 0.0

    @property
    def start(self) -> datetime:
        return self._start

    def now(self) -> datetime:
        with self._cond:
            return self._now

    def elapsed(self) -> timedelta:
        return self.now() - self._start

    def advance(self, seconds: float) -> None:
        """Move time on by hand (for tests of the emulator outside a workflow)."""
        with self._cond:
            self._now += timedelta(seconds=seconds)
            self._cond.notify_all()

    def participant_started(self) -> None:
        with self._cond:
            self._active += 1

    @contextlib.contextmanager
    def external(self) -> Iterator[None]:
        """Mark the calling thread as outside every execution (the harness delivering events).

        Threads of executions (the program, its Task threads) count as asleep when they sleep;
        an outside thread that sleeps must also count as busy, or time would jump ahead of the
        executions that are working.
        """
        previous = getattr(self._local, "external", False)
        self._local.external = True
        try:
            yield
        finally:
            self._local.external = previous

    def participant_finished(self) -> None:
        with self._cond:
            self._active -= 1
            self._finished += 1
            self._maybe_advance()
            self._cond.notify_all()  # wakes wait_while_busy at once

    def wait_while_busy(self, timeout: float) -> bool:
        """Block (in wall time) until a participant finishes, or `timeout` seconds pass; False at
        once, without waiting, if there is none. For an outside thread waiting for executions to
        end: woken as each one ends, not at its next poll."""
        with self._cond:
            if self._active <= 0:
                return False
            finished = self._finished
            self._cond.wait_for(lambda: self._finished != finished, timeout)
            return True

    @contextlib.contextmanager
    def hold(self) -> Iterator[None]:
        """Keep time still while the caller arranges something (as a busy participant would)."""
        self.participant_started()
        self._local.holds = getattr(self._local, "holds", 0) + 1
        try:
            yield
        finally:
            self._local.holds -= 1
            self.participant_finished()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self.sleep_until(seconds)

    def wake(self) -> None:
        """Let sleepers re-check their conditions now (something they wait for happened)."""
        with self._cond:
            self._cond.notify_all()

    def sleep_until(self, seconds: float | None, ready: Callable[[], bool] | None = None) -> bool:
        """Sleep `seconds` of virtual time, or until `ready()` holds; True if `ready` ended it.
        With `seconds` None the sleeper sets no wake-up of its own: time moves on only for the
        others, and it wakes when `ready` holds (a person waiting for an email). `ready` is
        also called under the clock's lock: it must be quick and take no lock of its own that a
        caller of the clock may hold."""
        if seconds is None and ready is None:
            raise ValueError("an untimed sleep needs a condition to wake on")
        if getattr(self._local, "external", False):
            # An outside thread that sleeps (an SDK backoff) is busy once, not once per hold it
            # keeps: a holder waiting for time to pass must not stop time.
            holds = getattr(self._local, "holds", 0)
            with self._cond:
                self._active -= holds
            self._local.external, self._local.holds = False, 0
            try:
                with self.hold():
                    return self.sleep_until(seconds, ready)
            finally:
                self._local.external, self._local.holds = True, holds
                with self._cond:
                    self._active += holds
        with self._cond:
            sid = next(self._ids)
            entry: tuple[datetime, int] | None = None
            if seconds is not None:
                self.total_sleep_requested += seconds
                entry = (self._now + timedelta(seconds=seconds), sid)
                heapq.heappush(self._sleepers, entry)
            if ready is not None:
                self._conditions[sid] = ready
            self._asleep += 1
            try:
                while entry is None or self._now < entry[0]:
                    if ready is not None and ready():
                        return True
                    self._maybe_advance()
                    if entry is not None and self._now >= entry[0]:
                        break
                    self._cond.wait(_RECHECK_SECONDS)
                return False
            finally:
                self._asleep -= 1
                self._conditions.pop(sid, None)
                if entry is not None:
                    self._sleepers.remove(entry)
                    heapq.heapify(self._sleepers)

    def _maybe_advance(self) -> None:
        # Only when nobody is doing work may time jump: work in progress happens "now".
        if self._sleepers and self._asleep >= self._active:
            if any(ready() for ready in self._conditions.values()):
                self._cond.notify_all()  # that sleeper is awake in all but name
                return
            earliest = self._sleepers[0][0]
            if earliest > self._now:
                self._now = earliest
            self._cond.notify_all()
