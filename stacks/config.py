"""The deployment's configuration: read from cdk.json context, checked, and turned into the
ASL substitutions and Lambda environment. CDK and the local runner both use this module, so the
workflow they run is configured the same way.
"""

from __future__ import annotations

import ipaddress
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from byol_import import settings
from byol_import.logic.request import INGESTION_PROCESSES

ROOT: Final = Path(__file__).resolve().parent.parent
CDK_JSON: Final = ROOT / "cdk.json"
ASL_FILE: Final = ROOT / "statemachines" / "byol_import.asl.json"
FUNCTIONS_DIR: Final = ROOT / "functions"


class ConfigError(ValueError):
    pass


@dataclass(frozen=True)
class ProjectConfig:
    stack_name: str
    trigger_tag_key: str
    default_ingestion_process: str
    cidr_constraints: tuple[str, ...]
    cidr_exclusions: tuple[str, ...]
    lock_retry_interval_seconds: int
    lock_max_wait_minutes: int
    modification_poll_interval_minutes: int
    modification_deadline_hours: int
    image_first_poll_delay_minutes: int
    image_poll_interval_minutes: int
    image_deadline_hours: int
    cleanup_failed_images: bool
    notification_email: str
    log_retention_days: int

    # Loop bounds: each poll loop stops at its deadline with its own timeout error.
    @property
    def lock_max_waits(self) -> int:
        return max(1, math.ceil(self.lock_max_wait_minutes * 60 / self.lock_retry_interval_seconds))

    @property
    def modification_max_polls(self) -> int:
        return max(1, math.ceil(self.modification_deadline_hours * 60
                                / self.modification_poll_interval_minutes))

    @property
    def image_max_polls(self) -> int:
        remaining = self.image_deadline_hours * 60 - self.image_first_poll_delay_minutes
        return max(1, math.ceil(remaining / self.image_poll_interval_minutes))

    @property
    def lock_lease_seconds(self) -> int:
        """Held through BYOL enablement; a holder that died frees it after this."""
        return self.modification_deadline_hours * 3600 + 3600

    def workflow_substitutions(self) -> dict[str, str]:
        """The ASL's non-ARN substitutions (bounds and timings)."""
        return {
            "LockRetryIntervalSeconds": str(self.lock_retry_interval_seconds),
            "LockMaxWaits": str(self.lock_max_waits),
            "ModificationPollIntervalSeconds": str(self.modification_poll_interval_minutes * 60),
            "ModificationMaxPolls": str(self.modification_max_polls),
            "ImageFirstPollDelaySeconds": str(self.image_first_poll_delay_minutes * 60),
            "ImagePollIntervalSeconds": str(self.image_poll_interval_minutes * 60),
            "ImageMaxPolls": str(self.image_max_polls),
        }

    def worst_case_seconds(self) -> int:
        """Longest a run can take by its loop bounds, before retries."""
        return (self.lock_max_waits * self.lock_retry_interval_seconds
                + self.modification_max_polls * self.modification_poll_interval_minutes * 60
                + self.image_first_poll_delay_minutes * 60
                + self.image_max_polls * self.image_poll_interval_minutes * 60)

    def lambda_environment(self) -> dict[str, str]:
        """Environment shared by the functions (resource names are added by the stack)."""
        return {
            settings.ENV_TRIGGER_TAG_KEY: self.trigger_tag_key,
            settings.ENV_DEFAULT_INGESTION_PROCESS: self.default_ingestion_process,
            settings.ENV_CIDR_CONSTRAINTS: ",".join(self.cidr_constraints),
            settings.ENV_CIDR_EXCLUSIONS: ",".join(self.cidr_exclusions),
            settings.ENV_CLEANUP_FAILED_IMAGES: str(self.cleanup_failed_images).lower(),
            settings.ENV_LOCK_LEASE_SECONDS: str(self.lock_lease_seconds),
            "POWERTOOLS_SERVICE_NAME": settings.SERVICE_NAME,
            "POWERTOOLS_METRICS_NAMESPACE": settings.METRICS_NAMESPACE,
        }


_INT_FIELDS: Final = {
    "lockRetryIntervalSeconds": (1, 3600),
    "lockMaxWaitMinutes": (1, 24 * 60),
    "modificationPollIntervalMinutes": (1, 240),
    "modificationDeadlineHours": (1, 72),
    "imageFirstPollDelayMinutes": (0, 24 * 60),
    "imagePollIntervalMinutes": (1, 240),
    "imageDeadlineHours": (2, 48),
    "logRetentionDays": (1, 3653),
}


