"""The account's BYOL state (CheckAccount), the account-wide lock (AcquireLock, CheckLock,
ReleaseLock), and enabling BYOL inside it (EnableByol, PollModification)."""

from __future__ import annotations

from typing import Any

from byol_import import clock, errors
from byol_import.gateways.protocols import Ec2Api, LockApi, WorkSpacesApi
from byol_import.logic import account as account_logic
from byol_import.observability import logger
from byol_import.settings import (
    ACCOUNT_LOCK_ID,
    APPROVAL_LOCK_LOOK_SECONDS,
    PHASE_ENABLING_BYOL,
    PHASE_WAITING_FOR_LOCK,
    RuntimeConfig,
)
from byol_import.state import WorkflowState, need
from byol_import.steps.phases import enter_phase


def check_account(ws: WorkSpacesApi) -> dict[str, Any]:
    """One call: ENABLED imports at once; anything else goes through the lock, whose holder
    alone looks at the modifications (so a fleet of waiting imports costs one call each)."""
    account = ws.describe_account()
    return account_logic.account_state(account, account_logic.Modification("NONE")).to_json()


def account_and_modification(ws: WorkSpacesApi) -> account_logic.AccountState:
    """DescribeAccount, and the modifications only when it is not ENABLED: a PENDING one is
    adopted, not repeated."""
    account = ws.describe_account()
    if account.get("DedicatedTenancySupport") == "ENABLED":
        return account_logic.AccountState(
            "ENABLED", account.get("DedicatedTenancyManagementCidrRange")
        )
    newest = account_logic.newest_modification(ws.account_modifications())
    return account_logic.account_state(account, newest)


def _lock_count(state: WorkflowState) -> int:
    return state.lock.count if state.lock is not None else 0


# Lock ------------------------------------------------------------------------------------------


def _interval(state: WorkflowState) -> int:
    return need(state.lock_retry_interval_seconds, "Limits.LockRetryIntervalSeconds")


def acquire_lock(
    state: WorkflowState, lock: LockApi, config: RuntimeConfig, ec2: Ec2Api | None = None
) -> dict[str, Any]:
    """Take the lock; on the first refusal the AMI's status becomes WAITING_FOR_LOCK (`ec2`:
    where to tag it)."""
    owner = state.need_context().execution_id
    holder = lock.try_acquire(
        ACCOUNT_LOCK_ID, owner, clock.epoch_seconds(), config.lock_lease_seconds
    )
    # A refusal counts as a look at the lock, and the count carries over from the wait before
    # (the lock was freed, then taken by another import): the whole wait stays bounded.
    count = _lock_count(state) + (0 if holder is None else 1)
    logger.info("lock", extra={"acquired": holder is None, "holder": holder, "count": count})
    if holder is not None and state.lock is None and ec2 is not None:
        enter_phase(ec2, state.need_request().image_id, PHASE_WAITING_FOR_LOCK)
    return {
        "acquired": holder is None,
        "holder": holder or owner,
        "count": count,
        "wait_seconds": _interval(state),
    }


def check_lock(state: WorkflowState, lock: LockApi) -> dict[str, Any]:
    """A waiting import looks at the lock only (DynamoDB): FREE once the holder released it or
    its lease ran out (a holder that died); the account is read again after that. While the
    holder waits for a person's approval (bounded by its own timeout and lease), the looks are
    rarer (the wait bound counts them apart, stacks/config.py lock_max_waits)."""
    lease = lock.lease(ACCOUNT_LOCK_ID)
    held = lease is not None and lease.expires_at >= clock.epoch_seconds()
    approval = held and lease is not None and lease.awaiting_approval
    answer = {
        "acquired": False,
        "state": "HELD" if held else "FREE",
        "holder": lease.holder if lease else None,
        "count": _lock_count(state) + 1,
        "wait_seconds": APPROVAL_LOCK_LOOK_SECONDS if approval else _interval(state),
        "awaiting_approval": approval,
    }
    logger.info("lock looked at", extra=answer)
    return answer


def release_lock(state: WorkflowState, lock: LockApi) -> dict[str, Any]:
    return {"released": lock.release(ACCOUNT_LOCK_ID, state.need_context().execution_id)}


# Pick a CIDR and enable BYOL -------------------------------------------------------------------


def choose_management_cidr(ws: WorkSpacesApi, config: RuntimeConfig, vpc_cidrs: list[str]) -> str:
    account_logic.validate_constraints(config.cidr_constraints)
    blocked = account_logic.blocked_networks([*config.cidr_exclusions, *vpc_cidrs])
    for constraint in config.cidr_constraints:
        chosen = account_logic.first_usable(ws.available_cidrs(constraint), blocked)
        if chosen:
            return chosen
    raise errors.NoFreeManagementCidr(
        "No free /16 management CIDR in "
        f"{', '.join(config.cidr_constraints)} avoids the exclusions "
        f"({', '.join(config.cidr_exclusions) or 'none'}) and this account's VPC CIDR blocks "
        f"({', '.join(vpc_cidrs) or 'none'}). Add a constraint range in cdk.json "
        "(cidrConstraints) or remove an exclusion, redeploy and start the import again"
    )


