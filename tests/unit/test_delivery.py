"""What an import delivers: the request's `Delivery` field, the trigger tag's delivery keys and
the configured defaults, resolved and checked in one place (logic/delivery.py); the record of
what was delivered (steps/delivery_record.py)."""

from __future__ import annotations

from typing import Any

import pytest

from byol_import.errors import InvalidRequest
from byol_import.logic.delivery import (
    BundleCreate,
    DeliveryDefaults,
    DeliveryRequest,
    Place,
    copies_tag_value,
    resolve,
)
from byol_import.logic.delivery_rules import computes_for, root_too_small, volumes_allowed
from byol_import.logic.request import normalise_request
from byol_import.logic.tag_value import parse_tag_value
from byol_import.schema import ConfigError
from byol_import.steps.delivery_record import delivery_lines, delivery_tags
from stacks.config import from_context

HOME = Place("123456789012", "eu-west-1")
MEMBER = "111122223333"
REGULAR = "BYOL_REGULAR_WSP"


def delivered(raw: Any, tag: dict[str, str] | None = None, **defaults: Any) -> Any:
    return resolve(
        raw, tag or {}, DeliveryDefaults(**defaults), ingestion_process=REGULAR, place=HOME
    )


def test_nothing_asked_and_nothing_configured_delivers_nothing() -> None:
    assert delivered(None) is None
    assert delivered({"CopyToRegions": [], "ShareWithAccounts": [], "Bundle": None}) is None


def test_a_create_takes_the_configured_defaults_for_what_it_does_not_say() -> None:
    # Given configured compute and volumes, When the request names only the bundle's name
    got = delivered(
        {"Bundle": {"Create": {"Name": "gold"}}}, compute_type="POWER", root_gib=175, user_gib=100
    )
    # Then the rest comes from the configuration
    assert got == DeliveryRequest(create_bundle=BundleCreate("gold", None, "POWER", 175, 100))


def test_the_request_wins_over_the_tag_value_which_wins_over_the_configuration() -> None:
    tag = {"CopyToRegions": "us-east-1+eu-central-1", "Bundle": "wsb-12345678"}
    got = delivered(
        {"ShareWithAccounts": [MEMBER]}, tag, copy_to_regions=("ap-south-1",), bundle="create"
    )
    assert got == DeliveryRequest(
        update_bundle="wsb-12345678",
        copy_to_regions=("us-east-1", "eu-central-1"),
        share_with_accounts=(MEMBER,),
    )
    # An explicit empty list in the request turns a configured default off
    assert delivered({"CopyToRegions": []}, copy_to_regions=("ap-south-1",)) is None


