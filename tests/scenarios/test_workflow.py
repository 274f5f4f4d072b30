"""The deployed ASL and the real handlers, run end to end on the embedded local AWS."""

from __future__ import annotations

import ipaddress
from collections import Counter

import pytest

from local_aws.harness import ACCOUNT_ID, REGION, LocalAws, unattended
from local_aws.workspaces_byol import Faults, ImportFault, Timings
from tests.scenarios.conftest import (
    assert_no_leftovers,
    assert_reported,
    drawn_import_seconds,
    drawn_modification_seconds,
    image_polls,
    modification_loop_calls,
    modification_polls,
    run_tagged,
    stop_while_running,
    ws_calls,
)

pytestmark = pytest.mark.scenario

STATUS = "byol-import:status"


def test_byol_disabled_is_enabled_then_the_ami_is_imported() -> None:
    with LocalAws(config=unattended()) as aws:
        # Given an account with BYOL disabled and a Windows 11 AMI
        ami = aws.create_windows_ami()
        # When a person tags the AMI
        [result] = run_tagged(aws, [ami])
        # Then the import succeeds with one enablement and one import
        assert result.status == "SUCCEEDED", result.cause
        # CheckAccount (1 call), EnableByol inside the lock (account, modifications, a CIDR,
        # ModifyAccount), then one call per 2-minute poll: the modifications while PENDING,
        # DescribeAccount from COMPLETED through its lag; then the drawn import time.
        assert ws_calls(aws) == Counter(
            {
                "DescribeAccount": 1 + 1,
                "DescribeAccountModifications": 1,
                "ListAvailableManagementCidrRanges": 1,
                "ModifyAccount": 1,
                "ImportWorkspaceImage": 1,
                "DescribeWorkspaceImages": image_polls(aws),
            }
        ) + modification_loop_calls(aws)
        # ... served within AWS's 2 calls per second: EnableByol's burst was throttled, retried
        assert aws.calls.throttled("workspaces")
        account = aws.client("workspaces").describe_account()
        assert account["DedicatedTenancySupport"] == "ENABLED"
        tags = aws.ami_tags(ami)
        image_id = tags["byol-import:workspaces-image-id"]
        assert tags[STATUS] == "AVAILABLE" and image_id.startswith("wsi-")
        [note] = aws.notifications()
        assert image_id in note.subject and "custom bundle" in note.message
        assert aws.lambdas.output.metrics()["ImportsSucceeded"] == 1
        # Each end is noticed within one 2-minute poll (plus the steps' own run time).
        expected = drawn_modification_seconds(aws) + drawn_import_seconds(aws)
        assert expected <= result.virtual_seconds < expected + 2 * 120 + 60
        assert_no_leftovers(aws)


def test_an_enabled_account_is_not_modified() -> None:
    with LocalAws(config=unattended()) as aws:
        aws.enable_byol_directly()
        ami = aws.create_windows_ami()
        [result] = run_tagged(aws, [ami])
        assert result.status == "SUCCEEDED"
        calls = ws_calls(aws)
        assert calls == Counter(
            {
                "DescribeAccount": 1,
                "ImportWorkspaceImage": 1,
                "DescribeWorkspaceImages": image_polls(aws),
            }
        )
        image_id = aws.ami_tags(ami)["byol-import:workspaces-image-id"]
        assert_reported(aws, ami, "AVAILABLE", image_id)


def test_a_console_request_runs_the_same_workflow() -> None:
    with LocalAws(config=unattended()) as aws:
        aws.enable_byol_directly()
        ami = aws.create_windows_ami()
        aws.start_manual(
            {
                "ImageId": ami,
                "ImageName": "gold-win11",
                "Applications": ["Microsoft_Office_2019"],
                "Tags": {"team": "euc"},
            }
        )
        aws.wait_for_executions()
        [result] = aws.results()
        assert result.status == "SUCCEEDED", result.cause
        # Office: drawn from the longer range
        assert drawn_import_seconds(aws) >= 3 * 3600
        assert ws_calls(aws) == Counter(
            {
                "DescribeAccount": 1,
                "ImportWorkspaceImage": 1,
                "DescribeWorkspaceImages": image_polls(aws),
            }
        )
        image = aws.client("workspaces").describe_workspace_images(ImageType="OWNED")["Images"][0]
        assert image["Name"] == "gold-win11" and image["State"] == "AVAILABLE"
        tags = aws.client("workspaces").describe_tags(ResourceId=image["ImageId"])["TagList"]
        assert {"Key": "team", "Value": "euc"} in tags
        assert_reported(aws, ami, "AVAILABLE", image["ImageId"])


