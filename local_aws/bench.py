"""`make bench`: the project's speed figures, measured here and now, next to their targets.

A report, not a gate: it exits 0 whatever it measures, unless `--check` asks it to fail when a
target is missed. `--suite` also times the whole pytest run (minutes).
Its parts: the report table (bench_report.py), the figures measured in other processes, cold
starts and the suite (bench_processes.py); the runs on the embedded AWS are here.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from local_aws.bench_processes import (
    HANDLERS,
    ROOT,
    cold_start_figures,
    import_seconds,
    lambda_environment,
    pytest_summary,
    suite_figure,
)
from local_aws.bench_report import Figure, exit_code, format_table
from local_aws.harness import LocalAws, Timings, unattended

HOUR = 3600.0
# Task results in a history: a Lambda task's, or an SDK integration's.
RESULT_EVENTS = ("LambdaFunctionSucceeded", "TaskSucceeded")
MODIFICATION_DONE = ('"COMPLETED"', '"ENABLED"')
IMAGE_DONE = ('"AVAILABLE"',)
# What moved to bench_report.py and bench_processes.py, still importable from here.
__all__ = [
    "HANDLERS",
    "ROOT",
    "Figure",
    "cold_start_figures",
    "exit_code",
    "format_table",
    "import_seconds",
    "lambda_environment",
    "pytest_summary",
    "suite_figure",
]


def detection_lag(
    events: Iterable[Mapping[str, Any]], done_at: datetime, markers: Sequence[str]
) -> float | None:
    """Seconds from `done_at` to the first task result at or after it that shows one of
    `markers` (the poll that noticed); None if no poll ever did."""
    for event in sorted(events, key=lambda e: e["timestamp"]):
        if event["type"] not in RESULT_EVENTS or event["timestamp"] < done_at:
            continue
        details: Mapping[str, Any] = next(
            (v for k, v in event.items() if k.endswith("EventDetails")), {}
        )
        output = str(details.get("output") or "")
        if any(marker in output for marker in markers):
            return float((event["timestamp"] - done_at).total_seconds())
    return None


def calls_between(stamps: Iterable[datetime], start: datetime, end: datetime) -> int:
    return sum(1 for at in stamps if start <= at <= end)


def fixed_timings(modification_seconds: float, import_seconds: float) -> Timings:
    """These durations exactly: any lag or jitter the emulator may model is turned off."""
    values: dict[str, Any] = {}
    for f in dataclasses.fields(Timings):
        if f.name == "modification_seconds":
            values[f.name] = modification_seconds
        elif f.name == "import_seconds":
            values[f.name] = import_seconds
        elif (
            any(w in f.name for w in ("lag", "jitter", "delay", "propagation", "skew"))
            and f.default is not dataclasses.MISSING
        ):
            values[f.name] = type(f.default)()  # 0, 0.0, False or () of the field's type
    return Timings(**values)


def _ok(value: float | None, limit: float) -> bool:
    return value is not None and value <= limit


def _secs(value: float | None) -> str:
    return "never seen" if value is None else f"{value:,.0f} s"


# -- runs on the embedded AWS ---------------------------------------------------------------------
@dataclass
class Run:
    wall: float
    virtual: float
    succeeded: int
    executions: int
    transitions: int
    workspaces_calls: int
    modification_lag: float | None
    image_lag: float | None
    window_calls: int


def run_import(amis: int = 1, timings: Timings | None = None) -> Run:
    """Tag `amis` AMIs at once; time only the run (tagging to the last execution's end)."""
    with (
        LocalAws(config=unattended(), timings=timings)
        if timings
        else LocalAws(config=unattended()) as aws
    ):
        ami_ids = [aws.create_windows_ami(name=f"Windows-11-Bench-{i}") for i in range(amis)]
        virtual_start, wall_start = aws.clock.now(), time.perf_counter()
        aws.tag_ami(ami_ids)
        aws.deliver_events()
        aws.wait_for_executions(timeout_seconds=1800)
        wall = time.perf_counter() - wall_start
        virtual = (aws.clock.now() - virtual_start).total_seconds()
        results = aws.results()
        workspaces_calls = sum(aws.calls.count("workspaces").values())
        # Each recorded call carries its virtual time (CallLog.calls of ApiCall).
        log = [(c.operation, c.at) for c in aws.calls.calls if c.service == "workspaces"]
        modified = next((at for op, at in log if op == "ModifyAccount"), None)
        imported = next((at for op, at in log if op == "ImportWorkspaceImage"), None)
        effective = timings or Timings()
        mod_done = (
            modified + timedelta(seconds=effective.modification_seconds) if modified else None
        )
        image_done = imported + timedelta(seconds=effective.import_seconds) if imported else None
        window = (
            calls_between((at for _, at in log), modified, mod_done) if modified and mod_done else 0
        )
        mod_lag = image_lag = None
        if results:
            history = list(_history(aws, results[0].arn))
            mod_lag = detection_lag(history, mod_done, MODIFICATION_DONE) if mod_done else None
            image_lag = detection_lag(history, image_done, IMAGE_DONE) if image_done else None
        return Run(
            wall=wall,
            virtual=virtual,
            succeeded=sum(r.status == "SUCCEEDED" for r in results),
            executions=len(results),
            transitions=sum(r.transitions for r in results),
            workspaces_calls=workspaces_calls,
            modification_lag=mod_lag,
            image_lag=image_lag,
            window_calls=window,
        )


def _history(aws: LocalAws, arn: str) -> Iterable[dict[str, Any]]:
    paginator = aws.client("stepfunctions").get_paginator("get_execution_history")
    for page in paginator.paginate(executionArn=arn):
        yield from page["events"]


def _outcome(run: Run) -> str:
    return (
        ""
        if run.succeeded == run.executions > 0
        else f" ({run.succeeded}/{run.executions} SUCCEEDED)"
    )


def demo_figures() -> list[Figure]:
    run = run_import()
    speed = run.virtual / max(run.wall, 1e-9)
    return [
        Figure(
            "demo speed: virtual s per wall s (BYOL disabled)",
            f"{speed:,.0f} ({run.virtual / HOUR:.1f} h in {run.wall:.1f} s){_outcome(run)}",
            ">= 10,000",
            speed >= 10_000 and not _outcome(run),
        )
    ]


def lag_figures(single: Run, shifted: Run) -> list[Figure]:
    figures: list[Figure] = []
    for run, label in ((single, "4 h / 2 h"), (shifted, "4 h + 1 s / 2 h + 1 s")):
        figures += [
            Figure(
                f"lag: modification done -> noticed ({label})",
                _secs(run.modification_lag) + _outcome(run),
                "<= 120 s",
                _ok(run.modification_lag, 120),
            ),
            Figure(
                f"lag: image AVAILABLE -> noticed ({label})",
                _secs(run.image_lag) + _outcome(run),
                "<= 120 s",
                _ok(run.image_lag, 120),
            ),
        ]
    return [
        *figures,
        Figure(
            "run: state transitions (4 h / 2 h)",
            f"{single.transitions}",
            "<= 603",
            single.transitions <= 603,
        ),
        Figure(
            "run: WorkSpaces calls (4 h / 2 h)",
            f"{single.workspaces_calls}",
            "<= 202",
            single.workspaces_calls <= 202,
        ),
    ]


def fleet_figure(single: Run, fleet: Run) -> Figure:
    ratio = fleet.window_calls / single.window_calls if single.window_calls else None
    shown = "n/a" if ratio is None else f"{ratio:,.2f}"
    return Figure(
        "fleet: WorkSpaces calls in enablement, 20 imports / 1",
        f"{shown} ({fleet.window_calls} / {single.window_calls}){_outcome(fleet)}",
        "<= 1.5",
        _ok(ratio, 1.5),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--suite", action="store_true", help="also time the whole pytest run")
    parser.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    parser.add_argument("--json", action="store_true", help="the figures as JSON, not a table")
    args = parser.parse_args(argv)
    print(f"byol-import bench on {os.cpu_count()} CPU core(s) ...", file=sys.stderr, flush=True)
    figures = [suite_figure(args.suite), *demo_figures()]
    single = run_import(timings=fixed_timings(4 * HOUR, 2 * HOUR))
    shifted = run_import(timings=fixed_timings(4 * HOUR + 1, 2 * HOUR + 1))
    fleet = run_import(amis=20, timings=fixed_timings(4 * HOUR, 2 * HOUR))
    figures += [*lag_figures(single, shifted), fleet_figure(single, fleet), *cold_start_figures()]
    if args.json:
        print(json.dumps([dataclasses.asdict(f) for f in figures], indent=2))
    else:
        print(format_table(figures))
    missed = [f.name for f in figures if f.ok is False]
    if missed:
        print(f"{len(missed)} target(s) missed", file=sys.stderr)
    return exit_code(figures, args.check)


if __name__ == "__main__":
    sys.exit(main())
