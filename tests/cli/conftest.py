"""The CLI against a deployed stack, with every AWS answer stubbed (botocore Stubber): the
requests it sends are checked exactly, and a request nobody expected fails the test."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from click.testing import CliRunner, Result

from byol_cli import gateway
from byol_cli.main import cli
from local_aws.harness import LocalAws
from local_aws.workspaces_byol import Faults
from tests.cli.delivered import local_aws

STACK = "ByolImport"
REGION = "eu-west-1"
SM_ARN = f"arn:aws:states:{REGION}:123456789012:stateMachine:ByolImport-Workflow"
LOCK_TABLE = "ByolImport-LockTable"
TOPIC = f"arn:aws:sns:{REGION}:123456789012:ByolImport-Notifications"
CALLER = "arn:aws:iam::123456789012:user/ops"
T0 = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


def execution_arn(name: str) -> str:
    return SM_ARN.replace(":stateMachine:", ":execution:") + f":{name}"


class Aws:
    """Stubbed clients by service, handed to the CLI in place of a boto3 Session's."""

    def __init__(self) -> None:
        self.clients: dict[str, Any] = {}
        self.stubs: dict[str, Stubber] = {}
        for service in ("cloudformation", "stepfunctions", "ec2", "dynamodb", "sts"):
            client = boto3.client(service, region_name=REGION)
            self.clients[service] = client
            self.stubs[service] = Stubber(client)
            self.stubs[service].activate()

    def expect(self, service: str, operation: str, response: dict[str, Any], **params: Any) -> None:
        self.stubs[service].add_response(operation, response, params or None)

    def refuse(self, service: str, operation: str, code: str, message: str = "no") -> None:
        self.stubs[service].add_client_error(operation, code, message)

    def stack(self) -> None:
        outputs = {"StateMachineArn": SM_ARN, "LockTableName": LOCK_TABLE}
        outputs["NotificationTopicArn"] = TOPIC
        self.expect(
            "cloudformation",
            "describe_stacks",
            {
                "Stacks": [
                    {
                        "StackName": STACK,
                        "CreationTime": T0,
                        "StackStatus": "CREATE_COMPLETE",
                        "Outputs": [{"OutputKey": k, "OutputValue": v} for k, v in outputs.items()],
                    }
                ]
            },
            StackName=STACK,
        )

    def lock_item(self, **attributes: str) -> None:
        item = {"LockId": {"S": "account-byol-enablement"}}
        item.update({k: {"S": v} for k, v in attributes.items()})
        self.expect(
            "dynamodb",
            "get_item",
            {"Item": item} if attributes else {},
            TableName=LOCK_TABLE,
            Key={"LockId": {"S": "account-byol-enablement"}},
            ConsistentRead=True,
        )

    def caller(self) -> None:
        self.expect(
            "sts",
            "get_caller_identity",
            {"UserId": "AIDA", "Account": "123456789012", "Arn": CALLER},
        )

    def executions(self, *executions: tuple[str, str, dict[str, Any], dict[str, Any]]) -> None:
        """ListExecutions, then DescribeExecution of each: (name, status, input, extra)."""
        self.expect(
            "stepfunctions",
            "list_executions",
            {
                "executions": [
                    {
                        "executionArn": execution_arn(name),
                        "stateMachineArn": SM_ARN,
                        "name": name,
                        "status": status,
                        "startDate": T0,
                    }
                    for name, status, _, _ in executions
                ]
            },
            stateMachineArn=SM_ARN,
        )
        for name, status, payload, extra in executions:
            self.expect(
                "stepfunctions",
                "describe_execution",
                {
                    "executionArn": execution_arn(name),
                    "stateMachineArn": SM_ARN,
                    "name": name,
                    "status": status,
                    "startDate": T0,
                    "input": json.dumps(payload),
                    **extra,
                },
                executionArn=execution_arn(name),
            )

    def history(
        self,
        name: str,
        *states: tuple[str, datetime],
        max_results: int = 1000,
        first_id: int = 1,
        next_token: str | None = None,
        token: str | None = None,
    ) -> None:
        """One GetExecutionHistory page (newest first) holding `states`."""
        events = [
            {
                "id": first_id + i,
                "timestamp": at,
                "type": "TaskStateEntered",
                "stateEnteredEventDetails": {"name": state},
            }
            for i, (state, at) in enumerate(states)
        ]
        response: dict[str, Any] = {"events": list(reversed(events))}
        if next_token:
            response["nextToken"] = next_token
        params: dict[str, Any] = {
            "executionArn": execution_arn(name),
            "reverseOrder": True,
            "maxResults": max_results,
        }
        if token:
            params["nextToken"] = token
        self.expect("stepfunctions", "get_execution_history", response, **params)

    def images(self, ids: list[str], tags: dict[str, dict[str, str]]) -> None:
        self.expect(
            "ec2",
            "describe_images",
            {
                "Images": [
                    {
                        "ImageId": ami,
                        "Tags": [{"Key": k, "Value": v} for k, v in tags.get(ami, {}).items()],
                    }
                    for ami in ids
                ]
            },
            Filters=[{"Name": "image-id", "Values": sorted(ids)}],
        )

    def verify(self) -> None:
        for stub in self.stubs.values():
            stub.assert_no_pending_responses()


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Aws]:
    stubbed = Aws()

    class Session:
        def __init__(self, region_name: str | None = None, profile_name: str | None = None):
            del region_name, profile_name

        def client(self, service: str) -> Any:
            return stubbed.clients[service]

    monkeypatch.setattr(gateway.boto3, "Session", Session)
    yield stubbed


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def faults() -> Faults:
    return Faults()


@pytest.fixture
def local(faults: Faults) -> Iterator[LocalAws]:
    """The embedded AWS the operator's commands run against (tests/cli/delivered.py)."""
    with local_aws(faults) as env:
        yield env
