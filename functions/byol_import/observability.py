"""Powertools wired once: every handler takes its logger and metrics from here.

No Powertools Tracer: the X-Ray SDK it loads, and the patching it does, cost 40-120 ms CPU of
every cold start (docs/decisions.md, "Cold start"), and with polls minutes apart many
invocations are cold starts. Lambda active tracing and the state machine's tracing still record
every invocation in X-Ray, and each log line carries `cold_start` and `xray_trace_id`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from aws_lambda_powertools import Logger, Metrics

from byol_import.settings import METRICS_NAMESPACE, SERVICE_NAME

logger = Logger(service=SERVICE_NAME)
metrics = Metrics(namespace=METRICS_NAMESPACE, service=SERVICE_NAME)

F = TypeVar("F", bound=Callable[..., Any])


def instrumented(func: F) -> F:
    """Structured logs with the Lambda context (function, request id, cold start, trace id)."""
    return logger.inject_lambda_context(clear_state=True)(func)


def account_and_region(context: Any) -> tuple[str, str]:
    """The function's own ARN names its account and Region: no STS call needed."""
    parts = str(getattr(context, "invoked_function_arn", "")).split(":")
    if len(parts) < 5:
        raise ValueError("the Lambda context has no invoked_function_arn")
    return parts[4], parts[3]
