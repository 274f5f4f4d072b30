"""Eventual consistency and drawn durations. Rules: docs/byol-api-facts.md, "Times and quotas"
and "Eventual consistency"."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from botocore.exceptions import ClientError

from local_aws.harness import LocalAws
from local_aws.workspaces.config import HOUR, PROFILE_ENV, Timings
from tests.emulator.test_workspaces_byol import code, import_kwargs

LAGGED = Timings(
    account_lag_seconds=900, image_visibility_lag_seconds=300, name_release_lag_seconds=3600
)


@pytest.fixture
def lagged() -> Iterator[LocalAws]:
    with LocalAws(timings=LAGGED) as env:
        yield env


def test_describe_account_turns_enabled_after_the_modification_completed(lagged: LocalAws) -> None:
    """Eventual consistency: the modification is COMPLETED while DescribeAccount still says
    DISABLED for account_lag_seconds (unconfirmed length; the product must poll on)."""
    ws = lagged.client("workspaces")
    ws.modify_account(
        DedicatedTenancySupport="ENABLED", DedicatedTenancyManagementCidrRange="10.0.0.0/16"
    )
    lagged.clock.advance(LAGGED.modification_seconds)
    mods = ws.describe_account_modifications()["AccountModifications"]
    assert mods[0]["ModificationState"] == "COMPLETED"
    assert ws.describe_account()["DedicatedTenancySupport"] == "DISABLED"
    with pytest.raises(ClientError) as caught:  # imports follow what DescribeAccount shows
        ws.import_workspace_image(**import_kwargs(lagged.create_windows_ami()))
    assert code(caught) == "OperationNotSupportedException"
    lagged.clock.advance(LAGGED.account_lag_seconds)
    assert ws.describe_account()["DedicatedTenancySupport"] == "ENABLED"


def test_a_new_image_is_listed_only_after_a_while(lagged: LocalAws) -> None:
    """Eventual consistency: ImportWorkspaceImage returned an id DescribeWorkspaceImages does
    not show yet; the name is already taken."""
    lagged.enable_byol_directly()
    ws = lagged.client("workspaces")
    ami = lagged.create_windows_ami()
    image_id = ws.import_workspace_image(**import_kwargs(ami))["ImageId"]
    assert ws.describe_workspace_images(ImageIds=[image_id])["Images"] == []
    with pytest.raises(ClientError) as caught:
        ws.import_workspace_image(**import_kwargs(ami))
    assert code(caught) == "ResourceAlreadyExistsException"
    lagged.clock.advance(LAGGED.image_visibility_lag_seconds)
    assert ws.describe_workspace_images(ImageIds=[image_id])["Images"][0]["State"] == "PENDING"


def test_a_deleted_image_name_is_freed_later(lagged: LocalAws) -> None:
    """Eventual consistency: a deleted image's name stays taken for name_release_lag_seconds."""
    lagged.enable_byol_directly()
    ws = lagged.client("workspaces")
    ami = lagged.create_windows_ami()
    image_id = ws.import_workspace_image(**import_kwargs(ami))["ImageId"]
    lagged.clock.advance(LAGGED.import_seconds)
    ws.delete_workspace_image(ImageId=image_id)
    with pytest.raises(ClientError) as caught:
        ws.import_workspace_image(**import_kwargs(ami))
    assert code(caught) == "ResourceAlreadyExistsException"
    lagged.clock.advance(LAGGED.name_release_lag_seconds)
    ws.import_workspace_image(**import_kwargs(ami))


def test_durations_are_drawn_from_the_documented_ranges_and_seeded() -> None:
    """Times and quotas: enabling takes several hours, imports at least 90 minutes, at least
    3 hours with Office; a seed gives the same run again."""
    one, two, other = Timings.realistic(), Timings.realistic(), Timings.realistic(seed=7)
    mods = [one.draw_modification() for _ in range(50)]
    assert all(2 * HOUR <= m <= 8 * HOUR for m in mods) and len(set(mods)) > 10
    assert mods == [two.draw_modification() for _ in range(50)]
    assert mods != [other.draw_modification() for _ in range(50)]
    imports = [one.draw_import(with_office=False) for _ in range(50)]
    office = [one.draw_import(with_office=True) for _ in range(50)]
    assert min(imports) >= 1.5 * HOUR and min(office) >= 3 * HOUR
    assert sum(office) / 50 > sum(imports) / 50


def test_fixed_timings_stay_exact() -> None:
    """Timings(): exact durations and no lags, for tests that count calls."""
    fixed = Timings()
    assert {fixed.draw_modification() for _ in range(5)} == {4 * HOUR}
    assert fixed.account_lag_seconds == fixed.image_visibility_lag_seconds == 0


def test_local_aws_runs_realistic_timings_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    """LocalAws: lags on and durations drawn, with a fixed default seed; the documented ranges
    unless $LOCAL_AWS_TIMINGS=quick (the test suite's profile, tests/conftest.py)."""
    monkeypatch.delenv(PROFILE_ENV)
    assert LocalAws().timings == Timings.realistic()
    assert LocalAws().timings.account_lag_seconds > 0
    assert LocalAws().timings.modification_range is not None
    monkeypatch.setenv(PROFILE_ENV, "quick")
    assert LocalAws().timings == Timings.quick()


def test_the_quick_profile_keeps_the_lags_and_the_documented_minimum_imports() -> None:
    """Timings.quick(): the read lags of realistic(), short enablements, imports no shorter than
    documented (90 minutes, 3 hours with Office), still drawn and seeded."""
    quick, real = Timings.quick(), Timings.realistic()
    lags = ("account_lag_seconds", "image_visibility_lag_seconds", "name_release_lag_seconds")
    assert [getattr(quick, f) for f in lags] == [getattr(real, f) for f in lags]
    mods = [quick.draw_modification() for _ in range(50)]
    assert all(10 * 60 <= m <= 30 * 60 for m in mods) and len(set(mods)) > 10
    assert min(quick.draw_import(with_office=False) for _ in range(50)) >= 1.5 * HOUR
    assert min(quick.draw_import(with_office=True) for _ in range(50)) >= 3 * HOUR


def test_drawn_durations_reach_the_service() -> None:
    """A realistic run: the modification ends at its drawn time, not a fixed 4 h."""
    with LocalAws(timings=Timings.realistic()) as aws:
        ws = aws.client("workspaces")
        ws.modify_account(
            DedicatedTenancySupport="ENABLED", DedicatedTenancyManagementCidrRange="10.0.0.0/16"
        )
        mod = aws.world.account("123456789012", "eu-west-1").modifications[0]
        drawn = (mod.done_at - mod.start).total_seconds()
        assert drawn == Timings.realistic().draw_modification() != 4 * HOUR
