"""Every Lambda handler, called as the Lambda runtime calls it, against the embedded AWS."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from typing import Any

import pytest

from byol_import import errors, settings
from local_aws.harness import ACCOUNT_ID, REGION, LocalAws, unattended
from local_aws.lambda_runtime import FakeLambdaContext
from local_aws.workspaces_byol import Faults, ImportFault, Timings

EXEC = f"arn:aws:states:{REGION}:{ACCOUNT_ID}:execution:wf:run-1"
LIMITS = {
    "LockRetryIntervalSeconds": 120,
    "ApprovalTimeoutSeconds": 86400,
    "ImageFirstPollDelaySeconds": 5400,
    "ImagePollIntervalSeconds": 110,
}


def call(key: str, event: Any) -> Any:
    spec = next(s for s in settings.ALL_FUNCTIONS if s.key == key)
    module, _, attr = spec.handler.rpartition(".")
    handler = getattr(importlib.import_module(module), attr)
    arn = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{key}"
    return handler(event, FakeLambdaContext(key, arn, spec.memory_mb, spec.timeout_seconds))


@pytest.fixture
def aws() -> Iterator[LocalAws]:
    # fixed Timings: these steps advance the clock by exact durations
    with LocalAws(config=unattended(), faults=Faults(import_errors={}), timings=Timings()) as env:
        yield env


def test_each_workflow_handler_in_the_order_the_state_machine_calls_it(aws: LocalAws) -> None:
    ami = aws.create_windows_ami()
    state: dict[str, Any] = {
        "Input": {"ImageId": ami},
        "Context": {"ExecutionId": EXEC, "StartedAt": "2026-11-25T00:00:00Z"},
        "Limits": LIMITS,
    }
    state["Request"] = call("ValidateRequest", state)
    assert state["Request"]["ingestion_process"] == "BYOL_REGULAR_WSP"
    state["Ami"] = call("CheckImage", state)
    assert state["Ami"]["windows_11"] is True and state["Ami"]["import_name"].endswith(ami)
    assert call("CheckAccount", state)["status"] == "DISABLED"
    assert call("AcquireLock", state)["acquired"] is True
    assert call("AcquireLock", {**state, "Context": {"ExecutionId": "other"}}) == {
        "acquired": False,
        "holder": EXEC,
        "count": 1,
        "wait_seconds": 120,
    }
    # the waiting import looks at the lock (DynamoDB only) and finds it held by EXEC
    other = {**state, "Context": {"ExecutionId": "other"}, "Lock": {"count": 1}}
    looked = call("CheckLock", other)
    assert (looked["state"], looked["holder"], looked["count"]) == ("HELD", EXEC, 2)
    enabled = call("EnableByol", state)
    assert enabled["status"] == "PENDING" and enabled["modified"] is True
    assert call("PollModification", state)["state"] == "PENDING"
    aws.clock.advance(aws.timings.modification_seconds)
    assert call("PollModification", state)["state"] == "COMPLETED"
    assert call("ReleaseLock", state) == {"released": True}
    assert call("CheckLock", other)["state"] == "FREE"
    state["Import"] = call("ImportImage", state)
    assert call("PollImage", state)["state"] == "PENDING"
    aws.clock.advance(aws.timings.import_seconds)
    state["Poll"] = call("PollImage", state)
    assert state["Poll"]["state"] == "AVAILABLE"
    report = call("Report", state)
    assert report["Outcome"] == "SUCCEEDED"
    assert aws.ami_tags(ami)["byol-import:status"] == "AVAILABLE"


def test_the_approval_handlers_keep_the_token_on_the_lock_then_enable() -> None:
    # Given byolEnablement approve (the default) and the lock held by this execution
    with LocalAws(faults=Faults(import_errors={}), timings=Timings()) as aws:
        ami = aws.create_windows_ami()
        state: dict[str, Any] = {
            "Input": {"ImageId": ami},
            "Context": {"ExecutionId": EXEC},
            "Limits": LIMITS,
        }
        state["Request"] = call("ValidateRequest", state)
        assert call("AcquireLock", state)["acquired"] is True
        # When EnableByol decides, Then it asks for approval and changes nothing
        state["Account"] = call("EnableByol", state)
        assert state["Account"]["approval_needed"] is True
        assert "ModifyAccount" not in aws.workspaces_calls()
        # When RequestApproval runs with its task token, Then the token waits on the lock item
        call("RequestApproval", {"Token": "token-1", "State": state})
        item = aws.client("dynamodb").get_item(
            TableName=aws.lock_table, Key={"LockId": {"S": settings.ACCOUNT_LOCK_ID}}
        )["Item"]
        assert item[settings.APPROVAL_TOKEN_ATTR]["S"] == "token-1"
        cidr = item[settings.APPROVAL_CIDR_ATTR]["S"]
        assert cidr == state["Account"]["management_cidr"]
        assert aws.ami_tags(ami)["byol-import:status"] == "AWAITING_APPROVAL"
        # When the approval comes back, Then ModifyAccount enables BYOL and the token is gone
        state["Approval"] = {"decision": "approve", "approvedBy": "arn:ops", "cidr": cidr}
        modified = call("ModifyAccount", state)
        assert (modified["status"], modified["approved_by"]) == ("PENDING", "arn:ops")
        assert aws.ami_tags(ami)["byol-import:status"] == "ENABLING_BYOL"
        assert aws.lock_holder() == EXEC
        item = aws.client("dynamodb").get_item(
            TableName=aws.lock_table, Key={"LockId": {"S": settings.ACCOUNT_LOCK_ID}}
        )["Item"]
        assert settings.APPROVAL_TOKEN_ATTR not in item


def test_cleanup_handler_deletes_our_failed_image(aws: LocalAws) -> None:
    aws.enable_byol_directly()
    aws.faults.import_errors["*"] = ImportFault()
    ami = aws.create_windows_ami()
    state: dict[str, Any] = {
        "Input": {"ImageId": ami},
        "Context": {"ExecutionId": EXEC},
        "Limits": LIMITS,
    }
    state["Request"] = call("ValidateRequest", state)
    state["Ami"] = call("CheckImage", state)
    state["Import"] = call("ImportImage", state)
    aws.clock.advance(aws.timings.import_seconds)
    state["Poll"] = call("PollImage", state)
    out = call("CleanupImage", state)
    assert out["Error"] == "ImageImportFailed" and "deleted" in out["cleanup"]


def test_handlers_raise_typed_errors(aws: LocalAws) -> None:
    with pytest.raises(errors.InvalidRequest):
        call("ValidateRequest", {"Input": {"ImageId": "nope"}})
    state = {
        "Request": {"image_id": "ami-0123456789abcdef0", "ingestion_process": "BYOL_REGULAR_WSP"}
    }
    with pytest.raises(errors.ImageNotFound):
        call("CheckImage", state)


def test_starter_and_janitor_handlers(aws: LocalAws, cloudtrail_event: dict[str, Any]) -> None:
    # BYOL already enabled: the execution the Starter starts waits on its import only
    aws.enable_byol_directly()
    ami = aws.create_windows_ami()
    aws.client("ec2").create_tags(
        Resources=[ami], Tags=[{"Key": "WorkSpacesByolImport", "Value": ""}]
    )
    event = {**cloudtrail_event, "region": REGION, "account": ACCOUNT_ID}
    event["detail"]["requestParameters"]["resourcesSet"]["items"] = [{"resourceId": ami}]
    out = call("Starter", event)
    assert [s["ImageId"] for s in out["Started"]] == [ami]
    aws.wait_for_executions()
    assert call("LockJanitor", {"detail": {"executionArn": EXEC, "status": "FAILED"}}) == {
        "released": False,
        "executionArn": EXEC,
    }


def test_the_starter_handler_imports_a_configured_pipeline_s_build(
    aws: LocalAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a build of a pipeline the deployment did not list (its event started nothing) ...
    aws.enable_byol_directly()
    build = aws.build_image("nightly")
    assert aws.results() == []
    # When the Starter reads the same event with the pipeline configured
    pipeline = str(build.pipeline_arn)
    monkeypatch.setenv(settings.ENV_IMAGE_BUILDER_PIPELINE_ARNS, pipeline)
    out = call("Starter", build.events[-1])
    # Then it starts the import of the build's output AMI
    assert [s["ImageId"] for s in out["Started"]] == [build.ami_id]
    aws.wait_for_executions()
    assert [r.status for r in aws.results()] == ["SUCCEEDED"]


def test_check_image_confirms_the_build_named_in_the_request(aws: LocalAws) -> None:
    # Given a build and a request naming it with its output AMI
    build = aws.build_image("nightly")
    state: dict[str, Any] = {
        "Input": {"ImageId": build.ami_id, "ImageBuildVersionArn": build.arn},
        "Context": {"ExecutionId": EXEC},
        "Limits": LIMITS,
    }
    state["Request"] = call("ValidateRequest", state)
    assert state["Request"]["image_build_version_arn"] == build.arn
    # Then CheckImage passes it
    assert call("CheckImage", state)["import_name"]
    # But a request pairing the build with another AMI is refused, naming both
    other = aws.create_windows_ami()
    state["Input"]["ImageId"] = other
    state["Request"] = call("ValidateRequest", state)
    with pytest.raises(errors.ImageBuildNotUsable, match=f"made {build.ami_id} .* not {other}"):
        call("CheckImage", state)


def test_the_image_builder_path_through_its_handlers(aws: LocalAws) -> None:
    # Given BYOL enabled and a request for the Image Builder path
    aws.enable_byol_directly()
    ami = aws.create_windows_ami()
    state: dict[str, Any] = {
        "Input": {"ImageId": ami, "ImportMethod": "image-builder"},
        "Context": {"ExecutionId": EXEC, "StartedAt": "2026-11-25T00:00:00Z"},
        "Limits": LIMITS,
    }
    state["Request"] = call("ValidateRequest", state)
    assert (state["Request"]["protocol"], state["Request"]["compute_type"]) == ("DCV", "BASE")
    state["Ami"] = call("CheckImage", state)
    # When ImportImage and PollImage run as the deployed roles
    state["Import"] = call("ImportImage", state)
    assert state["Import"]["method"] == "image-builder"
    assert state["Import"]["first_poll_seconds"] == LIMITS["ImagePollIntervalSeconds"]
    aws.clock.advance(aws.timings.custom_import_seconds / 2)
    state["Poll"] = call("PollImage", state)
    # Then the poll tells the State and percentage, and tags them on the AMI
    assert state["Poll"]["state"] == "PENDING" and 0 < state["Poll"]["percentage"] < 100
    assert aws.ami_tags(ami)["byol-import:progress"] == state["Poll"]["progress"]
    aws.clock.advance(aws.timings.custom_import_seconds)
    state["Poll"] = call("PollImage", state)
    assert state["Poll"]["state"] == "AVAILABLE"
    assert aws.ami_tags(ami)["byol-import:progress"] == "COMPLETED 100%"


def test_the_delivery_handlers_bundle_share_copy_and_poll_the_copy_in_its_region(
    aws: LocalAws,
) -> None:
    # Given an AVAILABLE image, a BYOL Region to copy to and a BYOL member to share with
    aws.enable_byol_directly()
    aws.enable_byol_in("eu-central-1")
    member = aws.organization_member()
    ami = aws.create_windows_ami()
    delivery = {
        "Bundle": {"Create": {"Name": "gold"}},
        "CopyToRegions": ["eu-central-1"],
        "ShareWithAccounts": [member],
    }
    state: dict[str, Any] = {
        "Input": {"ImageId": ami, "Delivery": delivery},
        "Context": {"ExecutionId": EXEC},
        "Limits": LIMITS,
    }
    state["Request"] = call("ValidateRequest", state)
    assert state["Request"]["deliver"] is True
    state["Ami"] = call("CheckImage", state)
    state["Import"] = call("ImportImage", state)
    aws.clock.advance(aws.timings.import_seconds)
    # When Deliver runs, Then the bundle, the share and the copy are made, the copy PENDING
    state["Delivery"] = call("Deliver", state)
    assert state["Delivery"]["bundle"]["action"] == "created"
    assert state["Delivery"]["shares"] == [{"account": member, "shared": True, "reason": None}]
    [copy] = state["Delivery"]["copies"]
    assert (copy["region"], copy["state"], state["Delivery"]["pending"]) == (
        "eu-central-1",
        "PENDING",
        True,
    )
    assert aws.ami_tags(ami)["byol-import:status"] == "DELIVERING"
    # And PollCopies reads the copy in its Region until it is AVAILABLE, counting its polls
    assert call("PollCopies", state)["count"] == 1
    aws.clock.advance(aws.timings.copy_seconds + aws.timings.image_visibility_lag_seconds)
    polled = call("PollCopies", state)
    assert (polled["pending"], polled["copies"][0]["state"]) == (False, "AVAILABLE")


def test_validate_request_refuses_a_copy_to_its_own_region_and_a_share_with_itself(
    aws: LocalAws,
) -> None:
    state = {
        "Input": {"ImageId": aws.create_windows_ami(), "Delivery": {"CopyToRegions": [REGION]}}
    }
    with pytest.raises(errors.InvalidRequest, match="the Region the image is imported in"):
        call("ValidateRequest", state)
    state["Input"]["Delivery"] = {"ShareWithAccounts": [ACCOUNT_ID]}
    with pytest.raises(errors.InvalidRequest, match="is this account"):
        call("ValidateRequest", state)
