"""Request throttling as AWS applies it: token buckets per account, Region and bucket, refilled on
the virtual clock. Every request takes one token; an empty bucket answers the service's own
throttling error (the caller's SDK and the state machine's Retry must carry the work through).

Defaults come from the documentation (docs/byol-api-facts.md, "Times and quotas"):
- WorkSpaces: about 2 calls per second per account, all operations together (quota page). The
  burst is undocumented: the stricter choice is a bucket of 2 (one second's worth).
- EC2: the request token buckets of "Request throttling for the Amazon EC2 API", one bucket per
  API action sized by its category (non-mutating, unfiltered-and-unpaginated, mutating,
  resource-intensive, or the action's own uncategorized size).
- Other services stay unthrottled: their documented limits (DynamoDB on-demand, SNS Publish,
  Step Functions, Lambda) are orders of magnitude above anything a run makes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class BucketSpec:
    capacity: float  # the burst: tokens a full bucket holds
    refill_per_second: float


# https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html
# ("Request token bucket sizes and refill rates")
EC2_NON_MUTATING = BucketSpec(100, 20)
EC2_UNFILTERED = BucketSpec(50, 10)
EC2_MUTATING = BucketSpec(50, 5)
EC2_RESOURCE_INTENSIVE = BucketSpec(50, 5)
EC2_UNFILTERED_ACTIONS = frozenset(
    {
        "DescribeInstances",
        "DescribeInstanceStatus",
        "DescribeNetworkInterfaces",
        "DescribeSecurityGroups",
        "DescribeSnapshots",
        "DescribeSpotInstanceRequests",
        "DescribeVolumes",
    }
)
EC2_RESOURCE_INTENSIVE_ACTIONS = frozenset(
    {
        "AcceptVpcPeeringConnection",
        "AuthorizeSecurityGroupIngress",
        "CancelSpotInstanceRequests",
        "CreateKeyPair",
        "CreateVpcPeeringConnection",
        "DeleteVpcPeeringConnection",
        "RejectVpcPeeringConnection",
        "RevokeSecurityGroupIngress",
        "RequestSpotInstances",
    }
)
# The uncategorized actions this project (or its tests) can call, with their own sizes.
EC2_UNCATEGORIZED: Mapping[str, BucketSpec] = {
    "CreateTags": BucketSpec(100, 10),
    "DeleteTags": BucketSpec(100, 10),
    "ModifyImageAttribute": BucketSpec(100, 5),
    "DeregisterImage": BucketSpec(100, 5),
    "CopyImage": BucketSpec(100, 1),
    "CreateSnapshot": BucketSpec(100, 5),
    "DeleteSnapshot": BucketSpec(100, 5),
    "CreateVolume": BucketSpec(100, 5),
    "DeleteVolume": BucketSpec(100, 5),
}
# 2022 WorkSpaces quota page: about 2 API calls per second per account.
WORKSPACES = BucketSpec(2, 2)

_NON_MUTATING_PREFIXES = ("Describe", "List", "Search", "Get")


def ec2_bucket(operation: str, params: Mapping[str, Any]) -> tuple[str, BucketSpec]:
    """EC2 evaluates each API individually, in a bucket sized by the action's category."""
    if operation in EC2_UNCATEGORIZED:
        return operation, EC2_UNCATEGORIZED[operation]
    if operation in EC2_UNFILTERED_ACTIONS and not any(
        key in params for key in ("Filters", "Filter", "MaxResults", "NextToken")
    ):
        return f"{operation}(unfiltered)", EC2_UNFILTERED
    if operation.startswith(_NON_MUTATING_PREFIXES):
        return operation, EC2_NON_MUTATING
    if operation in EC2_RESOURCE_INTENSIVE_ACTIONS:
        return operation, EC2_RESOURCE_INTENSIVE
    return operation, EC2_MUTATING


@dataclass
class Throttling:
    """Which requests are throttled, and how hard. On by default in every LocalAws."""

    enabled: bool = True
    workspaces: BucketSpec | None = WORKSPACES
    ec2: bool = True
    # (service, operation) -> spec: tighten or loosen one bucket (a test's own setting)
    overrides: dict[tuple[str, str], BucketSpec] = field(default_factory=dict)

    @classmethod
    def off(cls) -> Throttling:
        return cls(enabled=False)

    def bucket(
        self, service: str, operation: str, params: Mapping[str, Any]
    ) -> tuple[str, BucketSpec] | None:
        if not self.enabled:
            return None
        if (service, operation) in self.overrides:
            return operation, self.overrides[(service, operation)]
        if service == "workspaces" and self.workspaces is not None:
            return "*", self.workspaces  # one bucket for every WorkSpaces call of the account
        if service == "ec2" and self.ec2:
            return ec2_bucket(operation, params)
        return None


@dataclass
class _Bucket:
    tokens: float
    updated: datetime


class TokenBuckets:
    """The buckets of every account, Region and service; time is the virtual clock's."""

    def __init__(self, policy: Throttling, now: Callable[[], datetime]) -> None:
        self.policy = policy
        self._now = now
        self._buckets: dict[tuple[str, str, str, str], _Bucket] = {}
        self._lock = threading.Lock()
        self.throttled: list[tuple[str, str, str]] = []  # (account, service, operation)

    def take(
        self,
        account: str,
        region: str,
        service: str,
        operation: str,
        params: Mapping[str, Any] | None = None,
    ) -> bool:
        """Take a token for this request; False means AWS throttles it."""
        chosen = self.policy.bucket(service, operation, params or {})
        if chosen is None:
            return True
        name, spec = chosen
        now = self._now()
        with self._lock:
            key = (account, region, service, name)
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = _Bucket(spec.capacity, now)
            elapsed = max(0.0, (now - bucket.updated).total_seconds())
            bucket.tokens = min(spec.capacity, bucket.tokens + elapsed * spec.refill_per_second)
            bucket.updated = now
            if bucket.tokens >= 1:
                bucket.tokens -= 1
                return True
            self.throttled.append((account, service, operation))
            return False

    def tokens(self, account: str, region: str, service: str, name: str) -> float | None:
        with self._lock:
            bucket = self._buckets.get((account, region, service, name))
            return None if bucket is None else bucket.tokens
