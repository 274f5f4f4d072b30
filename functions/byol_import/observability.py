"""Powertools wired once: every handler takes its logger, tracer and metrics from here."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

from aws_lambda_powertools import Logger, Metrics, Tracer

from byol_import.settings import METRICS_NAMESPACE, SERVICE_NAME

logger = Logger(service=SERVICE_NAME)
tracer = Tracer(service=SERVICE_NAME)
metrics = Metrics(namespace=METRICS_NAMESPACE, service=SERVICE_NAME)

F = TypeVar("F", bound=Callable[..., Any])


def instrumented(func: F) -> F:
    """Structured logs with the Lambda context and an X-Ray segment around the handler."""
    wrapped = logger.inject_lambda_context(clear_state=True)(tracer.capture_lambda_handler(func))
    return cast(F, wrapped)


def account_and_region(context: Any) -> tuple[str, str]:
    """The function's own ARN names its account and Region: no STS call needed."""
    parts = str(getattr(context, "invoked_function_arn", "")).split(":")
    if len(parts) < 5:
        raise ValueError("the Lambda context has no invoked_function_arn")
    return parts[4], parts[3]
