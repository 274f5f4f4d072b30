"""Take the account-wide lease lock before changing the account (WAITING_FOR_LOCK if refused)."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from byol_import import clients, steps
from byol_import.gateways.ec2 import Ec2Gateway
from byol_import.gateways.lock import LockGateway
from byol_import.observability import instrumented
from byol_import.settings import runtime_config
from byol_import.state import WorkflowState


@instrumented
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    config = runtime_config()
    state = WorkflowState.parse(event)
    return steps.acquire_lock(
        state,
        LockGateway(clients.client("dynamodb"), config.lock_table),
        config,
        Ec2Gateway(clients.client("ec2")),
    )
