"""Ask a person to approve the management /16 (byolEnablement approve); the task token waits on
the account lock item for their answer (SendTaskSuccess / SendTaskFailure)."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from byol_import import clients, steps
from byol_import.gateways.ec2 import Ec2Gateway
from byol_import.gateways.lock import LockGateway
from byol_import.gateways.notifier import Notifier
from byol_import.observability import instrumented
from byol_import.settings import runtime_config


@instrumented
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    config = runtime_config()
    return steps.request_approval(
        event,
        LockGateway(clients.client("dynamodb"), config.lock_table),
        Ec2Gateway(clients.client("ec2")),
        Notifier(clients.client("sns"), config.topic_arn),
        config,
    )
