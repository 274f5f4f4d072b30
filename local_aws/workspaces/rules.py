"""The documented request constraints, the error type AWS answers with, and paging.

Patterns and enums come from the botocore WorkSpaces model where it has them, so a new SDK's
values are picked up rather than copied by hand (docs/byol-api-facts.md, "The seven operations").
"""

from __future__ import annotations

import base64
import ipaddress
import re
from typing import Any, Final

import botocore.session
from moto.core.exceptions import JsonRESTError

_MODEL: Final = botocore.session.get_session().get_service_model("workspaces")
MODEL: Final = _MODEL  # for the modules that read further shapes (custom_import)


def _enum(shape: str) -> frozenset[str]:
    return frozenset(_MODEL.shape_for(shape).enum)


def _pattern(shape: str) -> re.Pattern[str]:
    return re.compile(_MODEL.shape_for(shape).metadata["pattern"])


CIDR16_PATTERN: Final = re.compile(
    r"^(([0-9]|[1-9][0-9]|1[0-9]{2}|2[0-4][0-9]|25[0-5])\.){3}"
    r"([0-9]|[1-9][0-9]|1[0-9]{2}|2[0-4][0-9]|25[0-5])/16$"
)
# ManagementCidrRangeConstraint: an IPv4 CIDR with its /n (model pattern)
CIDR_CONSTRAINT_PATTERN: Final = _pattern("ManagementCidrRangeConstraint")
AMI_PATTERN: Final = re.compile(r"^ami-([a-f0-9]{8}|[a-f0-9]{17})$")
IMAGE_ID_PATTERN: Final = _pattern("WorkspaceImageId")  # wsi-[0-9a-z]{9,63}$
BUNDLE_ID_PATTERN: Final = _pattern("BundleId")  # ^wsb-[0-9a-z]{8,63}$
NAME_PATTERN: Final = re.compile(r"^[a-zA-Z0-9_./()\-]{1,64}$")
DESCRIPTION_PATTERN: Final = re.compile(r"^[a-zA-Z0-9_./() \-]{1,256}$")
BUNDLE_NAME_PATTERN: Final = re.compile(r"^[a-zA-Z0-9_./()\-]{1,64}$")
BUNDLE_DESCRIPTION_PATTERN: Final = re.compile(r"^[a-zA-Z0-9_./() \-]{1,255}$")
INGESTION_PROCESSES: Final = _enum("WorkspaceImageIngestionProcess")
APPLICATIONS: Final = _enum("Application")
IMAGE_TYPES: Final = _enum("ImageType")
COMPUTE_TYPES: Final = _enum("Compute")
ERROR_DETAIL_CODES: Final = _enum("WorkspaceImageErrorDetailCode")
# facts: "Management CIDR": the parent ranges the 2022 guide names
PARENT_RANGES: Final = tuple(
    ipaddress.IPv4Network(c)
    for c in ("10.0.0.0/8", "100.64.0.0/10", "172.16.0.0/12", "192.168.0.0/16", "198.18.0.0/15")
)
IMAGE_QUOTA: Final = 40  # facts: "Images: 40 per Region by default"
MAX_TAGS: Final = 50


class WorkSpacesError(JsonRESTError):
    code = 400

    def __init__(self, error_type: str, message: str, status: int = 400) -> None:
        super().__init__(error_type, message)
        self.code = status


def validation(message: str) -> WorkSpacesError:
    return WorkSpacesError("ValidationException", message)


def invalid(message: str) -> WorkSpacesError:
    return WorkSpacesError("InvalidParameterValuesException", message)


def not_found(message: str) -> WorkSpacesError:
    return WorkSpacesError("ResourceNotFoundException", message)


def check_tags(tags: list[dict[str, str]]) -> None:
    if len(tags) > MAX_TAGS or any(
        not 1 <= len(t.get("Key", "")) <= 127 or len(t.get("Value", "")) > 255 for t in tags
    ):
        raise validation("Tags break the limits (50 tags, key 1-127, value 255).")


def page(items: list[Any], token: str | None, size: int, key: str) -> dict[str, Any]:
    start = 0
    if token:
        try:
            start = int(base64.b64decode(token.encode()).decode())
        except (ValueError, UnicodeDecodeError) as exc:
            raise invalid("The NextToken is not valid.") from exc
    out: dict[str, Any] = {key: items[start : start + size]}
    if start + size < len(items):
        out["NextToken"] = base64.b64encode(str(start + size).encode()).decode()
    return out
