"""The WorkSpaces BYOL operations moto lacks, as a stateful backend on the virtual clock.

Each rule cites the fact it follows (byol-api-facts.md, copied into docs/byol-api-facts.md).
The response methods are attached to moto's WorkSpacesResponse by `install()`, so real boto3
clients reach them through `mock_aws` exactly as they reach AWS.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final

from moto.core.exceptions import JsonRESTError
from moto.ec2.models import ec2_backends
from moto.moto_api._internal import mock_random

from local_aws.clock import VirtualClock

# --- documented constraints (facts: "The seven operations") -----------------------------------
CIDR16_PATTERN: Final = re.compile(
    r"^(([0-9]|[1-9][0-9]|1[0-9]{2}|2[0-4][0-9]|25[0-5])\.){3}"
    r"([0-9]|[1-9][0-9]|1[0-9]{2}|2[0-4][0-9]|25[0-5])/16$")
AMI_PATTERN: Final = re.compile(r"^ami-([a-f0-9]{8}|[a-f0-9]{17})$")
NAME_PATTERN: Final = re.compile(r"^[a-zA-Z0-9_./()\-]{1,64}$")
DESCRIPTION_PATTERN: Final = re.compile(r"^[a-zA-Z0-9_./() \-]{1,256}$")
INGESTION_PROCESSES: Final = frozenset({
    "BYOL_REGULAR", "BYOL_REGULAR_WSP", "BYOL_GRAPHICS_G4DN", "BYOL_GRAPHICS_G4DN_WSP",
    "BYOL_REGULAR_BYOP", "BYOL_GRAPHICS_G4DN_BYOP", "BYOL_GRAPHICS", "BYOL_GRAPHICSPRO"})
APPLICATIONS: Final = frozenset({"Microsoft_Office_2016", "Microsoft_Office_2019"})
# facts: "Management CIDR": the parent ranges the 2022 guide names
PARENT_RANGES: Final = tuple(ipaddress.IPv4Network(c) for c in (
    "10.0.0.0/8", "100.64.0.0/10", "172.16.0.0/12", "192.168.0.0/16", "198.18.0.0/15"))
IMAGE_QUOTA: Final = 40  # facts: "Images: 40 per Region by default"
MAX_TAGS: Final = 50


class WorkSpacesError(JsonRESTError):
    code = 400

    def __init__(self, error_type: str, message: str, status: int = 400) -> None:
        super().__init__(error_type, message)
        self.code = status


def _validation(message: str) -> WorkSpacesError:
    return WorkSpacesError("ValidationException", message)


def _invalid(message: str) -> WorkSpacesError:
    return WorkSpacesError("InvalidParameterValuesException", message)


@dataclass
class Timings:
    """How long things take. Defaults follow the documents ("Times and quotas")."""

    modification_seconds: float = 4 * 3600  # "several hours"
    import_seconds: float = 2 * 3600  # "at least 90 minutes"
    import_with_office_seconds: float = 3.5 * 3600  # "at least 3 hours with Office"


@dataclass
class ImportFault:
    error_code: str = "ImportFailed"
    error_message: str = "The image failed the BYOL validation."
    error_details: tuple[str, ...] = ("AppXPackagesInstalled", "ZeroRearmCount")


class FaultBudget:
    """Counted faults: each `take` spends one, safely across the threads of concurrent runs."""

    _lock = threading.Lock()

    def take(self, table: dict[str, int], key: str) -> bool:
        with self._lock:
            if table.get(key, 0) > 0:
                table[key] -= 1
                return True
            return False


@dataclass
class Faults(FaultBudget):
    """What tests and scenarios inject. Every field is off by default."""

    # operation name (e.g. "ModifyAccount", "ec2:DescribeImages") -> how many calls to throttle
    throttle: dict[str, int] = field(default_factory=dict)
    # operation name -> how many calls answer 500 InternalServerError (nothing happened)
    server_error: dict[str, int] = field(default_factory=dict)
    # operation name -> how many calls happen but answer 500 (the response was lost)
    lost_response: dict[str, int] = field(default_factory=dict)
    # operation name -> {documented error code: how many calls answer it}, e.g.
    # {"ModifyAccount": {"ResourceUnavailableException": 1}}; local_aws/aws_errors.py lists the
    # codes (an undocumented one is refused) and answers each with its documented HTTP status
    errors: dict[str, dict[str, int]] = field(default_factory=dict)
    not_eligible: bool = False
    modification_failure: tuple[str, str] | None = None
    # AMI id (or "*") -> the ERROR the import ends in
    import_errors: dict[str, ImportFault] = field(default_factory=dict)
    delete_error: str | None = None
    # /16s AWS itself reports as unavailable ("availability changes often")
    unavailable_cidrs: set[str] = field(default_factory=set)


@dataclass
class Modification:
    cidr: str
    start: datetime
    done_at: datetime
    failure: tuple[str, str] | None
    state: str = "PENDING"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "ModificationState": self.state,
            "DedicatedTenancySupport": "ENABLED",
            "DedicatedTenancyManagementCidrRange": self.cidr,
            "StartTime": self.start.timestamp(),
        }
        if self.state == "FAILED" and self.failure:
            out["ErrorCode"], out["ErrorMessage"] = self.failure
        return out


@dataclass
class ImportedImage:
    image_id: str
    name: str
    description: str
    ami_id: str
    ingestion_process: str
    applications: list[str]
    tags: list[dict[str, str]]
    owner: str
    created: datetime
    ready_at: datetime
    fault: ImportFault | None
    state: str = "PENDING"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "ImageId": self.image_id,
            "Name": self.name,
            "Description": self.description,
            "OperatingSystem": {"Type": "WINDOWS"},
            "State": self.state,
            "RequiredTenancy": "DEDICATED",
            "Created": self.created.timestamp(),
            "OwnerAccountId": self.owner,
            "Updates": {"UpdateAvailable": False},
        }
        if self.state == "ERROR" and self.fault:
            out["ErrorCode"] = self.fault.error_code
            out["ErrorMessage"] = self.fault.error_message
            out["ErrorDetails"] = [
                {"ErrorCode": code, "ErrorMessage": f"The BYOL checker reported {code}."}
                for code in self.fault.error_details
            ]
        return out


class ByolAccount:
    """One account and Region's BYOL state."""

    def __init__(self, account_id: str, region: str, clock: VirtualClock, timings: Timings,
                 faults: Faults) -> None:
        self.account_id = account_id
        self.region = region
        self.clock = clock
        self.timings = timings
        self.faults = faults
        self.support = "DISABLED"
        self.cidr: str | None = None
        self.modifications: list[Modification] = []
        self.images: dict[str, ImportedImage] = {}
        self.imports_accepted = 0
        self.lock = threading.RLock()

    # time-driven transitions happen lazily, whenever the state is read
    def _settle(self) -> None:
        now = self.clock.now()
        for mod in self.modifications:
            if mod.state == "PENDING" and now >= mod.done_at:
                if mod.failure:
                    mod.state = "FAILED"
                else:
                    mod.state = "COMPLETED"
                    self.support, self.cidr = "ENABLED", mod.cidr
        for image in self.images.values():
            if image.state == "PENDING" and now >= image.ready_at:
                image.state = "ERROR" if image.fault else "AVAILABLE"

    def _check_eligible(self) -> None:
        if self.faults.not_eligible:
            raise WorkSpacesError(
                "AccessDeniedException",
                "The account is not authorized to use BYOL. Contact AWS to enable it.")

    def _pending(self) -> Modification | None:
        return next((m for m in self.modifications if m.state == "PENDING"), None)

    # DescribeAccount -------------------------------------------------------------------------
    def describe_account(self) -> dict[str, Any]:
        with self.lock:
            self._settle()
            out: dict[str, Any] = {"DedicatedTenancySupport": self.support}
            if self.cidr:
                out["DedicatedTenancyManagementCidrRange"] = self.cidr
            return out

    # DescribeAccountModifications: all of them, paged; order is undocumented, so newest-first
    # is not promised: we return oldest first to keep clients honest.
    def describe_account_modifications(self, token: str | None) -> dict[str, Any]:
        with self.lock:
            self._settle()
            records = [m.to_dict() for m in self.modifications]
            return _page(records, token, 2, "AccountModifications")

    # ListAvailableManagementCidrRanges -------------------------------------------------------
    def _in_use(self) -> list[ipaddress.IPv4Network]:
        used = [ipaddress.IPv4Network(c) for c in self.faults.unavailable_cidrs]
        for vpc in ec2_backends[self.account_id][self.region].vpcs.values():
            for assoc in vpc.cidr_block_association_set:
                used.append(ipaddress.IPv4Network(assoc["cidr_block"]))
        if self.cidr:
            used.append(ipaddress.IPv4Network(self.cidr))
        return used

    def available_cidrs(self, constraint: str) -> Iterator[str]:
        try:
            parent = ipaddress.IPv4Network(constraint, strict=False)
        except ValueError as exc:
            raise _invalid(f"The CIDR {constraint} is not valid.") from exc
        used = self._in_use()
        for allowed in PARENT_RANGES:
            if not allowed.overlaps(parent):
                continue
            for net in allowed.subnets(new_prefix=16):
                if net.subnet_of(parent) and not any(net.overlaps(u) for u in used):
                    yield str(net)

    def list_available_cidrs(self, constraint: str, max_results: int | None,
                             token: str | None) -> dict[str, Any]:
        with self.lock:
            self._check_eligible()
            if max_results is not None and not 1 <= max_results <= 5:
                raise _validation("MaxResults must be between 1 and 5.")
            return _page(list(self.available_cidrs(constraint)), token, max_results or 5,
                         "ManagementCidrRanges")

    # ModifyAccount ---------------------------------------------------------------------------
    def modify_account(self, support: str | None, cidr: str | None) -> dict[str, Any]:
        with self.lock:
            self._settle()
            self._check_eligible()
            if support != "ENABLED":
                raise _invalid("DedicatedTenancySupport can only be set to ENABLED.")
            if not cidr or not CIDR16_PATTERN.fullmatch(cidr):
                raise _validation(f"DedicatedTenancyManagementCidrRange {cidr!r} is not a /16.")
            if self._pending():
                raise WorkSpacesError("InvalidResourceStateException",
                                      "An account modification is already in progress.")
            if self.support == "ENABLED":
                raise WorkSpacesError(
                    "InvalidResourceStateException",
                    "The management CIDR range cannot be changed once it is set.")
            if cidr not in set(self.available_cidrs(cidr)):
                raise _invalid(f"The CIDR {cidr} is not available for management.")
            now = self.clock.now()
            self.modifications.append(Modification(
                cidr=cidr, start=now,
                done_at=now + timedelta(seconds=self.timings.modification_seconds),
                failure=self.faults.modification_failure))
            return {}

    # ImportWorkspaceImage --------------------------------------------------------------------
    def import_image(self, params: dict[str, Any]) -> dict[str, Any]:
        ami = params.get("Ec2ImageId")
        name = params.get("ImageName")
        description = params.get("ImageDescription")
        process = params.get("IngestionProcess")
        applications = params.get("Applications") or []
        tags = params.get("Tags") or []
        if not isinstance(ami, str) or not AMI_PATTERN.fullmatch(ami):
            raise _validation(f"Ec2ImageId {ami!r} does not match the AMI id pattern.")
        if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
            raise _validation(f"ImageName {name!r} does not match [a-zA-Z0-9_./()\\-]{{1,64}}.")
        if not isinstance(description, str) or not DESCRIPTION_PATTERN.fullmatch(description):
            raise _validation(f"ImageDescription {description!r} does not match the pattern.")
        if process not in INGESTION_PROCESSES:
            raise _validation(f"IngestionProcess {process!r} is not valid.")
        if any(a not in APPLICATIONS for a in applications):
            raise _validation(f"Applications {applications!r} are not valid.")
        if len(tags) > MAX_TAGS or any(
                not 1 <= len(t.get("Key", "")) <= 127 or len(t.get("Value", "")) > 255
                for t in tags):
            raise _validation("Tags break the limits (50 tags, key 1-127, value 255).")
        with self.lock:
            self._settle()
            self._check_eligible()
            if self.support != "ENABLED":
                raise WorkSpacesError(
                    "OperationNotSupportedException",
                    "BYOL is not enabled for this account: enable it with ModifyAccount first.")
            image = _ec2_image(self.account_id, self.region, ami)
            if image is None:
                raise WorkSpacesError("ResourceNotFoundException", f"The AMI {ami} was not found.")
            if image.owner_id != self.account_id:
                raise _invalid(f"The AMI {ami} is not owned by account {self.account_id}.")
            if any(i.name == name for i in self.images.values()):
                raise WorkSpacesError(
                    "ResourceAlreadyExistsException",
                    f"A WorkSpace image with the name {name} already exists.")
            if len(self.images) >= IMAGE_QUOTA:
                raise WorkSpacesError(
                    "ResourceLimitExceededException",
                    f"The image quota of {IMAGE_QUOTA} images in this Region is reached.")
            now = self.clock.now()
            duration = (self.timings.import_with_office_seconds if applications
                        else self.timings.import_seconds)
            image_id = f"wsi-{mock_random.get_random_hex(9)}"
            fault = self.faults.import_errors.get(ami) or self.faults.import_errors.get("*")
            self.images[image_id] = ImportedImage(
                image_id=image_id, name=name, description=description, ami_id=ami,
                ingestion_process=str(process), applications=list(applications),
                tags=[dict(t) for t in tags], owner=self.account_id, created=now,
                ready_at=now + timedelta(seconds=duration), fault=fault)
            self.imports_accepted += 1
            return {"ImageId": image_id}

    def describe_images(self, params: dict[str, Any], others: list[dict[str, Any]]
                        ) -> dict[str, Any]:
        ids = params.get("ImageIds")
        image_type = params.get("ImageType")
        max_results = params.get("MaxResults")
        if ids is not None and not 1 <= len(ids) <= 25:
            raise _validation("ImageIds must name 1 to 25 images.")
        if max_results is not None and not 1 <= max_results <= 25:
            raise _validation("MaxResults must be between 1 and 25.")
        with self.lock:
            self._settle()
            images = others + [i.to_dict() for i in self.images.values()]
        if image_type == "OWNED":
            images = [i for i in images if i.get("OwnerAccountId") == self.account_id]
        elif image_type == "SHARED":
            images = [i for i in images if i.get("OwnerAccountId") != self.account_id]
        if ids:
            images = [i for i in images if i["ImageId"] in ids]
        return _page(images, params.get("NextToken"), max_results or 25, "Images")

    def delete_image(self, image_id: str) -> dict[str, Any]:
        with self.lock:
            self._settle()
            image = self.images.get(image_id)
            if image is None:
                return {}
            if self.faults.delete_error:
                raise WorkSpacesError(self.faults.delete_error,
                                      f"The image {image_id} cannot be deleted now.")
            if image.state == "PENDING":
                raise WorkSpacesError("InvalidResourceStateException",
                                      f"The image {image_id} is still being created.")
            del self.images[image_id]
            return {}