def test_a_pending_modification_is_adopted_not_repeated() -> None:
    with LocalAws(config=unattended()) as aws:
        # Given a person already started enabling BYOL in the console
        aws.client("workspaces").modify_account(
            DedicatedTenancySupport="ENABLED", DedicatedTenancyManagementCidrRange="10.50.0.0/16"
        )
        aws.calls.calls.clear()
        ami = aws.create_windows_ami()
        [result] = run_tagged(aws, [ami])
        assert result.status == "SUCCEEDED"
        # adopted inside the lock (EnableByol reads it PENDING), polled, never modified
        assert ws_calls(aws) == Counter(
            {
                "DescribeAccount": 1 + 1,
                "DescribeAccountModifications": 1,
                "ImportWorkspaceImage": 1,
                "DescribeWorkspaceImages": image_polls(aws),
            }
        ) + modification_loop_calls(aws)
        assert "ModifyAccount" not in ws_calls(aws)
        assert_reported(aws, ami, "AVAILABLE", "wsi-")
        assert (
            aws.client("workspaces").describe_account()["DedicatedTenancyManagementCidrRange"]
            == "10.50.0.0/16"
        )


def test_a_failed_modification_fails_with_aws_reason() -> None:
    faults = Faults(modification_failure=("IncompatibleNetwork", "The CIDR overlaps a route"))
    with LocalAws(config=unattended(), faults=faults) as aws:
        ami = aws.create_windows_ami()
        [result] = run_tagged(aws, [ami])
        assert (result.status, result.error) == ("FAILED", "ByolEnablementFailed")
        assert "IncompatibleNetwork: The CIDR overlaps a route" in str(result.cause)
        # FAILED shows at once in the modifications (no DescribeAccount lag applies)
        polls = modification_polls(aws, with_lag=False)
        assert ws_calls(aws) == Counter(
            {
                "DescribeAccount": 1 + 1,
                "DescribeAccountModifications": 1 + polls,
                "ListAvailableManagementCidrRanges": 1,
                "ModifyAccount": 1,
            }
        )
        assert_reported(aws, ami, "FAILED", "IncompatibleNetwork")
        assert aws.lambdas.output.metrics()["ImportsFailed"] == 1
        assert_no_leftovers(aws)


def test_an_account_not_approved_for_byol_stops_with_what_to_do() -> None:
    with LocalAws(config=unattended(), faults=Faults(not_eligible=True)) as aws:
        ami = aws.create_windows_ami()
        [result] = run_tagged(aws, [ami])
        assert (result.status, result.error) == ("FAILED", "ByolNotEligible")
        assert "ask AWS" in str(result.cause)
        assert ws_calls(aws) == Counter(
            {
                "DescribeAccount": 2,
                "DescribeAccountModifications": 1,
                "ListAvailableManagementCidrRanges": 1,
            }
        )
        assert_reported(aws, ami, "FAILED", "ByolNotEligible")
        assert_no_leftovers(aws)


def test_no_free_management_cidr_is_terminal() -> None:
    config = unattended(cidr_constraints=("192.168.0.0/16",))
    with LocalAws(config=config) as aws:
        aws.create_vpc("192.168.0.0/16")
        ami = aws.create_windows_ami()
        [result] = run_tagged(aws, [ami])
        assert (result.status, result.error) == ("FAILED", "NoFreeManagementCidr")
        assert "192.168.0.0/16" in str(result.cause)
        assert ws_calls(aws) == Counter(
            {
                "DescribeAccount": 2,
                "DescribeAccountModifications": 1,
                "ListAvailableManagementCidrRanges": 1,
            }
        )
        assert_reported(aws, ami, "FAILED", "NoFreeManagementCidr")
        assert_no_leftovers(aws)


