"""Names, tag keys and environment variable names: the one place they are defined.

Read through `byol_import.settings`, which re-exports them beside the configuration schema.
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "ACCOUNT_LOCK_ID",
    "APPROVAL_AMI_ATTR",
    "APPROVAL_CIDR_ATTR",
    "APPROVAL_EXECUTION_ATTR",
    "APPROVAL_LOCK_LOOK_SECONDS",
    "APPROVAL_REQUESTED_AT_ATTR",
    "APPROVAL_TOKEN_ATTR",
    "BUNDLE_ID_TAG_KEY",
    "BYOL_ENABLEMENT_MODES",
    "CONTEXT_KEY",
    "COPIES_TAG_KEY",
    "ENV_BYOL_ENABLEMENT",
    "ENV_CIDR_CONSTRAINTS",
    "ENV_CIDR_EXCLUSIONS",
    "ENV_CLEANUP_FAILED_IMAGES",
    "ENV_DEFAULT_IMPORT_METHOD",
    "ENV_DEFAULT_INGESTION_PROCESS",
    "ENV_DELIVERY_BUNDLE",
    "ENV_DELIVERY_BUNDLE_COMPUTE_TYPE",
    "ENV_DELIVERY_BUNDLE_ROOT_GIB",
    "ENV_DELIVERY_BUNDLE_USER_GIB",
    "ENV_DELIVERY_COPY_TO_REGIONS",
    "ENV_DELIVERY_SHARE_WITH_ACCOUNTS",
    "ENV_IMAGE_BUILDER_PIPELINE_ARNS",
    "ENV_INFRASTRUCTURE_CONFIGURATION_ARN",
    "ENV_LOCK_LEASE_SECONDS",
    "ENV_LOCK_TABLE",
    "ENV_MANAGEMENT_CIDR",
    "ENV_NOTIFY_ON_START",
    "ENV_STATE_MACHINE_ARN",
    "ENV_TOPIC_ARN",
    "ENV_TRIGGER_TAG_KEY",
    "ERROR_TAG_KEY",
    "EXECUTION_TAG_KEY",
    "IMAGE_ID_TAG_KEY",
    "IMPORT_METHODS",
    "MANAGED_BY_TAG_KEY",
    "MANAGED_BY_TAG_VALUE",
    "METRICS_NAMESPACE",
    "PHASE_AVAILABLE",
    "PHASE_AWAITING_APPROVAL",
    "PHASE_DELIVERING",
    "PHASE_ENABLING_BYOL",
    "PHASE_FAILED",
    "PHASE_IMPORTING",
    "PHASE_OF_HANDLER",
    "PHASE_QUEUED",
    "PHASE_RETIRED",
    "PHASE_WAITING_FOR_LOCK",
    "PREVIOUS_IMAGE_TAG_KEY",
    "PROGRESS_TAG_KEY",
    "PROJECT",
    "SERVICE_NAME",
    "SHARES_TAG_KEY",
    "SOURCE_AMI_TAG_KEY",
    "STATUS_SINCE_TAG_KEY",
    "STATUS_TAG_KEY",
    "TAG_NAMESPACE",
]

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
STATUS_SINCE_TAG_KEY: Final = f"{TAG_NAMESPACE}status-since"
# Delivery: the bundle made or updated from the image (on the AMI), the image a bundle had
# before byol-import updated it (on the bundle), the copies in other Regions (on the AMI:
# `region=wsi-...,...`).
BUNDLE_ID_TAG_KEY: Final = f"{TAG_NAMESPACE}bundle-id"
PREVIOUS_IMAGE_TAG_KEY: Final = f"{TAG_NAMESPACE}previous-image-id"
COPIES_TAG_KEY: Final = f"{TAG_NAMESPACE}copies"
SHARES_TAG_KEY: Final = f"{TAG_NAMESPACE}shared-with"
# The Image Builder import's State and ProgressPercentage while IMPORTING, e.g. `VALIDATING 62%`.
PROGRESS_TAG_KEY: Final = f"{TAG_NAMESPACE}progress"

# How an AMI is imported: ImportWorkspaceImage (classic) or ImportCustomWorkspaceImage, which
# AWS runs on EC2 Image Builder (image-builder).
IMPORT_METHODS: Final = ("classic", "image-builder")

# The phases the AMI's status tag follows (each written by the step that enters it).
PHASE_QUEUED: Final = "QUEUED"
PHASE_WAITING_FOR_LOCK: Final = "WAITING_FOR_LOCK"
PHASE_AWAITING_APPROVAL: Final = "AWAITING_APPROVAL"
PHASE_ENABLING_BYOL: Final = "ENABLING_BYOL"
PHASE_IMPORTING: Final = "IMPORTING"
PHASE_DELIVERING: Final = "DELIVERING"
PHASE_AVAILABLE: Final = "AVAILABLE"
PHASE_FAILED: Final = "FAILED"
# Written by `byol-import retire` once the image it made is deleted (not a workflow phase).
PHASE_RETIRED: Final = "RETIRED"
# The phase each handler's log lines carry (module name -> phase).
PHASE_OF_HANDLER: Final = {
    "validate_request": PHASE_QUEUED,
    "check_image": PHASE_QUEUED,
    "check_account": PHASE_QUEUED,
    "acquire_lock": PHASE_WAITING_FOR_LOCK,
    "check_lock": PHASE_WAITING_FOR_LOCK,
    "enable_byol": PHASE_ENABLING_BYOL,
    "request_approval": PHASE_AWAITING_APPROVAL,
    "modify_account": PHASE_ENABLING_BYOL,
    "poll_modification": PHASE_ENABLING_BYOL,
    "release_lock": PHASE_ENABLING_BYOL,
    "import_image": PHASE_IMPORTING,
    "poll_image": PHASE_IMPORTING,
    "cleanup_image": PHASE_IMPORTING,
    "deliver": PHASE_DELIVERING,
    "poll_copies": PHASE_DELIVERING,
    "report": "REPORTING",
}

# byolEnablement: approve (a person approves the /16), auto (no one asked), off (never enable).
BYOL_ENABLEMENT_MODES: Final = ("approve", "auto", "off")

# Where a pending approval lives: on the account lock item, written by RequestApproval while
# its execution holds the lock (the CLI reads it there).
APPROVAL_TOKEN_ATTR: Final = "ApprovalToken"
APPROVAL_CIDR_ATTR: Final = "ManagementCidr"
APPROVAL_REQUESTED_AT_ATTR: Final = "ApprovalRequestedAt"
APPROVAL_EXECUTION_ATTR: Final = "ApprovalExecution"
APPROVAL_AMI_ATTR: Final = "ApprovalAmi"
# While the lock holder waits for a person, a waiting import looks at the lock this often.
APPROVAL_LOCK_LOOK_SECONDS: Final = 7200

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
ENV_BYOL_ENABLEMENT: Final = "BYOL_ENABLEMENT"
ENV_MANAGEMENT_CIDR: Final = "BYOL_MANAGEMENT_CIDR"
ENV_NOTIFY_ON_START: Final = "BYOL_NOTIFY_ON_START"
ENV_IMAGE_BUILDER_PIPELINE_ARNS: Final = "BYOL_IMAGE_BUILDER_PIPELINE_ARNS"
ENV_DEFAULT_IMPORT_METHOD: Final = "BYOL_DEFAULT_IMPORT_METHOD"
# The Image Builder infrastructure configuration ImportCustomWorkspaceImage builds with; empty
# when the stack does not deploy that path (imageBuilderPath false).
ENV_INFRASTRUCTURE_CONFIGURATION_ARN: Final = "BYOL_INFRASTRUCTURE_CONFIGURATION_ARN"
ENV_DELIVERY_BUNDLE: Final = "BYOL_DELIVERY_BUNDLE"
ENV_DELIVERY_BUNDLE_COMPUTE_TYPE: Final = "BYOL_DELIVERY_BUNDLE_COMPUTE_TYPE"
ENV_DELIVERY_BUNDLE_ROOT_GIB: Final = "BYOL_DELIVERY_BUNDLE_ROOT_GIB"
ENV_DELIVERY_BUNDLE_USER_GIB: Final = "BYOL_DELIVERY_BUNDLE_USER_GIB"
ENV_DELIVERY_COPY_TO_REGIONS: Final = "BYOL_DELIVERY_COPY_TO_REGIONS"
ENV_DELIVERY_SHARE_WITH_ACCOUNTS: Final = "BYOL_DELIVERY_SHARE_WITH_ACCOUNTS"

# The single account-wide lock name: enabling BYOL is one change per account and Region.
ACCOUNT_LOCK_ID: Final = "account-byol-enablement"
