"""The `EC2 Image Builder Image State Change` event, as Image Builder puts it on the default bus.

Shape and fields from the Image Builder user guide, "Event messages that Image Builder sends"
(https://docs.aws.amazon.com/imagebuilder/latest/userguide/integ-eventbridge.html): source
`aws.imagebuilder`, the image build version ARN as the only resource, `detail.previous-state.status`
and `detail.state.status`; `reason` beside a status is in EventBridge's schema for the event
(aws.imagebuilder@EC2ImageBuilderImageStateChange) though not in the guide's example. Whether an
ImportCustomWorkspaceImage build puts such events in the customer's account is unconfirmed
(docs/byol-api-facts.md); pipeline builds in local runs (local_aws/imagebuilder/builds.py) send
them through this helper.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Any, Final

import botocore.session

_MODEL: Final = botocore.session.get_session().get_service_model("imagebuilder")
DETAIL_TYPE: Final = "EC2 Image Builder Image State Change"
SOURCE: Final = "aws.imagebuilder"
# The image statuses of the Image Builder model (ImageStatus); the guide lists the build
# transitions BUILDING, TESTING, DISTRIBUTING, INTEGRATING, AVAILABLE, CANCELLED and FAILED.
IMAGE_STATUSES: Final = frozenset(_MODEL.shape_for("ImageStatus").enum)
IMAGE_ARN_PATTERN: Final = re.compile(_MODEL.shape_for("ImageBuildVersionArn").metadata["pattern"])


def _state(status: str, reason: str | None) -> dict[str, str]:
    if status not in IMAGE_STATUSES:
        raise ValueError(f"status {status!r} is not one of {sorted(IMAGE_STATUSES)}")
    return {"status": status, **({"reason": reason} if reason else {})}


def image_state_change(
    image_arn: str,
    status: str,
    previous_status: str,
    *,
    time: datetime,
    reason: str | None = None,
    event_id: str | None = None,
) -> dict[str, Any]:
    """The event for `image_arn` (an image build version ARN, `.../image/<name>/<x.y.z>/<n>`)
    changing from `previous_status` to `status`; account and Region are the ARN's."""
    if not IMAGE_ARN_PATTERN.fullmatch(image_arn):
        raise ValueError(f"{image_arn!r} is not an image build version ARN")
    _, _, _, region, account, _ = image_arn.split(":", 5)
    return {
        "version": "0",
        "id": event_id or str(uuid.uuid4()),
        "detail-type": DETAIL_TYPE,
        "source": SOURCE,
        "account": account,
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [image_arn],
        "detail": {
            "previous-state": _state(previous_status, None),
            "state": _state(status, reason),
        },
    }
