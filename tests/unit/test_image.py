"""AMI checks, Windows 11 combinations and image naming."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from byol_import import errors, steps
from byol_import.logic.image import (
    AmiFacts,
    check_ami,
    check_combination,
    execution_name,
    image_description,
    image_name,
)
from byol_import.logic.request import IMAGE_DESCRIPTION_PATTERN, IMAGE_NAME_PATTERN, ImportRequest
from byol_import.state import WorkflowState
from tests.unit.fakes import FakeEc2, FakeNotifier

ACCOUNT = "123456789012"
AMI = "ami-0abcdef1234567890"


def ami(**over: Any) -> dict[str, Any]:
    image = {
        "ImageId": AMI,
        "OwnerId": ACCOUNT,
        "State": "available",
        "Platform": "windows",
        "PlatformDetails": "Windows BYOL",
        "UsageOperation": "RunInstances:0800",
        "BootMode": "uefi",
        "Architecture": "x86_64",
        "Name": "Win11-Enterprise",
        "Description": "Windows 11 24H2",
        "BlockDeviceMappings": [
            {"DeviceName": "/dev/sda1", "Ebs": {"VolumeSize": 50, "Encrypted": False}}
        ],
    }
    image.update(over)
    return image


def test_a_good_windows_11_ami_passes() -> None:
    facts = check_ami(ami(), AMI, ACCOUNT)
    assert facts == AmiFacts(
        AMI,
        "Win11-Enterprise",
        "Windows 11 24H2",
        windows_11=True,
        os_version="Windows_11",
        os_basis="EC2 reports BootMode uefi, which Windows 11 requires",
        boot_mode="uefi",
        platform_details="Windows BYOL",
        usage_operation="RunInstances:0800",
        root_volume_gib=50,
    )


# What EC2 reports decides the OS, never a name that says nothing (or says Windows 10).
@pytest.mark.parametrize(
    ("over", "os_version", "basis"),
    [
        ({"Name": "gold-2026-11", "Description": ""}, "Windows_11", "BootMode uefi"),
        (
            {"Name": "Windows-10-gold", "Description": "", "BootMode": None, "TpmSupport": "v2.0"},
            "Windows_11",
            "TpmSupport v2.0",
        ),
        ({"BootMode": "legacy-bios"}, "Windows_11", "name or description says Windows 11"),
        (
            {"Name": "gold", "Description": "", "BootMode": "legacy-bios"},
            "Windows_10",
            "legacy-bios",
        ),
        (
            {"Name": "Windows-10-gold", "Description": "", "BootMode": None},
            None,
            "BootMode not set and TpmSupport not set",
        ),
        (
            {"Name": "gold", "Description": "", "BootMode": "uefi-preferred"},
            None,
            "BootMode uefi-preferred",
        ),
    ],
)
def test_the_os_comes_from_what_ec2_reports(
    over: dict[str, Any], os_version: str | None, basis: str
) -> None:
    # Given an AMI whose EC2 facts say (or do not say) which Windows it is
    # When it is checked
    facts = check_ami(ami(**over), AMI, ACCOUNT)
    # Then the OS rests on those facts; unknown is treated as (possibly) Windows 11
    assert (facts.os_version, facts.windows_11) == (os_version, os_version != "Windows_10")
    assert basis in facts.os_basis


@pytest.mark.parametrize(
    ("details", "usage"),
    [
        ("Windows", "RunInstances:0002"),
        ("Windows", None),
        ("Windows with SQL Server Standard", "RunInstances:0006"),
        ("Windows BYOL", "RunInstances:0002"),
    ],
)
def test_a_license_included_windows_ami_is_refused_naming_what_ec2_reports(
    details: str, usage: str | None
) -> None:
    # Given a license-included (Windows Server) AMI
    image = ami(PlatformDetails=details, UsageOperation=usage)
    # When it is checked, Then it is refused with the billing fields EC2 reported
    with pytest.raises(errors.ImageNotWindows) as caught:
        check_ami(image, AMI, ACCOUNT)
    assert f"PlatformDetails {details!r}" in str(caught.value)
    assert "Windows BYOL" in str(caught.value) and "license-included" in str(caught.value)


@pytest.mark.parametrize(
    ("image", "error"),
    [
        (None, errors.ImageNotFound),
        (ami(OwnerId="999999999999"), errors.ImageNotOwned),
        (ami(State="pending"), errors.ImageNotAvailable),
        (ami(Platform=None, PlatformDetails="Linux/UNIX"), errors.ImageNotWindows),
        (ami(Architecture="arm64"), errors.ImageNotX86),
        (
            ami(BlockDeviceMappings=[{"Ebs": {"VolumeSize": 50, "Encrypted": True}}]),
            errors.ImageEncrypted,
        ),
        (
            ami(BlockDeviceMappings=[{"Ebs": {"VolumeSize": 50}}, {"Ebs": {"VolumeSize": 10}}]),
            errors.ImageVolumeUnsupported,
        ),
        (ami(BlockDeviceMappings=[{"Ebs": {"VolumeSize": 80}}]), errors.ImageVolumeUnsupported),
    ],
)
def test_each_visible_requirement_has_its_own_error(
    image: dict[str, Any] | None, error: type[Exception]
) -> None:
    with pytest.raises(error) as caught:
        check_ami(image, AMI, ACCOUNT)
    assert AMI in str(caught.value)


def request(process: str = "BYOL_REGULAR_WSP", apps: tuple[str, ...] = ()) -> ImportRequest:
    return ImportRequest(image_id=AMI, ingestion_process=process, applications=apps)


W11 = AmiFacts(
    AMI,
    "Win11",
    "",
    windows_11=True,
    os_version="Windows_11",
    os_basis="EC2 reports BootMode uefi",
    boot_mode="uefi",
)
W10 = AmiFacts(
    AMI,
    "Win10",
    "",
    windows_11=False,
    os_version="Windows_10",
    os_basis="EC2 reports BootMode legacy-bios",
    boot_mode="legacy-bios",
)
UNKNOWN = AmiFacts(
    AMI, "gold", "", windows_11=True, os_version=None, os_basis="EC2 reports BootMode not set"
)


@pytest.mark.parametrize(
    "req",
    [
        request("BYOL_REGULAR"),
        request("BYOL_GRAPHICS_G4DN"),
        request("BYOL_GRAPHICS_G4DN_WSP", ("Microsoft_Office_2019",)),
        request("BYOL_REGULAR_WSP", ("Microsoft_Office_2016",)),
    ],
)
def test_documented_invalid_windows_11_combinations_are_rejected(req: ImportRequest) -> None:
    with pytest.raises(errors.UnsupportedCombination):
        check_combination(req, W11)


@pytest.mark.parametrize(
    "req",
    [
        request("BYOL_REGULAR_WSP", ("Microsoft_Office_2019",)),
        request("BYOL_GRAPHICS_G4DN_WSP"),
    ],
)
def test_valid_windows_11_combinations_pass(req: ImportRequest) -> None:
    check_combination(req, W11)


def test_windows_10_may_use_pcoip() -> None:
    check_combination(request("BYOL_REGULAR", ("Microsoft_Office_2016",)), W10)


def test_an_unknown_os_gets_windows_11_rules_and_is_told_to_set_os_version() -> None:
    # Given an AMI whose OS nothing tells
    # When PCoIP is asked for, Then it is refused naming the fields to change
    with pytest.raises(errors.UnsupportedCombination) as caught:
        check_combination(request("BYOL_REGULAR"), UNKNOWN)
    message = str(caught.value)
    assert "may be Windows 11" in message and "BootMode not set" in message
    assert "IngestionProcess" in message and "BYOL_REGULAR_WSP" in message
    assert "OsVersion=Windows_10" in message


def test_an_explicit_os_version_wins_over_the_ec2_inference() -> None:
    # Given an AMI the person says is Windows 10
    req = ImportRequest(image_id=AMI, ingestion_process="BYOL_REGULAR", os_version="Windows_10")
    # When checked, Then PCoIP is allowed where EC2 does not contradict it
    check_combination(req, W10)
    check_combination(req, UNKNOWN)
    # And refused where EC2 reports UEFI, which Windows 10 imports do not support
    with pytest.raises(errors.UnsupportedCombination, match="UEFINotSupported"):
        check_combination(req, W11)
    # And an explicit Windows_11 with PCoIP is refused without the "set OsVersion" hint
    req11 = ImportRequest(
        image_id=AMI, ingestion_process="BYOL_GRAPHICS_G4DN", os_version="Windows_11"
    )
    with pytest.raises(errors.UnsupportedCombination) as caught:
        check_combination(req11, UNKNOWN)
    assert "OsVersion in the request" in str(caught.value)
    assert "BYOL_GRAPHICS_G4DN_WSP" in str(caught.value)
    assert "set OsVersion" not in str(caught.value)


def test_the_image_builder_path_needs_a_windows_version_ec2_does_not_tell() -> None:
    # Given an AMI whose OS EC2 does not tell, to import on the Image Builder path
    req = ImportRequest(
        image_id=AMI,
        ingestion_process="BYOL_REGULAR_WSP",
        import_method="image-builder",
        protocol="DCV",
        compute_type="BASE",
    )
    # When checked, Then it is refused before the import (which requires OsVersion)
    with pytest.raises(errors.UnsupportedCombination) as caught:
        check_combination(req, UNKNOWN)
    assert "needs its Windows version and EC2 does not tell it" in caught.value.message
    assert "set OsVersion (Windows_10 or Windows_11)" in caught.value.message
    # And with OsVersion given, it passes
    check_combination(dataclasses.replace(req, os_version="Windows_11"), UNKNOWN)


def test_windows_11_on_legacy_bios_is_refused() -> None:
    req = ImportRequest(image_id=AMI, ingestion_process="BYOL_REGULAR_WSP", os_version="Windows_11")
    with pytest.raises(errors.UnsupportedCombination, match="BootMode legacy-bios"):
        check_combination(req, W10)


def test_requested_name_and_description_are_used_verbatim() -> None:
    req = ImportRequest(
        image_id=AMI,
        ingestion_process="BYOL_REGULAR_WSP",
        image_name="gold-image",
        image_description="Gold image",
    )
    assert image_name(req, W11) == "gold-image"
    assert image_description(req, W11) == "Gold image"


def test_derived_name_is_sanitised_and_ends_with_the_ami_id() -> None:
    facts = AmiFacts(AMI, "Windows 11: Enterprise  [gold] v2", "", windows_11=True)
    assert image_name(request(), facts) == f"Windows-11-Enterprise-gold-v2-{AMI}"


ami_ids = st.from_regex(r"^ami-([a-f0-9]{8}|[a-f0-9]{17})$", fullmatch=True)


@settings(max_examples=300, deadline=None)
@given(name=st.text(max_size=300), ami_id=ami_ids, other=ami_ids)
def test_derived_names_are_valid_deterministic_and_unique_per_ami(
    name: str, ami_id: str, other: str
) -> None:
    facts = AmiFacts(ami_id, name, "", windows_11=False)
    req = ImportRequest(image_id=ami_id, ingestion_process="BYOL_REGULAR_WSP")
    derived = image_name(req, facts)
    assert IMAGE_NAME_PATTERN.fullmatch(derived)
    assert derived == image_name(req, facts)
    assert derived.endswith(ami_id)
    if other != ami_id:
        assert derived != image_name(req, AmiFacts(other, name, "", windows_11=False))


@settings(max_examples=300, deadline=None)
@given(description=st.text(max_size=600), ami_id=ami_ids)
def test_derived_descriptions_are_valid(description: str, ami_id: str) -> None:
    facts = AmiFacts(ami_id, "n", description, windows_11=False)
    req = ImportRequest(image_id=ami_id, ingestion_process="BYOL_REGULAR_WSP")
    assert IMAGE_DESCRIPTION_PATTERN.fullmatch(image_description(req, facts))


@settings(max_examples=300, deadline=None)
@given(ami_id=ami_ids, value=st.none() | st.text(max_size=400))
def test_execution_names_are_valid_and_deterministic(ami_id: str, value: str | None) -> None:
    name = execution_name(ami_id, value)
    assert re.fullmatch(r"[a-zA-Z0-9_-]{1,80}", name)
    assert name == execution_name(ami_id, value)


def test_notify_on_start_says_the_import_started_only_once_the_ami_passed() -> None:
    execution = f"arn:aws:states:eu-west-1:{ACCOUNT}:execution:sm:run-1"
    state = WorkflowState.parse(
        {
            "Request": {"image_id": AMI, "ingestion_process": "BYOL_REGULAR_WSP"},
            "Context": {"ExecutionId": execution},
        }
    )
    # Given notifyOnStart (a notifier for "started") and an AMI that passes
    notifier, ec2 = FakeNotifier(), FakeEc2({AMI: ami()})
    # When CheckImage runs
    steps.check_image(state, ec2, ACCOUNT, notifier)
    # Then one message says it started, where its status is, and which execution runs it
    [(subject, message, attributes)] = notifier.messages
    assert subject == f"byol-import: import of {AMI} started"
    assert "byol-import:status tag" in message and message.endswith(f"Execution: {execution}")
    assert attributes == {"outcome": "STARTED", "ami": AMI}
    assert ec2.tagged[AMI]["byol-import:status"] == "QUEUED"
    # And an AMI that is refused gets no "started" message (only the failure's, from Report)
    refused = FakeNotifier()
    with pytest.raises(errors.ImageNotOwned):
        steps.check_image(state, FakeEc2({AMI: ami(OwnerId="999999999999")}), ACCOUNT, refused)
    assert refused.messages == []
