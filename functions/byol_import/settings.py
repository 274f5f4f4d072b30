"""Names, tag keys and the configuration schema: the one place they are defined.

The deployment's settings (the trigger tag key, CIDR ranges, poll timings...) are declared once,
below, with their cdk.json context key, type, default and rule. CDK reads them from context
(`stacks/config.py`) and hands the ones the functions use to them as the environment variables
named here; each function checks them again, against the same rules, when it reads them.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final, TypeVar

from byol_import.schema import (
    ConfigError,
    Setting,
)
from byol_import.schema import between as _between
from byol_import.schema import check as _check
from byol_import.schema import coerce as _coerce
from byol_import.schema import ipv4_cidrs as _ipv4_cidrs
from byol_import.schema import schema as _schema
from byol_import.schema import setting as _setting

PROJECT: Final = "byol-import"

# Tags we write. They share one namespace so that a person (and our EventBridge rule) can tell
# them apart from the trigger tag.
TAG_NAMESPACE: Final = "byol-import:"
MANAGED_BY_TAG_KEY: Final = f"{TAG_NAMESPACE}managed-by"
MANAGED_BY_TAG_VALUE: Final = PROJECT
SOURCE_AMI_TAG_KEY: Final = f"{TAG_NAMESPACE}source-ami"
STATUS_TAG_KEY: Final = f"{TAG_NAMESPACE}status"
IMAGE_ID_TAG_KEY: Final = f"{TAG_NAMESPACE}workspaces-image-id"
ERROR_TAG_KEY: Final = f"{TAG_NAMESPACE}error"
EXECUTION_TAG_KEY: Final = f"{TAG_NAMESPACE}execution"

METRICS_NAMESPACE: Final = "ByolImport"
SERVICE_NAME: Final = PROJECT

# The key in cdk.json "context" that holds this project's configuration.
CONTEXT_KEY: Final = "byolImport"

# Environment variable names, shared by the CDK stack (writer) and the handlers (reader).
ENV_TRIGGER_TAG_KEY: Final = "BYOL_TRIGGER_TAG_KEY"
ENV_DEFAULT_INGESTION_PROCESS: Final = "BYOL_DEFAULT_INGESTION_PROCESS"
ENV_CIDR_CONSTRAINTS: Final = "BYOL_CIDR_CONSTRAINTS"
ENV_CIDR_EXCLUSIONS: Final = "BYOL_CIDR_EXCLUSIONS"
ENV_CLEANUP_FAILED_IMAGES: Final = "BYOL_CLEANUP_FAILED_IMAGES"
ENV_TOPIC_ARN: Final = "BYOL_TOPIC_ARN"
ENV_LOCK_TABLE: Final = "BYOL_LOCK_TABLE"
ENV_LOCK_LEASE_SECONDS: Final = "BYOL_LOCK_LEASE_SECONDS"
ENV_STATE_MACHINE_ARN: Final = "BYOL_STATE_MACHINE_ARN"

# The single account-wide lock name: enabling BYOL is one change per account and Region.
ACCOUNT_LOCK_ID: Final = "account-byol-enablement"


def _ingestion_processes() -> tuple[str, ...]:
    # Imported here: logic.request itself imports this module.
    from byol_import.logic.request import INGESTION_PROCESSES

    return tuple(INGESTION_PROCESSES)


def _trigger_tag_key(value: str) -> bool:
    return (
        1 <= len(value) <= 127
        and not value.startswith(TAG_NAMESPACE)
        and not value.lower().startswith("aws:")
    )


_STACK_NAME: Final = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,127}$")
_EMAIL: Final = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def context_name(key: str) -> str:
    return f"{CONTEXT_KEY}.{key}"


S = TypeVar("S", bound="FunctionSettings")


@dataclass(frozen=True)
class FunctionSettings:
    """The settings the functions read at run time (CDK passes them as environment variables)."""

    trigger_tag_key: str = _setting(
        "triggerTagKey",
        "WorkSpacesByolImport",
        f"a tag key of 1-127 characters outside the {TAG_NAMESPACE} and aws: namespaces",
        env=ENV_TRIGGER_TAG_KEY,
        check=_trigger_tag_key,
    )
    default_ingestion_process: str = _setting(
        "defaultIngestionProcess",
        "BYOL_REGULAR_WSP",
        lambda: f"one of {', '.join(_ingestion_processes())}",
        env=ENV_DEFAULT_INGESTION_PROCESS,
        check=lambda v: v in _ingestion_processes(),
    )
    cidr_constraints: tuple[str, ...] = _setting(
        "cidrConstraints",
        ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "198.18.0.0/15"),
        "at least one IPv4 CIDR (a JSON list or comma-separated)",
        env=ENV_CIDR_CONSTRAINTS,
        check=lambda v: bool(v) and _ipv4_cidrs(v),
    )
    cidr_exclusions: tuple[str, ...] = _setting(
        "cidrExclusions",
        ("54.239.224.0/20",),
        "IPv4 CIDRs (a JSON list or comma-separated, may be empty)",
        env=ENV_CIDR_EXCLUSIONS,
        check=_ipv4_cidrs,
    )
    cleanup_failed_images: bool = _setting(
        "cleanupFailedImages", True, "true or false", env=ENV_CLEANUP_FAILED_IMAGES
    )

    def __post_init__(self) -> None:
        for attr, setting, kind in _schema(type(self)):
            _check(context_name(setting.key), setting, kind, getattr(self, attr))

    @classmethod
    def settings(cls) -> list[tuple[str, Setting, Any]]:
        """The schema: (attribute, setting, type) of every configuration key."""
        return _schema(cls)

    @classmethod
    def from_values(
        cls: type[S],
        values: Mapping[str, Any],
        *,
        name: Callable[[Setting], str] | None = None,
        **extra: Any,
    ) -> S:
        """Build from {context key: value}, strings read per type, defaults for absent keys.

        Unknown keys are refused (a misspelt key would otherwise be ignored in silence).
        """
        schema = _schema(cls)
        known = {setting.key for _, setting, _ in schema}
        for key in values:
            if key not in known:
                close = difflib.get_close_matches(key, known, n=1)
                hint = f"; did you mean {close[0]}?" if close else ""
                raise ConfigError(
                    f"{context_name(key)} is not a setting{hint} "
                    f"(known: {', '.join(sorted(known))})"
                )
        kwargs: dict[str, Any] = dict(extra)
        for attr, setting, kind in schema:
            if setting.key in values:
                label = name(setting) if name else context_name(setting.key)
                value = _coerce(kind, values[setting.key])
                _check(label, setting, kind, value)
                kwargs[attr] = value
        return cls(**kwargs)

    def environment(self) -> dict[str, str]:
        """The settings the functions read, as the environment variables they read them from."""
        env: dict[str, str] = {}
        for attr, setting, kind in FunctionSettings.settings():
            if setting.env is None:
                continue
            value = getattr(self, attr)
            env[setting.env] = (
                str(value).lower()
                if kind is bool
                else ",".join(value)
                if kind not in (str, int)
                else str(value)
            )
        return env


@dataclass(frozen=True)
class DeploymentSettings(FunctionSettings):
    """Every setting of a deployment: the functions' ones and those only CDK uses."""

    stack_name: str = _setting(
        "stackName",
        "ByolImport",
        "a CloudFormation stack name (a letter, then letters, digits or hyphens; at most 128)",
        check=lambda v: bool(_STACK_NAME.match(v)),
    )
    lock_retry_interval_seconds: int = _setting(
        "lockRetryIntervalSeconds", 120, "from 1 to 3600", check=_between(1, 3600)
    )
    lock_max_wait_minutes: int = _setting(
        "lockMaxWaitMinutes", 120, "from 1 to 1440", check=_between(1, 24 * 60)
    )
    modification_poll_interval_minutes: int = _setting(
        "modificationPollIntervalMinutes", 2, "from 1 to 240", check=_between(1, 240)
    )
    modification_deadline_hours: int = _setting(
        "modificationDeadlineHours", 24, "from 1 to 72", check=_between(1, 72)
    )
    image_first_poll_delay_minutes: int = _setting(
        "imageFirstPollDelayMinutes", 90, "from 0 to 1440", check=_between(0, 24 * 60)
    )
    image_poll_interval_minutes: int = _setting(
        "imagePollIntervalMinutes", 2, "from 1 to 240", check=_between(1, 240)
    )
    image_deadline_hours: int = _setting(
        "imageDeadlineHours", 12, "from 2 to 48", check=_between(2, 48)
    )
    notification_email: str = _setting(
        "notificationEmail",
        "",
        "empty or an e-mail address",
        check=lambda v: v == "" or bool(_EMAIL.match(v)),
    )
    log_retention_days: int = _setting(
        "logRetentionDays", 90, "from 1 to 3653", check=_between(1, 3653)
    )

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.image_first_poll_delay_minutes >= self.image_deadline_hours * 60:
            raise ConfigError(
                f"{context_name('imageFirstPollDelayMinutes')} "
                f"({self.image_first_poll_delay_minutes}) must be shorter than "
                f"{context_name('imageDeadlineHours')} ({self.image_deadline_hours} h)"
            )


