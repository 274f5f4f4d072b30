"""Poll the image's copies, each in its own Region."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from byol_import import clients, steps
from byol_import.gateways.delivery import DeliveryGateway
from byol_import.logic.delivery import Place
from byol_import.observability import account_and_region, instrumented
from byol_import.state import WorkflowState


@instrumented
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    account_id, region = account_and_region(context)
    gateway = DeliveryGateway(
        clients.client("workspaces"), lambda r: clients.client("workspaces", r)
    )
    return steps.poll_copies(WorkflowState.parse(event), gateway, Place(account_id, region))
