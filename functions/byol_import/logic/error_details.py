"""What to do about each ErrorDetails code a failed BYOL import reports. Pure data.

The codes are the 48 values of `WorkspaceImageErrorDetailCode` in the pinned botocore model
(tests hold this table to exactly that enum, and the README's table to this one). Each remedy
says where it comes from:
- "checker": the Info text of the BYOL Checker test that reports the code (BYOLChecker.ps1
  2.13.25, https://tools.amazonworkspaces.com/BYOLChecker.zip), which the admin guide tells you
  to run before exporting the VM;
- "guide": the WorkSpaces Administration Guide, "Bring Your Own Windows desktop licenses"
  (https://docs.aws.amazon.com/workspaces/latest/adminguide/byol-windows-images.html) and its
  prerequisites page;
- "upgrade": the guide's "Upgrade Windows 10 BYOL WorkSpaces" page;
- "api": the WorkSpaces API Reference (ImportWorkspaceImage, ImportCustomWorkspaceImage);
- "name": no AWS text explains the code; the remedy is read from its name (unconfirmed).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final, NamedTuple


class Remedy(NamedTuple):
    text: str
    source: str  # checker | guide | upgrade | api | name


SOURCES: Final = {
    "checker": "BYOL Checker 2.13.25 (https://tools.amazonworkspaces.com/BYOLChecker.zip)",
    "guide": "https://docs.aws.amazon.com/workspaces/latest/adminguide/byol-windows-images.html",
    "upgrade": "https://docs.aws.amazon.com/workspaces/latest/adminguide/"
    "upgrade-windows-10-byol-workspaces.html",
    "api": "https://docs.aws.amazon.com/workspaces/latest/api/API_ImportCustomWorkspaceImage.html",
    "name": "no AWS text; read from the code's name (unconfirmed)",
}

REMEDIES: Final[dict[str, Remedy]] = {
    "OutdatedPowershellVersion": Remedy("Upgrade to PowerShell 4.0 or later.", "checker"),
    "OfficeInstalled": Remedy(
        "Microsoft Office is installed: uninstall it to subscribe to Office through AWS "
        "(Applications), or import without Applications.",
        "checker",
    ),
    "PCoIPAgentInstalled": Remedy("Uninstall the PCoIP Agent.", "checker"),
    "WindowsUpdatesEnabled": Remedy(
        "Disable Windows Update (service wuauserv Disabled, TrustedInstaller Manual).", "checker"
    ),
    "AutoMountDisabled": Remedy("Enable Automount (diskpart: automount enable).", "checker"),
    "WorkspacesBYOLAccountNotFound": Remedy(
        "Create the local account WorkSpaces_BYOL and add it to the local Administrators group.",
        "checker",
    ),
    "WorkspacesBYOLAccountDisabled": Remedy(
        "Enable the local account WorkSpaces_BYOL (net user WorkSpaces_BYOL /active:yes).",
        "checker",
    ),
    "DHCPDisabled": Remedy(
        "The network interface has a static IP address: set it to use DHCP.", "checker"
    ),
    "DiskFreeSpace": Remedy(
        "Free space on C: to at least 10 GB (20 GB when subscribing to Office).", "checker"
    ),
    "AdditionalDrivesAttached": Remedy(
        "Remove all removable, network and CD/ISO drives: a single local drive only.", "checker"
    ),
    "OSNotSupported": Remedy(
        "Use a supported Windows 10 or 11 desktop edition (not Windows Server).", "checker"
    ),
    "DomainJoined": Remedy("Unjoin the VM from the Active Directory domain.", "checker"),
    "AzureDomainJoined": Remedy("Unjoin the VM from Azure AD (Entra ID).", "checker"),
    "FirewallEnabled": Remedy("Turn off the Windows Firewall public profile.", "checker"),
    "VMWareToolsInstalled": Remedy("Uninstall VMware Tools.", "checker"),
    "DiskSizeExceeded": Remedy(
        "Shrink the system disk: the VM must fit one volume of at most 70 GB.", "guide"
    ),
    "IncompatiblePartitioning": Remedy(
        "Partition MBR for Windows 10 and GPT (UEFI boot) for Windows 11.", "checker"
    ),
    "PendingReboot": Remedy("Finish the pending reboot, then export again.", "checker"),
    "AutoLogonEnabled": Remedy(
        "Disable AutoLogon (HKLM\\...\\Winlogon AutoAdminLogon = 0).", "checker"
    ),
    "RealTimeUniversalDisabled": Remedy(
        "Set HKLM\\System\\CurrentControlSet\\Control\\TimeZoneInformation "
        "RealTimeIsUniversal = 1.",
        "checker",
    ),
    "MultipleBootPartition": Remedy("Keep a single bootable partition.", "checker"),
    "Requires64BitOS": Remedy("Use a 64-bit Windows.", "checker"),
    "ZeroRearmCount": Remedy(
        "The Windows rearm count is 0: build the image from a VM that still has rearms "
        "left (slmgr /dlv).",
        "checker",
    ),
    "InPlaceUpgrade": Remedy(
        "The OS was upgraded in place (feature upgrade): build from a fresh installation.",
        "checker",
    ),
    "AntiVirusInstalled": Remedy(
        "Uninstall third-party antivirus (Windows Defender may stay).", "checker"
    ),
    "UEFINotSupported": Remedy(
        "Windows 10 with UEFI boot is not supported for import: use legacy BIOS (MBR) for "
        "Windows 10.",
        "checker",
    ),
    "UnknownError": Remedy(
        "Run the BYOL Checker on the VM, fix what it reports, import again; if it passes, ask "
        "AWS Support with the image id.",
        "name",
    ),
    "AppXPackagesInstalled": Remedy(
        "Remove the AppX packages not installed for all users (Remove-AppxPackage); the most "
        "common cause of a failed Sysprep.",
        "guide",
    ),
    "ReservedStorageInUse": Remedy(
        "Disable Windows reserved storage (DISM /Online /Set-ReservedStorageState "
        "/State:Disabled) and export again.",
        "name",
    ),
    "AdditionalDrivesPresent": Remedy("Detach every drive but the system drive.", "name"),
    "WindowsUpdatesRequired": Remedy(
        "Install the latest Windows updates before running the BYOL Checker.", "guide"
    ),
    "SysPrepFileMissing": Remedy(
        "Sysprep's files are missing: run Sysprep from the BYOL Checker (Run Sysprep) on an "
        "intact system.",
        "name",
    ),
    "UserProfileMissing": Remedy(
        "A user profile the image needs is missing: restore it, or rebuild from a clean VM.", "name"
    ),
    "InsufficientDiskSpace": Remedy(
        "Free disk space on C: (at least 10 GB; 20 GB with Office).", "guide"
    ),
    "EnvironmentVariablesPathMissingEntries": Remedy(
        "Restore the default entries of the system PATH variable (System32, Wbem, "
        "WindowsPowerShell).",
        "name",
    ),
    "DomainAccountServicesFound": Remedy(
        "Set services that log on with domain accounts to local accounts.", "name"
    ),
    "InvalidIp": Remedy("Fix the network interface's IP configuration (use DHCP).", "name"),
    "RemoteDesktopServicesDisabled": Remedy("Enable the Remote Desktop Services service.", "name"),
    "WindowsModulesInstallerDisabled": Remedy(
        "Set the Windows Modules Installer service (TrustedInstaller) to Manual.", "checker"
    ),
    "AmazonSsmAgentEnabled": Remedy(
        "Stop and disable (or uninstall) the Amazon SSM Agent in the image.", "name"
    ),
    "UnsupportedSecurityProtocol": Remedy(
        "Enable TLS 1.2 in the image (SCHANNEL and .NET strong crypto).", "name"
    ),
    "MultipleUserProfiles": Remedy("Delete every user profile but the one you need.", "upgrade"),
    "StagedAppxPackage": Remedy(
        "Remove AppX packages that are staged but not installed for all users "
        "(Remove-AppxPackage / Remove-AppxProvisionedPackage).",
        "guide",
    ),
    "UnsupportedOsUpgrade": Remedy(
        "The OS was upgraded to another version (e.g. 23H2 to 24H2): build from a fresh "
        "installation of a supported version.",
        "guide",
    ),
    "InsufficientRearmCount": Remedy(
        "Too few Windows rearms left: build the image from a VM that has rearms left.", "name"
    ),
    "ProtocolOSIncompatibility": Remedy(
        "Windows 11 cannot use PCoIP: import with a DCV ingestion process (ending in _WSP).", "api"
    ),
    "MemoryIntegrityIncompatibility": Remedy(
        "Turn off Memory Integrity (Core isolation, HVCI) in the image.", "name"
    ),
    "RestrictedDriveLetterInUse": Remedy(
        "Free the drive letters WorkSpaces reserves (D: holds the user volume): reassign "
        "the volume or CD drive using it.",
        "name",
    ),
}


def remedy(code: str) -> str:
    found = REMEDIES.get(code)
    return found.text if found else "not a documented code: see the BYOL Checker's report"


def remedies(codes: Iterable[str]) -> list[str]:
    """`Code: remedy` for each distinct code, in the order given."""
    return [f"{code}: {remedy(code)}" for code in dict.fromkeys(codes)]
