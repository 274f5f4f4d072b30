"""What the handlers read at run time: the functions' settings, checked again, and the stack's
resource names, from the environment CDK (or the local runner) set. Read through
`byol_import.settings`."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

from byol_import.names import (
    ENV_INFRASTRUCTURE_CONFIGURATION_ARN,
    ENV_LOCK_LEASE_SECONDS,
    ENV_LOCK_TABLE,
    ENV_STATE_MACHINE_ARN,
    ENV_TOPIC_ARN,
)
from byol_import.schema import ConfigError, Setting
from byol_import.settings import FunctionSettings, context_name


@dataclass(frozen=True)
class RuntimeConfig(FunctionSettings):
    """What the handlers need at run time: the functions' settings and the stack's resources."""

    topic_arn: str = ""
    lock_table: str = ""
    lock_lease_seconds: int = 0
    state_machine_arn: str = ""
    # empty: the stack does not deploy the Image Builder import path
    infrastructure_configuration_arn: str = ""

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
        infrastructure_configuration_arn=env.get(ENV_INFRASTRUCTURE_CONFIGURATION_ARN, ""),
    )
