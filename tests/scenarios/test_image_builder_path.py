"""The Image Builder import path (ImportCustomWorkspaceImage) end to end on the embedded AWS,
with the synthesized IAM enforced on every call: progress, ERROR, retry-adopt, refusals."""

from __future__ import annotations

import dataclasses

import pytest

from local_aws.deployment import infrastructure_arn
from local_aws.harness import LocalAws, unattended
from local_aws.workspaces.config import CustomImportFault
from local_aws.workspaces_byol import Faults
from tests.scenarios.conftest import assert_no_leftovers, assert_reported, ws_calls

pytestmark = pytest.mark.scenario

IMAGE_BUILDER = "ImportMethod=image-builder"


def progress_history(aws: LocalAws, ami: str) -> list[str]:
    """Each byol-import:progress value written on the AMI, in order (CloudTrail's CreateTags)."""
    seen = []
    for event in list(aws.cloudtrail.events):
        params = event["requestParameters"]
        tags = {t["key"]: t["value"] for t in params["tagSet"]["items"]}
        resources = [r["resourceId"] for r in params["resourcesSet"]["items"]]
        if "errorCode" not in event and ami in resources and "byol-import:progress" in tags:
            seen.append(tags["byol-import:progress"])
    return seen


def run(aws: LocalAws, ami: str, value: str) -> None:
    aws.tag_ami([ami], value=value)
    aws.deliver_events()
    aws.wait_for_executions(timeout_seconds=60)


def test_an_image_builder_import_shows_its_progress_and_ends_available() -> None:
    with LocalAws(config=unattended()) as aws:
        # Given BYOL enabled and a Windows 11 AMI tagged for the Image Builder path
        aws.enable_byol_directly()
        ami = aws.create_windows_ami()
        # When the import runs
        run(aws, ami, IMAGE_BUILDER)
        [result] = aws.results()
        # Then it succeeds through ImportCustomWorkspaceImage, never the classic call
        assert result.status == "SUCCEEDED", result.cause
        calls = ws_calls(aws)
        assert calls["ImportCustomWorkspaceImage"] == 1 and calls["ImportWorkspaceImage"] == 0
        assert calls["DescribeCustomWorkspaceImageImport"] >= 2
        # And the AMI's progress tag followed the import's State with a rising percentage,
        # written only when it changed, ending at COMPLETED 100%
        history = progress_history(aws, ami)
        assert len(history) == len(set(history)) >= 3
        percentages = [int(p.rsplit(" ", 1)[1].rstrip("%")) for p in history]
        assert percentages == sorted(percentages) and history[-1] == "COMPLETED 100%"
        # And the image is AVAILABLE, ours, and a person was told
        tags = aws.ami_tags(ami)
        image_id = tags["byol-import:workspaces-image-id"]
        [image] = aws.client("workspaces").describe_workspace_images(ImageIds=[image_id])["Images"]
        assert image["State"] == "AVAILABLE"
        image_tags = aws.client("workspaces").describe_tags(ResourceId=image_id)["TagList"]
        assert {"Key": "byol-import:source-ami", "Value": ami} in image_tags
        assert_reported(aws, ami, "AVAILABLE", image_id)
        assert_no_leftovers(aws)


def test_an_import_that_ends_in_error_reports_its_details_and_deletes_our_image() -> None:
    # Given the import's compatibility check will fail with two findings
    fault = CustomImportFault(
        failed_state="IMAGE_COMPATIBILITY_CHECKING",
        state_message="The image failed the compatibility check.",
        error_details=(
            ("AppXPackagesInstalled", "AppX packages are installed for a user profile."),
            ("DiskFreeSpace", "The C drive has too little free space."),
        ),
    )
    with LocalAws(config=unattended(), faults=Faults(custom_import_errors={"*": fault})) as aws:
        aws.enable_byol_directly()
        ami = aws.create_windows_ami()
        # When the import runs
        run(aws, ami, IMAGE_BUILDER)
        [result] = aws.results()
        # Then it fails with the State's message, each ErrorDetails code: message, and what to do
        assert result.status == "FAILED" and result.error == "ImageImportFailed"
        for text in (
            "The image failed the compatibility check.",
            "AppXPackagesInstalled: AppX packages are installed",
            "DiskFreeSpace: The C drive has too little free space.",
            "To do:",
            "deleted",
        ):
            assert text in (result.cause or ""), text
        assert progress_history(aws, ami)[-1].startswith("ERROR ")
        # And our failed image is gone, and a person was told once
        listed = aws.client("workspaces").describe_workspace_images(ImageType="OWNED")["Images"]
        assert listed == []
        assert_reported(aws, ami, "FAILED", "AppXPackagesInstalled")
        assert_no_leftovers(aws)


