"""Every AWS call the CLI makes, over boto3: the same code against a deployed stack (names from
its CloudFormation outputs) and against the embedded local AWS (names from the harness)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import boto3
import click
from botocore.exceptions import BotoCoreError, ClientError

from byol_cli import contract as c

# The stack outputs the CLI needs (stacks/byol_import_stack.py writes them).
OUTPUT_STATE_MACHINE = "StateMachineArn"
OUTPUT_LOCK_TABLE = "LockTableName"
OUTPUT_TOPIC = "NotificationTopicArn"


class CliError(click.ClickException):
    """A failure the CLI explains and exits non-zero on (no traceback)."""


class AlreadyStarted(CliError):
    """StartExecution found an execution of that name (a retry run twice starts one)."""


@dataclass(frozen=True)
class StackResources:
    state_machine_arn: str
    lock_table: str
    topic_arn: str


def _explain(error: ClientError | BotoCoreError, doing: str) -> CliError:
    if isinstance(error, ClientError):
        err = error.response.get("Error", {})
        return CliError(f"{doing}: {err.get('Code')}: {err.get('Message')}")
    return CliError(f"{doing}: {error}")


class Gateway:
    def __init__(self, client: Callable[[str], Any], resources: StackResources) -> None:
        self._client = client
        self.resources = resources

    @classmethod
    def deployed(cls, stack: str, region: str | None, profile: str | None) -> Gateway:
        """Find the stack's resources from its outputs (CloudFormation DescribeStacks)."""
        try:
            session = boto3.Session(region_name=region, profile_name=profile)
        except BotoCoreError as error:
            raise _explain(error, "AWS session") from error
        cache: dict[str, Any] = {}

        def client(service: str) -> Any:
            if service not in cache:
                cache[service] = session.client(service)
            return cache[service]

        return cls(client, resources_of_stack(client("cloudformation"), stack))

    def _call(self, service: str, operation: str, doing: str, **kwargs: Any) -> Any:
        try:
            return getattr(self._client(service), operation)(**kwargs)
        except (ClientError, BotoCoreError) as error:
            raise _explain(error, doing) from error

    # -- Step Functions ------------------------------------------------------------------------
    def executions(self, limit: int) -> list[dict[str, Any]]:
        """The newest executions first (ListExecutions' own order), at most `limit`."""
        out: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {"stateMachineArn": self.resources.state_machine_arn}
        while len(out) < limit:
            page = self._call(
                "stepfunctions", "list_executions", "listing the executions", **kwargs
            )
            out.extend(page["executions"])
            if not page.get("nextToken"):
                break
            kwargs["nextToken"] = page["nextToken"]
        return out[:limit]

    def describe(self, execution_arn: str) -> dict[str, Any]:
        return dict(
            self._call(
                "stepfunctions",
                "describe_execution",
                f"reading execution {execution_arn}",
                executionArn=execution_arn,
            )
        )

    def state_pages(
        self, execution_arn: str, events: int = 1000
    ) -> Iterator[list[tuple[str, datetime]]]:
        """The states the execution entered, newest first, with when: a page at a time (the
        caller stops reading once it has gone back far enough)."""
        kwargs: dict[str, Any] = {
            "executionArn": execution_arn,
            "reverseOrder": True,
            "maxResults": events,
        }
        while True:
            page = self._call(
                "stepfunctions",
                "get_execution_history",
                f"reading the history of {execution_arn}",
                **kwargs,
            )
            # newest first by event id, whatever order the page came in (moto ignores
            # reverseOrder and maxResults: it answers the whole history at once)
            newest = sorted(page["events"], key=lambda e: int(e["id"]), reverse=True)
            yield [
                (e["stateEnteredEventDetails"]["name"], e["timestamp"])
                for e in newest[:events]
                if e["type"].endswith("StateEntered")
            ]
            if not page.get("nextToken"):
                return
            kwargs["nextToken"] = page["nextToken"]

    def recent_states(self, execution_arn: str, events: int = 10) -> list[tuple[str, datetime]]:
        """The states among the execution's last `events` events, newest first."""
        return next(self.state_pages(execution_arn, events))

    def start_execution(self, name: str, payload: Any) -> str:
        try:
            response = self._client("stepfunctions").start_execution(
                stateMachineArn=self.resources.state_machine_arn,
                name=name,
                input=json.dumps(payload),
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ExecutionAlreadyExists":
                raise AlreadyStarted(f"execution {name} exists already: nothing started") from error
            raise _explain(error, "starting the import") from error
        except BotoCoreError as error:
            raise _explain(error, "starting the import") from error
        return str(response["executionArn"])

    def send_task_success(self, token: str, output: dict[str, Any]) -> None:
        self._call(
            "stepfunctions",
            "send_task_success",
            "sending the approval",
            taskToken=token,
            output=json.dumps(output),
        )

    def send_task_failure(self, token: str, error: str, cause: str) -> None:
        self._call(
            "stepfunctions",
            "send_task_failure",
            "sending the rejection",
            taskToken=token,
            error=error,
            cause=cause,
        )

    # -- EC2, DynamoDB, STS --------------------------------------------------------------------
    def ami_tags(self, ami_ids: list[str]) -> dict[str, dict[str, str]]:
        """Each AMI's tags; an AMI that is gone (or not ours) is left out, not an error."""
        if not ami_ids:
            return {}
        response = self._call(
            "ec2",
            "describe_images",
            "reading the AMIs' tags",
            Filters=[{"Name": "image-id", "Values": sorted(set(ami_ids))}],
        )
        return {
            image["ImageId"]: {t["Key"]: t["Value"] for t in image.get("Tags", [])}
            for image in response["Images"]
        }

    def tag_ami(self, ami_id: str, key: str, value: str) -> None:
        self._call(
            "ec2",
            "create_tags",
            f"tagging {ami_id}",
            Resources=[ami_id],
            Tags=[{"Key": key, "Value": value}],
        )

    def lock_item(self) -> dict[str, str]:
        """The account lock item's string attributes ({} when no import holds the lock)."""
        item = self._call(
            "dynamodb",
            "get_item",
            "reading the account lock",
            TableName=self.resources.lock_table,
            Key={"LockId": {"S": c.ACCOUNT_LOCK_ID}},
            ConsistentRead=True,
        ).get("Item", {})
        return {k: v["S"] for k, v in item.items() if "S" in v}

    def caller_arn(self) -> str:
        return str(self._call("sts", "get_caller_identity", "who am I (STS)")["Arn"])


def resources_of_stack(cloudformation: Any, stack: str) -> StackResources:
    try:
        stacks = cloudformation.describe_stacks(StackName=stack)["Stacks"]
    except (ClientError, BotoCoreError) as error:
        raise _explain(error, f"finding stack {stack} (deploy it, or name it with --stack)") from (
            error
        )
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}
    missing = [
        k for k in (OUTPUT_STATE_MACHINE, OUTPUT_LOCK_TABLE, OUTPUT_TOPIC) if k not in outputs
    ]
    if missing:
        raise CliError(f"stack {stack} has no output {', '.join(missing)}: is it byol-import's?")
    return StackResources(
        outputs[OUTPUT_STATE_MACHINE], outputs[OUTPUT_LOCK_TABLE], outputs[OUTPUT_TOPIC]
    )
