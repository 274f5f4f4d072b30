"""AMI checks, Windows 11 combinations and image naming."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from byol_import import errors
from byol_import.logic.image import (
    AmiFacts,
    check_ami,
    check_combination,
    execution_name,
    image_description,
    image_name,
)
from byol_import.logic.request import IMAGE_DESCRIPTION_PATTERN, IMAGE_NAME_PATTERN, ImportRequest

ACCOUNT = "123456789012"
AMI = "ami-0abcdef1234567890"


def ami(**over: Any) -> dict[str, Any]:
    image = {"ImageId": AMI, "OwnerId": ACCOUNT, "State": "available", "Platform": "windows",
             "PlatformDetails": "Windows", "Architecture": "x86_64",
             "Name": "Win11-Enterprise", "Description": "Windows 11 24H2",
             "BlockDeviceMappings": [{"DeviceName": "/dev/sda1",
                                      "Ebs": {"VolumeSize": 50, "Encrypted": False}}]}
    image.update(over)
    return image


def test_a_good_windows_11_ami_passes() -> None:
    facts = check_ami(ami(), AMI, ACCOUNT)
    assert facts == AmiFacts(AMI, "Win11-Enterprise", "Windows 11 24H2", windows_11=True)


@pytest.mark.parametrize(("image", "error"), [
    (None, errors.ImageNotFound),
    (ami(OwnerId="999999999999"), errors.ImageNotOwned),
    (ami(State="pending"), errors.ImageNotAvailable),
    (ami(Platform=None, PlatformDetails="Linux/UNIX"), errors.ImageNotWindows),
    (ami(Architecture="arm64"), errors.ImageNotX86),
    (ami(BlockDeviceMappings=[{"Ebs": {"VolumeSize": 50, "Encrypted": True}}]),
     errors.ImageEncrypted),
    (ami(BlockDeviceMappings=[{"Ebs": {"VolumeSize": 50}}, {"Ebs": {"VolumeSize": 10}}]),
     errors.ImageVolumeUnsupported),
    (ami(BlockDeviceMappings=[{"Ebs": {"VolumeSize": 80}}]), errors.ImageVolumeUnsupported),
])
def test_each_visible_requirement_has_its_own_error(image: dict[str, Any] | None,
                                                     error: type[Exception]) -> None:
    with pytest.raises(error) as caught:
        check_ami(image, AMI, ACCOUNT)
    assert AMI in str(caught.value)


def request(process: str = "BYOL_REGULAR_WSP", apps: tuple[str, ...] = ()) -> ImportRequest:
    return ImportRequest(image_id=AMI, ingestion_process=process, applications=apps)


W11 = AmiFacts(AMI, "Win11", "", windows_11=True)
W10 = AmiFacts(AMI, "Win10", "", windows_11=False)


@pytest.mark.parametrize("req", [
    request("BYOL_REGULAR"),
    request("BYOL_GRAPHICS_G4DN"),
    request("BYOL_GRAPHICS_G4DN_WSP", ("Microsoft_Office_2019",)),
    request("BYOL_REGULAR_WSP", ("Microsoft_Office_2016",)),
])
def test_documented_invalid_windows_11_combinations_are_rejected(req: ImportRequest) -> None:
    with pytest.raises(errors.UnsupportedCombination):
        check_combination(req, W11)


@pytest.mark.parametrize("req", [
    request("BYOL_REGULAR_WSP", ("Microsoft_Office_2019",)),
    request("BYOL_GRAPHICS_G4DN_WSP"),
])
def test_valid_windows_11_combinations_pass(req: ImportRequest) -> None:
    check_combination(req, W11)


def test_windows_10_may_use_pcoip() -> None:
    check_combination(request("BYOL_REGULAR", ("Microsoft_Office_2016",)), W10)


def test_requested_name_and_description_are_used_verbatim() -> None:
    req = ImportRequest(image_id=AMI, ingestion_process="BYOL_REGULAR_WSP",
                        image_name="gold-image", image_description="Gold image")
    assert image_name(req, W11) == "gold-image"
    assert image_description(req, W11) == "Gold image"


def test_derived_name_is_sanitised_and_ends_with_the_ami_id() -> None:
    facts = AmiFacts(AMI, "Windows 11: Enterprise  [gold] v2", "", windows_11=True)
    assert image_name(request(), facts) == f"Windows-11-Enterprise-gold-v2-{AMI}"


ami_ids = st.from_regex(r"^ami-([a-f0-9]{8}|[a-f0-9]{17})$", fullmatch=True)


@settings(max_examples=300, deadline=None)
@given(name=st.text(max_size=300), ami_id=ami_ids, other=ami_ids)
def test_derived_names_are_valid_deterministic_and_unique_per_ami(name: str, ami_id: str,
                                                                  other: str) -> None:
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
