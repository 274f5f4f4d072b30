"""ImportCustomWorkspaceImage and DescribeCustomWorkspaceImageImport, the Image Builder path.
Each test cites the rule it checks (docs/byol-api-facts.md, "ImportCustomWorkspaceImage (EC2
Image Builder path)")."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from local_aws.harness import ACCOUNT_ID, REGION, LocalAws
from local_aws.iam.requests import Call, checks_for
from local_aws.imagebuilder_events import image_state_change
from local_aws.workspaces.config import CustomImportFault
from local_aws.workspaces.custom_import import PROGRESSION
from local_aws.workspaces_byol import ByolAccount, Faults, Timings, world

OTHER_ACCOUNT = "210987654321"
BUILD_ARN = f"arn:aws:imagebuilder:{REGION}:{ACCOUNT_ID}:image/win11-byol/1.0.0/3"


def code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


def account() -> ByolAccount:
    return world().account(ACCOUNT_ID, REGION)


@pytest.fixture
def ready(aws: LocalAws) -> dict[str, Any]:
    """BYOL enabled, a valid Windows 11 AMI and an infrastructure configuration: a valid
    request, to be changed one field at a time."""
    aws.enable_byol_directly()
    return {
        "ImageName": "win11-byol",
        "ImageDescription": "Windows 11 via Image Builder",
        "ComputeType": "BASE",
        "Protocol": "DCV",
        "ImageSource": {"Ec2ImageId": aws.create_windows_ami()},
        "InfrastructureConfigurationArn": account().add_infrastructure_configuration("byol"),
        "Platform": "WINDOWS",
        "OsVersion": "Windows_11",
    }


def unvalidated_client() -> Any:
    """A client that sends what botocore would refuse, to see what the service answers."""
    return boto3.client("workspaces", region_name=REGION, config=Config(parameter_validation=False))


def listed_state(ws: Any, image_id: str) -> str:
    return str(ws.describe_workspace_images(ImageIds=[image_id])["Images"][0]["State"])


def test_an_import_walks_every_state_with_rising_progress_then_is_available(
    aws: LocalAws, ws: Any, ready: dict[str, Any]
) -> None:
    """State enum in model order; ProgressPercentage 0-100; the image PENDING meanwhile."""
    # Given a valid request
    # When it is imported and watched over the drawn duration
    started = ws.import_custom_workspace_image(**ready)
    image_id = started["ImageId"]
    seen: list[tuple[str, int]] = []
    step = aws.timings.custom_import_seconds / (len(PROGRESSION) * 2)
    for _ in range(len(PROGRESSION) * 2 + 1):
        report = ws.describe_custom_workspace_image_import(ImageId=image_id)
        seen.append((report["State"], report["ProgressPercentage"]))
        if report["State"] != "COMPLETED":
            assert listed_state(ws, image_id) == "PENDING"
        aws.clock.advance(step)
    # Then every state shows, in order, with a percentage that never falls and ends at 100
    assert started["State"] == "PENDING"
    states = list(dict.fromkeys(s for s, _ in seen))
    assert states == [*PROGRESSION, "COMPLETED"]
    percents = [p for _, p in seen]
    assert percents == sorted(percents) and percents[0] == 0 and percents[-1] == 100
    assert all(p < 100 for s, p in seen if s != "COMPLETED")
    assert listed_state(ws, image_id) == "AVAILABLE"
    final = ws.describe_custom_workspace_image_import(ImageId=image_id)
    assert final["ImageSource"] == ready["ImageSource"]
    assert final["InfrastructureConfigurationArn"] == ready["InfrastructureConfigurationArn"]
    assert "ErrorDetails" not in final
    # And the image records its AMI's root volume (50 GB), which no bundle of it may undercut
    assert account().images[image_id].root_gb == 50


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("ComputeType", "GRAPHICSPRO"),
        ("Protocol", "RDP"),
        ("Platform", "LINUX"),
        ("OsVersion", "Windows_7"),
        ("ImageValidationMode", "AUTOMATIC"),
        ("ImageName", "name with spaces"),
        ("ImageName", "back\\slash"),
        ("ImageDescription", "no: colons"),
        ("InfrastructureConfigurationArn", "arn:aws:imagebuilder:us-east-1:1:recipe/x"),
        ("ImageSource", {"Ec2ImageId": "ami-XYZ"}),
        ("ImageSource", {"Ec2ImportTaskId": "import-ami-123456789"}),
        ("ImageSource", {"ImageBuildVersionArn": "arn:aws:imagebuilder:r:1:image/x"}),
    ],
)
def test_the_model_constraints_are_enforced(
    ws: Any, ready: dict[str, Any], field: str, value: Any
) -> None:
    """Enums, patterns and lengths of the input shape: ValidationException."""
    # Given a request with one field outside the model
    # When it is imported
    with pytest.raises(ClientError) as caught:
        ws.import_custom_workspace_image(**{**ready, field: value})
    # Then it is refused as invalid, before anything is imported
    assert code(caught) == "ValidationException"
    assert account().custom_imports == {}


@pytest.mark.parametrize(
    "change",
    [
        {"ImageSource": {}},
        {"ImageSource": {"Ec2ImageId": "ami-12345678", "Ec2ImportTaskId": "import-ami-12345678"}},
        {"InfrastructureConfigurationArn": None},
        {"OsVersion": None},
    ],
)
def test_the_union_takes_one_member_and_required_fields_are_required(
    ready: dict[str, Any], change: dict[str, Any]
) -> None:
    """ImageSource is a union (one member); eight members are required."""
    # Given a request botocore would refuse, sent without its checks
    request = {k: v for k, v in {**ready, **change}.items() if v is not None}
    # When it is imported
    with pytest.raises(ClientError) as caught:
        unvalidated_client().import_custom_workspace_image(**request)
    # Then the service refuses it too
    assert code(caught) == "ValidationException"


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"Protocol": "PCOIP"}, "InvalidParameterValuesException"),
        ({"Protocol": "BYOP"}, "OperationNotSupportedException"),
        (
            {
                "InfrastructureConfigurationArn": f"arn:aws:imagebuilder:{REGION}:"
                f"{ACCOUNT_ID}:infrastructure-configuration/unknown"
            },
            "ResourceNotFoundException",
        ),
        (
            {
                "InfrastructureConfigurationArn": f"arn:aws:imagebuilder:{REGION}:"
                f"{OTHER_ACCOUNT}:infrastructure-configuration/byol"
            },
            "InvalidParameterValuesException",
        ),
        ({"ImageSource": {"Ec2ImageId": "ami-0123456789abcdef0"}}, "ResourceNotFoundException"),
        ({"ImageSource": {"ImageBuildVersionArn": BUILD_ARN}}, "ResourceNotFoundException"),
        (
            {"ImageSource": {"Ec2ImportTaskId": "import-ami-0123456789abcdef0"}},
            "ResourceNotFoundException",
        ),
    ],
)
def test_what_the_request_or_account_shows_is_refused_at_once(
    ws: Any, ready: dict[str, Any], change: dict[str, Any], error: str
) -> None:
    """Windows 11 has no PCOIP; BYOP is allow-listed; the infrastructure configuration and the
    source must exist in the caller's account."""
    # Given a request naming what cannot be imported
    # When it is imported
    with pytest.raises(ClientError) as caught:
        ws.import_custom_workspace_image(**{**ready, **change})
    # Then the documented error answers
    assert code(caught) == error


