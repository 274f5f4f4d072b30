"""Check the AMI with ec2:DescribeImages."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from byol_import import clients, steps
from byol_import.gateways.ec2 import Ec2Gateway
from byol_import.observability import account_and_region, instrumented
from byol_import.state import WorkflowState


@instrumented
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    account_id, _ = account_and_region(context)
    state = WorkflowState.parse(event)
    return steps.check_image(state, Ec2Gateway(clients.client("ec2")), account_id)