def test_trigger_tag_delivery_keys_are_read_as_written() -> None:
    value = "Bundle=create,BundleName=gold,BundleComputeType=POWER,ShareWithAccounts=none"
    tag = parse_tag_value(value).delivery
    assert tag == {
        "Bundle": "create",
        "BundleName": "gold",
        "BundleComputeType": "POWER",
        "ShareWithAccounts": "none",
    }
    got = delivered(None, tag, share_with_accounts=(MEMBER,))
    assert got == DeliveryRequest(create_bundle=BundleCreate("gold", None, "POWER", 80, 50))


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"CopyRegions": ["us-east-1"]}, "Delivery.CopyRegions: unknown field (did you mean"),
        ({"Bundle": {"Create": {}, "Update": "wsb-12345678"}}, 'must be {"Create"'),
        ({"Bundle": {"Update": "wsb-1"}}, "Delivery.Bundle.Update: must be a bundle id"),
        ({"Bundle": {"Create": {"Size": 1}}}, "Delivery.Bundle.Create.Size: unknown field"),
        ({"Bundle": {"Create": {"Name": "a b"}}}, "Create.Name: must be 1-64 characters"),
        ({"Bundle": {"Create": "gold"}}, "Delivery.Bundle.Create: must be an object with"),
        (
            {"Bundle": {"Create": {"Description": "gold; rm"}}},
            "Create.Description: must be 1-255 characters",
        ),
        ({"CopyToRegions": "us-east-1"}, "CopyToRegions: must be a list of strings"),
        ({"ShareWithAccounts": [111122223333]}, "ShareWithAccounts: must be a list of strings"),
        ({"Bundle": {"Create": {"ComputeType": "power"}}}, "(did you mean 'POWER'?)"),
        (
            {"Bundle": {"Create": {"ComputeType": "GRAPHICS_G4DN"}}},
            "imported with BYOL_REGULAR_WSP",
        ),
        ({"Bundle": {"Create": {"UserVolumeSizeGib": 20}}}, "root 80 GiB with user 20 GiB"),
        ({"Bundle": {"Create": {"RootVolumeSizeGib": "80"}}}, "must be a whole number of GiB"),
        ({"CopyToRegions": ["eu-west-9"]}, "'eu-west-9' is not a Region where Amazon WorkSpaces"),
        ({"CopyToRegions": ["eu-west-1"]}, "eu-west-1 is the Region the image is imported in"),
        ({"CopyToRegions": ["us-east-1", "us-east-1"]}, "names an item twice"),
        ({"ShareWithAccounts": ["12345"]}, "each must be a 12-digit account id"),
        ({"ShareWithAccounts": [HOME.account_id]}, "is this account"),
        ("yes", "Delivery: must be an object"),
    ],
)
def test_a_bad_delivery_is_refused_with_the_field_and_the_rule(raw: Any, message: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        delivered(raw)
    assert message in caught.value.message


def test_a_bad_tag_value_names_the_tag() -> None:
    with pytest.raises(InvalidRequest, match="trigger tag T value CopyToRegions: 'mars-1'"):
        resolve(
            None,
            {"CopyToRegions": "mars-1"},
            DeliveryDefaults(),
            ingestion_process=REGULAR,
            place=HOME,
            tag_where="trigger tag T value",
        )


def test_the_bundle_compute_follows_the_image_and_the_volumes_the_documented_pairs() -> None:
    assert computes_for("BYOL_GRAPHICS_G4DN_WSP") == ("GRAPHICS_G4DN", "GRAPHICSPRO_G4DN")
    assert computes_for("BYOL_GRAPHICSPRO") == ("GRAPHICSPRO",)
    assert "STANDARD" in computes_for(REGULAR) and "GRAPHICS" not in computes_for(REGULAR)
    assert volumes_allowed(80, 10) and volumes_allowed(175, 100) and volumes_allowed(2000, 2000)
    assert not volumes_allowed(80, 20) and not volumes_allowed(100, 100)
    assert not volumes_allowed(175, 99) and not volumes_allowed(2001, 100)


def test_a_bundle_root_smaller_than_the_images_is_named_with_both_sizes() -> None:
    # Given an image whose AMI's root volume is 100 GiB
    # When a bundle's root is 80, Then the refusal names both sizes
    refusal = root_too_small(80, 100) or ""
    assert "root volume of 80 GiB is smaller than the image's root volume of 100 GiB" in refusal
    # And a root as large or larger, or an image of unknown size, is not refused here
    assert root_too_small(100, 100) is None and root_too_small(175, 100) is None
    assert root_too_small(80, None) is None


def test_the_request_json_round_trips_and_tells_the_asl_whether_to_deliver() -> None:
    raw = {"ImageId": "ami-0123456789abcdef0", "Delivery": {"CopyToRegions": ["us-east-1"]}}
    request = normalise_request(raw, REGULAR, place=HOME)
    data = request.to_json()
    assert data["deliver"] is True
    assert data["delivery"]["copy_to_regions"] == ["us-east-1"]
    assert DeliveryRequest.from_json(data["delivery"]) == request.delivery
    assert normalise_request({"ImageId": raw["ImageId"]}, REGULAR).to_json()["deliver"] is False


def test_configured_delivery_defaults_are_checked_at_synth() -> None:
    assert from_context({"deliveryBundle": "create"}).delivery_bundle == "create"
    with pytest.raises(ConfigError, match=r"byolImport\.deliveryBundle must be empty"):
        from_context({"deliveryBundle": "new"})
    with pytest.raises(ConfigError, match="deliveryCopyToRegions"):
        from_context({"deliveryCopyToRegions": "eu-west-9"})
    with pytest.raises(ConfigError, match="deliveryShareWithAccounts"):
        from_context({"deliveryShareWithAccounts": "1234"})


def test_what_was_delivered_is_recorded_for_the_tags_and_the_notification() -> None:
    record: dict[str, Any] = {
        "bundle": {
            "id": "wsb-12345678",
            "name": "team",
            "action": "updated",
            "previous_image": "wsi-000000001",
        },
        "shares": [
            {"account": MEMBER, "shared": True, "reason": None},
            {"account": "999988887777", "shared": False, "reason": "not in the organization"},
        ],
        "copies": [{"region": "us-east-1", "image_id": "wsi-000000002", "state": "AVAILABLE"}],
    }
    assert delivery_tags(record) == {
        "byol-import:copies": "us-east-1=wsi-000000002",
        "byol-import:shared-with": MEMBER,
    }
    assert copies_tag_value(record["copies"]) == "us-east-1=wsi-000000002"
    lines = delivery_lines(record)
    assert lines[0].startswith(
        "Bundle wsb-12345678 (team) now uses the image (it used wsi-000000001"
    )
    assert "Not shared with account 999988887777: not in the organization" in lines
    assert lines[-1] == "Copy in us-east-1: wsi-000000002 (AVAILABLE)."
