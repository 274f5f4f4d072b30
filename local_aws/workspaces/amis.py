"""The AMI rules ImportWorkspaceImage applies: what it refuses at once, and what the BYOL checker
finds inside the image, which ends the import in ERROR with documented ErrorDetails codes.

The AMI's true content (OS version, boot mode, free space, upgrade history...) is an `AmiProfile`
kept beside moto's AMI: DescribeImages does not show most of it, AWS's import does.
Each rule and its source: docs/byol-api-facts.md, "The AMI rules at import".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from local_aws.workspaces.config import ImportFault
from local_aws.workspaces.rules import ERROR_DETAIL_CODES, WorkSpacesError, invalid

OS_VERSIONS: Final = frozenset(
    {"windows-10", "windows-11", "windows-server-2019", "windows-server-2022", "linux"}
)
MAX_VOLUME_GB: Final = 70
MIN_FREE_GB: Final = 10
MIN_FREE_GB_WITH_OFFICE: Final = 20
CHECKER_ERROR_CODE: Final = "ImportFailed"  # top-level ErrorCode: unconfirmed


@dataclass(frozen=True)
class AmiProfile:
    """What an AMI really is. The defaults are a valid Windows 11 BYOL AMI."""

    os: str = "windows-11"
    boot_mode: str = "uefi"  # uefi | legacy-bios
    architecture: str = "x86_64"  # x86_64 | arm64 | i386
    volume_sizes: tuple[int, ...] = (50,)  # GB per EBS volume, root first
    encrypted: bool = False
    state: str = "available"
    in_place_upgraded: bool = False
    free_space_gb: int = 30
    # codes the BYOL checker would report (e.g. AppXPackagesInstalled): from the 48 of the model
    checker_findings: tuple[str, ...] = ()
    # an AWS license-included Windows AMI (billing "Windows", RunInstances:0002), not BYOL
    license_included: bool = False

    def __post_init__(self) -> None:
        if self.os not in OS_VERSIONS:
            raise ValueError(f"os must be one of {sorted(OS_VERSIONS)}")
        unknown = set(self.checker_findings) - ERROR_DETAIL_CODES
        if unknown:
            raise ValueError(f"not WorkspaceImageErrorDetailCode values: {sorted(unknown)}")

    @property
    def platform(self) -> str | None:
        return None if self.os == "linux" else "windows"

    @property
    def platform_details(self) -> str:
        if self.os == "linux":
            return "Linux/UNIX"
        return "Windows" if self.license_included else "Windows BYOL"

    @property
    def usage_operation(self) -> str:
        if self.os == "linux":
            return "RunInstances"
        return "RunInstances:0002" if self.license_included else "RunInstances:0800"


def profile_of(ami: Any) -> AmiProfile:
    """The AMI's profile; an AMI made without one is judged on what EC2 shows (Windows taken
    as Windows 11, the strictest for protocol and Office)."""
    own = getattr(ami, "byol_profile", None)
    if isinstance(own, AmiProfile):
        return own
    devices = ami.block_device_mappings or []
    ebs = [d.get("Ebs", {}) for d in devices]
    return AmiProfile(
        os="windows-11" if str(ami.platform or "").lower() == "windows" else "linux",
        boot_mode=str(getattr(ami, "boot_mode", None) or "uefi"),
        architecture=str(ami.architecture or "x86_64"),
        volume_sizes=tuple(int(e.get("VolumeSize") or 0) for e in ebs) or (15,),
        encrypted=any(bool(e.get("Encrypted")) for e in ebs),
        state=str(ami.state),
    )


def refuse_at_once(profile: AmiProfile, ami_id: str, process: str, byop_allowed: bool) -> None:
    """What the service can see from EC2 when the call arrives: refused before any import."""
    if profile.state != "available":
        raise invalid(f"The AMI {ami_id} is {profile.state}, not available.")
    if profile.encrypted:
        raise invalid(f"The AMI {ami_id} has encrypted volumes: BYOL needs an unencrypted AMI.")
    if profile.os == "linux":
        raise invalid(f"The AMI {ami_id} is not a Windows image.")
    if profile.architecture == "arm64":
        raise invalid(f"The AMI {ami_id} is arm64: WorkSpaces BYOL imports x86_64 images.")
    if process.endswith("_BYOP") and not byop_allowed:
        raise WorkSpacesError(
            "OperationNotSupportedException",
            f"{process} is supported only by WorkSpaces Core for allow-listed accounts.",
        )


def checker_findings(
    profile: AmiProfile, process: str, applications: list[str]
) -> ImportFault | None:
    """What the import finds inside the image: the ERROR it ends in, or None."""
    codes: list[str] = []
    windows_11 = profile.os == "windows-11"
    if profile.os.startswith("windows-server"):
        codes.append("OSNotSupported")
    if profile.architecture == "i386":
        codes.append("Requires64BitOS")
    if any(size > MAX_VOLUME_GB for size in profile.volume_sizes):
        codes.append("DiskSizeExceeded")
    if len(profile.volume_sizes) > 1:
        codes.append("AdditionalDrivesAttached")
    if profile.free_space_gb < (MIN_FREE_GB_WITH_OFFICE if applications else MIN_FREE_GB):
        codes.append("DiskFreeSpace")
    if profile.in_place_upgraded:
        codes.append("InPlaceUpgrade")
    if profile.os == "windows-10" and profile.boot_mode == "uefi":
        codes.append("UEFINotSupported")
    if windows_11 and profile.boot_mode != "uefi":
        codes.append("IncompatiblePartitioning")
    if windows_11 and not (process.endswith("_WSP") or process.endswith("_BYOP")):
        codes.append("ProtocolOSIncompatibility")
    codes.extend(c for c in profile.checker_findings if c not in codes)
    if codes:
        return ImportFault(
            CHECKER_ERROR_CODE, "The image failed the BYOL validation.", tuple(codes)
        )
    if (
        windows_11
        and applications
        and ("GRAPHICS" in process or applications != ["Microsoft_Office_2019"])
    ):
        # No ErrorDetails code names this: the top-level code carries it (unconfirmed).
        return ImportFault(
            "UnsupportedApplications",
            f"Windows 11 with {process} does not support {', '.join(applications)}.",
            (),
        )
    return None
