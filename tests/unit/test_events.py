"""Which AMIs an EventBridge event names (the starter then reads their current tags)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from byol_import.errors import InvalidRequest
from byol_import.logic.request import (
    AMI_ID_PATTERN,
    INGESTION_PROCESSES,
    OS_VERSIONS,
    normalise_request,
)
from byol_import.logic.tag_value import TagSettings, parse_tag_value
from byol_import.triggers import TRIGGERS, Candidate, read_event, tags_ami, trigger_value
from tests.conftest import load_event

ACCOUNT, REGION, KEY = "123456789012", "eu-west-1", "WorkSpacesByolImport"


def test_the_sample_createtags_event_names_its_ami(cloudtrail_event: dict[str, Any]) -> None:
    reading = read_event(cloudtrail_event, ACCOUNT, REGION, KEY)
    assert reading.candidates == (Candidate("ami-0abcdef1234567890", "CreateTags"),)


def test_the_sample_ami_state_event_names_its_ami(ami_state_event: dict[str, Any]) -> None:
    reading = read_event(ami_state_event, ACCOUNT, REGION, KEY)
    assert reading.candidates == (Candidate("ami-0abcdef1234567890", "AmiStateChange"),)


def test_one_createtags_call_on_many_resources_yields_each_ami_once(
    cloudtrail_event: dict[str, Any],
) -> None:
    event = copy.deepcopy(cloudtrail_event)
    event["detail"]["requestParameters"]["resourcesSet"]["items"] = [
        {"resourceId": "i-0123456789abcdef0"},
        {"resourceId": "ami-11111111"},
        {"resourceId": "snap-0123"},
        {"resourceId": "ami-11111111"},
        {"resourceId": "ami-22222222"},
        {"resourceId": "AMI-33333333"},
    ]
    reading = read_event(event, ACCOUNT, REGION, KEY)
    assert [c.image_id for c in reading.candidates] == ["ami-11111111", "ami-22222222"]


def test_our_own_status_tags_start_nothing(cloudtrail_event: dict[str, Any]) -> None:
    event = copy.deepcopy(cloudtrail_event)
    event["detail"]["requestParameters"]["tagSet"]["items"] = [
        {"key": "byol-import:status", "value": "AVAILABLE"}
    ]
    reading = read_event(event, ACCOUNT, REGION, KEY)
    assert reading.candidates == () and "trigger tag" in str(reading.ignored_reason)


def test_failed_calls_and_other_accounts_start_nothing(cloudtrail_event: dict[str, Any]) -> None:
    failed = copy.deepcopy(cloudtrail_event)
    failed["detail"]["errorCode"] = "Client.UnauthorizedOperation"
    assert read_event(failed, ACCOUNT, REGION, KEY).candidates == ()
    assert read_event(cloudtrail_event, "999999999999", REGION, KEY).candidates == ()
    assert read_event(cloudtrail_event, ACCOUNT, "us-east-1", KEY).candidates == ()


def test_trigger_value_reads_the_current_tag() -> None:
    assert trigger_value([{"Key": KEY, "Value": "BYOL_REGULAR"}], KEY) == "BYOL_REGULAR"
    assert trigger_value([{"Key": "Other", "Value": "x"}], KEY) is None
    assert trigger_value(None, KEY) is None


def test_each_trigger_reads_its_own_events_and_its_source_is_a_valid_request(
    cloudtrail_event: dict[str, Any],
    ami_state_event: dict[str, Any],
    image_builder_event: dict[str, Any],
) -> None:
    # Given one sample event per trigger
    samples = {
        "CreateTags": cloudtrail_event,
        "AmiStateChange": ami_state_event,
        "ImageBuilder": image_builder_event,
    }
    assert sorted(samples) == sorted(t.source for t in TRIGGERS)
    for trigger in TRIGGERS:
        # When the starter reads it, Then the trigger of its detail-type names the AMI (an
        # Image Builder event names the image build, whose output AMI the starter reads)
        reading = read_event(samples[trigger.source], ACCOUNT, REGION, KEY)
        if trigger.source == "ImageBuilder":
            assert reading.image_builds == (samples[trigger.source]["resources"][0],)
            image_id = "ami-0abcdef1234567890"
        else:
            assert [c.source for c in reading.candidates] == [trigger.source]
            image_id = reading.candidates[0].image_id
        # ... and the execution input the starter writes for it is a valid request
        request = normalise_request(
            {"ImageId": image_id, "Trigger": {"Source": trigger.source, "TagValue": ""}},
            "BYOL_REGULAR_WSP",
        )
        assert request.source == trigger.source
        assert tags_ami(trigger.source) is trigger.tags_ami
    # A console start is no trigger: bad console input leaves the AMI alone
    assert tags_ami("Manual") is False and tags_ami(None) is False


def test_an_image_builder_event_names_its_build_only_when_available_and_ours(
    image_builder_event: dict[str, Any],
) -> None:
    # Given the sample AVAILABLE event, Then it names its build version ARN
    arn = image_builder_event["resources"][0]
    assert read_event(image_builder_event, ACCOUNT, REGION, KEY).image_builds == (arn,)
    # But a build that failed, or is still building, names nothing (with the reason)
    for status in ("FAILED", "BUILDING", "CANCELLED"):
        event = copy.deepcopy(image_builder_event)
        event["detail"]["state"]["status"] = status
        reading = read_event(event, ACCOUNT, REGION, KEY)
        assert reading.image_builds == () and status in str(reading.ignored_reason)
    # ... nor does one whose resource is no build version ARN (a version ARN, another
    # service's ARN) or names another account's image
    for resources in (
        [arn.rsplit("/", 1)[0]],
        ["arn:aws:ec2:eu-west-1::image/ami-0abcdef1234567890"],
        [arn.replace(ACCOUNT, "999999999999")],
        [],
        "not-a-list",
    ):
        event = copy.deepcopy(image_builder_event)
        event["resources"] = resources
        reading = read_event(event, ACCOUNT, REGION, KEY)
        assert reading.image_builds == () and reading.ignored_reason
    # ... and an Image Builder detail-type from another source is not handled
    forged = {**image_builder_event, "source": "aws.ec2"}
    assert read_event(forged, ACCOUNT, REGION, KEY).image_builds == ()


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=30),
    lambda c: st.lists(c, max_size=5) | st.dictionaries(st.text(max_size=12), c, max_size=5),
    max_leaves=25,
)


@settings(max_examples=400, deadline=None)
@given(
    noise=json_values,
    event_mutation=st.sampled_from(
        ["detail", "requestParameters", "resourcesSet", "tagSet", "whole"]
    ),
)
def test_hostile_events_never_raise_and_only_yield_ami_ids(noise: Any, event_mutation: str) -> None:
    event: Any = load_event("cloudtrail-createtags.json")
    target = {
        "detail": event,
        "requestParameters": event["detail"],
        "resourcesSet": event["detail"]["requestParameters"],
        "tagSet": event["detail"]["requestParameters"],
    }
    if event_mutation == "whole":
        event = noise
    else:
        key = {
            "requestParameters": "requestParameters",
            "detail": "detail",
            "resourcesSet": "resourcesSet",
            "tagSet": "tagSet",
        }[event_mutation]
        target[event_mutation][key] = noise
    reading = read_event(event, ACCOUNT, REGION, KEY)
    assert all(AMI_ID_PATTERN.fullmatch(c.image_id) for c in reading.candidates)
    assert reading.candidates or reading.ignored_reason


# The trigger tag value's syntax (README "Start an import"), parsed in one place.
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, TagSettings()),
        ("", TagSettings()),
        (" TRUE ", TagSettings()),
        ("BYOL_REGULAR_WSP", TagSettings(ingestion_process="BYOL_REGULAR_WSP")),
        ("OsVersion=Windows_10", TagSettings(os_version="Windows_10")),
        (
            "OsVersion=Windows_11,IngestionProcess=BYOL_REGULAR_WSP",
            TagSettings("BYOL_REGULAR_WSP", "Windows_11"),
        ),
        (
            "IngestionProcess=BYOL_REGULAR OsVersion=Windows_10",
            TagSettings("BYOL_REGULAR", "Windows_10"),
        ),
        (
            " OsVersion=Windows_10 , IngestionProcess=BYOL_REGULAR ",
            TagSettings("BYOL_REGULAR", "Windows_10"),
        ),
    ],
)
def test_the_tag_value_syntax(value: str | None, expected: TagSettings) -> None:
    assert parse_tag_value(value, KEY) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("byol_regular_wsp", "value: must be one of BYOL_REGULAR, "),
        ("byol_regular_wsp", "(did you mean 'BYOL_REGULAR_WSP'?)"),
        ("Windows_10", "an OsVersion is written OsVersion=Windows_10"),
        (
            "osversion=Windows_10",
            "unknown key 'osversion'; keys are IngestionProcess, OsVersion, ImportMethod, "
            "Protocol, ComputeType, ImageValidationMode, Bundle, BundleName, BundleComputeType, "
            "CopyToRegions, ShareWithAccounts (did you mean 'OsVersion'?)",
        ),
        (
            "OsVersion=windows_11",
            "value OsVersion: must be one of Windows_10, Windows_11; got "
            "'windows_11' (did you mean 'Windows_11'?)",
        ),
        ("OsVersion=Windows_10,BYOL_REGULAR", "'BYOL_REGULAR' is not KEY=VALUE"),
        ("OsVersion=Windows_10,OsVersion=Windows_11", "OsVersion is given twice"),
        ("IngestionProcess=", "value IngestionProcess: must be one of"),
    ],
)
def test_a_bad_tag_value_names_the_tag_key_and_what_to_write(value: str, message: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        parse_tag_value(value, KEY)
    assert caught.value.message.startswith(f"trigger tag {KEY} value")
    assert message in caught.value.message


@settings(max_examples=300, deadline=None)
@given(
    st.text(max_size=80)
    | st.sampled_from(
        [
            f"{k}={v}"
            for k in ("IngestionProcess", "OsVersion")
            for v in (*INGESTION_PROCESSES, *OS_VERSIONS)
        ]
    )
)
def test_any_tag_value_parses_to_api_values_or_fails_naming_the_key(value: str) -> None:
    try:
        parsed = parse_tag_value(value, KEY)
    except InvalidRequest as exc:
        assert exc.message.startswith(f"trigger tag {KEY} value")
        return
    assert parsed.ingestion_process in (None, *INGESTION_PROCESSES)
    assert parsed.os_version in (None, *OS_VERSIONS)
