"""Accept a request (ValidateRequest) and check its AMI (CheckImage)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from byol_import.gateways.protocols import Ec2Api, ImageBuilderApi, NotifierApi
from byol_import.logic import image as image_logic
from byol_import.logic.delivery import Place
from byol_import.logic.image_build import check_build
from byol_import.logic.request import normalise_request
from byol_import.observability import logger
from byol_import.settings import PHASE_QUEUED, STATUS_TAG_KEY, RuntimeConfig
from byol_import.state import WorkflowState
from byol_import.steps.phases import enter_phase


def validate_request(
    state: WorkflowState, config: RuntimeConfig, place: Place | None = None
) -> dict[str, Any]:
    """`place`: our account and Region (copies go elsewhere, shares to other accounts)."""
    return normalise_request(
        state.input,
        config.default_ingestion_process,
        config.trigger_tag_key,
        config.import_method,
        image_builder_path=bool(config.infrastructure_configuration_arn),
        delivery_defaults=config.delivery_defaults(),
        place=place,
    ).to_json()


def check_image(
    state: WorkflowState,
    ec2: Ec2Api,
    account_id: str,
    started: NotifierApi | None = None,
    *,
    region: str = "",
    imagebuilder: Callable[[], ImageBuilderApi] | None = None,
) -> dict[str, Any]:
    """Check the AMI (and the Image Builder build it came from, when the request names one:
    `imagebuilder` makes the gateway); once it passes, its status is QUEUED, and `started`
    (notifyOnStart) gets a "started" notification."""
    request = state.need_request()
    facts = image_logic.check_ami(
        ec2.describe_image(request.image_id), request.image_id, account_id
    )
    image_logic.check_combination(request, facts)
    arn = request.image_build_version_arn
    if arn is not None:
        if imagebuilder is None:
            raise ValueError("a request that names an image build needs the Image Builder gateway")
        check_build(imagebuilder().get_image(arn), arn, request.image_id, account_id, region)
    logger.info("AMI checked: it can be imported", extra={"ingestion": request.ingestion_process})
    enter_phase(ec2, request.image_id, PHASE_QUEUED)
    if started is not None:
        execution = state.need_context().execution_id
        started.publish(
            f"byol-import: import of {request.image_id} started",
            f"The import of AMI {request.image_id} as a WorkSpaces BYOL image started.\n"
            f"Its status is on the AMI's {STATUS_TAG_KEY} tag.\nExecution: {execution}",
            {"outcome": "STARTED", "ami": request.image_id},
        )
    return {
        **facts.to_json(),
        "import_name": image_logic.image_name(request, facts),
        "import_description": image_logic.image_description(request, facts),
    }
