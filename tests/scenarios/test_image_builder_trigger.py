"""EC2 Image Builder pipelines as a trigger, end to end on the embedded AWS: a pipeline build
walks its statuses in virtual time, Image Builder's events reach the stack's own rule, the
starter reads the image (GetImage, as its role) and starts the import of its output AMI."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

import pytest

from local_aws.harness import ACCOUNT_ID, REGION, LocalAws, unattended
from local_aws.imagebuilder.builds import pipeline_arn
from tests.scenarios.conftest import ws_calls

pytestmark = pytest.mark.scenario

PIPELINE = "win11-byol"
KEY = "WorkSpacesByolImport"


def connected(**changes: object) -> LocalAws:
    """The stack with PIPELINE in imageBuilderPipelineArns, BYOL already enabled."""
    return LocalAws(
        config=unattended(image_builder_pipeline_arns=(pipeline_arn(PIPELINE),), **changes)
    )


def starter_results(aws: LocalAws, source: str) -> list[dict[str, Any]]:
    """What the starter did with each delivered event of `source`."""
    return [
        d["Result"]
        for d in aws.deliveries
        if d["Target"] == "Starter" and d["Event"]["source"] == source
    ]


def test_a_configured_pipeline_s_build_imports_its_output_ami_on_the_classic_path() -> None:
    with connected() as aws:
        aws.enable_byol_directly()
        # Given a build of the configured pipeline (its AMI carries no trigger tag), 15
        # minutes per status
        began = aws.clock.now()
        build = aws.build_image(PIPELINE, step_minutes=15)
        # When its AVAILABLE event is delivered and the import runs
        aws.wait_for_executions()
        # Then one import of its output AMI ran to a WorkSpaces image, on the classic path
        [result] = aws.results()
        assert result.status == "SUCCEEDED"
        assert result.input == {
            "ImageId": build.ami_id,
            "Trigger": {"Source": "ImageBuilder", "TagValue": None},
        }
        assert ws_calls(aws)["ImportWorkspaceImage"] == 1
        assert aws.ami_tags(str(build.ami_id))["byol-import:status"] == "AVAILABLE"
        # ... started when the build became AVAILABLE, an hour (virtual) after it began
        assert result.start is not None and result.start - began >= timedelta(hours=1)
        # ... started by the build's event; the AMI's own state change (untagged) started none
        [started] = starter_results(aws, "aws.imagebuilder")
        assert [s["ImageId"] for s in started["Started"]] == [build.ami_id]
        [by_ami] = starter_results(aws, "aws.ec2")
        assert by_ami["Started"] == []
        # ... and the starter read the image as its own role, denied nothing
        assert aws.iam.by_action["Starter imagebuilder:GetImage"] == 1
        assert aws.iam.denied == 0


def test_the_same_available_event_again_starts_nothing_more() -> None:
    with connected() as aws:
        aws.enable_byol_directly()
        build = aws.build_image(PIPELINE)
        aws.wait_for_executions()
        # When EventBridge delivers the AVAILABLE event once more (at least once delivery)
        aws.put_image_builder_event(build.events[-1])
        aws.wait_for_executions()
        # Then that delivery found the execution started already
        first, second = starter_results(aws, "aws.imagebuilder")
        assert second["AlreadyStarted"] == first["Started"] and second["Started"] == []
        assert len(aws.results()) == 1 and ws_calls(aws)["ImportWorkspaceImage"] == 1


def test_a_build_of_a_pipeline_not_configured_and_not_tagged_starts_nothing() -> None:
    with connected() as aws:
        aws.enable_byol_directly()
        # Given a build of another pipeline, its image not tagged
        build = aws.build_image("another-pipeline")
        aws.wait_for_executions()
        # Then nothing started, and the starter said why
        assert aws.results() == [] and ws_calls(aws) == Counter()
        [ignored] = starter_results(aws, "aws.imagebuilder")
        [reason] = ignored["Ignored"]
        assert reason["ImageBuildVersionArn"] == build.arn
        assert "not in imageBuilderPipelineArns" in reason["Reason"]


def test_a_failed_build_starts_nothing() -> None:
    with connected() as aws:
        aws.enable_byol_directly()
        # Given a build of the configured pipeline that fails its tests
        build = aws.build_image(PIPELINE, fails_at="TESTING")
        aws.wait_for_executions()
        # Then its events matched no rule (only AVAILABLE does): nothing started
        assert build.status == "FAILED" and build.ami_id is None
        assert starter_results(aws, "aws.imagebuilder") == []
        assert aws.results() == [] and ws_calls(aws) == Counter()


def test_an_image_carrying_the_trigger_tag_imports_from_any_pipeline() -> None:
    with LocalAws(config=unattended()) as aws:
        aws.enable_byol_directly()
        # Given no pipeline configured, and a Windows 10 image tagged with the trigger tag
        value = "OsVersion=Windows_10,IngestionProcess=BYOL_REGULAR"
        build = aws.build_image("any-pipeline", tags={KEY: value}, ami={"os": "windows-10"})
        aws.wait_for_executions()
        # Then its AMI is imported with the tag's value
        [result] = aws.results()
        assert (result.status, result.cause) == ("SUCCEEDED", None)
        assert result.input["ImageId"] == build.ami_id
        assert result.input["Trigger"]["TagValue"] == value
        [imported] = aws.world.account(ACCOUNT_ID, REGION).import_log
        assert imported.ingestion_process == "BYOL_REGULAR"


def test_a_configured_pipeline_whose_amis_carry_the_trigger_tag_imports_once() -> None:
    with connected() as aws:
        aws.enable_byol_directly()
        # Given the README's other way too: the distribution tags the AMI (amiTags)
        build = aws.build_image(PIPELINE, ami_tags={KEY: "BYOL_REGULAR_WSP"})
        aws.wait_for_executions()
        # Then the AMI's state change started the import and the build's event found it
        [result] = aws.results()
        assert result.input["Trigger"]["Source"] == "AmiStateChange"
        [by_build] = starter_results(aws, "aws.imagebuilder")
        assert by_build["Started"] == [] and len(by_build["AlreadyStarted"]) == 1
        assert ws_calls(aws)["ImportWorkspaceImage"] == 1
        assert build.ami_id == result.input["ImageId"]


def test_on_the_image_builder_path_the_build_itself_is_the_import_source() -> None:
    with connected(import_method="image-builder") as aws:
        aws.enable_byol_directly()
        build = aws.build_image(PIPELINE)
        aws.wait_for_executions()
        [result] = aws.results()
        assert result.status == "SUCCEEDED"
        assert result.input["ImportMethod"] == "image-builder"
        assert result.input["ImageBuildVersionArn"] == build.arn
        assert result.input["ImageId"] == build.ami_id
        assert ws_calls(aws)["ImportCustomWorkspaceImage"] == 1
