"""`byol-import start` options for the import method and the delivery: the request fields they
stand for (as the README documents the request), the refusals (the workflow's own words), and
`--local` runs through the Image Builder path and through a delivery."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

import click
import pytest

from byol_cli.start_options import MethodAndDelivery, request_fields
from byol_import.errors import InvalidRequest
from byol_import.logic.choices import COMPUTE_TYPES, IMAGE_VALIDATION_MODES, PROTOCOLS
from byol_import.logic.delivery_rules import compute_types
from byol_import.logic.request import normalise_request
from byol_import.names import IMPORT_METHODS
from tests.cli.conftest import SM_ARN, T0, Aws, execution_arn, invoke

AMI = "ami-0abcdef1234567890"
ARN = "arn:aws:imagebuilder:eu-west-1:123456789012:image/win11/1.0.0/1"
MEMBER = "111122223333"
README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.mark.parametrize(
    ("given", "fields"),
    [
        (MethodAndDelivery(), {}),
        (
            MethodAndDelivery(
                import_method="image-builder",
                protocol="DCV",
                compute_type="BASE",
                image_validation_mode="SERVICE_MANAGED",
                image_build_version_arn=ARN,
            ),
            {
                "ImportMethod": "image-builder",
                "Protocol": "DCV",
                "ComputeType": "BASE",
                "ImageValidationMode": "SERVICE_MANAGED",
                "ImageBuildVersionArn": ARN,
            },
        ),
        (MethodAndDelivery(bundle="create"), {"Delivery": {"Bundle": {"Create": {}}}}),
        (
            MethodAndDelivery(
                bundle="create",
                bundle_name="gold",
                bundle_compute_type="PERFORMANCE",
                bundle_root_gib=175,
                bundle_user_gib=100,
                bundle_description="Windows 11 gold",
            ),
            {
                "Delivery": {
                    "Bundle": {
                        "Create": {
                            "Name": "gold",
                            "ComputeType": "PERFORMANCE",
                            "RootVolumeSizeGib": 175,
                            "UserVolumeSizeGib": 100,
                            "Description": "Windows 11 gold",
                        }
                    }
                }
            },
        ),
        (
            MethodAndDelivery(bundle="wsb-0123456789"),
            {"Delivery": {"Bundle": {"Update": "wsb-0123456789"}}},
        ),
        (MethodAndDelivery(bundle="none"), {"Delivery": {"Bundle": None}}),
        (
            MethodAndDelivery(copy_to=("eu-central-1", "us-east-1"), share_with=(MEMBER,)),
            {
                "Delivery": {
                    "CopyToRegions": ["eu-central-1", "us-east-1"],
                    "ShareWithAccounts": [MEMBER],
                }
            },
        ),
        (
            MethodAndDelivery(copy_to=("none",), share_with=("none",)),
            {"Delivery": {"CopyToRegions": [], "ShareWithAccounts": []}},
        ),
    ],
    ids=[
        "nothing",
        "image-builder",
        "create",
        "create-all",
        "update",
        "no-bundle",
        "lists",
        "none",
    ],
)
def test_each_option_maps_to_the_request_field_the_readme_documents(given, fields):
    # When the options are mapped
    # Then they are the request fields the README names; an option not given adds none
    assert request_fields(given) == fields


@pytest.mark.parametrize(
    ("given", "words"),
    [
        (MethodAndDelivery(bundle_name="gold"), "--bundle-name: describes a bundle to create"),
        (
            MethodAndDelivery(bundle="wsb-0123456789", bundle_root_gib=175, bundle_user_gib=100),
            "--bundle-root-gib, --bundle-user-gib: describe a bundle to create, so they go",
        ),
        (MethodAndDelivery(copy_to=("none", "us-east-1")), "--copy-to none means no entries"),
    ],
)
def test_options_that_do_not_go_together_are_refused(given, words):
    with pytest.raises(click.UsageError, match=re.escape(words)):
        request_fields(given)


def test_help_lists_the_choices_where_they_are_defined():
    # When the operator reads `start --help`
    text = " ".join(invoke("start", "--help").output.split())

    # Then each choice list is the one its module defines
    for choices in (IMPORT_METHODS, PROTOCOLS, COMPUTE_TYPES, IMAGE_VALIDATION_MODES):
        assert "|".join(choices) in text
    assert ", ".join(compute_types()) in text
    assert "so it enables BYOL in each Region the import copies to" in text


def _workflow_says(raw: dict[str, Any]) -> str:
    try:
        normalise_request(raw, "BYOL_REGULAR_WSP")
    except InvalidRequest as error:
        return error.message
    raise AssertionError(f"the workflow accepts {raw}")


@pytest.mark.parametrize(
    ("args", "same_as"),
    [
        (
            ["--import-method", "image-builder", "--protocol", "dcv"],
            {"ImportMethod": "image-builder", "Protocol": "dcv"},
        ),
        (["--import-method", "imagebuilder"], {"ImportMethod": "imagebuilder"}),
        (["--protocol", "DCV"], {"Protocol": "DCV"}),
        (["--image-build-version-arn", "arn:x"], {"ImageBuildVersionArn": "arn:x"}),
        (
            ["--bundle", "create", "--bundle-root-gib", "90"],
            {"Delivery": {"Bundle": {"Create": {"RootVolumeSizeGib": 90}}}},
        ),
        (
            ["--bundle", "create", "--bundle-compute-type", "GRAPHICS_G4DN"],
            {"Delivery": {"Bundle": {"Create": {"ComputeType": "GRAPHICS_G4DN"}}}},
        ),
        (["--bundle", "creat"], {"Delivery": {"Bundle": {"Update": "creat"}}}),
        (["--copy-to", "eu-centrl-1"], {"Delivery": {"CopyToRegions": ["eu-centrl-1"]}}),
        (["--share-with", "1111"], {"Delivery": {"ShareWithAccounts": ["1111"]}}),
    ],
)
def test_an_invalid_value_is_refused_in_the_workflows_words_before_any_aws_call(
    aws: Aws, args, same_as
):
    # When the operator gives a value the workflow refuses (no AWS response is stubbed)
    result = invoke("start", AMI, *args)

    # Then the refusal is the workflow's own message for the same request, exit 2
    assert result.exit_code == 2, result.output
    said = " ".join(result.output.split())
    assert f"InvalidRequest: {_workflow_says({'ImageId': AMI, **same_as})}" in said
    aws.verify()


INPUT = json.dumps({"ImageId": AMI})


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--input", INPUT, "--import-method", "image-builder"], "--input carries the whole"),
        (["--input", INPUT, "--copy-to", "eu-central-1"], "--input carries the whole"),
        ([AMI, "--trigger-tag", "BYOL_REGULAR_WSP", "--bundle", "create"], "--trigger-tag starts"),
    ],
    ids=["input+method", "input+copy", "trigger-tag+bundle"],
)
def test_the_new_options_are_exclusive_with_input_and_trigger_tag(aws: Aws, args, words):
    result = invoke("start", *args)

    assert result.exit_code == 2
    assert words in result.output
    aws.verify()


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--copy-to", "eu-west-1"], "eu-west-1 is the Region the image is imported in"),
        (["--share-with", "123456789012"], "123456789012 is this account"),
    ],
)
def test_the_stacks_own_region_and_account_are_refused_once_the_stack_is_found(
    aws: Aws, args, words
):
    # Given the stack, in eu-west-1 of account 123456789012 (no StartExecution stubbed)
    aws.stack()
    assert ":eu-west-1:123456789012:" in SM_ARN

    # When the operator asks for a copy home or a share with the account itself
    result = invoke("start", AMI, *args)

    # Then it is refused as ValidateRequest (which knows its place) would refuse it
    assert result.exit_code == 2, result.output
    assert words in " ".join(result.output.split())
    aws.verify()


def test_start_sends_the_console_input_of_the_new_options(aws: Aws):
    # Given the stack
    aws.stack()
    aws.stubs["stepfunctions"].add_response(
        "start_execution",
        {"executionArn": execution_arn(f"{AMI}-cli-00000000"), "startDate": T0},
        None,
    )
    started: list[dict[str, str]] = []
    aws.clients["stepfunctions"].meta.events.register(
        "provide-client-params.states.StartExecution",
        lambda params, **_: started.append(dict(params)),
    )

    # When the operator starts an Image Builder import with a bundle, a copy and a share
    result = invoke(
        "start", AMI, "--import-method", "image-builder", "--protocol", "BYOP",
        "--bundle", "create", "--bundle-name", "gold", "--copy-to", "eu-central-1",
        "--share-with", MEMBER,
    )  # fmt: skip

    # Then the execution's input is the request those options stand for
    assert result.exit_code == 0, result.output
    aws.verify()
    assert json.loads(started[0]["input"]) == {
        "ImageId": AMI,
        "ImportMethod": "image-builder",
        "Protocol": "BYOP",
        "Delivery": {
            "Bundle": {"Create": {"Name": "gold"}},
            "CopyToRegions": ["eu-central-1"],
            "ShareWithAccounts": [MEMBER],
        },
    }


def _phases(output: str) -> list[str]:
    return [line.split()[3] for line in output.splitlines() if "virtual]" in line]


@pytest.mark.scenario
def test_local_image_builder_import_shows_its_progress_to_a_workspaces_image():
    # When an Image Builder import is started locally on an account with BYOL enabled
    result = invoke("--local", "start", AMI, "--import-method", "image-builder", "--byol-enabled")

    # Then it imported through ImportCustomWorkspaceImage, one line per progress step
    assert result.exit_code == 0, result.output
    progress = [line for line in result.output.splitlines() if line.endswith("%")]
    assert len(progress) >= 3 and progress[-1].endswith("COMPLETED 100%"), result.output
    assert _phases(result.output)[-1] == "AVAILABLE"
    assert f"Notification: byol-import: {AMI} is WorkSpaces image wsi-" in result.output


@pytest.mark.scenario
def test_local_delivery_creates_the_bundle_copies_and_shares():
    # When a delivery is started locally: a bundle, a copy to another Region, a share
    result = invoke(
        "--local", "start", AMI, "--byol-enabled", "--bundle", "create", "--bundle-name", "gold",
        "--copy-to", "eu-central-1", "--share-with", MEMBER,
    )  # fmt: skip

    # Then the local account was readied (BYOL in the copy Region, the member), and each was done
    assert result.exit_code == 0, result.output
    out = result.output
    assert "BYOL enabled in eu-central-1" in out
    assert f"{MEMBER} made a member of the organization" in out
    assert _phases(out) == ["QUEUED", "IMPORTING", "DELIVERING", "AVAILABLE"]
    assert re.search(r"Delivered: bundle: wsb-[0-9a-z]{8,}", out)
    assert re.search(r"Delivered: copy: eu-central-1 wsi-[0-9a-z]{9,} \(AVAILABLE\)", out)
    assert f"Delivered: shared with: {MEMBER}" in out
    assert "(gold) was created from the image" in out


def test_local_share_with_the_local_account_itself_is_refused_before_it_starts():
    result = invoke("--local", "start", AMI, "--share-with", "123456789012")

    assert result.exit_code == 2
    assert "123456789012 is this account" in result.output


def readme_local_starts() -> list[list[str]]:
    """Every `byol-import --local start` line of the README's CLI section, as arguments."""
    text = README.read_text()
    start = text.index("## The CLI: `byol-import`\n")
    section = text[start : text.index("\n## ", start + 1)]
    lines = re.findall(r"^byol-import (--local start .*)$", section, re.M)
    return [shlex.split(line, comments=True) for line in lines]


def test_the_readme_shows_a_local_start_for_each_new_feature():
    args = [" ".join(a) for a in readme_local_starts()]
    assert any("--import-method image-builder" in a for a in args)
    assert any("--bundle create" in a and "--copy-to" in a and "--share-with" in a for a in args)


@pytest.mark.scenario
@pytest.mark.parametrize("args", readme_local_starts(), ids=" ".join)
def test_every_local_start_the_readme_shows_runs(args):
    # When a `--local start` line of the README runs
    result = invoke(*args)

    # Then it ends as the README says: an image AVAILABLE, or (BYOL disabled, no --approve)
    # left waiting for the enablement decision
    assert result.exit_code == 0, result.output
    phases = _phases(result.output)
    if "--byol-enabled" in args or "--approve" in args:
        assert phases[-1] == "AVAILABLE", result.output
    else:
        assert "AWAITING_APPROVAL" in phases, result.output
        assert "Left waiting for the decision" in result.output
        # and nothing after it: the decision times out only once the command has ended
        assert phases[-1] == "AWAITING_APPROVAL", result.output
