"""The Image Builder images of every account and Region, kept beside the WorkSpaces BYOL world.

An image build is registered with its status, pipeline, tags and output AMIs; once AVAILABLE its
AMI is also the account's image source for ImportCustomWorkspaceImage (`add_image_source`), so
the two services agree. A source that a test added with `add_image_source` alone is a finished
build of its own: GetImage shows it AVAILABLE, with that AMI as its only output.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

import botocore.session

from local_aws.workspaces.service import ByolWorld

MODEL: Final = botocore.session.get_session().get_service_model("imagebuilder")
IMAGE_STATUSES: Final = tuple(MODEL.shape_for("ImageStatus").enum)
# GetImage's imageBuildVersionArn: a build version ARN, or a version ARN with wildcards.
IMAGE_ARN_PATTERN: Final = re.compile(
    MODEL.shape_for("ImageVersionArnOrBuildVersionArn").metadata["pattern"]
)
BUILD_ARN_PATTERN: Final = re.compile(MODEL.shape_for("ImageBuildVersionArn").metadata["pattern"])
INFRASTRUCTURE_ARN_PATTERN: Final = re.compile(
    MODEL.shape_for("InfrastructureConfigurationArn").metadata["pattern"]
)
PIPELINE_ARN_PATTERN: Final = re.compile(MODEL.shape_for("ImagePipelineArn").metadata["pattern"])


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


@dataclass
class BuiltImage:
    """One image build version, as GetImage shows it."""

    arn: str
    status: str
    created: datetime
    pipeline_arn: str | None = None
    infrastructure_arn: str | None = None
    amis: list[dict[str, str]] = field(default_factory=list)  # outputResources.amis
    tags: dict[str, str] = field(default_factory=dict)
    reason: str | None = None

    @property
    def name(self) -> str:
        return self.arn.split(":image/", 1)[1].split("/")[0]

    @property
    def version(self) -> str:
        """`x.y.z/n`, the semantic version with its build number."""
        return "/".join(self.arn.split(":image/", 1)[1].split("/")[1:])

    def to_dict(self) -> dict[str, Any]:
        version_arn = self.arn.rsplit("/", 1)[0]
        image: dict[str, Any] = {
            "arn": self.arn,
            "type": "AMI",
            "name": self.name,
            "version": self.version,
            "platform": "Windows",
            "enhancedImageMetadataEnabled": True,
            "state": {"status": self.status, **({"reason": self.reason} if self.reason else {})},
            "dateCreated": _iso(self.created),
            "outputResources": {"amis": [dict(a) for a in self.amis]},
            "tags": dict(self.tags),
            "buildType": "SCHEDULED" if self.pipeline_arn else "USER_INITIATED",
            "imageSource": "CUSTOM",
            "imageRecipe": {"arn": version_arn.replace(":image/", ":image-recipe/")},
        }
        if self.pipeline_arn:
            image["sourcePipelineArn"] = self.pipeline_arn
            image["sourcePipelineName"] = self.pipeline_arn.rsplit("/", 1)[1]
        if self.infrastructure_arn:
            image["infrastructureConfiguration"] = {
                "arn": self.infrastructure_arn,
                "name": self.infrastructure_arn.rsplit("/", 1)[1],
            }
        return image


def _nodes(arn: str) -> tuple[str, list[str], str | None]:
    """Name, the version's three nodes and the build number (None in a version ARN)."""
    name, *rest = arn.split(":image/", 1)[1].split("/")
    return name, rest[0].split("."), rest[1] if len(rest) > 1 else None


class ImageBuilderWorld:
    """Every account's Image Builder images, for one embedded-AWS session."""

    def __init__(self, byol: ByolWorld) -> None:
        self.byol = byol
        self.lock = threading.RLock()
        self._images: dict[tuple[str, str], dict[str, BuiltImage]] = {}

    def images(self, account_id: str, region: str) -> dict[str, BuiltImage]:
        return self._images.setdefault((account_id, region), {})

    def put(self, account_id: str, region: str, image: BuiltImage) -> None:
        """Register (or update) a build; an AVAILABLE one becomes an image source for
        ImportCustomWorkspaceImage, its output AMI in this Region."""
        with self.lock:
            self.images(account_id, region)[image.arn] = image
            if image.status == "AVAILABLE":
                here = [a for a in image.amis if a.get("region") == region]
                if here:
                    self.byol.account(account_id, region).add_image_source(
                        image.arn, here[0]["image"]
                    )

    def find(self, account_id: str, region: str, arn: str) -> BuiltImage | None:
        """The build an ARN names: a build version ARN exactly; a version ARN (wildcards `x`
        allowed) the latest matching build that is AVAILABLE (GetImage's documentation)."""
        with self.lock:
            known = dict(self.images(account_id, region))
            sources = self.byol.account(account_id, region).image_builder_sources
            for source, ami in sources.items():
                if BUILD_ARN_PATTERN.fullmatch(source) and source not in known:
                    known[source] = _source_only(source, ami, account_id, region)
        if BUILD_ARN_PATTERN.fullmatch(arn):
            return known.get(arn)
        name, wanted, _ = _nodes(arn)
        prefix = arn.split(":image/", 1)[0]
        matches = []
        for image in known.values():
            image_name, nodes, build = _nodes(image.arn)
            if (
                image.arn.startswith(prefix + ":image/")
                and image_name == name
                and image.status == "AVAILABLE"
                and all(w in ("x", n) for w, n in zip(wanted, nodes, strict=True))
            ):
                matches.append(([int(n) for n in nodes], int(build or 0), image))
        return max(matches, key=lambda m: (m[0], m[1]))[2] if matches else None


def _source_only(arn: str, ami: str, account_id: str, region: str) -> BuiltImage:
    """An image source registered without its build (`add_image_source` only)."""
    return BuiltImage(
        arn=arn,
        status="AVAILABLE",
        created=datetime(2026, 1, 1),
        amis=[{"region": region, "image": ami, "accountId": account_id}],
    )
