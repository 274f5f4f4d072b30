"""Delete our own failed WorkSpaces image, keeping the import error as the failure."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from byol_import import clients, steps
from byol_import.gateways.workspaces import WorkSpacesGateway
from byol_import.observability import instrumented
from byol_import.settings import runtime_config
from byol_import.state import WorkflowState


@instrumented
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    state = WorkflowState.parse(event)
    return steps.cleanup_image(
        state, WorkSpacesGateway(clients.client("workspaces")), runtime_config()
    )
