"""`byol-import` against a deployed stack: the stack found by its outputs, then the exact AWS
requests each command makes (Stubber: an unexpected request fails the test)."""

from __future__ import annotations

import json
from datetime import timedelta

from tests.cli.conftest import CALLER, SM_ARN, STACK, T0, Aws, execution_arn, invoke

AMI = "ami-0abcdef1234567890"
OTHER = "ami-0123456789abcdef0"
TOKEN = "AQCEAAAAKgAAAAMAAAAAAAAAAT"
PENDING = {
    "Owner": "exec-1",
    "ApprovalToken": TOKEN,
    "ManagementCidr": "10.0.0.0/16",
    "ApprovalRequestedAt": "2026-11-30T08:05:00Z",
    "ApprovalExecution": execution_arn(f"{AMI}-1a2b3c4d"),
    "ApprovalAmi": AMI,
}


def test_status_shows_each_import_with_its_phase_expected_finish_and_what_to_do(aws: Aws):
    # Given one import running its import for 30 minutes and one that failed
    aws.stack()
    aws.executions(
        (f"{AMI}-1a2b3c4d", "RUNNING", {"ImageId": AMI}, {}),
        (
            f"{OTHER}-5e6f7a8b",
            "FAILED",
            {"ImageId": OTHER},
            {"error": "ImageImportFailed", "cause": "The import ended in ERROR: ZeroRearmCount"},
        ),
    )
    failed_tags = {
        "byol-import:status": "FAILED",
        "byol-import:execution": f"{OTHER}-5e6f7a8b",
        "byol-import:error": "ImageImportFailed: ...",
    }
    aws.images([AMI, OTHER], {OTHER: failed_tags})
    aws.history(
        f"{AMI}-1a2b3c4d",
        ("CheckAccount", T0),
        ("ImportImage", T0 + timedelta(minutes=1)),
        ("WaitBeforeFirstImagePoll", T0 + timedelta(minutes=2)),
    )
    aws.history(f"{OTHER}-5e6f7a8b", ("ReportFailure", T0 + timedelta(hours=3)), max_results=10)
    aws.lock_item()

    # When the operator asks for the status (as JSON, for scripts)
    result = invoke("status", "--json")

    # Then each AMI has its phase, since when, the expected finish and the next step
    assert result.exit_code == 0, result.output
    running, failed = json.loads(result.output)["imports"]
    assert (running["ami"], running["phase"]) == (AMI, "IMPORTING")
    assert running["since"] == "2026-11-30T08:01:00+00:00"  # it entered ImportImage then
    assert running["expectedFinish"] == {  # 90 min to 4 h after; imageDeadlineHours 12
        "earliest": "2026-11-30T09:31:00+00:00",
        "latest": "2026-11-30T12:01:00+00:00",
        "deadline": "2026-11-30T20:01:00+00:00",
        "note": "",
    }
    assert (failed["ami"], failed["phase"], failed["error"]) == (
        OTHER,
        "FAILED",
        "ImageImportFailed",
    )
    assert failed["since"] == "2026-11-30T11:00:00+00:00"
    assert failed["next"] == f"fix the cause (the error says it), then: byol-import retry {OTHER}"
    aws.verify()


def test_status_json_names_the_bundle_and_copies_an_import_delivered(aws: Aws):
    # Given an import that ended AVAILABLE after creating a bundle and copying to a Region
    aws.stack()
    aws.executions((f"{AMI}-1a2b3c4d", "SUCCEEDED", {"ImageId": AMI}, {}))
    tags = {
        "byol-import:status": "AVAILABLE",
        "byol-import:execution": f"{AMI}-1a2b3c4d",
        "byol-import:workspaces-image-id": "wsi-123456789",
        "byol-import:bundle-id": "wsb-12345678",
        "byol-import:copies": "eu-central-1=wsi-987654321",
    }
    aws.images([AMI], {AMI: tags})
    aws.history(f"{AMI}-1a2b3c4d", ("ReportSuccess", T0 + timedelta(hours=4)), max_results=10)
    aws.lock_item()

    # When the operator asks for the status as JSON
    result = invoke("status", "--json")

    # Then the row names the bundle and the copies, and the next step is the bundle
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.output)["imports"]
    assert (row["phase"], row["bundle"], row["copies"]) == (
        "AVAILABLE",
        "wsb-12345678",
        "eu-central-1=wsi-987654321",
    )
    assert row["next"] == "launch (or rebuild) WorkSpaces from bundle wsb-12345678"
    aws.verify()


def test_status_table_reads_as_one_row_per_import(aws: Aws):
    # Given one import that succeeded
    aws.stack()
    aws.executions((f"{AMI}-1a2b3c4d", "SUCCEEDED", {"ImageId": AMI}, {}))
    tags = {"byol-import:workspaces-image-id": "wsi-0123456789", "byol-import:status": "AVAILABLE"}
    aws.images([AMI], {AMI: tags})
    aws.history(f"{AMI}-1a2b3c4d", ("ReportSuccess", T0), max_results=10)
    aws.lock_item()

    # When the operator asks for the status table
    result = invoke("status")

    # Then its row has the AMI, the phase, the image and the next step
    assert result.exit_code == 0, result.output
    row = next(line for line in result.output.splitlines() if AMI in line)
    for cell in ("AVAILABLE", "2026-11-30 08:00", "wsi-0123456789", "create a custom bundle"):
        assert cell in row
    aws.verify()


