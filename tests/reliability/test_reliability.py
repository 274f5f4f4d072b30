"""The reliability scenarios: concurrency, duplicates, faults and hostile input, through the
real state machine.

The scenarios live in local_aws/reliability.py (`make reliability` prints their table); here each
one must break none of its rules, and the headline figures must hold exactly.

Reduced forms, with what `make reliability` runs in full: the suite's LocalAws draws
`Timings.quick()` (the same read lags, enablements of 10-30 min instead of 2-8 h, imports just
past their documented minimum) where `make reliability` draws `Timings.realistic()`; concurrency
tags 5 AMIs (full: 20); hostile input fuzzes 12 inputs (full: 40). Every rule is checked the same.
"""

from __future__ import annotations

import pytest

from local_aws import reliability
from local_aws.reliability import Row

pytestmark = pytest.mark.reliability


def only(rows: Row | list[Row]) -> Row:
    assert isinstance(rows, Row)
    return rows


def assert_clean(row: Row) -> None:
    assert row.broken == [], row.broken
    assert row.leaked_locks == 0 and row.unhandled == 0


def test_amis_tagged_at_once_enable_byol_once_and_all_import() -> None:
    # 5 AMIs here (the load tests/scenarios/test_weakened_backoff.py breaks without backoff);
    # `make reliability` tags 20
    row = only(reliability.concurrency(5))
    assert_clean(row)
    assert (row.runs, row.outcome, row.modify_calls, row.imports) == (5, "5 SUCCEEDED", 1, 5)
    # AWS applied one modification; the requests sent include the ones its rate limit refused
    assert row.modify_attempts >= 1


@pytest.mark.parametrize(
    "scenario", ["duplicate-events", "many-resources", "retried-import", "name-taken"]
)
def test_duplicates_never_import_twice(scenario: str) -> None:
    row = only(reliability.SCENARIOS[scenario]())
    assert_clean(row)
    assert row.imports <= row.runs


@pytest.mark.parametrize(
    "scenario", ["throttling", "server-errors", "lambda-crashes", "stale-lock", "aborted-holder"]
)
def test_faults_are_survived(scenario: str) -> None:
    row = only(reliability.SCENARIOS[scenario]())
    assert_clean(row)
    assert "SUCCEEDED" in row.outcome and row.modify_calls == 1


@pytest.mark.parametrize("scenario", ["image-builder-faults", "delivery-faults"])
def test_the_newer_paths_survive_faults_with_one_import_bundle_and_copy(scenario: str) -> None:
    # Given throttles, 5xx, lost answers (and crashes) on the Image Builder import or delivery
    # When one import runs through the real workflow
    row = only(reliability.SCENARIOS[scenario]())
    # Then it succeeds once, with one image (one bundle and one copy): nothing lost or doubled
    assert_clean(row)
    assert row.outcome == "1 SUCCEEDED" and row.imports == 1 and row.iam_denied == 0


@pytest.mark.parametrize("case", list(reliability.TERMINAL_CASES))
def test_terminal_failures_end_failed_with_the_real_reason(case: str) -> None:
    row = reliability.terminal_failure(case)
    assert_clean(row)
    _, error, _ = reliability.TERMINAL_CASES[case]
    assert row.outcome.startswith(f"1 FAILED {error}"), row.outcome


def test_hostile_input_is_always_a_clear_error() -> None:
    # 12 fuzzed inputs here; `make reliability` runs the full 40
    row = only(reliability.hostile_input(count=12))
    assert_clean(row)
    assert row.outcome.startswith(f"{row.runs} FAILED InvalidRequest")


def test_the_table_has_every_column() -> None:
    text = reliability.table([Row("x", runs=1, outcome="1 SUCCEEDED")])
    for column in (
        "scenario",
        "runs",
        "outcome",
        "ModifyAccount",
        "imports",
        "leaked locks",
        "unhandled exc.",
    ):
        assert column in text.splitlines()[0]
