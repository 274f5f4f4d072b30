"""What DescribeImages shows about an AMI, checked against the BYOL requirements. Pure."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any, Final

from byol_import import errors
from byol_import.logic.request import ImportRequest

MAX_ROOT_VOLUME_GB: Final = 70
MAX_NAME: Final = 64
MAX_DESCRIPTION: Final = 256

_WINDOWS_11: Final = re.compile(r"win(dows)?[\s_\-.]*11", re.IGNORECASE)
_NAME_INVALID: Final = re.compile(r"[^a-zA-Z0-9_./()\-]+")
_DESCRIPTION_INVALID: Final = re.compile(r"[^a-zA-Z0-9_./() \-]+")


@dataclass(frozen=True)
class AmiFacts:
    image_id: str
    name: str
    description: str
    windows_11: bool

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def check_ami(image: Mapping[str, Any] | None, image_id: str, account_id: str) -> AmiFacts:
    """Raise a distinct error for each visible BYOL requirement the AMI misses."""
    if image is None:
        raise errors.ImageNotFound(
            f"AMI {image_id} was not found in this Region: check the id and the Region"
        )
    owner = image.get("OwnerId")
    if owner != account_id:
        raise errors.ImageNotOwned(
            f"AMI {image_id} belongs to account {owner}, not {account_id}: copy it into this "
            "account (ec2 copy-image) and import the copy"
        )
    state = image.get("State")
    if state != "available":
        raise errors.ImageNotAvailable(
            f"AMI {image_id} is {state}, not available: wait until it is available and retry"
        )
    platform = str(image.get("Platform") or "").lower()
    details = str(image.get("PlatformDetails") or "")
    if platform != "windows" and not details.lower().startswith("windows"):
        raise errors.ImageNotWindows(
            f"AMI {image_id} is not Windows (platform {details or 'Linux/UNIX'}): BYOL imports "
            "Windows 10 or 11 images only"
        )
    arch = image.get("Architecture")
    if arch != "x86_64":
        raise errors.ImageNotX86(
            f"AMI {image_id} is {arch}: WorkSpaces BYOL imports 64-bit x86_64 images only"
        )
    ebs = [m["Ebs"] for m in image.get("BlockDeviceMappings") or [] if "Ebs" in m]
    encrypted = [m for m in ebs if m.get("Encrypted")]
    if encrypted:
        raise errors.ImageEncrypted(
            f"AMI {image_id} has encrypted snapshots: BYOL needs an unencrypted AMI; create one "
            "from an instance with unencrypted volumes"
        )
    if len(ebs) != 1:
        raise errors.ImageVolumeUnsupported(
            f"AMI {image_id} has {len(ebs)} EBS volumes: BYOL needs a single root volume"
        )
    size = ebs[0].get("VolumeSize")
    if isinstance(size, int) and size > MAX_ROOT_VOLUME_GB:
        raise errors.ImageVolumeUnsupported(
            f"AMI {image_id} has a {size} GB volume: BYOL allows at most {MAX_ROOT_VOLUME_GB} GB"
        )
    name = str(image.get("Name") or "")
    description = str(image.get("Description") or "")
    return AmiFacts(
        image_id=image_id,
        name=name,
        description=description,
        windows_11=bool(_WINDOWS_11.search(f"{name} {description} {details}")),
    )


def check_combination(request: ImportRequest, facts: AmiFacts) -> None:
    """Reject what the API documents as invalid for Windows 11."""
    if not facts.windows_11:
        return
    process = request.ingestion_process
    dcv = process.endswith("_WSP") or process.endswith("_BYOP")
    if not dcv:
        raise errors.UnsupportedCombination(
            f"Windows 11 cannot use PCoIP ({process}): use a DCV ingestion process such as "
            "BYOL_REGULAR_WSP"
        )
    if request.applications and "GRAPHICS" in process:
        raise errors.UnsupportedCombination(
            f"Windows 11 on GPU DCV ({process}) supports no Microsoft Office: remove Applications"
        )
    if "Microsoft_Office_2016" in request.applications:
        raise errors.UnsupportedCombination(
            "Windows 11 supports only Microsoft_Office_2019: change Applications"
        )


def _short_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:8]


def sanitise_name(text: str) -> str:
    cleaned = _NAME_INVALID.sub("-", text).strip("-")
    return re.sub(r"-{2,}", "-", cleaned)


def sanitise_description(text: str) -> str:
    cleaned = _DESCRIPTION_INVALID.sub(" ", text)
    return re.sub(r"\s{2,}", " ", cleaned).strip()[:MAX_DESCRIPTION].strip()


def image_name(request: ImportRequest, facts: AmiFacts) -> str:
    """The WorkSpaces image name: the requested one, else derived from the AMI.

    A derived name ends with the AMI id, so it is the same on every retry (an idempotency key we
    can find again) and never collides with another AMI's image.
    """
    if request.image_name:
        return request.image_name
    suffix = "-" + facts.image_id
    base = sanitise_name(facts.name) or "byol-image"
    base = base[: MAX_NAME - len(suffix)].rstrip("-") or "byol"
    return base + suffix


def image_description(request: ImportRequest, facts: AmiFacts) -> str:
    if request.image_description:
        return request.image_description
    text = sanitise_description(facts.description)
    if text:
        return text
    return f"Imported from {facts.image_id} by byol-import"


def execution_name(image_id: str, trigger_value: str | None) -> str:
    """Deterministic execution name: one per AMI and trigger value, valid for Step Functions.

    Names are 1-80 of [a-zA-Z0-9-_]; the hash makes any tag value (unicode, long) fit.
    """
    value = trigger_value if trigger_value is not None else ""
    return f"{image_id}-{_short_hash(value)}"
