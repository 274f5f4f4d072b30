"""Self-triggering, checked end to end: every EC2 CreateTags of a run (the workflow's own status
tags included) becomes the CloudTrail event AWS sends and goes through the deployed rules."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from local_aws.harness import LocalAws, unattended
from local_aws.stack_facts import RuleFacts, StackFacts
from tests.scenarios.conftest import run_tagged

pytestmark = pytest.mark.scenario


def _starter_callers(aws: LocalAws) -> list[str]:
    return [
        d["Event"]["detail"]["userIdentity"]["type"]
        for d in aws.deliveries
        if d["Target"] == "Starter"
    ]


def test_the_workflows_status_tags_reach_no_trigger() -> None:
    with LocalAws(config=unattended()) as aws:
        aws.enable_byol_directly()
        ami = aws.create_windows_ami()
        # When a person tags the AMI and the import runs to its end
        [result] = run_tagged(aws, [ami])
        assert result.status == "SUCCEEDED", result.cause
        # Then CloudTrail recorded the person's CreateTags (an IAM user) ...
        [person] = aws.cloudtrail.by_caller(None)
        assert person["userIdentity"]["arn"].endswith(":user/admin")
        # ... and the Report function's status tags, called with the function's assumed role
        [own] = aws.cloudtrail.by_caller(aws.function_names["Report"])
        assert own["userIdentity"]["type"] == "AssumedRole"
        assert own["userIdentity"]["sessionContext"]["sessionIssuer"]["type"] == "Role"
        assert own["requestParameters"]["resourcesSet"]["items"] == [{"resourceId": ami}]
        assert {"key": "byol-import:status", "value": "AVAILABLE"} in own["requestParameters"][
            "tagSet"
        ]["items"]
        assert "errorCode" not in own
        # ... which went through the deployed rules: only the person's event reached the starter
        assert _starter_callers(aws) == ["IAMUser"]
        assert aws.self_triggered() == []
        assert len(aws.results(history=False)) == 1


def test_a_failed_create_tags_is_recorded_with_its_error_and_starts_nothing() -> None:
    with LocalAws(config=unattended()) as aws:
        aws.enable_byol_directly()
        # When a person tags an AMI that does not exist
        with pytest.raises(ClientError):
            aws.client("ec2", retries=False).create_tags(
                Resources=["ami-0123456789abcdef0"],
                Tags=[{"Key": aws.config.trigger_tag_key, "Value": ""}],
            )
        aws.wait_for_executions()
        # Then CloudTrail has the failed call, as it records EC2 errors
        [event] = aws.cloudtrail.events
        assert event["errorCode"] == "Client.InvalidAMIID.NotFound"
        assert event["errorMessage"] and event["responseElements"] is None
        # ... and the rule (errorCode must not exist) kept it from the starter
        assert aws.deliveries == [] and aws.executions() == []


def test_the_status_tags_of_a_failed_import_reach_no_trigger_either() -> None:
    with LocalAws(config=unattended()) as aws:
        aws.enable_byol_directly()
        ami = aws.create_windows_ami(encrypted=True)
        [result] = run_tagged(aws, [ami])
        assert (result.status, result.error) == ("FAILED", "ImageEncrypted")
        [own] = aws.cloudtrail.by_caller(aws.function_names["Report"])
        assert {"key": "byol-import:status", "value": "FAILED"} in own["requestParameters"][
            "tagSet"
        ]["items"]
        assert _starter_callers(aws) == ["IAMUser"]
        assert len(aws.results(history=False)) == 1


def _too_broad(rule: RuleFacts) -> RuleFacts:
    """A deliberately wrong trigger: it also matches our own byol-import: status tags."""
    detail: dict[str, Any] = rule.pattern["detail"]
    if detail.get("eventName") != ["CreateTags"]:
        return rule
    keys = detail["requestParameters"]["tagSet"]["items"]["key"]
    detail["requestParameters"]["tagSet"]["items"]["key"] = [*keys, {"prefix": "byol-import:"}]
    return rule


def test_a_trigger_that_matches_our_status_tags_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a stack whose trigger rule also matches the byol-import: status tags
    deployed = StackFacts.rules
    monkeypatch.setattr(StackFacts, "rules", lambda self: [_too_broad(r) for r in deployed(self)])
    with LocalAws(config=unattended()) as aws:
        aws.enable_byol_directly()
        ami = aws.create_windows_ami()
        # When an import runs to its end
        [result] = run_tagged(aws, [ami])
        assert result.status == "SUCCEEDED", result.cause
        # Then the run shows the workflow triggering itself: each status tag write (QUEUED by
        # CheckImage, IMPORTING by ImportImage, AVAILABLE by Report) reached the starter (the
        # check every scenario can make)
        looped = aws.self_triggered()
        callers = [e["Event"]["detail"]["userIdentity"]["arn"].rsplit("/", 1)[-1] for e in looped]
        assert callers == [aws.function_names[k] for k in ("CheckImage", "ImportImage", "Report")]
        # ... where only the starter's own check (the event must write the trigger tag) kept it
        # from starting anything: that second line of defence is all that was left
        for event in looped:
            assert event["Result"]["Started"] == []
            assert "did not write the trigger tag" in event["Result"]["Ignored"][0]["Reason"]
        assert len(aws.results(history=False)) == 1
