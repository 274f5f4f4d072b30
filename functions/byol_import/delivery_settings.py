"""The delivery settings (cdk.json `delivery...` keys): what an import delivers once its image is
AVAILABLE when neither the request nor the trigger tag says. All off by default. The functions'
ones are inherited by FunctionSettings, the copy loop's timings by DeploymentSettings."""

from __future__ import annotations

from dataclasses import dataclass

from byol_import.logic import delivery_rules as rules
from byol_import.logic.delivery import DeliveryDefaults
from byol_import.names import (
    ENV_DELIVERY_BUNDLE,
    ENV_DELIVERY_BUNDLE_COMPUTE_TYPE,
    ENV_DELIVERY_BUNDLE_ROOT_GIB,
    ENV_DELIVERY_BUNDLE_USER_GIB,
    ENV_DELIVERY_COPY_TO_REGIONS,
    ENV_DELIVERY_SHARE_WITH_ACCOUNTS,
)
from byol_import.schema import between as _between
from byol_import.schema import setting as _setting


def _bundle(value: str) -> bool:
    return value in ("", rules.BUNDLE_CREATE) or bool(rules.BUNDLE_ID_PATTERN.fullmatch(value))


@dataclass(frozen=True)
class DeliverySettings:
    """Read by ValidateRequest (through the environment) as the defaults of a request."""

    delivery_bundle: str = _setting(
        "deliveryBundle",
        "",
        "empty (no bundle), create (a bundle from each image) or a bundle id wsb-... (move "
        "that bundle to each new image)",
        env=ENV_DELIVERY_BUNDLE,
        check=_bundle,
    )
    delivery_bundle_compute_type: str = _setting(
        "deliveryBundleComputeType",
        "STANDARD",
        lambda: f"one of {', '.join(rules.compute_types())}",
        env=ENV_DELIVERY_BUNDLE_COMPUTE_TYPE,
        check=lambda v: v in rules.compute_types(),
    )
    delivery_bundle_root_gib: int = _setting(
        "deliveryBundleRootGib",
        80,
        "80, or 175-2000 (root volume GiB of a bundle byol-import creates)",
        env=ENV_DELIVERY_BUNDLE_ROOT_GIB,
        check=lambda v: v == 80 or 175 <= v <= rules.MAX_VOLUME_GIB,
    )
    delivery_bundle_user_gib: int = _setting(
        "deliveryBundleUserGib",
        50,
        "10, 50 or 100 with root 80; 100-2000 with a larger root (user volume GiB)",
        env=ENV_DELIVERY_BUNDLE_USER_GIB,
        check=_between(10, rules.MAX_VOLUME_GIB),
    )
    delivery_copy_to_regions: tuple[str, ...] = _setting(
        "deliveryCopyToRegions",
        (),
        "WorkSpaces Regions to copy each image to (BYOL must be enabled there)",
        env=ENV_DELIVERY_COPY_TO_REGIONS,
        check=lambda v: all(r in rules.workspaces_regions() for r in v) and len(set(v)) == len(v),
    )
    delivery_share_with_accounts: tuple[str, ...] = _setting(
        "deliveryShareWithAccounts",
        (),
        "12-digit accounts of the organization, BYOL enabled, to share each image with",
        env=ENV_DELIVERY_SHARE_WITH_ACCOUNTS,
        check=lambda v: all(rules.ACCOUNT_PATTERN.fullmatch(a) for a in v),
    )

    def delivery_defaults(self) -> DeliveryDefaults:
        return DeliveryDefaults(
            bundle=self.delivery_bundle,
            compute_type=self.delivery_bundle_compute_type,
            root_gib=self.delivery_bundle_root_gib,
            user_gib=self.delivery_bundle_user_gib,
            copy_to_regions=self.delivery_copy_to_regions,
            share_with_accounts=self.delivery_share_with_accounts,
        )


@dataclass(frozen=True)
class DeliveryTimings:
    """The copy loop's timings (ASL substitutions). Copies take an undocumented time: polling
    every 30 minutes keeps the worst-case history of an execution under its bound."""

    delivery_copy_poll_interval_seconds: int = _setting(
        "deliveryCopyPollIntervalSeconds", 3600, "from 300 to 3600", check=_between(300, 3600)
    )
    delivery_copy_deadline_hours: int = _setting(
        "deliveryCopyDeadlineHours", 4, "from 1 to 8", check=_between(1, 8)
    )