@pytest.mark.parametrize(
    ("ami", "error"),
    [
        ({"owner": OTHER_ACCOUNT}, "InvalidParameterValuesException"),
        ({"encrypted": True}, "InvalidParameterValuesException"),
        ({"platform": None}, "InvalidParameterValuesException"),
        ({"state": "pending"}, "InvalidParameterValuesException"),
    ],
)
def test_the_classic_ami_rules_apply_to_the_source(
    aws: LocalAws, ws: Any, ready: dict[str, Any], ami: dict[str, Any], error: str
) -> None:
    """You must own the image; the AMI rules of the classic path (available, unencrypted,
    Windows) hold for the AMI behind the source."""
    # Given an AMI the classic path refuses
    source = {"Ec2ImageId": aws.create_windows_ami(**ami)}
    # When it is imported on the Image Builder path
    with pytest.raises(ClientError) as caught:
        ws.import_custom_workspace_image(**{**ready, "ImageSource": source})
    # Then it is refused the same way
    assert code(caught) == error


def test_an_account_without_byol_and_a_taken_name_are_refused(
    aws: LocalAws, ws: Any, ready: dict[str, Any]
) -> None:
    """BYOL must be enabled; image names are unique across both import paths."""
    # Given an image already imported under the name
    ws.import_custom_workspace_image(**ready)
    # When a second import uses it
    with pytest.raises(ClientError) as caught:
        ws.import_custom_workspace_image(**ready)
    # Then the name is taken
    assert code(caught) == "ResourceAlreadyExistsException"
    # And an account without BYOL cannot import at all
    account().support = "DISABLED"
    with pytest.raises(ClientError) as caught:
        ws.import_custom_workspace_image(**{**ready, "ImageName": "another"})
    assert code(caught) == "OperationNotSupportedException"


