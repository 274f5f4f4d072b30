"""Which import path a request takes, and the fields of the Image Builder path
(ImportCustomWorkspaceImage). Pure.

The Image Builder path names protocol and hardware apart (Protocol, ComputeType) where the
classic path joins them in one IngestionProcess; when a request does not give them, they are
taken from the resolved IngestionProcess through `equivalents` (the one place that mapping is).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from byol_import.errors import InvalidRequest
from byol_import.logic.choices import (
    COMPUTE_TYPES,
    IMAGE_VALIDATION_MODES,
    PROTOCOLS,
    describe,
    one_of,
)
from byol_import.logic.ids import IMAGE_BUILD_VERSION_ARN_PATTERN
from byol_import.logic.tag_value import TagSettings
from byol_import.names import IMPORT_METHODS

CLASSIC: Final = IMPORT_METHODS[0]
IMAGE_BUILDER: Final = IMPORT_METHODS[1]
# Request fields only the Image Builder path takes (the classic path refuses them).
IMAGE_BUILDER_FIELDS: Final = ("Protocol", "ComputeType", "ImageValidationMode")
# The build version whose output AMI is ImageId (the starter fills both from an Image Builder
# event): the Image Builder path imports from it; the classic path imports that AMI.
BUILD_VERSION_FIELD: Final = "ImageBuildVersionArn"
# IngestionProcess prefix -> ComputeType. BYOL_GRAPHICS and BYOL_GRAPHICSPRO (the retired
# Graphics bundles) have no ComputeType: such a request must say ComputeType itself.
_COMPUTE_OF: Final = {"BYOL_REGULAR": "BASE", "BYOL_GRAPHICS_G4DN": "GRAPHICS_G4DN"}


@dataclass(frozen=True)
class ImageBuilderFields:
    protocol: str
    compute_type: str
    image_validation_mode: str | None = None
    image_build_version_arn: str | None = None


def equivalents(ingestion_process: str) -> tuple[str | None, str | None]:
    """(Protocol, ComputeType) an IngestionProcess amounts to: `_WSP` is DCV, `_BYOP` BYOP,
    no suffix PCoIP; the prefix is the hardware."""
    for suffix, protocol in (("_WSP", "DCV"), ("_BYOP", "BYOP")):
        if ingestion_process.endswith(suffix):
            return protocol, _COMPUTE_OF.get(ingestion_process.removesuffix(suffix))
    return "PCOIP", _COMPUTE_OF.get(ingestion_process)


def resolve_method(requested: Any, tags: TagSettings, default: str) -> str:
    """Request first, then the trigger tag's value, then the configured importMethod."""
    if requested is not None:
        return one_of(requested, IMPORT_METHODS, "ImportMethod")
    return tags.import_method or default


def image_builder_fields(
    raw: Mapping[str, Any], tags: TagSettings, method: str, ingestion_process: str
) -> ImageBuilderFields | None:
    """The Image Builder path's fields (request > tag value > IngestionProcess's equivalents);
    None on the classic path, which refuses them."""
    arn = build_version(raw)
    if method == CLASSIC:
        given = [f for f in IMAGE_BUILDER_FIELDS if raw.get(f) is not None]
        given += [f"{k} (trigger tag value)" for k in tags.image_builder_keys()]
        if given:
            raise InvalidRequest(
                f"{given[0]}: only for ImportMethod image-builder; the classic import takes "
                "protocol and hardware from IngestionProcess (e.g. BYOL_REGULAR_WSP is DCV on "
                "regular hardware). Set ImportMethod=image-builder, or remove the field"
            )
        return None
    if raw.get("Applications"):
        raise InvalidRequest(
            "Applications: ImportCustomWorkspaceImage (ImportMethod image-builder) has no "
            "Microsoft Office subscription; remove Applications or use ImportMethod classic"
        )
    protocol_default, compute_default = equivalents(ingestion_process)
    protocol = _pick(raw, "Protocol", tags.protocol, PROTOCOLS) or protocol_default
    compute = _pick(raw, "ComputeType", tags.compute_type, COMPUTE_TYPES) or compute_default
    if compute is None:
        raise InvalidRequest(
            f"ComputeType: IngestionProcess {ingestion_process} has no ComputeType of "
            f"ImportCustomWorkspaceImage; give ComputeType ({', '.join(COMPUTE_TYPES)})"
        )
    return ImageBuilderFields(
        protocol=str(protocol),
        compute_type=compute,
        image_validation_mode=_pick(
            raw, "ImageValidationMode", tags.image_validation_mode, IMAGE_VALIDATION_MODES
        ),
        image_build_version_arn=arn,
    )


def build_version(raw: Mapping[str, Any]) -> str | None:
    """The request's ImageBuildVersionArn, checked against the API model's pattern."""
    arn = raw.get(BUILD_VERSION_FIELD)
    if arn is not None and (
        not isinstance(arn, str) or not IMAGE_BUILD_VERSION_ARN_PATTERN.fullmatch(arn)
    ):
        raise InvalidRequest(
            "ImageBuildVersionArn: must be an EC2 Image Builder image build version ARN such as "
            "arn:aws:imagebuilder:eu-west-1:123456789012:image/win11/1.0.0/1; got "
            f"{describe(arn)}"
        )
    return arn


def _pick(
    raw: Mapping[str, Any], name: str, from_tag: str | None, choices: tuple[str, ...]
) -> str | None:
    if raw.get(name) is not None:
        return one_of(raw[name], choices, name)
    return from_tag


def refuse_pcoip_on_windows_11(protocol: str | None, os_version: str | None, basis: str) -> None:
    """ "Windows 11 does not support PCOIP protocol" (ImportCustomWorkspaceImage's Protocol)."""
    if protocol == "PCOIP" and os_version == "Windows_11":
        raise InvalidRequest(
            f"Protocol: Windows 11 ({basis}) does not support PCOIP with "
            "ImportCustomWorkspaceImage; set Protocol to DCV (or BYOP)"
        )
