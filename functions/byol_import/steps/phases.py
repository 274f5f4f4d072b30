"""The AMI's status tags follow the import's phase: each step that enters a phase writes
`byol-import:status` and `byol-import:status-since` once. A tag that cannot be written never
fails the import: the step goes on, and says so in its log."""

from __future__ import annotations

from byol_import import clock, errors
from byol_import.gateways.protocols import Ec2Api
from byol_import.observability import logger
from byol_import.settings import STATUS_SINCE_TAG_KEY, STATUS_TAG_KEY


def since() -> str:
    """ISO 8601 UTC, to the second: when the phase was entered."""
    return clock.now().replace(microsecond=0).isoformat().replace("+00:00", "Z")


def status_tags(phase: str) -> dict[str, str]:
    return {STATUS_TAG_KEY: phase, STATUS_SINCE_TAG_KEY: since()}


def enter_phase(ec2: Ec2Api, ami: str | None, phase: str) -> None:
    if not ami:
        return
    logger.append_keys(phase=phase)
    try:
        ec2.tag_image(ami, status_tags(phase))
    except errors.ByolImportError as exc:
        logger.warning("could not tag the AMI with its phase", extra={"reason": str(exc)})
        return
    logger.info("phase entered", extra={"status": phase})
