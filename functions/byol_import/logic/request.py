"""Normalise a manual console input or a starter input into one typed request. Pure."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Final

from byol_import.errors import InvalidRequest
from byol_import.logic import delivery as delivery_logic
from byol_import.logic.choices import (
    APPLICATIONS,
    INGESTION_PROCESSES,
    OS_VERSIONS,
    describe,
    did_you_mean,
    one_of,
)
from byol_import.logic.delivery import DeliveryDefaults, DeliveryRequest, Place
from byol_import.logic.ids import AMI_ID_PATTERN
from byol_import.logic.import_method import (
    BUILD_VERSION_FIELD,
    CLASSIC,
    IMAGE_BUILDER,
    IMAGE_BUILDER_FIELDS,
    build_version,
    image_builder_fields,
    refuse_pcoip_on_windows_11,
    resolve_method,
)
from byol_import.logic.tag_value import DEFAULT_TRIGGER_TAG_KEY, parse_tag_value
from byol_import.settings import TAG_NAMESPACE
from byol_import.triggers import TRIGGER_SOURCES

IMAGE_NAME_PATTERN: Final = re.compile(r"^[a-zA-Z0-9_./()\-]{1,64}$")
IMAGE_DESCRIPTION_PATTERN: Final = re.compile(r"^[a-zA-Z0-9_./() \-]{1,256}$")

# WorkSpaces allows 50 tags per resource; we add our own (managed-by, source AMI).
MAX_USER_TAGS: Final = 48

_ALLOWED_FIELDS: Final = frozenset(
    {
        "ImageId",
        "IngestionProcess",
        "OsVersion",
        "ImageName",
        "ImageDescription",
        "Applications",
        "Tags",
        "Trigger",
        "ImportMethod",
        BUILD_VERSION_FIELD,
        *IMAGE_BUILDER_FIELDS,
        "Delivery",
    }
)


@dataclass(frozen=True)
class ImportRequest:
    image_id: str
    ingestion_process: str
    os_version: str | None = None
    image_name: str | None = None
    image_description: str | None = None
    applications: tuple[str, ...] = ()
    tags: dict[str, str] = field(default_factory=dict)
    source: str = "Manual"
    import_method: str = CLASSIC
    # The Image Builder path's own fields (None on the classic path); the build version is kept
    # on both (the classic path imports its output AMI, ImageId)
    protocol: str | None = None
    compute_type: str | None = None
    image_validation_mode: str | None = None
    image_build_version_arn: str | None = None
    delivery: DeliveryRequest | None = None  # what to deliver once AVAILABLE (None: nothing)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["applications"] = list(self.applications)
        data["delivery"] = self.delivery.to_json() if self.delivery else None
        data["deliver"] = self.delivery is not None  # the ASL's Choice reads it
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ImportRequest:
        return cls(
            image_id=data["image_id"],
            ingestion_process=data["ingestion_process"],
            os_version=data.get("os_version"),
            image_name=data.get("image_name"),
            image_description=data.get("image_description"),
            applications=tuple(data.get("applications") or ()),
            tags=dict(data.get("tags") or {}),
            source=data.get("source", "Manual"),
            import_method=data.get("import_method", CLASSIC),
            protocol=data.get("protocol"),
            compute_type=data.get("compute_type"),
            image_validation_mode=data.get("image_validation_mode"),
            image_build_version_arn=data.get("image_build_version_arn"),
            delivery=DeliveryRequest.from_json(data.get("delivery")),
        )


def _optional_string(
    raw: Mapping[str, Any], name: str, pattern: re.Pattern[str], rule: str
) -> str | None:
    if name not in raw or raw[name] is None:
        return None
    value = raw[name]
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise InvalidRequest(f"{name}: {rule}; got {describe(value)}")
    return value


def _ingestion_process(value: Any, field_name: str) -> str:
    return one_of(value, INGESTION_PROCESSES, field_name)


def _applications(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidRequest(f"Applications: must be a list of strings; got {describe(value)}")
    unknown = [v for v in value if v not in APPLICATIONS]
    if unknown:
        raise InvalidRequest(
            f"Applications: each must be one of {', '.join(APPLICATIONS)}; got {describe(unknown)}"
        )
    if len(set(value)) > 1:
        raise InvalidRequest("Applications: name at most one Microsoft Office version")
    return tuple(dict.fromkeys(value))


def _tags(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    pairs: list[tuple[Any, Any]]
    if isinstance(value, Mapping):
        pairs = list(value.items())
    elif isinstance(value, list) and all(isinstance(t, Mapping) for t in value):
        pairs = [(t.get("Key"), t.get("Value", "")) for t in value]
    else:
        raise InvalidRequest(
            'Tags: must be an object {"key": "value"} or a list of {"Key", "Value"}; '
            f"got {describe(value)}"
        )
    if len(pairs) > MAX_USER_TAGS:
        raise InvalidRequest(f"Tags: at most {MAX_USER_TAGS} tags; got {len(pairs)}")
    tags: dict[str, str] = {}
    for key, val in pairs:
        if not isinstance(key, str) or not 1 <= len(key) <= 127:
            raise InvalidRequest(f"Tags: each key must be 1-127 characters; got {describe(key)}")
        if key.lower().startswith("aws:") or key.startswith(TAG_NAMESPACE):
            raise InvalidRequest(f"Tags: key {describe(key)} uses a reserved prefix")
        if not isinstance(val, str) or len(val) > 255:
            raise InvalidRequest(
                f"Tags: value of {describe(key)} must be a string of at most 255 characters"
            )
        tags[key] = val
    return tags


def _trigger(value: Any) -> tuple[str, str | None]:
    """The starter records where the request came from and the trigger tag's value."""
    if value is None:
        return "Manual", None
    if not isinstance(value, Mapping):
        raise InvalidRequest(f"Trigger: must be an object; got {describe(value)}")
    source = value.get("Source", "Manual")
    if source not in TRIGGER_SOURCES:
        raise InvalidRequest(
            f"Trigger.Source: must be one of {', '.join(TRIGGER_SOURCES)}; got {describe(source)}"
        )
    tag_value = value.get("TagValue")
    if tag_value is not None and (not isinstance(tag_value, str) or len(tag_value) > 255):
        raise InvalidRequest(
            f"Trigger.TagValue: must be a string of at most 255 characters; got "
            f"{describe(tag_value)}"
        )
    return source, tag_value


