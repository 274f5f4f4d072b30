"""Decisions on the account's BYOL state, modifications and CIDR choice. Pure."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any, Final, Literal

from byol_import import errors

AccountStatus = Literal["ENABLED", "PENDING", "DISABLED"]
ModificationStatus = Literal["PENDING", "COMPLETED", "FAILED", "NONE"]

_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class AccountState:
    status: AccountStatus
    management_cidr: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Modification:
    state: ModificationStatus
    cidr: str | None = None
    error_code: str | None = None
    error_message: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _start_time(mod: Mapping[str, Any]) -> datetime:
    value = mod.get("StartTime")
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return _EPOCH


def newest_modification(mods: Iterable[Mapping[str, Any]]) -> Modification:
    """The API documents no order, so take the newest StartTime of all pages."""
    newest = max(mods, key=_start_time, default=None)
    if newest is None:
        return Modification(state="NONE")
    state = newest.get("ModificationState", "NONE")
    if state not in ("PENDING", "COMPLETED", "FAILED"):
        state = "NONE"
    return Modification(
        state=state,
        cidr=newest.get("DedicatedTenancyManagementCidrRange"),
        error_code=newest.get("ErrorCode"),
        error_message=newest.get("ErrorMessage"),
    )


def account_state(account: Mapping[str, Any], newest: Modification) -> AccountState:
    """ENABLED wins; a DISABLED account with a PENDING change is adopted, not changed again."""
    support = account.get("DedicatedTenancySupport")
    cidr = account.get("DedicatedTenancyManagementCidrRange") or None
    if support == "ENABLED":
        return AccountState("ENABLED", cidr)
    if newest.state == "PENDING":
        return AccountState("PENDING", newest.cidr or cidr)
    return AccountState("DISABLED", cidr)


def modification_outcome(newest: Modification) -> Modification:
    """Raise on FAILED with AWS's own code and message; otherwise return the state to poll on."""
    if newest.state == "FAILED":
        raise errors.ByolEnablementFailed(
            f"Enabling BYOL failed: {newest.error_code or 'no ErrorCode'}: "
            f"{newest.error_message or 'no ErrorMessage'} (management CIDR {newest.cidr}). "
            "Check the AWS Health dashboard or open a support case, then start the import again"
        )
    return newest


def _network(cidr: str) -> ipaddress.IPv4Network | None:
    try:
        net = ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        return None
    return net if isinstance(net, ipaddress.IPv4Network) else None


def blocked_networks(cidrs: Iterable[str]) -> list[ipaddress.IPv4Network]:
    return [net for net in (_network(c) for c in cidrs) if net is not None]


def is_usable_management_cidr(cidr: str, blocked: Sequence[ipaddress.IPv4Network]) -> bool:
    """A /16 that overlaps none of the exclusions or VPC CIDR blocks."""
    net = _network(cidr)
    if net is None or net.prefixlen != 16 or str(net) != cidr:
        return False
    return not any(net.overlaps(b) for b in blocked)


def first_usable(candidates: Iterable[str], blocked: Sequence[ipaddress.IPv4Network]) -> str | None:
    """First usable candidate; consumes the iterable lazily so no page is read needlessly."""
    for cidr in candidates:
        if is_usable_management_cidr(cidr, blocked):
            return cidr
    return None


def validate_constraints(constraints: Sequence[str]) -> None:
    if not constraints:
        raise errors.ConfigurationError(
            "No management CIDR constraint ranges are configured: set cidrConstraints in cdk.json"
        )
    for c in constraints:
        if _network(c) is None:
            raise errors.ConfigurationError(f"cidrConstraints: {c!r} is not an IPv4 CIDR")
