"""Request throttling: token buckets per account, refilled on the virtual clock
(docs/byol-api-facts.md, "Times and quotas"; local_aws/throttling.py cites each size)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from local_aws.harness import ACCOUNT_ID, REGION, LocalAws
from local_aws.throttling import (
    EC2_MUTATING,
    EC2_NON_MUTATING,
    EC2_UNFILTERED,
    BucketSpec,
    Throttling,
    TokenBuckets,
    ec2_bucket,
)

OTHER_ACCOUNT = "111122223333"


def _code(call: Any) -> str:
    try:
        call()
    except ClientError as exc:
        return str(exc.response["Error"]["Code"])
    return "OK"


def _describe(ws: Any) -> str:
    return _code(ws.describe_account)


def test_workspaces_allows_a_burst_of_two_then_two_per_second(aws: LocalAws) -> None:
    """About 2 calls per second per account: every WorkSpaces operation shares the bucket."""
    ws = aws.client("workspaces", retries=False)
    # Given a full bucket, at one virtual instant: two calls pass, the third is throttled
    assert [_describe(ws), _code(lambda: ws.describe_account_modifications()), _describe(ws)] == [
        "OK",
        "OK",
        "ThrottlingException",
    ]
    # When half a virtual second passes, one token is back (2 per second)
    aws.clock.advance(0.5)
    assert [_describe(ws), _describe(ws)] == ["OK", "ThrottlingException"]
    # And however long the account waits, the burst stays 2
    aws.clock.advance(3600)
    assert [_describe(ws) for _ in range(3)] == ["OK", "OK", "ThrottlingException"]
    assert aws.calls.throttled("workspaces") == {"DescribeAccount": 3}


def test_the_bucket_refills_on_the_virtual_clock_not_the_wall_clock(aws: LocalAws) -> None:
    ws = aws.client("workspaces", retries=False)
    assert [_describe(ws) for _ in range(3)] == ["OK", "OK", "ThrottlingException"]
    # Wall time passes (this test runs for a while), virtual time does not: still empty
    for _ in range(20):
        assert _describe(ws) == "ThrottlingException"
    aws.clock.advance(1)
    assert [_describe(ws) for _ in range(3)] == ["OK", "OK", "ThrottlingException"]


def test_each_account_has_its_own_buckets(aws: LocalAws, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given our account's WorkSpaces bucket is empty
    ws = aws.client("workspaces", retries=False)
    assert [_describe(ws) for _ in range(3)] == ["OK", "OK", "ThrottlingException"]
    # When another account calls (moto takes the account from this header when no
    # MOTO_ACCOUNT_ID pins one; ours is moto's default account)
    monkeypatch.delenv("MOTO_ACCOUNT_ID")
    other = boto3.client(
        "workspaces",
        region_name=REGION,
        config=Config(retries={"mode": "standard", "total_max_attempts": 1}),
    )

    def as_other_account(request: Any, **_: Any) -> None:
        request.headers["x-moto-account-id"] = OTHER_ACCOUNT

    other.meta.events.register("before-sign.workspaces.*", as_other_account)
    # Then its bucket is full: two calls pass before it is throttled in turn
    assert [_describe(other) for _ in range(3)] == ["OK", "OK", "ThrottlingException"]
    assert aws.buckets.tokens(OTHER_ACCOUNT, REGION, "workspaces", "*") == 0
    assert aws.buckets.tokens(ACCOUNT_ID, REGION, "workspaces", "*") == 0


def test_ec2_throttles_each_action_in_its_category_bucket(aws: LocalAws) -> None:
    """EC2 request token buckets: non-mutating 100 (refill 20/s), CreateTags 100 (10/s); an
    exhausted action does not throttle another one."""
    ec2 = aws.client("ec2", retries=False)
    ami = aws.create_windows_ami()
    results = [_code(lambda: ec2.describe_images(ImageIds=[ami])) for _ in range(101)]
    assert results.count("OK") == 100 and results[-1] == "RequestLimitExceeded"
    # DescribeVpcs has a bucket of its own
    assert _code(ec2.describe_vpcs) == "OK"
    # 20 tokens per second come back
    aws.clock.advance(1)
    results = [_code(lambda: ec2.describe_images(ImageIds=[ami])) for _ in range(21)]
    assert results.count("OK") == 20


def test_ec2_categories_follow_the_documented_table() -> None:
    assert ec2_bucket("DescribeImages", {"ImageIds": ["ami-1"]}) == (
        "DescribeImages",
        EC2_NON_MUTATING,
    )
    assert ec2_bucket("DescribeInstances", {}) == ("DescribeInstances(unfiltered)", EC2_UNFILTERED)
    assert ec2_bucket("DescribeInstances", {"Filters": []}) == (
        "DescribeInstances",
        EC2_NON_MUTATING,
    )
    assert ec2_bucket("RegisterImage", {}) == ("RegisterImage", EC2_MUTATING)
    assert ec2_bucket("CreateTags", {}) == ("CreateTags", BucketSpec(100, 10))
    assert ec2_bucket("ModifyImageAttribute", {}) == ("ModifyImageAttribute", BucketSpec(100, 5))


def test_the_harness_client_backs_off_on_the_virtual_clock(aws: LocalAws) -> None:
    # Given the harness client, with the SDK's standard retries, as a person's CLI would have
    ws = aws.client("workspaces")
    before = aws.clock.now()
    # When it makes six calls at once
    for _ in range(6):
        ws.describe_account()
    # Then the throttled ones were retried after a virtual backoff, not exempted
    assert aws.calls.throttled("workspaces")["DescribeAccount"] >= 1
    assert aws.clock.now() > before


@pytest.mark.parametrize("throttling", [Throttling.off()])
def test_throttling_can_be_switched_off_for_a_test_that_says_why(throttling: Throttling) -> None:
    # Why: this test checks the switch itself.
    with LocalAws(throttling=throttling) as aws:
        ws = aws.client("workspaces", retries=False)
        assert {_describe(ws) for _ in range(10)} == {"OK"}
        assert aws.calls.throttled() == {}


def test_token_buckets_in_isolation() -> None:
    now = [datetime(2026, 1, 1, tzinfo=UTC)]
    buckets = TokenBuckets(
        Throttling(overrides={("sns", "Publish"): BucketSpec(3, 0.5)}), lambda: now[0]
    )
    take = [buckets.take("a", "r", "sns", "Publish") for _ in range(4)]
    assert take == [True, True, True, False]
    now[0] += timedelta(seconds=1)  # half a token: still nothing
    assert not buckets.take("a", "r", "sns", "Publish")
    now[0] += timedelta(seconds=1)
    assert buckets.take("a", "r", "sns", "Publish")
    assert buckets.take("b", "r", "sns", "Publish")  # another account
    assert buckets.take("a", "r", "sqs", "SendMessage")  # no bucket: not throttled
