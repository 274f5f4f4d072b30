"""IAM: what each function may do, and nothing more (statements on the functions' roles)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_cdk import Aws
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sns as sns

from byol_import import settings
from stacks.constructs.functions import ProjectFunction
from stacks.constructs.workflow import ImportWorkflow


def _allow(
    functions: Mapping[str, ProjectFunction],
    key: str,
    actions: list[str],
    resources: list[str],
    conditions: dict[str, Any] | None = None,
) -> None:
    functions[key].function.add_to_role_policy(
        iam.PolicyStatement(actions=actions, resources=resources, conditions=conditions)
    )


def grant_permissions(
    functions: Mapping[str, ProjectFunction],
    lock_table: dynamodb.Table,
    topic: sns.Topic,
    workflow: ImportWorkflow,
) -> None:
    """What each function may do, and nothing more."""
    image_arn = f"arn:{Aws.PARTITION}:ec2:{Aws.REGION}::image/*"
    wsi_arn = f"arn:{Aws.PARTITION}:workspaces:{Aws.REGION}:{Aws.ACCOUNT_ID}:workspaceimage/*"
    managed = {f"aws:ResourceTag/{settings.MANAGED_BY_TAG_KEY}": settings.MANAGED_BY_TAG_VALUE}
    read_account = ["workspaces:DescribeAccount", "workspaces:DescribeAccountModifications"]

    _allow(functions, "CheckImage", ["ec2:DescribeImages"], ["*"])
    _allow(functions, "CheckAccount", ["workspaces:DescribeAccount"], ["*"])
    _allow(
        functions,
        "EnableByol",
        [
            *read_account,
            "workspaces:ListAvailableManagementCidrRanges",
            "workspaces:ModifyAccount",
        ],
        ["*"],
    )
    _allow(functions, "EnableByol", ["ec2:DescribeVpcs"], ["*"])
    # Once a person approved: the same re-check and ModifyAccount (EnableByol does it at once
    # for byolEnablement auto or a pinned range).
    _allow(
        functions,
        "ModifyAccount",
        [
            *read_account,
            "workspaces:ListAvailableManagementCidrRanges",
            "workspaces:ModifyAccount",
        ],
        ["*"],
    )
    _allow(functions, "ModifyAccount", ["ec2:DescribeVpcs"], ["*"])
    _allow(functions, "PollModification", read_account, ["*"])
    _allow(
        functions,
        "ImportImage",
        ["workspaces:ImportWorkspaceImage"],
        ["*"],
        {
            "StringEquals": {
                f"aws:RequestTag/{settings.MANAGED_BY_TAG_KEY}": settings.MANAGED_BY_TAG_VALUE
            }
        },
    )
    # SAR: CreateTags and DescribeTags list no resource types, so only "*" matches; tagging
    # at import stays limited to requests that carry our managed-by tag.
    _allow(
        functions,
        "ImportImage",
        ["workspaces:CreateTags"],
        ["*"],
        {
            "StringEquals": {
                f"aws:RequestTag/{settings.MANAGED_BY_TAG_KEY}": settings.MANAGED_BY_TAG_VALUE
            }
        },
    )
    _allow(functions, "ImportImage", ["workspaces:DescribeWorkspaceImages"], ["*"])
    _allow(functions, "ImportImage", ["workspaces:DescribeTags"], ["*"])
    _allow(functions, "ImportImage", ["ec2:DescribeImages"], ["*"])
    # WorkSpaces shares the AMI with its own account during the import.
    _allow(functions, "ImportImage", ["ec2:ModifyImageAttribute"], [image_arn])
    _allow(functions, "PollImage", ["workspaces:DescribeWorkspaceImages"], ["*"])
    _allow(functions, "CleanupImage", ["workspaces:DescribeTags"], ["*"])
    _allow(
        functions,
        "CleanupImage",
        ["workspaces:DeleteWorkspaceImage"],
        [wsi_arn],
        {"StringEquals": managed},
    )
    _grant_delivery(functions, managed)
    # The AMI's status tags: each step that enters a phase writes them, in our namespace only.
    for key in (
        "CheckImage",
        "AcquireLock",
        "EnableByol",
        "RequestApproval",
        "ModifyAccount",
        "ImportImage",
        "Deliver",
        "Report",
    ):
        _allow(
            functions,
            key,
            ["ec2:CreateTags"],
            [image_arn],
            {"ForAllValues:StringLike": {"aws:TagKeys": [f"{settings.TAG_NAMESPACE}*"]}},
        )
    _allow(functions, "Starter", ["ec2:DescribeImages"], ["*"])
    # An Image Builder image's pipeline, tags and output AMIs (the starter), and that a
    # request's build is AVAILABLE with its AMI (CheckImage): SAR resource type `image`.
    ib_image_arn = f"arn:{Aws.PARTITION}:imagebuilder:{Aws.REGION}:{Aws.ACCOUNT_ID}:image/*"
    for key in ("Starter", "CheckImage"):
        _allow(functions, key, ["imagebuilder:GetImage"], [ib_image_arn])
    _allow(
        functions,
        "LockJanitor",
        ["ec2:CreateTags"],
        [image_arn],
        {"ForAllValues:StringLike": {"aws:TagKeys": [f"{settings.TAG_NAMESPACE}*"]}},
    )

    lock_table.grant(functions["AcquireLock"].function, "dynamodb:PutItem", "dynamodb:GetItem")
    lock_table.grant(functions["CheckLock"].function, "dynamodb:GetItem")
    for key in ("ReleaseLock", "Report", "LockJanitor"):
        lock_table.grant(functions[key].function, "dynamodb:DeleteItem")
    # The pending approval (its task token) is kept on the lock item, and removed once used.
    for key in ("RequestApproval", "ModifyAccount"):
        lock_table.grant(functions[key].function, "dynamodb:UpdateItem")
    # CheckImage sends the "started" notification when notifyOnStart is set (granted always:
    # the setting is read at run time, and the local runs enforce one synthesized template).
    for key in ("Report", "LockJanitor", "RequestApproval", "CheckImage"):
        topic.grant_publish(functions[key].function)
    workflow.grant_start(functions["Starter"].function)


def grant_image_builder_path(functions: Mapping[str, ProjectFunction], configuration: str) -> None:
    """ImportCustomWorkspaceImage and its poll, when the stack deploys that path. Beside the
    actions themselves (SAR: no resource types), what the emulator takes the import to need:
    reading the configuration (its ARN only) and a build version source (docs/byol-api-facts.md).
    """
    image_arn = f"arn:{Aws.PARTITION}:ec2:{Aws.REGION}::image/*"
    builds = f"arn:{Aws.PARTITION}:imagebuilder:{Aws.REGION}:{Aws.ACCOUNT_ID}:image/*"
    _allow(
        functions,
        "ImportImage",
        ["workspaces:ImportCustomWorkspaceImage"],
        ["*"],
        {
            "StringEquals": {
                f"aws:RequestTag/{settings.MANAGED_BY_TAG_KEY}": settings.MANAGED_BY_TAG_VALUE
            }
        },
    )
    _allow(
        functions, "ImportImage", ["imagebuilder:GetInfrastructureConfiguration"], [configuration]
    )
    _allow(functions, "ImportImage", ["imagebuilder:GetImage"], [builds])
    _allow(functions, "PollImage", ["workspaces:DescribeCustomWorkspaceImageImport"], ["*"])
    # The AMI's progress tag, in our namespace only.
    _allow(
        functions,
        "PollImage",
        ["ec2:CreateTags"],
        [image_arn],
        {"ForAllValues:StringLike": {"aws:TagKeys": [f"{settings.TAG_NAMESPACE}*"]}},
    )


def _grant_delivery(functions: Mapping[str, ProjectFunction], managed: dict[str, str]) -> None:
    """Deliver: bundle, shares, copies (asked in each target Region); PollCopies reads them.
    Bundles and shares are in this Region; copies in any Region of this account."""
    here = f"arn:{Aws.PARTITION}:workspaces:{Aws.REGION}:{Aws.ACCOUNT_ID}"
    our_image = f"{here}:workspaceimage/*"
    bundles = f"{here}:workspacebundle/*"
    any_region_image = f"arn:{Aws.PARTITION}:workspaces:*:{Aws.ACCOUNT_ID}:workspaceimage/*"
    request_tagged = {
        "StringEquals": {
            f"aws:RequestTag/{settings.MANAGED_BY_TAG_KEY}": settings.MANAGED_BY_TAG_VALUE
        }
    }
    # No resource types in the SAR: "*" (DescribeAccount in every target Region).
    _allow(
        functions,
        "Deliver",
        [
            "workspaces:DescribeAccount",
            "workspaces:DescribeWorkspaceBundles",
            "workspaces:DescribeWorkspaceImages",
            "workspaces:DescribeTags",
        ],
        ["*"],
    )
    # A bundle of ours (the request carries our managed-by tag) from an image of ours.
    _allow(functions, "Deliver", ["workspaces:CreateWorkspaceBundle"], [bundles], request_tagged)
    _allow(
        functions,
        "Deliver",
        ["workspaces:CreateWorkspaceBundle", "workspaces:UpdateWorkspaceBundle"],
        [our_image],
        {"StringEquals": managed},
    )
    # The bundle to update is named by a person (deliveryBundle, the request): any bundle here.
    _allow(functions, "Deliver", ["workspaces:UpdateWorkspaceBundle"], [bundles])
    # Our tags only (the new bundle's and copies', an updated bundle's previous image).
    _allow(
        functions,
        "Deliver",
        ["workspaces:CreateTags"],
        ["*"],
        {"ForAllValues:StringLike": {"aws:TagKeys": [f"{settings.TAG_NAMESPACE}*"]}},
    )
    # Asked in the target Region: the source image here and the new one there, tagged ours.
    _allow(
        functions, "Deliver", ["workspaces:CopyWorkspaceImage"], [any_region_image], request_tagged
    )
    _allow(
        functions,
        "Deliver",
        ["workspaces:UpdateWorkspaceImagePermission"],
        [our_image],
        {"StringEquals": managed},
    )
    _allow(functions, "PollCopies", ["workspaces:DescribeWorkspaceImages"], ["*"])
