"""boto3 clients, created on first use and reused across warm invocations.

Nothing is created at import time; tests and the local runner call `reset()` to start afresh.
A client belongs to its execution environment (its SDK retry quota with it): Lambda runs one
invocation per environment; a local runner that runs several in one process names each one's
environment with `environment()`.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from contextvars import ContextVar
from functools import cache
from typing import Any

import boto3
from botocore.config import Config

_lock = threading.Lock()
_environment: ContextVar[str] = ContextVar("byol_import_environment", default="")


def _config() -> Config:
    # The state machine's Retry owns long backoff; the SDK makes a few quick tries first. Five,
    # not the SDK's default three: WorkSpaces allows about 2 calls per second per account, and a
    # step makes up to four in a row; with three, a throttled call still fails about 6% of the
    # time and the whole step is retried (its backoff stays under 1+2+4+8 s per call).
    attempts = int(os.environ.get("BYOL_SDK_MAX_ATTEMPTS", "5"))
    return Config(
        retries={"mode": "standard", "total_max_attempts": attempts},
        connect_timeout=5,
        read_timeout=20,
    )


@cache
def _client(service: str, environment: str, region: str | None) -> Any:
    return boto3.session.Session().client(service, region_name=region, config=_config())


def client(service: str, region: str | None = None) -> Any:
    """The service's client in the function's own Region, or in `region` (a copy is asked in
    the Region it goes to)."""
    with _lock:
        return _client(service, _environment.get(), region)


@contextlib.contextmanager
def environment(name: str) -> Iterator[None]:
    """Calls in this block use the clients of the named execution environment."""
    token = _environment.set(name)
    try:
        yield
    finally:
        _environment.reset(token)


def reset() -> None:
    with _lock:
        _client.cache_clear()
