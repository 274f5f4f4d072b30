"""Which WorkSpaces resources (SAR resource types `workspaceimage`, `workspacebundle`) each
WorkSpaces call names, and where: (service, operation) -> params -> [(type, ARN variables)].

A resource the call creates has no id yet: it is authorized as `<type>/*` in the Region called
(a policy naming one id cannot allow a create; unconfirmed, the stricter reading). A copy names
its source in `SourceRegion` (the "Region" variable) and creates its image in the Region called
(docs/byol-api-facts.md, "Delivering an image: bundles, copies, sharing", IAM).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

Placed = list[tuple[str, dict[str, str]]]
NEW: Final = "*"  # the id of a resource the call creates


def _image(params: Mapping[str, Any], key: str = "ImageId") -> tuple[str, dict[str, str]]:
    return ("workspaceimage", {"ImageId": str(params.get(key) or NEW)})


def _bundle(params: Mapping[str, Any]) -> tuple[str, dict[str, str]]:
    return ("workspacebundle", {"BundleId": str(params.get("BundleId") or NEW)})


def _copy(params: Mapping[str, Any]) -> Placed:
    source = {"ImageId": str(params["SourceImageId"]), "Region": str(params["SourceRegion"])}
    return [("workspaceimage", source), ("workspaceimage", {"ImageId": NEW})]


WORKSPACES_PLACERS: Final[dict[tuple[str, str], Callable[[Mapping[str, Any]], Placed]]] = {
    ("workspaces", "DeleteWorkspaceImage"): lambda p: [_image(p)],
    ("workspaces", "CopyWorkspaceImage"): _copy,
    ("workspaces", "UpdateWorkspaceImagePermission"): lambda p: [_image(p)],
    ("workspaces", "DescribeWorkspaceImagePermissions"): lambda p: [_image(p)],
    ("workspaces", "CreateWorkspaceBundle"): lambda p: [
        ("workspacebundle", {"BundleId": NEW}),
        _image(p),
    ],
    ("workspaces", "UpdateWorkspaceBundle"): lambda p: [_bundle(p), _image(p)],
    ("workspaces", "DeleteWorkspaceBundle"): lambda p: [_bundle(p)],
}
# The calls whose Tags become aws:RequestTag/<key> and aws:TagKeys.
WORKSPACES_REQUEST_TAGS: Final = (
    ("workspaces", "CopyWorkspaceImage"),
    ("workspaces", "CreateWorkspaceBundle"),
)
