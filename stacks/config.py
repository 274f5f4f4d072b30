"""The deployment's configuration: read from the CDK context (cdk.json and -c options), checked
against the schema in `byol_import.settings`, and turned into the ASL substitutions and Lambda
environment. CDK and the local runner both use this module, so the workflow they run is
configured the same way.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import yaml

from byol_import import settings

ROOT: Final = Path(__file__).resolve().parent.parent
CDK_JSON: Final = ROOT / "cdk.json"
ASL_FILE: Final = ROOT / "statemachines" / "byol_import.asl.yaml"
# A top-level key of the YAML that only holds anchors (the retry and catch policies, written
# once); it is not part of the ASL and is dropped on load.
ASL_POLICIES_KEY: Final = "x-policies"
FUNCTIONS_DIR: Final = ROOT / "functions"


ConfigError = settings.ConfigError


@dataclass(frozen=True)
class ProjectConfig(settings.DeploymentSettings):
    """A deployment's settings (schema, defaults and rules: `byol_import.settings`), and what CDK
    and the local runner derive from them."""

    # Loop bounds: how many polls each loop makes (the last one at or past its deadline) before
    # it stops with its own timeout error.
    @property
    def lock_max_waits(self) -> int:
        """A waiting import waits out the holder's whole enablement (its deadline), then
        lockMaxWaitMinutes more, and the holder's wait for a person's approval, during which
        it looks only every APPROVAL_LOCK_LOOK_SECONDS."""
        seconds = self.modification_deadline_hours * 3600 + self.lock_max_wait_minutes * 60
        return max(1, math.ceil(seconds / self.lock_retry_interval_seconds)) + math.ceil(
            self.approval_timeout_seconds / settings.APPROVAL_LOCK_LOOK_SECONDS
        )

    @property
    def approval_timeout_seconds(self) -> int:
        return self.approval_timeout_hours * 3600

    @property
    def modification_max_polls(self) -> int:
        seconds = self.modification_deadline_hours * 3600
        return max(1, math.ceil(seconds / self.modification_poll_interval_seconds))

    @property
    def image_max_polls(self) -> int:
        """The first poll after the first delay, then one every interval up to the deadline."""
        remaining = self.image_deadline_hours * 3600 - self.image_first_poll_delay_minutes * 60
        return 1 + max(1, math.ceil(remaining / self.image_poll_interval_seconds))

    @property
    def copy_max_polls(self) -> int:
        """Copies are polled every interval up to the copy deadline."""
        seconds = self.delivery_copy_deadline_hours * 3600
        return max(1, math.ceil(seconds / self.delivery_copy_poll_interval_seconds))

    @property
    def lock_lease_seconds(self) -> int:
        """Held through the approval and BYOL enablement; a holder that died frees it after
        this."""
        return self.approval_timeout_seconds + self.modification_deadline_hours * 3600 + 3600

    def workflow_substitutions(self) -> dict[str, str]:
        """The ASL's non-ARN substitutions (bounds and timings)."""
        return {
            "LockRetryIntervalSeconds": str(self.lock_retry_interval_seconds),
            "LockMaxWaits": str(self.lock_max_waits),
            "ApprovalTimeoutSeconds": str(self.approval_timeout_seconds),
            "ModificationPollIntervalSeconds": str(self.modification_poll_interval_seconds),
            "ModificationMaxPolls": str(self.modification_max_polls),
            "ImageFirstPollDelaySeconds": str(self.image_first_poll_delay_minutes * 60),
            "ImagePollIntervalSeconds": str(self.image_poll_interval_seconds),
            "ImageMaxPolls": str(self.image_max_polls),
            "CopyPollIntervalSeconds": str(self.delivery_copy_poll_interval_seconds),
            "CopyMaxPolls": str(self.copy_max_polls),
        }

    def worst_case_seconds(self) -> int:
        """Longest a run can take by its loop bounds, before retries: waiting out another
        import's approval and enablement, then asking its own approval and enabling BYOL."""
        return (
            self.modification_deadline_hours * 3600
            + self.lock_max_wait_minutes * 60
            + 2 * self.approval_timeout_seconds
            + self.modification_max_polls * self.modification_poll_interval_seconds
            + self.image_first_poll_delay_minutes * 60
            + (self.image_max_polls - 1) * self.image_poll_interval_seconds
            + self.copy_max_polls * self.delivery_copy_poll_interval_seconds
        )

    def lambda_environment(self) -> dict[str, str]:
        """Environment shared by the functions (resource names are added by the stack)."""
        return {
            **self.environment(),
            settings.ENV_LOCK_LEASE_SECONDS: str(self.lock_lease_seconds),
            "POWERTOOLS_SERVICE_NAME": settings.SERVICE_NAME,
            "POWERTOOLS_METRICS_NAMESPACE": settings.METRICS_NAMESPACE,
        }


