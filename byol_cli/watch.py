"""Following imports as they go (`watch`) and retrying a failed one (`retry`)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

from byol_cli import render
from byol_cli.gateway import CliError, Gateway
from byol_cli.status import ImportStatus, collect
from byol_import.errors import InvalidRequest
from byol_import.logic.retry import retry_name
from stacks.config import ProjectConfig


def _line(row: ImportStatus) -> str:
    since = row.since.strftime("%Y-%m-%d %H:%M") if row.since else "-"
    expected = row.expected.text()
    tail = f"; expected {expected}" if expected != "-" else ""
    problem = f"; {row.error}: {row.cause}" if row.error else ""
    return f"{row.ami}  {row.phase:<18} since {since}{tail}{problem}"


def watch_until_done(
    gateway: Gateway,
    config: ProjectConfig,
    ami: str | None,
    interval: float,
    sleep: Callable[[float], None] = time.sleep,
) -> list[str]:
    """Print one line per phase change of each import, until none of them runs."""
    seen: dict[str, str] = {}
    lines: list[str] = []
    while True:
        rows = collect(gateway, config, ami)
        for row in rows:
            key = f"{row.execution_arn}:{row.phase}"
            if seen.get(row.ami) != key:
                seen[row.ami] = key
                lines.append(_line(row))
                render.say(lines[-1])
        if not any(r.execution_status == "RUNNING" for r in rows):
            render.say("No import is running.")
            return lines
        sleep(interval)


def retry(gateway: Gateway, config: ProjectConfig, ami: str) -> str:
    """The retry the failure notification gives: the failed execution's input, under its
    deterministic retry name (run twice, it starts one)."""
    rows = collect(gateway, config, ami)
    if not rows:
        raise CliError(f"no execution names {ami}: start it instead")
    latest = rows[0]
    if latest.execution_status in ("RUNNING", "SUCCEEDED"):
        raise CliError(f"the newest import of {ami} is {latest.execution_status}: nothing to retry")
    if latest.error == InvalidRequest.__name__:
        raise CliError(f"{ami} failed on its input ({latest.cause}): fix it and start again")
    described = gateway.describe(latest.execution_arn)
    payload = json.loads(str(described.get("input") or "null"))
    return gateway.start_execution(retry_name(str(described["name"])), payload)
