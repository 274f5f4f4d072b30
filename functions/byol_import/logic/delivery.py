"""What an import delivers once its image is AVAILABLE: a bundle (created from the image, or an
existing one moved to it), copies to other Regions, shares with other accounts. The request's
`Delivery` field, the trigger tag's delivery keys and the configured defaults are resolved and
checked here, in one place. Pure. The rules themselves: `delivery_rules.py`; copies go to
WorkSpaces Regions of the same partition, not the home Region; shares to 12-digit accounts other
than our own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any, Final

from byol_import.errors import InvalidRequest
from byol_import.logic.choices import describe, did_you_mean, one_of
from byol_import.logic.delivery_rules import (
    ACCOUNT_PATTERN,
    BUNDLE_CREATE,
    BUNDLE_DESCRIPTION_PATTERN,
    BUNDLE_ID_PATTERN,
    BUNDLE_NAME_PATTERN,
    compute_types,
    computes_for,
    partition_of,
    volumes_allowed,
    workspaces_regions,
)

_FIELDS: Final = ("Bundle", "CopyToRegions", "ShareWithAccounts")
_CREATE_FIELDS: Final = (
    "Name",
    "Description",
    "ComputeType",
    "RootVolumeSizeGib",
    "UserVolumeSizeGib",
)


@dataclass(frozen=True)
class BundleCreate:
    name: str | None  # None: the WorkSpaces image's name
    description: str | None  # None: "byol-import bundle of <ami>"
    compute_type: str
    root_gib: int
    user_gib: int


@dataclass(frozen=True)
class DeliveryRequest:
    create_bundle: BundleCreate | None = None
    update_bundle: str | None = None  # a wsb- id
    copy_to_regions: tuple[str, ...] = ()
    share_with_accounts: tuple[str, ...] = ()

    @property
    def requested(self) -> bool:
        return bool(
            self.create_bundle
            or self.update_bundle
            or self.copy_to_regions
            or self.share_with_accounts
        )

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["copy_to_regions"] = list(self.copy_to_regions)
        data["share_with_accounts"] = list(self.share_with_accounts)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> DeliveryRequest | None:
        if not data:
            return None
        create = data.get("create_bundle")
        return cls(
            create_bundle=BundleCreate(**create) if create else None,
            update_bundle=data.get("update_bundle"),
            copy_to_regions=tuple(data.get("copy_to_regions") or ()),
            share_with_accounts=tuple(data.get("share_with_accounts") or ()),
        )


@dataclass(frozen=True)
class DeliveryDefaults:
    """The configured defaults (cdk.json `delivery...` keys); all off by default."""

    bundle: str = ""  # "", "create" or a wsb- id to update
    compute_type: str = "STANDARD"
    root_gib: int = 80
    user_gib: int = 50
    copy_to_regions: tuple[str, ...] = ()
    share_with_accounts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Place:
    """Where the workflow runs: copies do not go to its own Region, shares not to its account."""

    account_id: str
    region: str


def split_list(value: str) -> tuple[str, ...]:
    """A list in a trigger tag value: items joined with `+` (`,` and spaces separate keys)."""
    return () if value.strip().lower() in ("", "none") else tuple(value.split("+"))


def _strings(value: Any, name: str) -> tuple[str, ...]:
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise InvalidRequest(f"{name}: must be a list of strings; got {describe(value)}")
    if len(set(value)) != len(value):
        raise InvalidRequest(f"{name}: names an item twice; got {describe(list(value))}")
    return tuple(value)


def check_regions(
    value: Any, place: Place | None, name: str = "Delivery.CopyToRegions"
) -> tuple[str, ...]:
    regions = _strings(value, name)
    partition = partition_of(place.region) if place else "aws"
    known = workspaces_regions(partition)
    for region in regions:
        if region not in known:
            raise InvalidRequest(
                f"{name}: {describe(region)} is not a Region where Amazon WorkSpaces runs in "
                f"the {partition} partition{did_you_mean(region, known)}; Regions: "
                f"{', '.join(sorted(known))}"
            )
        if place is not None and region == place.region:
            raise InvalidRequest(
                f"{name}: {region} is the Region the image is imported in: name other Regions"
            )
    return regions


def check_accounts(
    value: Any, place: Place | None, name: str = "Delivery.ShareWithAccounts"
) -> tuple[str, ...]:
    accounts = _strings(value, name)
    for account in accounts:
        if not ACCOUNT_PATTERN.fullmatch(account):
            raise InvalidRequest(
                f"{name}: each must be a 12-digit account id; got {describe(account)}"
            )
        if place is not None and account == place.account_id:
            raise InvalidRequest(f"{name}: {account} is this account: the image is its own")
    return accounts


def _int(value: Any, name: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidRequest(f"{name}: must be a whole number of GiB; got {describe(value)}")
    return value


def check_create(raw: Any, defaults: DeliveryDefaults, process: str, where: str) -> BundleCreate:
    if not isinstance(raw, Mapping):
        raise InvalidRequest(
            f"{where}: must be an object with {', '.join(_CREATE_FIELDS)}; got {describe(raw)}"
        )
    unknown = sorted(str(k) for k in raw if k not in _CREATE_FIELDS)
    if unknown:
        raise InvalidRequest(
            f"{where}.{unknown[0]}: unknown field{did_you_mean(unknown[0], _CREATE_FIELDS)}; "
            f"fields are {', '.join(_CREATE_FIELDS)}"
        )
    name, description = raw.get("Name"), raw.get("Description")
    if name is not None and (not isinstance(name, str) or not BUNDLE_NAME_PATTERN.fullmatch(name)):
        raise InvalidRequest(
            f"{where}.Name: must be 1-64 characters of letters, digits and _ . / ( ) -; got "
            f"{describe(name)}"
        )
    if description is not None and (
        not isinstance(description, str) or not BUNDLE_DESCRIPTION_PATTERN.fullmatch(description)
    ):
        raise InvalidRequest(
            f"{where}.Description: must be 1-255 characters of letters, digits, spaces and "
            f"_ . / ( ) -; got {describe(description)}"
        )
    compute = one_of(
        raw.get("ComputeType", defaults.compute_type), compute_types(), f"{where}.ComputeType"
    )
    fits = computes_for(process)
    if compute not in fits:
        raise InvalidRequest(
            f"{where}.ComputeType: an image imported with {process} runs on {', '.join(fits)} "
            f"bundles; got {compute!r}"
        )
    root = _int(raw.get("RootVolumeSizeGib", defaults.root_gib), f"{where}.RootVolumeSizeGib")
    user = _int(raw.get("UserVolumeSizeGib", defaults.user_gib), f"{where}.UserVolumeSizeGib")
    if not volumes_allowed(root, user):
        raise InvalidRequest(
            f"{where}: root {root} GiB with user {user} GiB is not a volume combination "
            "WorkSpaces allows: root 80 with user 10, 50 or 100, or root 175-2000 with user "
            "100-2000 (the root volume also holds the image, up to 70 GB)"
        )
    return BundleCreate(name, description, compute, root, user)


def check_bundle(
    raw: Any, defaults: DeliveryDefaults, process: str, where: str
) -> tuple[BundleCreate | None, str | None]:
    """(create, update): at most one is set. `raw` is {"Create": {...}} or {"Update": "wsb-..."}
    or None (no bundle)."""
    if raw is None:
        return None, None
    if not isinstance(raw, Mapping) or len(raw) != 1 or next(iter(raw)) not in ("Create", "Update"):
        raise InvalidRequest(
            f'{where}: must be {{"Create": {{...}}}} or {{"Update": "wsb-..."}} (or null for no '
            f"bundle); got {describe(raw)}"
        )
    if "Create" in raw:
        return check_create(raw["Create"], defaults, process, f"{where}.Create"), None
    bundle_id = raw["Update"]
    if not isinstance(bundle_id, str) or not BUNDLE_ID_PATTERN.fullmatch(bundle_id):
        raise InvalidRequest(
            f"{where}.Update: must be a bundle id, wsb- and 8-63 lowercase letters or digits; "
            f"got {describe(bundle_id)}"
        )
    return None, bundle_id


def _bundle_from_setting(value: str, extra: Mapping[str, Any]) -> Any:
    if value in ("", "none"):
        return None
    if value == BUNDLE_CREATE:
        return {"Create": dict(extra)}
    return {"Update": value}


def resolve(
    raw: Any,
    tag: Mapping[str, str],
    defaults: DeliveryDefaults,
    *,
    ingestion_process: str,
    place: Place | None,
    tag_where: str = "trigger tag value",
) -> DeliveryRequest | None:
    """Each of Bundle, CopyToRegions, ShareWithAccounts: the request's `Delivery` field when it
    names it, else the trigger tag's key, else the configured default. None: nothing to
    deliver. `tag` holds the tag value's delivery keys as written (logic/tag_value.py)."""
    if raw is not None and not isinstance(raw, Mapping):
        raise InvalidRequest(
            f"Delivery: must be an object with {', '.join(_FIELDS)}; got {describe(raw)}"
        )
    given = raw or {}
    unknown = sorted(str(k) for k in given if k not in _FIELDS)
    if unknown:
        raise InvalidRequest(
            f"Delivery.{unknown[0]}: unknown field{did_you_mean(unknown[0], _FIELDS)}; fields "
            f"are {', '.join(_FIELDS)}"
        )
    if "Bundle" in given:
        create, update = check_bundle(
            given["Bundle"], defaults, ingestion_process, "Delivery.Bundle"
        )
    elif "Bundle" in tag or "BundleName" in tag or "BundleComputeType" in tag:
        extra = {"Name": tag["BundleName"]} if "BundleName" in tag else {}
        if "BundleComputeType" in tag:
            extra["ComputeType"] = tag["BundleComputeType"]
        chosen = _bundle_from_setting(tag.get("Bundle", BUNDLE_CREATE), extra)
        create, update = check_bundle(chosen, defaults, ingestion_process, f"{tag_where} Bundle")
    else:
        chosen = _bundle_from_setting(defaults.bundle, {})
        create, update = check_bundle(
            chosen, defaults, ingestion_process, "configured deliveryBundle"
        )
    if "CopyToRegions" in given:
        regions = check_regions(given["CopyToRegions"], place)
    elif "CopyToRegions" in tag:
        regions = check_regions(
            split_list(tag["CopyToRegions"]), place, f"{tag_where} CopyToRegions"
        )
    else:
        regions = check_regions(defaults.copy_to_regions, place, "configured deliveryCopyToRegions")
    if "ShareWithAccounts" in given:
        accounts = check_accounts(given["ShareWithAccounts"], place)
    elif "ShareWithAccounts" in tag:
        accounts = check_accounts(
            split_list(tag["ShareWithAccounts"]), place, f"{tag_where} ShareWithAccounts"
        )
    else:
        accounts = check_accounts(
            defaults.share_with_accounts, place, "configured deliveryShareWithAccounts"
        )
    delivery = DeliveryRequest(create, update, regions, accounts)
    return delivery if delivery.requested else None


def copies_tag_value(copies: Iterable[Mapping[str, Any]]) -> str:
    """`<region>=<wsi>,...`: each copy's Region and image (the AMI's byol-import:copies tag)."""
    return ",".join(f"{c['region']}={c['image_id']}" for c in copies if c.get("image_id"))
