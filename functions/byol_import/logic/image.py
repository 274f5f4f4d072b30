"""What DescribeImages shows about an AMI, checked against the BYOL requirements. Pure.

Which Windows it is decides what may be imported (Windows 11 refuses PCoIP and some Office
combinations). The request's OsVersion says it; without one we read what EC2 reports, never
the name alone to allow something: BootMode uefi or TpmSupport v2.0 (Windows 11 needs both) or a
name saying Windows 11 mean Windows 11; BootMode legacy-bios means Windows 10; anything else is
"possibly Windows 11" and gets Windows 11's rules (the safe side), with a message to set OsVersion.
An OsVersion that contradicts the boot mode EC2 reports is refused: Windows 11 needs UEFI, and
WorkSpaces imports Windows 10 only with legacy BIOS (BYOL Checker, UEFINotSupported).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any, Final

from byol_import import errors
from byol_import.logic.import_method import IMAGE_BUILDER
from byol_import.logic.request import INGESTION_PROCESSES, ImportRequest

MAX_ROOT_VOLUME_GB: Final = 70
MAX_NAME: Final = 64
MAX_DESCRIPTION: Final = 256

_WINDOWS_11: Final = re.compile(r"win(dows)?[\s_\-.]*11", re.IGNORECASE)
# AMI billing fields (EC2 User Guide, "AMI billing information fields"): a desktop Windows AMI
# made with VM Import under BYOL shows these; plain "Windows" (RunInstances:0002) and "Windows
# with SQL Server ..." are license-included Windows Server AMIs, which BYOL cannot import.
BYOL_PLATFORM_DETAILS: Final = "Windows BYOL"
BYOL_USAGE_OPERATION: Final = "RunInstances:0800"
WINDOWS_10: Final = "Windows_10"
WINDOWS_11: Final = "Windows_11"
_NAME_INVALID: Final = re.compile(r"[^a-zA-Z0-9_./()\-]+")
_DESCRIPTION_INVALID: Final = re.compile(r"[^a-zA-Z0-9_./() \-]+")


@dataclass(frozen=True)
class AmiFacts:
    image_id: str
    name: str
    description: str
    # treated as Windows 11: it is, or it may be (see os_version)
    windows_11: bool
    # Windows_10, Windows_11, or None when EC2 and the name do not tell
    os_version: str | None = None
    # what os_version rests on, in words for a message
    os_basis: str = ""
    boot_mode: str | None = None
    tpm_support: str | None = None
    platform_details: str | None = None
    usage_operation: str | None = None
    # GB of the root EBS volume: a bundle of the image may not have a smaller root (Deliver)
    root_volume_gib: int | None = None

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
    usage = str(image.get("UsageOperation") or "")
    if _license_included(details, usage):
        raise errors.ImageNotWindows(
            f"AMI {image_id} is a license-included Windows AMI: EC2 reports PlatformDetails "
            f"{details or 'not set'!r} and UsageOperation {usage or 'not set'!r}, where a BYOL "
            f"desktop AMI shows {BYOL_PLATFORM_DETAILS!r} and {BYOL_USAGE_OPERATION}. Such AMIs "
            "run Windows Server, which BYOL does not import: bring a Windows 10 or 11 VM in with "
            "VM Import (license type BYOL) and import that AMI"
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
    boot_mode = _text(image.get("BootMode"))
    tpm = _text(image.get("TpmSupport"))
    os_version, basis = _os_from_ec2(boot_mode, tpm, f"{name} {description}")
    return AmiFacts(
        image_id=image_id,
        name=name,
        description=description,
        windows_11=os_version != WINDOWS_10,
        os_version=os_version,
        os_basis=basis,
        boot_mode=boot_mode,
        tpm_support=tpm,
        platform_details=details or None,
        usage_operation=usage or None,
        root_volume_gib=size if isinstance(size, int) else None,
    )


def _text(value: Any) -> str | None:
    return str(value) if value else None


def _license_included(details: str, usage: str) -> bool:
    """Either billing field naming a license-included Windows is enough (the stricter reading);
    with neither reported we cannot tell and leave it to the import's checker."""
    windows_details = details.lower().startswith("windows")
    if windows_details and details != BYOL_PLATFORM_DETAILS:
        return True
    return bool(usage) and windows_details and usage != BYOL_USAGE_OPERATION


