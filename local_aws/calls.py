"""The log of every API request the embedded AWS received, served or throttled."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


def operation_of(request: Any) -> str:
    """The operation of a moto request (its response object), worked out once per request:
    moto routes a REST request (Lambda's Invoke) by matching its URL against every route, and
    each step of the pipeline asks."""
    memo = request.__dict__
    served = memo.get("normalized_request")  # moto makes a response object per request
    known = memo.get("_local_aws_operation")
    if known is None or known[0] is not served:
        known = memo["_local_aws_operation"] = (served, request._get_action())
    operation: str = known[1]
    return operation


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
            return Counter(
                c.operation if service else f"{c.service}:{c.operation}"
                for c in self.calls
                if (service is None or c.service == service) and not (served and c.throttled)
            )

    def throttled(self, service: str | None = None) -> Counter[str]:
        with self.lock:
            return Counter(
                c.operation
                for c in self.calls
                if c.throttled and (service is None or c.service == service)
            )

    def operations(self, service: str) -> list[str]:
        with self.lock:
            return [c.operation for c in self.calls if c.service == service]