@dataclass(frozen=True)
class RuntimeConfig(FunctionSettings):
    """What the handlers need at run time: the functions' settings and the stack's resources."""

    topic_arn: str = ""
    lock_table: str = ""
    lock_lease_seconds: int = 0
    state_machine_arn: str = ""

    def __post_init__(self) -> None:
        super().__post_init__()
        if not isinstance(self.lock_lease_seconds, int) or self.lock_lease_seconds < 0:
            raise ConfigError(
                f"{ENV_LOCK_LEASE_SECONDS} must be a whole number of seconds; "
                f"got {self.lock_lease_seconds!r}"
            )


def _env_name(setting: Setting) -> str:
    return f"{setting.env} ({context_name(setting.key)})"


def runtime_config(environ: Mapping[str, str] | None = None) -> RuntimeConfig:
    """Read and check the configuration CDK (or the local runner) put in the environment.

    Each setting is held to the rule the deployment was checked against: a bad value fails the
    invocation with the variable's name and the rule. A setting that is absent takes its schema
    default; a resource name that is absent stays empty and the step that needs it says so.
    """
    env = os.environ if environ is None else environ
    values = {
        setting.key: env[setting.env]
        for _, setting, _ in FunctionSettings.settings()
        if setting.env is not None and setting.env in env
    }
    lease = env.get(ENV_LOCK_LEASE_SECONDS, "0").strip() or "0"
    if not re.fullmatch(r"[0-9]+", lease):
        raise ConfigError(
            f"{ENV_LOCK_LEASE_SECONDS} must be a whole number of seconds; got {lease!r}"
        )
    return RuntimeConfig.from_values(
        values,
        name=_env_name,
        topic_arn=env.get(ENV_TOPIC_ARN, ""),
        lock_table=env.get(ENV_LOCK_TABLE, ""),
        lock_lease_seconds=int(lease),
        state_machine_arn=env.get(ENV_STATE_MACHINE_ARN, ""),
    )


# The functions: one table, in its own module (re-exported: settings is where names are read).
from byol_import.function_specs import (  # noqa: E402
    ALL_FUNCTIONS,
    LOCK_JANITOR_FUNCTION,
    STARTER_FUNCTION,
    TASK_TIMEOUT_MARGIN_SECONDS,
    WORKFLOW_FUNCTIONS,
    FunctionSpec,
)

__all__ = [
    "ALL_FUNCTIONS",
    "LOCK_JANITOR_FUNCTION",
    "STARTER_FUNCTION",
    "TASK_TIMEOUT_MARGIN_SECONDS",
    "WORKFLOW_FUNCTIONS",
    "FunctionSpec",
]
