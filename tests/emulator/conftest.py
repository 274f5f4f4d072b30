from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from local_aws.harness import LocalAws
from local_aws.workspaces_byol import Faults, Timings
from tests.api_patterns import attach


@pytest.fixture
def faults() -> Faults:
    return Faults()


@pytest.fixture
def aws(faults: Faults) -> Iterator[LocalAws]:
    with LocalAws(faults=faults, timings=Timings()) as env:
        yield env


@pytest.fixture
def ws(aws: LocalAws) -> Any:
    client = aws.client("workspaces")
    return client


@pytest.fixture
def checked_ws(aws: LocalAws) -> Any:
    client = aws.client("workspaces")
    attach(client)
    return client
