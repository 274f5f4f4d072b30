"""Each workflow step's decisions, with in-memory gateways."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from byol_import import errors, steps
from byol_import.settings import RuntimeConfig
from byol_import.state import WorkflowState
from byol_import.steps.report import Outcome, plan_report
from tests.unit.fakes import (
    FakeEc2,
    FakeLock,
    FakeMetrics,
    FakeNotifier,
    FakeStarter,
    FakeWorkSpaces,
)

AMI = "ami-0abcdef1234567890"
EXEC = "arn:aws:states:eu-west-1:123456789012:execution:sm:ami-0abcdef1234567890-1234abcd"
CONFIG = RuntimeConfig(
    trigger_tag_key="WorkSpacesByolImport",
    default_ingestion_process="BYOL_REGULAR_WSP",
    cidr_constraints=("10.0.0.0/8", "172.16.0.0/12"),
    cidr_exclusions=("10.1.0.0/16",),
    cleanup_failed_images=True,
    topic_arn="arn:topic",
    lock_table="locks",
    lock_lease_seconds=3600,
    state_machine_arn="arn:sm",
    byol_enablement="auto",
)
LIMITS = {
    "LockRetryIntervalSeconds": 120,
    "ApprovalTimeoutSeconds": 86400,
    "ImageFirstPollDelaySeconds": 5400,
    "ImagePollIntervalSeconds": 110,
}


def raw_state(**parts: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "Input": {"ImageId": AMI},
        "Context": {"ExecutionId": EXEC, "StartedAt": "2026-11-25T00:00:00Z"},
        "Request": {"image_id": AMI, "ingestion_process": "BYOL_REGULAR_WSP"},
        "Ami": {"import_name": f"win11-{AMI}", "import_description": "Windows 11"},
        "Limits": LIMITS,
    }
    base.update(parts)
    return base


def state(**parts: Any) -> WorkflowState:
    return WorkflowState.parse(raw_state(**parts))


def ws_(**kw: Any) -> FakeWorkSpaces:
    return FakeWorkSpaces(**kw)


def test_a_bad_tag_value_names_the_deployments_own_trigger_tag_key() -> None:
    # Given a deployment whose trigger tag key is not the default
    config = dataclasses.replace(CONFIG, trigger_tag_key="GoldImageToWorkSpaces")
    # When a tag value in the wrong case starts an import
    raw = {"ImageId": AMI, "Trigger": {"Source": "CreateTags", "TagValue": "byol_regular_wsp"}}
    with pytest.raises(errors.InvalidRequest) as caught:
        steps.validate_request(state(Input=raw), config)
    # Then the error names that key, the one the person must change
    assert "GoldImageToWorkSpaces" in caught.value.message


def test_enabled_account_goes_straight_to_import() -> None:
    ws = ws_(
        account={
            "DedicatedTenancySupport": "ENABLED",
            "DedicatedTenancyManagementCidrRange": "10.9.0.0/16",
        }
    )
    assert steps.check_account(ws) == {"status": "ENABLED", "management_cidr": "10.9.0.0/16"}
    assert ws.calls == ["DescribeAccount"]


def test_check_account_makes_one_call_and_leaves_pending_changes_to_the_lock_holder() -> None:
    # Given a DISABLED account with a PENDING modification
    ws = ws_(
        modifications=[
            {
                "ModificationState": "PENDING",
                "DedicatedTenancyManagementCidrRange": "10.3.0.0/16",
                "StartTime": datetime(2026, 11, 1, tzinfo=UTC),
            }
        ]
    )
    # When the account is checked, Then one DescribeAccount says not ENABLED: go to the lock
    assert steps.check_account(ws)["status"] == "DISABLED"
    assert ws.calls == ["DescribeAccount"]


def test_enable_picks_the_first_range_clear_of_exclusions_and_vpcs() -> None:
    # Given 10.0/16 used by a VPC and 10.1/16 excluded by configuration
    ws = ws_(cidrs={"10.0.0.0/8": ["10.0.0.0/16", "10.1.0.0/16", "10.2.0.0/16"]})
    ec2 = FakeEc2(vpcs=["10.0.0.0/16"])
    # When BYOL is enabled
    result = steps.enable_byol(ws, ec2, CONFIG)
    # Then 10.2/16 is chosen and ModifyAccount is called once with it
    assert (result["status"], result["management_cidr"], result["modified"]) == (
        "PENDING",
        "10.2.0.0/16",
        True,
    )
    assert (result["vpc_cidrs"], result["decision"]) == (["10.0.0.0/16"], "byolEnablement auto")
    assert [c for c in ws.calls if c.startswith("Modify")] == ["ModifyAccount 10.2.0.0/16"]


def test_enable_adopts_a_modification_started_meanwhile() -> None:
    # Given ModifyAccount answers InvalidResourceState: a person started one after our re-check
    ws = ws_(cidrs={"10.0.0.0/8": ["10.2.0.0/16"]})
    pending = {
        "ModificationState": "PENDING",
        "DedicatedTenancyManagementCidrRange": "10.50.0.0/16",
        "StartTime": datetime(2026, 11, 1, tzinfo=UTC),
    }

    def refused(cidr: str) -> bool:
        ws.modifications.append(pending)
        return False

    ws.on_modify = refused
    # When BYOL is enabled, Then their modification is followed, not ours
    result = steps.enable_byol(ws, FakeEc2(), CONFIG)
    assert (result["status"], result["management_cidr"], result["modified"]) == (
        "PENDING",
        "10.50.0.0/16",
        False,
    )


def test_a_refused_modify_with_nothing_visible_yet_is_retried() -> None:
    ws = ws_(cidrs={"10.0.0.0/8": ["10.2.0.0/16"]})
    ws.on_modify = lambda cidr: False
    with pytest.raises(errors.TransientAwsError, match="runs again"):
        steps.enable_byol(ws, FakeEc2(), CONFIG)


def test_enable_tries_the_next_constraint_range() -> None:
    ws = ws_(cidrs={"10.0.0.0/8": ["10.1.0.0/16"], "172.16.0.0/12": ["172.20.0.0/16"]})
    assert steps.enable_byol(ws, FakeEc2(), CONFIG)["management_cidr"] == "172.20.0.0/16"


def test_enable_inside_the_lock_adopts_a_change_made_meanwhile() -> None:
    ws = ws_(
        modifications=[
            {"ModificationState": "PENDING", "DedicatedTenancyManagementCidrRange": "10.3.0.0/16"}
        ]
    )
    result = steps.enable_byol(ws, FakeEc2(), CONFIG)
    assert result["modified"] is False and result["status"] == "PENDING"
    assert not any(c.startswith("Modify") for c in ws.calls)


def test_no_free_range_is_terminal_and_says_what_to_do() -> None:
    ws = ws_(cidrs={"10.0.0.0/8": ["10.1.0.0/16"]})
    with pytest.raises(errors.NoFreeManagementCidr, match="cidrConstraints"):
        steps.enable_byol(ws, FakeEc2(), CONFIG)


def test_poll_modification_makes_one_call_per_poll() -> None:
    # Given a modification still PENDING, When polled, Then only the modifications are read
    ws = ws_(
        modifications=[
            {"ModificationState": "PENDING", "DedicatedTenancyManagementCidrRange": "10.3.0.0/16"}
        ]
    )
    first = steps.poll_modification(WorkflowState.parse({}), ws)
    assert (first["state"], first["count"], ws.calls) == (
        "PENDING",
        1,
        ["DescribeAccountModifications"],
    )
    # Given it COMPLETED but DescribeAccount still says DISABLED (its lag)
    ws.modifications[0]["ModificationState"] = "COMPLETED"
    second = steps.poll_modification(WorkflowState.parse({"Modification": first}), ws)
    assert (second["state"], second["count"], second["cidr"]) == ("SETTLING", 2, "10.3.0.0/16")
    # Then the next polls read DescribeAccount alone, until it says ENABLED
    ws.calls.clear()
    ws.account = {
        "DedicatedTenancySupport": "ENABLED",
        "DedicatedTenancyManagementCidrRange": "10.3.0.0/16",
    }
    third = steps.poll_modification(WorkflowState.parse({"Modification": second}), ws)
    assert (third["state"], third["count"], ws.calls) == ("COMPLETED", 3, ["DescribeAccount"])


def test_poll_modification_failed_and_not_listed_yet() -> None:
    assert steps.poll_modification(WorkflowState.parse({}), ws_())["state"] == "PENDING"
    with pytest.raises(errors.ByolEnablementFailed, match="IncompatibleNetwork: overlap"):
        steps.poll_modification(
            WorkflowState.parse({}),
            ws_(
                modifications=[
                    {
                        "ModificationState": "FAILED",
                        "ErrorCode": "IncompatibleNetwork",
                        "ErrorMessage": "overlap",
                    }
                ]
            ),
        )


def test_check_lock_counts_and_frees_an_expired_lease() -> None:
    # Given another execution holds the lock
    lock = FakeLock(holder="arn:holder")
    state = WorkflowState.parse(
        {"Lock": {"acquired": False, "holder": "arn:holder", "count": 2}, "Limits": LIMITS}
    )
    # When a waiter looks, Then HELD and its wait counted
    assert steps.check_lock(state, lock) == {
        "acquired": False,
        "state": "HELD",
        "holder": "arn:holder",
        "count": 3,
        "wait_seconds": 120,
        "awaiting_approval": False,
    }
    # Given the holder waits for a person's approval, Then the looks are rarer
    lock.approval = {"ApprovalToken": "token"}
    waiting = steps.check_lock(state, lock)
    assert (waiting["count"], waiting["wait_seconds"], waiting["awaiting_approval"]) == (
        3,
        7200,
        True,
    )
    lock.approval = {}
    # Given the holder died and its lease ran out, Then FREE (the account is read again)
    lock.expires_at = 0
    assert steps.check_lock(state, lock)["state"] == "FREE"
    # Given it was released, Then FREE
    assert steps.check_lock(state, FakeLock())["state"] == "FREE"


def test_import_tags_the_image_as_ours() -> None:
    ws = ws_(account={"DedicatedTenancySupport": "ENABLED"})
    result = steps.import_image(state(), ws)
    assert result["adopted"] is False
    assert {"Key": "byol-import:source-ami", "Value": AMI} in ws.tags[result["image_id"]]


def test_a_retried_import_adopts_our_own_image() -> None:
    # Given the first attempt's ImportWorkspaceImage succeeded before the task failed
    ws = ws_()
    first = steps.import_image(state(), ws)
    ws.import_error = errors.ImageNameTaken("taken")
    # When the task is retried
    again = steps.import_image(state(), ws)
    # Then the same image is adopted, not imported twice
    assert again == {**first, "adopted": True}


def test_a_retry_that_adopts_a_settled_image_polls_at_once() -> None:
    # Given our image from a first attempt, AVAILABLE by the time the task is retried
    ws = ws_()
    first = steps.import_image(state(), ws)
    assert first["first_poll_seconds"] == LIMITS["ImageFirstPollDelaySeconds"]
    ws.images[first["image_id"]]["State"] = "AVAILABLE"
    ws.import_error = errors.ImageNameTaken("taken")
    # When it is adopted, Then there is nothing to wait for: no 90-minute first wait
    again = steps.import_image(state(), ws)
    assert (again["adopted"], again["first_poll_seconds"]) == (True, 0)
    assert "settled" not in again


def test_a_name_taken_by_someone_else_fails_clearly() -> None:
    ws = ws_(import_error=errors.ImageNameTaken("taken"))
    ws.images["wsi-999999999"] = {"ImageId": "wsi-999999999", "Name": f"win11-{AMI}"}
    with pytest.raises(errors.ImageNameTaken, match="did not import"):
        steps.import_image(state(), ws)


def test_an_image_deleted_while_we_look_at_it_frees_the_name_for_a_retry() -> None:
    ws = ws_(import_error=errors.ImageNameTaken("taken"))
    ws.images["wsi-999999999"] = {"ImageId": "wsi-999999999", "Name": f"win11-{AMI}"}
    ws.tags_gone = True  # DescribeTags: ResourceNotFound
    with pytest.raises(errors.TransientAwsError, match="name is free again"):
        steps.import_image(state(), ws)


def test_cleanup_denied_keeps_the_import_error_and_says_so() -> None:
    ws = ws_(delete_error=errors.AccessDenied("DeleteWorkspaceImage was denied: needs it"))
    image = steps.import_image(state(), ws)["image_id"]
    out = steps.cleanup_image(
        state(Import={"image_id": image}, Poll={"reason": "ERROR X"}), ws, CONFIG
    )
    assert out["Error"] == "ImageImportFailed" and out["Cause"].startswith("ERROR X")
    assert "was denied, so the image was kept" in out["cleanup"]


def test_a_taken_name_with_no_image_listed_yet_is_retried_not_failed() -> None:
    # Given the first attempt's image is not listed yet (eventual consistency)
    ws = ws_(import_error=errors.ImageNameTaken("taken"))
    # When the retried import finds the name taken but no image of that name
    # Then it asks the workflow to retry later instead of failing the import
    with pytest.raises(errors.ImageNotListedYet, match="no image of that name is listed yet"):
        steps.import_image(state(), ws)


def test_an_image_not_listed_yet_is_polled_again_until_seen() -> None:
    # Given an import whose image DescribeWorkspaceImages does not show yet
    ws = ws_()
    st = state(Import={"image_id": "wsi-000000042"})
    # When it is polled before it ever appeared
    first = steps.poll_image(st, ws)
    # Then it is PENDING (the bounded loop polls again), not a failure
    assert (first["state"], first["seen"]) == ("PENDING", False)
    # ... and once seen, it is followed as usual
    ws.images["wsi-000000042"] = {"ImageId": "wsi-000000042", "State": "PENDING"}
    second = steps.poll_image(state(Import={"image_id": "wsi-000000042"}, Poll=first), ws)
    assert (second["state"], second["seen"]) == ("PENDING", True)
    # ... and vanishing after that is a deletion
    del ws.images["wsi-000000042"]
    with pytest.raises(errors.ImageImportFailed, match="disappeared"):
        steps.poll_image(state(Import={"image_id": "wsi-000000042"}, Poll=second), ws)


def test_cleanup_deletes_our_failed_image_and_keeps_the_error() -> None:
    ws = ws_()
    image = steps.import_image(state(), ws)["image_id"]
    out = steps.cleanup_image(
        state(Import={"image_id": image}, Poll={"reason": "ERROR: AppXPackagesInstalled"}),
        ws,
        CONFIG,
    )
    assert out["Error"] == "ImageImportFailed"
    assert "AppXPackagesInstalled" in out["Cause"] and "deleted" in out["Cause"]


def test_a_failing_cleanup_never_hides_the_import_error() -> None:
    ws = ws_(delete_error=errors.WorkSpacesError("ResourceAssociated: bundle uses it"))
    image = steps.import_image(state(), ws)["image_id"]
    out = steps.cleanup_image(
        state(Import={"image_id": image}, Poll={"reason": "ERROR X"}), ws, CONFIG
    )
    assert out["Error"] == "ImageImportFailed"
    assert out["Cause"].startswith("ERROR X") and "cleanup of image" in out["Cause"]


def test_cleanup_off_keeps_our_failed_image_and_says_so() -> None:
    ws = ws_()
    image = steps.import_image(state(), ws)["image_id"]
    config = dataclasses.replace(CONFIG, cleanup_failed_images=False)
    out = steps.cleanup_image(state(Import={"image_id": image}, Poll={}), ws, config)
    assert f"image {image} kept (cleanup is off)" in out["Cause"]
    assert image in ws.images and not any(c.startswith("Delete") for c in ws.calls)


def test_cleanup_of_an_image_already_gone_notes_it_and_keeps_the_error() -> None:
    ws = ws_(tags_gone=True)
    out = steps.cleanup_image(
        state(Import={"image_id": "wsi-123456789"}, Poll={"reason": "ERROR X"}), ws, CONFIG
    )
    assert out["Error"] == "ImageImportFailed"
    assert out["Cause"].startswith("ERROR X") and "no longer exists" in out["Cause"]


def test_a_throttled_delete_is_raised_for_the_states_retry() -> None:
    ws = ws_(delete_error=errors.TransientAwsError("throttled"))
    image = steps.import_image(state(), ws)["image_id"]
    with pytest.raises(errors.TransientAwsError):
        steps.cleanup_image(state(Import={"image_id": image}, Poll={}), ws, CONFIG)
    assert image in ws.images


def test_cleanup_leaves_images_that_are_not_ours() -> None:
    ws = ws_()
    ws.images["wsi-999999999"] = {"ImageId": "wsi-999999999", "Name": "theirs"}
    out = steps.cleanup_image(state(Import={"image_id": "wsi-999999999"}, Poll={}), ws, CONFIG)
    assert "not created by byol-import" in out["Cause"]
    assert "wsi-999999999" in ws.images


def report(
    st: dict[str, Any], lock: FakeLock | None = None
) -> tuple[dict[str, Any], FakeEc2, FakeNotifier, FakeMetrics]:
    ec2, notifier, metrics = FakeEc2(), FakeNotifier(), FakeMetrics()
    out = steps.report(WorkflowState.parse(st), ec2, notifier, lock or FakeLock(), metrics)
    return out, ec2, notifier, metrics


def test_success_is_tagged_notified_and_counted() -> None:
    out, ec2, notifier, metrics = report(raw_state(Import={"image_id": "wsi-123456789"}))
    assert out["Outcome"] == "SUCCEEDED"
    assert ec2.tagged[AMI]["byol-import:status"] == "AVAILABLE"
    assert ec2.tagged[AMI]["byol-import:workspaces-image-id"] == "wsi-123456789"
    assert len(notifier.messages) == 1 and "wsi-123456789" in notifier.messages[0][0]
    assert metrics.values["ImportsSucceeded"] == 1 and "ImportDuration" in metrics.values


def test_failure_reads_the_lambda_error_message_and_frees_the_lock() -> None:
    cause = json.dumps({"errorType": "ByolNotEligible", "errorMessage": "Ask AWS to approve"})
    lock = FakeLock(holder=EXEC)
    out, ec2, notifier, metrics = report(
        raw_state(Error={"Error": "ByolNotEligible", "Cause": cause}), lock
    )
    assert out["Cause"] == "Ask AWS to approve"
    assert ec2.tagged[AMI]["byol-import:status"] == "FAILED"
    assert ec2.tagged[AMI]["byol-import:error"].startswith("ByolNotEligible: Ask AWS")
    assert lock.holder is None and metrics.values["ImportsFailed"] == 1
    assert "FAILED" in notifier.messages[0][0]


def test_bad_console_input_changes_no_resource() -> None:
    st = {
        "Input": {"ImageId": AMI, "ImageName": "bad name"},
        "Context": {"ExecutionId": EXEC},
        "Error": {"Error": "InvalidRequest", "Cause": "ImageName: must be"},
    }
    _, ec2, notifier, _ = report(st)
    assert ec2.tagged == {} and len(notifier.messages) == 1


def test_a_tagged_ami_with_a_bad_tag_value_still_gets_a_status() -> None:
    st = {
        "Input": {"ImageId": AMI, "Trigger": {"Source": "CreateTags", "TagValue": "fast"}},
        "Context": {"ExecutionId": EXEC},
        "Error": {"Error": "InvalidRequest", "Cause": "trigger tag value: must be one of"},
    }
    _, ec2, _, _ = report(st)
    assert ec2.tagged[AMI]["byol-import:status"] == "FAILED"


def test_a_tagging_failure_does_not_stop_the_notification() -> None:
    ec2 = FakeEc2(tag_error=errors.WorkSpacesError("InvalidAMIID.NotFound"))
    notifier = FakeNotifier()
    out = steps.report(
        state(Error={"Error": "X", "Cause": "y"}), ec2, notifier, FakeLock(), FakeMetrics()
    )
    assert len(notifier.messages) == 1 and "could not tag" in out["Notes"][0]


def test_a_failure_after_part_of_the_delivery_records_and_says_what_was_delivered() -> None:
    # Given an import that enabled BYOL (approved), created a bundle, shared, then a copy failed
    delivery = {
        "bundle": {"id": "wsb-00000042", "name": "gold", "action": "created"},
        "shares": [{"account": "111122223333", "shared": True, "reason": None}],
        "copies": [{"region": "us-east-1", "image_id": "wsi-000000777", "state": "ERROR"}],
    }
    account = {
        "status": "ENABLED",
        "management_cidr": "10.2.0.0/16",
        "modified": True,
        "decision": "approved by arn:ops",
    }
    st = raw_state(
        Import={"image_id": "wsi-123456789"},
        Account=account,
        Delivery=delivery,
        Error={"Error": "DeliveryFailed", "Cause": "The copy wsi-000000777 ended in ERROR"},
    )
    # When Report runs
    _, ec2, notifier, _ = report(st)
    # Then the AMI records the bundle, share and copy (`byol-import retire` reads them)
    tags = ec2.tagged[AMI]
    assert tags["byol-import:status"] == "FAILED"
    assert tags["byol-import:bundle-id"] == "wsb-00000042"
    assert tags["byol-import:shared-with"] == "111122223333"
    assert tags["byol-import:copies"] == "us-east-1=wsi-000000777"
    # And the message lists them after the failure, and how BYOL was enabled
    [(_, message, _)] = notifier.messages
    after = message.split("Delivered before the failure:\n", 1)[1]
    assert after.startswith("Bundle wsb-00000042 (gold) was created from the image.")
    assert "Copy in us-east-1: wsi-000000777 (ERROR)." in after
    assert (
        "BYOL was enabled for this account with management CIDR 10.2.0.0/16 "
        "(approved by arn:ops)." in message
    )


def test_a_throttled_status_tag_retries_the_report_before_anyone_is_notified() -> None:
    # Given the AMI's tag write throttled: the ASL retries Report
    ec2, notifier = FakeEc2(tag_error=errors.TransientAwsError("throttled")), FakeNotifier()
    # When Report runs, Then it fails to be retried, and no one got a notification yet
    with pytest.raises(errors.TransientAwsError):
        steps.report(state(), ec2, notifier, FakeLock(), FakeMetrics())
    assert notifier.messages == []  # so the retry notifies once


def test_a_denied_status_tag_is_named_in_the_notification() -> None:
    ec2 = FakeEc2(tag_error=errors.AccessDenied("ec2:CreateTags on image/*"))
    notifier = FakeNotifier()
    out = steps.report(state(), ec2, notifier, FakeLock(), FakeMetrics())
    note = "could not tag the AMI: tagging was denied. ec2:CreateTags on image/*"
    assert out["Notes"] == [note]
    assert f"Note: {note}" in notifier.messages[0][1]


@pytest.mark.parametrize(
    ("cause", "shown"),
    [
        ('{"errorType": "X"}', '{"errorType": "X"}'),  # JSON, but no errorMessage: as it came
        ("Task timed out", "Task timed out"),
        ({"detail": 1}, '{"detail": 1}'),
        (None, ""),
    ],
)
def test_a_cause_without_a_lambda_error_message_is_shown_as_it_came(cause: Any, shown: str) -> None:
    out, _, notifier, _ = report(raw_state(Error={"Error": "States.Timeout", "Cause": cause}))
    assert out["Cause"] == shown
    assert f"Reason: {shown}\n" in notifier.messages[0][1]


def test_input_without_an_ami_tags_nothing_and_still_notifies() -> None:
    # Given console input with no AMI id, and a start time that is not a date
    st = {
        "Input": {"ImageName": "gold"},
        "Context": {"ExecutionId": EXEC, "StartedAt": "yesterday"},
        "Error": {"Error": "InvalidRequest", "Cause": "ImageId: required"},
    }
    # When Report runs
    out, ec2, notifier, metrics = report(st)
    # Then no AMI is tagged, the failure is counted without a made-up duration, and said
    assert ec2.tagged == {} and out["DurationSeconds"] is None
    assert metrics.values == {"ImportsFailed": 1}
    assert "import of (no valid AMI id) FAILED" in notifier.messages[0][0]


def starter_run(event: dict[str, Any], ec2: FakeEc2, starter: FakeStarter) -> dict[str, Any]:
    return steps.start_imports(
        event,
        ec2,
        starter,
        account_id="123456789012",
        region="eu-west-1",
        trigger_tag_key="WorkSpacesByolImport",
    )


def test_the_same_event_twice_starts_one_execution(cloudtrail_event: dict[str, Any]) -> None:
    ec2 = FakeEc2(
        images={
            "ami-0abcdef1234567890": {
                "Tags": [{"Key": "WorkSpacesByolImport", "Value": "BYOL_REGULAR_WSP"}]
            }
        }
    )
    starter = FakeStarter()
    first = starter_run(cloudtrail_event, ec2, starter)
    second = starter_run(cloudtrail_event, ec2, starter)
    assert len(first["Started"]) == 1 and len(second["AlreadyStarted"]) == 1
    payload = json.loads(next(iter(starter.started.values())))
    assert payload["Trigger"] == {"Source": "CreateTags", "TagValue": "BYOL_REGULAR_WSP"}


def test_an_ami_no_longer_tagged_is_ignored(ami_state_event: dict[str, Any]) -> None:
    ec2 = FakeEc2(images={"ami-0abcdef1234567890": {"Tags": []}})
    out = starter_run(ami_state_event, ec2, FakeStarter())
    assert out["Started"] == [] and "not tagged" in out["Ignored"][0]["Reason"]


def janitor(detail: dict[str, Any], lock: FakeLock) -> tuple[dict[str, Any], FakeEc2, FakeNotifier]:
    ec2, notifier = FakeEc2(), FakeNotifier()
    out = steps.close_ended_execution({"detail": detail}, lock, ec2, notifier, FakeMetrics())
    return out, ec2, notifier


def test_janitor_ignores_running_executions() -> None:
    lock = FakeLock(holder=EXEC)
    out, _, notifier = janitor({"executionArn": EXEC, "status": "RUNNING"}, lock)
    assert out["released"] is False and lock.holder == EXEC and notifier.messages == []


def test_janitor_frees_a_failed_execution_s_lock_without_reporting_twice() -> None:
    lock = FakeLock(holder=EXEC)
    out, ec2, notifier = janitor(
        {"executionArn": EXEC, "status": "FAILED", "input": json.dumps({"ImageId": AMI})}, lock
    )
    assert out["released"] is True and ec2.tagged == {} and notifier.messages == []


@pytest.mark.parametrize("status", ["ABORTED", "TIMED_OUT"])
def test_janitor_reports_what_never_reached_report(status: str) -> None:
    lock = FakeLock(holder=EXEC)
    out, ec2, notifier = janitor(
        {"executionArn": EXEC, "status": status, "input": json.dumps({"ImageId": AMI})}, lock
    )
    assert out["released"] is True and lock.holder is None
    assert ec2.tagged[AMI]["byol-import:status"] == status
    [(subject, _, attributes)] = notifier.messages
    assert AMI in subject and attributes["outcome"] == status


def test_janitor_reports_an_aborted_execution_whose_input_is_not_json_without_tagging() -> None:
    # Given an execution aborted with an input that is not JSON (started by hand)
    lock = FakeLock(holder=EXEC)
    detail = {"executionArn": EXEC, "status": "ABORTED", "input": "{not json"}
    # When the janitor sees it end
    out, ec2, notifier = janitor(detail, lock)
    # Then its lock is freed and it is reported, with no AMI to tag
    assert (out["released"], out["reported"], lock.holder) == (True, "ABORTED", None)
    assert ec2.tagged == {}
    [(subject, message, _)] = notifier.messages
    assert "(no valid AMI id) ABORTED (ExecutionAborted)" in subject
    assert "Fix the input, then start the import again." in message


@pytest.mark.parametrize("event", [{"detail": "not a mapping"}, "not an event", None])
def test_janitor_ignores_an_event_that_is_not_an_execution_status_change(event: Any) -> None:
    lock, notifier = FakeLock(holder=EXEC), FakeNotifier()
    out = steps.close_ended_execution(event, lock, FakeEc2(), notifier, FakeMetrics())
    assert out == {"released": False, "reason": "not a finished execution"}
    assert lock.holder == EXEC and notifier.messages == []


def test_the_report_plan_is_data_decided_before_any_call() -> None:
    # Given a failed import of a tagged AMI
    outcome = Outcome(
        succeeded=False,
        image_id=AMI,
        workspaces_image_id=None,
        error="ImageImportFailed",
        cause="ERROR: AppX",
    )
    # When its report is planned
    plan = plan_report(outcome, EXEC, tag=True, duration=120)
    # Then the plan says what to free, tag, count and send, and nothing was called
    assert plan.lock_owner == EXEC
    assert plan.ami_tags is not None and plan.ami_tags["byol-import:status"] == "FAILED"
    assert plan.ami_tags["byol-import:error"] == "ImageImportFailed: ERROR: AppX"
    assert [(m.name, m.value) for m in plan.metrics] == [
        ("ImportsFailed", 1),
        ("FailedImportDuration", 120),
    ]
    assert plan.attributes == {"outcome": "FAILED", "ami": AMI, "error": "ImageImportFailed"}
    subject, message = plan.message(["released the account lock"])
    assert "FAILED (ImageImportFailed)" in subject
    assert "Note: released the account lock" in message
    # ... and an untagged plan leaves the AMI alone
    assert plan_report(outcome, EXEC, tag=False, duration=None).ami_tags is None


# -- byolEnablement ----------------------------------------------------------------------------


def test_approve_returns_the_chosen_range_for_a_person_and_changes_nothing() -> None:
    ws = ws_(cidrs={"10.0.0.0/8": ["10.0.0.0/16", "10.2.0.0/16"]})
    config = dataclasses.replace(CONFIG, byol_enablement="approve")
    result = steps.enable_byol(ws, FakeEc2(vpcs=["10.0.0.0/16"]), config, AMI)
    assert (result["status"], result["approval_needed"], result["management_cidr"]) == (
        "DISABLED",
        True,
        "10.2.0.0/16",
    )
    assert (result["vpc_cidrs"], result["exclusions"]) == (["10.0.0.0/16"], ["10.1.0.0/16"])
    assert not any(c.startswith("Modify") for c in ws.calls)


def test_a_pinned_range_is_enabled_without_approval_once_checked() -> None:
    ws = ws_(cidrs={"10.200.0.0/16": ["10.200.0.0/16"]})
    config = dataclasses.replace(CONFIG, byol_enablement="approve", management_cidr="10.200.0.0/16")
    ec2 = FakeEc2()
    result = steps.enable_byol(ws, ec2, config, AMI)
    assert (result["status"], result["pinned"], result["approval_needed"]) == (
        "PENDING",
        True,
        False,
    )
    assert "ModifyAccount 10.200.0.0/16" in ws.calls
    assert ec2.tagged[AMI]["byol-import:status"] == "ENABLING_BYOL"


@pytest.mark.parametrize(
    ("offered", "vpcs", "fragment"),
    [([], [], "not offered"), (["10.200.0.0/16"], ["10.200.128.0/20"], r"10\.200\.128\.0/20")],
)
def test_a_pinned_range_not_offered_or_not_free_is_refused(
    offered: list[str], vpcs: list[str], fragment: str
) -> None:
    ws = ws_(cidrs={"10.200.0.0/16": offered})
    config = dataclasses.replace(CONFIG, management_cidr="10.200.0.0/16")
    with pytest.raises(errors.ManagementCidrUnavailable, match=fragment):
        steps.enable_byol(ws, FakeEc2(vpcs=vpcs), config, AMI)
    assert not any(c.startswith("Modify") for c in ws.calls)


def test_off_refuses_to_enable_but_adopts_a_pending_change() -> None:
    config = dataclasses.replace(CONFIG, byol_enablement="off")
    with pytest.raises(errors.ByolDisabled, match="byolEnablement"):
        steps.enable_byol(ws_(cidrs={"10.0.0.0/8": ["10.2.0.0/16"]}), FakeEc2(), config, AMI)
    pending = [
        {"ModificationState": "PENDING", "DedicatedTenancyManagementCidrRange": "10.3.0.0/16"}
    ]
    assert steps.enable_byol(ws_(modifications=pending), FakeEc2(), config)["status"] == "PENDING"


def _approval_state(answer: Any) -> WorkflowState:
    return state(
        Account={"status": "DISABLED", "management_cidr": "10.2.0.0/16", "approval_needed": True},
        Approval=answer,
        Limits=LIMITS,
    )


def test_modify_account_enables_the_approved_range_and_says_who() -> None:
    ws = ws_(cidrs={"10.2.0.0/16": ["10.2.0.0/16"]})
    lock = FakeLock(holder=EXEC, approval={"ApprovalToken": "token"})
    answer = {"decision": "approve", "approvedBy": "arn:aws:iam::1:user/ops", "cidr": "10.2.0.0/16"}
    result = steps.modify_account(_approval_state(answer), ws, FakeEc2(), lock, CONFIG)
    assert (result["status"], result["approved_by"]) == ("PENDING", "arn:aws:iam::1:user/ops")
    assert "ModifyAccount 10.2.0.0/16" in ws.calls
    assert lock.approval == {}  # nothing left to answer


def test_an_approval_of_another_range_is_refused() -> None:
    ws = ws_(cidrs={"10.2.0.0/16": ["10.2.0.0/16"]})
    answer = {"decision": "approve", "approvedBy": "ops", "cidr": "10.9.0.0/16"}
    with pytest.raises(errors.EnablementRejected, match=r"10\.9\.0\.0/16"):
        steps.modify_account(_approval_state(answer), ws, FakeEc2(), FakeLock(holder=EXEC), CONFIG)
    assert not any(c.startswith("Modify") for c in ws.calls)


def test_an_approval_sent_as_a_json_string_is_read_and_an_unnamed_approver_is_unknown() -> None:
    # Given the answer as a JSON string (send-task-success output encoded twice), no approvedBy
    ws = ws_(cidrs={"10.2.0.0/16": ["10.2.0.0/16"]})
    answer = json.dumps({"decision": "approve", "cidr": "10.2.0.0/16"})
    # When ModifyAccount reads it, Then BYOL is enabled and the log names no one made up
    result = steps.modify_account(_approval_state(answer), ws, FakeEc2(), FakeLock(), CONFIG)
    assert (result["approved_by"], result["decision"]) == ("unknown", "approved by unknown")
    assert "ModifyAccount 10.2.0.0/16" in ws.calls


@pytest.mark.parametrize(
    "answer",
    [{"decision": "reject", "cidr": "10.2.0.0/16"}, "not json", None, ["approve"]],
    ids=["rejected", "not-json", "no-answer", "not-an-object"],
)
def test_anything_but_an_approval_changes_nothing(answer: Any) -> None:
    ws = ws_(cidrs={"10.2.0.0/16": ["10.2.0.0/16"]})
    with pytest.raises(errors.EnablementRejected, match="is not an approval"):
        steps.modify_account(_approval_state(answer), ws, FakeEc2(), FakeLock(holder=EXEC), CONFIG)
    assert ws.calls == []


def test_an_approved_enablement_adopts_a_change_that_came_first() -> None:
    # Given BYOL enabled meanwhile (a person, or another Region's byol-import)
    ws = ws_(account={"DedicatedTenancySupport": "ENABLED"})
    lock = FakeLock(holder=EXEC, approval={"ApprovalToken": "token"})
    answer = {"decision": "approve", "approvedBy": "ops", "cidr": "10.2.0.0/16"}
    # When the approval comes back, Then nothing is modified, the state is adopted
    result = steps.modify_account(_approval_state(answer), ws, FakeEc2(), lock, CONFIG)
    assert (result["status"], result["modified"]) == ("ENABLED", False)
    assert not any(c.startswith("Modify") for c in ws.calls)
    assert lock.approval == {}  # and the token no longer waits on the lock


def test_a_workflow_without_a_token_or_a_range_neither_asks_nor_enables() -> None:
    # Given RequestApproval's input without its task token, or an Account without a range
    lock, ec2, notifier = FakeLock(holder=EXEC), FakeEc2(), FakeNotifier()
    account = {"status": "DISABLED", "management_cidr": "10.2.0.0/16", "approval_needed": True}
    no_range = {**account, "management_cidr": None}
    broken: list[dict[str, Any]] = [
        {"State": raw_state(Account=account)},
        {"Token": "token-1", "State": raw_state(Account=no_range)},
    ]
    # Then nothing is recorded on the lock and no one is asked
    for event in broken:
        with pytest.raises(errors.InvalidRequest, match="RequestApproval: no"):
            steps.request_approval(event, lock, ec2, notifier, CONFIG)
    assert (lock.approval, notifier.messages) == ({}, [])
    # And ModifyAccount without a decided range changes nothing
    ws = ws_()
    with pytest.raises(errors.InvalidRequest, match="no management CIDR was decided"):
        steps.modify_account(state(Account=no_range), ws, ec2, lock, CONFIG)
    assert ws.calls == []


def test_request_approval_keeps_the_token_on_the_lock_and_asks() -> None:
    lock, ec2, notifier = FakeLock(holder=EXEC), FakeEc2(), FakeNotifier()
    event = {
        "Token": "token-1",
        "State": raw_state(
            Account={
                "status": "DISABLED",
                "management_cidr": "10.2.0.0/16",
                "approval_needed": True,
                "vpc_cidrs": ["10.0.0.0/16"],
                "exclusions": ["10.1.0.0/16"],
            },
            Limits=LIMITS,
        ),
    }
    steps.request_approval(event, lock, ec2, notifier, CONFIG)
    assert lock.approval["ApprovalToken"] == "token-1"
    assert lock.approval["ManagementCidr"] == "10.2.0.0/16"
    assert (lock.approval["ApprovalExecution"], lock.approval["ApprovalAmi"]) == (EXEC, AMI)
    assert ec2.tagged[AMI]["byol-import:status"] == "AWAITING_APPROVAL"
    [(subject, message, _)] = notifier.messages
    assert "10.2.0.0/16" in subject
    for fragment in ("10.0.0.0/16", "10.1.0.0/16", "can never be changed", "24 h"):
        assert fragment in message
    # And without the lock (its lease ran out), nothing is asked
    with pytest.raises(errors.LockNotAcquired):
        steps.request_approval(event, FakeLock(holder="arn:other"), ec2, notifier, CONFIG)
