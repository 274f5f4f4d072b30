"""Powertools wired once: every handler takes its logger and metrics from here.

No Powertools Tracer: the X-Ray SDK it loads, and the patching it does, cost 40-120 ms CPU of
every cold start (docs/decisions.md, "Cold start"), and with polls minutes apart many
invocations are cold starts. Lambda active tracing and the state machine's tracing still record
every invocation in X-Ray, and each log line carries `cold_start` and `xray_trace_id`.

Every line also carries the import's keys: `ami`, `execution` and `phase` (the AMI status the
handler's step belongs to; a step that enters a new phase updates it).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from aws_lambda_powertools import Logger, Metrics

from byol_import.settings import METRICS_NAMESPACE, PHASE_OF_HANDLER, SERVICE_NAME

logger = Logger(service=SERVICE_NAME)
metrics = Metrics(namespace=METRICS_NAMESPACE, service=SERVICE_NAME)

F = TypeVar("F", bound=Callable[..., Any])


def import_keys(event: Any, phase: str | None) -> dict[str, str]:
    """The AMI, execution and phase a handler's event is about (what is known of them)."""
    state = event.get("State", event) if isinstance(event, Mapping) else None
    if not isinstance(state, Mapping):
        return {"phase": phase} if phase else {}
    request, raw, context = state.get("Request"), state.get("Input"), state.get("Context")
    detail = state.get("detail")
    ami = (request.get("image_id") if isinstance(request, Mapping) else None) or (
        raw.get("ImageId") if isinstance(raw, Mapping) else None
    )
    execution = (context.get("ExecutionId") if isinstance(context, Mapping) else None) or (
        detail.get("executionArn") if isinstance(detail, Mapping) else None
    )
    keys = {"ami": ami, "execution": execution, "phase": phase}
    return {k: str(v) for k, v in keys.items() if isinstance(v, str) and v}


def instrumented(func: F) -> F:
    """Structured logs with the Lambda context (function, request id, cold start, trace id)
    and the import's keys."""
    phase = PHASE_OF_HANDLER.get(func.__module__.rsplit(".", 1)[-1])

    @functools.wraps(func)
    def with_keys(event: Any, context: Any) -> Any:
        logger.append_keys(**import_keys(event, phase))
        return func(event, context)

    return logger.inject_lambda_context(clear_state=True)(with_keys)  # type: ignore[return-value]


def account_and_region(context: Any) -> tuple[str, str]:
    """The function's own ARN names its account and Region: no STS call needed."""
    parts = str(getattr(context, "invoked_function_arn", "")).split(":")
    if len(parts) < 5:
        raise ValueError("the Lambda context has no invoked_function_arn")
    return parts[4], parts[3]
