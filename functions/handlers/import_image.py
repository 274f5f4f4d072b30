"""Import the AMI (ImportWorkspaceImage, or ImportCustomWorkspaceImage on the Image Builder
path), adopting our own image on a retry; tag it IMPORTING."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from byol_import import clients, steps
from byol_import.gateways.ec2 import Ec2Gateway
from byol_import.gateways.workspaces import WorkSpacesGateway
from byol_import.observability import instrumented
from byol_import.settings import runtime_config
from byol_import.state import WorkflowState


@instrumented
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    state = WorkflowState.parse(event)
    return steps.import_image(
        state,
        WorkSpacesGateway(clients.client("workspaces")),
        Ec2Gateway(clients.client("ec2")),
        runtime_config(),
    )
