"""The embedded WorkSpaces BYOL service: the names other code imports, from local_aws.workspaces.

Each rule cites the fact it follows (docs/byol-api-facts.md).
"""

from local_aws.workspaces.amis import AmiProfile
from local_aws.workspaces.config import FaultBudget, Faults, ImportFault, Timings
from local_aws.workspaces.images import ImportedImage
from local_aws.workspaces.rules import IMAGE_QUOTA, WorkSpacesError
from local_aws.workspaces.service import ByolAccount, ByolWorld
from local_aws.workspaces.wiring import install, uninstall, world

__all__ = [
    "IMAGE_QUOTA",
    "AmiProfile",
    "ByolAccount",
    "ByolWorld",
    "FaultBudget",
    "Faults",
    "ImportFault",
    "ImportedImage",
    "Timings",
    "WorkSpacesError",
    "install",
    "uninstall",
    "world",
]