def _ec2_image(account_id: str, region: str, ami: str) -> Any:
    return ec2_backends[account_id][region].amis.get(ami)


def _page(items: list[Any], token: str | None, size: int, key: str) -> dict[str, Any]:
    start = 0
    if token:
        try:
            start = int(base64.b64decode(token.encode()).decode())
        except (ValueError, UnicodeDecodeError) as exc:
            raise _invalid("The NextToken is not valid.") from exc
    out: dict[str, Any] = {key: items[start:start + size]}
    if start + size < len(items):
        out["NextToken"] = base64.b64encode(str(start + size).encode()).decode()
    return out


# --- wiring into moto ---------------------------------------------------------------------------

class ByolWorld:
    """All accounts' BYOL state for one embedded-AWS session."""

    def __init__(self, clock: VirtualClock, timings: Timings | None = None,
                 faults: Faults | None = None) -> None:
        self.clock = clock
        self.timings = timings or Timings()
        self.faults = faults or Faults()
        self._accounts: dict[tuple[str, str], ByolAccount] = {}

    def account(self, account_id: str, region: str) -> ByolAccount:
        key = (account_id, region)
        if key not in self._accounts:
            self._accounts[key] = ByolAccount(account_id, region, self.clock, self.timings,
                                              self.faults)
        return self._accounts[key]


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


