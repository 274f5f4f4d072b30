"""Names, tag keys and runtime configuration: the one place they are defined.

Deploy-time values (the trigger tag key, CIDR ranges, poll timings...) live in `cdk.json` context;
CDK hands them to the functions as the environment variables named here.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

PROJECT: Final = "byol-import"

# Tags we write. They share one namespace so that a person (and our EventBridge rule) can tell
# them apart from the trigger tag.
TAG_NAMESPACE: Final = "byol-import:"
MANAGED_BY_TAG_KEY: Final = f"{TAG_NAMESPACE}managed-by"
MANAGED_BY_TAG_VALUE: Final = PROJECT
SOURCE_AMI_TAG_KEY: Final = f"{TAG_NAMESPACE}source-ami"
STATUS_TAG_KEY: Final = f"{TAG_NAMESPACE}status"
IMAGE_ID_TAG_KEY: Final = f"{TAG_NAMESPACE}workspaces-image-id"
ERROR_TAG_KEY: Final = f"{TAG_NAMESPACE}error"
EXECUTION_TAG_KEY: Final = f"{TAG_NAMESPACE}execution"

METRICS_NAMESPACE: Final = "ByolImport"
SERVICE_NAME: Final = PROJECT

# The key in cdk.json "context" that holds this project's configuration.
CONTEXT_KEY: Final = "byolImport"

# Environment variable names, shared by the CDK stack (writer) and the handlers (reader).
ENV_TRIGGER_TAG_KEY: Final = "BYOL_TRIGGER_TAG_KEY"
ENV_DEFAULT_INGESTION_PROCESS: Final = "BYOL_DEFAULT_INGESTION_PROCESS"
ENV_CIDR_CONSTRAINTS: Final = "BYOL_CIDR_CONSTRAINTS"
ENV_CIDR_EXCLUSIONS: Final = "BYOL_CIDR_EXCLUSIONS"
ENV_CLEANUP_FAILED_IMAGES: Final = "BYOL_CLEANUP_FAILED_IMAGES"
ENV_TOPIC_ARN: Final = "BYOL_TOPIC_ARN"
ENV_LOCK_TABLE: Final = "BYOL_LOCK_TABLE"
ENV_LOCK_LEASE_SECONDS: Final = "BYOL_LOCK_LEASE_SECONDS"
ENV_STATE_MACHINE_ARN: Final = "BYOL_STATE_MACHINE_ARN"

# The single account-wide lock name: enabling BYOL is one change per account and Region.
ACCOUNT_LOCK_ID: Final = "account-byol-enablement"


@dataclass(frozen=True)
class RuntimeConfig:
    """What the handlers need at run time, read from their environment."""

    trigger_tag_key: str
    default_ingestion_process: str
    cidr_constraints: tuple[str, ...]
    cidr_exclusions: tuple[str, ...]
    cleanup_failed_images: bool
    topic_arn: str
    lock_table: str
    lock_lease_seconds: int
    state_machine_arn: str


def _csv(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


def runtime_config(environ: Mapping[str, str] | None = None) -> RuntimeConfig:
    """Read the configuration CDK (or the local runner) put in the environment.

    A function only reads what it uses, so absent variables fall back to empty values here and the
    step that needs one fails with a clear message if it is missing.
    """
    env = os.environ if environ is None else environ
    return RuntimeConfig(
        trigger_tag_key=env.get(ENV_TRIGGER_TAG_KEY, ""),
        default_ingestion_process=env.get(ENV_DEFAULT_INGESTION_PROCESS, ""),
        cidr_constraints=_csv(env.get(ENV_CIDR_CONSTRAINTS, "")),
        cidr_exclusions=_csv(env.get(ENV_CIDR_EXCLUSIONS, "")),
        cleanup_failed_images=env.get(ENV_CLEANUP_FAILED_IMAGES, "true").lower() == "true",
        topic_arn=env.get(ENV_TOPIC_ARN, ""),
        lock_table=env.get(ENV_LOCK_TABLE, ""),
        lock_lease_seconds=int(env.get(ENV_LOCK_LEASE_SECONDS, "0") or 0),
        state_machine_arn=env.get(ENV_STATE_MACHINE_ARN, ""),
    )


# A Task's timer also runs through the invoke call and a cold start, so a Task whose timeout equals
# its function's can hit States.Timeout first and retry while the first invocation still runs.
# Each Task's TimeoutSeconds in the ASL is its function's timeout plus this margin
# (tests/unit/test_asl.py holds the ASL to it): the function always times out first.
TASK_TIMEOUT_MARGIN_SECONDS: Final = 60


@dataclass(frozen=True)
class FunctionSpec:
    """One Lambda function: the stack deploys it, the ASL names it, the local runner runs it."""

    key: str
    handler: str
    substitution: str
    timeout_seconds: int
    memory_mb: int
    description: str

    @property
    def task_timeout_seconds(self) -> int:
        """The TimeoutSeconds of the ASL Task that invokes this function."""
        return self.timeout_seconds + TASK_TIMEOUT_MARGIN_SECONDS


# Functions that are Tasks of the state machine; `substitution` is their ARN's name in the ASL file.
WORKFLOW_FUNCTIONS: Final[tuple[FunctionSpec, ...]] = (
    FunctionSpec("ValidateRequest", "handlers.validate_request.handler",
                 "ValidateRequestFunctionArn", 10, 256, "Normalise and validate an import request"),
    FunctionSpec("CheckImage", "handlers.check_image.handler",
                 "CheckImageFunctionArn", 30, 256, "Check the AMI can be imported as BYOL"),
    FunctionSpec("CheckAccount", "handlers.check_account.handler",
                 "CheckAccountFunctionArn", 30, 256, "Read the account's BYOL state"),
    FunctionSpec("AcquireLock", "handlers.acquire_lock.handler",
                 "AcquireLockFunctionArn", 15, 256, "Take the account-wide BYOL enablement lock"),
    FunctionSpec("EnableByol", "handlers.enable_byol.handler",
                 "EnableByolFunctionArn", 60, 256, "Pick a management CIDR and enable BYOL"),
    FunctionSpec("PollModification", "handlers.poll_modification.handler",
                 "PollModificationFunctionArn", 30, 256, "Poll the BYOL account modification"),
    FunctionSpec("ReleaseLock", "handlers.release_lock.handler",
                 "ReleaseLockFunctionArn", 15, 256, "Release the account-wide lock"),
    FunctionSpec("ImportImage", "handlers.import_image.handler",
                 "ImportImageFunctionArn", 60, 256, "Import the AMI as a WorkSpaces BYOL image"),
    FunctionSpec("PollImage", "handlers.poll_image.handler",
                 "PollImageFunctionArn", 30, 256, "Poll the WorkSpaces image import"),
    FunctionSpec("CleanupImage", "handlers.cleanup_image.handler",
                 "CleanupImageFunctionArn", 30, 256, "Delete our own failed WorkSpaces image"),
    FunctionSpec("Report", "handlers.report.handler",
                 "ReportFunctionArn", 30, 256, "Tag the AMI, notify and emit metrics"),
)

# Functions outside the state machine.
STARTER_FUNCTION: Final = FunctionSpec(
    "Starter", "handlers.starter.handler", "", 60, 256,
    "Start an import for each AMI an EventBridge event names")
LOCK_JANITOR_FUNCTION: Final = FunctionSpec(
    "LockJanitor", "handlers.lock_janitor.handler", "", 30, 256,
    "Free the lock of an execution that ended badly; report aborted and timed-out ones")

ALL_FUNCTIONS: Final = (*WORKFLOW_FUNCTIONS, STARTER_FUNCTION, LOCK_JANITOR_FUNCTION)
