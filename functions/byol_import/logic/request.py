"""Normalise a manual console input or a starter input into one typed request. Pure."""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Final

from byol_import.errors import InvalidRequest
from byol_import.logic.ids import AMI_ID_PATTERN
from byol_import.settings import TAG_NAMESPACE, FunctionSettings
from byol_import.triggers import TRIGGER_SOURCES

IMAGE_NAME_PATTERN: Final = re.compile(r"^[a-zA-Z0-9_./()\-]{1,64}$")
IMAGE_DESCRIPTION_PATTERN: Final = re.compile(r"^[a-zA-Z0-9_./() \-]{1,256}$")

INGESTION_PROCESSES: Final = (
    "BYOL_REGULAR",
    "BYOL_REGULAR_WSP",
    "BYOL_GRAPHICS_G4DN",
    "BYOL_GRAPHICS_G4DN_WSP",
    "BYOL_REGULAR_BYOP",
    "BYOL_GRAPHICS_G4DN_BYOP",
    "BYOL_GRAPHICS",
    "BYOL_GRAPHICSPRO",
)
APPLICATIONS: Final = ("Microsoft_Office_2016", "Microsoft_Office_2019")
# The names the WorkSpaces API gives them (ImportCustomWorkspaceImage OsVersion).
OS_VERSIONS: Final = ("Windows_10", "Windows_11")

# WorkSpaces allows 50 tags per resource; we add our own (managed-by, source AMI).
MAX_USER_TAGS: Final = 48
# Trigger tag values that mean "import, with the configured default".
DEFAULT_TRIGGER_VALUES: Final = frozenset({"", "true", "yes", "1", "default", "import"})

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
    }
)
# The keys a trigger tag value may set: `KEY=VALUE` pairs separated by commas or spaces.
TAG_VALUE_KEYS: Final = ("IngestionProcess", "OsVersion")
_TAG_VALUE_SEPARATORS: Final = re.compile(r"[,\s]+")
# Only for callers that do not pass the deployment's key (its default, from the schema).
DEFAULT_TRIGGER_TAG_KEY: Final = str(
    next(f.default for f in fields(FunctionSettings) if f.name == "trigger_tag_key")
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

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["applications"] = list(self.applications)
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
        )


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _optional_string(
    raw: Mapping[str, Any], name: str, pattern: re.Pattern[str], rule: str
) -> str | None:
    if name not in raw or raw[name] is None:
        return None
    value = raw[name]
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise InvalidRequest(f"{name}: {rule}; got {_describe(value)}")
    return value


def did_you_mean(value: Any, choices: tuple[str, ...] | frozenset[str]) -> str:
    """A hint for a near miss: the case-only match first, else the closest spelling."""
    if not isinstance(value, str):
        return ""
    same_case = [c for c in choices if c.lower() == value.strip().lower()]
    close = same_case or difflib.get_close_matches(value, sorted(choices), n=1, cutoff=0.75)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _one_of(value: Any, choices: tuple[str, ...], field_name: str) -> str:
    if not isinstance(value, str) or value not in choices:
        raise InvalidRequest(
            f"{field_name}: must be one of {', '.join(choices)}; got {_describe(value)}"
            f"{did_you_mean(value, choices)}"
        )
    return value


def _ingestion_process(value: Any, field_name: str) -> str:
    return _one_of(value, INGESTION_PROCESSES, field_name)


