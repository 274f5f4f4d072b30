"""The embedded EC2 Image Builder: GetImage and GetInfrastructureConfiguration through boto3, on
the world the WorkSpaces custom import reads, and pipeline builds with their events. Each test
cites the rule it checks (docs/byol-api-facts.md, "EC2 Image Builder")."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from local_aws.harness import ACCOUNT_ID, PREFIX, REGION, LocalAws
from local_aws.iam import identity
from local_aws.imagebuilder.builds import BUILD_STATUSES, pipeline_arn
from local_aws.workspaces_byol import world

PREFIX_ARN = f"arn:aws:imagebuilder:{REGION}:{ACCOUNT_ID}"
BUILD_ARN = f"{PREFIX_ARN}:image/win11-byol/1.0.0/3"


def error(caught: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    response = caught.value.response
    return str(response["Error"]["Code"]), int(response["ResponseMetadata"]["HTTPStatusCode"])


@pytest.fixture
def ib(aws: LocalAws) -> Any:
    return aws.client("imagebuilder", retries=False)


def test_a_pipeline_build_is_shown_as_the_model_shapes_it(aws: LocalAws, ib: Any) -> None:
    # Given a build of a pipeline, with the image's tags
    build = aws.build_image("win11-byol", tags={"team": "euc"})
    # When GetImage reads it by its build version ARN
    image = ib.get_image(imageBuildVersionArn=build.arn)["image"]
    # Then it is AVAILABLE, from its pipeline, with its output AMI in this Region and account
    assert image["arn"] == build.arn and image["state"] == {"status": "AVAILABLE"}
    assert image["sourcePipelineArn"] == pipeline_arn("win11-byol")
    assert image["sourcePipelineName"] == "win11-byol"
    assert image["outputResources"]["amis"] == [
        {"region": REGION, "image": build.ami_id, "accountId": ACCOUNT_ID}
    ]
    assert image["tags"] == {"team": "euc"} and image["version"] == "1.0.0/1"
    assert image["platform"] == "Windows" and image["type"] == "AMI"


def test_a_version_arn_resolves_to_the_latest_available_build(aws: LocalAws, ib: Any) -> None:
    """GetImage: a version or wildcard ARN resolves to the latest matching AVAILABLE build."""
    # Given two AVAILABLE builds of 1.0.0 and a later one that failed
    aws.build_image()
    second = aws.build_image()
    aws.build_image(fails_at="TESTING")
    # When GetImage is asked for the version, with or without wildcards
    for arn in (f"{PREFIX_ARN}:image/win11-byol/1.0.0", f"{PREFIX_ARN}:image/win11-byol/x.x.x"):
        # Then it answers the latest AVAILABLE build
        assert ib.get_image(imageBuildVersionArn=arn)["image"]["arn"] == second.arn
    # And a version with no build is not found
    with pytest.raises(ClientError) as caught:
        ib.get_image(imageBuildVersionArn=f"{PREFIX_ARN}:image/win11-byol/2.x.x")
    assert error(caught) == ("ResourceNotFoundException", 404)


def test_unknown_or_foreign_arns_are_not_found(ib: Any) -> None:
    """An ARN that names nothing: ResourceNotFoundException, HTTP 404 (facts doc)."""
    for arn in (
        BUILD_ARN,
        BUILD_ARN.replace(ACCOUNT_ID, "210987654321"),
        BUILD_ARN.replace(REGION, "us-east-1"),
    ):
        with pytest.raises(ClientError) as caught:
            ib.get_image(imageBuildVersionArn=arn)
        assert error(caught) == ("ResourceNotFoundException", 404)
        assert arn in str(caught.value)
    with pytest.raises(ClientError) as caught:
        ib.get_infrastructure_configuration(
            infrastructureConfigurationArn=f"{PREFIX_ARN}:infrastructure-configuration/none"
        )
    assert error(caught) == ("ResourceNotFoundException", 404)


def test_a_value_the_model_refuses_is_an_invalid_request(aws: LocalAws) -> None:
    """The model's patterns; its validation error is InvalidRequestException (HTTP 400)."""
    raw = boto3.client(
        "imagebuilder", region_name=REGION, config=Config(parameter_validation=False)
    )
    for arn in (
        f"{PREFIX_ARN}:image/Win11/1.0.0/1",  # upper case
        f"{PREFIX_ARN}:image/win11/1.0/1",  # two nodes
        f"{PREFIX_ARN}:image-pipeline/win11",  # a pipeline, not an image
        "",
    ):
        with pytest.raises(ClientError) as caught:
            raw.get_image(imageBuildVersionArn=arn)
        assert error(caught) == ("InvalidRequestException", 400), arn
    with pytest.raises(ClientError) as caught:
        raw.get_infrastructure_configuration(infrastructureConfigurationArn=BUILD_ARN)
    assert error(caught) == ("InvalidRequestException", 400)