def test_an_import_error_is_reported_and_our_image_removed() -> None:
    fault = ImportFault(
        "ImportFailed", "BYOL validation failed", ("AppXPackagesInstalled", "ZeroRearmCount")
    )
    with LocalAws(config=unattended(), faults=Faults(import_errors={"*": fault})) as aws:
        aws.enable_byol_directly()
        ami = aws.create_windows_ami()
        [result] = run_tagged(aws, [ami])
        assert (result.status, result.error) == ("FAILED", "ImageImportFailed")
        assert "AppXPackagesInstalled, ZeroRearmCount" in str(result.cause)
        assert ws_calls(aws) == Counter(
            {
                "DescribeAccount": 1,
                "ImportWorkspaceImage": 1,
                "DescribeWorkspaceImages": image_polls(aws),
                "DescribeTags": 1,
                "DeleteWorkspaceImage": 1,
            }
        )
        assert aws.client("workspaces").describe_workspace_images(ImageType="OWNED")["Images"] == []
        assert_reported(aws, ami, "FAILED", "AppXPackagesInstalled")


def test_a_failing_cleanup_does_not_hide_the_import_error() -> None:
    faults = Faults(import_errors={"*": ImportFault()}, delete_error="ResourceAssociatedException")
    with LocalAws(config=unattended(), faults=faults) as aws:
        aws.enable_byol_directly()
        ami = aws.create_windows_ami()
        [result] = run_tagged(aws, [ami])
        assert (result.status, result.error) == ("FAILED", "ImageImportFailed")
        assert "cleanup of image" in str(result.cause)
        assert "ResourceAssociatedException" in str(result.cause)
        assert ws_calls(aws) == Counter(
            {
                "DescribeAccount": 1,
                "ImportWorkspaceImage": 1,
                "DescribeWorkspaceImages": image_polls(aws),
                "DescribeTags": 1,
                "DeleteWorkspaceImage": 1,
            }
        )
        assert_reported(aws, ami, "FAILED", "ImageImportFailed")


def test_the_image_poll_deadline_ends_the_loop() -> None:
    # A 2-hour deadline (the least allowed): the same loop as the default's, with fewer polls
    config = unattended(image_deadline_hours=2)
    with LocalAws(config=config, timings=Timings(import_seconds=30 * 3600)) as aws:
        aws.enable_byol_directly()
        ami = aws.create_windows_ami()
        [result] = run_tagged(aws, [ami])
        assert (result.status, result.error) == ("FAILED", "ImageImportTimedOut")
        assert ws_calls(aws) == Counter(
            {
                "DescribeAccount": 1,
                "ImportWorkspaceImage": 1,
                "DescribeWorkspaceImages": config.image_max_polls,
            }
        )
        assert result.virtual_seconds <= config.image_deadline_hours * 3600 + 600
        assert_reported(aws, ami, "FAILED", "ImageImportTimedOut")


def test_the_modification_deadline_ends_the_loop() -> None:
    # A 1-hour deadline (the least allowed): the same loop as the default's, with fewer polls
    config = unattended(modification_deadline_hours=1)
    with LocalAws(config=config, timings=Timings(modification_seconds=48 * 3600)) as aws:
        ami = aws.create_windows_ami()
        [result] = run_tagged(aws, [ami])
        assert (result.status, result.error) == ("FAILED", "ByolEnablementTimedOut")
        polls = config.modification_max_polls
        assert ws_calls(aws) == Counter(
            {
                "DescribeAccount": 2,
                "DescribeAccountModifications": 1 + polls,
                "ListAvailableManagementCidrRanges": 1,
                "ModifyAccount": 1,
            }
        )
        assert_reported(aws, ami, "FAILED", "ByolEnablementTimedOut")
        assert_no_leftovers(aws)


