"""First state: normalise the console or starter input. Touches no AWS resource."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from byol_import import steps
from byol_import.observability import instrumented
from byol_import.settings import runtime_config
from byol_import.state import WorkflowState


@instrumented
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return steps.validate_request(WorkflowState.parse(event), runtime_config())
