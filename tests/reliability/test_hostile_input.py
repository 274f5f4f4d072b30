"""Hostile input: hypothesis-generated EventBridge events and console inputs.

Never an unhandled exception, never an invalid execution name or API request, always a clear
error. Events go through the starter step; console inputs through the real state machine.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from byol_import import errors, steps
from byol_import.logic.request import AMI_ID_PATTERN, normalise_request
from local_aws.harness import LocalAws, unattended
from tests.unit.fakes import FakeEc2, FakeStarter

pytestmark = pytest.mark.reliability

OURS = {
    c.__name__
    for c in vars(errors).values()
    if isinstance(c, type) and issubclass(c, errors.ByolImportError)
}
TAG = "WorkSpacesByolImport"

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=50)
    | st.text(alphabet="🦄é中ß\x00\n", max_size=20)
    | st.just("x" * 10_000)
)
json_values = st.recursive(
    scalars,
    lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=10), c, max_size=4),
    max_leaves=15,
)
resource_ids = (
    st.from_regex(r"ami-([a-f0-9]{8}|[a-f0-9]{17})", fullmatch=True)
    | st.sampled_from(["i-0123456789abcdef0", "snap-0123", "AMI-12345678", "ami-", "ami-xyz"])
    | json_values
)
events = (
    st.fixed_dictionaries(
        {
            "source": st.sampled_from(["aws.ec2", "aws.ec2", "aws.tag", "evil"]),
            "account": st.sampled_from(["123456789012", "123456789012", "999999999999", ""]),
            "region": st.sampled_from(["eu-west-1", "eu-west-1", "us-east-1"]),
            "detail-type": st.sampled_from(
                ["AWS API Call via CloudTrail", "EC2 AMI State Change", "Other"]
            ),
            "detail": st.fixed_dictionaries(
                {
                    "eventName": st.sampled_from(["CreateTags", "DeleteTags"]) | json_values,
                    "ImageId": resource_ids,
                    "State": st.sampled_from(["available", "failed"]),
                    "requestParameters": st.fixed_dictionaries(
                        {
                            "resourcesSet": st.fixed_dictionaries(
                                {
                                    "items": st.lists(
                                        st.fixed_dictionaries({"resourceId": resource_ids}),
                                        max_size=30,
                                    )
                                }
                            ),
                            "tagSet": st.fixed_dictionaries(
                                {
                                    "items": st.lists(
                                        st.fixed_dictionaries(
                                            {
                                                "key": st.sampled_from(
                                                    [TAG, "byol-import:status", "Name"]
                                                ),
                                                "value": json_values,
                                            }
                                        ),
                                        max_size=3,
                                    )
                                }
                            ),
                        }
                    )
                    | json_values,
                }
            )
            | json_values,
        }
    )
    | json_values
)


@settings(max_examples=400, deadline=None)
@given(event=events, tag_value=st.text(max_size=300))
def test_any_event_starts_valid_executions_or_nothing(event: Any, tag_value: str) -> None:
    # Given every AMI exists and carries the trigger tag with an arbitrary value
    ec2 = _AllTagged(tag_value)
    starter = FakeStarter()
    # When the starter reads the event
    result = steps.start_imports(
        event, ec2, starter, account_id="123456789012", region="eu-west-1", trigger_tag_key=TAG
    )
    # Then every execution it starts has a valid name and an input that either normalises to a
    # valid request or fails with a clear InvalidRequest
    for name, payload in starter.started.items():
        assert re.fullmatch(r"[a-zA-Z0-9_-]{1,80}", name)
        raw = json.loads(payload)
        assert AMI_ID_PATTERN.fullmatch(raw["ImageId"])
        try:
            normalise_request(raw, "BYOL_REGULAR_WSP", TAG)
        except errors.InvalidRequest as exc:
            # the message names the tag the person must change
            assert exc.message.startswith(f"trigger tag {TAG} value")
    assert len(result["Started"]) == len(starter.started)
    assert result["Started"] or result["Ignored"] or result["AlreadyStarted"]


class _AllTagged(FakeEc2):
    def __init__(self, value: str) -> None:
        super().__init__()
        self.value = value

    def image_tags(self, image_ids: Sequence[str]) -> dict[str, list[dict[str, str]] | None]:
        return {i: [{"Key": TAG, "Value": self.value}] for i in image_ids}


@pytest.fixture(scope="module")
def aws() -> Iterator[LocalAws]:
    with LocalAws(config=unattended()) as env:
        env.enable_byol_directly()
        yield env


console_inputs = (
    st.dictionaries(
        st.sampled_from(
            [
                "ImageId",
                "IngestionProcess",
                "ImageName",
                "ImageDescription",
                "Applications",
                "Tags",
                "Trigger",
                "Extra",
            ]
        ),
        json_values | st.just("ami-0123456789abcdef0") | st.just(["Microsoft_Office_2019"]),
        max_size=5,
    )
    | json_values
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(payload=console_inputs)
def test_any_console_input_ends_in_a_clear_error_through_the_real_workflow(
    aws: LocalAws, payload: Any
) -> None:
    before = len(aws.executions())
    arn = aws.start_manual(payload)
    aws.wait_for_executions()
    result = aws.result(arn)
    assert len(aws.executions()) == before + 1
    # Nothing valid exists to import here, so every run fails, with one of our error names
    assert result.status == "FAILED"
    assert result.error in OURS, (result.error, result.cause)
    assert result.cause
    assert aws.lambdas.unhandled == []
    assert aws.calls.count("workspaces")["ImportWorkspaceImage"] == 0
