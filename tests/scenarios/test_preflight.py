"""Pre-flight decides on what EC2 reports about the AMI and on OsVersion, never on its name."""

from __future__ import annotations

import pytest

from local_aws.harness import LocalAws, unattended
from tests.scenarios.conftest import assert_no_leftovers, assert_reported, run_tagged, ws_calls

pytestmark = pytest.mark.scenario


def test_a_windows_11_ami_named_otherwise_is_refused_pcoip_before_any_import() -> None:
    with LocalAws(config=unattended()) as aws:
        # Given a Windows 11 AMI (UEFI, as EC2 reports) whose name says nothing of Windows 11
        aws.enable_byol_directly()
        ami = aws.create_windows_ami(name="gold-2026-11", description="gold image")
        # When it is tagged for PCoIP
        [result] = run_tagged(aws, [ami], value="BYOL_REGULAR")
        # Then CheckImage refuses it, naming what EC2 reported and the field to change
        assert (result.status, result.error) == ("FAILED", "UnsupportedCombination")
        assert "BootMode uefi" in str(result.cause)
        assert "IngestionProcess" in str(result.cause) and "BYOL_REGULAR_WSP" in str(result.cause)
        assert "CheckImage" in result.states and "ImportImage" not in result.states
        # And WorkSpaces was never asked to import
        assert ws_calls(aws)["ImportWorkspaceImage"] == 0
        assert_reported(aws, ami, "FAILED", "UnsupportedCombination")
        assert_no_leftovers(aws)


def test_a_license_included_windows_server_ami_is_refused_before_any_import() -> None:
    with LocalAws(config=unattended()) as aws:
        # Given an AWS license-included Windows Server AMI
        aws.enable_byol_directly()
        ami = aws.create_windows_ami(
            name="Windows_Server-2022-English-Full-Base",
            os="windows-server-2022",
            license_included=True,
        )
        # When it is tagged for import
        [result] = run_tagged(aws, [ami])
        # Then CheckImage refuses it with the billing fields EC2 reported
        assert (result.status, result.error) == ("FAILED", "ImageNotWindows")
        assert "PlatformDetails 'Windows'" in str(result.cause)
        assert "RunInstances:0002" in str(result.cause)
        assert ws_calls(aws)["ImportWorkspaceImage"] == 0
        assert_reported(aws, ami, "FAILED", "license-included")


def test_os_version_windows_10_with_pcoip_on_a_legacy_bios_ami_imports() -> None:
    with LocalAws(config=unattended()) as aws:
        # Given a Windows 10 AMI on legacy BIOS, and a tag that says so and asks for PCoIP
        aws.enable_byol_directly()
        ami = aws.create_windows_ami(name="gold-2026-11", os="windows-10", boot_mode="legacy-bios")
        # When it is tagged
        [result] = run_tagged(
            aws, [ami], value="OsVersion=Windows_10,IngestionProcess=BYOL_REGULAR"
        )
        # Then it imports with PCoIP
        assert result.status == "SUCCEEDED", result.cause
        assert ws_calls(aws)["ImportWorkspaceImage"] == 1
        assert_reported(aws, ami, "AVAILABLE", "")
        assert_no_leftovers(aws)


def test_a_wrong_tag_value_is_refused_naming_the_tag_key() -> None:
    with LocalAws(config=unattended()) as aws:
        # Given an AMI tagged with a value whose case is wrong
        aws.enable_byol_directly()
        ami = aws.create_windows_ami()
        [result] = run_tagged(aws, [ami], value="byol_regular_wsp")
        # Then the first state refuses it, naming the tag key and the value meant
        assert (result.status, result.error) == ("FAILED", "InvalidRequest")
        key = aws.config.trigger_tag_key
        assert f"trigger tag {key} value" in str(result.cause)
        assert "did you mean 'BYOL_REGULAR_WSP'?" in str(result.cause)
        assert ws_calls(aws)["ImportWorkspaceImage"] == 0
