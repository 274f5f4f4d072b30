"""ImportImage and PollImage on the Image Builder path (steps/custom_image.py), on fakes."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from byol_import import errors, steps
from tests.unit.fakes import FakeEc2, FakeWorkSpaces
from tests.unit.test_steps import AMI, CONFIG, state

INFRA = "arn:aws:imagebuilder:eu-west-1:123456789012:infrastructure-configuration/byol-x"
DEPLOYED = dataclasses.replace(CONFIG, infrastructure_configuration_arn=INFRA)
REQUEST = {
    "image_id": AMI,
    "ingestion_process": "BYOL_REGULAR_WSP",
    "import_method": "image-builder",
    "protocol": "DCV",
    "compute_type": "BASE",
}
AMI_FACTS = {"import_name": f"win11-{AMI}", "import_description": "W11", "os_version": "Windows_11"}


def custom_state(**parts: Any) -> Any:
    return state(Request=REQUEST, Ami=AMI_FACTS, **parts)


def test_the_import_names_the_configuration_the_ami_and_what_checkimage_learnt() -> None:
    ws, ec2 = FakeWorkSpaces(), FakeEc2()
    out = steps.import_image(custom_state(), ws, ec2, DEPLOYED)
    # Then ImportCustomWorkspaceImage ran with DCV, BASE and the Windows CheckImage saw
    assert ws.calls == ["ImportCustomWorkspaceImage DCV BASE Windows_11"]
    [sent] = ws.custom_requests
    assert sent["source"] == {"Ec2ImageId": AMI} and sent["infrastructure_arn"] == INFRA
    # And the first poll comes after one interval, not the classic 90 minutes
    assert out["method"] == "image-builder" and out["first_poll_seconds"] == 110
    assert ec2.tagged[AMI]["byol-import:status"] == "IMPORTING"


def test_a_build_version_is_the_source_when_the_request_names_one() -> None:
    arn = "arn:aws:imagebuilder:eu-west-1:123456789012:image/gold/1.0.0/1"
    ws = FakeWorkSpaces()
    request = {**REQUEST, "image_build_version_arn": arn}
    steps.import_image(state(Request=request, Ami=AMI_FACTS), ws, FakeEc2(), DEPLOYED)
    assert ws.custom_requests[0]["source"] == {"ImageBuildVersionArn": arn}


def test_a_retried_import_adopts_our_image_as_on_the_classic_path() -> None:
    ws = FakeWorkSpaces()
    first = steps.import_image(custom_state(), ws, FakeEc2(), DEPLOYED)
    ws.import_error = errors.ImageNameTaken("taken")
    again = steps.import_image(custom_state(), ws, FakeEc2(), DEPLOYED)
    assert again["image_id"] == first["image_id"] and again["adopted"] is True


def test_a_deployment_without_the_path_fails_with_what_to_change() -> None:
    with pytest.raises(errors.ConfigurationError, match="imageBuilderPath"):
        steps.import_image(custom_state(), FakeWorkSpaces(), FakeEc2(), CONFIG)


def poll(ws: FakeWorkSpaces, ec2: FakeEc2, **previous: Any) -> dict[str, Any]:
    imported = {"image_id": "wsi-000000000", "method": "image-builder"}
    return steps.poll_image(custom_state(Import=imported, **previous), ws, ec2)


def test_each_poll_reports_the_state_and_tags_progress_worth_telling() -> None:
    ws, ec2 = FakeWorkSpaces(), FakeEc2()
    ws.custom_imports["wsi-000000000"] = {"State": "VALIDATING", "ProgressPercentage": 62}
    out = poll(ws, ec2)
    assert out["state"] == "PENDING" and out["import_state"] == "VALIDATING"
    assert ec2.tagged[AMI]["byol-import:progress"] == "VALIDATING 62%"
    # a point more is not worth a tag write: the tag (and `progress`) keep the last told
    ws.custom_imports["wsi-000000000"]["ProgressPercentage"] = 63
    ec2.tagged.clear()
    again = poll(ws, ec2, Poll=out)
    assert again["progress"] == "VALIDATING 62%" and ec2.tagged == {}
    assert again["count"] == 2


def test_completed_is_available_only_once_the_image_list_says_so() -> None:
    ws, ec2 = FakeWorkSpaces(), FakeEc2()
    ws.custom_imports["wsi-000000000"] = {"State": "COMPLETED", "ProgressPercentage": 100}
    # Given the image list not showing the image yet
    assert poll(ws, ec2)["state"] == "PENDING"
    ws.images["wsi-000000000"] = {"ImageId": "wsi-000000000", "State": "AVAILABLE"}
    assert poll(ws, ec2)["state"] == "AVAILABLE"
    assert ec2.tagged[AMI]["byol-import:progress"] == "COMPLETED 100%"


def test_an_error_carries_its_details_for_cleanup_and_the_report() -> None:
    ws = FakeWorkSpaces()
    ws.custom_imports["wsi-000000000"] = {
        "State": "ERROR",
        "ProgressPercentage": 41,
        "StateMessage": "Compatibility check failed.",
        "ErrorDetails": [{"ErrorCode": "DiskFreeSpace", "ErrorMessage": "Too full."}],
    }
    out = poll(ws, FakeEc2())
    assert out["state"] == "ERROR"
    assert "DiskFreeSpace: Too full" in out["reason"]


def test_a_completed_import_whose_image_is_in_error_fails_with_the_images_reason() -> None:
    # Given the import COMPLETED but the image list showing the image in ERROR
    ws = FakeWorkSpaces()
    ws.custom_imports["wsi-000000000"] = {"State": "COMPLETED", "ProgressPercentage": 100}
    ws.images["wsi-000000000"] = {
        "ImageId": "wsi-000000000",
        "State": "ERROR",
        "ErrorCode": "InternalFailure",
        "ErrorMessage": "post-import check failed",
    }
    # When PollImage runs, Then the image's own word wins over the import's
    out = poll(ws, FakeEc2())
    assert out["state"] == "ERROR"
    assert "ended in ERROR: InternalFailure: post-import check failed" in out["reason"]


def test_a_new_import_not_listed_yet_is_pending_and_tags_no_progress() -> None:
    # Given an import just started, not yet in DescribeCustomWorkspaceImageImport
    ws, ec2 = FakeWorkSpaces(), FakeEc2()
    # When PollImage runs, Then it waits, with no progress to tell (no tag written)
    out = poll(ws, ec2)
    assert (out["state"], out["progress"], out["seen"]) == ("PENDING", None, False)
    assert ec2.tagged == {}


def test_a_progress_tag_that_cannot_be_written_does_not_stop_the_poll() -> None:
    ws, ec2 = FakeWorkSpaces(), FakeEc2(tag_error=errors.AccessDenied("ec2:CreateTags denied"))
    ws.custom_imports["wsi-000000000"] = {"State": "VALIDATING", "ProgressPercentage": 62}
    # When PollImage runs, Then the import is still followed (the denial is only logged)
    out = poll(ws, ec2)
    assert (out["state"], out["import_state"], out["count"]) == ("PENDING", "VALIDATING", 1)
    assert ec2.tagged == {}
    # And the tag is written at the next poll once EC2 takes it (the failed write is not
    # counted as told, though only a point was gained since)
    assert out["progress"] is None
    ec2.tag_error = None
    ws.custom_imports["wsi-000000000"]["ProgressPercentage"] = 63
    assert poll(ws, ec2, Poll=out)["progress"] == "VALIDATING 63%"
    assert ec2.tagged[AMI]["byol-import:progress"] == "VALIDATING 63%"


def test_an_import_answer_without_a_state_is_an_error_not_a_wait() -> None:
    ws = FakeWorkSpaces()
    ws.custom_imports["wsi-000000000"] = {"ProgressPercentage": 10}
    with pytest.raises(errors.WorkSpacesError, match="wsi-000000000 has no State"):
        poll(ws, FakeEc2())


def test_a_long_error_is_cut_keeping_aws_words_first() -> None:
    # Given an ERROR whose details would make a reason far over the 1,000 characters kept
    ws = FakeWorkSpaces()
    details = [{"ErrorCode": f"Code{i}", "ErrorMessage": "x" * 80} for i in range(20)]
    ws.custom_imports["wsi-000000000"] = {
        "State": "ERROR",
        "StateMessage": "Compatibility check failed.",
        "ErrorDetails": details,
    }
    # When PollImage reads it, Then the reason is cut to 1,000 with its start (AWS's words) kept
    reason = poll(ws, FakeEc2())["reason"]
    assert len(reason) == 1000 and reason.endswith("...")
    assert "ended in ERROR at 0%: Compatibility check failed.; ErrorDetails: Code0: x" in reason