def test_status_prefers_the_status_tags_of_the_running_execution(aws: Aws):
    # Given an import the workflow tagged AWAITING_APPROVAL (the tag says since when)
    aws.stack()
    aws.executions((f"{AMI}-1a2b3c4d", "RUNNING", {"ImageId": AMI}, {}))
    aws.images(
        [AMI],
        {
            AMI: {
                "byol-import:status": "AWAITING_APPROVAL",
                "byol-import:status-since": "2026-11-30T08:05:00Z",
                "byol-import:execution": f"{AMI}-1a2b3c4d",
            }
        },
    )
    aws.lock_item(**PENDING)

    # When the operator asks for the status
    result = invoke("status", AMI)

    # Then the phase is the tag's, its deadline is approvalTimeoutHours later, and the pending
    # decision is shown with the commands that answer it
    assert result.exit_code == 0, result.output
    row = next(line for line in result.output.splitlines() if AMI in line)
    assert "AWAITING_APPROVAL" in row
    assert "deadline 12-01 08:05" in row
    assert "management CIDR 10.0.0.0/16" in result.output
    assert "byol-import approve --cidr 10.0.0.0/16" in result.output
    aws.verify()


def test_approve_sends_the_token_with_the_cidr_asked_about_and_who_approved(aws: Aws):
    # Given an import waiting for the enablement decision
    aws.stack()
    aws.lock_item(**PENDING)
    aws.caller()
    output = {"decision": "approve", "approvedBy": CALLER, "cidr": "10.0.0.0/16"}
    aws.expect("stepfunctions", "send_task_success", {}, taskToken=TOKEN, output=json.dumps(output))

    # When the operator approves, naming the CIDR they read in the notification
    result = invoke("approve", "--cidr", "10.0.0.0/16")

    # Then SendTaskSuccess carries the contract's output
    assert result.exit_code == 0, result.output
    assert "Approved: BYOL enablement with 10.0.0.0/16" in result.output
    aws.verify()


def test_approve_refuses_a_cidr_other_than_the_one_asked_about(aws: Aws):
    # Given an import waiting to enable BYOL with 10.0.0.0/16
    aws.stack()
    aws.lock_item(**PENDING)

    # When the operator approves another range
    result = invoke("approve", "--cidr", "10.1.0.0/16")

    # Then nothing is sent (no SendTaskSuccess stubbed) and the message says why
    assert result.exit_code == 1
    assert "is for management CIDR 10.0.0.0/16, not 10.1.0.0/16" in result.output
    aws.verify()


def test_approve_with_nothing_waiting_says_so(aws: Aws):
    aws.stack()
    aws.lock_item(Owner="exec-1")  # a lock held by an enablement that asked nothing

    result = invoke("approve")

    assert result.exit_code == 1
    assert "no import is waiting for a BYOL enablement decision" in result.output


def test_reject_fails_the_task_with_enablement_rejected_and_the_reason(aws: Aws):
    # Given an import waiting for the enablement decision
    aws.stack()
    aws.lock_item(**PENDING)
    aws.caller()
    aws.expect(
        "stepfunctions",
        "send_task_failure",
        {},
        taskToken=TOKEN,
        error="EnablementRejected",
        cause=f"Rejected by {CALLER}: change board first",
    )

    # When the operator rejects it with a reason
    result = invoke("reject", "--reason", "change board first")

    # Then SendTaskFailure names the rejection, who and why
    assert result.exit_code == 0, result.output
    assert "Rejected: BYOL enablement with 10.0.0.0/16" in result.output
    aws.verify()


def test_a_missing_stack_is_named_with_what_to_do(aws: Aws):
    aws.refuse("cloudformation", "describe_stacks", "ValidationError", "Stack does not exist")

    result = invoke("status")

    assert result.exit_code == 1
    assert f"finding stack {STACK} (deploy it, or name it with --stack)" in result.output
    assert "ValidationError" in result.output


def test_retry_starts_the_failed_input_under_the_deterministic_retry_name(aws: Aws):
    # Given a failed import of AMI (BYOL enablement timed out)
    payload = {"ImageId": AMI, "Trigger": {"Source": "CreateTags", "TagValue": ""}}
    name = f"{AMI}-1a2b3c4d"
    failed = (name, "FAILED", payload, {"error": "ByolEnablementTimedOut", "cause": "24 h"})
    aws.stack()
    aws.executions(failed)
    aws.images([AMI], {})
    aws.history(name, ("ReportFailure", T0), max_results=10)
    aws.stubs["stepfunctions"].add_response(
        "describe_execution",
        {
            "executionArn": execution_arn(name),
            "stateMachineArn": SM_ARN,
            "name": name,
            "status": "FAILED",
            "startDate": T0,
            "input": json.dumps(payload),
        },
        {"executionArn": execution_arn(name)},
    )
    aws.expect(
        "stepfunctions",
        "start_execution",
        {"executionArn": execution_arn(f"{name}-retry1"), "startDate": T0},
        stateMachineArn=SM_ARN,
        name=f"{name}-retry1",
        input=json.dumps(payload),
    )

    # When the operator retries it
    result = invoke("retry", AMI)

    # Then the retry is the notification's command: same input, name plus -retry1
    assert result.exit_code == 0, result.output
    assert f"{name}-retry1" in result.output
    aws.verify()


