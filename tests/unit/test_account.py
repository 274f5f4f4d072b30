"""Account state, modification decisions and management CIDR choice."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from byol_import import errors
from byol_import.logic.account import (
    AccountState,
    Modification,
    account_state,
    blocked_networks,
    first_usable,
    is_usable_management_cidr,
    modification_outcome,
    newest_modification,
    validate_constraints,
)


def mod(state: str, day: int, cidr: str = "10.1.0.0/16") -> dict[str, object]:
    return {
        "ModificationState": state,
        "DedicatedTenancyManagementCidrRange": cidr,
        "StartTime": datetime(2026, 11, day, tzinfo=UTC),
    }


def test_the_newest_modification_wins_whatever_the_order() -> None:
    # Given modifications in no documented order
    mods = [mod("FAILED", 3), mod("PENDING", 9, "10.9.0.0/16"), mod("COMPLETED", 1)]
    # Then the newest StartTime is the one that counts
    assert newest_modification(mods) == Modification("PENDING", "10.9.0.0/16")
    assert newest_modification([]) == Modification("NONE")


def test_enabled_account_wins_over_any_modification() -> None:
    account = {
        "DedicatedTenancySupport": "ENABLED",
        "DedicatedTenancyManagementCidrRange": "10.5.0.0/16",
    }
    assert account_state(account, Modification("PENDING")) == AccountState("ENABLED", "10.5.0.0/16")


def test_a_pending_modification_is_adopted() -> None:
    state = account_state(
        {"DedicatedTenancySupport": "DISABLED"}, Modification("PENDING", "10.7.0.0/16")
    )
    assert state == AccountState("PENDING", "10.7.0.0/16")


def test_missing_keys_are_tolerated() -> None:
    assert account_state({}, Modification("NONE")) == AccountState("DISABLED")


def test_a_failed_modification_carries_aws_code_and_message() -> None:
    with pytest.raises(errors.ByolEnablementFailed) as caught:
        modification_outcome(Modification("FAILED", "10.1.0.0/16", "InternalError", "boom"))
    assert "InternalError: boom" in caught.value.message


def test_cidr_must_be_an_exact_free_slash_16() -> None:
    blocked = blocked_networks(["10.0.0.0/16", "172.31.0.0/16"])
    assert is_usable_management_cidr("10.1.0.0/16", blocked)
    assert not is_usable_management_cidr("10.0.0.0/16", blocked)
    assert not is_usable_management_cidr("10.1.0.0/17", blocked)
    assert not is_usable_management_cidr("10.1.0.1/16", blocked)
    assert not is_usable_management_cidr("nonsense", blocked)


def test_constraints_must_be_configured() -> None:
    with pytest.raises(errors.ConfigurationError):
        validate_constraints([])
    with pytest.raises(errors.ConfigurationError):
        validate_constraints(["10.0.0.0/33"])


slash16 = st.builds(lambda a, b: f"{a}.{b}.0.0/16", st.integers(0, 255), st.integers(0, 255))
networks = st.builds(
    lambda a, b, p: str(ipaddress.ip_network(f"{a}.{b}.0.0/{p}", strict=False)),
    st.integers(0, 255),
    st.integers(0, 255),
    st.integers(8, 28),
)


@settings(max_examples=400, deadline=None)
@given(
    candidates=st.lists(slash16 | st.text(max_size=20), max_size=20),
    blocked=st.lists(networks, max_size=10),
)
def test_first_usable_is_the_first_candidate_overlapping_nothing(
    candidates: list[str], blocked: list[str]
) -> None:
    nets = blocked_networks(blocked)
    chosen = first_usable(iter(candidates), nets)
    usable = [c for c in candidates if is_usable_management_cidr(c, nets)]
    # Then it is exactly the first usable one, or None when there is none
    assert chosen == (usable[0] if usable else None)
    if chosen is not None:
        net = ipaddress.IPv4Network(chosen)
        assert net.prefixlen == 16
        assert not any(net.overlaps(b) for b in nets)


def test_first_usable_stops_reading_at_the_first_hit() -> None:
    read: list[str] = []

    def pages() -> object:
        for cidr in ["10.0.0.0/16", "10.1.0.0/16", "10.2.0.0/16"]:
            read.append(cidr)
            yield cidr

    assert first_usable(pages(), blocked_networks(["10.0.0.0/16"])) == "10.1.0.0/16"  # type: ignore[arg-type]
    assert read == ["10.0.0.0/16", "10.1.0.0/16"]
