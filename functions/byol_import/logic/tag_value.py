"""The syntax of a trigger tag's value: the one place it is defined. Pure."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from typing import Final

from byol_import.errors import InvalidRequest
from byol_import.logic.choices import (
    COMPUTE_TYPES,
    IMAGE_VALIDATION_MODES,
    INGESTION_PROCESSES,
    OS_VERSIONS,
    PROTOCOLS,
    describe,
    did_you_mean,
    one_of,
)
from byol_import.names import IMPORT_METHODS
from byol_import.settings import FunctionSettings

# Trigger tag values that mean "import, with the configured default".
DEFAULT_TRIGGER_VALUES: Final = frozenset({"", "true", "yes", "1", "default", "import"})

# The keys a trigger tag value may set: `KEY=VALUE` pairs separated by commas or spaces.
# Each key and the values it takes.
_CHOICES: Final = {
    "IngestionProcess": INGESTION_PROCESSES,
    "OsVersion": OS_VERSIONS,
    "ImportMethod": IMPORT_METHODS,
    "Protocol": PROTOCOLS,
    "ComputeType": COMPUTE_TYPES,
    "ImageValidationMode": IMAGE_VALIDATION_MODES,
}
# Delivery keys (logic/delivery.py checks their values): Bundle (create, none or a wsb- id to
# update), BundleName, BundleComputeType, CopyToRegions and ShareWithAccounts (items joined
# with +).
DELIVERY_TAG_KEYS: Final = (
    "Bundle",
    "BundleName",
    "BundleComputeType",
    "CopyToRegions",
    "ShareWithAccounts",
)
TAG_VALUE_KEYS: Final = (*_CHOICES, *DELIVERY_TAG_KEYS)
_TAG_VALUE_SEPARATORS: Final = re.compile(r"[,\s]+")
# Only for callers that do not pass the deployment's key (its default, from the schema).
DEFAULT_TRIGGER_TAG_KEY: Final = str(
    next(f.default for f in fields(FunctionSettings) if f.name == "trigger_tag_key")
)


@dataclass(frozen=True)
class TagSettings:
    """What a trigger tag value asks for; None means "not said"."""

    ingestion_process: str | None = None
    os_version: str | None = None
    import_method: str | None = None
    protocol: str | None = None
    compute_type: str | None = None
    image_validation_mode: str | None = None
    delivery: dict[str, str] = field(default_factory=dict)  # delivery keys, as written

    def image_builder_keys(self) -> list[str]:
        """The keys said that only the Image Builder path takes."""
        return [
            key
            for key, value in (
                ("Protocol", self.protocol),
                ("ComputeType", self.compute_type),
                ("ImageValidationMode", self.image_validation_mode),
            )
            if value is not None
        ]


def parse_tag_value(value: str | None, tag_key: str = DEFAULT_TRIGGER_TAG_KEY) -> TagSettings:
    """Read a trigger tag value. The one place its syntax is defined:

    - empty, `true`, `yes`, `1`, `default` or `import` (any case): the configured defaults;
    - a bare IngestionProcess, e.g. `BYOL_REGULAR_WSP`;
    - `KEY=VALUE` pairs separated by commas or spaces, keys IngestionProcess, OsVersion,
      ImportMethod, Protocol, ComputeType and ImageValidationMode, e.g.
      `OsVersion=Windows_10,IngestionProcess=BYOL_REGULAR` or
      `ImportMethod=image-builder,Protocol=DCV`.
    Names and values are exact (case-sensitive, as the WorkSpaces API spells them); a near miss
    is refused with a "did you mean", naming the tag key to change.
    """
    if value is None or value.strip().lower() in DEFAULT_TRIGGER_VALUES:
        return TagSettings()
    where = f"trigger tag {tag_key}"
    text = value.strip()
    if "=" not in text:
        if text.lower() in {v.lower() for v in OS_VERSIONS}:
            raise InvalidRequest(
                f"{where} value {describe(value)}: an OsVersion is written OsVersion={text}, "
                "alone or with IngestionProcess=..., separated by a comma"
            )
        return TagSettings(ingestion_process=one_of(text, INGESTION_PROCESSES, f"{where} value"))
    found: dict[str, str] = {}
    for part in _TAG_VALUE_SEPARATORS.split(text):
        if not part:
            continue
        key, sep, val = part.partition("=")
        if not sep:
            raise InvalidRequest(
                f"{where} value {describe(value)}: {describe(part)} is not KEY=VALUE; write "
                "pairs such as OsVersion=Windows_10,IngestionProcess=BYOL_REGULAR"
            )
        if key not in TAG_VALUE_KEYS:
            raise InvalidRequest(
                f"{where} value {describe(value)}: unknown key {describe(key)}; keys are "
                f"{', '.join(TAG_VALUE_KEYS)}{did_you_mean(key, TAG_VALUE_KEYS)}"
            )
        if key in found:
            raise InvalidRequest(f"{where} value {describe(value)}: {key} is given twice")
        if key in DELIVERY_TAG_KEYS:
            found[key] = val
            continue
        found[key] = one_of(val, _CHOICES[key], f"{where} value {key}")
    return TagSettings(
        ingestion_process=found.get("IngestionProcess"),
        os_version=found.get("OsVersion"),
        import_method=found.get("ImportMethod"),
        protocol=found.get("Protocol"),
        compute_type=found.get("ComputeType"),
        image_validation_mode=found.get("ImageValidationMode"),
        delivery={k: v for k, v in found.items() if k in DELIVERY_TAG_KEYS},
    )
