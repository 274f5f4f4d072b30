"""Names, tag keys and the configuration schema: the one place they are defined.

The deployment's settings (the trigger tag key, CIDR ranges, poll timings...) are declared once,
below, with their cdk.json context key, type, default and rule. CDK reads them from context
(`stacks/config.py`) and hands the ones the functions use to them as the environment variables
named here; each function checks them again, against the same rules, when it reads them.
"""

from __future__ import annotations

import difflib
import ipaddress
import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Final, TypeVar, get_type_hints

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


class ConfigError(ValueError):
    """A configuration value breaks its rule; the message names the key and the rule."""


# -- The schema -------------------------------------------------------------------------------

_SETTING: Final = "setting"


@dataclass(frozen=True)
class Setting:
    """One configuration key: its cdk.json context name, its rule, and the variable (if any) that
    carries it to the functions. Its type and default are the dataclass field's."""

    key: str
    rule: str | Callable[[], str]
    env: str | None = None
    check: Callable[[Any], bool] | None = None

    @property
    def rule_text(self) -> str:
        return self.rule if isinstance(self.rule, str) else self.rule()


def _setting(key: str, default: Any, rule: str | Callable[[], str], *, env: str | None = None,
             check: Callable[[Any], bool] | None = None) -> Any:
    return field(default=default, metadata={_SETTING: Setting(key, rule, env, check)})


def _between(low: int, high: int) -> Callable[[Any], bool]:
    return lambda value: low <= value <= high


def _ipv4_cidrs(values: tuple[str, ...]) -> bool:
    try:
        for value in values:
            ipaddress.IPv4Network(value)
    except ValueError:
        return False
    return True


def _ingestion_processes() -> tuple[str, ...]:
    # Imported here: logic.request itself imports this module.
    from byol_import.logic.request import INGESTION_PROCESSES

    return tuple(INGESTION_PROCESSES)


def _trigger_tag_key(value: str) -> bool:
    return (1 <= len(value) <= 127 and not value.startswith(TAG_NAMESPACE)
            and not value.lower().startswith("aws:"))


_STACK_NAME: Final = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,127}$")
_EMAIL: Final = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _schema(cls: type) -> list[tuple[str, Setting, Any]]:
    """(attribute, setting, type) for each configuration field of `cls`."""
    hints = get_type_hints(cls)
    return [(f.name, f.metadata[_SETTING], hints[f.name]) for f in fields(cls)
            if _SETTING in f.metadata]


def _type_name(kind: Any) -> str:
    return {str: "a string", int: "an integer", bool: "true or false"}.get(
        kind, "a list of strings")


def _has_type(kind: Any, value: Any) -> bool:
    if kind is bool:
        return isinstance(value, bool)
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind is str:
        return isinstance(value, str)
    return isinstance(value, tuple) and all(isinstance(v, str) for v in value)


def _coerce(kind: Any, raw: Any) -> Any:
    """`raw` as `kind`, reading the strings -c options and environment variables carry.

    Returns `raw` unchanged when it cannot be read; the type check that follows refuses it.
    """
    if kind is int and isinstance(raw, str) and re.fullmatch(r"[+-]?[0-9]+", raw.strip()):
        return int(raw)
    if kind is bool and isinstance(raw, str) and raw.strip().lower() in ("true", "false"):
        return raw.strip().lower() == "true"
    if kind not in (str, int, bool):
        if isinstance(raw, str):
            text = raw.strip()
            if text.startswith("["):
                try:
                    raw = json.loads(text)
                except ValueError:
                    return raw
            else:
                return tuple(part.strip() for part in text.split(",") if part.strip())
        if isinstance(raw, list | tuple):
            return tuple(raw)
    return raw


def _fail(name: str, setting: Setting, kind: Any, raw: Any) -> ConfigError:
    rule, kind_name = setting.rule_text, _type_name(kind)
    as_type = "" if rule == kind_name else f" ({kind_name})"
    return ConfigError(f"{name} must be {rule}{as_type}; got {raw!r}")


def _check(name: str, setting: Setting, kind: Any, value: Any) -> None:
    if not _has_type(kind, value) or (setting.check is not None and not setting.check(value)):
        raise _fail(name, setting, kind, value)


def context_name(key: str) -> str:
    return f"{CONTEXT_KEY}.{key}"


S = TypeVar("S", bound="FunctionSettings")


