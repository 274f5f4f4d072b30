"""One account's WorkSpaces BYOL service, and every account's for one embedded-AWS session."""

from __future__ import annotations

from local_aws.clock import VirtualClock
from local_aws.workspaces.account import AccountOps
from local_aws.workspaces.bundles import BundleOps
from local_aws.workspaces.config import Faults, Timings
from local_aws.workspaces.custom_import import CustomImportOps
from local_aws.workspaces.images import ImageOps


class ByolAccount(AccountOps, CustomImportOps, ImageOps, BundleOps):
    """One account and Region: the account rules, its images and its bundles."""

    def _settle(self) -> None:
        now = self.clock.now()
        self._settle_modifications(now)
        self._settle_images(now)


class ByolWorld:
    """All accounts' BYOL state for one embedded-AWS session."""

    def __init__(
        self, clock: VirtualClock, timings: Timings | None = None, faults: Faults | None = None
    ) -> None:
        self.clock = clock
        self.timings = timings or Timings()
        self.faults = faults or Faults()
        self._accounts: dict[tuple[str, str], ByolAccount] = {}

    def account(self, account_id: str, region: str) -> ByolAccount:
        key = (account_id, region)
        if key not in self._accounts:
            self._accounts[key] = ByolAccount(
                account_id, region, self.clock, self.timings, self.faults
            )
        return self._accounts[key]

    def accounts_in(self, region: str) -> list[ByolAccount]:
        """Every account that has BYOL state in the Region (sharing and copies read them)."""
        return [a for (_, r), a in list(self._accounts.items()) if r == region]
