"""EventBridge's matching of a pattern field against every element of an array of objects."""

from __future__ import annotations

from typing import Any


def flatten_like_eventbridge(
    node: Any, prefix: str = "", result: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The event as dotted paths; a path through an array of objects holds every element's
    value, so `{"a": [{"b": 1}, {"b": 2}]}` gives `{"a.b": [1, 2]}` as EventBridge matches it."""
    if result is None:
        result = {}
    if isinstance(node, dict):
        for key, value in node.items():
            path = f"{prefix}.{key}" if prefix else key
            if isinstance(value, dict) and value:
                flatten_like_eventbridge(value, path, result)
            elif isinstance(value, list) and any(isinstance(v, dict) for v in value):
                for element in value:
                    sub = (
                        flatten_like_eventbridge(element, path, {})
                        if isinstance(element, dict)
                        else {path: element}
                    )
                    for sub_key, sub_value in sub.items():
                        existing = result.setdefault(sub_key, [])
                        if not isinstance(existing, list):
                            existing = result[sub_key] = [existing]
                        existing.extend(sub_value if isinstance(sub_value, list) else [sub_value])
            else:
                result[path] = value
    return result
