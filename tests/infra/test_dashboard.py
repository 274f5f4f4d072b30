"""The operators' dashboard, read back from the synthesized template: each widget shows what the
code really emits, under the names and dimensions it emits them with."""

from __future__ import annotations

import json
import re
from typing import Any, cast

import pytest

from byol_import import errors, settings, steps
from byol_import.observability import metrics as powertools_metrics
from byol_import.state import WorkflowState
from stacks.constructs import dashboard
from tests.unit.fakes import FakeEc2, FakeLock, FakeNotifier

pytestmark = pytest.mark.infra

EXEC = "arn:aws:states:eu-west-1:123456789012:execution:sm:ami-0abcdef1234567890-1234abcd"
AMI = "ami-0abcdef1234567890"


def resources(template_json: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template_json["Resources"].items() if v["Type"] == kind}


def _placeholder(token: Any) -> str:
    """A reference inside the body, as a string a test can compare: @Ref:Id@ or @GetAtt:Id.Attr@."""
    if isinstance(token, dict) and "Ref" in token:
        return f"@Ref:{token['Ref']}@"
    if isinstance(token, dict) and "Fn::GetAtt" in token:
        return f"@GetAtt:{'.'.join(token['Fn::GetAtt'])}@"
    raise AssertionError(f"unexpected token in the dashboard body: {token!r}")


def ref(logical_id: str) -> str:
    return f"@Ref:{logical_id}@"


@pytest.fixture(scope="module")
def body(template_json: dict[str, Any]) -> dict[str, Any]:
    (board,) = resources(template_json, "AWS::CloudWatch::Dashboard").values()
    raw = board["Properties"]["DashboardBody"]
    text = (
        raw
        if isinstance(raw, str)
        else "".join(p if isinstance(p, str) else _placeholder(p) for p in raw["Fn::Join"][1])
    )
    return cast(dict[str, Any], json.loads(text))


def metric_rows(body: dict[str, Any]) -> list[tuple[str, str, dict[str, str], dict[str, Any]]]:
    """(namespace, name, dimensions, options) of every plain metric on every widget."""
    rows = []
    for widget in body["widgets"]:
        for row in widget["properties"].get("metrics", []):
            if isinstance(row[0], dict):  # a math expression: its inputs are rows of their own
                continue
            options = row[-1] if isinstance(row[-1], dict) else {}
            plain = [x for x in row if not isinstance(x, dict)]
            namespace, name, *dims = plain
            rows.append((namespace, name, dict(zip(dims[::2], dims[1::2], strict=True)), options))
    return rows


def emitted_metrics() -> set[tuple[str, str, tuple[tuple[str, str], ...]]]:
    """What the Report step and the janitor emit, through the handlers' own Powertools object:
    (namespace, metric, dimensions) of a success, a failure and a timed-out execution."""
    found: set[tuple[str, str, tuple[tuple[str, str], ...]]] = set()
    base = {
        "Input": {"ImageId": AMI},
        "Context": {"ExecutionId": EXEC, "StartedAt": "2026-11-25T00:00:00Z"},
        "Request": {"image_id": AMI, "ingestion_process": "BYOL_REGULAR_WSP"},
    }
    runs = [
        lambda: steps.report(
            WorkflowState.parse({**base, "Import": {"image_id": "wsi-123456789"}}),
            FakeEc2(),
            FakeNotifier(),
            FakeLock(),
            powertools_metrics,
        ),
        lambda: steps.report(
            WorkflowState.parse({**base, "Error": {"Error": "ImageImportFailed", "Cause": "x"}}),
            FakeEc2(),
            FakeNotifier(),
            FakeLock(),
            powertools_metrics,
        ),
        lambda: steps.close_ended_execution(
            {
                "detail": {
                    "executionArn": EXEC,
                    "status": "TIMED_OUT",
                    "input": json.dumps({"ImageId": AMI}),
                }
            },
            FakeLock(),
            FakeEc2(),
            FakeNotifier(),
            powertools_metrics,
        ),
    ]
    for run in runs:
        powertools_metrics.clear_metrics()
        run()
        emf: dict[str, Any] = dict(powertools_metrics.serialize_metric_set())
        powertools_metrics.clear_metrics()
        for directive in emf["_aws"]["CloudWatchMetrics"]:
            dims = tuple(
                sorted((d, str(emf[d])) for group in directive["Dimensions"] for d in group)
            )
            for m in directive["Metrics"]:
                found.add((directive["Namespace"], m["Name"], dims))
    return found


def test_the_dashboard_exists_under_a_generated_name_and_its_url_is_an_output(
    template_json: dict[str, Any],
) -> None:
    # Given two deployments may share an account and Region
    (logical_id, board) = next(iter(resources(template_json, "AWS::CloudWatch::Dashboard").items()))
    # Then CloudFormation names the dashboard, and the output links to that name
    assert "DashboardName" not in board["Properties"]
    url = json.dumps(template_json["Outputs"]["DashboardUrl"]["Value"])
    assert "#dashboards/dashboard/" in url and json.dumps({"Ref": logical_id}) in url


