"""What was delivered, as a person and the other commands read it: the AMI's tags (the bundle,
each copy `<region>=<wsi>`, each share: `byol-import retire` and `rollback-bundle` read them) and
the notification's lines."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from byol_import.logic.delivery import copies_tag_value
from byol_import.settings import COPIES_TAG_KEY, SHARES_TAG_KEY


def done(delivered: Mapping[str, Any]) -> str:
    parts = []
    if delivered.get("bundle"):
        bundle = delivered["bundle"]
        parts.append(f"bundle {bundle['id']} ({bundle['action']})")
    parts += [f"shared with {s['account']}" for s in delivered.get("shares", []) if s["shared"]]
    parts += [f"copy {c['image_id']} in {c['region']}" for c in delivered.get("copies", [])]
    return ", ".join(parts) or "nothing"


def delivery_tags(delivered: Mapping[str, Any]) -> dict[str, str]:
    """The AMI's record of what was delivered (read by `byol-import retire`/`rollback-bundle`)."""
    tags = {}
    if delivered.get("copies"):
        tags[COPIES_TAG_KEY] = copies_tag_value(delivered["copies"])[:255]
    shared = [s["account"] for s in delivered.get("shares", []) if s["shared"]]
    if shared:
        tags[SHARES_TAG_KEY] = ",".join(shared)[:255]
    return tags


def delivery_lines(delivered: Mapping[str, Any] | None) -> tuple[str, ...]:
    """What the notification says was delivered: the bundle, each share, each copy."""
    if not delivered:
        return ()
    lines = []
    bundle = delivered.get("bundle")
    if bundle and bundle.get("action") == "updated":
        lines.append(
            f"Bundle {bundle['id']} ({bundle.get('name')}) now uses the image (it used "
            f"{bundle.get('previous_image')}: byol-import rollback-bundle {bundle['id']} puts "
            "it back). New and rebuilt WorkSpaces get the image; existing ones keep theirs "
            "until rebuilt."
        )
    elif bundle:
        lines.append(f"Bundle {bundle['id']} ({bundle.get('name')}) was created from the image.")
    for share in delivered.get("shares", []):
        lines.append(
            f"Shared with account {share['account']}: it can copy the image and make bundles "
            "from its copy."
            if share["shared"]
            else f"Not shared with account {share['account']}: {share['reason']}"
        )
    for copy in delivered.get("copies", []):
        lines.append(f"Copy in {copy['region']}: {copy['image_id']} ({copy['state']}).")
    return tuple(lines)
