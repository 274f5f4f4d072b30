"""The bench's figures measured in other processes: each handler module's cold import, and the
whole pytest run."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

from local_aws.bench_report import Figure

ROOT = Path(__file__).resolve().parent.parent
HANDLERS = ROOT / "functions" / "handlers"


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
