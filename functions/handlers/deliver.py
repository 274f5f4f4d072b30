"""Deliver the AVAILABLE image: check BYOL in the target Regions, create or update the bundle,
share, start the copies (each asked in its target Region)."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from byol_import import clients, steps
from byol_import.gateways.delivery import DeliveryGateway
from byol_import.gateways.ec2 import Ec2Gateway
from byol_import.logic.delivery import Place
from byol_import.observability import account_and_region, instrumented
from byol_import.state import WorkflowState


@instrumented
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    account_id, region = account_and_region(context)
    gateway = DeliveryGateway(
        clients.client("workspaces"), lambda r: clients.client("workspaces", r)
    )
    return steps.deliver(
        WorkflowState.parse(event),
        gateway,
        Ec2Gateway(clients.client("ec2")),
        Place(account_id, region),
    )
