"""`make reliability`: concurrency, duplicates, faults and hostile input, through the real
state machine on the embedded AWS, with a table of what happened.

Each scenario (local_aws/reliability_scenarios.py, local_aws/reliability_faults.py) returns a Row
and the list of rules it broke (local_aws/reliability_checks.py). Here they run in full, with
`Timings.realistic()`; the test suite (tests/reliability) runs the same scenarios, some in a
reduced form, with `Timings.quick()`, and fails on any broken rule.
"""

from __future__ import annotations

import argparse
import sys
import time

from local_aws.harness import ACCOUNT_ID
from local_aws.reliability_checks import Row
from local_aws.reliability_faults import TERMINAL_CASES, terminal_failure
from local_aws.reliability_scenarios import (
    SCENARIOS,
    concurrency,
    hostile_input,
    terminal_failures,
)

__all__ = [
    "SCENARIOS",
    "TERMINAL_CASES",
    "Row",
    "concurrency",
    "hostile_input",
    "main",
    "run",
    "table",
    "terminal_failure",
    "terminal_failures",
]


def run(name: str) -> list[Row]:
    start = time.perf_counter()
    result = SCENARIOS[name]()
    rows = result if isinstance(result, list) else [result]
    for row in rows:
        row.wall_seconds = (time.perf_counter() - start) / len(rows)
    return rows


def table(rows: list[Row]) -> str:
    header = (
        "scenario",
        "runs",
        "outcome",
        "ModifyAccount (applied/sent)",
        "imports",
        "leaked locks",
        "unhandled exc.",
        "IAM evaluated/denied",
        "wall s",
        "rules broken",
    )
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for r in rows:
        lines.append(
            f"| {r.scenario} | {r.runs} | {r.outcome} | {r.modify_calls}/"
            f"{r.modify_attempts} | {r.imports} "
            f"| {r.leaked_locks} | {r.unhandled} | {r.iam_evaluated}/{r.iam_denied} "
            f"| {r.wall_seconds:.1f} | "
            f"{len(r.broken)} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Reliability scenarios on the embedded AWS")
    parser.add_argument("--scenario", choices=sorted(SCENARIOS), action="append")
    args = parser.parse_args(argv)
    rows: list[Row] = []
    for name in args.scenario or list(SCENARIOS):
        print(f"running {name} ...", file=sys.stderr, flush=True)
        rows.extend(run(name))
    print(table(rows))
    broken = [(r.scenario, b) for r in rows for b in r.broken]
    for scenario, rule in broken:
        print(f"BROKEN: {scenario}: {rule}", file=sys.stderr)
    print(
        f"\naccount {ACCOUNT_ID}: {len(rows)} scenarios, {sum(r.runs for r in rows)} "
        f"executions, {len(broken)} broken rules; IAM: "
        f"{sum(r.iam_evaluated for r in rows)} calls evaluated against the synthesized roles, "
        f"{sum(r.iam_denied for r in rows)} denied"
    )
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
