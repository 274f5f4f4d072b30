"""One account and Region's WorkSpaces state, shared by the account, image and bundle rules."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from local_aws.clock import VirtualClock
from local_aws.workspaces.config import Faults, Timings
from local_aws.workspaces.rules import WorkSpacesError

if TYPE_CHECKING:
    from local_aws.workspaces.account import Modification
    from local_aws.workspaces.bundles import Bundle
    from local_aws.workspaces.custom_import import CustomImport
    from local_aws.workspaces.images import ImportedImage


class AccountBase:
    def __init__(
        self, account_id: str, region: str, clock: VirtualClock, timings: Timings, faults: Faults
    ) -> None:
        self.account_id = account_id
        self.region = region
        self.clock = clock
        self.timings = timings
        self.faults = faults
        # the truth; DescribeAccount may show it late (Timings.account_lag_seconds)
        self.support = "DISABLED"
        self.cidr: str | None = None
        self.enabled_at: datetime | None = None
        self.modifications: list[Modification] = []
        self.images: dict[str, ImportedImage] = {}
        self.bundles: dict[str, Bundle] = {}
        # name -> when it is free again (a deleted image's or bundle's name)
        self.released_image_names: dict[str, datetime] = {}
        self.released_bundle_names: dict[str, datetime] = {}
        self.imports_accepted = 0
        self.import_log: list[ImportedImage] = []  # every accepted import, deleted or not
        # ImportCustomWorkspaceImage: the import behind each image id, and what the account holds
        # in EC2 Image Builder / VM Import that moto does not model (source id -> AMI id)
        self.custom_imports: dict[str, CustomImport] = {}
        self.infrastructure_configurations: set[str] = set()
        self.image_builder_sources: dict[str, str] = {}
        self.lock = threading.RLock()

    def _check_eligible(self) -> None:
        if self.faults.not_eligible:
            raise WorkSpacesError(
                "AccessDeniedException",
                "The account is not authorized to use BYOL. Contact AWS to enable it.",
            )

    def visibly_enabled(self) -> bool:
        """ENABLED as DescribeAccount shows it: only account_lag_seconds after the modification
        COMPLETED (eventual consistency; the workflow must poll until it shows)."""
        if self.support != "ENABLED":
            return False
        if self.enabled_at is None:
            return True
        lag = timedelta(seconds=self.timings.account_lag_seconds)
        return self.clock.now() >= self.enabled_at + lag

    def _settle(self) -> None:
        """Time-driven transitions happen lazily, whenever the state is read."""
        raise NotImplementedError
