"""The operators' CloudWatch dashboard: outcomes, durations, executions, phases, throttles, DLQ.

Its name is left to CloudFormation, so two deployments in one account and Region coexist; the
stack outputs its console URL.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from aws_cdk import Aws, Duration
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from byol_import import errors, settings
from stacks.constructs.alarms import ImportAlarms

# What the Report step and the janitor emit (Powertools EMF, functions/byol_import/steps.py):
# one count per ended import, and the duration of those that ran to Report.
IMPORTS_SUCCEEDED: Final = "ImportsSucceeded"
IMPORTS_FAILED: Final = "ImportsFailed"
IMPORT_DURATION: Final = "ImportDuration"
FAILED_IMPORT_DURATION: Final = "FailedImportDuration"
IMPORT_METRICS: Final = (IMPORTS_SUCCEEDED, IMPORTS_FAILED, IMPORT_DURATION, FAILED_IMPORT_DURATION)
# Powertools adds the service as the metrics' only dimension (observability.py).
SERVICE_DIMENSION: Final = "service"

# Throttling as the functions' logs show it: our retried error, and AWS's throttling codes.
THROTTLE_MARKERS: Final = (
    errors.TransientAwsError.__name__,
    "ThrottlingException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "Throttling",
)
# Step Functions log event types of a task attempt that failed (Lambda Resource or integration).
TASK_FAILURE_EVENTS: Final = (
    "LambdaFunctionFailed",
    "LambdaFunctionTimedOut",
    "TaskFailed",
    "TaskTimedOut",
)
HOUR: Final = Duration.hours(1)


def import_metric(name: str, statistic: str = cw.Stats.SUM, label: str | None = None) -> cw.Metric:
    """One of our EMF metrics, with exactly the dimensions Powertools emits."""
    return cw.Metric(
        namespace=settings.METRICS_NAMESPACE,
        metric_name=name,
        dimensions_map={SERVICE_DIMENSION: settings.SERVICE_NAME},
        statistic=statistic,
        period=HOUR,
        label=label or name,
    )


def _quoted(values: tuple[str, ...]) -> str:
    return ", ".join(f'"{v}"' for v in values)


class ImportDashboard(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        state_machine: sfn.StateMachine,
        state_machine_logs: logs.ILogGroup,
        functions: Mapping[str, lambda_.IFunction],
        function_logs: Mapping[str, logs.ILogGroup],
        dlq: sqs.IQueue,
        alarms: ImportAlarms,
    ) -> None:
        super().__init__(scope, construct_id)
        self.dashboard = cw.Dashboard(self, "Dashboard", default_interval=Duration.days(7))
        sm_logs = [state_machine_logs.log_group_name]
        fn_logs = [group.log_group_name for group in function_logs.values()]
        wide, half, third = 24, 12, 8

        self.dashboard.add_widgets(
            cw.TextWidget(
                width=wide,
                height=2,
                markdown=(
                    "## byol-import\nEvery ended import sends one notification. The alarms below "
                    "fire only for what no notification covers (README, *What you see*)."
                ),
            ),
            cw.AlarmStatusWidget(
                title="Alarms", width=wide, height=3, alarms=list(alarms.alarms.values())
            ),
        )
        # Imports by outcome and how long they take.
        self.dashboard.add_widgets(
            cw.GraphWidget(
                title="Imports by outcome (per hour)",
                width=half,
                height=6,
                left=[
                    import_metric(IMPORTS_SUCCEEDED, label="Succeeded"),
                    import_metric(IMPORTS_FAILED, label="Failed, timed out or aborted"),
                ],
                stacked=True,
            ),
            cw.SingleValueWidget(
                title="Imports in the time range",
                width=half,
                height=6,
                metrics=[
                    import_metric(IMPORTS_SUCCEEDED, label="Succeeded"),
                    import_metric(IMPORTS_FAILED, label="Failed"),
                ],
                set_period_to_time_range=True,
            ),
        )
        self.dashboard.add_widgets(
            cw.GraphWidget(
                title="Import duration, seconds (start to Report)",
                width=wide,
                height=6,
                left=[
                    import_metric(IMPORT_DURATION, cw.Stats.AVERAGE, "Succeeded: average"),
                    import_metric(IMPORT_DURATION, cw.Stats.MAXIMUM, "Succeeded: longest"),
                    import_metric(FAILED_IMPORT_DURATION, cw.Stats.AVERAGE, "Failed: average"),
                ],
            )
        )

        # Executions by status, and where each import is now (phases).
        status = {
            "Started": state_machine.metric_started,
            "Succeeded": state_machine.metric_succeeded,
            "Failed": state_machine.metric_failed,
            "Timed out": state_machine.metric_timed_out,
            "Aborted": state_machine.metric_aborted,
            "Throttled": state_machine.metric_throttled,
        }
        self.dashboard.add_widgets(
            cw.GraphWidget(
                title="Executions by status (per hour)",
                width=half,
                height=6,
                left=[
                    metric(statistic=cw.Stats.SUM, period=HOUR, label=label)
                    for label, metric in status.items()
                ],
            ),
            cw.LogQueryWidget(
                title="Phases: states entered, by state",
                width=half,
                height=6,
                log_group_names=sm_logs,
                view=cw.LogQueryVisualizationType.BAR,
                query_lines=[
                    "filter type like /StateEntered$/",
                    "stats count(*) as entered by details.name",
                    "sort entered desc",
                ],
            ),
        )
        self.dashboard.add_widgets(
            cw.LogQueryWidget(
                title="Where each import is: the last state it entered (running ones are mid-way)",
                width=wide,
                height=6,
                log_group_names=sm_logs,
                view=cw.LogQueryVisualizationType.TABLE,
                query_lines=[
                    "filter type like /StateEntered$/",
                    "stats latest(details.name) as state, max(@timestamp) as since "
                    "by execution_arn",
                    "sort since desc",
                    "limit 50",
                ],
            )
        )

        # Throttles, errors and retries.
        self.dashboard.add_widgets(
            cw.GraphWidget(
                title="Lambda throttles per function",
                width=third,
                height=6,
                left=[
                    fn.metric_throttles(statistic=cw.Stats.SUM, period=HOUR, label=key)
                    for key, fn in functions.items()
                ],
            ),
            cw.GraphWidget(
                title="Lambda errors per function (retried by the workflow)",
                width=third,
                height=6,
                left=[
                    fn.metric_errors(statistic=cw.Stats.SUM, period=HOUR, label=key)
                    for key, fn in functions.items()
                ],
            ),
            cw.LogQueryWidget(
                title="Task attempts that failed, by error (retried, or caught and reported)",
                width=third,
                height=6,
                log_group_names=sm_logs,
                view=cw.LogQueryVisualizationType.TABLE,
                query_lines=[
                    f"filter type in [{_quoted(TASK_FAILURE_EVENTS)}]",
                    "stats count(*) as attempts by details.error",
                    "sort attempts desc",
                ],
            ),
        )
        self.dashboard.add_widgets(
            cw.LogQueryWidget(
                title="Throttling and transient AWS errors in the functions' logs",
                width=wide,
                height=6,
                log_group_names=fn_logs,
                view=cw.LogQueryVisualizationType.TABLE,
                query_lines=[
                    f"filter @message like /{'|'.join(THROTTLE_MARKERS)}/",
                    f"parse @message /(?<error>{'|'.join(THROTTLE_MARKERS)})/",
                    "stats count(*) as events by @log, error",
                    "sort events desc",
                ],
            )
        )

        # What the alarms watch: the dead-letter queue and the failures no one was told about.
        self.dashboard.add_widgets(
            cw.GraphWidget(
                title="Dead-letter queue: events not delivered, or failed on every attempt",
                width=third,
                height=6,
                left=[
                    dlq.metric_approximate_number_of_messages_visible(
                        statistic=cw.Stats.MAXIMUM,
                        period=Duration.minutes(5),
                        label="Messages visible",
                    )
                ],
            ),
            cw.GraphWidget(
                title="Executions that ended without a report",
                width=third,
                height=6,
                left=[alarms.unreported_failures],
            ),
            cw.GraphWidget(
                title="Failed events Lambda could not dead-letter",
                width=third,
                height=6,
                left=[alarms.dropped_events],
            ),
        )
        self.url = (
            f"https://{Aws.REGION}.console.aws.amazon.com/cloudwatch/home?"
            f"region={Aws.REGION}#dashboards/dashboard/{self.dashboard.dashboard_name}"
        )
