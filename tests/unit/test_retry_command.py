"""The retry a failure notification offers: one deterministic, copy-pasteable command."""

from __future__ import annotations

import json
import re
import shlex

from byol_import import steps

ARN = "arn:aws:states:eu-west-1:123456789012:execution:ByolImport-Workflow:ami-0abc12345-1a2b3c4d"


def test_the_retry_name_is_deterministic_valid_and_counts_on() -> None:
    assert steps.retry_name("ami-0abc12345-1a2b3c4d") == "ami-0abc12345-1a2b3c4d-retry1"
    assert steps.retry_name("ami-0abc12345-1a2b3c4d-retry1") == "ami-0abc12345-1a2b3c4d-retry2"
    for name in ("x" * 80, "y" * 76 + "-retry9", "a.b:c"):
        retry = steps.retry_name(name)
        assert retry == steps.retry_name(name)
        assert re.fullmatch(r"[a-zA-Z0-9_-]{1,80}", retry), retry
    assert steps.retry_name("x" * 80) != steps.retry_name("x" * 79 + "z")


def test_the_retry_command_starts_the_same_input_on_the_same_state_machine() -> None:
    raw = {"ImageId": "ami-0abc12345", "Tags": {"owner": "it's me"}}
    words = shlex.split(str(steps.retry_command(ARN, raw)))
    options = dict(zip(words[3::2], words[4::2], strict=True))
    assert options["--state-machine-arn"] == (
        "arn:aws:states:eu-west-1:123456789012:stateMachine:ByolImport-Workflow"
    )
    assert options["--name"] == "ami-0abc12345-1a2b3c4d-retry1"
    assert json.loads(options["--input"]) == raw


def test_no_command_without_an_execution_or_an_input() -> None:
    assert steps.retry_command("", {"ImageId": "ami-0abc12345"}) is None
    assert steps.retry_command(ARN, None) is None
