"""The Image Builder trigger without AWS: which build the starter imports (its output AMI here),
what it starts, and what CheckImage confirms of a request's ImageBuildVersionArn."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from byol_import import errors, steps
from byol_import.logic.image_build import check_build, output_ami, read_build
from byol_import.state import WorkflowState
from tests.unit.fakes import FakeEc2, FakeImageBuilder, FakeStarter

ACCOUNT, REGION, KEY = "123456789012", "eu-west-1", "WorkSpacesByolImport"
ARN = f"arn:aws:imagebuilder:{REGION}:{ACCOUNT}:image/win11-byol/1.0.0/3"
PIPELINE = f"arn:aws:imagebuilder:{REGION}:{ACCOUNT}:image-pipeline/win11-byol"
AMI = "ami-0abcdef1234567890"


def image(**over: Any) -> dict[str, Any]:
    """GetImage's `image` for an AVAILABLE build of PIPELINE with its AMI here."""
    built: dict[str, Any] = {
        "arn": ARN,
        "state": {"status": "AVAILABLE"},
        "sourcePipelineArn": PIPELINE,
        "outputResources": {
            "amis": [
                {"region": "us-east-1", "image": "ami-11111111", "accountId": ACCOUNT},
                {"region": REGION, "image": AMI, "accountId": ACCOUNT},
            ]
        },
        "tags": {},
    }
    built.update(over)
    return built


def read(built: dict[str, Any] | None, pipelines: tuple[str, ...] = (PIPELINE,)) -> Any:
    return read_build(
        built, pipelines=pipelines, trigger_tag_key=KEY, account_id=ACCOUNT, region=REGION
    )


def test_a_configured_pipeline_s_available_build_imports_its_ami_in_this_region() -> None:
    reading = read(image())
    assert (reading.image_id, reading.tag_value) == (AMI, None)
    assert PIPELINE in reading.reason


def test_a_tagged_image_of_any_pipeline_imports_with_its_tag_value() -> None:
    reading = read(image(tags={KEY: "OsVersion=Windows_11"}), pipelines=())
    assert (reading.image_id, reading.tag_value) == (AMI, "OsVersion=Windows_11")


@pytest.mark.parametrize(
    ("built", "fragment"),
    [
        (None, "does not exist"),
        (image(state={"status": "FAILED", "reason": "x"}), "FAILED"),
        (image(state={"status": "DEPRECATED"}), "DEPRECATED"),
        (image(sourcePipelineArn=PIPELINE + "-other"), "not in imageBuilderPipelineArns"),
        (image(tags={"Other": "x"}, sourcePipelineArn=None), "no pipeline"),
        (image(outputResources={"amis": []}), "no output AMI in eu-west-1"),
    ],
)
def test_what_the_starter_does_not_import_says_why(built: Any, fragment: str) -> None:
    reading = read(built)
    assert reading.image_id is None and fragment in reading.reason


def test_only_an_ami_this_account_owns_in_this_region_is_the_output() -> None:
    # Given a distribution to another account in this Region, and a malformed entry
    amis = [
        {"region": REGION, "image": "ami-22222222", "accountId": "999999999999"},
        {"region": REGION, "image": "not-an-ami", "accountId": ACCOUNT},
        "junk",
    ]
    assert output_ami(image(outputResources={"amis": amis}), ACCOUNT, REGION) is None
    assert output_ami(image(), ACCOUNT, REGION) == AMI


def start(
    event: dict[str, Any],
    builder: FakeImageBuilder,
    ec2: FakeEc2,
    starter: FakeStarter,
    method: str = "classic",
) -> dict[str, Any]:
    return steps.start_imports(
        event,
        ec2,
        starter,
        account_id=ACCOUNT,
        region=REGION,
        trigger_tag_key=KEY,
        imagebuilder=lambda: builder,
        pipelines=(PIPELINE,),
        default_import_method=method,
    )


def test_an_available_build_starts_one_import_of_its_ami_even_when_delivered_twice(
    image_builder_event: dict[str, Any],
) -> None:
    # Given the AVAILABLE event of a configured pipeline's build whose AMI exists
    builder, ec2, starter = FakeImageBuilder({ARN: image()}), FakeEc2({AMI: {}}), FakeStarter()
    # When EventBridge delivers it twice
    first = start(image_builder_event, builder, ec2, starter)
    second = start(image_builder_event, builder, ec2, starter)
    # Then one execution of the AMI started, on the classic path (no build ARN in its input)
    assert [s["ImageId"] for s in first["Started"]] == [AMI]
    assert second["AlreadyStarted"] == first["Started"] and second["Started"] == []
    [payload] = [json.loads(p) for p in starter.started.values()]
    assert payload == {"ImageId": AMI, "Trigger": {"Source": "ImageBuilder", "TagValue": None}}
    assert builder.asked == [ARN, ARN]


def test_on_the_image_builder_path_the_input_names_the_build(
    image_builder_event: dict[str, Any],
) -> None:
    # Given importMethod image-builder configured
    builder, ec2, starter = FakeImageBuilder({ARN: image()}), FakeEc2({AMI: {}}), FakeStarter()
    # When the build's event is delivered
    start(image_builder_event, builder, ec2, starter, method="image-builder")
    # Then the input carries the method and the build, beside the AMI (status tags live there)
    [payload] = [json.loads(p) for p in starter.started.values()]
    assert payload["ImportMethod"] == "image-builder"
    assert payload["ImageBuildVersionArn"] == ARN and payload["ImageId"] == AMI