def test_an_image_builder_or_vm_import_source_resolves_to_its_ami(
    aws: LocalAws, ws: Any, ready: dict[str, Any]
) -> None:
    """ImageSource: an Image Builder build version ARN or a VM import task, in the account."""
    # Given an Image Builder image and a VM import task, each behind a valid AMI
    account().add_image_source(BUILD_ARN, aws.create_windows_ami())
    account().add_image_source("import-ami-0123456789abcdef0", aws.create_windows_ami())
    # When each is imported
    sources = [
        {"ImageBuildVersionArn": BUILD_ARN},
        {"Ec2ImportTaskId": "import-ami-0123456789abcdef0"},
    ]
    ids = [
        ws.import_custom_workspace_image(**{**ready, "ImageName": f"n{i}", "ImageSource": s})[
            "ImageId"
        ]
        for i, s in enumerate(sources)
    ]
    aws.clock.advance(aws.timings.custom_import_seconds)
    # Then both complete, and the report names the source as given
    for image_id, source in zip(ids, sources, strict=True):
        report = ws.describe_custom_workspace_image_import(ImageId=image_id)
        assert (report["State"], report["ImageSource"]) == ("COMPLETED", source)
    # And a build version of another account is not the caller's to import
    foreign = BUILD_ARN.replace(ACCOUNT_ID, OTHER_ACCOUNT)
    with pytest.raises(ClientError) as caught:
        ws.import_custom_workspace_image(
            **{**ready, "ImageName": "n9", "ImageSource": {"ImageBuildVersionArn": foreign}}
        )
    assert code(caught) == "InvalidParameterValuesException"


FAULT = CustomImportFault(
    failed_state="INSTALLING_COMPONENTS",
    state_message="Component installation failed.",
    error_details=(("ComponentFailed", "The DCV component failed to install."),),
)


@pytest.mark.parametrize("faults", [Faults(custom_import_errors={"*": FAULT})])
def test_an_injected_fault_ends_in_error_with_its_details(
    aws: LocalAws, ws: Any, ready: dict[str, Any]
) -> None:
    """ERROR: StateMessage and ErrorDetails (ErrorCode, ErrorMessage) in the report; the image
    ERROR in DescribeWorkspaceImages."""
    # Given an import that fails while installing components
    image_id = ws.import_custom_workspace_image(**ready)["ImageId"]
    # When its whole duration has passed
    aws.clock.advance(aws.timings.custom_import_seconds)
    # Then it ended in ERROR there, short of 100 percent, with the fault's details
    report = ws.describe_custom_workspace_image_import(ImageId=image_id)
    assert report["State"] == "ERROR"
    assert 0 < report["ProgressPercentage"] < 100
    assert report["StateMessage"] == FAULT.state_message
    assert report["ErrorDetails"] == [
        {"ErrorCode": "ComponentFailed", "ErrorMessage": "The DCV component failed to install."}
    ]
    assert listed_state(ws, image_id) == "ERROR"


