"""boto3 clients, created on first use and reused across warm invocations.

Nothing is created at import time; tests and the local runner call `reset()` to start afresh.
"""

from __future__ import annotations

import threading
from functools import cache
from typing import Any

import boto3
from botocore.config import Config

# The state machine's Retry owns backoff; the SDK makes a few quick tries of its own first.
_CONFIG = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=5,
                 read_timeout=20)
_lock = threading.Lock()


@cache
def _client(service: str) -> Any:
    return boto3.session.Session().client(service, config=_CONFIG)  # type: ignore[call-overload]


def client(service: str) -> Any:
    with _lock:
        return _client(service)


def reset() -> None:
    with _lock:
        _client.cache_clear()
