"""`rollback-bundle`: put a bundle byol-import updated back on the image it had before.

The delivery that updated the bundle tagged it `previous-image-id` (the image it replaced) and
`workspaces-image-id` (the one it put there). A rollback updates the bundle to the previous image
and swaps the two tags, so a second rollback undoes the first.
"""

from __future__ import annotations

from dataclasses import dataclass

from byol_cli import contract as c
from byol_cli.gateway import CliError
from byol_cli.images_gateway import ImagesGateway

NOTHING_CHANGED = "Nothing was changed."


@dataclass(frozen=True)
class RollbackPlan:
    bundle_id: str
    name: str
    region: str
    current: str  # the image the bundle has now
    previous: str  # the image it goes back to
    tagged: str | None  # the image byol-import recorded putting there

    def lines(self) -> list[str]:
        out = [
            f"Bundle {self.bundle_id} ({self.name}) in {self.region}:",
            f"  image {self.current} -> {self.previous} (the image it had before byol-import "
            "updated it)",
            f"  tags: {c.PREVIOUS_IMAGE_TAG_KEY}={self.current}, "
            f"{c.IMAGE_ID_TAG_KEY}={self.previous} (a second rollback-bundle undoes this one)",
            "  Existing WorkSpaces of the bundle keep their image until they are rebuilt; "
            "WorkSpaces launched from now on get the previous image.",
        ]
        if self.tagged is not None and self.tagged != self.current:
            out.append(
                f"  Note: byol-import put {self.tagged} on the bundle, but it has {self.current}"
                " now (changed outside byol-import): the rollback replaces that change too."
            )
        return out


def plan(gateway: ImagesGateway, bundle_id: str) -> RollbackPlan:
    """What a rollback of the bundle would do, or why it cannot (CliError, nothing changed)."""
    bundle = gateway.bundle(bundle_id)
    if bundle is None:
        raise CliError(f"no bundle {bundle_id} in {gateway.region}. {NOTHING_CHANGED}")
    name, current = str(bundle.get("Name", "")), str(bundle.get("ImageId", ""))
    tags = gateway.tags(bundle_id) or {}
    previous = tags.get(c.PREVIOUS_IMAGE_TAG_KEY)
    if not previous:
        raise CliError(
            f"bundle {bundle_id} ({name}) has no {c.PREVIOUS_IMAGE_TAG_KEY} tag: byol-import never "
            "updated it, so there is no image to roll back to (UpdateWorkspaceBundle names one "
            f"by hand). {NOTHING_CHANGED}"
        )
    if previous == current:
        raise CliError(
            f"bundle {bundle_id} ({name}) already has {previous}, the image its "
            f"{c.PREVIOUS_IMAGE_TAG_KEY} tag names. {NOTHING_CHANGED}"
        )
    image = gateway.image(previous)
    if image is None:
        raise CliError(
            f"the previous image {previous} of bundle {bundle_id} no longer exists (retired or "
            f"deleted): the bundle stays on {current}. {NOTHING_CHANGED}"
        )
    if image.get("State") != "AVAILABLE":
        raise CliError(
            f"the previous image {previous} is {image.get('State')}, not AVAILABLE: a bundle "
            f"can use only an AVAILABLE image. {NOTHING_CHANGED}"
        )
    return RollbackPlan(
        bundle_id, name, gateway.region, current, previous, tags.get(c.IMAGE_ID_TAG_KEY)
    )


def apply(gateway: ImagesGateway, rollback: RollbackPlan) -> None:
    """UpdateWorkspaceBundle, then the swapped tags. A tagging failure after the update says
    what the tags must become (the bundle has moved already)."""
    gateway.update_bundle(rollback.bundle_id, rollback.previous)
    tags = {c.PREVIOUS_IMAGE_TAG_KEY: rollback.current, c.IMAGE_ID_TAG_KEY: rollback.previous}
    try:
        gateway.set_tags(rollback.bundle_id, tags)
    except CliError as error:
        wanted = ", ".join(f"{k}={v}" for k, v in tags.items())
        raise CliError(
            f"bundle {rollback.bundle_id} is on {rollback.previous} now, but its tags could not "
            f"be updated ({error.message}): set {wanted} on it by hand, or a next rollback-bundle "
            "would go to the wrong image"
        ) from error
