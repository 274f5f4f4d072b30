"""Shared test set-up: no real AWS, no network, fake credentials, Powertools quiet."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "eu-west-1",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
        "POWERTOOLS_METRICS_NAMESPACE": "ByolImport",
        "POWERTOOLS_SERVICE_NAME": "byol-import",
    }
)

# The X-Ray SDK opens a UDP socket (it sends nothing) when Powertools' Tracer first imports it;
# import it here, before pytest-socket blocks sockets for each test.
import aws_xray_sdk.core  # noqa: F401

DATA = Path(__file__).parent / "data"


def load_event(name: str) -> dict[str, Any]:
    return dict(json.loads((DATA / "events" / name).read_text()))


@pytest.fixture
def cloudtrail_event() -> dict[str, Any]:
    return load_event("cloudtrail-createtags.json")


@pytest.fixture
def ami_state_event() -> dict[str, Any]:
    return load_event("ami-state-change.json")