def _os_from_ec2(boot_mode: str | None, tpm: str | None, text: str) -> tuple[str | None, str]:
    """Any sign of Windows 11 wins (its rules are the stricter); legacy BIOS rules it out."""
    if boot_mode == "uefi":
        return WINDOWS_11, "EC2 reports BootMode uefi, which Windows 11 requires"
    if tpm == "v2.0":
        return WINDOWS_11, "EC2 reports TpmSupport v2.0, which Windows 11 requires"
    if _WINDOWS_11.search(text):
        return WINDOWS_11, "the AMI name or description says Windows 11"
    if boot_mode == "legacy-bios":
        return WINDOWS_10, "EC2 reports BootMode legacy-bios, and Windows 11 requires UEFI"
    return None, (
        f"EC2 reports BootMode {boot_mode or 'not set'} and TpmSupport {tpm or 'not set'}, and "
        "the name does not say Windows 11"
    )


def check_combination(request: ImportRequest, facts: AmiFacts) -> None:
    """Reject what the API documents as invalid for Windows 11, for an AMI that is or may be
    Windows 11 (see the module's docstring for how that is decided)."""
    if request.os_version is not None:
        os_version: str | None = request.os_version
        basis = "OsVersion in the request"
    else:
        os_version, basis = facts.os_version, facts.os_basis
    if request.os_version == WINDOWS_11 and facts.boot_mode == "legacy-bios":
        raise errors.UnsupportedCombination(
            f"OsVersion is Windows_11 but EC2 reports BootMode legacy-bios for AMI "
            f"{facts.image_id}: Windows 11 boots only with UEFI. Rebuild the VM with UEFI, or "
            "correct OsVersion"
        )
    if request.os_version == WINDOWS_10 and facts.boot_mode == "uefi":
        # The BYOL Checker's UEFINotSupported test: the import would end in ERROR.
        raise errors.UnsupportedCombination(
            f"OsVersion is Windows_10 but EC2 reports BootMode uefi for AMI {facts.image_id}: "
            "WorkSpaces does not import Windows 10 with UEFI boot (UEFINotSupported). Rebuild "
            "the VM with legacy BIOS, or correct OsVersion"
        )
    if request.import_method == IMAGE_BUILDER and os_version is None:
        # ImportCustomWorkspaceImage requires OsVersion: guessing would be the import's error.
        raise errors.UnsupportedCombination(
            f"AMI {facts.image_id}: the Image Builder import needs its Windows version and EC2 "
            f"does not tell it ({basis}); set OsVersion (Windows_10 or Windows_11) in the "
            "request or the trigger tag value"
        )
    if os_version == WINDOWS_10 or (os_version is None and not facts.windows_11):
        return
    if os_version == WINDOWS_11:
        what = f"AMI {facts.image_id} is Windows 11 ({basis})"
    else:
        what = (
            f"AMI {facts.image_id} may be Windows 11 ({basis or 'its OS is unknown'}), so "
            "Windows 11's rules apply"
        )
    hint = (
        ""
        if request.os_version is not None
        else (
            ". If it is Windows 10, set OsVersion to Windows_10 (the input field OsVersion, or "
            "OsVersion=Windows_10 in the trigger tag value)"
        )
    )
    if request.import_method == IMAGE_BUILDER:
        # ImportCustomWorkspaceImage: "Windows 11 does not support PCOIP protocol"; it takes no
        # Applications (ValidateRequest refuses them).
        if request.protocol == "PCOIP":
            raise errors.UnsupportedCombination(
                f"{what}: Windows 11 does not support Protocol PCOIP with the Image Builder "
                f"import; set Protocol to DCV (or BYOP){hint}"
            )
        return
    process = request.ingestion_process
    dcv = process.endswith("_WSP") or process.endswith("_BYOP")
    if not dcv:
        dcv_twin = f"{process}_WSP"
        suggestion = dcv_twin if dcv_twin in INGESTION_PROCESSES else "BYOL_REGULAR_WSP"
        raise errors.UnsupportedCombination(
            f"{what}: Windows 11 cannot use PCoIP ({process}); change IngestionProcess to a DCV "
            f"process such as {suggestion}{hint}"
        )
    if request.applications and "GRAPHICS" in process:
        raise errors.UnsupportedCombination(
            f"{what}: Windows 11 on GPU DCV ({process}) supports no Microsoft Office; remove "
            f"Applications{hint}"
        )
    if "Microsoft_Office_2016" in request.applications:
        raise errors.UnsupportedCombination(
            f"{what}: Windows 11 supports only Microsoft_Office_2019; change Applications{hint}"
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
