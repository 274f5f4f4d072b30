"""Tag the AMI with the outcome, notify a person, emit metrics and free the lock."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from byol_import import clients, steps
from byol_import.gateways.ec2 import Ec2Gateway
from byol_import.gateways.lock import LockGateway
from byol_import.gateways.notifier import Notifier
from byol_import.observability import instrumented, metrics
from byol_import.settings import runtime_config
from byol_import.state import WorkflowState


@instrumented
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    config = runtime_config()
    return steps.report(
        WorkflowState.parse(event),
        Ec2Gateway(clients.client("ec2")),
        Notifier(clients.client("sns"), config.topic_arn),
        LockGateway(clients.client("dynamodb"), config.lock_table),
        metrics,
    )