@pytest.mark.parametrize(
    ("ami", "os_version", "detail"),
    [
        ({"os": "windows-10"}, "Windows_11", "OsVersionMismatch"),
        ({"checker_findings": ("AppXPackagesInstalled",)}, "Windows_11", "AppXPackagesInstalled"),
        ({"os": "windows-server-2022"}, "Windows_11", "OSNotSupported"),
    ],
)
def test_what_the_compatibility_check_finds_ends_the_import_in_error(
    aws: LocalAws,
    ws: Any,
    ready: dict[str, Any],
    ami: dict[str, Any],
    os_version: str,
    detail: str,
) -> None:
    """The classic checker's findings (none documented as fixed by this path) and an OS other
    than OsVersion end in ERROR at IMAGE_COMPATIBILITY_CHECKING."""
    # Given an AMI whose content fails the check
    request = {**ready, "OsVersion": os_version}
    request["ImageSource"] = {"Ec2ImageId": aws.create_windows_ami(**ami)}
    image_id = ws.import_custom_workspace_image(**request)["ImageId"]
    # When the import reaches its end
    aws.clock.advance(aws.timings.custom_import_seconds)
    # Then it is ERROR with the finding among the details
    report = ws.describe_custom_workspace_image_import(ImageId=image_id)
    assert report["State"] == "ERROR"
    assert detail in [d["ErrorCode"] for d in report["ErrorDetails"]]


def test_describe_knows_only_custom_imports_that_still_exist(
    aws: LocalAws, ws: Any, ready: dict[str, Any]
) -> None:
    """DescribeCustomWorkspaceImageImport: ImageId pattern; ResourceNotFoundException."""
    # Given a completed import
    image_id = ws.import_custom_workspace_image(**ready)["ImageId"]
    aws.clock.advance(aws.timings.custom_import_seconds)
    # When its image is deleted, and ids never imported are asked for
    ws.delete_workspace_image(ImageId=image_id)
    # Then none of them is found, and a malformed id is invalid
    for unknown in (image_id, "wsi-000000000"):
        with pytest.raises(ClientError) as caught:
            ws.describe_custom_workspace_image_import(ImageId=unknown)
        assert code(caught) == "ResourceNotFoundException"
    with pytest.raises(ClientError) as caught:
        ws.describe_custom_workspace_image_import(ImageId="wsi-UPPER12345")
    assert code(caught) == "ValidationException"


def test_realistic_timings_draw_each_custom_import_from_its_range() -> None:
    """Durations: undocumented; Timings.realistic() draws from 2-8 hours."""
    timings = Timings.realistic(seed=7)
    draws = [timings.draw_custom_import() for _ in range(20)]
    assert all(2 * 3600 <= d <= 8 * 3600 for d in draws) and len(set(draws)) > 1