def test_the_import_metrics_are_shown_exactly_as_the_code_emits_them(body: dict[str, Any]) -> None:
    # Given what the Report step and the janitor emit through Powertools
    emitted = emitted_metrics()
    assert {name for _, name, _ in emitted} == set(dashboard.IMPORT_METRICS)
    # When the dashboard's metrics in our namespace are read back
    shown = {
        (ns, name, tuple(sorted(dims.items())))
        for ns, name, dims, _ in metric_rows(body)
        if ns == settings.METRICS_NAMESPACE
    }
    # Then every metric shown is emitted with the same namespace and dimensions, and every
    # emitted metric is shown
    assert shown == emitted
    assert all(dims == (("service", settings.SERVICE_NAME),) for _, _, dims in emitted)


def test_executions_are_shown_by_status(
    body: dict[str, Any], template_json: dict[str, Any]
) -> None:
    (sm_id,) = resources(template_json, "AWS::StepFunctions::StateMachine")
    states = {
        name
        for ns, name, dims, _ in metric_rows(body)
        if ns == "AWS/States" and dims == {"StateMachineArn": ref(sm_id)}
    }
    assert states == {
        "ExecutionsStarted",
        "ExecutionsSucceeded",
        "ExecutionsFailed",
        "ExecutionsTimedOut",
        "ExecutionsAborted",
        "ExecutionThrottled",
    }


def test_every_function_s_throttles_and_errors_are_shown(
    body: dict[str, Any], template_json: dict[str, Any]
) -> None:
    functions = set(resources(template_json, "AWS::Lambda::Function"))
    assert len(functions) == len(settings.ALL_FUNCTIONS)
    for metric in ("Throttles", "Errors"):
        shown = {
            dims["FunctionName"]
            for ns, name, dims, _ in metric_rows(body)
            if ns == "AWS/Lambda" and name == metric
        }
        assert shown == {ref(f) for f in functions}, metric


def test_the_dead_letter_queue_is_shown(
    body: dict[str, Any], template_json: dict[str, Any]
) -> None:
    dlqs = {
        t["DeadLetterConfig"]["Arn"]["Fn::GetAtt"][0]
        for rule in resources(template_json, "AWS::Events::Rule").values()
        for t in rule["Properties"]["Targets"]
    }
    (dlq,) = dlqs
    shown = [(name, dims) for ns, name, dims, _ in metric_rows(body) if ns == "AWS/SQS"]
    assert shown == [
        ("ApproximateNumberOfMessagesVisible", {"QueueName": f"@GetAtt:{dlq}.QueueName@"})
    ]


def log_queries(body: dict[str, Any]) -> list[str]:
    return [w["properties"]["query"] for w in body["widgets"] if w["type"] == "log"]


def sources(query: str) -> set[str]:
    """The log groups a Logs Insights widget reads (its SOURCE clauses)."""
    return set(re.findall(r"SOURCE '([^']*)'", query))


def test_phases_and_task_retries_are_read_from_the_state_machine_s_log_group(
    body: dict[str, Any], template_json: dict[str, Any]
) -> None:
    (sm,) = resources(template_json, "AWS::StepFunctions::StateMachine").values()
    (destination,) = sm["Properties"]["LoggingConfiguration"]["Destinations"]
    sm_logs = destination["CloudWatchLogsLogGroup"]["LogGroupArn"]["Fn::GetAtt"][0]
    on_sm = [q for q in log_queries(body) if sources(q) == {ref(sm_logs)}]
    assert any("StateEntered" in q and "by details.name" in q for q in on_sm)
    assert any(
        all(e in q for e in dashboard.TASK_FAILURE_EVENTS) and "details.error" in q for q in on_sm
    )
    assert sm["Properties"]["LoggingConfiguration"]["Level"] == "ALL"


def test_throttling_is_searched_in_every_function_s_log_group(
    body: dict[str, Any], template_json: dict[str, Any]
) -> None:
    groups = {
        ref(fn["Properties"]["LoggingConfig"]["LogGroup"]["Ref"])
        for fn in resources(template_json, "AWS::Lambda::Function").values()
    }
    (query,) = [q for q in log_queries(body) if sources(q) == groups]
    assert errors.TransientAwsError.__name__ in query and "ThrottlingException" in query


def test_the_alarms_and_what_they_watch_are_on_the_dashboard(
    body: dict[str, Any], template_json: dict[str, Any]
) -> None:
    alarms = resources(template_json, "AWS::CloudWatch::Alarm")
    (status,) = [w for w in body["widgets"] if w["type"] == "alarm"]
    assert set(status["properties"]["alarms"]) == {f"@GetAtt:{a}.Arn@" for a in alarms}
    (metric_filter,) = resources(template_json, "AWS::Logs::MetricFilter").values()
    (transform,) = metric_filter["Properties"]["MetricTransformations"]
    assert (transform["MetricNamespace"], transform["MetricName"], {}) in [
        (ns, name, dims) for ns, name, dims, _ in metric_rows(body)
    ]
    dropped = {
        dims["FunctionName"]
        for ns, name, dims, _ in metric_rows(body)
        if (ns, name) == ("AWS/Lambda", "DestinationDeliveryFailures")
    }
    assert dropped == {
        ref(f)
        for f in resources(template_json, "AWS::Lambda::Function")
        if f.startswith(("Starter", "LockJanitor"))
    }
