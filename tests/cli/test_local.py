"""`byol-import --local`: the README's inputs and tag values on the embedded local AWS, end to
end (the deployed ASL, the real handlers, IAM enforced), through the console script's code."""

from __future__ import annotations

import json

import pytest

from byol_cli import demo
from stacks.config import asl_definition
from tests.cli.conftest import invoke

pytestmark = pytest.mark.scenario

AMI = "ami-0abcdef1234567890"


def test_a_console_input_runs_to_a_workspaces_image_with_status_and_notification():
    # Given the README's console input with every option, on an account with BYOL enabled
    payload = {
        "ImageId": AMI,
        "IngestionProcess": "BYOL_REGULAR_WSP",
        "OsVersion": "Windows_11",
        "ImageName": "win11-gold-2026-11",
        "ImageDescription": "Windows 11 24H2 gold image",
        "Tags": {"team": "euc"},
    }

    # When it is started locally
    result = invoke("--local", "start", "--input", json.dumps(payload), "--byol-enabled")

    # Then the AMI it names was made, the phases show, and the status table ends AVAILABLE
    assert result.exit_code == 0, result.output
    assert f"made {AMI} (windows-11)" in result.output
    phases = [line.split()[3] for line in result.output.splitlines() if "virtual]" in line]
    assert phases == ["QUEUED", "IMPORTING", "AVAILABLE"]
    row = next(line for line in result.output.splitlines() if line.startswith(f"│ {AMI}"))
    assert "AVAILABLE" in row and "wsi-" in row
    assert "Management CIDR: 10.200.0.0/16" in result.output
    assert f"Notification: byol-import: {AMI} is WorkSpaces image wsi-" in result.output


def test_a_trigger_tag_value_goes_through_eventbridge_and_its_refusal_is_shown():
    # Given a tag value asking for PCoIP on Windows 11 (valid syntax; WorkSpaces refuses it)
    value = "OsVersion=Windows_11,IngestionProcess=BYOL_REGULAR"

    # When the AMI is tagged locally
    result = invoke("--local", "start", AMI, "--trigger-tag", value)

    # Then the starter started it from the CloudTrail event, and it failed with the reason
    assert result.exit_code == 1, result.output
    assert f"tagged {AMI} WorkSpacesByolImport={value}" in result.output
    assert "UnsupportedCombination" in result.output
    assert "Notification: byol-import: import of ami-0abcdef1234567890 FAILED" in result.output


def test_demo_exits_zero_when_the_outcome_is_the_one_expected_even_a_failure():
    result = invoke("demo", "--scenario", "not-eligible", "--quiet")

    assert result.exit_code == 0, result.output
    assert "outcome: FAILED (ByolNotEligible); expected FAILED (ByolNotEligible): as expected" in (
        result.output
    )
    assert "management CIDR: none (BYOL not enabled)" in result.output
    assert "--- byol-import: import of" in result.output  # the notification's text follows


def test_demo_exits_non_zero_when_an_outcome_differs_from_the_expectation(monkeypatch):
    # Given the not-eligible scenario, wrongly expecting success
    wrong = demo.Scenario("expects success", None, faults=demo.SCENARIOS["not-eligible"].faults)
    monkeypatch.setitem(demo.SCENARIOS, "not-eligible", wrong)

    result = invoke("demo", "--scenario", "not-eligible", "--quiet")

    assert result.exit_code == 1
    assert "NOT AS EXPECTED" in result.output
    assert "an outcome differs from what its scenario expects" in result.output


def test_demo_retry_resumes_a_failed_import_with_the_retry_command():
    # When the retry scenario runs (the import refused once for the image quota)
    result = invoke("demo", "--scenario", "retry", "--quiet")

    # Then `byol-import retry` started the notification's retry, which imported the AMI
    assert result.exit_code == 0, result.output
    assert "FAILED (ImageQuotaExceeded); quota raised: byol-import retry ami-" in result.output
    assert "-retry1" in result.output
    assert "outcome: AVAILABLE; expected AVAILABLE: as expected" in result.output


@pytest.mark.skipif(
    "AwaitApproval" not in asl_definition()["States"],
    reason="the workflow asks for no enablement decision before the approval workflow lands",
)
def test_approve_locally_end_to_end_on_an_account_with_byol_disabled():
    # Given an account with BYOL disabled (the workflow asks before enabling it)
    # When the import is started locally with --approve
    result = invoke("--local", "start", AMI, "--approve")

    # Then the run stopped at the decision, the operator approved the range it named, and the
    # import went on through the enablement to a WorkSpaces image
    assert result.exit_code == 0, result.output
    phases = [line.split()[3] for line in result.output.splitlines() if "virtual]" in line]
    assert "AWAITING_APPROVAL" in phases
    assert phases[phases.index("AWAITING_APPROVAL") + 1] == "ENABLING_BYOL"
    assert phases[-1] == "AVAILABLE"
    (approved,) = [line for line in result.output.splitlines() if "approved enabling BYOL" in line]
    cidr = approved.rsplit(" ", 1)[-1]
    assert f"Management CIDR: {cidr}" in result.output
    assert f"byol-import: approve enabling BYOL with {cidr}" in result.output
