"""A person approves the management /16 (byolEnablement approve): RequestApproval stores the
task token on the lock item and asks by SNS; ModifyAccount, once approved (or at once for auto
or a pinned range), re-checks the range and enables BYOL with it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from byol_import import errors
from byol_import.gateways.protocols import Ec2Api, LockApi, NotifierApi, WorkSpacesApi
from byol_import.logic import approval as approval_logic
from byol_import.observability import logger
from byol_import.settings import (
    ACCOUNT_LOCK_ID,
    APPROVAL_AMI_ATTR,
    APPROVAL_CIDR_ATTR,
    APPROVAL_EXECUTION_ATTR,
    APPROVAL_REQUESTED_AT_ATTR,
    APPROVAL_TOKEN_ATTR,
    PHASE_AWAITING_APPROVAL,
    PHASE_ENABLING_BYOL,
    RuntimeConfig,
)
from byol_import.state import WorkflowState, need
from byol_import.steps import account as account_steps
from byol_import.steps.phases import enter_phase, since


def request_approval(
    event: Mapping[str, Any],
    lock: LockApi,
    ec2: Ec2Api,
    notifier: NotifierApi,
    config: RuntimeConfig,
) -> dict[str, Any]:
    """The token waits on the lock item this execution holds (so the CLI finds it with one
    read); the email names the range and what it avoided."""
    token = event.get("Token")
    if not isinstance(token, str) or not token:
        raise errors.InvalidRequest("RequestApproval: no task token; the workflow is broken")
    state = WorkflowState.parse(event.get("State"))
    execution = state.need_context().execution_id
    ami = state.need_request().image_id
    account = state.need_account()
    cidr = account.management_cidr
    if not cidr:
        raise errors.InvalidRequest("RequestApproval: no management CIDR was chosen")
    timeout_hours = need(state.approval_timeout_seconds, "Limits.ApprovalTimeoutSeconds") // 3600
    recorded = lock.record_approval(
        ACCOUNT_LOCK_ID,
        execution,
        {
            APPROVAL_TOKEN_ATTR: token,
            APPROVAL_CIDR_ATTR: cidr,
            APPROVAL_REQUESTED_AT_ATTR: since(),
            APPROVAL_EXECUTION_ATTR: execution,
            APPROVAL_AMI_ATTR: ami,
        },
    )
    if not recorded:
        raise errors.LockNotAcquired(
            "The account lock is no longer held by this import (its lease ran out?): the "
            "approval request was not sent. Start the import again"
        )
    enter_phase(ec2, ami, PHASE_AWAITING_APPROVAL)
    subject, message = approval_logic.request_message(
        approval_logic.ApprovalRequest(
            ami=ami,
            execution_arn=execution,
            cidr=cidr,
            vpc_cidrs=account.vpc_cidrs,
            exclusions=account.exclusions,
            timeout_hours=timeout_hours,
            lock_table=config.lock_table,
        )
    )
    notifier.publish(subject, message, {"outcome": PHASE_AWAITING_APPROVAL, "ami": ami})
    logger.info(
        "approval requested",
        extra={"management_cidr": cidr, "timeout_hours": timeout_hours},
    )
    return {"requested": True, "management_cidr": cidr}


def modify_account(
    state: WorkflowState, ws: WorkSpacesApi, ec2: Ec2Api, lock: LockApi, config: RuntimeConfig
) -> dict[str, Any]:
    """Enable BYOL with the range a person approved (an approval of another range is refused).
    The range is checked again first: still offered, still clear of VPCs and exclusions."""
    account = state.need_account()
    cidr = account.management_cidr
    if not cidr:
        raise errors.InvalidRequest("ModifyAccount: no management CIDR was decided")
    who = approval_logic.approved_by(state.approval, cidr)
    decision = f"approved by {who}"
    current = account_steps.account_and_modification(ws)
    if current.status != "DISABLED":
        logger.info("enablement adopted: another change came first", extra=current.to_json())
        lock.clear_approval(ACCOUNT_LOCK_ID, state.need_context().execution_id)
        return {**current.to_json(), "modified": False}
    account_steps.check_range(ws, config, cidr, ec2.vpc_cidrs())
    result = account_steps.modify(ws, cidr)
    lock.clear_approval(ACCOUNT_LOCK_ID, state.need_context().execution_id)
    logger.info(
        "ModifyAccount",
        extra={"management_cidr": cidr, "decision": decision, "approved_by": who, **result},
    )
    enter_phase(ec2, state.need_request().image_id, PHASE_ENABLING_BYOL)
    return {**result, "management_cidr": cidr, "decision": decision, "approved_by": who}
