"""Accept a request (ValidateRequest) and check its AMI (CheckImage)."""

from __future__ import annotations

from typing import Any

from byol_import.gateways.protocols import Ec2Api
from byol_import.logic import image as image_logic
from byol_import.logic.request import normalise_request
from byol_import.settings import RuntimeConfig
from byol_import.state import WorkflowState


def validate_request(state: WorkflowState, config: RuntimeConfig) -> dict[str, Any]:
    return normalise_request(
        state.input, config.default_ingestion_process, config.trigger_tag_key
    ).to_json()


def check_image(state: WorkflowState, ec2: Ec2Api, account_id: str) -> dict[str, Any]:
    request = state.need_request()
    facts = image_logic.check_ami(
        ec2.describe_image(request.image_id), request.image_id, account_id
    )
    image_logic.check_combination(request, facts)
    return {
        **facts.to_json(),
        "import_name": image_logic.image_name(request, facts),
        "import_description": image_logic.image_description(request, facts),
    }
