"""Step Functions: the starter starts one execution per AMI, idempotently by name."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from byol_import import errors
from byol_import.gateways.aws_call import aws_call, error_code


class Starter:
    def __init__(self, client: Any, state_machine_arn: str) -> None:
        if not state_machine_arn:
            raise errors.ConfigurationError("The state machine ARN is not configured")
        self._client = client
        self._arn = state_machine_arn

    def start(self, name: str, payload: str) -> bool:
        """Start an execution; False when one of that name exists (the event was a repeat)."""
        with aws_call("stepfunctions:StartExecution", name):
            try:
                self._client.start_execution(stateMachineArn=self._arn, name=name, input=payload)
                return True
            except ClientError as exc:
                if error_code(exc) == "ExecutionAlreadyExists":
                    return False
                raise