@dataclass(frozen=True)
class FunctionSettings:
    """The settings the functions read at run time (CDK passes them as environment variables)."""

    trigger_tag_key: str = _setting(
        "triggerTagKey", "WorkSpacesByolImport",
        f"a tag key of 1-127 characters outside the {TAG_NAMESPACE} and aws: namespaces",
        env=ENV_TRIGGER_TAG_KEY, check=_trigger_tag_key)
    default_ingestion_process: str = _setting(
        "defaultIngestionProcess", "BYOL_REGULAR_WSP",
        lambda: f"one of {', '.join(_ingestion_processes())}",
        env=ENV_DEFAULT_INGESTION_PROCESS, check=lambda v: v in _ingestion_processes())
    cidr_constraints: tuple[str, ...] = _setting(
        "cidrConstraints",
        ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "198.18.0.0/15"),
        "at least one IPv4 CIDR (a JSON list or comma-separated)",
        env=ENV_CIDR_CONSTRAINTS, check=lambda v: bool(v) and _ipv4_cidrs(v))
    cidr_exclusions: tuple[str, ...] = _setting(
        "cidrExclusions", ("54.239.224.0/20",),
        "IPv4 CIDRs (a JSON list or comma-separated, may be empty)",
        env=ENV_CIDR_EXCLUSIONS, check=_ipv4_cidrs)
    cleanup_failed_images: bool = _setting(
        "cleanupFailedImages", True, "true or false", env=ENV_CLEANUP_FAILED_IMAGES)

    def __post_init__(self) -> None:
        for attr, setting, kind in _schema(type(self)):
            _check(context_name(setting.key), setting, kind, getattr(self, attr))

    @classmethod
    def settings(cls) -> list[tuple[str, Setting, Any]]:
        """The schema: (attribute, setting, type) of every configuration key."""
        return _schema(cls)

    @classmethod
    def from_values(cls: type[S], values: Mapping[str, Any], *,
                    name: Callable[[Setting], str] | None = None, **extra: Any) -> S:
        """Build from {context key: value}, strings read per type, defaults for absent keys.

        Unknown keys are refused (a misspelt key would otherwise be ignored in silence).
        """
        schema = _schema(cls)
        known = {setting.key for _, setting, _ in schema}
        for key in values:
            if key not in known:
                close = difflib.get_close_matches(key, known, n=1)
                hint = f"; did you mean {close[0]}?" if close else ""
                raise ConfigError(f"{context_name(key)} is not a setting{hint} "
                                  f"(known: {', '.join(sorted(known))})")
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
            env[setting.env] = (str(value).lower() if kind is bool
                                else ",".join(value) if kind not in (str, int) else str(value))
        return env


@dataclass(frozen=True)
class DeploymentSettings(FunctionSettings):
    """Every setting of a deployment: the functions' ones and those only CDK uses."""

    stack_name: str = _setting(
        "stackName", "ByolImport",
        "a CloudFormation stack name (a letter, then letters, digits or hyphens; at most 128)",
        check=lambda v: bool(_STACK_NAME.match(v)))
    lock_retry_interval_seconds: int = _setting(
        "lockRetryIntervalSeconds", 120, "from 1 to 3600", check=_between(1, 3600))
    lock_max_wait_minutes: int = _setting(
        "lockMaxWaitMinutes", 120, "from 1 to 1440", check=_between(1, 24 * 60))
    modification_poll_interval_minutes: int = _setting(
        "modificationPollIntervalMinutes", 2, "from 1 to 240", check=_between(1, 240))
    modification_deadline_hours: int = _setting(
        "modificationDeadlineHours", 24, "from 1 to 72", check=_between(1, 72))
    image_first_poll_delay_minutes: int = _setting(
        "imageFirstPollDelayMinutes", 90, "from 0 to 1440", check=_between(0, 24 * 60))
    image_poll_interval_minutes: int = _setting(
        "imagePollIntervalMinutes", 2, "from 1 to 240", check=_between(1, 240))
    image_deadline_hours: int = _setting(
        "imageDeadlineHours", 12, "from 2 to 48", check=_between(2, 48))
    notification_email: str = _setting(
        "notificationEmail", "", "empty or an e-mail address",
        check=lambda v: v == "" or bool(_EMAIL.match(v)))
    log_retention_days: int = _setting(
        "logRetentionDays", 90, "from 1 to 3653", check=_between(1, 3653))

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.image_first_poll_delay_minutes >= self.image_deadline_hours * 60:
            raise ConfigError(
                f"{context_name('imageFirstPollDelayMinutes')} "
                f"({self.image_first_poll_delay_minutes}) must be shorter than "
                f"{context_name('imageDeadlineHours')} ({self.image_deadline_hours} h)")


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
            raise ConfigError(f"{ENV_LOCK_LEASE_SECONDS} must be a whole number of seconds; "
                              f"got {self.lock_lease_seconds!r}")


def _env_name(setting: Setting) -> str:
    return f"{setting.env} ({context_name(setting.key)})"


