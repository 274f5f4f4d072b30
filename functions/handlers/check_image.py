"""Check the AMI with ec2:DescribeImages (and its Image Builder build with imagebuilder:GetImage,
when the request names one); tag it QUEUED (and notify, with notifyOnStart)."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from byol_import import clients, steps
from byol_import.gateways.ec2 import Ec2Gateway
from byol_import.gateways.imagebuilder import ImageBuilderGateway
from byol_import.gateways.notifier import Notifier
from byol_import.observability import account_and_region, instrumented
from byol_import.settings import runtime_config
from byol_import.state import WorkflowState


@instrumented
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    account_id, region = account_and_region(context)
    config = runtime_config()
    state = WorkflowState.parse(event)
    started = Notifier(clients.client("sns"), config.topic_arn) if config.notify_on_start else None
    return steps.check_image(
        state,
        Ec2Gateway(clients.client("ec2")),
        account_id,
        started,
        region=region,
        imagebuilder=lambda: ImageBuilderGateway(clients.client("imagebuilder")),
    )
