"""The embedded local AWS: moto plus our BYOL service, the deployed ASL and the real handlers.

`LocalAws` builds, in one process, what the CDK stack deploys: the Lambda functions (running our
handlers in-process), the lock table, the topic, the EventBridge rules (with the stack's own
patterns) and the Standard state machine from `statemachines/byol_import.asl.yaml`, with its
`${...}` substitutions filled from the same `cdk.json` configuration CDK uses. Sending events
and reading results are in `local_aws/traffic.py`.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import threading
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

from byol_import import clients, settings, triggers
from byol_import import clock as app_clock
from local_aws.clock import VirtualClock
from local_aws.cloudtrail import CloudTrail
from local_aws.iam.enforcer import IamEnforcer, LocalTags, local_names
from local_aws.iam.policies import Place, Policies, cached_extract
from local_aws.patches import CallLog, LocalFunction, LocalLambdaRuntime, Patches
from local_aws.throttling import Throttling, TokenBuckets
from local_aws.traffic import ACCOUNT_ID, PREFIX, REGION, ExecutionResult, Notification, Traffic
from local_aws.workspaces_byol import (
    AmiProfile,
    ByolWorld,
    Faults,
    Timings,
    install,
    uninstall,
)
from stacks import config as project_config

__all__ = ["ACCOUNT_ID", "PREFIX", "REGION", "ExecutionResult", "LocalAws", "Notification",
           "local_aws"]

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
class LocalAws(Traffic):
    config: project_config.ProjectConfig = field(default_factory=project_config.default_config)
    # realistic by default: drawn durations and read lags, seeded (fixed: pass Timings())
    timings: Timings = field(default_factory=Timings.realistic)
    faults: Faults = field(default_factory=Faults)
    on_state: Callable[[str, str, datetime], None] | None = None
    # The synthesized roles' policies every handler runs as (default: the stack's, cached).
    policies: Policies | None = None
    # AWS's request throttling, on by default; `Throttling.off()` only where a test says why.
    throttling: Throttling = field(default_factory=Throttling)

    def __post_init__(self) -> None:
        if self.policies is None:
            self.policies = cached_extract()
        self.clock = VirtualClock()
        self.world = ByolWorld(self.clock, self.timings, self.faults)
        self.calls = CallLog()
        self.lambdas = LocalLambdaRuntime(ACCOUNT_ID, REGION)
        self.buckets = TokenBuckets(self.throttling, self.clock.now)
        self.cloudtrail = CloudTrail(self.clock.now, f"{PREFIX}Role",
                                     self.lambdas.current_function)
        self._patches = Patches(self.clock, self.lambdas, self.faults, self.calls,
                                on_state=self.on_state, buckets=self.buckets,
                                cloudtrail=self.cloudtrail)
        self._outside: contextlib.AbstractContextManager[None] | None = None
        self._mock = mock_aws(config={"stepfunctions": {"execute_state_machine": True},
                                      "lambda": {"use_docker": False}})
        self._saved_env: dict[str, str | None] = {}
        self.inboxes: dict[str, str] = {}
        self.dead_letters: list[dict[str, Any]] = []
        self.deliveries: list[dict[str, Any]] = []  # every target invocation of the run
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
        # The thread that runs the harness is outside every execution: when its SDK backs off
        # on the virtual clock, time must not jump ahead of executions that are working.
        self._outside = self.clock.external()
        self._outside.__enter__()
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
        if self._outside is not None:
            self._outside.__exit__(None, None, None)
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

    def client(self, service: str, *, retries: bool = True) -> Any:
        """A client of our own (not the handlers'), as a person's CLI would be: it shares the
        account's throttling buckets, so it retries with the SDK's backoff (which sleeps on the
        virtual clock). `retries=False` lets a test see an injected fault as it is.
        Made once per service: creating a botocore client costs more than the call it makes."""
        key = f"{service}:{retries}"
        with self._clients_lock:
            if key not in self._clients:
                self._clients[key] = boto3.client(
                    service, region_name=REGION,
                    config=Config(retries={"mode": "standard",
                                           "total_max_attempts": 10 if retries else 1}))
            return self._clients[key]

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
        for rule in triggers.rules(self.config.trigger_tag_key, self.state_machine_arn):
            name = f"{PREFIX}-{rule.rule_id}"
            url = sqs.create_queue(QueueName=name)["QueueUrl"]
            queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
                "Attributes"]["QueueArn"]
            events.put_rule(Name=name, EventPattern=json.dumps(rule.pattern))
            events.put_targets(Rule=name, Targets=[{"Id": rule.target, "Arn": queue_arn}])
            self.inboxes[url] = rule.target

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
                           checker_findings: tuple[str, ...] = (),
                           license_included: bool = False,
                           tpm_support: str | None = None) -> str:
        """An AMI and what it really is. The defaults make a valid Windows 11 BYOL AMI; `os`
        (windows-10, windows-11, windows-server-2022, linux) and the rest are the truth the
        import judges, whatever the name says. `platform=None` alone makes a Linux AMI.
        `license_included` makes an AWS-licensed Windows AMI (billing "Windows"); DescribeImages
        shows TpmSupport only when `tpm_support` ("v2.0") is given, as EC2 does."""
        if platform is None and os.startswith("windows"):
            os = "linux"
        profile = AmiProfile(
            os=os, boot_mode=boot_mode or ("uefi" if os == "windows-11" else "legacy-bios"),
            architecture=architecture, encrypted=encrypted, state=state,
            volume_sizes=volume_sizes or (volume_size,) * volumes,
            in_place_upgraded=in_place_upgraded, free_space_gb=free_space_gb,
            checker_findings=checker_findings, license_included=license_included)
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
        if tpm_support:
            ami.tpm_support = tpm_support  # type: ignore[attr-defined]
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


@contextmanager
def local_aws(**kwargs: Any) -> Iterator[LocalAws]:
    with LocalAws(**kwargs) as env:
        yield env
