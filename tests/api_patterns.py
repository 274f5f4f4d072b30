"""The request patterns botocore does not check (it checks types, required members and lengths):
every request our code builds is held to them here."""

from __future__ import annotations

import re
from typing import Any

PATTERNS: dict[tuple[str, str], re.Pattern[str]] = {
    ("ImportWorkspaceImage", "Ec2ImageId"): re.compile(r"^ami-([a-f0-9]{8}|[a-f0-9]{17})$"),
    ("ImportWorkspaceImage", "ImageName"): re.compile(r"^[a-zA-Z0-9_./()\-]{1,64}$"),
    ("ImportWorkspaceImage", "ImageDescription"): re.compile(r"^[a-zA-Z0-9_./() \-]{1,256}$"),
    ("ModifyAccount", "DedicatedTenancyManagementCidrRange"): re.compile(
        r"^(([0-9]|[1-9][0-9]|1[0-9]{2}|2[0-4][0-9]|25[0-5])\.){3}"
        r"([0-9]|[1-9][0-9]|1[0-9]{2}|2[0-4][0-9]|25[0-5])/16$"
    ),
    ("DescribeWorkspaceImages", "ImageIds"): re.compile(r"^wsi-[0-9a-z]{9,63}$"),
    ("DeleteWorkspaceImage", "ImageId"): re.compile(r"^wsi-[0-9a-z]{9,63}$"),
}
MAX_RESULTS = {"ListAvailableManagementCidrRanges": 5, "DescribeWorkspaceImages": 25}


def check_request(operation: str, params: dict[str, Any]) -> None:
    for (op, member), pattern in PATTERNS.items():
        if op != operation or member not in params:
            continue
        values = params[member] if isinstance(params[member], list) else [params[member]]
        for value in values:
            assert pattern.fullmatch(value), f"{operation}.{member}={value!r} breaks pattern"
    if operation in MAX_RESULTS and "MaxResults" in params:
        assert 1 <= params["MaxResults"] <= MAX_RESULTS[operation]
    if operation == "ModifyAccount":
        assert params.get("DedicatedTenancySupport") == "ENABLED"
    if operation == "ImportWorkspaceImage":
        tags = params.get("Tags", [])
        assert len(tags) <= 50
        assert all(1 <= len(t["Key"]) <= 127 and len(t["Value"]) <= 255 for t in tags)


def attach(client: Any) -> None:
    """Check every request the client sends against the patterns."""

    def hook(params: dict[str, Any], model: Any, **_: Any) -> None:
        check_request(model.name, params)

    client.meta.events.register("provide-client-params.*.*", hook)
