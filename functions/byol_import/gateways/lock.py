"""The account-wide lease lock, in DynamoDB."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from botocore.exceptions import ClientError

from byol_import import errors
from byol_import.gateways.aws_call import aws_call, error_code
from byol_import.names import (
    APPROVAL_AMI_ATTR,
    APPROVAL_CIDR_ATTR,
    APPROVAL_EXECUTION_ATTR,
    APPROVAL_REQUESTED_AT_ATTR,
    APPROVAL_TOKEN_ATTR,
)

_APPROVAL_ATTRS = (
    APPROVAL_TOKEN_ATTR,
    APPROVAL_CIDR_ATTR,
    APPROVAL_REQUESTED_AT_ATTR,
    APPROVAL_EXECUTION_ATTR,
    APPROVAL_AMI_ATTR,
)


class Lease(NamedTuple):
    holder: str
    expires_at: int  # epoch seconds
    awaiting_approval: bool = False  # the holder waits for a person (a task token is kept)


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

    def lease(self, lock_id: str) -> Lease | None:
        """The holder, its lease end and whether it awaits an approval; None when free."""
        with aws_call("dynamodb:GetItem", self._table):
            item = self._client.get_item(
                TableName=self._table, Key={"LockId": {"S": lock_id}}, ConsistentRead=True
            ).get("Item")
        if not item:
            return None
        return Lease(
            str(item["Owner"]["S"]),
            int(item.get("ExpiresAt", {}).get("N", "0")),
            APPROVAL_TOKEN_ATTR in item,
        )

    def record_approval(self, lock_id: str, owner: str, attributes: Mapping[str, str]) -> bool:
        """Keep a pending approval on the lock item `owner` holds; False if it holds none."""
        names = {f"#a{i}": key for i, key in enumerate(attributes)}
        values = {f":a{i}": {"S": value} for i, value in enumerate(attributes.values())}
        return self._update_owned(
            lock_id,
            owner,
            "SET " + ", ".join(f"{n} = :{n[1:]}" for n in names),
            names,
            values,
        )

    def clear_approval(self, lock_id: str, owner: str) -> None:
        """The approval was used (or is moot): nothing pending is left to answer."""
        names = {f"#a{i}": key for i, key in enumerate(_APPROVAL_ATTRS)}
        self._update_owned(lock_id, owner, "REMOVE " + ", ".join(names), names, {})

    def _update_owned(
        self,
        lock_id: str,
        owner: str,
        expression: str,
        names: Mapping[str, str],
        values: Mapping[str, Any],
    ) -> bool:
        with aws_call("dynamodb:UpdateItem", self._table):
            try:
                self._client.update_item(
                    TableName=self._table,
                    Key={"LockId": {"S": lock_id}},
                    UpdateExpression=expression,
                    ConditionExpression="#owner = :owner",
                    ExpressionAttributeNames={**names, "#owner": "Owner"},
                    ExpressionAttributeValues={**values, ":owner": {"S": owner}},
                )
                return True
            except ClientError as exc:
                if error_code(exc) != "ConditionalCheckFailedException":
                    raise
        return False

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
