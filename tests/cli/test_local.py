"""`byol-import --local`: the README's inputs and tag values on the embedded local AWS, end to
end (the deployed ASL, the real handlers, IAM enforced), through the console script's code."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from byol_cli import demo
from stacks.config import asl_definition
from tests.cli.conftest import invoke

pytestmark = pytest.mark.scenario

AMI = "ami-0abcdef1234567890"
README = Path(__file__).resolve().parents[2] / "README.md"


def _readme_section(title: str) -> str:
    text = README.read_text()
    start = text.index(f"## {title}\n")
    return text[start : text.index("\n## ", start + 1)]


def readme_console_inputs() -> list[dict[str, object]]:
    """Every console input the README's "Start an import" shows (its ```json blocks)."""
    blocks = re.findall(r"```json\n(.*?)```", _readme_section("Start an import"), re.S)
    return [json.loads(block) for block in blocks]


def readme_tag_values() -> list[str]:
    """Every trigger tag value the README's "Start an import" shows."""
    section = _readme_section("Start an import")
    values = re.findall(r"Key=WorkSpacesByolImport,Value=(\S+)", section)
    return values + sorted(set(re.findall(r"`((?:OsVersion|IngestionProcess)=[^`]+)`", section)))


def _ami_os(os_version: object) -> str:
    return (
        "windows-10"
        if os_version == "Windows_10" or "Windows_10" in str(os_version)
        else ("windows-11")
    )


def _assert_imported(output: str) -> None:
    phases = [line.split()[3] for line in output.splitlines() if "virtual]" in line]
    assert phases == ["QUEUED", "IMPORTING", "AVAILABLE"], output
    row = next(line for line in output.splitlines() if line.startswith(f"│ {AMI}"))
    assert "AVAILABLE" in row and "wsi-" in row
    assert f"Notification: byol-import: {AMI} is WorkSpaces image wsi-" in output


@pytest.mark.parametrize("payload", readme_console_inputs(), ids=lambda p: json.dumps(p)[:60])
def test_every_readme_console_input_runs_to_a_workspaces_image(payload):
    # Given a console input the README shows, on an account with BYOL enabled
    assert payload["ImageId"] == AMI
    # When it is started locally, on an AMI of the OS it names
    result = invoke(
        "--local", "start", "--input", json.dumps(payload), "--byol-enabled",
        "--ami-os", _ami_os(payload.get("OsVersion")),
    )  # fmt: skip
    # Then the AMI it names was made, the phases show, and the status table ends AVAILABLE
    assert result.exit_code == 0, result.output
    assert f"made {AMI} (" in result.output
    _assert_imported(result.output)


@pytest.mark.parametrize("value", readme_tag_values())
def test_every_readme_tag_value_imports_through_eventbridge(value):
    # Given a trigger tag value the README shows
    # When the AMI is tagged with it locally (CloudTrail -> EventBridge -> the starter)
    result = invoke(
        "--local", "start", AMI, "--trigger-tag", value, "--byol-enabled",
        "--ami-os", _ami_os(value),
    )  # fmt: skip
    # Then the import runs to a WorkSpaces image
    assert result.exit_code == 0, result.output
    assert f"tagged {AMI} WorkSpacesByolImport={value}" in result.output
    _assert_imported(result.output)


def test_the_readme_shows_console_inputs_and_tag_values():
    # The parametrized tests above cover what the README shows: it must show some of each
    assert len(readme_console_inputs()) >= 3
    assert len(readme_tag_values()) >= 3


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


def test_the_image_builder_demo_prints_one_line_per_progress_step():
    result = invoke("demo", "--scenario", "image-builder")

    assert result.exit_code == 0, result.output
    assert "outcome: AVAILABLE; expected AVAILABLE: as expected" in result.output
    progress = [line for line in result.output.splitlines() if line.endswith("%")]
    assert len(progress) >= 3 and progress[-1].endswith("COMPLETED 100%")
    assert "ImportCustomWorkspaceImage 1" in result.output


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


def test_demo_deliver_prints_the_bundle_and_each_copy():
    # When the deliver scenario runs (a bundle, a copy to a second BYOL Region, a share)
    result = invoke("demo", "--scenario", "deliver", "--quiet")

    # Then the import succeeded and the summary names the bundle and the copy with its Region
    assert result.exit_code == 0, result.output
    assert "outcome: AVAILABLE; expected AVAILABLE: as expected" in result.output
    assert re.search(r"bundle: wsb-[0-9a-z]{8,}", result.output), result.output
    assert re.search(r"copy: eu-central-1 wsi-[0-9a-z]{9,} \(AVAILABLE\)", result.output)
    assert re.search(r"shared with: \d{12}", result.output)


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
