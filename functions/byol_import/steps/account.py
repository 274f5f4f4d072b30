"""The account's BYOL state (CheckAccount), the account-wide lock (AcquireLock, CheckLock,
ReleaseLock), and enabling BYOL inside it (EnableByol, PollModification)."""

from __future__ import annotations

from typing import Any

from byol_import import clock, errors
from byol_import.gateways.protocols import Ec2Api, LockApi, WorkSpacesApi
from byol_import.logic import account as account_logic
from byol_import.settings import ACCOUNT_LOCK_ID, RuntimeConfig
from byol_import.state import WorkflowState


def check_account(ws: WorkSpacesApi) -> dict[str, Any]:
    """One call: ENABLED imports at once; anything else goes through the lock, whose holder
    alone looks at the modifications (so a fleet of waiting imports costs one call each)."""
    account = ws.describe_account()
    return account_logic.account_state(account, account_logic.Modification("NONE")).to_json()


def _account_and_modification(ws: WorkSpacesApi) -> account_logic.AccountState:
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


def acquire_lock(state: WorkflowState, lock: LockApi, config: RuntimeConfig) -> dict[str, Any]:
    owner = state.need_context().execution_id
    holder = lock.try_acquire(
        ACCOUNT_LOCK_ID, owner, clock.epoch_seconds(), config.lock_lease_seconds
    )
    # A refusal counts as a look at the lock, and the count carries over from the wait before
    # (the lock was freed, then taken by another import): the whole wait stays bounded.
    return {
        "acquired": holder is None,
        "holder": holder or owner,
        "count": _lock_count(state) + (0 if holder is None else 1),
    }


def check_lock(state: WorkflowState, lock: LockApi) -> dict[str, Any]:
    """A waiting import looks at the lock only (DynamoDB): FREE once the holder released it or
    its lease ran out (a holder that died); the account is read again after that."""
    lease = lock.lease(ACCOUNT_LOCK_ID)
    held = lease is not None and lease[1] >= clock.epoch_seconds()
    return {
        "acquired": False,
        "state": "HELD" if held else "FREE",
        "holder": lease[0] if lease else None,
        "count": _lock_count(state) + 1,
    }


def release_lock(state: WorkflowState, lock: LockApi) -> dict[str, Any]:
    return {"released": lock.release(ACCOUNT_LOCK_ID, state.need_context().execution_id)}


# Pick a CIDR and enable BYOL -------------------------------------------------------------------


def choose_management_cidr(ws: WorkSpacesApi, ec2: Ec2Api, config: RuntimeConfig) -> str:
    account_logic.validate_constraints(config.cidr_constraints)
    vpc_cidrs = ec2.vpc_cidrs()
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


def enable_byol(ws: WorkSpacesApi, ec2: Ec2Api, config: RuntimeConfig) -> dict[str, Any]:
    """Runs inside the lock: re-check first, so a change made meanwhile is adopted, not repeated."""
    current = _account_and_modification(ws)
    if current.status != "DISABLED":
        return {**current.to_json(), "modified": False}
    cidr = choose_management_cidr(ws, ec2, config)
    if ws.modify_account(cidr):
        return {"status": "PENDING", "management_cidr": cidr, "modified": True}
    # InvalidResourceState: someone started a modification since our re-check. Adopt it.
    current = _account_and_modification(ws)
    if current.status == "DISABLED":
        raise errors.TransientAwsError(
            "ModifyAccount: another modification is running, but DescribeAccount and "
            "DescribeAccountModifications do not show it yet; EnableByol runs again"
        )
    return {**current.to_json(), "modified": False}


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
            return {**newest.to_json(), "state": "PENDING", "count": count}
        cidr = newest.cidr or cidr
    account = ws.describe_account()
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
