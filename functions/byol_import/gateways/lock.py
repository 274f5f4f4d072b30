"""The account-wide lease lock, in DynamoDB."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from byol_import import errors
from byol_import.gateways.aws_call import aws_call, error_code


class LockGateway:
    """A lease lock in DynamoDB: one item per lock, taken and freed with conditional writes."""

    def __init__(self, client: Any, table: str) -> None:
        if not table:
            raise errors.ConfigurationError("The lock table name is not configured")
        self._client = client
        self._table = table

    def try_acquire(self, lock_id: str, owner: str, now: int, lease_seconds: int) -> str | None:
        """Take the lock (or renew it for its owner); return None, or the current holder."""
        with aws_call("dynamodb:PutItem", self._table):
            try:
                self._client.put_item(
                    TableName=self._table,
                    Item={
                        "LockId": {"S": lock_id},
                        "Owner": {"S": owner},
                        "ExpiresAt": {"N": str(now + lease_seconds)},
                    },
                    ConditionExpression=(
                        "attribute_not_exists(LockId) OR #owner = :owner OR ExpiresAt < :now"
                    ),
                    ExpressionAttributeNames={"#owner": "Owner"},
                    ExpressionAttributeValues={":owner": {"S": owner}, ":now": {"N": str(now)}},
                )
                return None
            except ClientError as exc:
                if error_code(exc) != "ConditionalCheckFailedException":
                    raise
        return self.holder(lock_id) or "unknown"

    def holder(self, lock_id: str) -> str | None:
        lease = self.lease(lock_id)
        return lease[0] if lease else None

    def lease(self, lock_id: str) -> tuple[str, int] | None:
        """(holder, lease end in epoch seconds), or None when the lock is free."""
        with aws_call("dynamodb:GetItem", self._table):
            item = self._client.get_item(
                TableName=self._table, Key={"LockId": {"S": lock_id}}, ConsistentRead=True
            ).get("Item")
        if not item:
            return None
        return str(item["Owner"]["S"]), int(item.get("ExpiresAt", {}).get("N", "0"))

    def release(self, lock_id: str, owner: str) -> bool:
        """Free the lock if `owner` holds it; True when something was freed."""
        with aws_call("dynamodb:DeleteItem", self._table):
            try:
                self._client.delete_item(
                    TableName=self._table,
                    Key={"LockId": {"S": lock_id}},
                    ConditionExpression="#owner = :owner",
                    ExpressionAttributeNames={"#owner": "Owner"},
                    ExpressionAttributeValues={":owner": {"S": owner}},
                )
                return True
            except ClientError as exc:
                if error_code(exc) != "ConditionalCheckFailedException":
                    raise
        return False
