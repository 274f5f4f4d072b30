"""Phases from state names, one progress line per phase, and the expected finish."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from byol_cli.phases import expected_finish, phase_of_state
from byol_cli.render import PhaseLog
from byol_cli.status import running_phase
from stacks.config import asl_definition, default_config

T0 = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


def test_every_state_of_the_asl_has_a_phase():
    # Given the deployed definition's states
    states = set(asl_definition()["States"])

    # Then each has a phase (a new state must be given one in byol_cli/phases.py)
    assert {s for s in states if phase_of_state(s, None) is None} == set()


def test_an_unknown_state_keeps_the_phase_and_approval_states_wait_for_approval():
    assert phase_of_state("SomethingNew", "ENABLING_BYOL") == "ENABLING_BYOL"
    assert phase_of_state("RequestApproval", "WAITING_FOR_LOCK") == "AWAITING_APPROVAL"
    assert phase_of_state("ApprovalTimedOut", "AWAITING_APPROVAL") == "FAILED"
    assert phase_of_state("PollImage", None) == "IMPORTING"


def test_running_phase_is_the_last_phase_since_its_first_state():
    # Given an enablement polled three times (states newest first, as the history reads back)
    states = [
        ("PollModification", T0 + timedelta(minutes=6)),
        ("WaitForModification", T0 + timedelta(minutes=4)),
        ("EnableByol", T0 + timedelta(minutes=2)),
        ("AcquireLock", T0 + timedelta(minutes=1)),
        ("CheckAccount", T0),
    ]
    # Then it is ENABLING_BYOL since EnableByol
    assert running_phase(states) == ("ENABLING_BYOL", T0 + timedelta(minutes=2))


def test_progress_prints_one_line_per_phase_not_per_state():
    # Given the states of an import that polls its image many times
    lines: list[str] = []
    log = PhaseLog(out=lines.append)
    states = ["Start", "ValidateRequest", "CheckImage", "CheckAccount", "ImportImage"]
    states += ["WaitBeforeFirstImagePoll", *["PollImage", "ImageChoice", "WaitForImage"] * 20]
    states += ["PollImage", "ReportSuccess", "Imported"]

    # When each is entered
    for i, state in enumerate(states):
        log.on_state("exec", state, T0 + timedelta(minutes=i))

    # Then one line per phase
    assert [line.split()[3] for line in lines] == ["QUEUED", "IMPORTING", "AVAILABLE"]
    assert lines[1].startswith("  [+00:04:00 virtual] import-1")


def test_expected_finish_follows_the_phase_and_the_configuration():
    config = default_config()
    enabling = expected_finish("ENABLING_BYOL", T0, config)
    # enablement 2-8 h then the import 1.5-4 h; the enablement deadline is 24 h
    assert (enabling.earliest, enabling.latest) == (
        T0 + timedelta(hours=3.5),
        T0 + timedelta(hours=12),
    )
    assert enabling.deadline == T0 + timedelta(hours=24)
    waiting = expected_finish("WAITING_FOR_LOCK", T0, config)
    assert waiting.deadline == T0 + timedelta(hours=26)  # 24 h + lockMaxWaitMinutes 120
    assert expected_finish("AVAILABLE", T0, config).text() == "-"
