"""Poll the BYOL account modification."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from byol_import import clients, steps
from byol_import.gateways.workspaces import WorkSpacesGateway
from byol_import.observability import instrumented
from byol_import.state import WorkflowState


@instrumented
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return steps.poll_modification(
        WorkflowState.parse(event), WorkSpacesGateway(clients.client("workspaces"))
    )
