"""Inside the lock: re-check the account, pick a management CIDR and enable BYOL."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from byol_import import clients, steps
from byol_import.gateways.ec2 import Ec2Gateway
from byol_import.gateways.workspaces import WorkSpacesGateway
from byol_import.observability import instrumented
from byol_import.settings import runtime_config


@instrumented
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return steps.enable_byol(
        WorkSpacesGateway(clients.client("workspaces")),
        Ec2Gateway(clients.client("ec2")),
        runtime_config(),
    )
