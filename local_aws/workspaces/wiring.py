"""The BYOL and bundle operations attached to moto's WorkSpacesResponse, so real boto3 clients
reach them through `mock_aws` exactly as they reach AWS."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from local_aws.workspaces import delivery
from local_aws.workspaces.rules import WorkSpacesError, validation
from local_aws.workspaces.service import ByolAccount, ByolWorld

_world: ByolWorld | None = None


def world() -> ByolWorld:
    if _world is None:
        raise RuntimeError("the local WorkSpaces BYOL service is not installed")
    return _world


def _params(response: Any) -> dict[str, Any]:
    body = response.body
    if isinstance(body, bytes):
        body = body.decode() or "{}"
    return dict(json.loads(body or "{}"))


def _account(response: Any) -> ByolAccount:
    return world().account(response.current_account, response.region)


def _op(call: Callable[[ByolAccount, dict[str, Any]], dict[str, Any]]) -> Callable[[Any], str]:
    def method(self: Any) -> str:
        return json.dumps(call(_account(self), _params(self)))

    return method


def _list_cidrs(account: ByolAccount, p: dict[str, Any]) -> dict[str, Any]:
    constraint = p.get("ManagementCidrRangeConstraint")
    if not isinstance(constraint, str):
        raise validation("ManagementCidrRangeConstraint is required.")
    return account.list_available_cidrs(constraint, p.get("MaxResults"), p.get("NextToken"))


def _delete_image(account: ByolAccount, p: dict[str, Any]) -> dict[str, Any]:
    if p.get("ImageId") is None:
        raise validation("ImageId is required.")
    return account.delete_image(p.get("ImageId"))


def _wrap_describe_images(original: Callable[[Any], str]) -> Callable[[Any], str]:
    def describe_workspace_images(self: Any) -> str:
        # moto's own images (CreateWorkspaceImage) keep working beside imported ones.
        backend = self.workspaces_backend
        account = _account(self)
        others = [i.to_desc_dict() for i in backend.workspace_images.values()]
        others += delivery.shared_images(world(), account)
        return json.dumps(account.describe_images(_params(self), others))

    describe_workspace_images.__wrapped__ = original  # type: ignore[attr-defined]
    return describe_workspace_images


def _wrap_permissions(name: str, original: Callable[[Any], str]) -> Callable[[Any], str]:
    ours = _op(_PERMISSION_OPERATIONS[name])

    def method(self: Any) -> str:
        if _params(self).get("ImageId") in self.workspaces_backend.workspace_images:
            return original(self)
        return ours(self)

    method.__wrapped__ = original  # type: ignore[attr-defined]
    return method


def _wrap_create_workspaces(original: Callable[[Any], str]) -> Callable[[Any], str]:
    def create_workspaces(self: Any) -> str:
        # moto launches a WorkSpace of any BundleId; ours must exist, in a DEDICATED directory.
        account, params = _account(self), _params(self)
        directories = self.workspaces_backend.workspace_directories
        failed: list[dict[str, Any]] = []
        accepted: list[dict[str, Any]] = []
        for request in params.get("Workspaces") or []:
            directory = directories.get(request.get("DirectoryId"))
            tenancy = None if directory is None else str(directory.tenancy)
            refused = account.launch_refusal(request.get("BundleId"), tenancy)
            if refused is None:
                accepted.append(request)
            else:
                code, message = refused
                failed.append(
                    {"WorkspaceRequest": request, "ErrorCode": code, "ErrorMessage": message}
                )
        pending: list[dict[str, Any]] = []
        if accepted:
            self.body = json.dumps({**params, "Workspaces": accepted})
            launched = json.loads(original(self))
            failed += launched["FailedRequests"]
            pending = launched["PendingRequests"]
        return json.dumps({"FailedRequests": failed, "PendingRequests": pending})

    create_workspaces.__wrapped__ = original  # type: ignore[attr-defined]
    return create_workspaces


def _tagged(account: ByolAccount, resource_id: str) -> Any:
    return account.images.get(resource_id) or account.bundles.get(resource_id)


def _wrap_tags(
    original_create: Callable[[Any], str], original_describe: Callable[[Any], str]
) -> tuple[Callable[..., str], Callable[..., str]]:
    def create_tags(self: Any) -> str:
        p = _params(self)
        resource = _tagged(_account(self), str(p.get("ResourceId")))
        if resource is None:
            return original_create(self)
        keys = {t["Key"] for t in p.get("Tags", [])}
        resource.tags = [t for t in resource.tags if t["Key"] not in keys] + list(p.get("Tags", []))
        return "{}"

    def describe_tags(self: Any) -> str:
        resource_id = str(_params(self).get("ResourceId"))
        resource = _tagged(_account(self), resource_id)
        if resource is not None:
            return json.dumps({"TagList": resource.tags})
        if (
            resource_id.startswith(("wsi-", "wsb-"))
            and resource_id not in self.workspaces_backend.workspace_images
        ):
            raise WorkSpacesError("ResourceNotFoundException", f"{resource_id} was not found.")
        return original_describe(self)

    return create_tags, describe_tags


_OPERATIONS: dict[str, Callable[[ByolAccount, dict[str, Any]], dict[str, Any]]] = {
    "describe_account": lambda a, p: a.describe_account(),
    "modify_account": lambda a, p: a.modify_account(
        p.get("DedicatedTenancySupport"), p.get("DedicatedTenancyManagementCidrRange")
    ),
    "list_available_management_cidr_ranges": _list_cidrs,
    "describe_account_modifications": lambda a, p: a.describe_account_modifications(
        p.get("NextToken")
    ),
    "import_workspace_image": lambda a, p: a.import_image(p),
    "import_custom_workspace_image": lambda a, p: a.import_custom_image(p),
    "describe_custom_workspace_image_import": lambda a, p: a.describe_custom_import(p),
    "delete_workspace_image": _delete_image,
    "create_workspace_bundle": lambda a, p: a.create_bundle(p),
    "describe_workspace_bundles": lambda a, p: a.describe_bundles(p),
    "update_workspace_bundle": lambda a, p: a.update_bundle(p),
    "delete_workspace_bundle": lambda a, p: a.delete_bundle(p),
    "copy_workspace_image": lambda a, p: delivery.copy_image(world(), a, p),
}
# moto models sharing for its own images (CreateWorkspaceImage): those stay with moto.
_PERMISSION_OPERATIONS: dict[str, Callable[[ByolAccount, dict[str, Any]], dict[str, Any]]] = {
    "update_workspace_image_permission": lambda a, p: delivery.update_permission(world(), a, p),
    "describe_workspace_image_permissions": lambda a, p: delivery.describe_permissions(a, p),
}
_ORIGINALS: dict[str, Any] = {}


def install(world_: ByolWorld) -> None:
    """Attach the operations to moto's WorkSpaces responses."""
    from moto.workspaces.responses import WorkSpacesResponse

    global _world
    _world = world_
    if not _ORIGINALS:
        for name in (
            "describe_workspace_images",
            "create_workspaces",
            "create_tags",
            "describe_tags",
            *_PERMISSION_OPERATIONS,
        ):
            _ORIGINALS[name] = getattr(WorkSpacesResponse, name)
    create_tags, describe_tags = _wrap_tags(_ORIGINALS["create_tags"], _ORIGINALS["describe_tags"])
    methods: dict[str, Callable[..., str]] = {name: _op(call) for name, call in _OPERATIONS.items()}
    methods.update(
        {
            "describe_workspace_images": _wrap_describe_images(
                _ORIGINALS["describe_workspace_images"]
            ),
            "create_workspaces": _wrap_create_workspaces(_ORIGINALS["create_workspaces"]),
            "create_tags": create_tags,
            "describe_tags": describe_tags,
        }
    )
    methods.update({n: _wrap_permissions(n, _ORIGINALS[n]) for n in _PERMISSION_OPERATIONS})
    for name, method in methods.items():
        setattr(WorkSpacesResponse, name, method)


def uninstall() -> None:
    from moto.workspaces.responses import WorkSpacesResponse

    global _world
    for name in _OPERATIONS:
        if name in WorkSpacesResponse.__dict__:
            delattr(WorkSpacesResponse, name)
    for name, method in _ORIGINALS.items():
        setattr(WorkSpacesResponse, name, method)
    _world = None
