"""The embedded local AWS: moto plus our BYOL service, the deployed ASL and the real handlers.

`LocalAws` builds, in one process, what the CDK stack deploys: the Lambda functions (running our
handlers in-process), the lock table, the topic, the EventBridge rules (with the stack's own
patterns) and the Standard state machine from `statemachines/byol_import.asl.yaml`, with its
`${...}` substitutions filled from the same `cdk.json` configuration CDK uses.
"""

from __future__ import annotations

import io
import json
import logging
import os
import threading
import time
import uuid
import warnings
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import boto3
from botocore.config import Config
from moto import mock_aws

from byol_import import clients, settings
from byol_import import clock as app_clock
from local_aws.clock import VirtualClock
from local_aws.iam.enforcer import IamEnforcer, LocalTags, local_names
from local_aws.iam.policies import Place, Policies, cached_extract
from local_aws.patches import CallLog, LocalFunction, LocalLambdaRuntime, Patches
from local_aws.workspaces_byol import (
    AmiProfile,
    ByolWorld,
    Faults,
    Timings,
    install,
    uninstall,
)
from stacks import config as project_config
from stacks.patterns import (
    TARGET_RETRY_ATTEMPTS,
    ami_available_pattern,
    create_tags_pattern,
    execution_ended_pattern,
)

ACCOUNT_ID = "123456789012"
REGION = "eu-west-1"
PREFIX = "ByolImportLocal"

_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    "MOTO_ACCOUNT_ID": ACCOUNT_ID,
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
    "POWERTOOLS_METRICS_NAMESPACE": settings.METRICS_NAMESPACE,
    "POWERTOOLS_SERVICE_NAME": settings.SERVICE_NAME,
}


@dataclass
class ExecutionResult:
    arn: str
    name: str
    input: Any
    status: str
    error: str | None
    cause: str | None
    output: dict[str, Any] | None
    states: list[str]
    transitions: int
    start: datetime | None
    stop: datetime | None

    @property
    def virtual_seconds(self) -> float:
        if self.start and self.stop:
            return (self.stop - self.start).total_seconds()
        return 0.0


@dataclass
class Notification:
    subject: str
    message: str
    attributes: dict[str, Any]


