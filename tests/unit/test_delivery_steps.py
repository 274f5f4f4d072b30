"""The delivery steps against an in-memory WorkSpaces: what a retry adopts and what it refuses,
and that the imported image is never touched by a failure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest

from byol_import import errors
from byol_import.gateways.protocols import DeliveryApi
from byol_import.logic.delivery import Place
from byol_import.state import WorkflowState
from byol_import.steps.delivery import deliver, poll_copies
from tests.unit.fakes import FakeEc2

AMI = "ami-0123456789abcdef0"
WSI = "wsi-000000001"
HOME = Place("123456789012", "eu-west-1")
OURS = {"byol-import:managed-by": "byol-import", "byol-import:source-ami": AMI}


@dataclass
class FakeDelivery:
    byol: set[str] = field(default_factory=set)
    bundles: dict[str, dict[str, Any]] = field(default_factory=dict)
    images: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)  # (region, id)
    tags_of: dict[str, dict[str, str]] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)

    def byol_enabled(self, region: str) -> bool:
        return region in self.byol

    def bundle(self, bundle_id: str) -> dict[str, Any] | None:
        return self.bundles.get(bundle_id)

    def bundle_named(self, name: str) -> dict[str, Any] | None:
        return next((b for b in self.bundles.values() if b["Name"] == name), None)

    def create_bundle(
        self,
        *,
        name: str,
        description: str,
        image_id: str,
        compute_type: str,
        root_gib: int,
        user_gib: int,
        tags: Sequence[Mapping[str, str]],
    ) -> str | None:
        self.calls.append("CreateWorkspaceBundle")
        if self.bundle_named(name):
            return None
        bundle_id = f"wsb-{len(self.bundles):08d}"
        self.bundles[bundle_id] = {"BundleId": bundle_id, "Name": name, "ImageId": image_id}
        self.tags_of[bundle_id] = {t["Key"]: t["Value"] for t in tags}
        return bundle_id

    def update_bundle(self, bundle_id: str, image_id: str) -> None:
        self.calls.append("UpdateWorkspaceBundle")
        self.bundles[bundle_id]["ImageId"] = image_id

    def tags(self, resource_id: str, region: str | None = None) -> dict[str, str] | None:
        return dict(self.tags_of.get(resource_id, {}))

    def tag(self, resource_id: str, tags: Mapping[str, str]) -> None:
        self.tags_of.setdefault(resource_id, {}).update(tags)

    def copy_image(
        self,
        region: str,
        *,
        name: str,
        description: str,
        source_image_id: str,
        source_region: str,
        tags: Sequence[Mapping[str, str]],
    ) -> str | None:
        self.calls.append(f"CopyWorkspaceImage {region}")
        if self.image_named(region, name):
            return None
        image_id = f"wsi-{len(self.images) + 100:09d}"
        self.images[(region, image_id)] = {"ImageId": image_id, "Name": name, "State": "PENDING"}
        self.tags_of[image_id] = {t["Key"]: t["Value"] for t in tags}
        return image_id

    def image_named(self, region: str, name: str) -> dict[str, Any] | None:
        found = [i for (r, _), i in self.images.items() if r == region and i["Name"] == name]
        return found[0] if found else None

    def image(self, region: str, image_id: str) -> dict[str, Any] | None:
        return self.images.get((region, image_id))

    def share(self, image_id: str, account_id: str) -> None:
        self.calls.append(f"share {account_id}")


_CONFORMS: DeliveryApi = FakeDelivery()


def state(delivery: dict[str, Any], **extra: Any) -> WorkflowState:
    base: dict[str, Any] = {"create_bundle": None, "update_bundle": None, "copy_to_regions": []}
    return WorkflowState.parse(
        {
            "Input": {"ImageId": AMI},
            "Request": {
                "image_id": AMI,
                "ingestion_process": "BYOL_REGULAR_WSP",
                "delivery": {**base, "share_with_accounts": [], **delivery},
            },
            "Ami": {"import_name": "win11-gold", "import_description": "Windows 11"},
            "Import": {"image_id": WSI},
            **extra,
        }
    )


def test_a_retried_update_keeps_the_previous_image_it_recorded() -> None:
    # Given a bundle an earlier attempt already moved to our image, its previous one recorded
    gw = FakeDelivery(
        bundles={"wsb-00000042": {"BundleId": "wsb-00000042", "Name": "team", "ImageId": WSI}}
    )
    gw.tags_of["wsb-00000042"] = {"byol-import:previous-image-id": "wsi-000000000"}
    # When Deliver runs again
    out = deliver(state({"update_bundle": "wsb-00000042"}), gw, FakeEc2(), HOME)
    # Then it does not update again, and reports the recorded previous image
    assert "UpdateWorkspaceBundle" not in gw.calls
    assert out["bundle"]["previous_image"] == "wsi-000000000"


@pytest.mark.parametrize(
    "asked",
    [
        {"create_bundle": {"name": "gold", "compute_type": "STANDARD", "root_gib": 80}},
        {"update_bundle": "wsb-00000042"},
    ],
)
def test_a_bundle_root_smaller_than_the_amis_is_refused_before_workspaces_is_asked(
    asked: dict[str, Any],
) -> None:
    # Given an image of an AMI whose root volume is 100 GiB, and a person's 80 GiB bundle
    bundle = {"BundleId": "wsb-00000042", "Name": "team", "ImageId": "wsi-000000000"}
    gw = FakeDelivery(bundles={"wsb-00000042": {**bundle, "RootStorage": {"Capacity": "80"}}})
    if "create_bundle" in asked:
        asked["create_bundle"].update(description=None, user_gib=50)
    ami = {"import_name": "win11-gold", "import_description": "W11", "root_volume_gib": 100}
    # When Deliver creates an 80 GiB bundle of it, or moves that bundle onto it
    with pytest.raises(errors.BundleTooSmall) as refused:
        deliver(state(asked, Ami=ami), gw, FakeEc2(), HOME)
    # Then it is refused naming both sizes, nothing was asked of WorkSpaces, the image is kept
    assert "80 GiB is smaller than the image's root volume of 100 GiB" in refused.value.message
    assert f"WorkSpaces image {WSI} is AVAILABLE in eu-west-1 and kept" in refused.value.message
    assert gw.calls == [] and gw.bundles["wsb-00000042"]["ImageId"] == "wsi-000000000"


def test_a_bundle_name_held_by_a_bundle_not_ours_is_refused() -> None:
    gw = FakeDelivery(
        bundles={
            "wsb-00000007": {
                "BundleId": "wsb-00000007",
                "Name": "win11-gold",
                "ImageId": "wsi-999999999",
            }
        }
    )
    create = {
        "name": None,
        "description": None,
        "compute_type": "STANDARD",
        "root_gib": 80,
        "user_gib": 50,
    }
    with pytest.raises(errors.DeliveryFailed, match="taken by wsb-00000007, which byol-import"):
        deliver(state({"create_bundle": create}), gw, FakeEc2(), HOME)


def test_a_copy_name_held_by_an_image_not_ours_is_refused_and_the_image_kept() -> None:
    gw = FakeDelivery(byol={"us-east-1"})
    gw.images[("us-east-1", "wsi-000000777")] = {"ImageId": "wsi-000000777", "Name": "win11-gold"}
    with pytest.raises(errors.DeliveryFailed) as caught:
        deliver(state({"copy_to_regions": ["us-east-1"]}), gw, FakeEc2(), HOME)
    assert "taken in us-east-1 by wsi-000000777" in caught.value.message
    assert f"WorkSpaces image {WSI} is AVAILABLE in eu-west-1 and kept" in caught.value.message


def test_our_copy_from_an_earlier_attempt_is_adopted_and_polled() -> None:
    gw = FakeDelivery(byol={"us-east-1"})
    gw.images[("us-east-1", "wsi-000000777")] = {
        "ImageId": "wsi-000000777",
        "Name": "win11-gold",
        "State": "PENDING",
    }
    gw.tags_of["wsi-000000777"] = dict(OURS)
    ec2 = FakeEc2()
    out = deliver(state({"copy_to_regions": ["us-east-1"]}), gw, ec2, HOME)
    assert out["copies"] == [
        {"region": "us-east-1", "image_id": "wsi-000000777", "state": "PENDING", "seen": True}
    ]
    assert ec2.tagged[AMI]["byol-import:copies"] == "us-east-1=wsi-000000777"
    # And once the copy is AVAILABLE there, the poll says nothing is pending
    gw.images[("us-east-1", "wsi-000000777")]["State"] = "AVAILABLE"
    polled = poll_copies(state({"copy_to_regions": ["us-east-1"]}, Delivery=out), gw, HOME)
    assert (polled["pending"], polled["count"]) == (False, 1)


def test_a_copy_seen_then_gone_fails_delivery_rather_than_waiting_out_the_deadline() -> None:
    # Given a copy PollCopies has seen PENDING in its Region
    gw = FakeDelivery(byol={"us-east-1"})
    out = deliver(state({"copy_to_regions": ["us-east-1"]}), gw, FakeEc2(), HOME)
    out = poll_copies(state({}, Delivery=out), gw, HOME)
    assert out["copies"][0]["seen"] is True and out["pending"] is True
    # When someone deletes it, Then the next poll says so
    gw.images.clear()
    with pytest.raises(errors.DeliveryFailed, match="disappeared while PENDING"):
        poll_copies(state({}, Delivery=out), gw, HOME)
