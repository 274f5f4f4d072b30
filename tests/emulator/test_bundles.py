"""Custom bundles (moto has none): CreateWorkspaceBundle, DescribeWorkspaceBundles,
UpdateWorkspaceBundle, DeleteWorkspaceBundle, and DeleteWorkspaceImage while a bundle uses the
image. Rules: docs/byol-api-facts.md, "Bundles"."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from local_aws.harness import ACCOUNT_ID, REGION, LocalAws
from tests.emulator.test_workspaces_byol import code, enable, import_kwargs


def available_image(aws: LocalAws, ws: Any, name: str = "win11-gold") -> str:
    image_id = str(
        ws.import_workspace_image(**import_kwargs(aws.create_windows_ami(), name=name))["ImageId"]
    )
    aws.clock.advance(aws.timings.import_seconds)
    return image_id


def bundle_kwargs(image_id: str, **over: Any) -> dict[str, Any]:
    kwargs: dict[str, Any] = {
        "BundleName": "win11-standard",
        "BundleDescription": "Windows 11 standard",
        "ImageId": image_id,
        "ComputeType": {"Name": "STANDARD"},
        "UserStorage": {"Capacity": "50"},
        "RootStorage": {"Capacity": "80"},
    }
    kwargs.update(over)
    return kwargs


@pytest.fixture
def image(aws: LocalAws, ws: Any) -> str:
    enable(aws, ws)
    return available_image(aws, ws)


def test_a_bundle_is_created_described_and_tagged(ws: Any, image: str) -> None:
    """CreateWorkspaceBundle returns the WorkspaceBundle; DescribeWorkspaceBundles without
    Owner lists the account's own bundles."""
    bundle = ws.create_workspace_bundle(
        **bundle_kwargs(image, Tags=[{"Key": "team", "Value": "euc"}])
    )["WorkspaceBundle"]
    assert bundle["BundleId"].startswith("wsb-") and bundle["ImageId"] == image
    [listed] = ws.describe_workspace_bundles()["Bundles"]
    assert listed["Name"] == "win11-standard" and listed["ComputeType"] == {"Name": "STANDARD"}
    assert ws.describe_workspace_bundles(BundleIds=[bundle["BundleId"]])["Bundles"] == [listed]
    assert ws.describe_tags(ResourceId=bundle["BundleId"])["TagList"] == [
        {"Key": "team", "Value": "euc"}
    ]
    assert ws.describe_workspace_bundles(Owner="AMAZON")["Bundles"] == []


@pytest.mark.parametrize(
    ("over", "error"),
    [
        ({"BundleName": "has space"}, "ValidationException"),
        ({"BundleDescription": "semi;colon"}, "ValidationException"),
        ({"ComputeType": {"Name": "HUGE"}}, "ValidationException"),
        ({"ImageId": "wsi-BAD"}, "ValidationException"),
        ({"ImageId": "wsi-000000000"}, "ResourceNotFoundException"),
        ({"UserStorage": {"Capacity": "60"}}, "InvalidParameterValuesException"),
        (
            {"RootStorage": {"Capacity": "100"}, "UserStorage": {"Capacity": "100"}},
            "InvalidParameterValuesException",
        ),
        ({"UserStorage": {"Capacity": "ten"}}, "InvalidParameterValuesException"),
    ],
)
def test_create_enforces_the_model_and_the_volume_sizes(
    ws: Any, image: str, over: dict[str, Any], error: str
) -> None:
    """CreateWorkspaceBundle: name and description patterns, Compute enum, wsi- pattern, the
    image must exist; root/user GB: 80 with 10, 50 or 100, or 175-2000 with 100-2000."""
    with pytest.raises(ClientError) as caught:
        ws.create_workspace_bundle(**bundle_kwargs(image, **over))
    assert code(caught) == error


def test_large_volumes_are_allowed(ws: Any, image: str) -> None:
    """Volume sizes: root 175-2000 GB with user 100-2000 GB."""
    bundle = ws.create_workspace_bundle(
        **bundle_kwargs(image, RootStorage={"Capacity": "175"}, UserStorage={"Capacity": "100"})
    )
    assert bundle["WorkspaceBundle"]["RootStorage"] == {"Capacity": "175"}


def test_a_pending_image_cannot_make_a_bundle(aws: LocalAws, ws: Any, image: str) -> None:
    """CreateWorkspaceBundle: ResourceUnavailable for an image that is not AVAILABLE."""
    pending = ws.import_workspace_image(**import_kwargs(aws.create_windows_ami(), name="pending"))[
        "ImageId"
    ]
    with pytest.raises(ClientError) as caught:
        ws.create_workspace_bundle(**bundle_kwargs(pending))
    assert code(caught) == "ResourceUnavailableException"


