"""EventBridge's deliveries to the rules' targets, as AWS makes them: the target's retry policy
and dead-letter queue for a refused invoke, Lambda's own retries and on-failure destination for a
function error."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from local_aws import aws_errors
from local_aws.clock import VirtualClock
from local_aws.lambda_runtime import LocalLambdaRuntime
from local_aws.pipeline import _injected_error
from local_aws.place import ACCOUNT_ID
from local_aws.stack_facts import FunctionFacts
from local_aws.workspaces_byol import Faults

# Lambda's waits before its two retries of a function error in an asynchronous invocation.
LAMBDA_RETRY_DELAYS: tuple[float, ...] = (60.0, 120.0)


class Delivery:
    """A mixin of LocalAws (through Watching): the state it names is LocalAws's."""

    clock: VirtualClock
    inboxes: dict[str, str]
    retry_attempts: dict[str, int]
    function_names: dict[str, str]
    async_invoke: dict[str, FunctionFacts]
    lambdas: LocalLambdaRuntime
    faults: Faults
    dead_letters: list[dict[str, Any]]  # what the trigger DLQ received
    dropped: list[dict[str, Any]]  # failed events Lambda dropped (no on-failure destination)
    deliveries: list[dict[str, Any]]

    def client(self, service: str, *, retries: bool = True) -> Any:
        raise NotImplementedError

    def put_event(
        self, detail_type: str, detail: dict[str, Any], source: str = "aws.ec2"
    ) -> dict[str, Any]:
        raise NotImplementedError

    def deliver_events(self) -> list[dict[str, Any]]:
        """EventBridge invokes each rule's target with the matched event; return the results."""
        with self.clock.external():
            return self._deliver_events()

    def _deliver_events(self) -> list[dict[str, Any]]:
        """Two layers, as in AWS. EventBridge invokes the target asynchronously: delivery succeeds
        once Lambda accepts the event; only a refused invoke is retried by the target's retry
        policy, then dead-lettered (https://docs.aws.amazon.com/eventbridge/latest/userguide/
        eb-rule-dlq.html). A function error is Lambda's: it retries 1 then 2 minutes later,
        then sends the event to the function's on-failure destination, or drops it
        (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html)."""
        sqs = self.client("sqs")
        results: list[dict[str, Any]] = []
        for url, target in self.inboxes.items():
            while True:
                messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get(
                    "Messages", []
                )
                if not messages:
                    break
                for message in messages:
                    event = json.loads(message["Body"])
                    # moto leaves out the "account" field real EventBridge events carry.
                    event.setdefault("account", ACCOUNT_ID)
                    results.append(self._deliver(url, target, event))
                    self.deliveries.append(results[-1])
                    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return results

    def _deliver(self, url: str, target: str, event: dict[str, Any]) -> dict[str, Any]:
        """EventBridge's layer: a refused invoke is retried as the target's policy says (a
        deterministic backoff stands for its exponential one with jitter), then dead-lettered
        with EventBridge's error attributes."""
        attempts: list[datetime] = []
        refused: ClientError | None = None
        for retry in range(self.retry_attempts[url] + 1):
            if retry:
                self.clock.sleep(2 ** (retry - 1))
            try:
                return self._run_async(target, event, attempts)
            except ClientError as error:
                refused = error
        assert refused is not None
        code = refused.response["Error"]["Code"]
        self.dead_letters.append(
            {
                "From": "EventBridge",
                "Event": event,
                "Attributes": {
                    "ERROR_CODE": code,
                    "ERROR_MESSAGE": refused.response["Error"].get("Message", ""),
                },
            }
        )
        return {
            "Target": target,
            "Event": event,
            "Error": code,
            "Result": None,
            "Attempts": attempts,
        }

    def _run_async(
        self, target: str, event: dict[str, Any], attempts: list[datetime]
    ) -> dict[str, Any]:
        """Lambda's layer, once it accepted the event: a function error is retried, then the
        event goes to the on-failure destination if the function has one, else it is dropped.
        A refused first invoke raises (EventBridge's to retry)."""
        lam, name = self.client("lambda"), self.function_names[target]
        config = self.async_invoke[target]
        response: dict[str, Any] = {}
        payload: Any = None
        for retry in range(config.async_retry_attempts + 1):
            if retry:
                self.clock.sleep(LAMBDA_RETRY_DELAYS[retry - 1])
            attempts.append(self.clock.now())
            if not retry:
                self._refuse_injected(name)  # EventBridge's Invoke: Lambda may refuse it
            response = lam.invoke(FunctionName=name, Payload=json.dumps(event).encode())
            payload = json.loads(response["Payload"].read() or b"null")
            if not response.get("FunctionError"):
                break
        error = response.get("FunctionError")
        if error:
            # What Lambda sends to an on-failure destination: an invocation record.
            record = {
                "requestContext": {
                    "condition": "RetriesExhausted",
                    "approximateInvokeCount": len(attempts),
                    "functionArn": self.lambdas.arn(name),
                },
                "requestPayload": event,
                "responseContext": {"functionError": error},
                "responsePayload": payload,
            }
            if config.async_on_failure:
                self.dead_letters.append({"From": "Lambda", "Event": event, "Record": record})
            else:
                self.dropped.append({"Event": event, "Record": record})
        return {
            "Target": target,
            "Event": event,
            "Error": error,
            "Result": payload,
            "Attempts": attempts,
        }

    def _refuse_injected(self, name: str) -> None:
        """An injected `lambda:Invoke` error refuses EventBridge's invoke. moto serves Invoke
        outside BaseResponse.call_action, so the request pipeline, where faults are injected,
        never sees it: the invoker takes the injection here, with the documented code."""
        spec = _injected_error(self.faults, "lambda", "Invoke", "lambda:Invoke")
        if spec is not None:
            raise ClientError(
                {
                    "Error": {
                        "Code": spec.code,
                        "Message": aws_errors.message(spec, "Invoke", ACCOUNT_ID),
                    }
                },
                "Invoke",
            )
