"""`make bench`: the project's speed figures, measured here and now, next to their targets.

A report, not a gate: it exits 0 whatever it measures, unless `--check` asks it to fail when a
target is missed. `--suite` also times the whole pytest run (minutes).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from local_aws.harness import LocalAws, Timings

ROOT = Path(__file__).resolve().parent.parent
HANDLERS = ROOT / "functions" / "handlers"
HOUR = 3600.0
# Task results in a history: a Lambda task's, or an SDK integration's.
RESULT_EVENTS = ("LambdaFunctionSucceeded", "TaskSucceeded")
MODIFICATION_DONE = ('"COMPLETED"', '"ENABLED"')
IMAGE_DONE = ('"AVAILABLE"',)


@dataclass(frozen=True)
class Figure:
    name: str
    measured: str
    target: str
    ok: bool | None  # None: not measured

    @property
    def verdict(self) -> str:
        return "-" if self.ok is None else "ok" if self.ok else "FAIL"


def format_table(figures: Sequence[Figure]) -> str:
    """One Markdown table, columns padded so it also reads as plain text."""
    rows = [
        ("figure", "measured", "target", "ok?"),
        *((f.name, f.measured, f.target, f.verdict) for f in figures),
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    return "\n".join([line(rows[0]), line(["-" * w for w in widths]), *(line(r) for r in rows[1:])])


def exit_code(figures: Sequence[Figure], check: bool) -> int:
    """0 for a report; with `check`, 1 when any measured figure misses its target."""
    return 1 if check and any(f.ok is False for f in figures) else 0


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
    with LocalAws(timings=timings) if timings else LocalAws() as aws:
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


# -- cold starts and the suite ----------------------------------------------------------------
def lambda_environment() -> dict[str, str]:
    """What a deployed function's process sees (tracing on, as with active tracing)."""
    from stacks.config import default_config

    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "AWS_REGION": "eu-west-1",
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_LAMBDA_FUNCTION_NAME": "bench",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
        "LAMBDA_TASK_ROOT": str(ROOT / "functions"),
        **default_config().lambda_environment(),
    }


_IMPORT = (
    "import sys, time; sys.path.insert(0, {root!r}); t, c = time.perf_counter(), "
    "time.process_time(); import handlers.{module}; "
    "print(time.perf_counter() - t, time.process_time() - c)"
)


def import_seconds(module: str, tries: int = 3) -> tuple[float, float]:
    """Best wall and CPU seconds of `tries` imports of handlers.<module>, each in a fresh
    interpreter (CPU time shows what a busy machine adds to the wall time)."""
    wall = cpu = float("inf")
    for _ in range(tries):
        done = subprocess.run(
            [sys.executable, "-c", _IMPORT.format(root=str(ROOT / "functions"), module=module)],
            env=lambda_environment(),
            capture_output=True,
            text=True,
            check=False,
            cwd=ROOT,
        )
        if done.returncode:
            raise ImportError((done.stderr.strip().splitlines() or ["no output"])[-1])
        measured = [float(x) for x in done.stdout.split()[-2:]]
        wall, cpu = min(wall, measured[0]), min(cpu, measured[1])
    return wall, cpu


def cold_start_figures() -> list[Figure]:
    modules = sorted(p.stem for p in HANDLERS.glob("*.py") if not p.stem.startswith("_"))
    figures = []
    for module in modules:
        name = f"cold start: import handlers.{module}"
        try:
            wall, cpu = import_seconds(module)
        except ImportError as exc:  # a module that cannot load is a finding, not a crash
            figures.append(Figure(name, f"import failed: {exc}"[:80], "< 300 ms", False))
            continue
        figures.append(
            Figure(
                name, f"{wall * 1000:,.0f} ms (CPU {cpu * 1000:,.0f} ms)", "< 300 ms", wall < 0.3
            )
        )
    return figures


def pytest_summary(output: str) -> str:
    """pytest's last counts line ("1300 passed, 2 skipped in 170.2s"), or "no summary"."""
    return next(
        (
            line.strip("= ")
            for line in reversed(output.splitlines())
            if re.search(r"\d+ (passed|failed|errors?)\b", line)
        ),
        "no summary",
    )


def suite_figure(measure: bool) -> Figure:
    if not measure:
        return Figure("suite: whole pytest run, wall", "not measured (--suite)", "< 180 s", None)
    start = time.perf_counter()
    # pyproject's addopts already make it -q; a second -q would drop the summary line.
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:randomly"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - start
    summary = pytest_summary(done.stdout)
    note = "" if done.returncode == 0 else f", exit {done.returncode}"
    return Figure(
        "suite: whole pytest run, wall",
        f"{wall:,.0f} s ({summary}{note})",
        "< 180 s",
        wall < 180 and done.returncode == 0,
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
