"""The weakened workflow: with one of the product's own checks switched off, a scenario must
fail. If it still passed, the embedded AWS would be kinder than AWS on that rule."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from byol_import.gateways.ec2 import Ec2Gateway
from byol_import.logic import image as image_logic
from local_aws.harness import LocalAws, unattended
from tests.scenarios.test_workflow import (
    EXCLUDED,
    check_cidr_avoids_vpcs_and_exclusions,
    check_refused_amis,
)

pytestmark = pytest.mark.scenario


def _no_ami_checks(
    image: Mapping[str, Any] | None, image_id: str, account_id: str
) -> image_logic.AmiFacts:
    image = image or {}
    return image_logic.AmiFacts(
        image_id,
        str(image.get("Name") or ""),
        str(image.get("Description") or ""),
        windows_11=False,
    )


def test_without_the_ami_checks_the_import_itself_refuses(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given CheckImage accepts any AMI
    monkeypatch.setattr(image_logic, "check_ami", _no_ami_checks)
    monkeypatch.setattr(image_logic, "check_combination", lambda request, facts: None)
    with LocalAws(config=unattended()) as aws:
        # When the encrypted and the oversized AMI are tagged
        # Then the scenario fails: the embedded AWS refused them in its own way
        with pytest.raises(AssertionError):
            check_refused_amis(aws)
        outcomes = {r.error for r in aws.results(history=False)}
        assert outcomes == {"ImageImportRejected", "ImageImportFailed"}
        causes = " ".join(str(r.cause) for r in aws.results(history=False))
        assert "encrypted" in causes and "DiskSizeExceeded" in causes


def test_without_the_vpc_filter_the_cidr_overlaps_a_vpc(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given the workflow no longer reads the account's VPCs
    monkeypatch.setattr(Ec2Gateway, "vpc_cidrs", lambda self: [])
    config = unattended(cidr_constraints=("10.0.0.0/8",), cidr_exclusions=(EXCLUDED,))
    with LocalAws(config=config) as aws:
        # Then the scenario fails: AWS listed and accepted a /16 that overlaps a VPC
        with pytest.raises(AssertionError, match="overlaps"):
            check_cidr_avoids_vpcs_and_exclusions(aws)
        assert (
            aws.client("workspaces").describe_account()["DedicatedTenancyManagementCidrRange"]
            == "10.0.0.0/16"
        )