def test_the_image_builder_event_has_the_documented_shape() -> None:
    """`EC2 Image Builder Image State Change`: source, resources, previous-state and state."""
    # Given an image build version that became AVAILABLE
    when = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    # When its event is built
    event = image_state_change(BUILD_ARN, "AVAILABLE", "TESTING", time=when, event_id="e1")
    # Then it is the documented event, and a status or ARN Image Builder lacks is refused
    assert event == {
        "version": "0",
        "id": "e1",
        "detail-type": "EC2 Image Builder Image State Change",
        "source": "aws.imagebuilder",
        "account": ACCOUNT_ID,
        "time": "2026-12-01T12:00:00Z",
        "region": REGION,
        "resources": [BUILD_ARN],
        "detail": {"previous-state": {"status": "TESTING"}, "state": {"status": "AVAILABLE"}},
    }
    failed = image_state_change(BUILD_ARN, "FAILED", "BUILDING", time=when, reason="boom")
    assert failed["detail"]["state"] == {"status": "FAILED", "reason": "boom"}
    with pytest.raises(ValueError):
        image_state_change(BUILD_ARN, "COMPLETED", "TESTING", time=when)
    with pytest.raises(ValueError):
        image_state_change("arn:aws:imagebuilder:r:1:image/x/1.0.0", "FAILED", "TESTING", time=when)


def test_iam_checks_the_action_and_the_stricter_dependents() -> None:
    """SAR: both actions take no resource type (Resource "*"); the import's tags are request
    tags; reading what the call names is required (unconfirmed, stricter)."""
    # Given an import naming an Image Builder image, with tags
    params = {
        "ImageSource": {"ImageBuildVersionArn": BUILD_ARN},
        "InfrastructureConfigurationArn": f"arn:aws:imagebuilder:{REGION}:{ACCOUNT_ID}"
        ":infrastructure-configuration/byol",
        "Tags": [{"Key": "team", "Value": "euc"}],
    }
    # When IAM works out what to authorize
    checks = checks_for(
        Call("workspaces", "ImportCustomWorkspaceImage", params, REGION, ACCOUNT_ID)
    )
    describe = checks_for(
        Call("workspaces", "DescribeCustomWorkspaceImageImport", {}, REGION, ACCOUNT_ID)
    )
    # Then the actions and resources are these
    assert [(c.action, c.resources[0][0]) for c in checks] == [
        ("workspaces:ImportCustomWorkspaceImage", "*"),
        ("imagebuilder:GetInfrastructureConfiguration", params["InfrastructureConfigurationArn"]),
        ("imagebuilder:GetImage", BUILD_ARN),
        ("workspaces:CreateTags", "*"),
    ]
    assert checks[0].resources[0][1]["aws:RequestTag/team"] == ["euc"]
    assert [(c.action, c.resources[0][0]) for c in describe] == [
        ("workspaces:DescribeCustomWorkspaceImageImport", "*")
    ]


def test_a_new_import_is_not_found_for_the_visibility_lag(
    aws: LocalAws, ws: Any, ready: dict[str, Any]
) -> None:
    """Eventual consistency (unconfirmed): the new import is unknown to both describes for the
    lag DescribeWorkspaceImages has; the workflow must retry ResourceNotFound at first."""
    # Given a 60 s visibility lag and an import just accepted
    assert world().timings is aws.timings
    aws.timings.image_visibility_lag_seconds = 60
    image_id = ws.import_custom_workspace_image(**ready)["ImageId"]
    # When it is described at once
    with pytest.raises(ClientError) as caught:
        ws.describe_custom_workspace_image_import(ImageId=image_id)
    # Then it is not found yet, and is once the lag has passed
    assert code(caught) == "ResourceNotFoundException"
    aws.clock.advance(60)
    assert ws.describe_custom_workspace_image_import(ImageId=image_id)["State"] == "PENDING"


@pytest.mark.parametrize(
    "faults", [Faults(errors={"ImportCustomWorkspaceImage": {"ResourceLimitExceededException": 1}})]
)
def test_a_documented_error_can_be_injected_into_the_new_operation(
    ws: Any, ready: dict[str, Any]
) -> None:
    """Fault injection covers the new operations from their model errors."""
    # Given one injected ResourceLimitExceeded
    # When the import is called twice
    with pytest.raises(ClientError) as caught:
        ws.import_custom_workspace_image(**ready)
    # Then the first answers it and the second runs
    assert code(caught) == "ResourceLimitExceededException"
    assert ws.import_custom_workspace_image(**ready)["State"] == "PENDING"
