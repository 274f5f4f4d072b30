"""A bundle's root volume is never smaller than its image's ("custom bundle storage volumes can't
be smaller than image storage volumes", admin guide). Today no import path brings in an AMI over
70 GB and no bundle root is under 80 GB, so these scenarios raise both 70 GB limits (the
product's CheckImage and the emulator's checker) as a path taking larger AMIs would: then Deliver
refuses the bundle itself, and without that check the emulator refuses it too."""

from __future__ import annotations

from typing import Any

import pytest

from byol_import.logic import image as image_logic
from byol_import.steps import delivery as delivery_step
from local_aws.harness import ACCOUNT_ID, REGION, LocalAws, unattended
from local_aws.workspaces import amis
from tests.scenarios.test_delivery import ami_of, assert_kept, imported_image, run

pytestmark = pytest.mark.scenario

BIG_ROOT = 120  # GB: more than a small bundle's 80


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Any:
    """An account with BYOL enabled where AMIs up to 200 GB can be imported."""
    monkeypatch.setattr(image_logic, "MAX_ROOT_VOLUME_GB", 200)
    monkeypatch.setattr(amis, "MAX_VOLUME_GB", 200)
    with LocalAws(config=unattended()) as env:
        env.enable_byol_directly()
        yield env


def test_an_image_of_a_small_ami_records_its_root_and_takes_an_80_gib_bundle() -> None:
    with LocalAws(config=unattended()) as aws:
        # Given an account with BYOL enabled and a 60 GB AMI (the limits as they are)
        aws.enable_byol_directly()
        ami = aws.create_windows_ami(volume_size=60)
        # When it is imported with a default bundle
        result = run(aws, {"Bundle": {"Create": {}}}, ami=ami)
        # Then the image records the AMI's root volume and the 80 GiB bundle was created
        assert result.status == "SUCCEEDED", result.cause
        image = aws.world.account(ACCOUNT_ID, REGION).images[imported_image(aws, result)]
        assert image.root_gb == 60
        [bundle] = aws.world.account(ACCOUNT_ID, REGION).bundles.values()
        assert bundle.root_gb == 80


@pytest.mark.parametrize("method", ["classic", "image-builder"])
def test_a_bundle_smaller_than_the_image_is_refused_by_deliver_and_the_image_kept(
    aws: LocalAws, method: str
) -> None:
    # Given an AMI whose root volume is larger than a small bundle's root
    ami = aws.create_windows_ami(volume_size=BIG_ROOT)
    # When it is imported (either path) asking for a bundle with the default 80 GiB root
    delivery = {"Bundle": {"Create": {"Name": "win11-big"}}}
    arn = aws.start_manual({"ImageId": ami, "ImportMethod": method, "Delivery": delivery})
    aws.wait_for_executions(timeout_seconds=120)
    result = aws.result(arn)
    # Then Deliver refuses it with its own error naming both sizes, before asking WorkSpaces
    assert (result.status, result.error) == ("FAILED", "BundleTooSmall")
    cause = result.cause or ""
    assert f"root volume of 80 GiB is smaller than the image's root volume of {BIG_ROOT}" in cause
    assert "RootVolumeSizeGib 175-2000" in cause
    assert "CreateWorkspaceBundle" not in aws.calls.count("workspaces", served=True)
    assert_kept(aws, result)
    assert "byol-import:bundle-id" not in aws.ami_tags(ami_of(result))
    # And the image the path made records the AMI's root volume
    image = aws.world.account(ACCOUNT_ID, REGION).images[imported_image(aws, result)]
    assert image.root_gb == BIG_ROOT
    imports = aws.calls.count("workspaces", served=True)
    assert (
        imports[
            "ImportCustomWorkspaceImage" if method == "image-builder" else "ImportWorkspaceImage"
        ]
        == 1
    )


def test_a_bundle_as_large_as_the_image_is_created(aws: LocalAws) -> None:
    # Given the same large AMI, When the bundle asks for a 175 GiB root
    ami = aws.create_windows_ami(volume_size=BIG_ROOT)
    create = {"RootVolumeSizeGib": 175, "UserVolumeSizeGib": 100}
    result = run(aws, {"Bundle": {"Create": create}}, ami=ami)
    # Then the bundle is created on the image
    assert result.status == "SUCCEEDED", result.cause
    [bundle] = aws.world.account(ACCOUNT_ID, REGION).bundles.values()
    assert (bundle.root_gb, bundle.image_id) == (175, imported_image(aws, result))


def test_without_delivers_check_workspaces_refuses_the_bundle(
    aws: LocalAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given Deliver no longer compares the sizes (the product's check switched off)
    monkeypatch.setattr(delivery_step, "root_too_small", lambda bundle, image: None)
    ami = aws.create_windows_ami(volume_size=BIG_ROOT)
    # When the large AMI is imported asking for an 80 GiB bundle
    result = run(aws, {"Bundle": {"Create": {"Name": "win11-big"}}}, ami=ami)
    # Then the embedded WorkSpaces refuses CreateWorkspaceBundle, as AWS does
    assert (result.status, result.error) == ("FAILED", "DeliveryFailed")
    assert "InvalidParameterValuesException" in (result.cause or "")
    assert f"smaller than the image {imported_image(aws, result)}'s root" in (result.cause or "")
    assert_kept(aws, result)
