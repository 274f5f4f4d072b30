"""CloudTrail for the embedded AWS: every EC2 CreateTags, whoever calls it, becomes the
"AWS API Call via CloudTrail" event AWS sends to EventBridge, and goes through the deployed rules.

The workflow's own status tags (Report, LockJanitor) are included, so a trigger that fires on
them shows in a local run. Failed calls are recorded too, with `errorCode` ("Client.<code>" or
"Server.<code>", as CloudTrail writes EC2 errors, throttling included) and `errorMessage`.
Shape: tests/data/events/cloudtrail-createtags.json.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from local_aws.calls import operation_of

DETAIL_TYPE = "AWS API Call via CloudTrail"
# The CreateTags requests CloudTrail turns into events here (EC2 only: the trigger's source).
RECORDED = frozenset({("ec2", "CreateTags")})


def _error_of(body: Any) -> tuple[str, str]:
    text = body.decode() if isinstance(body, bytes) else str(body)
    code = re.search(r"<Code>(.*?)</Code>", text)
    message = re.search(r"<Message>(.*?)</Message>", text, re.S)
    return (code.group(1) if code else "UnknownError", message.group(1) if message else "")


class CloudTrail:
    """Records the events and hands each to EventBridge (moto's default bus, with our rules)."""

    def __init__(
        self,
        now: Callable[[], datetime],
        role_name: str,
        current_function: Callable[[], str | None],
    ) -> None:
        self._now = now
        self.role_name = role_name
        self._current_function = current_function
        self.events: list[dict[str, Any]] = []  # every detail, in order
        self._lock = threading.Lock()

    def identity(self, account: str) -> dict[str, Any]:
        """Who called: the function's assumed role inside a handler, else a person (IAM user)."""
        function = self._current_function()
        if function is None:
            return {
                "type": "IAMUser",
                "principalId": "AIDAEXAMPLEADMIN0001",
                "arn": f"arn:aws:iam::{account}:user/admin",
                "accountId": account,
                "accessKeyId": "AKIAEXAMPLEADMIN0001",
                "userName": "admin",
            }
        role_id = "AROAEXAMPLEBYOLROLE01"
        return {
            "type": "AssumedRole",
            "principalId": f"{role_id}:{function}",
            "arn": f"arn:aws:sts::{account}:assumed-role/{self.role_name}/{function}",
            "accountId": account,
            "accessKeyId": "ASIAEXAMPLEBYOLFN001",
            "sessionContext": {
                "sessionIssuer": {
                    "type": "Role",
                    "principalId": role_id,
                    "arn": f"arn:aws:iam::{account}:role/{self.role_name}",
                    "accountId": account,
                    "userName": self.role_name,
                },
                "attributes": {"creationDate": self._stamp(), "mfaAuthenticated": "false"},
            },
        }

    def _stamp(self) -> str:
        return self._now().strftime("%Y-%m-%dT%H:%M:%SZ")

    def record(self, request: Any, response: Any) -> dict[str, Any] | None:
        """Called after every request (`request` is moto's response object); returns the detail
        when CloudTrail records this one."""
        service, operation = request.service_name, operation_of(request)
        if (service, operation) not in RECORDED:
            return None
        params = getattr(request, "params", None) or {}
        account, region = request.current_account, request.region
        request_id = str(uuid.uuid4())
        status, body = (response[0], response[2]) if isinstance(response, tuple) else (200, "")
        detail: dict[str, Any] = {
            "eventVersion": "1.08",
            "userIdentity": self.identity(account),
            "eventTime": self._stamp(),
            "eventSource": "ec2.amazonaws.com",
            "eventName": operation,
            "awsRegion": region,
            "sourceIPAddress": "198.51.100.7",
            "userAgent": str(request.headers.get("User-Agent", "")),
            "requestParameters": {
                "resourcesSet": {"items": [{"resourceId": r} for r in params.get("Resources", [])]},
                "tagSet": {
                    "items": [
                        {"key": t.get("Key"), "value": t.get("Value", "")}
                        for t in params.get("Tags", [])
                    ]
                },
            },
            "responseElements": {"requestId": request_id, "_return": True},
            "requestID": request_id,
            "eventID": str(uuid.uuid4()),
            "readOnly": False,
            "eventType": "AwsApiCall",
            "managementEvent": True,
            "recipientAccountId": account,
            "eventCategory": "Management",
        }
        if int(status) >= 400:
            code, message = _error_of(body)
            detail["errorCode"] = f"{'Server' if int(status) >= 500 else 'Client'}.{code}"
            detail["errorMessage"] = message
            detail["responseElements"] = None
        with self._lock:
            self.events.append(detail)
        from moto.events.models import events_backends

        # CloudTrail's delivery to EventBridge is AWS's own, not an API call of the account.
        events_backends[account][region].put_events(
            [{"Source": "aws.ec2", "DetailType": DETAIL_TYPE, "Detail": json.dumps(detail)}]
        )
        return detail

    def by_caller(self, function: str | None) -> list[dict[str, Any]]:
        """The events of one caller: a function's name, or None for the person (IAM user)."""
        with self._lock:
            events = list(self.events)
        if function is None:
            return [e for e in events if e["userIdentity"]["type"] == "IAMUser"]
        return [e for e in events if e["userIdentity"].get("arn", "").endswith(f"/{function}")]