def test_start_refuses_input_the_workflow_would_refuse_before_any_aws_call(aws: Aws):
    # When the console input misspells a field (no AWS response is stubbed)
    result = invoke("start", "--input", json.dumps({"ImageID": AMI}))

    # Then the workflow's own message, with its hint, and exit 2
    assert result.exit_code == 2
    assert "ImageID: unknown field (did you mean 'ImageId'?)" in result.output
    aws.verify()


def test_start_refuses_a_trigger_tag_value_with_the_starters_message(aws: Aws):
    result = invoke("start", AMI, "--trigger-tag", "byol_regular_wsp")

    assert result.exit_code == 2
    assert "trigger tag WorkSpacesByolImport value: must be one of" in result.output
    assert "(did you mean 'BYOL_REGULAR_WSP'?)" in result.output


def test_start_from_options_sends_the_console_input(aws: Aws):
    # Given the stack
    aws.stack()
    sent = {"ImageId": AMI, "OsVersion": "Windows_10", "IngestionProcess": "BYOL_REGULAR"}
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

    # When the operator starts Windows 10 with PCoIP from options
    result = invoke(
        "start", AMI, "--os-version", "Windows_10", "--ingestion-process", "BYOL_REGULAR"
    )

    # Then the execution's input is the console JSON those options mean
    assert result.exit_code == 0, result.output
    aws.verify()
    assert json.loads(started[0]["input"]) == sent
    assert started[0]["name"].startswith(f"{AMI}-cli-")


def test_start_with_trigger_tag_tags_the_ami(aws: Aws):
    aws.stack()
    aws.expect(
        "ec2",
        "create_tags",
        {},
        Resources=[AMI],
        Tags=[{"Key": "WorkSpacesByolImport", "Value": "OsVersion=Windows_11"}],
    )

    result = invoke("start", AMI, "--trigger-tag", "OsVersion=Windows_11")

    assert result.exit_code == 0, result.output
    assert f"Tagged {AMI} WorkSpacesByolImport=OsVersion=Windows_11" in result.output
    aws.verify()


def test_watch_prints_a_line_per_import_and_stops_when_none_runs(aws: Aws):
    aws.stack()
    aws.executions((f"{AMI}-1a2b3c4d", "SUCCEEDED", {"ImageId": AMI}, {}))
    aws.images([AMI], {AMI: {"byol-import:workspaces-image-id": "wsi-0123456789"}})
    aws.history(f"{AMI}-1a2b3c4d", ("ReportSuccess", T0), max_results=10)

    result = invoke("watch", "--interval", "0")

    assert result.exit_code == 0, result.output
    assert f"{AMI}  AVAILABLE" in result.output
    assert "No import is running." in result.output
    aws.verify()


def test_local_only_options_are_refused_against_a_deployed_stack(aws: Aws):
    result = invoke("start", AMI, "--approve")

    assert result.exit_code == 2
    assert "are for --local runs" in result.output
    aws.verify()


def test_status_reads_the_history_back_until_the_phase_began(aws: Aws):
    # Given an import polling its image for hours: the newest page holds only import states
    name = f"{AMI}-1a2b3c4d"
    aws.stack()
    aws.executions((name, "RUNNING", {"ImageId": AMI}, {}))
    aws.images([AMI], {})
    polls = [("PollImage", T0 + timedelta(hours=2, minutes=2 * i)) for i in range(5)]
    aws.history(name, *polls, first_id=100, next_token="page-2")
    aws.history(
        name,
        ("CheckAccount", T0),
        ("ImportImage", T0 + timedelta(minutes=1)),
        first_id=1,
        token="page-2",
    )
    aws.lock_item()

    # When the operator asks for the status
    result = invoke("status", "--json")

    # Then the phase began at ImportImage, found on the older page
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.output)["imports"]
    assert (row["phase"], row["since"]) == ("IMPORTING", "2026-11-30T08:01:00+00:00")
    aws.verify()


def test_a_misspelt_setting_is_refused_with_the_schema_message(aws: Aws):
    result = invoke("--set", "imageDeadlineHour=3", "status")

    assert result.exit_code == 2
    assert "imageDeadlineHour" in result.output
    aws.verify()


def test_local_status_says_a_local_account_lives_for_one_command(aws: Aws):
    result = invoke("--local", "status")

    assert result.exit_code == 1
    assert "each --local command runs in a fresh account of its own" in result.output
    aws.verify()