def check_range(ws: WorkSpacesApi, config: RuntimeConfig, cidr: str, vpc_cidrs: list[str]) -> None:
    """`cidr` is offered (ListAvailableManagementCidrRanges with the range itself as the
    constraint) and overlaps no VPC CIDR block or excluded range."""
    clashes = [
        c
        for c in [*vpc_cidrs, *config.cidr_exclusions]
        if not account_logic.is_usable_management_cidr(cidr, account_logic.blocked_networks([c]))
    ]
    if clashes or not account_logic.is_usable_management_cidr(cidr, []):
        what = f"overlaps {', '.join(clashes)}" if clashes else "is not a /16 network"
        raise errors.ManagementCidrUnavailable(
            f"The management CIDR {cidr} {what} (this account's VPC CIDR blocks and "
            "cidrExclusions must stay clear of it). Pin "
            "another /16 in cdk.json (managementCidr), or leave it empty to let byol-import "
            "choose, redeploy and start the import again"
        )
    if cidr not in ws.available_cidrs(cidr):
        raise errors.ManagementCidrUnavailable(
            f"The management CIDR {cidr} is not offered by ListAvailableManagementCidrRanges "
            "(AWS does not make it available to this account, or it is in use). Pin another "
            "/16 in cdk.json (managementCidr), or leave it empty to let byol-import choose, "
            "redeploy and start the import again"
        )


def modify(ws: WorkSpacesApi, cidr: str) -> dict[str, Any]:
    """ModifyAccount with `cidr`; a modification someone started meanwhile is adopted."""
    if ws.modify_account(cidr):
        return {"status": "PENDING", "management_cidr": cidr, "modified": True}
    # InvalidResourceState: someone started a modification since our re-check. Adopt it.
    current = account_and_modification(ws)
    if current.status == "DISABLED":
        raise errors.TransientAwsError(
            "ModifyAccount: another modification is running, but DescribeAccount and "
            "DescribeAccountModifications do not show it yet; the step runs again"
        )
    return {**current.to_json(), "modified": False}


def enable_byol(
    ws: WorkSpacesApi, ec2: Ec2Api, config: RuntimeConfig, ami: str | None = None
) -> dict[str, Any]:
    """Runs inside the lock: re-check first, so a change made meanwhile is adopted, not
    repeated. Then byolEnablement decides: off refuses, a pinned range is the decision, auto
    enables at once, approve returns the chosen range for a person to approve. `ami` gets the
    ENABLING_BYOL status tag."""
    current = account_and_modification(ws)
    if current.status != "DISABLED":
        logger.info("BYOL enablement: nothing to change", extra=current.to_json())
        if current.status == "PENDING":
            enter_phase(ec2, ami, PHASE_ENABLING_BYOL)
        return {**current.to_json(), "modified": False}
    mode = config.byol_enablement
    if mode == "off":
        raise errors.ByolDisabled(
            "BYOL is not enabled in this account and Region, and byolEnablement is off: "
            "byol-import does not enable it. Enable it yourself (WorkSpaces console, Account "
            "settings, or aws workspaces modify-account), or set byolEnablement to approve or "
            "auto in cdk.json and redeploy; then start the import again"
        )
    vpc_cidrs = ec2.vpc_cidrs()
    pinned = bool(config.management_cidr)
    if pinned:
        cidr = config.management_cidr
        check_range(ws, config, cidr, vpc_cidrs)
    else:
        cidr = choose_management_cidr(ws, config, vpc_cidrs)
    approval_needed = mode == "approve" and not pinned
    decision = (
        "pinned in cdk.json (managementCidr)"
        if pinned
        else "to be approved"
        if approval_needed
        else "byolEnablement auto"
    )
    logger.info(
        "management CIDR decided",
        extra={
            "management_cidr": cidr,
            "decision": decision,
            "vpc_cidrs": vpc_cidrs,
            "exclusions": list(config.cidr_exclusions),
        },
    )
    decided = {
        "management_cidr": cidr,
        "approval_needed": approval_needed,
        "pinned": pinned,
        "vpc_cidrs": vpc_cidrs,
        "exclusions": list(config.cidr_exclusions),
        "decision": decision,
    }
    if approval_needed:
        return {"status": "DISABLED", "modified": False, **decided}
    result = {**decided, **modify(ws, cidr)}
    logger.info("ModifyAccount", extra={"management_cidr": cidr, "decision": decision})
    enter_phase(ec2, ami, PHASE_ENABLING_BYOL)
    return result


# COMPLETED in the modifications, but DescribeAccount does not say ENABLED yet (it lags).
SETTLING = "SETTLING"


def poll_modification(state: WorkflowState, ws: WorkSpacesApi) -> dict[str, Any]:
    """One WorkSpaces call per poll: the modifications while PENDING, DescribeAccount once they
    say COMPLETED (and on each poll while it still says DISABLED). COMPLETED only when
    DescribeAccount says ENABLED: the lock is released then, and the waiters read it."""
    previous = state.modification
    count = (previous.count if previous is not None else 0) + 1
    cidr = previous.cidr if previous is not None else None
    if not (previous is not None and previous.state == SETTLING):
        newest = account_logic.modification_outcome(
            account_logic.newest_modification(ws.account_modifications())
        )
        if newest.state != "COMPLETED":
            # PENDING, or no record yet (eventual consistency): poll again (bounded).
            logger.info("modification polled", extra={"state": newest.state, "count": count})
            return {**newest.to_json(), "state": "PENDING", "count": count}
        cidr = newest.cidr or cidr
    account = ws.describe_account()
    logger.info(
        "modification polled",
        extra={"account": account.get("DedicatedTenancySupport"), "count": count},
    )
    if account.get("DedicatedTenancySupport") == "ENABLED":
        return {
            **account_logic.Modification(
                "COMPLETED", account.get("DedicatedTenancyManagementCidrRange") or cidr
            ).to_json(),
            "count": count,
        }
    return {
        **account_logic.Modification("PENDING", cidr).to_json(),
        "state": SETTLING,
        "count": count,
    }
