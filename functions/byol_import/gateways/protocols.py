"""What the steps need of AWS, as protocols: the gateways implement them against boto3 clients,
the test fakes in memory, and mypy checks both against these signatures."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from byol_import.gateways.lock import Lease


class WorkSpacesApi(Protocol):
    def describe_account(self) -> dict[str, Any]: ...

    def account_modifications(self) -> list[dict[str, Any]]: ...

    def available_cidrs(self, constraint: str, page_size: int = 5) -> Iterator[str]: ...

    def modify_account(self, cidr: str) -> bool: ...

    def import_image(
        self,
        *,
        ami_id: str,
        ingestion_process: str,
        name: str,
        description: str,
        tags: Sequence[Mapping[str, str]],
        applications: Sequence[str],
    ) -> str: ...

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
    ) -> str: ...

    def describe_custom_import(self, image_id: str) -> dict[str, Any] | None: ...

    def describe_image(self, image_id: str) -> dict[str, Any] | None: ...

    def find_owned_image(self, name: str) -> dict[str, Any] | None: ...

    def image_tags(self, image_id: str) -> list[dict[str, str]] | None: ...

    def delete_image(self, image_id: str) -> None: ...


class DeliveryApi(Protocol):
    def byol_enabled(self, region: str) -> bool: ...

    def bundle(self, bundle_id: str) -> dict[str, Any] | None: ...

    def bundle_named(self, name: str) -> dict[str, Any] | None: ...

    def create_bundle(
        self,
        *,
        name: str,
        description: str,
        image_id: str,
        compute_type: str,
        root_gib: int,
        user_gib: int,
        tags: Sequence[Mapping[str, str]],
    ) -> str | None: ...

    def update_bundle(self, bundle_id: str, image_id: str) -> None: ...

    def tags(self, resource_id: str, region: str | None = None) -> dict[str, str] | None: ...

    def tag(self, resource_id: str, tags: Mapping[str, str]) -> None: ...

    def copy_image(
        self,
        region: str,
        *,
        name: str,
        description: str,
        source_image_id: str,
        source_region: str,
        tags: Sequence[Mapping[str, str]],
    ) -> str | None: ...

    def image_named(self, region: str, name: str) -> dict[str, Any] | None: ...

    def image(self, region: str, image_id: str) -> dict[str, Any] | None: ...

    def share(self, image_id: str, account_id: str) -> None: ...


class Ec2Api(Protocol):
    def describe_image(self, image_id: str) -> dict[str, Any] | None: ...

    def image_tags(self, image_ids: Sequence[str]) -> dict[str, list[dict[str, str]] | None]: ...

    def vpc_cidrs(self) -> list[str]: ...

    def tag_image(self, image_id: str, tags: Mapping[str, str]) -> None: ...


class ImageBuilderApi(Protocol):
    def get_image(self, build_version_arn: str) -> dict[str, Any] | None: ...


class LockApi(Protocol):
    def try_acquire(self, lock_id: str, owner: str, now: int, lease_seconds: int) -> str | None: ...

    def release(self, lock_id: str, owner: str) -> bool: ...

    def lease(self, lock_id: str) -> Lease | None: ...

    def record_approval(self, lock_id: str, owner: str, attributes: Mapping[str, str]) -> bool: ...

    def clear_approval(self, lock_id: str, owner: str) -> None: ...


class NotifierApi(Protocol):
    def publish(self, subject: str, message: str, attributes: Mapping[str, str]) -> None: ...


class StarterApi(Protocol):
    def start(self, name: str, payload: str) -> bool: ...


class MetricsSink(Protocol):
    """Powertools' Metrics in the functions."""

    def add_metric(self, name: str, unit: Any, value: float) -> None: ...
