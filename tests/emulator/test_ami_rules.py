"""The AMI rules ImportWorkspaceImage applies: refused at once, or ERROR with documented
ErrorDetails after the import time. Each test cites its rule in docs/byol-api-facts.md,
"The AMI rules at import"."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from local_aws.harness import LocalAws
from local_aws.workspaces.amis import AmiProfile
from local_aws.workspaces.rules import ERROR_DETAIL_CODES
from tests.emulator.test_workspaces_byol import code, enable, import_kwargs


def finished(aws: LocalAws, ws: Any, image_id: str) -> dict[str, Any]:
    aws.clock.advance(aws.timings.import_with_office_seconds)
    return dict(ws.describe_workspace_images(ImageIds=[image_id])["Images"][0])


def test_a_valid_windows_11_ami_becomes_available(aws: LocalAws, ws: Any) -> None:
    """The AMI: the defaults of create_windows_ami are a valid Windows 11 BYOL AMI."""
    enable(aws, ws)
    image_id = ws.import_workspace_image(**import_kwargs(aws.create_windows_ami()))["ImageId"]
    assert finished(aws, ws, image_id)["State"] == "AVAILABLE"


@pytest.mark.parametrize(
    "ami",
    [
        {"encrypted": True},  # "unencrypted"
        {"state": "pending"},  # "state available"
        {"os": "linux"},  # "Windows 10 or 11"
        {"architecture": "arm64"},  # "x86_64"
    ],
)
def test_what_ec2_shows_is_refused_at_once(aws: LocalAws, ws: Any, ami: dict[str, Any]) -> None:
    """AMI rules at import, refused at once (InvalidParameterValues): encrypted, not available,
    not Windows, arm64 (unconfirmed: stricter than an ERROR hours later)."""
    enable(aws, ws)
    with pytest.raises(ClientError) as caught:
        ws.import_workspace_image(**import_kwargs(aws.create_windows_ami(**ami)))
    assert code(caught) == "InvalidParameterValuesException"
    assert ws.describe_workspace_images(ImageType="OWNED")["Images"] == []


def test_byop_needs_an_allow_listed_account(aws: LocalAws, ws: Any) -> None:
    """IngestionProcess: _BYOP values are WorkSpaces Core only, for allow-listed accounts."""
    enable(aws, ws)
    with pytest.raises(ClientError) as caught:
        ws.import_workspace_image(
            **import_kwargs(aws.create_windows_ami(), IngestionProcess="BYOL_REGULAR_BYOP")
        )
    assert code(caught) == "OperationNotSupportedException"


@pytest.mark.parametrize(
    ("ami", "process", "apps", "details"),
    [
        ({"volume_size": 71}, "BYOL_REGULAR_WSP", [], ["DiskSizeExceeded"]),
        ({"volumes": 2}, "BYOL_REGULAR_WSP", [], ["AdditionalDrivesAttached"]),
        ({"os": "windows-server-2022"}, "BYOL_REGULAR_WSP", [], ["OSNotSupported"]),
        ({"architecture": "i386"}, "BYOL_REGULAR_WSP", [], ["Requires64BitOS"]),
        ({}, "BYOL_REGULAR", [], ["ProtocolOSIncompatibility"]),
        ({}, "BYOL_GRAPHICS_G4DN", [], ["ProtocolOSIncompatibility"]),
        ({"in_place_upgraded": True}, "BYOL_REGULAR_WSP", [], ["InPlaceUpgrade"]),
        ({"os": "windows-10", "boot_mode": "uefi"}, "BYOL_REGULAR", [], ["UEFINotSupported"]),
        ({"boot_mode": "legacy-bios"}, "BYOL_REGULAR_WSP", [], ["IncompatiblePartitioning"]),
        ({"free_space_gb": 15}, "BYOL_REGULAR_WSP", ["Microsoft_Office_2019"], ["DiskFreeSpace"]),
        (
            {"checker_findings": ("AppXPackagesInstalled",)},
            "BYOL_REGULAR_WSP",
            [],
            ["AppXPackagesInstalled"],
        ),
    ],
)
def test_what_the_checker_finds_ends_in_error_with_its_code(
    aws: LocalAws, ws: Any, ami: dict[str, Any], process: str, apps: list[str], details: list[str]
) -> None:
    """AMI rules at import, ERROR after the import time with ErrorDetails from the model's
    WorkspaceImageErrorDetailCode: over 70 GB, several volumes, Windows Server, 32-bit,
    Windows 11 with PCoIP, in-place upgrade, boot mode, free space (10 GB, 20 with Office)."""
    enable(aws, ws)
    kwargs = import_kwargs(aws.create_windows_ami(**ami), IngestionProcess=process)
    if apps:
        kwargs["Applications"] = apps
    image_id = ws.import_workspace_image(**kwargs)["ImageId"]
    assert ws.describe_workspace_images(ImageIds=[image_id])["Images"][0]["State"] == "PENDING"
    image = finished(aws, ws, image_id)
    assert image["State"] == "ERROR"
    assert [d["ErrorCode"] for d in image["ErrorDetails"]] == details
    assert set(details) <= ERROR_DETAIL_CODES


@pytest.mark.parametrize(
    ("process", "apps", "state"),
    [
        ("BYOL_REGULAR_WSP", ["Microsoft_Office_2019"], "AVAILABLE"),
        ("BYOL_REGULAR_WSP", ["Microsoft_Office_2016"], "ERROR"),
        ("BYOL_GRAPHICS_G4DN_WSP", ["Microsoft_Office_2019"], "ERROR"),
        ("BYOL_GRAPHICS_G4DN_WSP", [], "AVAILABLE"),
    ],
)
def test_windows_11_office_combinations(
    aws: LocalAws, ws: Any, process: str, apps: list[str], state: str
) -> None:
    """IngestionProcess values: Windows 11 non-GPU DCV supports only Microsoft_Office_2019;
    GPU DCV on Windows 11 supports no Office."""
    enable(aws, ws)
    kwargs = import_kwargs(aws.create_windows_ami(), IngestionProcess=process)
    if apps:
        kwargs["Applications"] = apps
    image = finished(aws, ws, ws.import_workspace_image(**kwargs)["ImageId"])
    assert image["State"] == state


def test_the_true_os_decides_not_the_name(aws: LocalAws, ws: Any) -> None:
    """The AMI: only some of it is visible through DescribeImages; a Windows 11 AMI named
    like anything still refuses PCoIP, and Windows 10 accepts it."""
    enable(aws, ws)
    win11 = aws.create_windows_ami(name="gold", description="gold image")
    win10 = aws.create_windows_ami(name="Windows-11-looking", os="windows-10")
    shown = aws.client("ec2").describe_images(ImageIds=[win11, win10])["Images"]
    assert {i["PlatformDetails"] for i in shown} == {"Windows BYOL"}
    bad = ws.import_workspace_image(**import_kwargs(win11, "a", IngestionProcess="BYOL_REGULAR"))
    good = ws.import_workspace_image(**import_kwargs(win10, "b", IngestionProcess="BYOL_REGULAR"))
    assert finished(aws, ws, bad["ImageId"])["State"] == "ERROR"
    assert finished(aws, ws, good["ImageId"])["State"] == "AVAILABLE"


def test_a_profile_only_takes_documented_codes() -> None:
    """DescribeWorkspaceImages ErrorDetails: the 48 codes of the model, nothing invented."""
    with pytest.raises(ValueError, match="WorkspaceImageErrorDetailCode"):
        AmiProfile(checker_findings=("NotACode",))
    assert len(ERROR_DETAIL_CODES) == 48


def test_an_ami_without_a_profile_is_judged_on_what_ec2_shows(aws: LocalAws, ws: Any) -> None:
    """AMI rules at import: an AMI made without a profile is judged on what EC2 shows, Windows
    taken as Windows 11 (the strictest for protocol and Office)."""
    from moto.ec2.models import ec2_backends

    enable(aws, ws)
    ec2 = aws.client("ec2")
    linux = ec2.register_image(Name="plain", RootDeviceName="/dev/sda1")["ImageId"]
    with pytest.raises(ClientError) as caught:
        ws.import_workspace_image(**import_kwargs(linux))
    assert code(caught) == "InvalidParameterValuesException"
    windows = ec2.register_image(Name="win", RootDeviceName="/dev/sda1")["ImageId"]
    ec2_backends["123456789012"]["eu-west-1"].amis[windows].platform = "windows"
    image_id = ws.import_workspace_image(**import_kwargs(windows, IngestionProcess="BYOL_REGULAR"))[
        "ImageId"
    ]
    assert [d["ErrorCode"] for d in finished(aws, ws, image_id)["ErrorDetails"]] == [
        "ProtocolOSIncompatibility"
    ]
