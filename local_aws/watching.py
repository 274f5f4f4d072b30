"""Watching the run: waiting until the account is quiet (EventBridge's deliveries included,
local_aws/delivery.py), and each execution's outcome, the notifications, tags and lock as AWS
shows them."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from byol_import import settings
from local_aws.calls import CallLog
from local_aws.delivery import Delivery
from local_aws.place import ACCOUNT_ID, REGION


@dataclass
class ExecutionResult:
    arn: str
    name: str
    input: Any
    status: str
    error: str | None
    cause: str | None
    output: dict[str, Any] | None
    states: list[str]
    transitions: int
    start: datetime | None
    stop: datetime | None

    @property
    def virtual_seconds(self) -> float:
        if self.start and self.stop:
            return (self.stop - self.start).total_seconds()
        return 0.0


@dataclass
class Notification:
    subject: str
    message: str
    attributes: dict[str, Any]


class Watching(Delivery):
    """A mixin of LocalAws: the state it names is LocalAws's (EventBridge's deliveries are
    local_aws/delivery.py's)."""

    calls: CallLog
    state_machine_arn: str
    topic_arn: str
    lock_table: str
    _janitor_reported: set[str]

    def executions(self) -> list[dict[str, Any]]:
        sfn = self.client("stepfunctions")
        out: list[dict[str, Any]] = []
        for page in sfn.get_paginator("list_executions").paginate(
            stateMachineArn=self.state_machine_arn
        ):
            out.extend(page["executions"])
        return out

    def _any_running(self) -> bool:
        # Read from the backend, not through the API: a ListExecutions every poll cost a request
        # (throttling, IAM, CloudTrail) and held the GIL the executions need.
        from moto.stepfunctions.responses import get_backend

        machine = get_backend(ACCOUNT_ID, REGION).describe_state_machine(self.state_machine_arn)
        return any(e.status == "RUNNING" for e in list(machine.executions))

    def wait_for_executions(
        self, timeout_seconds: float = 120, raise_on_timeout: bool = True
    ) -> None:
        """Until quiet: no execution running and no event left to deliver (the events the run
        made itself, status-tag CreateTags and status changes, included: any may start more)."""
        deadline = time.monotonic() + timeout_seconds
        while time.monotonic() < deadline:
            try:
                if not self._any_running():
                    self._notify_janitor()
                    if not self.deliver_events() and not self._any_running():
                        return
                    continue
            except Exception:  # noqa: BLE001 - the mock may already be gone on exit
                return
            # Woken as the last execution ends; the timeout only bounds a missed wake-up.
            if not self.clock.wait_while_busy(0.25):
                time.sleep(0.01)  # running, but not yet on the clock: a moment to get there
        if raise_on_timeout:
            raise TimeoutError(f"executions still RUNNING after {timeout_seconds}s wall time")

    def self_triggered(self) -> list[dict[str, Any]]:
        """Deliveries to the starter of events the workflow caused itself (a CreateTags by one of
        our functions): with the deployed patterns there must be none."""
        return [
            d
            for d in self.deliveries
            if d["Target"] == "Starter"
            and d["Event"].get("detail", {}).get("userIdentity", {}).get("type") == "AssumedRole"
        ]

    def _notify_janitor(self) -> None:
        """Step Functions emits a status-change event when an execution ends badly."""
        for execution in self.executions():
            arn = execution["executionArn"]
            if (
                execution["status"] in ("FAILED", "TIMED_OUT", "ABORTED")
                and arn not in self._janitor_reported
            ):
                self._janitor_reported.add(arn)
                described = self.client("stepfunctions").describe_execution(executionArn=arn)
                self.put_event(
                    "Step Functions Execution Status Change",
                    {
                        "executionArn": arn,
                        "stateMachineArn": self.state_machine_arn,
                        "name": execution["name"],
                        "status": execution["status"],
                        "input": described.get("input"),
                        "error": described.get("error"),
                        "cause": described.get("cause"),
                    },
                    source="aws.states",
                )

    def result(self, arn: str, *, history: bool = True) -> ExecutionResult:
        """An execution's outcome; with `history`, also the states it went through (the
        history carries every state's input and output: megabytes for a long run)."""
        sfn = self.client("stepfunctions")
        described = sfn.describe_execution(executionArn=arn)
        events = list(self._history(arn)) if history else []
        states = [
            e["stateEnteredEventDetails"]["name"]
            for e in events
            if e["type"].endswith("StateEntered")
        ]
        output = described.get("output")
        # History timestamps are virtual (patched in Patches); start/stop dates are not.
        stamps = [e["timestamp"] for e in events]
        return ExecutionResult(
            arn=arn,
            name=arn.rsplit(":", 1)[-1],
            input=json.loads(described.get("input") or "null"),
            status=described["status"],
            error=described.get("error"),
            cause=described.get("cause"),
            output=json.loads(output) if output else None,
            states=states,
            transitions=len(states),
            start=min(stamps) if stamps else None,
            stop=max(stamps) if stamps else None,
        )

    def _history(self, arn: str) -> Iterator[dict[str, Any]]:
        sfn = self.client("stepfunctions")
        kwargs: dict[str, Any] = {"executionArn": arn, "maxResults": 1000}
        while True:
            page = sfn.get_execution_history(**kwargs)
            yield from page["events"]
            if not page.get("nextToken"):
                return
            kwargs["nextToken"] = page["nextToken"]

    def results(self, *, history: bool = True) -> list[ExecutionResult]:
        return [self.result(e["executionArn"], history=history) for e in self.executions()]

    def notifications(self) -> list[Notification]:
        from moto.sns.models import sns_backends

        topic = sns_backends[ACCOUNT_ID][REGION].topics[self.topic_arn]
        return [
            Notification(subject=n[2] or "", message=n[1], attributes=n[3] or {})
            for n in topic.sent_notifications
        ]

    def ami_tags(self, ami_id: str) -> dict[str, str]:
        images = self.client("ec2").describe_images(ImageIds=[ami_id])["Images"]
        return {t["Key"]: t["Value"] for t in images[0].get("Tags", [])}

    def lock_holder(self) -> str | None:
        item = (
            self.client("dynamodb")
            .get_item(TableName=self.lock_table, Key={"LockId": {"S": settings.ACCOUNT_LOCK_ID}})
            .get("Item")
        )
        return item["Owner"]["S"] if item else None

    def workspaces_calls(self) -> list[str]:
        return self.calls.operations("workspaces")