def _object(value: Any, origin: str) -> dict[str, Any]:
    """The byolImport object: from cdk.json (a JSON object) or -c byolImport='{...}' (a string)."""
    if value is None:
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as exc:
            raise ConfigError(f"{origin} must be a JSON object; got {value!r}") from exc
    if not isinstance(value, Mapping):
        raise ConfigError(f"{origin} must be a JSON object; got {value!r}")
    return dict(value)


def from_context(ctx: Mapping[str, Any] | str | None) -> ProjectConfig:
    """The configuration from the byolImport object; absent keys take their defaults."""
    return ProjectConfig.from_values(_object(ctx, settings.CONTEXT_KEY))


def from_app_context(context: Mapping[str, Any]) -> ProjectConfig:
    """The configuration from all of a CDK app's context.

    The byolImport object (cdk.json, or a whole `-c byolImport='{json}'`, which the CLI hands over
    as a string), then each flat `byolImport.<key>` entry over it: the CLI stores
    `-c byolImport.key=value` under that dotted key, as a string, not inside the object.
    """
    values = _object(context.get(settings.CONTEXT_KEY), settings.CONTEXT_KEY)
    prefix = f"{settings.CONTEXT_KEY}."
    values.update(
        {key[len(prefix) :]: value for key, value in context.items() if key.startswith(prefix)}
    )
    return ProjectConfig.from_values(values)


def load_cdk_json_context() -> dict[str, Any]:
    """The byolImport object in cdk.json (only the keys set there; the rest default)."""
    data = json.loads(CDK_JSON.read_text())
    return _object(
        data.get("context", {}).get(settings.CONTEXT_KEY), f"cdk.json {settings.CONTEXT_KEY}"
    )


def default_config() -> ProjectConfig:
    return from_context(load_cdk_json_context())


def asl_definition() -> dict[str, Any]:
    """The ASL as a JSON object, its `${...}` substitutions still unfilled."""
    data: dict[str, Any] = json.loads(_asl_json(ASL_FILE.read_text()))
    return data


@functools.lru_cache(maxsize=4)
def _asl_json(text: str) -> str:
    # Parsed once per text (a test process builds hundreds of local stacks), with libyaml's
    # parser where PyYAML has it: the pure-Python one was a quarter of each build.
    data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    if not isinstance(data, dict):
        raise ConfigError(f"{ASL_FILE.name} must hold a YAML mapping")
    data.pop(ASL_POLICIES_KEY, None)
    return json.dumps(data)


def asl_template() -> str:
    """The ASL as JSON text for CDK (DefinitionBody.from_string) and the local runner."""
    return json.dumps(asl_definition(), indent=1)


def substitute(template: str, values: Mapping[str, str]) -> str:
    """Fill ${Name} the way Step Functions DefinitionSubstitutions does; refuse leftovers."""
    out = template
    for key, value in values.items():
        out = out.replace("${" + key + "}", value)
    if "${" in out:
        start = out.index("${")
        raise ConfigError(f"unfilled substitution {out[start : out.index('}', start) + 1]}")
    return out
