"""First state: normalise the console or starter input. Touches no AWS resource."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from byol_import import steps
from byol_import.logic.delivery import Place
from byol_import.observability import account_and_region, instrumented
from byol_import.settings import runtime_config
from byol_import.state import WorkflowState


@instrumented
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    account_id, region = account_and_region(context)
    return steps.validate_request(
        WorkflowState.parse(event), runtime_config(), Place(account_id, region)
    )
