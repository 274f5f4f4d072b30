"""Documented AWS errors met by the deployed workflow, one scenario per outcome class.

Each error is injected as AWS answers it (local_aws/aws_errors.py); the gateway maps it
(ERROR_TABLE in functions/byol_import/gateways/aws_call.py, checked code by code in
tests/unit/test_gateways.py). Here the whole workflow must end as a person needs: the real error,
what to do, the AMI's status tag and exactly one notification where AWS lets us, no lock left.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any

import pytest

from byol_import import triggers
from local_aws.harness import ACCOUNT_ID, REGION, ExecutionResult, LocalAws, unattended
from local_aws.workspaces_byol import Faults, ImportFault
from tests.scenarios.conftest import assert_no_leftovers, ws_calls

pytestmark = pytest.mark.scenario

STATUS = "byol-import:status"
IMPORT_DENIED = (
    "workspaces:ImportWorkspaceImage",
    "workspaces:CreateTags",
    "ec2:DescribeImages",
    "ec2:ModifyImageAttribute",
)


@dataclass(frozen=True)
class Case:
    errors: dict[str, dict[str, int]]
    status: str  # the execution's
    error: str | None  # the execution's error name
    in_cause: tuple[str, ...] = ()  # the execution's cause (what a person reads)
    in_notification: tuple[str, ...] = ()
    enabled: bool = True  # BYOL enabled before the run
    import_error: bool = False  # the import ends in ERROR (the cleanup path)
    tag: str | None = None  # the AMI's status tag afterwards (None: none could be written)
    notifications: int = 1
    calls: dict[str, int] = field(default_factory=dict)  # WorkSpaces calls to check


CASES: dict[str, Case] = {
    # -- AccessDenied on every path that can meet it ------------------------------------------
    "DescribeAccount denied: the permission, not eligibility": Case(
        {"DescribeAccount": {"AccessDeniedException": 1}},
        "FAILED",
        "AccessDenied",
        (
            "DescribeAccount was denied",
            "not authorized to perform: workspaces:DescribeAccount",
            "needs workspaces:DescribeAccount",
        ),
        enabled=False,
        tag="FAILED",
        calls={"DescribeAccount": 1},
    ),
    "ListAvailableManagementCidrRanges denied: not approved, or the role lacks it": Case(
        {"ListAvailableManagementCidrRanges": {"AccessDeniedException": 1}},
        "FAILED",
        "ByolNotEligible",
        (
            "not approved this account for WorkSpaces BYOL",
            "lacks workspaces:ListAvailableManagementCidrRanges",
            "Check the role's policy",
        ),
        enabled=False,
        tag="FAILED",
        calls={"ListAvailableManagementCidrRanges": 1, "ModifyAccount": 0},
    ),
    "ModifyAccount denied": Case(
        {"ModifyAccount": {"AccessDeniedException": 1}},
        "FAILED",
        "AccessDenied",
        ("needs workspaces:ModifyAccount",),
        enabled=False,
        tag="FAILED",
        calls={"ModifyAccount": 1},
    ),
    "ImportWorkspaceImage denied: every permission the import needs": Case(
        {"ImportWorkspaceImage": {"AccessDeniedException": 1}},
        "FAILED",
        "AccessDenied",
        IMPORT_DENIED,
        tag="FAILED",
        calls={"ImportWorkspaceImage": 1},
    ),
    "ec2:DescribeImages denied in CheckImage": Case(
        {"ec2:DescribeImages": {"UnauthorizedOperation": 1}},
        "FAILED",
        "AccessDenied",
        ("needs ec2:DescribeImages",),
        tag="FAILED",
        calls={"DescribeAccount": 0},
    ),
    "dynamodb:PutItem denied in AcquireLock": Case(
        {"dynamodb:PutItem": {"AccessDeniedException": 1}},
        "FAILED",
        "AccessDenied",
        ("needs dynamodb:PutItem on the lock table",),
        enabled=False,
        tag="FAILED",
        calls={"ModifyAccount": 0},
    ),
    "DescribeWorkspaceImages denied in PollImage": Case(
        {"DescribeWorkspaceImages": {"AccessDeniedException": 1}},
        "FAILED",
        "AccessDenied",
        ("needs workspaces:DescribeWorkspaceImages",),
        tag="FAILED",
        calls={"DescribeWorkspaceImages": 1},
    ),
    "DescribeTags denied in cleanup: the import's error stays, the note says denied": Case(
        {"DescribeTags": {"AccessDeniedException": 1}},
        "FAILED",
        "ImageImportFailed",
        ("AppXPackagesInstalled", "was denied", "workspaces:DescribeTags", "image was kept"),
        import_error=True,
        tag="FAILED",
        calls={"DescribeTags": 1, "DeleteWorkspaceImage": 0},
    ),
    "DeleteWorkspaceImage denied in cleanup": Case(
        {"DeleteWorkspaceImage": {"AccessDeniedException": 1}},
        "FAILED",
        "ImageImportFailed",
        (
            "AppXPackagesInstalled",
            "was denied",
            "workspaces:DeleteWorkspaceImage",
            "image was kept",
        ),
        import_error=True,
        tag="FAILED",
        calls={"DeleteWorkspaceImage": 1},
    ),
    # (each of the run's 3 CreateTags: QUEUED, IMPORTING, then the Report's; the phase tags
    # are skipped with a warning, the import goes on)
    "ec2:CreateTags denied in Report: the notification still goes, saying so": Case(
        {"ec2:CreateTags": {"UnauthorizedOperation": 3}},
        "SUCCEEDED",
        None,
        in_notification=("tagging was denied", "ec2:CreateTags on the AMI"),
        tag=None,
    ),
    "sns:Publish denied after a failure: the real error ends the execution": Case(
        {
            "ImportWorkspaceImage": {"ResourceLimitExceededException": 1},
            "sns:Publish": {"AuthorizationError": 1},
        },
        "FAILED",
        "ImageQuotaExceeded",
        ("Delete unused WorkSpaces images",),
        tag="FAILED",
        notifications=0,
    ),
    "sns:Publish denied after a success: the execution fails, so the alarm fires": Case(
        {"sns:Publish": {"AuthorizationError": 1}},
        "FAILED",
        "AccessDenied",
        ("needs sns:Publish on the notification topic",),
        tag="AVAILABLE",
        notifications=0,
    ),
    # -- the other outcome classes ------------------------------------------------------------
    "transient errors on every service are retried to success": Case(
        {
            "ModifyAccount": {"ResourceUnavailableException": 2},
            "dynamodb:PutItem": {"InternalServerError": 1},
            "ec2:DescribeVpcs": {"Unavailable": 1},
            "sns:Publish": {"InternalError": 1},
        },
        "SUCCEEDED",
        None,
        enabled=False,
        tag="AVAILABLE",
        calls={"ModifyAccount": 3},
    ),
    "a modification AWS says is running but does not show yet: EnableByol runs again": Case(
        {"ModifyAccount": {"InvalidResourceStateException": 1}},
        "SUCCEEDED",
        None,
        enabled=False,
        tag="AVAILABLE",
        calls={"ModifyAccount": 2},
    ),
    "ModifyAccount ResourceNotFound: enablement fails with what to check": Case(
        {"ModifyAccount": {"ResourceNotFoundException": 1}},
        "FAILED",
        "ByolEnablementFailed",
        ("found nothing to modify", "start the import again"),
        enabled=False,
        tag="FAILED",
    ),
    "ImportWorkspaceImage InvalidParameterValues: the request is rejected": Case(
        {"ImportWorkspaceImage": {"InvalidParameterValuesException": 1}},
        "FAILED",
        "ImageImportRejected",
        ("Fix the value the message names",),
        tag="FAILED",
    ),
    "the lock table is gone: a configuration error": Case(
        {"dynamodb:PutItem": {"ResourceNotFoundException": 1}},
        "FAILED",
        "ConfigurationError",
        ("lock table does not exist", "redeploy the stack"),
        enabled=False,
        tag="FAILED",
    ),
    "EC2 refuses a parameter: a defect to report, never retried": Case(
        {"ec2:DescribeImages": {"InvalidParameterValue": 1}},
        "FAILED",
        "AwsRequestRejected",
        ("report it with this message",),
        tag="FAILED",
    ),
    "the account is blocked: AWS Support": Case(
        {"ec2:DescribeVpcs": {"Blocked": 1}},
        "FAILED",
        "AccountRestricted",
        ("AWS Support",),
        enabled=False,
        tag="FAILED",
    ),
    "the failed image is used by a bundle: cleanup refused, the import error stays": Case(
        {"DeleteWorkspaceImage": {"ResourceAssociatedException": 1}},
        "FAILED",
        "ImageImportFailed",
        ("AppXPackagesInstalled", "delete the bundle"),
        import_error=True,
        tag="FAILED",
    ),
    "the failed image is already gone: nothing to clean up": Case(
        {"DescribeTags": {"ResourceNotFoundException": 1}},
        "FAILED",
        "ImageImportFailed",
        ("AppXPackagesInstalled", "no longer exists"),
        import_error=True,
        tag="FAILED",
        calls={"DeleteWorkspaceImage": 0},
    ),
    "the AMI has too many tags: the notification says which to remove": Case(
        {"ec2:CreateTags": {"TagLimitExceeded": 3}},
        "SUCCEEDED",
        None,
        in_notification=("could not tag the AMI", "remove unused tags"),
        tag=None,
    ),
}


def run(aws: LocalAws, case: Case) -> tuple[str, ExecutionResult]:
    """A person starts an import from the console; the workflow meets the injected errors."""
    if case.enabled:
        aws.enable_byol_directly()
    ami = aws.create_windows_ami()
    aws.calls.calls.clear()
    aws.faults.errors.update({op: dict(codes) for op, codes in case.errors.items()})
    aws.start_manual({"ImageId": ami})
    aws.wait_for_executions()
    # The run is over: our own inspection must not meet what is left of the faults.
    aws.faults.errors.clear()
    [result] = aws.results(history=False)
    return ami, result


@pytest.mark.parametrize("name", list(CASES))
def test_each_outcome_class(name: str) -> None:
    case = CASES[name]
    faults = Faults(import_errors={"*": ImportFault()} if case.import_error else {})
    with LocalAws(config=unattended(), faults=faults) as aws:
        # Given the errors AWS answers, When the import runs
        ami, result = run(aws, case)
        # Then the execution ends with the real error and says what to do
        assert (result.status, result.error) == (case.status, case.error), result.cause
        for fragment in case.in_cause:
            assert fragment in str(result.cause), (fragment, result.cause)
        # ... the AMI carries its status where it can be written
        assert aws.ami_tags(ami).get(STATUS) == case.tag
        # ... a person gets exactly one message where AWS lets us send it
        notes = [n for n in aws.notifications() if ami in n.subject]
        assert len(notes) == case.notifications
        for fragment in case.in_notification:
            assert fragment in notes[0].message, (fragment, notes[0].message)
        if case.error and notes:
            assert case.error in notes[0].subject
        # ... every injected error was met, as many times as injected
        calls = ws_calls(aws)
        for op, count in case.calls.items():
            assert calls[op] == count, (op, calls)
        # ... and nothing is left behind: no lock, no unhandled exception
        assert_no_leftovers(aws)


def test_a_modification_started_meanwhile_is_adopted() -> None:
    with LocalAws(config=unattended()) as aws:
        # Given a person who starts enabling BYOL in the console while EnableByol, holding the
        # lock, is choosing a management CIDR
        account = aws.world.account(ACCOUNT_ID, REGION)
        listing = account.list_available_cidrs

        def list_then_a_person_modifies(*args: Any, **kwargs: Any) -> Any:
            page = listing(*args, **kwargs)
            if not account.modifications:
                account.modify_account("ENABLED", "10.50.0.0/16")
            return page

        account.list_available_cidrs = list_then_a_person_modifies  # type: ignore[method-assign]
        ami = aws.create_windows_ami()
        aws.start_manual({"ImageId": ami})
        aws.wait_for_executions()
        [result] = aws.results(history=False)
        # When our ModifyAccount meets AWS's InvalidResourceStateException (a change is running)
        # Then the workflow adopts the person's modification: one import, their CIDR
        assert result.status == "SUCCEEDED", result.cause
        assert ws_calls(aws)["ModifyAccount"] == 1
        assert len(account.modifications) == 1
        assert (
            aws.client("workspaces").describe_account()["DedicatedTenancyManagementCidrRange"]
            == "10.50.0.0/16"
        )
        assert aws.ami_tags(ami)[STATUS] == "AVAILABLE"
        assert len([n for n in aws.notifications() if ami in n.subject]) == 1
        assert_no_leftovers(aws)


def test_a_denied_start_is_dead_lettered_with_the_permission() -> None:
    with LocalAws(config=unattended()) as aws:
        # Given a starter whose role may not start the state machine, deployed (as the
        # synthesized template says) with 2 async retries and an on-failure destination
        starter = aws.async_invoke["Starter"]
        assert (starter.async_retry_attempts, starter.async_on_failure) == (2, True)
        aws.enable_byol_directly()
        ami = aws.create_windows_ami()
        aws.tag_ami([ami], value="BYOL_REGULAR_WSP")
        aws.faults.errors["stepfunctions:StartExecution"] = {"AccessDeniedException": 10}
        # When EventBridge delivers the tagging: Lambda accepts it (an asynchronous invoke)
        deliveries = aws.deliver_events()
        # Then Lambda runs the starter once and retries it twice, 1 then 2 minutes later
        [delivery] = deliveries
        assert aws.lambdas.invocations["Starter"] == 3
        first, second, third = delivery["Attempts"]
        assert [(second - first).total_seconds(), (third - second).total_seconds()] == [60, 120]
        # And no import starts; the event goes to the starter's on-failure destination, the
        # dead-letter queue (the DLQ alarm fires), with the starter's error naming the permission
        assert aws.executions() == []
        assert aws.dropped == []
        [letter] = aws.dead_letters
        assert letter["From"] == "Lambda" and letter["Event"] == delivery["Event"]
        assert letter["Record"]["requestContext"]["condition"] == "RetriesExhausted"
        assert letter["Record"]["requestContext"]["approximateInvokeCount"] == 3
        assert letter["Record"]["responsePayload"]["errorType"] == "AccessDenied"
        assert delivery["Result"]["errorType"] == "AccessDenied"
        assert "states:StartExecution" in delivery["Result"]["errorMessage"]
        assert aws.lambdas.unhandled == []


def test_a_failing_function_without_an_on_failure_destination_drops_the_event() -> None:
    with LocalAws(config=unattended()) as aws:
        # Given a starter deployed without an on-failure destination, whose starts are denied
        aws.async_invoke["Starter"] = replace(aws.async_invoke["Starter"], async_on_failure=False)
        aws.enable_byol_directly()
        ami = aws.create_windows_ami()
        aws.tag_ami([ami], value="BYOL_REGULAR_WSP")
        aws.faults.errors["stepfunctions:StartExecution"] = {"AccessDeniedException": 10}
        # When EventBridge delivers the tagging
        aws.deliver_events()
        # Then Lambda tries three times and drops the event: EventBridge delivered it, so
        # nothing reaches the dead-letter queue
        assert aws.lambdas.invocations["Starter"] == 3
        assert aws.dead_letters == []
        [dropped] = aws.dropped
        assert dropped["Record"]["responsePayload"]["errorType"] == "AccessDenied"


def test_an_invoke_lambda_refuses_is_retried_by_eventbridge_then_dead_lettered() -> None:
    with LocalAws(config=unattended()) as aws:
        # Given Lambda refusing every invoke of the starter
        aws.enable_byol_directly()
        ami = aws.create_windows_ami()
        aws.tag_ami([ami], value="BYOL_REGULAR_WSP")
        aws.faults.errors["lambda:Invoke"] = {"TooManyRequestsException": 100}
        # When EventBridge delivers the tagging
        [delivery] = aws.deliver_events()
        # Then EventBridge tries 1 + the target's retry attempts, the starter never runs, and the
        # event is dead-lettered with EventBridge's error code
        assert len(delivery["Attempts"]) == triggers.TARGET_RETRY_ATTEMPTS + 1
        assert aws.lambdas.invocations["Starter"] == 0
        [letter] = aws.dead_letters
        assert letter["From"] == "EventBridge"
        assert letter["Attributes"]["ERROR_CODE"] == "TooManyRequestsException"


def test_too_many_running_executions_is_retried_by_lambda() -> None:
    with LocalAws(config=unattended()) as aws:
        # Given a StartExecution refused once (too many running executions)
        aws.enable_byol_directly()
        ami = aws.create_windows_ami()
        aws.tag_ami([ami], value="BYOL_REGULAR_WSP")
        aws.faults.errors["stepfunctions:StartExecution"] = {"ExecutionLimitExceeded": 1}
        # When EventBridge delivers the tagging
        [delivery] = aws.deliver_events()
        aws.wait_for_executions()
        # Then Lambda's first retry, a minute later, starts the import
        first, second = delivery["Attempts"]
        assert (second - first).total_seconds() == 60
        assert aws.lambdas.invocations["Starter"] == 2
        [result] = aws.results(history=False)
        assert result.status == "SUCCEEDED"
        assert aws.dead_letters == []
        assert Counter(n.subject.split(" ")[1] for n in aws.notifications()) == Counter({ami: 1})
