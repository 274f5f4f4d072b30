"""Decisions on WorkSpaces images: poll outcomes and which images are ours. Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Final, Literal

from byol_import import errors
from byol_import.logic.error_details import remedies
from byol_import.settings import MANAGED_BY_TAG_KEY, MANAGED_BY_TAG_VALUE, SOURCE_AMI_TAG_KEY

ImageStatus = Literal["PENDING", "AVAILABLE", "ERROR"]

MAX_REASON: Final = 1000


@dataclass(frozen=True)
class ImagePoll:
    image_id: str
    state: ImageStatus
    error_code: str | None = None
    error_message: str | None = None
    error_details: list[str] = field(default_factory=list)
    # DescribeWorkspaceImages has returned the image at least once
    seen: bool = True

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def failure_reason(self) -> str:
        """AWS's codes and text, then what to do for each ErrorDetails code (error_details.py).
        The codes come first, so a cut at MAX_REASON loses remedies before codes."""
        details = ", ".join(self.error_details) or "none"
        reason = (
            f"WorkSpaces image {self.image_id} ended in ERROR: "
            f"{self.error_code or 'no ErrorCode'}: {self.error_message or 'no ErrorMessage'}; "
            f"ErrorDetails: {details}."
        )
        fixes = remedies(self.error_details)
        if fixes:
            reason += " To do: " + " | ".join(fixes)
        reason += " Fix the AMI (run the BYOL checker, Sysprep) and import again"
        if len(reason) > MAX_REASON:
            reason = reason[: MAX_REASON - 3].rstrip() + "..."
        return reason


def image_poll(
    image_id: str, image: Mapping[str, Any] | None, seen_before: bool = True
) -> ImagePoll:
    """A new image may be missing from DescribeWorkspaceImages for a while after the import
    returned (eventual consistency): PENDING until first seen (the poll loop is bounded); an
    image that was seen and then vanished was deleted."""
    if image is None and not seen_before:
        return ImagePoll(image_id=image_id, state="PENDING", seen=False)
    if image is None:
        raise errors.ImageImportFailed(
            f"WorkSpaces image {image_id} disappeared while importing: someone deleted it"
        )
    state = image.get("State")
    if state not in ("PENDING", "AVAILABLE", "ERROR"):
        raise errors.WorkSpacesError(f"WorkSpaces image {image_id} has unknown state {state!r}")
    details = [
        str(d.get("ErrorCode")) for d in image.get("ErrorDetails") or [] if d.get("ErrorCode")
    ]
    return ImagePoll(
        image_id=image_id,
        state=state,
        error_code=image.get("ErrorCode"),
        error_message=image.get("ErrorMessage"),
        error_details=details,
    )


def our_tags(source_ami: str, user_tags: Mapping[str, str]) -> list[dict[str, str]]:
    """Tags for the WorkSpaces image: the user's plus our managed-by and source markers."""
    tags = dict(user_tags)
    tags[MANAGED_BY_TAG_KEY] = MANAGED_BY_TAG_VALUE
    tags[SOURCE_AMI_TAG_KEY] = source_ami
    return [{"Key": k, "Value": v} for k, v in tags.items()]


def is_ours(tags: Sequence[Mapping[str, str]], source_ami: str) -> bool:
    """An image is ours to adopt or delete only with our marker and the same source AMI."""
    found = {t.get("Key"): t.get("Value") for t in tags}
    return (
        found.get(MANAGED_BY_TAG_KEY) == MANAGED_BY_TAG_VALUE
        and found.get(SOURCE_AMI_TAG_KEY) == source_ami
    )