def test_an_image_in_use_cannot_be_deleted_until_its_bundle_is(ws: Any, image: str) -> None:
    """DeleteWorkspaceImage: "Bundles using the image must be deleted first"
    (ResourceAssociated)."""
    bundle_id = ws.create_workspace_bundle(**bundle_kwargs(image))["WorkspaceBundle"]["BundleId"]
    with pytest.raises(ClientError) as caught:
        ws.delete_workspace_image(ImageId=image)
    assert code(caught) == "ResourceAssociatedException"
    ws.delete_workspace_bundle(BundleId=bundle_id)
    ws.delete_workspace_image(ImageId=image)


def test_update_moves_the_bundle_to_another_image(aws: LocalAws, ws: Any, image: str) -> None:
    """UpdateWorkspaceBundle: BundleId and ImageId; unknown ones are ResourceNotFound."""
    bundle_id = ws.create_workspace_bundle(**bundle_kwargs(image))["WorkspaceBundle"]["BundleId"]
    newer = available_image(aws, ws, name="win11-newer")
    ws.update_workspace_bundle(BundleId=bundle_id, ImageId=newer)
    assert ws.describe_workspace_bundles(BundleIds=[bundle_id])["Bundles"][0]["ImageId"] == newer
    ws.delete_workspace_image(ImageId=image)  # no longer used
    with pytest.raises(ClientError) as caught:
        ws.update_workspace_bundle(BundleId="wsb-000000000", ImageId=newer)
    assert code(caught) == "ResourceNotFoundException"


def test_bundle_ids_follow_the_pattern_and_must_exist(ws: Any, image: str) -> None:
    """BundleId pattern ^wsb-[0-9a-z]{8,63}$ (ValidationException); an unknown one is
    ResourceNotFound; Owner cannot be combined with BundleIds (InvalidParameterValues)."""
    with pytest.raises(ClientError) as caught:
        ws.delete_workspace_bundle(BundleId="bundle-1")
    assert code(caught) == "ValidationException"
    with pytest.raises(ClientError) as caught:
        ws.delete_workspace_bundle(BundleId="wsb-000000000")
    assert code(caught) == "ResourceNotFoundException"
    with pytest.raises(ClientError) as caught:
        ws.describe_workspace_bundles(BundleIds=["wsb-000000000"], Owner="AMAZON")
    assert code(caught) == "InvalidParameterValuesException"


def test_names_are_unique_and_a_deleted_name_is_held_two_hours(
    aws: LocalAws, ws: Any, image: str
) -> None:
    """Bundle names: unique (ResourceAlreadyExists); reuse of a deleted bundle's name within
    2 hours refused (unconfirmed: the stricter choice)."""
    bundle_id = ws.create_workspace_bundle(**bundle_kwargs(image))["WorkspaceBundle"]["BundleId"]
    with pytest.raises(ClientError) as caught:
        ws.create_workspace_bundle(**bundle_kwargs(image))
    assert code(caught) == "ResourceAlreadyExistsException"
    ws.delete_workspace_bundle(BundleId=bundle_id)
    aws.clock.advance(2 * 3600 - 1)
    with pytest.raises(ClientError) as caught:
        ws.create_workspace_bundle(**bundle_kwargs(image))
    assert code(caught) == "ResourceAlreadyExistsException"
    aws.clock.advance(1)
    ws.create_workspace_bundle(**bundle_kwargs(image))


def test_a_bundle_used_by_a_workspace_cannot_be_deleted(aws: LocalAws, ws: Any, image: str) -> None:
    """Given a WorkSpace launched from a bundle (CreateWorkspaces in a DEDICATED directory),
    when the bundle is deleted, then ResourceAssociated (and the image stays in use); once the
    WorkSpace is terminated, the bundle and then the image can be deleted."""
    bundle_id = ws.create_workspace_bundle(**bundle_kwargs(image))["WorkspaceBundle"]["BundleId"]
    workspace = aws.launch_workspace(bundle_id)
    assert [w["WorkspaceId"] for w in ws.describe_workspaces(BundleId=bundle_id)["Workspaces"]] == [
        workspace
    ]
    with pytest.raises(ClientError) as caught:
        ws.delete_workspace_bundle(BundleId=bundle_id)
    assert code(caught) == "ResourceAssociatedException"
    ws.terminate_workspaces(TerminateWorkspaceRequests=[{"WorkspaceId": workspace}])
    ws.delete_workspace_bundle(BundleId=bundle_id)
    ws.delete_workspace_image(ImageId=image)


