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
    # names WorkSpaces refuses though none is listed (deleted < 2 h ago, or not listed yet)
    held_names: set[str] = field(default_factory=set)
    refuse_share: dict[str, errors.ByolImportError] = field(default_factory=dict)

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
        if self.bundle_named(name) or name in self.held_names:
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
        if self.image_named(region, name) or name in self.held_names:
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
        if account_id in self.refuse_share:
            raise self.refuse_share[account_id]


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


CREATE = {
    "name": None,
    "description": None,
    "compute_type": "STANDARD",
    "root_gib": 80,
    "user_gib": 50,
}
KEPT = f"WorkSpaces image {WSI} is AVAILABLE in eu-west-1 and kept"


def test_a_target_region_without_byol_stops_delivery_before_anything_changes() -> None:
    # Given a bundle to create and a copy asked for a Region where BYOL is not enabled
    gw = FakeDelivery(byol={"us-east-1"})
    asked = {"create_bundle": CREATE, "copy_to_regions": ["us-east-1", "ap-south-1"]}
    # When Deliver runs
    with pytest.raises(errors.TargetRegionByolDisabled) as caught:
        deliver(state(asked), gw, FakeEc2(), HOME)
    # Then it names the Region, changed nothing anywhere, and keeps the image
    assert "BYOL is not enabled in ap-south-1 " in caught.value.message
    assert "Delivered so far: nothing" in caught.value.message and KEPT in caught.value.message
    assert gw.calls == [] and gw.bundles == {}


def test_a_refused_share_names_the_account_and_the_rule_and_nothing_is_copied() -> None:
    # Given two accounts to share with, WorkSpaces refusing the first (not in the organization)
    gw = FakeDelivery(byol={"us-east-1"})
    gw.refuse_share["111122223333"] = errors.AwsRequestRejected("not in your organization")
    ec2 = FakeEc2()
    asked = {
        "share_with_accounts": ["111122223333", "444455556666"],
        "copy_to_regions": ["us-east-1"],
    }
    # When Deliver runs
    with pytest.raises(errors.DeliveryFailed) as caught:
        deliver(state(asked), gw, ec2, HOME)
    # Then the error names the refused account with AWS's reason, the rule, and what was shared
    message = caught.value.message
    assert "refused to share with 111122223333: not in your organization" in message
    assert "same payer account" in message and "Nothing was copied" in message
    assert "Delivered so far: shared with 444455556666" in message and KEPT in message
    assert not [c for c in gw.calls if c.startswith("CopyWorkspaceImage")]
    # And the AMI records the share that was made (`byol-import retire` reads it)
    assert ec2.tagged[AMI]["byol-import:shared-with"] == "444455556666"


@pytest.mark.parametrize(
    "error",
    [errors.TransientAwsError("throttled"), errors.AccessDenied("no permission")],
    ids=["throttled", "denied"],
)
def test_a_throttled_or_denied_share_fails_the_step_as_itself(
    error: errors.ByolImportError,
) -> None:
    # Given sharing throttled (the ASL retries it) or denied (a person fixes the role)
    gw = FakeDelivery(refuse_share={"111122223333": error})
    # When Deliver shares, Then the error keeps its type: it is not recorded as a refusal
    with pytest.raises(type(error)) as caught:
        deliver(state({"share_with_accounts": ["111122223333"]}), gw, FakeEc2(), HOME)
    if isinstance(error, errors.TransientAwsError):  # retried as it is: no advice appended
        assert caught.value.message == "throttled"
    else:
        assert caught.value.message.startswith("no permission. Delivered so far: nothing")


def test_a_bundle_to_update_that_does_not_exist_is_refused() -> None:
    gw = FakeDelivery()
    with pytest.raises(errors.DeliveryFailed, match="no bundle wsb-00000042 in this account"):
        deliver(state({"update_bundle": "wsb-00000042"}), gw, FakeEc2(), HOME)
    assert gw.calls == []


def test_an_update_records_the_bundles_previous_image_before_moving_it() -> None:
    # Given a person's bundle on an older image
    old = "wsi-000000000"
    gw = FakeDelivery(
        bundles={"wsb-00000042": {"BundleId": "wsb-00000042", "Name": "team", "ImageId": old}}
    )
    ec2 = FakeEc2()
    # When Deliver updates it
    out = deliver(state({"update_bundle": "wsb-00000042"}), gw, ec2, HOME)
    # Then the bundle uses our image and records the old one for `rollback-bundle`
    assert gw.bundles["wsb-00000042"]["ImageId"] == WSI
    assert gw.tags_of["wsb-00000042"] == {
        "byol-import:previous-image-id": old,
        "byol-import:workspaces-image-id": WSI,
    }
    assert out["bundle"] == {
        "id": "wsb-00000042",
        "name": "team",
        "action": "updated",
        "previous_image": old,
    }
    assert ec2.tagged[AMI]["byol-import:bundle-id"] == "wsb-00000042"