def runtime_config(environ: Mapping[str, str] | None = None) -> RuntimeConfig:
    """Read and check the configuration CDK (or the local runner) put in the environment.

    Each setting is held to the rule the deployment was checked against: a bad value fails the
    invocation with the variable's name and the rule. A setting that is absent takes its schema
    default; a resource name that is absent stays empty and the step that needs it says so.
    """
    env = os.environ if environ is None else environ
    values = {setting.key: env[setting.env] for _, setting, _ in FunctionSettings.settings()
              if setting.env is not None and setting.env in env}
    lease = env.get(ENV_LOCK_LEASE_SECONDS, "0").strip() or "0"
    if not re.fullmatch(r"[0-9]+", lease):
        raise ConfigError(f"{ENV_LOCK_LEASE_SECONDS} must be a whole number of seconds; "
                          f"got {lease!r}")
    return RuntimeConfig.from_values(
        values, name=_env_name,
        topic_arn=env.get(ENV_TOPIC_ARN, ""),
        lock_table=env.get(ENV_LOCK_TABLE, ""),
        lock_lease_seconds=int(lease),
        state_machine_arn=env.get(ENV_STATE_MACHINE_ARN, ""),
    )


# A Task's timer also runs through the invoke call and a cold start, so a Task whose timeout equals
# its function's can hit States.Timeout first and retry while the first invocation still runs.
# Each Task's TimeoutSeconds in the ASL is its function's timeout plus this margin
# (tests/unit/test_asl.py holds the ASL to it): the function always times out first.
TASK_TIMEOUT_MARGIN_SECONDS: Final = 60


@dataclass(frozen=True)
class FunctionSpec:
    """One Lambda function: the stack deploys it, the ASL names it, the local runner runs it."""

    key: str
    handler: str
    substitution: str
    timeout_seconds: int
    memory_mb: int
    description: str

    @property
    def task_timeout_seconds(self) -> int:
        """The TimeoutSeconds of the ASL Task that invokes this function."""
        return self.timeout_seconds + TASK_TIMEOUT_MARGIN_SECONDS


# Functions that are Tasks of the state machine; `substitution` is their ARN's name in the ASL file.
WORKFLOW_FUNCTIONS: Final[tuple[FunctionSpec, ...]] = (
    FunctionSpec("ValidateRequest", "handlers.validate_request.handler",
                 "ValidateRequestFunctionArn", 10, 256, "Normalise and validate an import request"),
    FunctionSpec("CheckImage", "handlers.check_image.handler",
                 "CheckImageFunctionArn", 30, 256, "Check the AMI can be imported as BYOL"),
    FunctionSpec("CheckAccount", "handlers.check_account.handler",
                 "CheckAccountFunctionArn", 30, 256, "Read the account's BYOL state"),
    FunctionSpec("AcquireLock", "handlers.acquire_lock.handler",
                 "AcquireLockFunctionArn", 15, 256, "Take the account-wide BYOL enablement lock"),
    FunctionSpec("CheckLock", "handlers.check_lock.handler",
                 "CheckLockFunctionArn", 15, 256,
                 "Look at the account lock while another import enables BYOL"),
    FunctionSpec("EnableByol", "handlers.enable_byol.handler",
                 "EnableByolFunctionArn", 60, 256, "Pick a management CIDR and enable BYOL"),
    FunctionSpec("PollModification", "handlers.poll_modification.handler",
                 "PollModificationFunctionArn", 30, 256, "Poll the BYOL account modification"),
    FunctionSpec("ReleaseLock", "handlers.release_lock.handler",
                 "ReleaseLockFunctionArn", 15, 256, "Release the account-wide lock"),
    FunctionSpec("ImportImage", "handlers.import_image.handler",
                 "ImportImageFunctionArn", 60, 256, "Import the AMI as a WorkSpaces BYOL image"),
    FunctionSpec("PollImage", "handlers.poll_image.handler",
                 "PollImageFunctionArn", 30, 256, "Poll the WorkSpaces image import"),
    FunctionSpec("CleanupImage", "handlers.cleanup_image.handler",
                 "CleanupImageFunctionArn", 30, 256, "Delete our own failed WorkSpaces image"),
    FunctionSpec("Report", "handlers.report.handler",
                 "ReportFunctionArn", 30, 256, "Tag the AMI, notify and emit metrics"),
)

# Functions outside the state machine.
STARTER_FUNCTION: Final = FunctionSpec(
    "Starter", "handlers.starter.handler", "", 60, 256,
    "Start an import for each AMI an EventBridge event names")
LOCK_JANITOR_FUNCTION: Final = FunctionSpec(
    "LockJanitor", "handlers.lock_janitor.handler", "", 30, 256,
    "Free the lock of an execution that ended badly; report aborted and timed-out ones")

ALL_FUNCTIONS: Final = (*WORKFLOW_FUNCTIONS, STARTER_FUNCTION, LOCK_JANITOR_FUNCTION)
