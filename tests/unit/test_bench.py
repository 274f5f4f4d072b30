"""`make bench`'s pure parts: the table, the detection lag read from a history, the window count,
the exact timings and the exit code. The measurements themselves are not run here."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from local_aws import bench
from local_aws.bench import Figure

DONE = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)


def result(at: datetime, output: dict[str, Any], kind: str = "LambdaFunctionSucceeded") -> dict:
    key = kind[0].lower() + kind[1:] + "EventDetails"
    return {"type": kind, "timestamp": at, key: {"output": json.dumps(output)}}


def entered(at: datetime, name: str, state: dict[str, Any]) -> dict:
    return {
        "type": "TaskStateEntered",
        "timestamp": at,
        "stateEnteredEventDetails": {"name": name, "input": json.dumps(state)},
    }


def test_table_pads_every_column_and_says_ok_fail_or_not_measured():
    # Given a met, a missed and an unmeasured figure
    figures = [
        Figure("demo speed", "12,000", ">= 10,000", True),
        Figure("cold start: import handlers.report", "310 ms", "< 300 ms", False),
        Figure("suite", "not measured (--suite)", "< 180 s", None),
    ]

    # When formatted
    lines = bench.format_table(figures).splitlines()

    # Then it is one Markdown table whose columns line up
    assert [c.strip() for c in lines[0].split("|")[1:-1]] == ["figure", "measured", "target", "ok?"]
    widest = "cold start: import handlers.report"
    assert lines[2].split("|")[1] == f" {'demo speed'.ljust(len(widest))} "
    assert set(lines[1]) == {"|", " ", "-"}
    assert len({len(line) for line in lines}) == 1
    assert [line.split("|")[4].strip() for line in lines[2:]] == ["ok", "FAIL", "-"]


def test_lag_is_from_completion_to_the_first_poll_that_saw_it():
    # Given polls every 10 minutes around a modification that completed at DONE, the first poll
    # after it still seeing PENDING (eventual consistency), the next one COMPLETED
    history = [
        result(DONE - timedelta(minutes=10), {"state": "PENDING"}),
        result(DONE + timedelta(seconds=30), {"state": "PENDING"}),
        entered(DONE + timedelta(seconds=60), "Poll", {"Previous": {"state": "COMPLETED"}}),
        result(DONE + timedelta(seconds=90), {"state": "COMPLETED", "cidr": "10.0.0.0/16"}),
        result(DONE + timedelta(seconds=700), {"state": "COMPLETED"}),
    ]

    # When the lag is read
    lag = bench.detection_lag(reversed(history), DONE, bench.MODIFICATION_DONE)

    # Then it is the first task result showing COMPLETED, not a state's input
    assert lag == 90.0


def test_lag_reads_sdk_integration_results_too():
    # Given a direct DescribeAccount integration (TaskSucceeded) answering ENABLED at DONE
    history = [
        result(
            DONE - timedelta(seconds=1), {"DedicatedTenancySupport": "DISABLED"}, "TaskSucceeded"
        ),
        result(DONE, {"DedicatedTenancySupport": "ENABLED"}, "TaskSucceeded"),
    ]

    # When / Then the poll at the completion instant noticed it at once
    assert bench.detection_lag(history, DONE, bench.MODIFICATION_DONE) == 0.0


def test_lag_ignores_results_before_completion_and_is_none_if_never_seen():
    # Given an AVAILABLE answer before the image's completion time and none after
    history = [
        result(DONE - timedelta(seconds=5), {"state": "AVAILABLE"}),
        result(DONE + timedelta(seconds=5), {"state": "PENDING"}),
    ]

    # When / Then nothing noticed the completion
    assert bench.detection_lag(history, DONE, bench.IMAGE_DONE) is None


def test_window_counts_calls_inside_both_ends():
    stamps = [
        DONE - timedelta(seconds=1),
        DONE,
        DONE + timedelta(hours=1),
        DONE + timedelta(hours=4),
        DONE + timedelta(hours=4, seconds=1),
    ]
    assert bench.calls_between(stamps, DONE, DONE + timedelta(hours=4)) == 3


def test_fixed_timings_are_exact_and_turn_lags_off(monkeypatch: pytest.MonkeyPatch):
    # Given an emulator whose timings also model jitter and a propagation lag
    @dataclasses.dataclass
    class Timings:
        modification_seconds: float = 100.0
        import_seconds: float = 50.0
        import_with_office_seconds: float = 70.0
        jitter_fraction: float = 0.2
        propagation_lag_seconds: int = 30
        eventual_consistency: bool = True

    monkeypatch.setattr(bench, "Timings", Timings)

    # When fixed timings are asked for
    timings = bench.fixed_timings(4 * 3600, 2 * 3600)

    # Then the durations are exact, the lags off, and the rest left at their defaults
    assert timings == Timings(
        modification_seconds=14400,
        import_seconds=7200,
        import_with_office_seconds=70.0,
        jitter_fraction=0.0,
        propagation_lag_seconds=0,
        eventual_consistency=True,
    )


def test_fixed_timings_on_the_real_emulator():
    timings = bench.fixed_timings(4 * 3600 + 1, 2 * 3600)
    assert (timings.modification_seconds, timings.import_seconds) == (14401, 7200)


def test_a_report_exits_zero_and_check_fails_on_a_missed_target():
    met, missed, unmeasured = (
        Figure("a", "1", "<= 2", True),
        Figure("b", "3", "<= 2", False),
        Figure("c", "not measured", "< 1", None),
    )
    assert bench.exit_code([met, missed], check=False) == 0
    assert bench.exit_code([met, missed], check=True) == 1
    assert bench.exit_code([met, unmeasured], check=True) == 0


def test_the_suite_figure_quotes_pytests_summary_line():
    output = (
        "....F...  [100%]\n=== FAILURES ===\n1 failed here\n"
        "=========== 1 failed, 1299 passed in 170.21s ===\n"
    )
    assert bench.pytest_summary(output) == "1 failed, 1299 passed in 170.21s"
    assert bench.pytest_summary("........ [100%]\n") == "no summary"