def _applications(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidRequest(f"Applications: must be a list of strings; got {_describe(value)}")
    unknown = [v for v in value if v not in APPLICATIONS]
    if unknown:
        raise InvalidRequest(
            f"Applications: each must be one of {', '.join(APPLICATIONS)}; got {_describe(unknown)}"
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
            f"got {_describe(value)}"
        )
    if len(pairs) > MAX_USER_TAGS:
        raise InvalidRequest(f"Tags: at most {MAX_USER_TAGS} tags; got {len(pairs)}")
    tags: dict[str, str] = {}
    for key, val in pairs:
        if not isinstance(key, str) or not 1 <= len(key) <= 127:
            raise InvalidRequest(f"Tags: each key must be 1-127 characters; got {_describe(key)}")
        if key.lower().startswith("aws:") or key.startswith(TAG_NAMESPACE):
            raise InvalidRequest(f"Tags: key {_describe(key)} uses a reserved prefix")
        if not isinstance(val, str) or len(val) > 255:
            raise InvalidRequest(
                f"Tags: value of {_describe(key)} must be a string of at most 255 characters"
            )
        tags[key] = val
    return tags


def _trigger(value: Any) -> tuple[str, str | None]:
    """The starter records where the request came from and the trigger tag's value."""
    if value is None:
        return "Manual", None
    if not isinstance(value, Mapping):
        raise InvalidRequest(f"Trigger: must be an object; got {_describe(value)}")
    source = value.get("Source", "Manual")
    if source not in TRIGGER_SOURCES:
        raise InvalidRequest(
            f"Trigger.Source: must be one of {', '.join(TRIGGER_SOURCES)}; got {_describe(source)}"
        )
    tag_value = value.get("TagValue")
    if tag_value is not None and (not isinstance(tag_value, str) or len(tag_value) > 255):
        raise InvalidRequest(
            f"Trigger.TagValue: must be a string of at most 255 characters; got "
            f"{_describe(tag_value)}"
        )
    return source, tag_value


@dataclass(frozen=True)
class TagSettings:
    """What a trigger tag value asks for; None means "not said"."""

    ingestion_process: str | None = None
    os_version: str | None = None


def parse_tag_value(value: str | None, tag_key: str = DEFAULT_TRIGGER_TAG_KEY) -> TagSettings:
    """Read a trigger tag value. The one place its syntax is defined:

    - empty, `true`, `yes`, `1`, `default` or `import` (any case): the configured defaults;
    - a bare IngestionProcess, e.g. `BYOL_REGULAR_WSP`;
    - `KEY=VALUE` pairs separated by commas or spaces, keys IngestionProcess and OsVersion, e.g.
      `OsVersion=Windows_10,IngestionProcess=BYOL_REGULAR`.
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
                f"{where} value {_describe(value)}: an OsVersion is written OsVersion={text}, "
                "alone or with IngestionProcess=..., separated by a comma"
            )
        return TagSettings(ingestion_process=_one_of(text, INGESTION_PROCESSES, f"{where} value"))
    found: dict[str, str] = {}
    for part in _TAG_VALUE_SEPARATORS.split(text):
        if not part:
            continue
        key, sep, val = part.partition("=")
        if not sep:
            raise InvalidRequest(
                f"{where} value {_describe(value)}: {_describe(part)} is not KEY=VALUE; write "
                "pairs such as OsVersion=Windows_10,IngestionProcess=BYOL_REGULAR"
            )
        if key not in TAG_VALUE_KEYS:
            raise InvalidRequest(
                f"{where} value {_describe(value)}: unknown key {_describe(key)}; keys are "
                f"{', '.join(TAG_VALUE_KEYS)}{did_you_mean(key, TAG_VALUE_KEYS)}"
            )
        if key in found:
            raise InvalidRequest(f"{where} value {_describe(value)}: {key} is given twice")
        choices = INGESTION_PROCESSES if key == "IngestionProcess" else OS_VERSIONS
        found[key] = _one_of(val, choices, f"{where} value {key}")
    return TagSettings(
        ingestion_process=found.get("IngestionProcess"), os_version=found.get("OsVersion")
    )


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
        return _one_of(requested, OS_VERSIONS, "OsVersion")
    return parse_tag_value(tag_value, tag_key).os_version


def normalise_request(
    raw: Any, default_ingestion_process: str, trigger_tag_key: str = DEFAULT_TRIGGER_TAG_KEY
) -> ImportRequest:
    """Turn a console or starter input into an ImportRequest, or raise InvalidRequest.

    `trigger_tag_key` is the deployment's (config `triggerTagKey`): errors in the tag's value
    name it, so a person knows which tag to change."""
    if not isinstance(raw, Mapping):
        raise InvalidRequest(
            'input: must be a JSON object such as {"ImageId": "ami-0123456789abcdef0"}; '
            f"got {_describe(raw)}"
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
            f"{_describe(image_id)}"
        )
    source, tag_value = _trigger(raw.get("Trigger"))
    return ImportRequest(
        image_id=image_id,
        ingestion_process=resolve_ingestion_process(
            raw.get("IngestionProcess"), tag_value, default_ingestion_process, trigger_tag_key
        ),
        os_version=resolve_os_version(raw.get("OsVersion"), tag_value, trigger_tag_key),
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
    )