def test_bad_console_input_fails_first_and_changes_nothing() -> None:
    with LocalAws(config=unattended()) as aws:
        ami = aws.create_windows_ami()
        aws.calls.calls.clear()
        aws.start_manual({"ImageId": ami, "ImageName": "has spaces"})
        aws.wait_for_executions()
        [result] = aws.results()
        assert (result.status, result.error) == ("FAILED", "InvalidRequest")
        assert "ImageName" in str(result.cause)
        assert result.states[:2] == ["Start", "ValidateRequest"]
        assert ws_calls(aws) == Counter()
        assert "ec2:CreateTags" not in aws.calls.count()
        assert STATUS not in aws.ami_tags(ami)
        [note] = aws.notifications()
        assert "InvalidRequest" in note.subject and "ImageName" in note.message


def test_the_same_event_delivered_twice_starts_one_import() -> None:
    with LocalAws(config=unattended()) as aws:
        aws.enable_byol_directly()
        ami = aws.create_windows_ami()
        aws.tag_ami([ami], value="BYOL_REGULAR_WSP")
        first = aws.deliver_events()
        # EventBridge delivers at least once: the same event again
        aws.put_event("AWS API Call via CloudTrail", first[0]["Event"]["detail"])
        second = aws.deliver_events()
        aws.wait_for_executions()
        # ... and once more after the import finished
        aws.put_event("AWS API Call via CloudTrail", first[0]["Event"]["detail"])
        third = aws.deliver_events()
        aws.wait_for_executions()
        [started] = first[0]["Result"]["Started"]
        # While running, StartExecution with the same name and input returns the same execution
        # (Step Functions' idempotency); once it ended, ExecutionAlreadyExists.
        assert second[0]["Result"]["Started"] + second[0]["Result"]["AlreadyStarted"] == [started]
        assert third[0]["Result"]["AlreadyStarted"] == [started]
        assert len(aws.results()) == 1
        assert ws_calls(aws)["ImportWorkspaceImage"] == 1
        assert len(aws.notifications()) == 1


def test_our_status_tags_start_nothing() -> None:
    with LocalAws(config=unattended()) as aws:
        aws.enable_byol_directly()
        ami = aws.create_windows_ami()
        run_tagged(aws, [ami])
        # The report wrote status tags: a CreateTags event for them matches no rule
        aws.tag_ami([ami], key="byol-import:status", value="AVAILABLE")
        assert aws.deliver_events() == []
        assert len(aws.results()) == 1


def test_an_ami_tagged_at_creation_starts_on_its_state_change() -> None:
    with LocalAws(config=unattended()) as aws:
        aws.enable_byol_directly()
        ami = aws.create_windows_ami()
        # Tags given at creation travel in CreateImage's tagSpecificationSet: no CreateTags call
        from moto.ec2.models import ec2_backends

        ec2_backends[ACCOUNT_ID][REGION].create_tags([ami], {aws.config.trigger_tag_key: ""})
        aws.put_event(
            "EC2 AMI State Change",
            {"ImageId": ami, "State": "available", "RequestId": "r", "ErrorMessage": ""},
        )
        [delivery] = aws.deliver_events()
        assert len(delivery["Result"]["Started"]) == 1
        aws.wait_for_executions()
        assert aws.results()[0].status == "SUCCEEDED"


def test_an_execution_stopped_mid_task_ends_aborted_and_is_reported() -> None:
    with LocalAws(config=unattended()) as aws:
        # Given an import whose EnableByol task is running when a person stops the execution
        ami = aws.create_windows_ami()
        # When it is stopped, and the task it was running finishes afterwards
        arn = stop_while_running(aws, "EnableByol", ami)
        # Then it stays ABORTED, as in AWS; the janitor reports it and frees the lock
        result = aws.result(arn, history=False)
        assert result.status == "ABORTED", (result.error, result.cause)
        assert aws.ami_tags(ami)["byol-import:status"] == "ABORTED"
        assert len([n for n in aws.notifications() if ami in n.subject]) == 1
        assert aws.lock_holder() is None


# Scenarios the weakened-workflow tests (test_weakened.py) run again with a product check off:
# each must then fail, which shows the embedded AWS enforces the rule on its own.