def _describe_account(self: Any) -> str:
    return json.dumps(_account(self).describe_account())


def _modify_account(self: Any) -> str:
    p = _params(self)
    return json.dumps(_account(self).modify_account(
        p.get("DedicatedTenancySupport"), p.get("DedicatedTenancyManagementCidrRange")))


def _list_cidrs(self: Any) -> str:
    p = _params(self)
    constraint = p.get("ManagementCidrRangeConstraint")
    if not isinstance(constraint, str):
        raise _validation("ManagementCidrRangeConstraint is required.")
    return json.dumps(_account(self).list_available_cidrs(constraint, p.get("MaxResults"),
                                                          p.get("NextToken")))


def _describe_mods(self: Any) -> str:
    return json.dumps(_account(self).describe_account_modifications(_params(self).get("NextToken")))


def _import(self: Any) -> str:
    return json.dumps(_account(self).import_image(_params(self)))


def _delete(self: Any) -> str:
    image_id = _params(self).get("ImageId")
    if not isinstance(image_id, str):
        raise _validation("ImageId is required.")
    return json.dumps(_account(self).delete_image(image_id))


def _wrap_describe_images(original: Callable[[Any], str]) -> Callable[[Any], str]:
    def describe_workspace_images(self: Any) -> str:
        params = _params(self)
        # moto's own images (CreateWorkspaceImage) keep working beside imported ones.
        backend = self.workspaces_backend
        others = [i.to_desc_dict() for i in backend.workspace_images.values()]
        return json.dumps(_account(self).describe_images(params, others))
    describe_workspace_images.__wrapped__ = original  # type: ignore[attr-defined]
    return describe_workspace_images