def test_a_workspace_needs_a_known_bundle_in_a_dedicated_directory(
    aws: LocalAws, ws: Any, image: str
) -> None:
    """Given a DEDICATED directory (made by a first launch) and a SHARED one, when WorkSpaces
    are asked of an unknown bundle, or of a BYOL bundle in the SHARED directory, then each is a
    FailedRequests entry (moto would launch both) and nothing is launched."""
    bundle_id = ws.create_workspace_bundle(**bundle_kwargs(image))["WorkspaceBundle"]["BundleId"]
    aws.launch_workspace(bundle_id)
    with pytest.raises(ValueError, match=r"ResourceNotFound\.Bundle"):
        aws.launch_workspace("wsb-000000000", user_name="bob")
    [dedicated] = ws.describe_workspace_directories()["Directories"]
    subnets = aws.client("ec2").describe_subnets(SubnetIds=dedicated["SubnetIds"])["Subnets"]
    shared = aws.client("ds").create_directory(
        Name="shared.example.com",
        Password="Local-Directory-1",
        Size="Small",
        VpcSettings={"VpcId": subnets[0]["VpcId"], "SubnetIds": dedicated["SubnetIds"]},
    )["DirectoryId"]
    ws.register_workspace_directory(DirectoryId=shared, Tenancy="SHARED")
    answer = ws.create_workspaces(
        Workspaces=[{"DirectoryId": shared, "UserName": "carol", "BundleId": bundle_id}]
    )
    assert [f["ErrorCode"] for f in answer["FailedRequests"]] == ["InvalidParameterValuesException"]
    assert answer["PendingRequests"] == []
    assert len(ws.describe_workspaces(BundleId=bundle_id)["Workspaces"]) == 1


@pytest.mark.parametrize(
    ("process", "compute", "allowed"),
    [
        ("BYOL_REGULAR_WSP", "POWER", True),
        ("BYOL_REGULAR_WSP", "GRAPHICS_G4DN", False),
        ("BYOL_GRAPHICS_G4DN_WSP", "GRAPHICSPRO_G4DN", True),
        ("BYOL_GRAPHICS_G4DN_WSP", "STANDARD", False),
    ],
)
def test_a_bundle_runs_only_on_the_compute_its_image_was_imported_for(
    aws: LocalAws, ws: Any, process: str, compute: str, allowed: bool
) -> None:
    """Given an image imported for regular (or G4dn graphics) bundles, when a bundle of another
    family is created from it, then it is refused; the image's own family is accepted."""
    enable(aws, ws)
    kwargs = import_kwargs(aws.create_windows_ami(), name="win11")
    kwargs["IngestionProcess"] = process
    image_id = ws.import_workspace_image(**kwargs)["ImageId"]
    aws.clock.advance(aws.timings.import_seconds)
    request = bundle_kwargs(image_id, ComputeType={"Name": compute})
    if allowed:
        ws.create_workspace_bundle(**request)
        return
    with pytest.raises(ClientError) as caught:
        ws.create_workspace_bundle(**request)
    assert code(caught) == "InvalidParameterValuesException"


def test_a_bundle_root_smaller_than_the_images_root_is_refused(aws: LocalAws, ws: Any) -> None:
    """ "Custom bundle storage volumes can't be smaller than image storage volumes" (admin
    guide): the image records its AMI's root volume; a bundle created or moved onto it with a
    smaller root is refused, one as large or larger is accepted."""
    enable(aws, ws)
    # Given an image of a 60 GB AMI: its record carries the AMI's root volume
    ami = aws.create_windows_ami(volume_size=60)
    image_id = ws.import_workspace_image(**import_kwargs(ami, name="win11"))["ImageId"]
    aws.clock.advance(aws.timings.import_seconds)
    images = aws.world.account(ACCOUNT_ID, REGION).images
    assert images[image_id].root_gb == 60
    small = ws.create_workspace_bundle(**bundle_kwargs(image_id))["WorkspaceBundle"]["BundleId"]
    # And an image whose root exceeds a small bundle's 80 GB (no modelled import makes one:
    # every path ends an AMI over 70 GB in ERROR; set on the record as a larger path would)
    big = available_image(aws, ws, name="win11-big")
    images[big].root_gb = 175
    # When a bundle with an 80 GB root is created from it, or moved onto it
    for call, kwargs in (
        (ws.create_workspace_bundle, bundle_kwargs(big, BundleName="too-small")),
        (ws.update_workspace_bundle, {"BundleId": small, "ImageId": big}),
    ):
        with pytest.raises(ClientError) as caught:
            call(**kwargs)
        # Then it is refused naming both sizes
        assert code(caught) == "InvalidParameterValuesException"
        assert "80 GB is smaller than the image" in str(caught.value)
        assert "175 GB" in str(caught.value)
    # And a bundle whose root is as large is accepted
    ws.create_workspace_bundle(
        **bundle_kwargs(
            big,
            BundleName="large-enough",
            RootStorage={"Capacity": "175"},
            UserStorage={"Capacity": "100"},
        )
    )
