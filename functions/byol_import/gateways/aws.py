"""The only code that calls boto3. Clients are passed in; AWS errors become our typed errors."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Final

from botocore.exceptions import BotoCoreError, ClientError, ConnectionError, ReadTimeoutError

from byol_import import errors

_TRANSIENT_CODES: Final = frozenset(
    {
        "Throttling", "ThrottlingException", "ThrottledException", "RequestLimitExceeded",
        "TooManyRequestsException", "ProvisionedThroughputExceededException",
        "RequestThrottled", "RequestThrottledException", "SlowDown", "ServiceUnavailable",
        "ServiceUnavailableException", "InternalError", "InternalFailure",
        "InternalServerError", "InternalServiceError", "ServiceException",
        "ResourceUnavailableException",
    }
)


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def error_message(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Message", ""))


def is_transient(exc: ClientError) -> bool:
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
    return error_code(exc) in _TRANSIENT_CODES or (isinstance(status, int) and status >= 500)


@contextlib.contextmanager
def aws_call(operation: str) -> Iterator[None]:
    """Turn throttling and faults into TransientAwsError and the rest into WorkSpacesError.

    Callers catch the ClientErrors they understand inside this block; what escapes is unexpected.
    """
    try:
        yield
    except ClientError as exc:
        code, message = error_code(exc), error_message(exc)
        if is_transient(exc):
            raise errors.TransientAwsError(f"{operation}: {code}: {message}") from exc
        if code in ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation"):
            raise errors.AccessDenied(
                f"{operation} was denied ({message}): the function's role lacks this permission"
            ) from exc
        raise errors.WorkSpacesError(f"{operation}: {code}: {message}") from exc
    except (ConnectionError, ReadTimeoutError) as exc:
        raise errors.TransientAwsError(f"{operation}: {exc}") from exc
    except BotoCoreError as exc:
        raise errors.WorkSpacesError(f"{operation}: {exc}") from exc


_NOT_ELIGIBLE: Final = (
    "this account is not enabled for WorkSpaces BYOL ({detail}). Ask AWS (your account team or a "
    "support case) to approve the account for BYOL, then start the import again"
)


class WorkSpacesGateway:
    def __init__(self, client: Any) -> None:
        self._client = client

    def _eligibility_denied(self, exc: ClientError, operation: str) -> errors.ByolNotEligible:
        return errors.ByolNotEligible(f"{operation}: " + _NOT_ELIGIBLE.format(
            detail=error_message(exc) or error_code(exc)))

    def describe_account(self) -> dict[str, Any]:
        with aws_call("DescribeAccount"):
            try:
                response = self._client.describe_account()
            except ClientError as exc:
                if error_code(exc) in ("AccessDeniedException", "AccessDenied"):
                    raise self._eligibility_denied(exc, "DescribeAccount") from exc
                raise
        return dict(response)

    def account_modifications(self) -> list[dict[str, Any]]:
        mods: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {}
        with aws_call("DescribeAccountModifications"):
            while True:
                page = self._client.describe_account_modifications(**kwargs)
                mods.extend(page.get("AccountModifications", []))
                token = page.get("NextToken")
                if not token:
                    return mods
                kwargs = {"NextToken": token}

    def available_cidrs(self, constraint: str, page_size: int = 5) -> Iterator[str]:
        """Page lazily so we stop reading at the first usable range."""
        kwargs: dict[str, Any] = {"ManagementCidrRangeConstraint": constraint,
                                  "MaxResults": page_size}
        while True:
            with aws_call("ListAvailableManagementCidrRanges"):
                try:
                    page = self._client.list_available_management_cidr_ranges(**kwargs)
                except ClientError as exc:
                    if error_code(exc) in ("AccessDeniedException", "AccessDenied"):
                        raise self._eligibility_denied(
                            exc, "ListAvailableManagementCidrRanges") from exc
                    raise
            yield from page.get("ManagementCidrRanges", [])
            token = page.get("NextToken")
            if not token:
                return
            kwargs["NextToken"] = token

    def modify_account(self, cidr: str) -> None:
        with aws_call("ModifyAccount"):
            try:
                self._client.modify_account(
                    DedicatedTenancySupport="ENABLED",
                    DedicatedTenancyManagementCidrRange=cidr,
                )
            except ClientError as exc:
                if error_code(exc) in ("AccessDeniedException", "AccessDenied"):
                    raise self._eligibility_denied(exc, "ModifyAccount") from exc
                if error_code(exc) == "InvalidResourceStateException":
                    # A change started meanwhile (by a person or another tool): adopt it.
                    raise errors.TransientAwsError(
                        f"ModifyAccount: {error_message(exc)}; another modification is running"
                    ) from exc
                raise

    def import_image(self, *, ami_id: str, ingestion_process: str, name: str, description: str,
                     tags: Sequence[Mapping[str, str]], applications: Sequence[str]) -> str:
        kwargs: dict[str, Any] = {
            "Ec2ImageId": ami_id,
            "IngestionProcess": ingestion_process,
            "ImageName": name,
            "ImageDescription": description,
            "Tags": list(tags),
        }
        if applications:
            kwargs["Applications"] = list(applications)
        with aws_call("ImportWorkspaceImage"):
            try:
                return str(self._client.import_workspace_image(**kwargs)["ImageId"])
            except ClientError as exc:
                code, message = error_code(exc), error_message(exc)
                if code == "ResourceAlreadyExistsException":
                    raise errors.ImageNameTaken(message or name) from exc
                if code == "ResourceLimitExceededException":
                    raise errors.ImageQuotaExceeded(
                        f"ImportWorkspaceImage: {message}. Delete unused WorkSpaces images or ask "
                        "for a higher image quota (Service Quotas), then import again"
                    ) from exc
                if code in ("AccessDeniedException", "AccessDenied"):
                    raise self._eligibility_denied(exc, "ImportWorkspaceImage") from exc
                if code in ("OperationNotSupportedException", "InvalidParameterValuesException",
                            "ResourceNotFoundException"):
                    raise errors.ImageImportRejected(
                        f"ImportWorkspaceImage rejected the request: {code}: {message}"
                    ) from exc
                raise

    def describe_image(self, image_id: str) -> dict[str, Any] | None:
        with aws_call("DescribeWorkspaceImages"):
            images = self._client.describe_workspace_images(ImageIds=[image_id]).get("Images", [])
        return dict(images[0]) if images else None

    def find_owned_image(self, name: str) -> dict[str, Any] | None:
        """DescribeWorkspaceImages has no name filter: page through OWNED images."""
        kwargs: dict[str, Any] = {"ImageType": "OWNED", "MaxResults": 25}
        with aws_call("DescribeWorkspaceImages"):
            while True:
                page = self._client.describe_workspace_images(**kwargs)
                for image in page.get("Images", []):
                    if image.get("Name") == name:
                        return dict(image)
                token = page.get("NextToken")
                if not token:
                    return None
                kwargs["NextToken"] = token

    def image_tags(self, image_id: str) -> list[dict[str, str]]:
        with aws_call("DescribeTags"):
            return list(self._client.describe_tags(ResourceId=image_id).get("TagList", []))

    def delete_image(self, image_id: str) -> None:
        with aws_call("DeleteWorkspaceImage"):
            self._client.delete_workspace_image(ImageId=image_id)


class Ec2Gateway:
    def __init__(self, client: Any) -> None:
        self._client = client

    def describe_image(self, image_id: str) -> dict[str, Any] | None:
        with aws_call("DescribeImages"):
            try:
                images = self._client.describe_images(ImageIds=[image_id]).get("Images", [])
            except ClientError as exc:
                if error_code(exc).startswith("InvalidAMIID"):
                    return None
                raise
        return dict(images[0]) if images else None

    def image_tags(self, image_ids: Sequence[str]) -> dict[str, list[dict[str, str]] | None]:
        """Current tags of each AMI; None for an AMI that does not exist (any more)."""
        found: dict[str, list[dict[str, str]] | None] = {i: None for i in image_ids}
        for image_id in image_ids:
            image = self.describe_image(image_id)
            if image is not None:
                found[image_id] = list(image.get("Tags", []))
        return found

    def vpc_cidrs(self) -> list[str]:
        cidrs: list[str] = []
        kwargs: dict[str, Any] = {"MaxResults": 1000}
        with aws_call("DescribeVpcs"):
            while True:
                page = self._client.describe_vpcs(**kwargs)
                for vpc in page.get("Vpcs", []):
                    cidrs.extend(
                        a["CidrBlock"] for a in vpc.get("CidrBlockAssociationSet", [])
                        if a.get("CidrBlockState", {}).get("State", "associated")
                        in ("associated", "associating")
                    )
                    if vpc.get("CidrBlock"):
                        cidrs.append(vpc["CidrBlock"])
                token = page.get("NextToken")
                if not token:
                    return sorted(set(cidrs))
                kwargs["NextToken"] = token

    def tag_image(self, image_id: str, tags: Mapping[str, str]) -> None:
        with aws_call("CreateTags"):
            self._client.create_tags(
                Resources=[image_id], Tags=[{"Key": k, "Value": v} for k, v in tags.items()]
            )


class LockGateway:
    """A lease lock in DynamoDB: one item per lock, taken and freed with conditional writes."""

    def __init__(self, client: Any, table: str) -> None:
        if not table:
            raise errors.ConfigurationError("The lock table name is not configured")
        self._client = client
        self._table = table

    def try_acquire(self, lock_id: str, owner: str, now: int, lease_seconds: int) -> str | None:
        """Take the lock (or renew it for its owner); return None, or the current holder."""
        with aws_call("PutItem"):
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
        with aws_call("GetItem"):
            item = self._client.get_item(
                TableName=self._table, Key={"LockId": {"S": lock_id}}, ConsistentRead=True
            ).get("Item")
        return str(item["Owner"]["S"]) if item else None

    def release(self, lock_id: str, owner: str) -> bool:
        """Free the lock if `owner` holds it; True when something was freed."""
        with aws_call("DeleteItem"):
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


class Notifier:
    def __init__(self, client: Any, topic_arn: str) -> None:
        if not topic_arn:
            raise errors.ConfigurationError("The SNS topic ARN is not configured")
        self._client = client
        self._topic_arn = topic_arn

    def publish(self, subject: str, message: str, attributes: Mapping[str, str]) -> None:
        with aws_call("Publish"):
            self._client.publish(
                TopicArn=self._topic_arn,
                Subject=subject[:100],
                Message=message,
                MessageAttributes={
                    k: {"DataType": "String", "StringValue": v} for k, v in attributes.items() if v
                },
            )


class Starter:
    def __init__(self, client: Any, state_machine_arn: str) -> None:
        if not state_machine_arn:
            raise errors.ConfigurationError("The state machine ARN is not configured")
        self._client = client
        self._arn = state_machine_arn

    def start(self, name: str, payload: str) -> bool:
        """Start an execution; False when one of that name exists (the event was a repeat)."""
        with aws_call("StartExecution"):
            try:
                self._client.start_execution(stateMachineArn=self._arn, name=name, input=payload)
                return True
            except ClientError as exc:
                if error_code(exc) == "ExecutionAlreadyExists":
                    return False
                raise
