"""Shared test set-up: no real AWS, no network, fake credentials, Powertools quiet; the quick
timing profile; one parse of botocore's service models per process; the longest tests first."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from local_aws import speedups

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
        # LocalAws() draws Timings.quick(): realistic lags, short durations (a test that needs
        # the documented ranges passes Timings.realistic(); `make reliability` and the demo run it)
        "LOCAL_AWS_TIMINGS": "quick",
    }
)

# The X-Ray SDK opens a UDP socket (it sends nothing) when Powertools' Tracer first imports it;
# import it here, before pytest-socket blocks sockets for each test.
import aws_xray_sdk.core  # noqa: F401

# moto gives every mock a fresh boto3 session, whose loader would parse the service models' JSON
# again (over a second per mock): the whole test process shares one, as LocalAws does.
speedups.sdk_models_loaded_once(setattr)

DATA = Path(__file__).parent / "data"

# Slowest first, so that the workers (pytest-xdist, --dist worksteal) end together.
_FIRST = ("tests/reliability/", "tests/scenarios/", "tests/infra/")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        path = item.nodeid
        return next((i for i, p in enumerate(_FIRST) if path.startswith(p)), len(_FIRST))

    items.sort(key=rank)


def load_event(name: str) -> dict[str, Any]:
    return dict(json.loads((DATA / "events" / name).read_text()))


@pytest.fixture
def cloudtrail_event() -> dict[str, Any]:
    return load_event("cloudtrail-createtags.json")


@pytest.fixture
def ami_state_event() -> dict[str, Any]:
    return load_event("ami-state-change.json")


@pytest.fixture
def image_builder_event() -> dict[str, Any]:
    return load_event("image-builder-state-change.json")
