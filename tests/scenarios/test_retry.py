"""Retry after a failure: the one command the failure notification gives resumes the import
without repeating finished work. The command is parsed from the notification, so what is proven
is what a person is told to do."""

from __future__ import annotations

import json
import shlex
from datetime import timedelta

import pytest
from botocore.exceptions import ClientError

from local_aws.harness import ACCOUNT_ID, REGION, LocalAws, unattended
from local_aws.workspaces.images import ImportedImage
from local_aws.workspaces.rules import IMAGE_QUOTA
from local_aws.workspaces_byol import Faults, ImportFault, Timings
from tests.scenarios.conftest import run_tagged, ws_calls

pytestmark = pytest.mark.scenario


def retry_command(aws: LocalAws, ami: str) -> dict[str, str]:
    """The command of the AMI's (one) failure notification, as a person would copy it."""
    [note] = [n for n in aws.notifications() if ami in n.subject and "FAILED" in n.subject]
    [line] = [
        ln.strip()
        for ln in note.message.splitlines()
        if ln.strip().startswith("aws stepfunctions start-execution")
    ]
    words = shlex.split(line)
    assert words[:3] == ["aws", "stepfunctions", "start-execution"]
    options = dict(zip(words[3::2], words[4::2], strict=True))
    assert "New execution" in note.message  # the console route is given too
    return options


def run_command(aws: LocalAws, options: dict[str, str]) -> str:
    """What the AWS CLI does with the command."""
    assert options["--region"] == REGION
    return str(
        aws.client("stepfunctions").start_execution(
            stateMachineArn=options["--state-machine-arn"],
            name=options["--name"],
            input=options["--input"],
        )["executionArn"]
    )


def test_a_timed_out_import_is_resumed_by_adopting_our_pending_image() -> None:
    # Given a short image deadline (2 h) and an import that takes 3 h, on an account without BYOL
    # (its enablement takes 30 min)
    config = unattended(image_deadline_hours=2)
    timings = Timings(modification_seconds=1800, import_seconds=3 * 3600)
    with LocalAws(config=config, timings=timings) as aws:
        ami = aws.create_windows_ami()
        [failed] = run_tagged(aws, [ami])
        assert (failed.status, failed.error) == ("FAILED", "ImageImportTimedOut")
        image_id = aws.ami_tags(ami)["byol-import:workspaces-image-id"]
        # When the person runs the command the notification gives
        options = retry_command(aws, ami)
        assert json.loads(options["--input"]) == failed.input
        assert len(options["--name"]) <= 80
        arn = run_command(aws, options)
        aws.wait_for_executions()
        # Then the retry adopts our image, still PENDING, and succeeds
        retried = aws.result(arn)
        assert retried.status == "SUCCEEDED", retried.cause
        assert aws.ami_tags(ami)["byol-import:status"] == "AVAILABLE"
        assert aws.ami_tags(ami)["byol-import:workspaces-image-id"] == image_id
        # ... without redoing what was done: one enablement, one import accepted in all
        account = aws.world.account(ACCOUNT_ID, REGION)
        assert account.imports_accepted == 1 and len(account.images) == 1
        assert ws_calls(aws)["ModifyAccount"] == 1
        assert "EnableByol" not in retried.states
        # And the same command again starts nothing
        with pytest.raises(ClientError) as again:
            run_command(aws, options)
        assert again.value.response["Error"]["Code"] == "ExecutionAlreadyExists"
        assert len(aws.results(history=False)) == 2


def _fill_image_quota(aws: LocalAws, ami: str) -> list[str]:
    """Another tool's images fill the Region's quota of 40."""
    account = aws.world.account(ACCOUNT_ID, REGION)
    now = aws.clock.now()
    ids = [f"wsi-other{i:04d}" for i in range(IMAGE_QUOTA)]
    for i, image_id in enumerate(ids):
        account.images[image_id] = ImportedImage(
            image_id=image_id,
            name=f"other-tool-{i}",
            description="another tool",
            ami_id=ami,
            ingestion_process="BYOL_REGULAR_WSP",
            applications=[],
            tags=[],
            owner=ACCOUNT_ID,
            created=now - timedelta(days=1),
            visible_at=now - timedelta(days=1),
            ready_at=now - timedelta(days=1),
            fault=None,
            state="AVAILABLE",
        )
    return ids


def test_a_failure_after_enablement_is_resumed_without_enabling_again() -> None:
    with LocalAws(config=unattended()) as aws:
        # Given an account without BYOL whose image quota is full
        ami = aws.create_windows_ami()
        others = _fill_image_quota(aws, aws.create_windows_ami(name="other"))
        [failed] = run_tagged(aws, [ami])
        assert (failed.status, failed.error) == ("FAILED", "ImageQuotaExceeded")
        assert "EnableByol" in failed.states  # BYOL was enabled before the import was refused
        # When the person fixes the cause (deletes an image) and runs the notified command
        aws.client("workspaces").delete_workspace_image(ImageId=others[0])
        arn = run_command(aws, retry_command(aws, ami))
        aws.wait_for_executions()
        # Then the import is done, and BYOL was not enabled a second time
        retried = aws.result(arn)
        assert retried.status == "SUCCEEDED", retried.cause
        assert "AcquireLock" not in retried.states and "EnableByol" not in retried.states
        assert ws_calls(aws)["ModifyAccount"] == 1
        assert ws_calls(aws)["ListAvailableManagementCidrRanges"] == 1
        assert aws.world.account(ACCOUNT_ID, REGION).imports_accepted == 1
        assert aws.ami_tags(ami)["byol-import:status"] == "AVAILABLE"


def test_bad_input_is_not_offered_a_retry() -> None:
    with LocalAws(config=unattended()) as aws:
        ami = aws.create_windows_ami()
        aws.start_manual({"ImageId": ami, "ImageName": "has spaces"})
        aws.wait_for_executions()
        [note] = aws.notifications()
        assert "start-execution" not in note.message and "Fix the input" in note.message


def test_our_image_left_in_error_is_adopted_reported_and_cleaned_up_by_the_retry() -> None:
    # Given an import that ended in ERROR and whose cleanup failed: our image stays, in ERROR
    faults = Faults(import_errors={"*": ImportFault()}, delete_error="ResourceAssociatedException")
    with LocalAws(config=unattended(), faults=faults) as aws:
        aws.enable_byol_directly()
        ami = aws.create_windows_ami()
        [failed] = run_tagged(aws, [ami])
        assert (failed.status, failed.error) == ("FAILED", "ImageImportFailed")
        account = aws.world.account(ACCOUNT_ID, REGION)
        [image] = account.images.values()
        assert image.state == "ERROR"
        # When the cause of the failed delete is fixed and the notified command is run
        faults.delete_error = None
        options = retry_command(aws, ami)
        assert options["--name"].endswith("-retry1")
        arn = run_command(aws, options)
        aws.wait_for_executions()
        # Then the retry adopts that image (no second import), reports its error again and
        # deletes it, so the next retry would import afresh
        retried = aws.result(arn)
        assert (retried.status, retried.error) == ("FAILED", "ImageImportFailed")
        assert "AppXPackagesInstalled" in str(retried.cause)
        assert account.imports_accepted == 1 and account.images == {}
        notes = [n for n in aws.notifications() if ami in n.subject]
        assert len(notes) == 2 and "-retry2" in notes[1].message
