"""The configuration schema: the one place it is defined (names and tag keys: `names.py`).

The deployment's settings (the trigger tag key, CIDR ranges, poll timings...) are declared once,
below, with their cdk.json context key, type, default and rule. CDK reads them from context
(`stacks/config.py`) and hands the ones the functions use to them as the environment variables
named here; each function checks them again, against the same rules, when it reads them.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, TypeVar

from byol_import.delivery_settings import DeliverySettings, DeliveryTimings
from byol_import.image_builder_settings import ImageBuilderSettings
from byol_import.logic.choices import INGESTION_PROCESSES
from byol_import.logic.ids import IMAGE_PIPELINE_ARN_PATTERN

# The names and tag keys (re-exported: settings is where names are read).
from byol_import.names import *  # noqa: F403
from byol_import.names import (
    BYOL_ENABLEMENT_MODES,
    CONTEXT_KEY,
    ENV_BYOL_ENABLEMENT,
    ENV_CIDR_CONSTRAINTS,
    ENV_CIDR_EXCLUSIONS,
    ENV_CLEANUP_FAILED_IMAGES,
    ENV_DEFAULT_IMPORT_METHOD,
    ENV_DEFAULT_INGESTION_PROCESS,
    ENV_IMAGE_BUILDER_PIPELINE_ARNS,
    ENV_MANAGEMENT_CIDR,
    ENV_NOTIFY_ON_START,
    ENV_TRIGGER_TAG_KEY,
    IMPORT_METHODS,
    TAG_NAMESPACE,
)
from byol_import.schema import ConfigError, Setting
from byol_import.schema import between as _between
from byol_import.schema import check as _check
from byol_import.schema import env_value as _env_value
from byol_import.schema import ipv4_cidrs as _ipv4_cidrs
from byol_import.schema import read_values as _read_values
from byol_import.schema import schema as _schema
from byol_import.schema import setting as _setting


def _trigger_tag_key(value: str) -> bool:
    return (
        1 <= len(value) <= 127
        and not value.startswith(TAG_NAMESPACE)
        and not value.lower().startswith("aws:")
    )


_STACK_NAME: Final = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,127}$")
_EMAIL: Final = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _cidr16_or_empty(value: str) -> bool:
    if value == "":
        return True
    try:
        network = ipaddress.IPv4Network(value)  # strict: no host bits
    except ValueError:
        return False
    return network.prefixlen == 16


def context_name(key: str) -> str:
    return f"{CONTEXT_KEY}.{key}"


S = TypeVar("S", bound="FunctionSettings")


@dataclass(frozen=True)
class FunctionSettings(DeliverySettings):
    """The settings the functions read at run time (CDK passes them as environment variables);
    the delivery defaults are inherited (delivery_settings.py)."""

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
        lambda: f"one of {', '.join(INGESTION_PROCESSES)}",
        env=ENV_DEFAULT_INGESTION_PROCESS,
        check=lambda v: v in INGESTION_PROCESSES,
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
    byol_enablement: str = _setting(
        "byolEnablement",
        "approve",
        "approve (a person approves the management CIDR), auto or off",
        env=ENV_BYOL_ENABLEMENT,
        check=lambda v: v in BYOL_ENABLEMENT_MODES,
    )
    management_cidr: str = _setting(
        "managementCidr",
        "",
        "empty, or the management CIDR to use: an IPv4 /16 network such as 10.200.0.0/16",
        env=ENV_MANAGEMENT_CIDR,
        check=_cidr16_or_empty,
    )
    notify_on_start: bool = _setting(
        "notifyOnStart", False, "true or false", env=ENV_NOTIFY_ON_START
    )
    # The starter imports what these pipelines build (their AVAILABLE images' output AMIs).
    image_builder_pipeline_arns: tuple[str, ...] = _setting(
        "imageBuilderPipelineArns",
        (),
        "EC2 Image Builder image pipeline ARNs (a JSON list or comma-separated, may be empty)",
        env=ENV_IMAGE_BUILDER_PIPELINE_ARNS,
        check=lambda v: all(IMAGE_PIPELINE_ARN_PATTERN.fullmatch(a) for a in v),
    )
    import_method: str = _setting(
        "importMethod",
        IMPORT_METHODS[0],
        "classic (ImportWorkspaceImage) or image-builder (ImportCustomWorkspaceImage)",
        env=ENV_DEFAULT_IMPORT_METHOD,
        check=lambda v: v in IMPORT_METHODS,
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
        return cls(**{**extra, **_read_values(cls, values, context_name, name)})

    def environment(self) -> dict[str, str]:
        """The settings the functions read, as the environment variables they read them from."""
        return {
            setting.env: _env_value(kind, getattr(self, attr))
            for attr, setting, kind in FunctionSettings.settings()
            if setting.env is not None
        }


@dataclass(frozen=True)
class DeploymentSettings(FunctionSettings, ImageBuilderSettings, DeliveryTimings):
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
    # Just under 2 minutes: an end that falls 1 s after a poll is still seen within 120 s.
    modification_poll_interval_seconds: int = _setting(
        "modificationPollIntervalSeconds", 110, "from 30 to 3600", check=_between(30, 3600)
    )
    modification_deadline_hours: int = _setting(
        "modificationDeadlineHours", 24, "from 1 to 72", check=_between(1, 72)
    )
    image_first_poll_delay_minutes: int = _setting(
        "imageFirstPollDelayMinutes", 90, "from 0 to 1440", check=_between(0, 24 * 60)
    )
    image_poll_interval_seconds: int = _setting(
        "imagePollIntervalSeconds", 110, "from 30 to 3600", check=_between(30, 3600)
    )
    image_deadline_hours: int = _setting(
        "imageDeadlineHours", 12, "from 2 to 48", check=_between(2, 48)
    )
    approval_timeout_hours: int = _setting(
        "approvalTimeoutHours", 24, "from 1 to 24", check=_between(1, 24)
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
        self.check_image_builder(f"{CONTEXT_KEY}.", self.stack_name)
        if self.image_first_poll_delay_minutes >= self.image_deadline_hours * 60:
            raise ConfigError(
                f"{context_name('imageFirstPollDelayMinutes')} "
                f"({self.image_first_poll_delay_minutes}) must be shorter than "
                f"{context_name('imageDeadlineHours')} ({self.image_deadline_hours} h)"
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

# What the handlers read at run time: in its own module, which imports this one (resolved on
# first use, below, so that either module may be imported first).
if TYPE_CHECKING:
    from byol_import.runtime_config import RuntimeConfig, runtime_config


def __getattr__(name: str) -> Any:
    if name in ("RuntimeConfig", "runtime_config"):
        from byol_import import runtime_config as module

        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "ALL_FUNCTIONS",
    "LOCK_JANITOR_FUNCTION",
    "STARTER_FUNCTION",
    "TASK_TIMEOUT_MARGIN_SECONDS",
    "WORKFLOW_FUNCTIONS",
    "FunctionSpec",
    "RuntimeConfig",
    "runtime_config",
]
