"""The documented rules a delivery follows (docs/byol-api-facts.md, "Delivering an image" and
"Bundles"): CreateWorkspaceBundle's name, description and Compute enum; the volume combinations;
which bundles an image's IngestionProcess runs on; a bundle root no smaller than the image's; the
Regions WorkSpaces runs in. Pure: botocore's bundled model and endpoint data are read, no call."""

from __future__ import annotations

import re
from functools import cache
from typing import Final

BUNDLE_NAME_PATTERN: Final = re.compile(r"^[a-zA-Z0-9_./()\-]{1,64}$")
BUNDLE_DESCRIPTION_PATTERN: Final = re.compile(r"^[a-zA-Z0-9_./() \-]{1,255}$")
BUNDLE_ID_PATTERN: Final = re.compile(r"^wsb-[0-9a-z]{8,63}$")
ACCOUNT_PATTERN: Final = re.compile(r"^\d{12}$")
BUNDLE_CREATE: Final = "create"  # the config / tag value that asks for a new bundle
SMALL_VOLUMES: Final = frozenset({(80, 10), (80, 50), (80, 100)})
MAX_VOLUME_GIB: Final = 2000


@cache
def compute_types() -> tuple[str, ...]:
    """CreateWorkspaceBundle's ComputeType.Name values (the SDK's model)."""
    import botocore.session  # on first use: importing botocore would slow every cold start

    model = botocore.session.get_session().get_service_model("workspaces")
    return tuple(model.shape_for("Compute").enum)


@cache
def workspaces_regions(partition: str = "aws") -> frozenset[str]:
    """The Regions the SDK's endpoint data lists WorkSpaces in, in one partition."""
    import botocore.session

    session = botocore.session.get_session()
    return frozenset(session.get_available_regions("workspaces", partition))


def partition_of(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    return "aws-us-gov" if region.startswith("us-gov-") else "aws"


def computes_for(ingestion_process: str) -> tuple[str, ...]:
    """The bundle compute types an image of this IngestionProcess can run on (ImportWorkspace
    Image: regular processes for non-graphics bundles; each graphics process for its family)."""
    if "G4DN" in ingestion_process:
        return ("GRAPHICS_G4DN", "GRAPHICSPRO_G4DN")
    if ingestion_process == "BYOL_GRAPHICS":
        return ("GRAPHICS",)
    if ingestion_process == "BYOL_GRAPHICSPRO":
        return ("GRAPHICSPRO",)
    return tuple(c for c in compute_types() if not c.startswith("GRAPHICS"))


def volumes_allowed(root: int, user: int) -> bool:
    return (root, user) in SMALL_VOLUMES or (
        175 <= root <= MAX_VOLUME_GIB and 100 <= user <= MAX_VOLUME_GIB
    )


def root_too_small(bundle_root_gib: int, image_root_gib: int | None) -> str | None:
    """Why a bundle's root volume cannot hold the image ("custom bundle storage volumes can't be
    smaller than image storage volumes", admin guide), or None. An image of unknown size is
    left to CreateWorkspaceBundle to judge."""
    if image_root_gib is None or bundle_root_gib >= image_root_gib:
        return None
    return (
        f"the bundle's root volume of {bundle_root_gib} GiB is smaller than the image's root "
        f"volume of {image_root_gib} GiB (the AMI's root EBS volume), and WorkSpaces refuses a "
        "bundle volume smaller than its image's"
    )