def _require(ctx: Mapping[str, Any], key: str) -> Any:
    if key not in ctx:
        raise ConfigError(f"cdk.json context {settings.CONTEXT_KEY}.{key} is missing")
    return ctx[key]


def _cidrs(ctx: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = _require(ctx, key)
    if not isinstance(value, list):
        raise ConfigError(f"{settings.CONTEXT_KEY}.{key} must be a list of IPv4 CIDRs")
    for cidr in value:
        try:
            ipaddress.IPv4Network(cidr)
        except (ValueError, TypeError) as exc:
            raise ConfigError(f"{settings.CONTEXT_KEY}.{key}: {cidr!r} is not an IPv4 CIDR") \
                from exc
    return tuple(value)


def from_context(ctx: Mapping[str, Any]) -> ProjectConfig:
    ints: dict[str, int] = {}
    for key, (low, high) in _INT_FIELDS.items():
        value = _require(ctx, key)
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise ConfigError(f"{settings.CONTEXT_KEY}.{key} must be an integer {low}-{high}")
        ints[key] = value
    process = _require(ctx, "defaultIngestionProcess")
    if process not in INGESTION_PROCESSES:
        raise ConfigError(f"{settings.CONTEXT_KEY}.defaultIngestionProcess must be one of "
                          f"{', '.join(INGESTION_PROCESSES)}")
    tag_key = _require(ctx, "triggerTagKey")
    if not isinstance(tag_key, str) or not 1 <= len(tag_key) <= 127 \
            or tag_key.startswith(settings.TAG_NAMESPACE) or tag_key.lower().startswith("aws:"):
        raise ConfigError(f"{settings.CONTEXT_KEY}.triggerTagKey must be a tag key outside the "
                          f"{settings.TAG_NAMESPACE} and aws: namespaces")
    constraints = _cidrs(ctx, "cidrConstraints")
    if not constraints:
        raise ConfigError(f"{settings.CONTEXT_KEY}.cidrConstraints needs at least one range")
    email = _require(ctx, "notificationEmail")
    if not isinstance(email, str) or (email and "@" not in email):
        raise ConfigError(f"{settings.CONTEXT_KEY}.notificationEmail must be empty or an e-mail")
    config = ProjectConfig(
        stack_name=str(_require(ctx, "stackName")),
        trigger_tag_key=tag_key,
        default_ingestion_process=process,
        cidr_constraints=constraints,
        cidr_exclusions=_cidrs(ctx, "cidrExclusions"),
        lock_retry_interval_seconds=ints["lockRetryIntervalSeconds"],
        lock_max_wait_minutes=ints["lockMaxWaitMinutes"],
        modification_poll_interval_minutes=ints["modificationPollIntervalMinutes"],
        modification_deadline_hours=ints["modificationDeadlineHours"],
        image_first_poll_delay_minutes=ints["imageFirstPollDelayMinutes"],
        image_poll_interval_minutes=ints["imagePollIntervalMinutes"],
        image_deadline_hours=ints["imageDeadlineHours"],
        cleanup_failed_images=bool(_require(ctx, "cleanupFailedImages")),
        notification_email=email,
        log_retention_days=ints["logRetentionDays"],
    )
    if config.image_first_poll_delay_minutes >= config.image_deadline_hours * 60:
        raise ConfigError("imageFirstPollDelayMinutes must be shorter than imageDeadlineHours")
    return config


def load_cdk_json_context() -> dict[str, Any]:
    data = json.loads(CDK_JSON.read_text())
    return dict(data["context"][settings.CONTEXT_KEY])


def default_config() -> ProjectConfig:
    return from_context(load_cdk_json_context())


def asl_template() -> str:
    return ASL_FILE.read_text()


def substitute(template: str, values: Mapping[str, str]) -> str:
    """Fill ${Name} the way Step Functions DefinitionSubstitutions does; refuse leftovers."""
    out = template
    for key, value in values.items():
        out = out.replace("${" + key + "}", value)
    if "${" in out:
        start = out.index("${")
        raise ConfigError(f"unfilled substitution {out[start:out.index('}', start) + 1]}")
    return out
