"""Every IAM statement the stack deploys is one the Service Authorization Reference accepts."""

from __future__ import annotations

from typing import Any

import pytest

from local_aws.iam.static_check import SUPPRESSIONS, check_template, unsuppressed

pytestmark = pytest.mark.infra


def test_the_template_has_no_unsuppressed_iam_finding(template_json: dict[str, Any]) -> None:
    # Given every identity and resource policy statement of the synthesized template
    findings = check_template(template_json)
    # Then each is an action the SAR knows, on resources of a type it supports, with condition
    # keys it supports; anything accepted is suppressed with its reason in one place
    assert [str(f) for f in unsuppressed(findings)] == []
    # And no suppression is stale
    assert [s for s in SUPPRESSIONS if not any(s.covers(f) for f in findings)] == []


def test_every_policy_kind_of_the_template_was_read(template_json: dict[str, Any]) -> None:
    kinds = {r["Type"] for r in template_json["Resources"].values()}
    # The checker reads these types; a new kind of policy resource must be added to it.
    policy_kinds = {k for k in kinds if "Policy" in k or k in ("AWS::Lambda::Permission",)}
    assert policy_kinds <= {
        "AWS::IAM::Policy",
        "AWS::IAM::ManagedPolicy",
        "AWS::SNS::TopicPolicy",
        "AWS::SQS::QueuePolicy",
        "AWS::S3::BucketPolicy",
        "AWS::Lambda::Permission",
    }
