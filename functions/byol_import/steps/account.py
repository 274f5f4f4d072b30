"""The account's BYOL state (CheckAccount), the account-wide lock (AcquireLock, ReleaseLock),
and enabling BYOL inside it (EnableByol, PollModification)."""

from __future__ import annotations

from typing import Any

from byol_import import clock, errors
from byol_import.gateways.protocols import Ec2Api, LockApi, WorkSpacesApi
from byol_import.logic import account as account_logic
from byol_import.settings import ACCOUNT_LOCK_ID, RuntimeConfig
from byol_import.state import WorkflowState


def check_account(ws: WorkSpacesApi) -> dict[str, Any]:
    account = ws.describe_account()
    if account.get("DedicatedTenancySupport") == "ENABLED":
        return account_logic.AccountState("ENABLED", account.get(
            "DedicatedTenancyManagementCidrRange")).to_json()
    newest = account_logic.newest_modification(ws.account_modifications())
    return account_logic.account_state(account, newest).to_json()


# Lock ------------------------------------------------------------------------------------------

def acquire_lock(state: WorkflowState, lock: LockApi, config: RuntimeConfig) -> dict[str, Any]:
    owner = state.need_context().execution_id
    holder = lock.try_acquire(ACCOUNT_LOCK_ID, owner, clock.epoch_seconds(),
                              config.lock_lease_seconds)
    return {"acquired": holder is None, "holder": holder or owner}


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
    current = account_logic.AccountState(**check_account(ws))
    if current.status != "DISABLED":
        return {**current.to_json(), "modified": False}
    cidr = choose_management_cidr(ws, ec2, config)
    if ws.modify_account(cidr):
        return {"status": "PENDING", "management_cidr": cidr, "modified": True}
    # InvalidResourceState: someone started a modification since our re-check. Adopt it.
    current = account_logic.AccountState(**check_account(ws))
    if current.status == "DISABLED":
        raise errors.TransientAwsError(
            "ModifyAccount: another modification is running, but DescribeAccount and "
            "DescribeAccountModifications do not show it yet; EnableByol runs again")
    return {**current.to_json(), "modified": False}


def poll_modification(ws: WorkSpacesApi) -> dict[str, Any]:
    account = ws.describe_account()
    if account.get("DedicatedTenancySupport") == "ENABLED":
        return account_logic.Modification(
            "COMPLETED", account.get("DedicatedTenancyManagementCidrRange")).to_json()
    newest = account_logic.modification_outcome(
        account_logic.newest_modification(ws.account_modifications()))
    # COMPLETED while DescribeAccount still says DISABLED, or no record yet: eventual
    # consistency, poll again (the loop is bounded).
    state = "PENDING" if newest.state != "FAILED" else newest.state
    return {**newest.to_json(), "state": state}
