"""A request checked against its operation's input shape in the botocore model: required and
unknown members, types, enums, lengths, ranges and patterns. Each violation is the
`ValidationException` AWS answers for a constraint failure (docs/byol-api-facts.md, "Validation").
"""

from __future__ import annotations

import re
from typing import Any, Final

from botocore.model import Shape

from local_aws.workspaces.rules import (
    DESCRIPTION_PATTERN,
    MODEL,
    NAME_PATTERN,
    check_tags,
    validation,
)

# The model's name and description patterns let a backslash through (a doubled escape): the
# stricter patterns of the import path apply instead.
STRICTER_PATTERNS: Final = {
    "Name": NAME_PATTERN,
    "Description": DESCRIPTION_PATTERN,
    "ImageName": NAME_PATTERN,
    "ImageDescription": DESCRIPTION_PATTERN,
}


def check_input(operation: str, params: dict[str, Any]) -> None:
    shape = MODEL.operation_model(operation).input_shape
    _check_structure("", params, shape)


def _check_structure(prefix: str, value: Any, shape: Shape) -> None:
    if not isinstance(value, dict):
        raise validation(f"{prefix or 'The request'} must be a structure.")
    members = shape.members
    missing = [n for n in shape.required_members if value.get(n) is None]
    if missing:
        raise validation(f"Missing required parameters: {', '.join(prefix + m for m in missing)}.")
    unknown = sorted(set(value) - set(members))
    if unknown:
        raise validation(f"Unknown parameters: {', '.join(prefix + u for u in unknown)}.")
    given = [n for n in members if value.get(n) is not None]
    if shape.metadata.get("union") and len(given) != 1:
        label = prefix.rstrip(".") or "The request"
        raise validation(f"{label} must set exactly one of {', '.join(members)}.")
    for name, member in members.items():
        if value.get(name) is not None:
            _check_value(prefix + name, value[name], member)


def _check_value(label: str, value: Any, shape: Shape) -> None:
    kind, meta = shape.type_name, shape.metadata
    if kind == "string":
        _check_string(label, value, shape)
    elif kind == "boolean":
        if not isinstance(value, bool):
            raise validation(f"{label} must be true or false.")
    elif kind in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            raise validation(f"{label} must be a whole number.")
        if value < meta.get("min", value) or value > meta.get("max", value):
            raise validation(f"{label} must be between {meta.get('min')} and {meta.get('max')}.")
    elif kind == "list":
        if not isinstance(value, list):
            raise validation(f"{label} must be a list.")
        if not meta.get("min", 0) <= len(value) <= meta.get("max", len(value)):
            raise validation(f"{label} must hold {meta.get('min', 0)} to {meta.get('max')} items.")
        if label == "Tags":
            check_tags(value)
        for item in value:
            _check_value(f"{label}[]", item, shape.member)
    elif kind == "structure":
        _check_structure(f"{label}.", value, shape)


def _check_string(label: str, value: Any, shape: Shape) -> None:
    if not isinstance(value, str):
        raise validation(f"{label} must be a string.")
    allowed = list(getattr(shape, "enum", None) or [])
    if allowed and value not in allowed:
        raise validation(f"{label} {value!r} is not one of {', '.join(allowed)}.")
    low, high = shape.metadata.get("min", 0), shape.metadata.get("max")
    if len(value) < low or (high is not None and len(value) > high):
        raise validation(f"{label} must be {low} to {high} characters long.")
    pattern = STRICTER_PATTERNS.get(label) or (
        re.compile(shape.metadata["pattern"]) if "pattern" in shape.metadata else None
    )
    if pattern is not None and not pattern.fullmatch(value):
        raise validation(f"{label} {value!r} does not match {pattern.pattern}.")