def _wrap_tags(original_create: Callable[[Any], str],
               original_describe: Callable[[Any], str]) -> tuple[Callable[..., str],
                                                                 Callable[..., str]]:
    def create_tags(self: Any) -> str:
        p = _params(self)
        image = _account(self).images.get(str(p.get("ResourceId")))
        if image is None:
            return original_create(self)
        keys = {t["Key"] for t in p.get("Tags", [])}
        image.tags = [t for t in image.tags if t["Key"] not in keys] + list(p.get("Tags", []))
        return "{}"

    def describe_tags(self: Any) -> str:
        resource_id = str(_params(self).get("ResourceId"))
        image = _account(self).images.get(resource_id)
        if image is not None:
            return json.dumps({"TagList": image.tags})
        if resource_id.startswith("wsi-") and \
                resource_id not in self.workspaces_backend.workspace_images:
            raise WorkSpacesError("ResourceNotFoundException", f"{resource_id} was not found.")
        return original_describe(self)
    return create_tags, describe_tags


_ORIGINALS: dict[str, Any] = {}


def install(world_: ByolWorld) -> None:
    """Attach the BYOL operations to moto's WorkSpaces responses."""
    from moto.workspaces.responses import WorkSpacesResponse

    global _world
    _world = world_
    if not _ORIGINALS:
        for name in ("describe_workspace_images", "create_tags", "describe_tags"):
            _ORIGINALS[name] = getattr(WorkSpacesResponse, name)
    create_tags, describe_tags = _wrap_tags(_ORIGINALS["create_tags"], _ORIGINALS["describe_tags"])
    methods: dict[str, Callable[..., str]] = {
        "describe_account": _describe_account,
        "modify_account": _modify_account,
        "list_available_management_cidr_ranges": _list_cidrs,
        "describe_account_modifications": _describe_mods,
        "import_workspace_image": _import,
        "delete_workspace_image": _delete,
        "describe_workspace_images": _wrap_describe_images(_ORIGINALS["describe_workspace_images"]),
        "create_tags": create_tags,
        "describe_tags": describe_tags,
    }
    for name, method in methods.items():
        setattr(WorkSpacesResponse, name, method)


def uninstall() -> None:
    from moto.workspaces.responses import WorkSpacesResponse

    global _world
    for name in ("describe_account", "modify_account", "list_available_management_cidr_ranges",
                 "describe_account_modifications", "import_workspace_image",
                 "delete_workspace_image"):
        if name in WorkSpacesResponse.__dict__:
            delattr(WorkSpacesResponse, name)
    for name, method in _ORIGINALS.items():
        setattr(WorkSpacesResponse, name, method)
    _world = None
