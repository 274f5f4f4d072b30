"""The embedded local AWS: moto plus our BYOL service, the deployed ASL and the real handlers.

`LocalAws` builds, in one process, what the CDK stack deploys (local_aws/deployment.py, from the
synthesized template), sets up the world an import runs in (local_aws/world_setup.py) and
watches the run (local_aws/watching.py); this module holds its lifecycle and SDK clients.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import threading
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import boto3
from botocore.config import Config
from moto import mock_aws

from byol_import import clients
from byol_import import clock as app_clock
from local_aws import synthesis
from local_aws.calls import CallLog
from local_aws.clock import VirtualClock
from local_aws.cloudtrail import CloudTrail
from local_aws.deployment import DeployedStack
from local_aws.iam.policies import Policies
from local_aws.imagebuilder import wiring as imagebuilder_wiring
from local_aws.imagebuilder.builds import ImageBuilderSetup
from local_aws.imagebuilder.images import ImageBuilderWorld
from local_aws.lambda_runtime import LocalLambdaRuntime
from local_aws.moto_patches import Patches
from local_aws.people import People
from local_aws.place import ACCOUNT_ID, ENV, PREFIX, REGION
from local_aws.stack_facts import StackFacts
from local_aws.throttling import Throttling, TokenBuckets
from local_aws.watching import ExecutionResult, Notification, Watching
from local_aws.workspaces_byol import ByolWorld, Faults, Timings, install, uninstall
from local_aws.world_setup import WorldSetup
from stacks import config as project_config

__all__ = [
    "ACCOUNT_ID",
    "PREFIX",
    "REGION",
    "ExecutionResult",
    "LocalAws",
    "Notification",
    "Timings",
    "local_aws",
    "unattended",
]


@dataclass
class LocalAws(DeployedStack, WorldSetup, Watching, ImageBuilderSetup):
    config: project_config.ProjectConfig = field(default_factory=project_config.default_config)
    # realistic by default (quick in the test suite): drawn durations and read lags, seeded
    # (fixed: pass Timings())
    timings: Timings = field(default_factory=Timings.default)
    faults: Faults = field(default_factory=Faults)
    on_state: Callable[[str, str, datetime], None] | None = None
    # The synthesized roles' policies every handler runs as (default: the stack's, cached).
    policies: Policies | None = None
    # AWS's request throttling, on by default; `Throttling.off()` only where a test says why.
    throttling: Throttling = field(default_factory=Throttling)

    def __post_init__(self) -> None:
        cached = synthesis.cached()
        if self.policies is None:
            self.policies = Policies(cached["policies"])
        self.stack = StackFacts(cached["stack"])
        self.clock = VirtualClock()
        self.world = ByolWorld(self.clock, self.timings, self.faults)
        self.imagebuilder = ImageBuilderWorld(self.world)
        self.calls = CallLog()
        self.lambdas = LocalLambdaRuntime(ACCOUNT_ID, REGION)
        self.buckets = TokenBuckets(self.throttling, self.clock.now)
        self.cloudtrail = CloudTrail(self.clock.now, f"{PREFIX}Role", self.lambdas.current_function)
        self._patches = Patches(
            self.clock,
            self.lambdas,
            self.faults,
            self.calls,
            on_state=self.on_state,
            buckets=self.buckets,
            cloudtrail=self.cloudtrail,
        )
        self._outside: contextlib.AbstractContextManager[None] | None = None
        # Operators acting in virtual time (an approval answered an hour after its email).
        self.people = People(self.clock)
        self._mock = mock_aws(
            config={
                "stepfunctions": {"execute_state_machine": True},
                "lambda": {"use_docker": False},
            }
        )
        self._saved_env: dict[str, str | None] = {}
        self.inboxes: dict[str, str] = {}
        self.dead_letters: list[dict[str, Any]] = []
        self.dropped: list[dict[str, Any]] = []
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
        self._set_env(ENV)
        self._mock.start()
        install(self.world)
        imagebuilder_wiring.install(self.imagebuilder)
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
        self.people.stop()
        clients.reset()
        app_clock.set_source(None)
        self._patches.remove()
        if self._outside is not None:
            self._outside.__exit__(None, None, None)
        imagebuilder_wiring.uninstall()
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
                    service,
                    region_name=REGION,
                    config=Config(
                        retries={"mode": "standard", "total_max_attempts": 10 if retries else 1}
                    ),
                )
            return self._clients[key]


def unattended(**changes: Any) -> project_config.ProjectConfig:
    """The deployment's configuration with byolEnablement auto: BYOL is enabled without asking
    a person (runs that are not about the approval; the default asks, local_aws/operators.py
    answers as a person would)."""
    return dataclasses.replace(project_config.default_config(), byol_enablement="auto", **changes)


@contextmanager
def local_aws(**kwargs: Any) -> Iterator[LocalAws]:
    with LocalAws(**kwargs) as env:
        yield env