@dataclass
class LocalAws:
    config: project_config.ProjectConfig = field(default_factory=project_config.default_config)
    # realistic by default: drawn durations and read lags, seeded (fixed: pass Timings())
    timings: Timings = field(default_factory=Timings.realistic)
    faults: Faults = field(default_factory=Faults)
    on_state: Callable[[str, str, datetime], None] | None = None
    # The synthesized roles' policies every handler runs as (default: the stack's, cached).
    policies: Policies | None = None

    def __post_init__(self) -> None:
        if self.policies is None:
            self.policies = cached_extract()
        self.clock = VirtualClock()
        self.world = ByolWorld(self.clock, self.timings, self.faults)
        self.calls = CallLog()
        self.lambdas = LocalLambdaRuntime(ACCOUNT_ID, REGION)
        self._patches = Patches(self.clock, self.lambdas, self.faults, self.calls,
                                on_state=self.on_state)
        self._mock = mock_aws(config={"stepfunctions": {"execute_state_machine": True},
                                      "lambda": {"use_docker": False}})
        self._saved_env: dict[str, str | None] = {}
        self.inboxes: dict[str, str] = {}
        self.dead_letters: list[dict[str, Any]] = []
        self._janitor_reported: set[str] = set()
        self._clients: dict[str, Any] = {}
        self._clients_lock = threading.Lock()

    # -- lifecycle --------------------------------------------------------------------------
    def __enter__(self) -> LocalAws:
        # moto logs every failed state at WARNING with its whole tree: the result says it better.
        logging.getLogger("moto.stepfunctions").setLevel(logging.CRITICAL)
        # Concurrent in-process invocations share Powertools' Metrics singleton (in Lambda each
        # process serves one invocation at a time): an empty flush here is expected, not a bug.
        warnings.filterwarnings("ignore", message="No application metrics to publish")
        self._set_env(_ENV)
        self._mock.start()
        install(self.world)
        self._patches.install()
        app_clock.set_source(self.clock.now)
        clients.reset()
        self._build()
        self._enforce_iam()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wait_for_executions(timeout_seconds=5, raise_on_timeout=False)
        clients.reset()
        app_clock.set_source(None)
        self._patches.remove()
        uninstall()
        self._mock.stop()
        for key, value in self._saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value

    def _set_env(self, values: dict[str, str]) -> None:
        for key, value in values.items():
            self._saved_env.setdefault(key, os.environ.get(key))
            os.environ[key] = value

    def client(self, service: str) -> Any:
        """A client of our own (not the handlers'): no SDK retries, so injected faults show.
        Made once per service: creating a botocore client costs more than the call it makes."""
        with self._clients_lock:
            if service not in self._clients:
                self._clients[service] = boto3.client(
                    service, region_name=REGION,
                    config=Config(retries={"mode": "standard", "total_max_attempts": 1}))
            return self._clients[service]

    # -- what the stack deploys ---------------------------------------------------------------
    def _build(self) -> None:
        iam = self.client("iam")
        role_arn = iam.create_role(
            RoleName=f"{PREFIX}Role",
            AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}),
        )["Role"]["Arn"]
        ddb = self.client("dynamodb")
        self.lock_table = f"{PREFIX}-LockTable"
        ddb.create_table(TableName=self.lock_table, BillingMode="PAY_PER_REQUEST",
                         KeySchema=[{"AttributeName": "LockId", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "LockId",
                                                "AttributeType": "S"}])
        self.topic_arn = self.client("sns").create_topic(Name=f"{PREFIX}-Notifications")[
            "TopicArn"]

        # The functions' environment, as the stack sets it.
        self._set_env({**self.config.lambda_environment(),
                       settings.ENV_TOPIC_ARN: self.topic_arn,
                       settings.ENV_LOCK_TABLE: self.lock_table})

        lam = self.client("lambda")
        code = io.BytesIO()
        with zipfile.ZipFile(code, "w") as archive:
            archive.writestr("README.txt", "handlers run in-process from functions/")
        substitutions: dict[str, str] = {}
        self.function_names: dict[str, str] = {}
        for spec in settings.ALL_FUNCTIONS:
            name = f"{PREFIX}-{spec.key}"
            lam.create_function(FunctionName=name, Runtime="python3.13", Role=role_arn,
                                Handler=spec.handler, Code={"ZipFile": code.getvalue()},
                                Timeout=spec.timeout_seconds, MemorySize=spec.memory_mb)
            arn = self.lambdas.register(LocalFunction(name, spec.key, spec.handler,
                                                      spec.memory_mb, spec.timeout_seconds))
            self.function_names[spec.key] = name
            if spec.substitution:
                substitutions[spec.substitution] = arn
        substitutions.update(self.config.workflow_substitutions())
        definition = project_config.substitute(project_config.asl_template(), substitutions)
        self.state_machine_arn = self.client("stepfunctions").create_state_machine(
            name=f"{PREFIX}-Workflow", definition=definition, roleArn=role_arn,
            type="STANDARD")["stateMachineArn"]
        self._set_env({settings.ENV_STATE_MACHINE_ARN: self.state_machine_arn})

        # EventBridge rules with the stack's own patterns; each target is an inbox we drain into
        # the target Lambda, as EventBridge would invoke it.
        events = self.client("events")
        sqs = self.client("sqs")
        rules = {
            "AmiTaggedRule": ("Starter", create_tags_pattern(self.config.trigger_tag_key)),
            "AmiAvailableRule": ("Starter", ami_available_pattern()),
            "ExecutionEndedRule": ("LockJanitor",
                                   execution_ended_pattern(self.state_machine_arn)),
        }
        for rule, (target, pattern) in rules.items():
            url = sqs.create_queue(QueueName=f"{PREFIX}-{rule}")["QueueUrl"]
            queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
                "Attributes"]["QueueArn"]
            events.put_rule(Name=f"{PREFIX}-{rule}", EventPattern=json.dumps(pattern))
            events.put_targets(Rule=f"{PREFIX}-{rule}", Targets=[{"Id": target,
                                                                  "Arn": queue_arn}])
            self.inboxes[url] = target

    def _enforce_iam(self) -> None:
        """From here on, every call a handler or the state machine makes is authorized against
        its synthesized role, with the template's references resolved to these resources."""
        assert self.policies is not None
        names = local_names(self.policies, PREFIX, self.function_names, {
            "AWS::DynamoDB::Table": self.lock_table,
            "AWS::SNS::Topic": self.topic_arn.rsplit(":", 1)[-1],
            "AWS::StepFunctions::StateMachine": self.state_machine_arn.rsplit(":", 1)[-1],
        })
        roles = {p: names[self.policies.role_name(p)] for p in self.policies.principals()}
        self.iam = IamEnforcer(self.policies, names, Place(region=REGION, account=ACCOUNT_ID),
                               roles, LocalTags(self.world, ACCOUNT_ID, REGION),
                               state_machine_session=f"{PREFIX}-Workflow")
        self._patches.iam = self.iam

    # -- the world the import runs in ------------------------------------------------------------
    def create_windows_ami(self, name: str = "Windows-11-Enterprise-BYOL-2026.11",
                           description: str = "Windows 11 Enterprise 24H2, sysprepped",
                           *, owner: str | None = None, state: str = "available",
                           os: str = "windows-11", boot_mode: str | None = None,
                           platform: str | None = "windows", architecture: str = "x86_64",
                           encrypted: bool = False, volume_size: int = 50, volumes: int = 1,
                           volume_sizes: tuple[int, ...] | None = None,
                           in_place_upgraded: bool = False, free_space_gb: int = 30,
                           checker_findings: tuple[str, ...] = ()) -> str:
        """An AMI and what it really is. The defaults make a valid Windows 11 BYOL AMI; `os`
        (windows-10, windows-11, windows-server-2022, linux) and the rest are the truth the
        import judges, whatever the name says. `platform=None` alone makes a Linux AMI."""
        if platform is None and os.startswith("windows"):
            os = "linux"
        profile = AmiProfile(
            os=os, boot_mode=boot_mode or ("uefi" if os == "windows-11" else "legacy-bios"),
            architecture=architecture, encrypted=encrypted, state=state,
            volume_sizes=volume_sizes or (volume_size,) * volumes,
            in_place_upgraded=in_place_upgraded, free_space_gb=free_space_gb,
            checker_findings=checker_findings)
        ec2 = self.client("ec2")
        ami_id = str(ec2.register_image(Name=name, Description=description,
                                        Architecture=architecture,
                                        RootDeviceName="/dev/sda1")["ImageId"])
        from moto.ec2.models import ec2_backends

        ami = ec2_backends[ACCOUNT_ID][REGION].amis[ami_id]
        ami.byol_profile = profile  # type: ignore[attr-defined]
        # What DescribeImages shows of it
        ami.platform = profile.platform
        ami.platform_details = profile.platform_details  # type: ignore[attr-defined]
        ami.usage_operation = profile.usage_operation  # type: ignore[attr-defined]
        ami.boot_mode = profile.boot_mode
        ami.architecture = architecture
        ami.state = state
        if owner:
            ami.owner_id = owner
        ami.byol_block_devices = [  # type: ignore[attr-defined]
            {"DeviceName": "/dev/sda1" if i == 0 else f"/dev/xvd{chr(98 + i)}",
             "Ebs": {"SnapshotId": ami.ebs_snapshot.id, "VolumeSize": size,
                     "DeleteOnTermination": True, "VolumeType": "gp3",
                     "Encrypted": encrypted}}
            for i, size in enumerate(profile.volume_sizes)]
        return ami_id

    def create_vpc(self, cidr: str) -> str:
        return str(self.client("ec2").create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"])

    def enable_byol_directly(self, cidr: str = "10.200.0.0/16") -> None:
        """An account a person enabled long ago."""
        account = self.world.account(ACCOUNT_ID, REGION)
        account.support, account.cidr = "ENABLED", cidr

    # -- events, as AWS would send them ---------------------------------------------------------
    def tag_ami(self, ami_ids: list[str], key: str | None = None, value: str = "",
                extra_resources: list[str] | None = None) -> dict[str, Any]:
        """Tag the AMIs for real, then send the CloudTrail CreateTags event that tagging emits."""
        key = key or self.config.trigger_tag_key
        resources = [*ami_ids, *(extra_resources or [])]
        self.client("ec2").create_tags(Resources=ami_ids, Tags=[{"Key": key, "Value": value}])
        detail = {
            "eventVersion": "1.08",
            "userIdentity": {"type": "IAMUser", "accountId": ACCOUNT_ID,
                             "arn": f"arn:aws:iam::{ACCOUNT_ID}:user/admin"},
            "eventTime": self.clock.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
            "eventSource": "ec2.amazonaws.com",
            "eventName": "CreateTags",
            "awsRegion": REGION,
            "requestParameters": {
                "resourcesSet": {"items": [{"resourceId": r} for r in resources]},
                "tagSet": {"items": [{"key": key, "value": value}]},
            },
            "responseElements": {"_return": True},
            "eventType": "AwsApiCall",
            "managementEvent": True,
            "recipientAccountId": ACCOUNT_ID,
        }
        return self.put_event("AWS API Call via CloudTrail", detail)

    def put_event(self, detail_type: str, detail: dict[str, Any],
                  source: str = "aws.ec2") -> dict[str, Any]:
        return dict(self.client("events").put_events(Entries=[{
            "Source": source, "DetailType": detail_type, "Detail": json.dumps(detail)}]))

    def deliver_events(self) -> list[dict[str, Any]]:
        """EventBridge invokes each rule's target with the matched event; return the results."""
        with self.clock.external():
            return self._deliver_events()

    def _deliver_events(self) -> list[dict[str, Any]]:
        sqs, lam = self.client("sqs"), self.client("lambda")
        results: list[dict[str, Any]] = []
        for url, target in self.inboxes.items():
            while True:
                messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get(
                    "Messages", [])
                if not messages:
                    break
                for message in messages:
                    event = json.loads(message["Body"])
                    # moto leaves out the "account" field real EventBridge events carry.
                    event.setdefault("account", ACCOUNT_ID)
                    # The target's retry policy: a failed invoke is retried, then dead-lettered.
                    for attempt in range(TARGET_RETRY_ATTEMPTS + 1):
                        response = lam.invoke(FunctionName=self.function_names[target],
                                              Payload=json.dumps(event).encode())
                        payload = json.loads(response["Payload"].read() or b"null")
                        if not response.get("FunctionError"):
                            break
                        self.clock.sleep(2 ** attempt)
                    else:
                        self.dead_letters.append(event)
                    results.append({"Target": target, "Event": event,
                                    "Error": response.get("FunctionError"),
                                    "Result": payload})
                    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return results

    def start_manual(self, payload: Any, name: str | None = None) -> str:
        """What a person does in the Step Functions console."""
        # The console proposes a UUID as the name (moto would use "None" for every one).
        return str(self.client("stepfunctions").start_execution(
            stateMachineArn=self.state_machine_arn, input=json.dumps(payload),
            name=name or str(uuid.uuid4()))["executionArn"])

    # -- watching -----------------------------------------------------------------------------
    def executions(self) -> list[dict[str, Any]]:
        sfn = self.client("stepfunctions")
        out: list[dict[str, Any]] = []
        for page in sfn.get_paginator("list_executions").paginate(
                stateMachineArn=self.state_machine_arn):
            out.extend(page["executions"])
        return out

    def _any_running(self) -> bool:
        # One RUNNING execution answers the question; listing them all costs seconds at scale.
        page = self.client("stepfunctions").list_executions(
            stateMachineArn=self.state_machine_arn, statusFilter="RUNNING", maxResults=1)
        return bool(page["executions"])

    def wait_for_executions(self, timeout_seconds: float = 120,
                            raise_on_timeout: bool = True) -> None:
        deadline = time.monotonic() + timeout_seconds
        while time.monotonic() < deadline:
            try:
                if not self._any_running():
                    self._notify_janitor()
                    return
            except Exception:  # noqa: BLE001 - the mock may already be gone on exit
                return
            time.sleep(0.01)
        if raise_on_timeout:
            raise TimeoutError(f"executions still RUNNING after {timeout_seconds}s wall time")

    def _notify_janitor(self) -> None:
        """Step Functions emits a status-change event when an execution ends badly."""
        for execution in self.executions():
            arn = execution["executionArn"]
            if execution["status"] in ("FAILED", "TIMED_OUT", "ABORTED") and \
                    arn not in self._janitor_reported:
                self._janitor_reported.add(arn)
                described = self.client("stepfunctions").describe_execution(executionArn=arn)
                self.put_event("Step Functions Execution Status Change", {
                    "executionArn": arn, "stateMachineArn": self.state_machine_arn,
                    "name": execution["name"], "status": execution["status"],
                    "input": described.get("input"), "error": described.get("error"),
                    "cause": described.get("cause")}, source="aws.states")
        self.deliver_events()

    def result(self, arn: str, *, history: bool = True) -> ExecutionResult:
        """An execution's outcome; with `history`, also the states it went through (the
        history carries every state's input and output: megabytes for a long run)."""
        sfn = self.client("stepfunctions")
        described = sfn.describe_execution(executionArn=arn)
        events = list(self._history(arn)) if history else []
        states = [e["stateEnteredEventDetails"]["name"] for e in events
                  if e["type"].endswith("StateEntered")]
        output = described.get("output")
        # History timestamps are virtual (patched in Patches); start/stop dates are not.
        stamps = [e["timestamp"] for e in events]
        return ExecutionResult(
            arn=arn, name=arn.rsplit(":", 1)[-1],
            input=json.loads(described.get("input") or "null"),
            status=described["status"],
            error=described.get("error"), cause=described.get("cause"),
            output=json.loads(output) if output else None, states=states,
            transitions=len(states),
            start=min(stamps) if stamps else None, stop=max(stamps) if stamps else None,
        )

    def _history(self, arn: str) -> Iterator[dict[str, Any]]:
        sfn = self.client("stepfunctions")
        kwargs: dict[str, Any] = {"executionArn": arn, "maxResults": 1000}
        while True:
            page = sfn.get_execution_history(**kwargs)
            yield from page["events"]
            if not page.get("nextToken"):
                return
            kwargs["nextToken"] = page["nextToken"]

    def results(self, *, history: bool = True) -> list[ExecutionResult]:
        return [self.result(e["executionArn"], history=history) for e in self.executions()]

    def notifications(self) -> list[Notification]:
        from moto.sns.models import sns_backends

        topic = sns_backends[ACCOUNT_ID][REGION].topics[self.topic_arn]
        return [Notification(subject=n[2] or "", message=n[1], attributes=n[3] or {})
                for n in topic.sent_notifications]

    def ami_tags(self, ami_id: str) -> dict[str, str]:
        images = self.client("ec2").describe_images(ImageIds=[ami_id])["Images"]
        return {t["Key"]: t["Value"] for t in images[0].get("Tags", [])}

    def lock_holder(self) -> str | None:
        item = self.client("dynamodb").get_item(
            TableName=self.lock_table, Key={"LockId": {"S": settings.ACCOUNT_LOCK_ID}}).get("Item")
        return item["Owner"]["S"] if item else None

    def workspaces_calls(self) -> list[str]:
        return self.calls.operations("workspaces")


@contextmanager
def local_aws(**kwargs: Any) -> Iterator[LocalAws]:
    with LocalAws(**kwargs) as env:
        yield env
