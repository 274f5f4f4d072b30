"""SNS: the notification a person reads."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from byol_import import errors
from byol_import.gateways.aws_call import aws_call


class Notifier:
    def __init__(self, client: Any, topic_arn: str) -> None:
        if not topic_arn:
            raise errors.ConfigurationError("The SNS topic ARN is not configured")
        self._client = client
        self._topic_arn = topic_arn

    def publish(self, subject: str, message: str, attributes: Mapping[str, str]) -> None:
        with aws_call("sns:Publish", self._topic_arn):
            self._client.publish(
                TopicArn=self._topic_arn,
                Subject=subject[:100],
                Message=message,
                MessageAttributes={
                    k: {"DataType": "String", "StringValue": v} for k, v in attributes.items() if v
                },
            )