def check_refused_amis(aws: LocalAws) -> None:
    """An encrypted AMI and one over 70 GB are refused in CheckImage: nothing is imported."""
    aws.enable_byol_directly()
    encrypted = aws.create_windows_ami(name="encrypted", encrypted=True)
    oversized = aws.create_windows_ami(name="oversized", volume_size=90)
    results = {r.input["ImageId"]: r for r in run_tagged(aws, [encrypted, oversized])}
    assert (results[encrypted].status, results[encrypted].error) == ("FAILED", "ImageEncrypted")
    assert (results[oversized].status, results[oversized].error) == (
        "FAILED",
        "ImageVolumeUnsupported",
    )
    assert ws_calls(aws)["ImportWorkspaceImage"] == 0


def test_amis_byol_refuses_are_stopped_before_any_import() -> None:
    with LocalAws(config=unattended()) as aws:
        check_refused_amis(aws)


VPC_CIDRS = ("10.0.0.0/16", "10.1.0.0/16", "10.2.128.0/17")
EXCLUDED = "10.3.0.0/20"


def check_cidr_avoids_vpcs_and_exclusions(aws: LocalAws) -> str:
    """The chosen /16 overlaps no VPC and no excluded range, though AWS lists them all."""
    for cidr in VPC_CIDRS:
        aws.create_vpc(cidr)
    [result] = run_tagged(aws, [aws.create_windows_ami()])
    assert result.status == "SUCCEEDED", result.cause
    chosen = ipaddress.IPv4Network(
        aws.client("workspaces").describe_account()["DedicatedTenancyManagementCidrRange"]
    )
    blocked = [ipaddress.IPv4Network(c) for c in (*VPC_CIDRS, EXCLUDED)]
    assert not any(chosen.overlaps(b) for b in blocked), f"{chosen} overlaps {blocked}"
    return str(chosen)


def test_the_management_cidr_avoids_vpcs_and_exclusions() -> None:
    config = unattended(cidr_constraints=("10.0.0.0/8",), cidr_exclusions=(EXCLUDED,))
    with LocalAws(config=config) as aws:
        listed = aws.client("workspaces").list_available_management_cidr_ranges(
            ManagementCidrRangeConstraint="10.0.0.0/8"
        )["ManagementCidrRanges"]
        assert listed[0] == "10.0.0.0/16"  # AWS does not hide VPC ranges: our job
        assert check_cidr_avoids_vpcs_and_exclusions(aws) == "10.4.0.0/16"


def test_windows_11_declared_windows_10_with_pcoip_ends_in_error() -> None:
    """An explicit OsVersion wins where EC2 says nothing (an AMI without BootMode); when it is
    wrong, the import finds what CheckImage could not (the OS itself is not in DescribeImages)."""
    with LocalAws(config=unattended()) as aws:
        aws.enable_byol_directly()
        ami = aws.create_windows_ami(name="gold", description="gold image")
        from moto.ec2.models import ec2_backends

        from local_aws.harness import ACCOUNT_ID, REGION

        ec2_backends[ACCOUNT_ID][REGION].amis[ami].boot_mode = None  # type: ignore[assignment]
        [result] = run_tagged(
            aws, [ami], value="OsVersion=Windows_10,IngestionProcess=BYOL_REGULAR"
        )
        assert (result.status, result.error) == ("FAILED", "ImageImportFailed")
        assert "ProtocolOSIncompatibility" in str(result.cause)
        assert_reported(aws, ami, "FAILED", "ProtocolOSIncompatibility")


def test_a_lost_import_answer_is_adopted_once_the_image_is_listed() -> None:
    # Given ImportWorkspaceImage's answer is lost and the new image is listed only a minute later
    faults = Faults(lost_response={"ImportWorkspaceImage": 1})
    with LocalAws(config=unattended(), faults=faults) as aws:
        assert aws.timings.image_visibility_lag_seconds > 0
        aws.enable_byol_directly()
        ami = aws.create_windows_ami()
        # When the import runs
        [result] = run_tagged(aws, [ami])
        # Then the retry waits until the image is listed and adopts it: one image, no failure
        assert result.status == "SUCCEEDED", result.cause
        assert aws.world.account("123456789012", "eu-west-1").imports_accepted == 1
        assert ws_calls(aws)["ImportWorkspaceImage"] >= 2