def resolve_ingestion_process(
    requested: Any, tag_value: str | None, default: str, tag_key: str = DEFAULT_TRIGGER_TAG_KEY
) -> str:
    """Request first, then the trigger tag's value, then the configured default."""
    if requested is not None:
        return _ingestion_process(requested, "IngestionProcess")
    from_tag = parse_tag_value(tag_value, tag_key).ingestion_process
    if from_tag is not None:
        return from_tag
    return _ingestion_process(default, "configured default IngestionProcess")


def resolve_os_version(
    requested: Any, tag_value: str | None, tag_key: str = DEFAULT_TRIGGER_TAG_KEY
) -> str | None:
    """Request first, then the trigger tag's value; None leaves it to what EC2 shows."""
    if requested is not None:
        return one_of(requested, OS_VERSIONS, "OsVersion")
    return parse_tag_value(tag_value, tag_key).os_version


def normalise_request(
    raw: Any,
    default_ingestion_process: str,
    trigger_tag_key: str = DEFAULT_TRIGGER_TAG_KEY,
    default_import_method: str = CLASSIC,
    image_builder_path: bool = True,
    *,
    delivery_defaults: DeliveryDefaults | None = None,
    place: Place | None = None,
) -> ImportRequest:
    """Turn a console or starter input into an ImportRequest, or raise InvalidRequest.

    `trigger_tag_key` is the deployment's (config `triggerTagKey`): errors in the tag's value
    name it, so a person knows which tag to change. `image_builder_path`: whether the stack
    deploys the Image Builder import (config `imageBuilderPath`). `delivery_defaults` are the
    configured ones; `place` (our account and Region) refuses copies home and shares to ourselves.
    """
    if not isinstance(raw, Mapping):
        raise InvalidRequest(
            'input: must be a JSON object such as {"ImageId": "ami-0123456789abcdef0"}; '
            f"got {describe(raw)}"
        )
    unknown = sorted(str(k) for k in raw if k not in _ALLOWED_FIELDS)
    if unknown:
        raise InvalidRequest(
            f"{unknown[0]}: unknown field{did_you_mean(unknown[0], _ALLOWED_FIELDS)}; allowed "
            f"fields are {', '.join(sorted(_ALLOWED_FIELDS))}"
        )
    image_id = raw.get("ImageId")
    if image_id is None:
        raise InvalidRequest("ImageId: required")
    if not isinstance(image_id, str) or not AMI_ID_PATTERN.fullmatch(image_id):
        raise InvalidRequest(
            f"ImageId: must match ami- followed by 8 or 17 lowercase hex digits; got "
            f"{describe(image_id)}"
        )
    source, tag_value = _trigger(raw.get("Trigger"))
    tags = parse_tag_value(tag_value, trigger_tag_key)
    method = resolve_method(raw.get("ImportMethod"), tags, default_import_method)
    if method == IMAGE_BUILDER and not image_builder_path:
        raise InvalidRequest(
            "ImportMethod: image-builder is not deployed here (imageBuilderPath is false in "
            "cdk.json): use ImportMethod classic, or set imageBuilderPath to true and redeploy"
        )
    process = resolve_ingestion_process(
        raw.get("IngestionProcess"), tag_value, default_ingestion_process, trigger_tag_key
    )
    os_version = resolve_os_version(raw.get("OsVersion"), tag_value, trigger_tag_key)
    new_path = image_builder_fields(raw, tags, method, process)
    if new_path is not None:
        refuse_pcoip_on_windows_11(new_path.protocol, os_version, "OsVersion of the request")
    delivery = delivery_logic.resolve(
        raw.get("Delivery"),
        tags.delivery,
        delivery_defaults or DeliveryDefaults(),
        ingestion_process=process,
        place=place,
        tag_where=f"trigger tag {trigger_tag_key} value",
    )
    return ImportRequest(
        image_id=image_id,
        ingestion_process=process,
        os_version=os_version,
        image_name=_optional_string(
            raw,
            "ImageName",
            IMAGE_NAME_PATTERN,
            "must be 1-64 characters of letters, digits and _ . / ( ) -",
        ),
        image_description=_optional_string(
            raw,
            "ImageDescription",
            IMAGE_DESCRIPTION_PATTERN,
            "must be 1-256 characters of letters, digits, spaces and _ . / ( ) -",
        ),
        applications=_applications(raw.get("Applications")),
        tags=_tags(raw.get("Tags")),
        source=source,
        import_method=method,
        protocol=new_path.protocol if new_path else None,
        compute_type=new_path.compute_type if new_path else None,
        image_validation_mode=new_path.image_validation_mode if new_path else None,
        image_build_version_arn=build_version(raw),
        delivery=delivery,
    )
