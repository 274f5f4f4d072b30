"""The Image Builder import path's request fields, tag value keys, poll decisions and progress
tag: the pure logic (logic/import_method.py, logic/custom_import.py, logic/tag_value.py)."""

from __future__ import annotations

from typing import Any

import pytest

from byol_import.errors import ImageImportFailed, InvalidRequest
from byol_import.logic.custom_import import custom_poll, worth_tagging
from byol_import.logic.import_method import equivalents
from byol_import.logic.request import normalise_request
from byol_import.logic.tag_value import parse_tag_value

AMI = "ami-0abcdef1234567890"
ARN = "arn:aws:imagebuilder:eu-west-1:123456789012:image/win11-gold/1.0.0/3"


def request(default_method: str = "classic", deployed: bool = True, **fields: Any) -> Any:
    raw = {"ImageId": AMI, **fields}
    return normalise_request(raw, "BYOL_REGULAR_WSP", "Tag", default_method, deployed)


@pytest.mark.parametrize(
    ("process", "protocol", "compute"),
    [
        ("BYOL_REGULAR_WSP", "DCV", "BASE"),
        ("BYOL_REGULAR", "PCOIP", "BASE"),
        ("BYOL_REGULAR_BYOP", "BYOP", "BASE"),
        ("BYOL_GRAPHICS_G4DN_WSP", "DCV", "GRAPHICS_G4DN"),
        ("BYOL_GRAPHICS_G4DN", "PCOIP", "GRAPHICS_G4DN"),
        ("BYOL_GRAPHICSPRO", "PCOIP", None),
    ],
)
def test_an_ingestion_process_names_its_protocol_and_hardware(
    process: str, protocol: str, compute: str | None
) -> None:
    assert equivalents(process) == (protocol, compute)


def test_the_classic_path_is_the_default_and_keeps_its_request() -> None:
    got = request()
    assert got.import_method == "classic" and got.protocol is None and got.compute_type is None


def test_image_builder_takes_protocol_and_compute_from_the_ingestion_process() -> None:
    # Given a request for the Image Builder path naming neither Protocol nor ComputeType
    got = request(ImportMethod="image-builder")
    # Then they come from the resolved IngestionProcess (BYOL_REGULAR_WSP: DCV on BASE)
    assert (got.import_method, got.protocol, got.compute_type) == ("image-builder", "DCV", "BASE")


def test_the_request_beats_the_tag_value_which_beats_the_configured_method() -> None:
    tag = {"Source": "CreateTags", "TagValue": "ImportMethod=classic"}
    assert request("image-builder").import_method == "image-builder"
    assert request("image-builder", Trigger=tag).import_method == "classic"
    assert request("classic", Trigger=tag, ImportMethod="image-builder").import_method == (
        "image-builder"
    )