def test_a_retried_import_whose_first_call_succeeded_adopts_its_image() -> None:
    # Given ImportCustomWorkspaceImage succeeds but its answer is lost (a 500 after the fact)
    faults = Faults(lost_response={"ImportCustomWorkspaceImage": 1})
    with LocalAws(config=unattended(), faults=faults) as aws:
        aws.enable_byol_directly()
        ami = aws.create_windows_ami()
        # When the import runs (the Task's Retry calls ImportImage again)
        run(aws, ami, IMAGE_BUILDER)
        [result] = aws.results()
        # Then the retry found the name taken by our own image and adopted it: one image
        assert result.status == "SUCCEEDED", result.cause
        images = aws.client("workspaces").describe_workspace_images(ImageType="OWNED")["Images"]
        assert len(images) == 1
        assert aws.ami_tags(ami)["byol-import:workspaces-image-id"] == images[0]["ImageId"]
        # (the first call, whose answer was lost, then the retries that found the name taken)
        assert ws_calls(aws)["ImportCustomWorkspaceImage"] >= 2
        assert aws.world.account(aws.lambdas.account_id, aws.lambdas.region).imports_accepted == 1
        assert_no_leftovers(aws)


def test_windows_11_with_pcoip_is_refused_before_any_import() -> None:
    with LocalAws(config=unattended()) as aws:
        aws.enable_byol_directly()
        # Given a Windows 11 AMI (UEFI, as EC2 reports it) tagged for PCOIP on the new path
        ami = aws.create_windows_ami()
        # When the import runs
        run(aws, ami, f"{IMAGE_BUILDER},Protocol=PCOIP")
        [result] = aws.results()
        # Then CheckImage refuses it, saying what to set, and nothing was imported
        assert result.status == "FAILED" and result.error == "UnsupportedCombination"
        assert "Windows 11 does not support Protocol PCOIP" in (result.cause or "")
        assert "set Protocol to DCV" in (result.cause or "")
        assert ws_calls(aws)["ImportCustomWorkspaceImage"] == 0


def test_the_image_builder_path_is_refused_where_it_is_not_deployed() -> None:
    config = dataclasses.replace(unattended(), image_builder_path=False)
    with LocalAws(config=config) as aws:
        aws.enable_byol_directly()
        ami = aws.create_windows_ami()
        # When a request asks for the Image Builder path of a deployment without it
        run(aws, ami, IMAGE_BUILDER)
        [result] = aws.results()
        # Then ValidateRequest refuses it, naming the setting, before touching anything
        assert result.status == "FAILED" and result.error == "InvalidRequest"
        assert "imageBuilderPath is false" in (result.cause or "")
        assert ws_calls(aws) == {}


def test_the_configured_default_method_applies_to_an_untagged_choice() -> None:
    config = dataclasses.replace(unattended(), import_method="image-builder")
    with LocalAws(config=config) as aws:
        aws.enable_byol_directly()
        ami = aws.create_windows_ami()
        # When the tag value names only the IngestionProcess
        run(aws, ami, "BYOL_REGULAR_WSP")
        [result] = aws.results()
        # Then the configured importMethod is used, with DCV and BASE from BYOL_REGULAR_WSP
        assert result.status == "SUCCEEDED", result.cause
        assert ws_calls(aws)["ImportCustomWorkspaceImage"] == 1


def test_a_configuration_the_template_was_not_made_for_is_refused_locally() -> None:
    ours = "arn:aws:imagebuilder:eu-west-1:123456789012:infrastructure-configuration/ours"
    other = "arn:aws:imagebuilder:eu-west-1:123456789012:infrastructure-configuration/other"
    # Given the template's configuration, a run that names it (or none) gets it
    assert infrastructure_arn(unattended(), ours) == ours
    same = dataclasses.replace(unattended(), infrastructure_configuration_arn=ours)
    assert infrastructure_arn(same, ours) == ours
    # and a run without the path gets none
    assert (
        infrastructure_arn(dataclasses.replace(unattended(), image_builder_path=False), ours) == ""
    )
    # When a run names another one, Then it is refused: the deployed grants name the template's
    config = dataclasses.replace(unattended(), infrastructure_configuration_arn=other)
    with pytest.raises(ValueError, match=r"set them in cdk\.json"):
        infrastructure_arn(config, ours)


def test_a_build_version_is_imported_as_its_source_with_the_grants_deployed() -> None:
    with LocalAws(config=unattended()) as aws:
        aws.enable_byol_directly()
        ami = aws.create_windows_ami()
        # Given an Image Builder build version whose output AMI is that AMI
        build = "arn:aws:imagebuilder:eu-west-1:123456789012:image/win11-gold/1.0.0/1"
        aws.world.account("123456789012", "eu-west-1").add_image_source(build, ami)
        # When a console start names both on the Image Builder path
        aws.start_manual(
            {"ImageId": ami, "ImportMethod": "image-builder", "ImageBuildVersionArn": build}
        )
        aws.wait_for_executions(timeout_seconds=60)
        [result] = aws.results()
        # Then the import ran from the build version, as the deployed role (GetImage granted)
        assert result.status == "SUCCEEDED", result.cause
        account = aws.world.account("123456789012", "eu-west-1")
        [record] = account.custom_imports.values()
        assert record.image_source == {"ImageBuildVersionArn": build}
        assert aws.iam.denied == 0