def test_our_bundle_from_an_earlier_attempt_is_adopted_not_duplicated() -> None:
    # Given an attempt that created the bundle, then failed later (say, on a copy)
    gw = FakeDelivery()
    first = deliver(state({"create_bundle": CREATE}), gw, FakeEc2(), HOME)
    # When Deliver runs again
    again = deliver(state({"create_bundle": CREATE}), gw, FakeEc2(), HOME)
    # Then it reports the same bundle, created, and there is still one
    assert (
        again["bundle"]
        == first["bundle"]
        == {
            "id": "wsb-00000000",
            "name": "win11-gold",
            "action": "created",
            "previous_image": None,
        }
    )
    assert len(gw.bundles) == 1


def test_a_bundle_name_refused_but_not_listed_says_it_was_deleted_lately() -> None:
    gw = FakeDelivery(held_names={"win11-gold"})
    with pytest.raises(errors.DeliveryFailed) as caught:
        deliver(state({"create_bundle": CREATE}), gw, FakeEc2(), HOME)
    assert "deleted less than 2 hours ago" in caught.value.message
    assert KEPT in caught.value.message


def test_a_copy_name_taken_but_not_listed_yet_is_retried_as_it_is() -> None:
    # Given CopyWorkspaceImage refusing the name in us-east-1, though nothing is listed there yet
    gw = FakeDelivery(byol={"us-east-1"}, held_names={"win11-gold"})
    # When Deliver copies, Then the ASL's ImageNotListedYet retry gets it without any advice
    with pytest.raises(errors.ImageNotListedYet) as caught:
        deliver(state({"copy_to_regions": ["us-east-1"]}), gw, FakeEc2(), HOME)
    assert caught.value.message.endswith("no image of that name is listed yet")


def test_a_copy_not_listed_yet_stays_pending_then_one_in_error_fails_delivery() -> None:
    # Given a copy just started in us-east-1, not yet listed there
    gw = FakeDelivery(byol={"us-east-1"})
    out = deliver(state({"copy_to_regions": ["us-east-1"]}), gw, FakeEc2(), HOME)
    listed = gw.images.pop(("us-east-1", out["copies"][0]["image_id"]))
    # When PollCopies runs, Then it keeps waiting (not "disappeared": it was never seen)
    out = poll_copies(state({}, Delivery=out), gw, HOME)
    assert (out["pending"], out["count"], "seen" in out["copies"][0]) == (True, 1, False)
    # When the copy is listed in ERROR, Then delivery fails with AWS's reason; both images kept
    gw.images[("us-east-1", listed["ImageId"])] = {
        **listed,
        "State": "ERROR",
        "ErrorCode": "InternalFailure",
        "ErrorMessage": "copy failed",
    }
    with pytest.raises(errors.DeliveryFailed) as caught:
        poll_copies(state({}, Delivery=out), gw, HOME)
    assert "ended in ERROR: InternalFailure: copy failed; the copy is kept" in caught.value.message
    assert KEPT in caught.value.message


def test_an_ami_that_cannot_be_tagged_does_not_fail_the_delivery() -> None:
    # Given the AMI's tags denied (the record also goes in the notification)
    ec2 = FakeEc2(tag_error=errors.AccessDenied("ec2:CreateTags denied"))
    gw = FakeDelivery(byol={"us-east-1"})
    # When Deliver runs, Then the bundle and copy are made all the same
    out = deliver(state({"create_bundle": CREATE, "copy_to_regions": ["us-east-1"]}), gw, ec2, HOME)
    assert out["bundle"]["id"] == "wsb-00000000" and out["pending"] is True
    assert ec2.tagged == {}


def test_a_throttled_record_on_the_ami_retries_the_step_which_adopts_what_it_made() -> None:
    # Given the AMI's tag writes throttled
    ec2 = FakeEc2(tag_error=errors.TransientAwsError("throttled"))
    gw = FakeDelivery(byol={"us-east-1"})
    asked = {"create_bundle": CREATE, "copy_to_regions": ["us-east-1"]}
    # When Deliver runs, Then it stops once the bundle is made, to be retried (the record on
    # the AMI must not be lost)
    with pytest.raises(errors.TransientAwsError):
        deliver(state(asked), gw, ec2, HOME)
    assert len(gw.bundles) == 1 and gw.images == {}
    # When the retry finds tagging working, Then it adopts the bundle, copies, and records both
    ec2.tag_error = None
    out = deliver(state(asked), gw, ec2, HOME)
    assert len(gw.bundles) == 1 and len(gw.images) == 1
    assert out["bundle"]["id"] == "wsb-00000000" and out["pending"] is True
    assert ec2.tagged[AMI]["byol-import:bundle-id"] == "wsb-00000000"
    assert ec2.tagged[AMI]["byol-import:copies"].startswith("us-east-1=wsi-")