def test_every_new_field_is_read_from_the_request() -> None:
    got = request(
        ImportMethod="image-builder",
        Protocol="BYOP",
        ComputeType="GRAPHICS_G6",
        ImageValidationMode="SERVICE_MANAGED",
        ImageBuildVersionArn=ARN,
    )
    assert (got.protocol, got.compute_type, got.image_validation_mode) == (
        "BYOP",
        "GRAPHICS_G6",
        "SERVICE_MANAGED",
    )
    assert got.image_build_version_arn == ARN
    assert type(got).from_json(got.to_json()) == got


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"Protocol": "DCV"}, "Protocol: only for ImportMethod image-builder"),
        ({"ImportMethod": "imagebuilder"}, "did you mean 'image-builder'?"),
        ({"ImportMethod": "image-builder", "Protocol": "dcv"}, "did you mean 'DCV'?"),
        (
            {"ImportMethod": "image-builder", "OsVersion": "Windows_11", "Protocol": "PCOIP"},
            "Windows 11 (OsVersion of the request) does not support PCOIP",
        ),
        (
            {"ImportMethod": "image-builder", "Applications": ["Microsoft_Office_2019"]},
            "has no Microsoft Office subscription",
        ),
        (
            {"ImportMethod": "image-builder", "IngestionProcess": "BYOL_GRAPHICSPRO"},
            "give ComputeType",
        ),
        (
            {"ImportMethod": "image-builder", "ImageBuildVersionArn": "arn:aws:ec2:x"},
            "ImageBuildVersionArn: must be an EC2 Image Builder image build version ARN",
        ),
    ],
)
def test_a_wrong_field_is_refused_with_what_to_write(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        request(**fields)
    assert message in caught.value.message


def test_a_tag_value_on_the_classic_path_may_not_name_the_new_fields() -> None:
    tag = {"Source": "CreateTags", "TagValue": "Protocol=DCV"}
    with pytest.raises(InvalidRequest, match=r"Protocol \(trigger tag value\): only for"):
        request(Trigger=tag)


def test_a_build_version_rides_along_on_the_classic_path_which_imports_its_ami() -> None:
    # Given a starter input naming the build version whose output AMI is ImageId
    got = request(ImageBuildVersionArn=ARN)
    # Then the classic path accepts it (it imports that AMI) and keeps it for the record
    assert got.import_method == "classic" and got.image_build_version_arn == ARN


def test_image_builder_is_refused_where_the_stack_does_not_deploy_it() -> None:
    with pytest.raises(InvalidRequest, match="imageBuilderPath is false"):
        request(deployed=False, ImportMethod="image-builder")
    # the classic path is unaffected
    assert request(deployed=False).import_method == "classic"


def test_the_tag_value_takes_the_new_keys() -> None:
    got = parse_tag_value(
        "ImportMethod=image-builder ComputeType=GRAPHICS_G4DN,Protocol=DCV "
        "ImageValidationMode=CUSTOMER_MANAGED"
    )
    assert (got.import_method, got.compute_type, got.protocol, got.image_validation_mode) == (
        "image-builder",
        "GRAPHICS_G4DN",
        "DCV",
        "CUSTOMER_MANAGED",
    )


def test_a_running_import_is_any_state_but_completed_or_error() -> None:
    poll = custom_poll("wsi-1", {"State": "VALIDATING", "ProgressPercentage": 62})
    assert poll.progress == "VALIDATING 62%"
    # not listed yet (eventual consistency): running, not seen
    assert custom_poll("wsi-1", None, seen_before=False).seen is False
    # seen, then gone: someone deleted it
    with pytest.raises(ImageImportFailed, match="disappeared"):
        custom_poll("wsi-1", None, seen_before=True)


def test_an_error_lists_each_detail_then_what_to_do() -> None:
    poll = custom_poll(
        "wsi-1",
        {
            "State": "ERROR",
            "ProgressPercentage": 40,
            "StateMessage": "The image failed the compatibility check.",
            "ErrorDetails": [
                {"ErrorCode": "AppXPackagesInstalled", "ErrorMessage": "AppX found."},
                {"ErrorCode": "SomethingNew", "ErrorMessage": "Free text."},
            ],
        },
    )
    reason = poll.failure_reason()
    assert "ended in ERROR at 40%: The image failed the compatibility check." in reason
    assert "AppXPackagesInstalled: AppX found; SomethingNew: Free text." in reason
    assert "To do: AppXPackagesInstalled: Remove the AppX" in reason
    assert reason.endswith("and import again")


@pytest.mark.parametrize(
    ("previous", "current", "write"),
    [
        (None, "PENDING 0%", True),
        ("PENDING 0%", "PENDING 0%", False),
        ("VALIDATING 60%", "VALIDATING 63%", False),
        ("VALIDATING 60%", "VALIDATING 65%", True),
        ("VALIDATING 64%", "PUBLISHING 65%", True),
        ("PUBLISHING 98%", "COMPLETED 100%", True),
        ("PUBLISHING 98%", None, False),
    ],
)
def test_the_progress_tag_changes_on_a_new_state_or_five_points(
    previous: str | None, current: str | None, write: bool
) -> None:
    assert worth_tagging(previous, current) is write
