"""The machinery of a typed configuration schema: each setting is a dataclass field carrying its
context key, rule and environment variable; values from JSON, `-c` strings or the environment are
read per type and checked against the rule. Generic: the settings themselves are in settings.py."""

from __future__ import annotations

import difflib
import ipaddress
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Final, get_type_hints


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


def setting(
    key: str,
    default: Any,
    rule: str | Callable[[], str],
    *,
    env: str | None = None,
    check: Callable[[Any], bool] | None = None,
) -> Any:
    return field(default=default, metadata={_SETTING: Setting(key, rule, env, check)})


def between(low: int, high: int) -> Callable[[Any], bool]:
    return lambda value: low <= value <= high


def ipv4_cidrs(values: tuple[str, ...]) -> bool:
    try:
        for value in values:
            ipaddress.IPv4Network(value)
    except ValueError:
        return False
    return True


def schema(cls: type) -> list[tuple[str, Setting, Any]]:
    """(attribute, setting, type) for each configuration field of `cls`."""
    hints = get_type_hints(cls)
    return [
        (f.name, f.metadata[_SETTING], hints[f.name]) for f in fields(cls) if _SETTING in f.metadata
    ]


def _type_name(kind: Any) -> str:
    return {str: "a string", int: "an integer", bool: "true or false"}.get(
        kind, "a list of strings"
    )


def _has_type(kind: Any, value: Any) -> bool:
    if kind is bool:
        return isinstance(value, bool)
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind is str:
        return isinstance(value, str)
    return isinstance(value, tuple) and all(isinstance(v, str) for v in value)


def coerce(kind: Any, raw: Any) -> Any:
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


def check(name: str, setting: Setting, kind: Any, value: Any) -> None:
    if not _has_type(kind, value) or (setting.check is not None and not setting.check(value)):
        raise _fail(name, setting, kind, value)


def read_values(
    cls: type,
    values: Mapping[str, Any],
    context_name: Callable[[str], str],
    name: Callable[[Setting], str] | None = None,
) -> dict[str, Any]:
    """{attribute: value} of `cls` from {context key: value}, strings read per type, each checked.

    Unknown keys are refused (a misspelt key would otherwise be ignored in silence).
    """
    settings = schema(cls)
    known = {setting.key for _, setting, _ in settings}
    for key in values:
        if key not in known:
            close = difflib.get_close_matches(key, known, n=1)
            hint = f"; did you mean {close[0]}?" if close else ""
            raise ConfigError(
                f"{context_name(key)} is not a setting{hint} (known: {', '.join(sorted(known))})"
            )
    kwargs: dict[str, Any] = {}
    for attr, setting, kind in settings:
        if setting.key in values:
            label = name(setting) if name else context_name(setting.key)
            value = coerce(kind, values[setting.key])
            check(label, setting, kind, value)
            kwargs[attr] = value
    return kwargs


def env_value(kind: Any, value: Any) -> str:
    """A setting's value as the environment variable the functions read it from."""
    if kind is bool:
        return str(value).lower()
    return str(value) if kind in (str, int) else ",".join(value)
