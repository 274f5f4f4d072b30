"""In-memory fakes of the gateways, for testing the steps without AWS. Each implements its
protocol from `byol_import.gateways.protocols`; mypy checks it (see the end of this file)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from byol_import import errors
from byol_import.gateways.lock import Lease
from byol_import.gateways.protocols import (
    Ec2Api,
    ImageBuilderApi,
    LockApi,
    MetricsSink,
    NotifierApi,
    StarterApi,
    WorkSpacesApi,
)


@dataclass
class FakeWorkSpaces:
    account: dict[str, Any] = field(default_factory=lambda: {"DedicatedTenancySupport": "DISABLED"})
    modifications: list[dict[str, Any]] = field(default_factory=list)
    cidrs: dict[str, list[str]] = field(default_factory=dict)
    images: dict[str, dict[str, Any]] = field(default_factory=dict)
    tags: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)
    import_error: errors.ByolImportError | None = None
    delete_error: errors.ByolImportError | None = None
    # ModifyAccount's answer: True unless this says otherwise (False: InvalidResourceState)
    on_modify: Callable[[str], bool] | None = None
    tags_gone: bool = False  # DescribeTags: ResourceNotFound (the image was deleted meanwhile)
    # DescribeCustomWorkspaceImageImport's answers, by image id (absent: not listed)
    custom_imports: dict[str, dict[str, Any]] = field(default_factory=dict)
    custom_requests: list[dict[str, Any]] = field(default_factory=list)

    def describe_account(self) -> dict[str, Any]:
        self.calls.append("DescribeAccount")
        return dict(self.account)

    def account_modifications(self) -> list[dict[str, Any]]:
        self.calls.append("DescribeAccountModifications")
        return list(self.modifications)

    def available_cidrs(self, constraint: str, page_size: int = 5) -> Iterator[str]:
        self.calls.append("ListAvailableManagementCidrRanges")
        yield from self.cidrs.get(constraint, [])

    def modify_account(self, cidr: str) -> bool:
        self.calls.append(f"ModifyAccount {cidr}")
        return self.on_modify(cidr) if self.on_modify else True

    def import_image(
        self,
        *,
        ami_id: str,
        ingestion_process: str,
        name: str,
        description: str,
        tags: Sequence[Mapping[str, str]],
        applications: Sequence[str],
    ) -> str:
        self.calls.append("ImportWorkspaceImage")
        if self.import_error:
            raise self.import_error
        image_id = f"wsi-{len(self.images):09d}"
        self.images[image_id] = {"ImageId": image_id, "Name": name, "State": "PENDING"}
        self.tags[image_id] = [dict(t) for t in tags]
        return image_id

    def import_custom_image(
        self,
        *,
        source: Mapping[str, str],
        infrastructure_arn: str,
        name: str,
        description: str,
        compute_type: str,
        protocol: str,
        os_version: str,
        tags: Sequence[Mapping[str, str]],
        validation_mode: str | None = None,
    ) -> str:
        self.calls.append(f"ImportCustomWorkspaceImage {protocol} {compute_type} {os_version}")
        self.custom_requests.append(
            {"source": dict(source), "infrastructure_arn": infrastructure_arn, "name": name}
        )
        if self.import_error:
            raise self.import_error
        image_id = f"wsi-{len(self.images):09d}"
        self.images[image_id] = {"ImageId": image_id, "Name": name, "State": "PENDING"}
        self.tags[image_id] = [dict(t) for t in tags]
        return image_id

    def describe_custom_import(self, image_id: str) -> dict[str, Any] | None:
        self.calls.append("DescribeCustomWorkspaceImageImport")
        return self.custom_imports.get(image_id)

    def describe_image(self, image_id: str) -> dict[str, Any] | None:
        return self.images.get(image_id)

    def find_owned_image(self, name: str) -> dict[str, Any] | None:
        return next((i for i in self.images.values() if i["Name"] == name), None)

    def image_tags(self, image_id: str) -> list[dict[str, str]] | None:
        return None if self.tags_gone else self.tags.get(image_id, [])

    def delete_image(self, image_id: str) -> None:
        self.calls.append(f"DeleteWorkspaceImage {image_id}")
        if self.delete_error:
            raise self.delete_error
        self.images.pop(image_id)


@dataclass
class FakeEc2:
    images: dict[str, dict[str, Any]] = field(default_factory=dict)
    vpcs: list[str] = field(default_factory=list)
    tagged: dict[str, dict[str, str]] = field(default_factory=dict)
    tag_error: errors.ByolImportError | None = None

    def describe_image(self, image_id: str) -> dict[str, Any] | None:
        return self.images.get(image_id)

    def image_tags(self, image_ids: Sequence[str]) -> dict[str, list[dict[str, str]] | None]:
        return {
            i: (self.images[i].get("Tags", []) if i in self.images else None) for i in image_ids
        }

    def vpc_cidrs(self) -> list[str]:
        return list(self.vpcs)

    def tag_image(self, image_id: str, tags: Mapping[str, str]) -> None:
        if self.tag_error:
            raise self.tag_error
        self.tagged.setdefault(image_id, {}).update(tags)


@dataclass
class FakeLock:
    holder: str | None = None
    released: list[str] = field(default_factory=list)
    expires_at: int = 2**31
    approval: dict[str, str] = field(default_factory=dict)

    def lease(self, lock_id: str) -> Lease | None:
        if self.holder is None:
            return None
        return Lease(self.holder, self.expires_at, bool(self.approval))

    def record_approval(self, lock_id: str, owner: str, attributes: Mapping[str, str]) -> bool:
        if self.holder != owner:
            return False
        self.approval = dict(attributes)
        return True

    def clear_approval(self, lock_id: str, owner: str) -> None:
        if self.holder == owner:
            self.approval = {}

    def try_acquire(self, lock_id: str, owner: str, now: int, lease_seconds: int) -> str | None:
        if self.holder in (None, owner):
            self.holder = owner
            return None
        return self.holder

    def release(self, lock_id: str, owner: str) -> bool:
        if self.holder == owner:
            self.holder = None
            self.released.append(owner)
            return True
        return False


@dataclass
class FakeNotifier:
    messages: list[tuple[str, str, Mapping[str, str]]] = field(default_factory=list)

    def publish(self, subject: str, message: str, attributes: Mapping[str, str]) -> None:
        self.messages.append((subject, message, attributes))


@dataclass
class FakeMetrics:
    values: dict[str, float] = field(default_factory=dict)

    def add_metric(self, name: str, unit: Any, value: float) -> None:
        self.values[name] = self.values.get(name, 0) + value


@dataclass
class FakeStarter:
    started: dict[str, str] = field(default_factory=dict)

    def start(self, name: str, payload: str) -> bool:
        if name in self.started:
            return False
        self.started[name] = payload
        return True


@dataclass
class FakeImageBuilder:
    images: dict[str, dict[str, Any]] = field(default_factory=dict)  # build ARN -> GetImage image
    asked: list[str] = field(default_factory=list)

    def get_image(self, build_version_arn: str) -> dict[str, Any] | None:
        self.asked.append(build_version_arn)
        return self.images.get(build_version_arn)


def _conforms(
    ws: FakeWorkSpaces,
    ec2: FakeEc2,
    lock: FakeLock,
    notifier: FakeNotifier,
    metrics: FakeMetrics,
    starter: FakeStarter,
    imagebuilder: FakeImageBuilder,
) -> None:
    """Never called: mypy checks each fake against its protocol here."""
    checked: tuple[
        WorkSpacesApi, Ec2Api, LockApi, NotifierApi, MetricsSink, StarterApi, ImageBuilderApi
    ] = (ws, ec2, lock, notifier, metrics, starter, imagebuilder)
    del checked
