"""The delivery gateway at the boto3 edge (botocore's Stubber checks each request against the
service model): what it reads from every page, which Region's client it asks, and the answers a
retried delivery relies on (None for "not there", typed errors for the rest). Then how `aws_call`
types what is not a documented answer: an undocumented code, a dropped connection."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import boto3
import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, ParamValidationError
from botocore.stub import Stubber

from byol_import import errors
from byol_import.gateways.aws_call import aws_call
from byol_import.gateways.delivery import DeliveryGateway
from tests.api_patterns import attach

HOME, TARGET = "eu-west-1", "us-east-1"


@dataclass
class Stubbed:
    gateway: DeliveryGateway
    home: Stubber  # the home Region's client
    target: Stubber  # us-east-1's client, reached only through `regional`
    asked: list[str]  # the Regions `regional` was asked for


@pytest.fixture
def stubbed() -> Iterator[Stubbed]:
    clients = {region: boto3.client("workspaces", region_name=region) for region in (HOME, TARGET)}
    for client in clients.values():
        attach(client)
    asked: list[str] = []

    def regional(region: str) -> object:
        asked.append(region)
        return clients[region]

    home, target = Stubber(clients[HOME]), Stubber(clients[TARGET])
    with home, target:
        yield Stubbed(DeliveryGateway(clients[HOME], regional), home, target, asked)
        home.assert_no_pending_responses()
        target.assert_no_pending_responses()


def bundle(bundle_id: str, name: str) -> dict[str, str]:
    return {"BundleId": bundle_id, "Name": name, "ImageId": "wsi-123456789"}


@pytest.mark.parametrize(("support", "enabled"), [("ENABLED", True), ("DISABLED", False)])
def test_byol_is_checked_in_the_target_region_not_at_home(
    stubbed: Stubbed, support: str, enabled: bool
) -> None:
    # Given us-east-1 answers DescribeAccount with its own dedicated tenancy support
    stubbed.target.add_response("describe_account", {"DedicatedTenancySupport": support}, {})
    # When the gateway asks about us-east-1, Then that Region's client answered it
    assert stubbed.gateway.byol_enabled(TARGET) is enabled
    assert stubbed.asked == [TARGET]


def test_a_bundle_is_read_by_id_and_a_missing_one_is_none(stubbed: Stubbed) -> None:
    stubbed.home.add_response(
        "describe_workspace_bundles",
        {"Bundles": [bundle("wsb-12345678", "team")]},
        {"BundleIds": ["wsb-12345678"]},
    )
    stubbed.home.add_response(
        "describe_workspace_bundles", {"Bundles": []}, {"BundleIds": ["wsb-87654321"]}
    )
    assert stubbed.gateway.bundle("wsb-12345678") == bundle("wsb-12345678", "team")
    # an update of a bundle that is not there must be refused, not crash on an empty list
    assert stubbed.gateway.bundle("wsb-87654321") is None


def test_a_bundle_is_found_by_name_on_a_later_page(stubbed: Stubbed) -> None:
    # Given the account's bundles over two pages, ours on the second
    stubbed.home.add_response(
        "describe_workspace_bundles",
        {"Bundles": [bundle("wsb-00000001", "other")], "NextToken": "p2"},
        {},
    )
    stubbed.home.add_response(
        "describe_workspace_bundles",
        {"Bundles": [bundle("wsb-00000002", "win11-gold")]},
        {"NextToken": "p2"},
    )
    # When a retried CreateWorkspaceBundle looks for the name it was refused, Then it is found
    assert stubbed.gateway.bundle_named("win11-gold") == bundle("wsb-00000002", "win11-gold")


def test_a_bundle_name_on_no_page_is_none(stubbed: Stubbed) -> None:
    stubbed.home.add_response(
        "describe_workspace_bundles", {"Bundles": [bundle("wsb-00000001", "other")]}, {}
    )
    assert stubbed.gateway.bundle_named("win11-gold") is None


def test_tags_are_read_in_the_region_asked_and_a_gone_resource_is_none(stubbed: Stubbed) -> None:
    # Given a copy in us-east-1 with our tags, and a bundle at home deleted meanwhile
    stubbed.target.add_response(
        "describe_tags",
        {"TagList": [{"Key": "byol-import:managed-by", "Value": "byol-import"}, {"Key": "k"}]},
        {"ResourceId": "wsi-123456789"},
    )
    stubbed.home.add_client_error("describe_tags", "ResourceNotFoundException", "not found", 400)
    # When the copy's tags are read in its Region, Then they come from there (a missing Value: "")
    assert stubbed.gateway.tags("wsi-123456789", TARGET) == {
        "byol-import:managed-by": "byol-import",
        "k": "",
    }
    assert stubbed.asked == [TARGET]
    # And a resource that is gone is None, for the caller to decide
    assert stubbed.gateway.tags("wsb-12345678") is None


def test_a_tag_read_refused_is_a_typed_error_not_none(stubbed: Stubbed) -> None:
    # Given DescribeTags denied: reading it as "no tags" would adopt or refuse wrongly
    stubbed.home.add_client_error("describe_tags", "AccessDeniedException", "denied", 400)
    with pytest.raises(errors.AccessDenied, match="DescribeTags"):
        stubbed.gateway.tags("wsb-12345678")


def test_a_copy_is_found_by_name_among_owned_images_in_its_region(stubbed: Stubbed) -> None:
    # Given us-east-1's owned images over two pages of at most 25, our copy on the second
    asked = {"ImageType": "OWNED", "MaxResults": 25}
    stubbed.target.add_response(
        "describe_workspace_images",
        {"Images": [{"ImageId": "wsi-000000001", "Name": "other"}], "NextToken": "p2"},
        asked,
    )
    stubbed.target.add_response(
        "describe_workspace_images",
        {"Images": [{"ImageId": "wsi-000000002", "Name": "win11-gold", "State": "PENDING"}]},
        {**asked, "NextToken": "p2"},
    )
    stubbed.target.add_response("describe_workspace_images", {"Images": []}, asked)
    # When a retried copy looks for its name there, Then it is found; an absent name is None
    found = stubbed.gateway.image_named(TARGET, "win11-gold")
    assert found == {"ImageId": "wsi-000000002", "Name": "win11-gold", "State": "PENDING"}
    assert stubbed.gateway.image_named(TARGET, "win11-gold") is None
    assert stubbed.asked == [TARGET, TARGET]


def test_a_copy_whose_name_is_taken_is_none_for_the_caller_to_adopt(stubbed: Stubbed) -> None:
    stubbed.target.add_client_error(
        "copy_workspace_image", "ResourceAlreadyExistsException", "exists", 400
    )
    copied = stubbed.gateway.copy_image(
        TARGET,
        name="win11-gold",
        description="d",
        source_image_id="wsi-123456789",
        source_region=HOME,
        tags=[],
    )
    assert copied is None


def test_an_undocumented_code_keeps_aws_code_and_text_and_is_not_retried() -> None:
    # Given a code no documentation lists, answered with a 400
    exc = _client_error("SomethingNewException", "a new rule", 400)
    # When it escapes a call, Then the error names the call, the code and AWS's words
    with pytest.raises(errors.WorkSpacesError) as caught, aws_call("workspaces:DescribeTags", "x"):
        raise exc
    assert caught.value.message == "DescribeTags (x): SomethingNewException: a new rule"
    assert not isinstance(caught.value, errors.TransientAwsError)


def test_an_undocumented_code_with_a_server_fault_is_retried() -> None:
    with pytest.raises(errors.TransientAwsError), aws_call("workspaces:DescribeTags"):
        raise _client_error("SomethingNewException", "busy", 503)


def test_a_dropped_connection_is_retried_and_a_client_side_fault_is_not() -> None:
    # Given the endpoint unreachable: the ASL retries TransientAwsError
    unreachable = EndpointConnectionError(endpoint_url="https://workspaces.eu-west-1.amazonaws.com")
    with (
        pytest.raises(errors.TransientAwsError, match="workspaces:DescribeAccount"),
        aws_call("workspaces:DescribeAccount"),
    ):
        raise unreachable
    # Given botocore refusing the request itself: a retry would send the same one
    with pytest.raises(errors.WorkSpacesError) as caught, aws_call("workspaces:DescribeAccount"):
        raise ParamValidationError(report="bad")
    assert not isinstance(caught.value, errors.TransientAwsError)


def _client_error(code: str, message: str, status: int) -> ClientError:
    return ClientError(
        {
            "Error": {"Code": code, "Message": message},
            "ResponseMetadata": {"HTTPStatusCode": status},
        },
        "DescribeTags",
    )
