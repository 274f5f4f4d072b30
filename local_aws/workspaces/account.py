"""DescribeAccount, ModifyAccount, ListAvailableManagementCidrRanges and the modifications."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from local_aws.workspaces.rules import (
    CIDR16_PATTERN,
    CIDR_CONSTRAINT_PATTERN,
    PARENT_RANGES,
    WorkSpacesError,
    invalid,
    page,
    validation,
)
from local_aws.workspaces.state import AccountBase


@dataclass
class Modification:
    cidr: str
    start: datetime
    done_at: datetime
    failure: tuple[str, str] | None
    state: str = "PENDING"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "ModificationState": self.state,
            "DedicatedTenancySupport": "ENABLED",
            "DedicatedTenancyManagementCidrRange": self.cidr,
            "StartTime": self.start.timestamp(),
        }
        if self.state == "FAILED" and self.failure:
            out["ErrorCode"], out["ErrorMessage"] = self.failure
        return out


class AccountOps(AccountBase):
    def _settle_modifications(self, now: datetime) -> None:
        for mod in self.modifications:
            if mod.state == "PENDING" and now >= mod.done_at:
                if mod.failure:
                    mod.state = "FAILED"
                else:
                    mod.state = "COMPLETED"
                    self.support, self.cidr, self.enabled_at = "ENABLED", mod.cidr, mod.done_at

    def _pending(self) -> Modification | None:
        return next((m for m in self.modifications if m.state == "PENDING"), None)

    def describe_account(self) -> dict[str, Any]:
        with self.lock:
            self._settle()
            if not self.visibly_enabled():
                return {"DedicatedTenancySupport": "DISABLED"}
            out: dict[str, Any] = {"DedicatedTenancySupport": "ENABLED"}
            if self.cidr:
                out["DedicatedTenancyManagementCidrRange"] = self.cidr
            return out

    # Order is undocumented, so newest-first is not promised: oldest first keeps clients honest.
    def describe_account_modifications(self, token: str | None) -> dict[str, Any]:
        with self.lock:
            self._settle()
            records = [m.to_dict() for m in self.modifications]
            return page(records, token, 2, "AccountModifications")

    def _taken(self) -> list[ipaddress.IPv4Network]:
        """What AWS documents as unavailable: its own use and the account's management CIDR.
        The account's VPCs are NOT hidden: avoiding them is the caller's job (undocumented that
        AWS filters them; stricter not to)."""
        used = [ipaddress.IPv4Network(c) for c in self.faults.unavailable_cidrs]
        if self.cidr:
            used.append(ipaddress.IPv4Network(self.cidr))
        return used

    def available_cidrs(self, constraint: str) -> Iterator[str]:
        parent = ipaddress.IPv4Network(constraint, strict=False)
        used = self._taken()
        for allowed in PARENT_RANGES:
            if not allowed.overlaps(parent):
                continue
            for net in allowed.subnets(new_prefix=16):
                if net.subnet_of(parent) and not any(net.overlaps(u) for u in used):
                    yield str(net)

    def list_available_cidrs(
        self, constraint: str, max_results: int | None, token: str | None
    ) -> dict[str, Any]:
        if not CIDR_CONSTRAINT_PATTERN.fullmatch(constraint):
            raise validation(
                f"ManagementCidrRangeConstraint {constraint!r} must be an IPv4 "
                "CIDR with its prefix length (x.x.x.x/n)."
            )
        with self.lock:
            self._settle()
            self._check_eligible()
            if max_results is not None and not 1 <= max_results <= 5:
                raise validation("MaxResults must be between 1 and 5.")
            return page(
                list(self.available_cidrs(constraint)),
                token,
                max_results or 5,
                "ManagementCidrRanges",
            )

    def modify_account(self, support: str | None, cidr: str | None) -> dict[str, Any]:
        with self.lock:
            self._settle()
            self._check_eligible()
            if support != "ENABLED":
                raise invalid("DedicatedTenancySupport can only be set to ENABLED.")
            if not cidr or not CIDR16_PATTERN.fullmatch(cidr):
                raise validation(f"DedicatedTenancyManagementCidrRange {cidr!r} is not a /16.")
            if self._pending():
                raise WorkSpacesError(
                    "InvalidResourceStateException",
                    "An account modification is already in progress.",
                )
            if self.support == "ENABLED":
                raise WorkSpacesError(
                    "InvalidResourceStateException",
                    "The management CIDR range cannot be changed once it is set.",
                )
            net = ipaddress.IPv4Network(cidr, strict=False)
            if str(net) != cidr or not any(net.subnet_of(p) for p in PARENT_RANGES):
                raise invalid(f"The CIDR {cidr} is not available for management.")
            if any(net.overlaps(u) for u in self._taken()):
                # listed earlier, taken since ("availability changes often"): the documented
                # ResourceUnavailable, not a bad parameter
                raise WorkSpacesError(
                    "ResourceUnavailableException", f"The CIDR {cidr} is no longer available."
                )
            now = self.clock.now()
            self.modifications.append(
                Modification(
                    cidr=cidr,
                    start=now,
                    done_at=now + timedelta(seconds=self.timings.draw_modification()),
                    failure=self.faults.modification_failure,
                )
            )
            return {}
