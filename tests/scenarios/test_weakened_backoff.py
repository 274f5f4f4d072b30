"""The throttling has teeth: the concurrency scenario (5 AMIs tagged at once, BYOL disabled)
fails once the workflow's backoff is taken away. With the real backoff the same load succeeds:
tests/reliability/test_reliability.py runs that very scenario (`make reliability` tags 20)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from local_aws import reliability
from stacks import config as project_config

pytestmark = pytest.mark.scenario

_real_template = project_config.asl_template


def _without_backoff() -> str:
    """A test copy of the deployed ASL whose TransientAwsError Retry has no backoff: one quick
    retry a second later, no growth, no jitter."""
    definition = json.loads(_real_template())

    def weaken(node: Any) -> None:
        if isinstance(node, dict):
            for retrier in node.get("Retry", []):
                if retrier.get("ErrorEquals") == ["TransientAwsError"]:
                    retrier.update(IntervalSeconds=1, BackoffRate=1.0, MaxAttempts=1)
                    retrier.pop("JitterStrategy", None)
                    retrier.pop("MaxDelaySeconds", None)
            for value in node.values():
                weaken(value)

    weaken(definition)
    return json.dumps(definition)


def test_without_backoff_the_concurrent_imports_fail(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given the SDK retries off and the state machine's TransientAwsError retry without backoff
    monkeypatch.setenv("BYOL_SDK_MAX_ATTEMPTS", "1")
    monkeypatch.setattr(project_config, "asl_template", _without_backoff)
    # When 5 AMIs are tagged at once on an account with BYOL disabled
    row = reliability.concurrency(5)
    # Then AWS's throttling breaks imports: they end FAILED with the throttling error
    assert "TransientAwsError" in row.outcome, row.outcome
    assert any("ended FAILED TransientAwsError" in rule for rule in row.broken), row.broken
