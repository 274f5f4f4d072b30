"""Names, tag keys and environment variable names: the one place they are defined.

Read through `byol_import.settings`, which re-exports them beside the configuration schema.
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "ACCOUNT_LOCK_ID",
    "CONTEXT_KEY",
    "ENV_CIDR_CONSTRAINTS",
    "ENV_CIDR_EXCLUSIONS",
    "ENV_CLEANUP_FAILED_IMAGES",
    "ENV_DEFAULT_INGESTION_PROCESS",
    "ENV_LOCK_LEASE_SECONDS",
    "ENV_LOCK_TABLE",
    "ENV_STATE_MACHINE_ARN",
    "ENV_TOPIC_ARN",
    "ENV_TRIGGER_TAG_KEY",
    "ERROR_TAG_KEY",
    "EXECUTION_TAG_KEY",
    "IMAGE_ID_TAG_KEY",
    "MANAGED_BY_TAG_KEY",
    "MANAGED_BY_TAG_VALUE",
    "METRICS_NAMESPACE",
    "PROJECT",
    "SERVICE_NAME",
    "SOURCE_AMI_TAG_KEY",
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
