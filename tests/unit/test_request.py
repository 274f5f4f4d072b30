"""Normalising console and starter input: every rule names its field."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from byol_import.errors import InvalidRequest
from byol_import.logic.request import (
    AMI_ID_PATTERN,
    IMAGE_DESCRIPTION_PATTERN,
    IMAGE_NAME_PATTERN,
    INGESTION_PROCESSES,
    OS_VERSIONS,
    ImportRequest,
    normalise_request,
)

AMI = "ami-0abcdef1234567890"
DEFAULT = "BYOL_REGULAR_WSP"


def test_minimal_console_input_gets_the_configured_default() -> None:
    # Given the smallest console input
    # When it is normalised
    request = normalise_request({"ImageId": AMI}, DEFAULT)
    # Then the default ingestion process applies and nothing else is set
    assert request == ImportRequest(image_id=AMI, ingestion_process=DEFAULT)


def test_full_console_input_is_kept() -> None:
    raw = {
        "ImageId": AMI,
        "IngestionProcess": "BYOL_GRAPHICS_G4DN_WSP",
        "ImageName": "win11-gpu",
        "ImageDescription": "Windows 11 (GPU)",
        "Applications": ["Microsoft_Office_2019"],
        "Tags": {"team": "euc"},
    }
    request = normalise_request(raw, DEFAULT)
    assert request.ingestion_process == "BYOL_GRAPHICS_G4DN_WSP"
    assert request.image_name == "win11-gpu"
    assert request.applications == ("Microsoft_Office_2019",)
    assert request.tags == {"team": "euc"}
    assert ImportRequest.from_json(request.to_json()) == request


def test_tags_in_the_aws_list_form_are_read_as_the_object_form() -> None:
    # Given Tags as EC2 and the CLI write them, one without a Value
    raw = {"ImageId": AMI, "Tags": [{"Key": "team", "Value": "euc"}, {"Key": "cost-centre"}]}
    # Then they are the same tags as {"team": "euc", "cost-centre": ""}
    assert normalise_request(raw, DEFAULT).tags == {"team": "euc", "cost-centre": ""}


@pytest.mark.parametrize(
    ("tag_value", "expected"),
    [("BYOL_REGULAR", "BYOL_REGULAR"), ("", DEFAULT), ("true", DEFAULT), (" yes ", DEFAULT)],
)
def test_trigger_tag_value_chooses_the_ingestion_process(tag_value: str, expected: str) -> None:
    raw = {"ImageId": AMI, "Trigger": {"Source": "CreateTags", "TagValue": tag_value}}
    assert normalise_request(raw, DEFAULT).ingestion_process == expected


def test_a_case_only_mismatch_says_did_you_mean() -> None:
    with pytest.raises(InvalidRequest) as caught:
        normalise_request({"ImageId": AMI, "IngestionProcess": "byol_regular_wsp"}, DEFAULT)
    assert caught.value.message.endswith(
        "got 'byol_regular_wsp' (did you mean 'BYOL_REGULAR_WSP'?)"
    )


def test_os_version_comes_from_the_input_then_the_tag_value() -> None:
    # Given an OsVersion in the input and another in the trigger tag value
    tagged = {"Source": "CreateTags", "TagValue": "OsVersion=Windows_11"}
    # When normalised, Then the input wins; without it the tag value's applies; else none
    assert (
        normalise_request(
            {"ImageId": AMI, "OsVersion": "Windows_10", "Trigger": tagged}, DEFAULT
        ).os_version
        == "Windows_10"
    )
    assert normalise_request({"ImageId": AMI, "Trigger": tagged}, DEFAULT).os_version == (
        "Windows_11"
    )
    assert normalise_request({"ImageId": AMI}, DEFAULT).os_version is None
    request = normalise_request({"ImageId": AMI, "OsVersion": "Windows_10"}, DEFAULT)
    assert ImportRequest.from_json(request.to_json()) == request


def test_a_bad_tag_value_names_the_deployments_tag_key() -> None:
    # Given a deployment whose trigger tag key is not the default
    raw = {"ImageId": AMI, "Trigger": {"Source": "CreateTags", "TagValue": "byol_regular"}}
    # When the tag's value is wrong, Then the error names that key and the near miss
    with pytest.raises(InvalidRequest) as caught:
        normalise_request(raw, DEFAULT, trigger_tag_key="euc:import")
    assert caught.value.message.startswith("trigger tag euc:import value: must be one of")
    assert "(did you mean 'BYOL_REGULAR'?)" in caught.value.message


def test_request_wins_over_the_tag_value() -> None:
    raw = {
        "ImageId": AMI,
        "IngestionProcess": "BYOL_REGULAR",
        "Trigger": {"Source": "CreateTags", "TagValue": "BYOL_GRAPHICS_G4DN_WSP"},
    }
    assert normalise_request(raw, DEFAULT).ingestion_process == "BYOL_REGULAR"


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({}, "ImageId: required"),
        ({"ImageId": "ami-XYZ"}, "ImageId: must match"),
        ({"ImageId": 12}, "ImageId: must match"),
        ({"ImageId": AMI, "ImageName": "has space"}, "ImageName:"),
        ({"ImageId": AMI, "ImageName": "x" * 65}, "ImageName:"),
        ({"ImageId": AMI, "ImageDescription": "colon: no"}, "ImageDescription:"),
        ({"ImageId": AMI, "IngestionProcess": "BYOL_FAST"}, "IngestionProcess:"),
        ({"ImageId": AMI, "Applications": ["Office"]}, "Applications:"),
        (
            {"ImageId": AMI, "Applications": ["Microsoft_Office_2016", "Microsoft_Office_2019"]},
            "Applications:",
        ),
        ({"ImageId": AMI, "Tags": {"aws:x": "1"}}, "Tags:"),
        ({"ImageId": AMI, "Tags": {"byol-import:status": "1"}}, "Tags:"),
        ({"ImageId": AMI, "Tags": {"k": "v" * 256}}, "Tags:"),
        ({"ImageId": AMI, "Tags": "k=v"}, "Tags:"),
        ({"ImageId": AMI, "Tags": {f"k{i}": "v" for i in range(49)}}, "Tags: at most 48 tags"),
        ({"ImageId": AMI, "Tags": [{"Key": "", "Value": "v"}]}, "Tags: each key must be 1-127"),
        (
            {"ImageId": AMI, "Trigger": {"Source": "CreateTags", "TagValue": "v" * 256}},
            "Trigger.TagValue: must be a string of at most 255",
        ),
        ({"ImageId": AMI, "Imageid": AMI}, "Imageid: unknown field"),
        ({"ImageId": AMI, "Trigger": {"Source": "Cron"}}, "Trigger.Source:"),
        (
            {"ImageId": AMI, "Trigger": {"Source": "CreateTags", "TagValue": "fast"}},
            "trigger tag WorkSpacesByolImport value:",
        ),
        ({"ImageId": AMI, "OsVersion": "Windows_12"}, "OsVersion: must be one of Windows_10"),
        ({"ImageId": AMI, "OsVersion": "windows_10"}, "(did you mean 'Windows_10'?)"),
        (
            {"ImageId": AMI, "IngestionProcess": "byol_regular_wsp"},
            "IngestionProcess: must be one of",
        ),
        ({"ImageId": AMI, "ImageID": AMI}, "ImageID: unknown field (did you mean 'ImageId'?)"),
        ({"ImageId": AMI, "IngestionProces": "BYOL_REGULAR"}, "(did you mean 'IngestionProcess'?)"),
    ],
)
def test_bad_input_fails_naming_the_field_and_rule(raw: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        normalise_request(raw, DEFAULT)
    assert field in caught.value.message


def test_non_object_input_is_rejected() -> None:
    with pytest.raises(InvalidRequest, match="input: must be a JSON object"):
        normalise_request(["ami-0abcdef1234567890"], DEFAULT)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4)
    ),
    max_leaves=12,
)
fields = st.sampled_from(
    [
        "ImageId",
        "IngestionProcess",
        "OsVersion",
        "ImageName",
        "ImageDescription",
        "Applications",
        "Tags",
        "Trigger",
        "Other",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(fields, json_values | st.just(AMI), max_size=6) | json_values)
def test_any_input_either_normalises_to_valid_api_values_or_fails_clearly(raw: Any) -> None:
    # Given any JSON at all
    try:
        request = normalise_request(raw, DEFAULT)
    except InvalidRequest as exc:
        # Then a failure names a field and a rule
        assert ":" in exc.message
        return
    # Or every value it keeps is valid for the API
    assert AMI_ID_PATTERN.fullmatch(request.image_id)
    assert request.ingestion_process in INGESTION_PROCESSES
    assert request.os_version in (None, *OS_VERSIONS)
    assert request.image_name is None or IMAGE_NAME_PATTERN.fullmatch(request.image_name)
    assert request.image_description is None or IMAGE_DESCRIPTION_PATTERN.fullmatch(
        request.image_description
    )
