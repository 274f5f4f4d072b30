"""The names other code imports from before the patches were split, one job per module:
calls.py (the call log), lambda_runtime.py (handlers in-process), pipeline.py (each request's
way through throttling, IAM, faults and CloudTrail), moto_patches.py (one method per patch)."""

from local_aws.calls import ApiCall, CallLog
from local_aws.lambda_runtime import (
    FakeLambdaContext,
    HandlerOutput,
    LambdaFaults,
    LocalFunction,
    LocalLambdaRuntime,
)
from local_aws.moto_patches import Patches

__all__ = [
    "ApiCall",
    "CallLog",
    "FakeLambdaContext",
    "HandlerOutput",
    "LambdaFaults",
    "LocalFunction",
    "LocalLambdaRuntime",
    "Patches",
]
