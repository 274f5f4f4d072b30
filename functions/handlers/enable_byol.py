"""Inside the lock: re-check the account, decide the management CIDR (byolEnablement) and,
unless a person must approve it, enable BYOL."""

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
    return steps.enable_byol(
        WorkSpacesGateway(clients.client("workspaces")),
        Ec2Gateway(clients.client("ec2")),
        runtime_config(),
        WorkflowState.parse(event).need_request().image_id,
    )