def test_image_builder_and_the_workspaces_custom_import_see_one_world(
    aws: LocalAws, ib: Any
) -> None:
    # Given what the custom import's tests declare (add_image_source, an infrastructure
    # configuration), and a build made through a pipeline
    account = world().account(ACCOUNT_ID, REGION)
    ami = aws.create_windows_ami()
    account.add_image_source(BUILD_ARN, ami)
    infra = account.add_infrastructure_configuration("byol")
    build = aws.build_image()
    # Then GetImage shows the declared source as an AVAILABLE build of that AMI
    image = ib.get_image(imageBuildVersionArn=BUILD_ARN)["image"]
    assert image["state"]["status"] == "AVAILABLE"
    assert image["outputResources"]["amis"][0]["image"] == ami
    # ... GetInfrastructureConfiguration knows the configuration
    got = ib.get_infrastructure_configuration(infrastructureConfigurationArn=infra)
    assert got["infrastructureConfiguration"]["arn"] == infra
    # ... and ImportCustomWorkspaceImage resolves the pipeline's build to its output AMI
    assert account.image_builder_sources[build.arn] == build.ami_id


def test_a_failed_build_is_no_image_source_and_has_no_ami(aws: LocalAws, ib: Any) -> None:
    build = aws.build_image(fails_at="TESTING")
    image = ib.get_image(imageBuildVersionArn=build.arn)["image"]
    assert image["state"]["status"] == "FAILED" and "testing" in image["state"]["reason"]
    assert build.ami_id is None and image["outputResources"]["amis"] == []
    assert build.arn not in world().account(ACCOUNT_ID, REGION).image_builder_sources


def test_a_build_sends_one_event_per_status_at_its_virtual_time(aws: LocalAws) -> None:
    """Image Builder sends EC2 Image Builder Image State Change for each transition (guide)."""
    # Given a build of 15 minutes per status
    start = aws.clock.now()
    build = aws.build_image(step_minutes=15)
    # Then its events walk the statuses in order, each naming the one before
    statuses = [e["detail"]["state"]["status"] for e in build.events]
    assert statuses == list(BUILD_STATUSES)
    previous = [e["detail"]["previous-state"]["status"] for e in build.events]
    assert previous == ["PENDING", *BUILD_STATUSES[:-1]]
    assert all(e["resources"] == [build.arn] for e in build.events)
    # ... 15 minutes apart, on the virtual clock
    assert aws.clock.now() - start == timedelta(minutes=15 * (len(BUILD_STATUSES) - 1))
    times = [e["time"] for e in build.events]
    assert times == sorted(times) and len(set(times)) == len(times)


def test_get_image_is_authorized_against_the_caller_s_role(aws: LocalAws, ib: Any) -> None:
    """SAR: imagebuilder:GetImage on the image; the deployed roles grant it to the Starter and
    CheckImage only. A denial is HTTP 403 (facts doc)."""
    build = aws.build_image()
    with identity.acting_as("Starter", f"{PREFIX}-Starter"):
        assert ib.get_image(imageBuildVersionArn=build.arn)["image"]["arn"] == build.arn
    with identity.acting_as("Report", f"{PREFIX}-Report"), pytest.raises(ClientError) as caught:
        ib.get_image(imageBuildVersionArn=build.arn)
    assert error(caught) == ("AccessDeniedException", 403)
    assert "imagebuilder:GetImage on resource: " + build.arn in str(caught.value)
    assert aws.iam.denials[-1].principal == "Report"


def test_the_embedded_image_builder_is_removed_with_the_mock() -> None:
    # Given a run that served Image Builder calls, and ended
    with LocalAws() as aws:
        with pytest.raises(ClientError) as caught:
            aws.client("imagebuilder", retries=False).get_image(imageBuildVersionArn=BUILD_ARN)
        assert error(caught) == ("ResourceNotFoundException", 404)
    # Then moto knows no Image Builder any more
    import sys

    import moto.backend_index as index

    assert "moto.imagebuilder" not in sys.modules
    assert all(name != "imagebuilder" for name, _ in index.backend_url_patterns)


def test_a_configuration_name_image_builder_refuses_is_not_created(aws: LocalAws) -> None:
    # Given the account of the local world
    account = world().account(ACCOUNT_ID, REGION)
    # When a configuration's name is longer than Image Builder's 128 characters (a stack name
    # of 111 with the stack's suffix), Then it is refused, as CloudFormation would be
    with pytest.raises(ValueError, match="refuses the name"):
        account.add_infrastructure_configuration("B" + "y" * 110 + "-workspaces-import")
    # And a name with capitals is taken, its ARN in lower case
    arn = account.add_infrastructure_configuration("ByolImport-workspaces-import")
    assert arn.endswith(":infrastructure-configuration/byolimport-workspaces-import")
