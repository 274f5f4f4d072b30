"""EventBridge target: start one execution per tagged AMI (or per AMI an Image Builder pipeline
built), idempotently."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from byol_import import clients, steps
from byol_import.gateways.ec2 import Ec2Gateway
from byol_import.gateways.imagebuilder import ImageBuilderGateway
from byol_import.gateways.starter import Starter
from byol_import.observability import account_and_region, instrumented
from byol_import.settings import runtime_config


@instrumented
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    config = runtime_config()
    account_id, region = account_and_region(context)
    return steps.start_imports(
        event,
        Ec2Gateway(clients.client("ec2")),
        Starter(clients.client("stepfunctions"), config.state_machine_arn),
        account_id=account_id,
        region=region,
        trigger_tag_key=config.trigger_tag_key,
        # made on first use: only Image Builder events need it (a client costs a cold start)
        imagebuilder=lambda: ImageBuilderGateway(clients.client("imagebuilder")),
        pipelines=config.image_builder_pipeline_arns,
        # importMethod is the image-builder path's setting; without it, the classic path
        default_import_method=config.import_method,
    )
