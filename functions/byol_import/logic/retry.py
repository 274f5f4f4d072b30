"""The retry of a failed import: a new execution with the same input, under a deterministic name.
Pure."""

from __future__ import annotations

import hashlib
import json
import re
import shlex
from typing import Any, Final

MAX_EXECUTION_NAME: Final = 80
_RETRY_SUFFIX: Final = re.compile(r"^(?P<base>.+)-retry(?P<n>[0-9]+)$")


def retry_name(execution_name: str) -> str:
    """The name of the retry of an execution: deterministic, so the same retry command run twice
    starts one execution (the second gets ExecutionAlreadyExists); a retry's retry counts on.
    Valid for Step Functions: at most 80 of [a-zA-Z0-9-_]."""
    match = _RETRY_SUFFIX.fullmatch(execution_name)
    base, attempt = (match["base"], int(match["n"]) + 1) if match else (execution_name, 1)
    base = re.sub(r"[^a-zA-Z0-9_-]", "-", base) or "import"
    suffix = f"-retry{attempt}"
    if len(base) + len(suffix) > MAX_EXECUTION_NAME:
        digest = hashlib.sha256(base.encode()).hexdigest()[:8]
        base = f"{base[: MAX_EXECUTION_NAME - len(suffix) - 9]}-{digest}"
    return base + suffix


def retry_command(execution_arn: str, raw_input: Any) -> str | None:
    """The one action that resumes a failed import: a new execution with the same input. It skips
    what is done (BYOL enabled, our image imported or importing) and does the rest."""
    parts = execution_arn.split(":")
    if len(parts) < 8 or parts[5] != "execution" or raw_input is None:
        return None
    state_machine_arn = ":".join([*parts[:5], "stateMachine", parts[6]])
    return (
        "aws stepfunctions start-execution"
        f" --region {parts[3]}"
        f" --state-machine-arn {state_machine_arn}"
        f" --name {retry_name(parts[7])}"
        f" --input {shlex.quote(json.dumps(raw_input, separators=(',', ':')))}"
    )