def test_the_ami_s_own_trigger_tag_names_the_execution_as_its_state_change_does(
    image_builder_event: dict[str, Any], ami_state_event: dict[str, Any]
) -> None:
    # Given a build whose AMI the distribution tagged with the trigger tag (amiTags)
    tags = [{"Key": KEY, "Value": "BYOL_REGULAR_WSP"}]
    builder, ec2, starter = (
        FakeImageBuilder({ARN: image()}),
        FakeEc2({AMI: {"Tags": tags}}),
        FakeStarter(),
    )
    # When both the AMI's state change and the build's event arrive
    by_ami = start(ami_state_event, builder, ec2, starter)
    by_build = start(image_builder_event, builder, ec2, starter)
    # Then they start the one execution
    assert len(by_ami["Started"]) == 1 and by_build["AlreadyStarted"] == by_ami["Started"]
    assert len(starter.started) == 1


def test_a_build_tag_value_that_does_not_parse_still_starts_the_import_to_report_it(
    image_builder_event: dict[str, Any],
) -> None:
    # Given a build whose AMI carries a trigger tag value with a typo, image-builder configured
    tags = [{"Key": KEY, "Value": "ImportMethod=imagebuilder"}]
    builder, ec2, starter = (
        FakeImageBuilder({ARN: image()}),
        FakeEc2({AMI: {"Tags": tags}}),
        FakeStarter(),
    )
    # When the build's event arrives
    out = start(image_builder_event, builder, ec2, starter, method="image-builder")
    # Then the import starts on the configured path with the value as written: ValidateRequest
    # refuses it and the AMI's status tag says why (nothing silent)
    assert [s["ImageId"] for s in out["Started"]] == [AMI]
    [payload] = [json.loads(p) for p in starter.started.values()]
    assert payload["ImportMethod"] == "image-builder"
    assert payload["Trigger"] == {"Source": "ImageBuilder", "TagValue": "ImportMethod=imagebuilder"}


@pytest.mark.parametrize(
    ("images", "amis", "fragment"),
    [
        ({}, {AMI: {}}, "does not exist"),
        ({ARN: image(sourcePipelineArn=PIPELINE + "-x")}, {AMI: {}}, "not tagged"),
        ({ARN: image()}, {}, "output AMI does not exist"),
    ],
)
def test_builds_it_cannot_import_start_nothing_and_say_why(
    image_builder_event: dict[str, Any],
    images: dict[str, Any],
    amis: dict[str, Any],
    fragment: str,
) -> None:
    starter = FakeStarter()
    out = start(image_builder_event, FakeImageBuilder(images), FakeEc2(amis), starter)
    assert out["Started"] == [] and starter.started == {}
    assert fragment in out["Ignored"][0]["Reason"]


def test_a_failed_build_s_event_makes_no_image_builder_call(
    image_builder_event: dict[str, Any],
) -> None:
    event = copy.deepcopy(image_builder_event)
    event["detail"]["state"] = {"status": "FAILED", "reason": "test failed"}
    builder = FakeImageBuilder({ARN: image()})
    out = start(event, builder, FakeEc2({AMI: {}}), FakeStarter())
    assert out["Started"] == [] and "FAILED" in out["Ignored"][0]["Reason"]
    assert builder.asked == []


def test_check_build_confirms_the_build_made_the_ami_here() -> None:
    check_build(image(), ARN, AMI, ACCOUNT, REGION)  # passes
    cases = [
        (None, "does not exist"),
        (image(state={"status": "BUILDING"}), "BUILDING, not AVAILABLE"),
        (image(outputResources={"amis": []}), "made no AMI"),
    ]
    for built, fragment in cases:
        with pytest.raises(errors.ImageBuildNotUsable, match=fragment):
            check_build(built, ARN, AMI, ACCOUNT, REGION)
    with pytest.raises(errors.ImageBuildNotUsable, match=f"made {AMI} .* not ami-99999999"):
        check_build(image(), ARN, "ami-99999999", ACCOUNT, REGION)


def test_check_image_asks_image_builder_only_when_the_request_names_a_build() -> None:
    ami = {
        "ImageId": AMI,
        "OwnerId": ACCOUNT,
        "State": "available",
        "Platform": "windows",
        "PlatformDetails": "Windows BYOL",
        "UsageOperation": "RunInstances:0800",
        "BootMode": "uefi",
        "Architecture": "x86_64",
        "Name": "Win11",
        "BlockDeviceMappings": [{"DeviceName": "/dev/sda1", "Ebs": {"VolumeSize": 50}}],
    }
    request = {"image_id": AMI, "ingestion_process": "BYOL_REGULAR_WSP"}
    for arn, asked in ((None, []), (ARN, [ARN])):
        builder = FakeImageBuilder({ARN: image()})
        state = WorkflowState.parse(
            {"Request": {**request, "image_build_version_arn": arn}, "Input": {}}
        )

        def made(builder: FakeImageBuilder = builder) -> FakeImageBuilder:
            return builder

        steps.check_image(state, FakeEc2({AMI: ami}), ACCOUNT, region=REGION, imagebuilder=made)
        assert builder.asked == asked


def test_a_request_s_image_build_version_arn_must_be_a_build_version() -> None:
    from byol_import.logic.request import normalise_request

    ok = normalise_request({"ImageId": AMI, "ImageBuildVersionArn": ARN}, "BYOL_REGULAR_WSP")
    assert ok.image_build_version_arn == ARN
    assert normalise_request({"ImageId": AMI}, "BYOL_REGULAR_WSP").image_build_version_arn is None
    for bad in (ARN.rsplit("/", 1)[0], PIPELINE, 42):
        with pytest.raises(errors.InvalidRequest, match="ImageBuildVersionArn"):
            normalise_request({"ImageId": AMI, "ImageBuildVersionArn": bad}, "BYOL_REGULAR_WSP")
