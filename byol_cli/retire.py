"""`retire`: delete a WorkSpaces image byol-import created, in the order AWS requires.

DeleteWorkspaceImage refuses while a bundle uses the image or while it is shared, so in each
Region: our bundles of the image first, then every share, then the image. The plan is read whole
before anything changes, and refuses what retire must not touch: an image without our
managed-by tag, a bundle that is not ours (rollback-bundle or UpdateWorkspaceBundle moves it), a
bundle with WorkSpaces, an image still PENDING. Re-running after a stop picks up where it ended:
what is gone is skipped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from byol_cli import contract as c
from byol_cli.gateway import CliError
from byol_cli.images_gateway import ImagesGateway
from byol_cli.rollback import NOTHING_CHANGED
from byol_import import clock


@dataclass(frozen=True)
class Bundle:
    bundle_id: str
    name: str


@dataclass
class RegionPlan:
    region: str
    image_id: str
    exists: bool
    bundles: list[Bundle] = field(default_factory=list)
    shared_with: list[str] = field(default_factory=list)

    def steps(self) -> list[tuple[str, Callable[[ImagesGateway], None]]]:
        """(what, do) in the order AWS requires."""
        if not self.exists:
            return []
        region, image = self.region, self.image_id
        out: list[tuple[str, Callable[[ImagesGateway], None]]] = [
            (
                f"delete bundle {b.bundle_id} ({b.name}) in {region}",
                partial(ImagesGateway.delete_bundle, bundle_id=b.bundle_id, region=region),
            )
            for b in self.bundles
        ]
        out += [
            (
                f"unshare {image} with account {account} in {region}",
                partial(ImagesGateway.unshare, image_id=image, account=account, region=region),
            )
            for account in self.shared_with
        ]
        out.append(
            (
                f"delete image {image} in {region}",
                partial(ImagesGateway.delete_image, image_id=image, region=region),
            )
        )
        return out


@dataclass
class RetirePlan:
    ami: str | None
    home: RegionPlan
    copies: list[RegionPlan]
    kept_copies: str | None  # the AMI's copies tag, when --with-copies was not given
    tag_ami: bool  # the AMI's image tag names the retired image: mark the AMI RETIRED

    def lines(self) -> list[str]:
        out = [
            f"Retire {self.home.image_id}" + (f" (imported from {self.ami})" if self.ami else "")
        ]
        for region in (self.home, *self.copies):
            if not region.exists:
                out.append(f"  {region.image_id} in {region.region}: already gone, nothing to do")
        steps = [what for what, _ in self.steps()]
        out += [f"  {i}. {what}" for i, what in enumerate(steps, 1)]
        if self.tag_ami:
            out.append(f"  then tag {self.ami} {c.STATUS_TAG_KEY}={c.RETIRED}")
        if self.kept_copies:
            out.append(f"  copies kept (--with-copies retires them too): {self.kept_copies}")
        return out

    def steps(self) -> list[tuple[str, Callable[[ImagesGateway], None]]]:
        return [step for region in (self.home, *self.copies) for step in region.steps()]


def parse_copies(value: str) -> list[tuple[str, str]]:
    """The AMI's copies tag, `region=wsi-...,...`, as (region, image) pairs."""
    pairs = []
    for item in filter(None, (part.strip() for part in value.split(","))):
        region, sep, image = item.partition("=")
        if not sep or not region or not image.startswith("wsi-"):
            raise CliError(
                f"the AMI's {c.COPIES_TAG_KEY} tag is not region=wsi-...,...: {value!r}. "
                + NOTHING_CHANGED
            )
        pairs.append((region.strip(), image.strip()))
    return pairs


def _resolve(gateway: ImagesGateway, target: str) -> tuple[str | None, str, dict[str, str]]:
    """(AMI, image, the AMI's tags) of an AMI id or a wsi- id."""
    if target.startswith("ami-"):
        tags = gateway.ami_tags(target)
        if tags is None:
            raise CliError(f"no AMI {target} in {gateway.region}. {NOTHING_CHANGED}")
        image = tags.get(c.IMAGE_ID_TAG_KEY)
        if not image:
            raise CliError(
                f"{target} has no {c.IMAGE_ID_TAG_KEY} tag: byol-import made no WorkSpaces image "
                f"of it (or its import has not finished). {NOTHING_CHANGED}"
            )
        return target, image, tags
    if target.startswith("wsi-"):
        image_tags = gateway.tags(target)
        if image_tags is None:
            raise CliError(f"no WorkSpaces image {target} in {gateway.region}. {NOTHING_CHANGED}")
        ami = image_tags.get(c.SOURCE_AMI_TAG_KEY)
        ami_tags = (gateway.ami_tags(ami) if ami else None) or {}
        if ami_tags.get(c.IMAGE_ID_TAG_KEY) != target:
            return None, target, {}  # the AMI is gone, or records another import of it
        return ami, target, ami_tags
    raise CliError(f"name an AMI (ami-...) or a WorkSpaces image (wsi-...), not {target!r}")


def _foreign_advice(bundle: dict[str, object], tags: dict[str, str], image: str) -> str:
    bundle_id = bundle["BundleId"]
    head = f"bundle {bundle_id} ({bundle.get('Name')}) uses {image} and is not byol-import's"
    previous = tags.get(c.PREVIOUS_IMAGE_TAG_KEY)
    if previous:
        return (
            f"{head}: byol-import updated it from {previous}; `byol-import rollback-bundle "
            f"{bundle_id}` puts it back on that image"
        )
    return f"{head}: move it to another image (UpdateWorkspaceBundle) or delete it first"


def region_plan(gateway: ImagesGateway, region: str, image_id: str) -> RegionPlan:
    image = gateway.image(image_id, region)
    if image is None:
        return RegionPlan(region, image_id, exists=False)
    tags = gateway.tags(image_id, region) or {}
    if tags.get(c.MANAGED_BY_TAG_KEY) != c.MANAGED_BY_TAG_VALUE:
        raise CliError(
            f"{image_id} in {region} has no {c.MANAGED_BY_TAG_KEY}={c.MANAGED_BY_TAG_VALUE} tag: "
            f"retire deletes only images byol-import created. {NOTHING_CHANGED}"
        )
    if image.get("State") == "PENDING":
        raise CliError(
            f"{image_id} in {region} is PENDING (its import or copy is still running): AWS "
            f"deletes it only once it has ended. {NOTHING_CHANGED}"
        )
    ours: list[Bundle] = []
    refusals: list[str] = []
    for bundle in gateway.bundles(region):
        if bundle.get("ImageId") != image_id:
            continue
        bundle_id = str(bundle["BundleId"])
        bundle_tags = gateway.tags(bundle_id, region) or {}
        if bundle_tags.get(c.MANAGED_BY_TAG_KEY) != c.MANAGED_BY_TAG_VALUE:
            refusals.append(_foreign_advice(bundle, bundle_tags, image_id))
            continue
        workspaces = gateway.workspaces_of(bundle_id, region)
        if workspaces:
            shown = ", ".join(workspaces[:5]) + (" ..." if len(workspaces) > 5 else "")
            refusals.append(
                f"bundle {bundle_id} ({bundle.get('Name')}) has {len(workspaces)} WorkSpaces "
                f"({shown}): a bundle with WorkSpaces cannot be deleted; move them to another "
                "bundle or terminate them first"
            )
            continue
        ours.append(Bundle(bundle_id, str(bundle.get("Name", ""))))
    if refusals:
        raise CliError("\n".join([*refusals, NOTHING_CHANGED]))
    return RegionPlan(region, image_id, True, ours, gateway.shared_with(image_id, region))


def plan(gateway: ImagesGateway, target: str, with_copies: bool) -> RetirePlan:
    """Everything retire would do, read before anything changes (or CliError: why not)."""
    ami, image_id, ami_tags = _resolve(gateway, target)
    home = region_plan(gateway, gateway.region, image_id)
    copies_tag = ami_tags.get(c.COPIES_TAG_KEY, "")
    copies = []
    if with_copies:
        copies = [region_plan(gateway, r, i) for r, i in parse_copies(copies_tag)]
    tag_ami = ami is not None and ami_tags.get(c.IMAGE_ID_TAG_KEY) == image_id
    return RetirePlan(ami, home, copies, None if with_copies else copies_tag or None, tag_ami)


def execute(gateway: ImagesGateway, retire: RetirePlan, report: Callable[[str], None]) -> None:
    """Every step in order, each reported; a refusal stops with AWS's message and what was done."""
    done: list[str] = []
    for what, do in retire.steps():
        try:
            do(gateway)
        except CliError as error:
            report(f"  FAILED {what}: {error.message}")
            already = "; ".join(done) if done else "nothing"
            raise CliError(
                f"retire stopped at: {what}: {error.message}\nDone before it: {already}.\n"
                "Fix the cause, then run the same retire again: it skips what is gone."
            ) from error
        done.append(what)
        report(f"  done: {what}")
    if retire.tag_ami and retire.ami is not None:
        since = clock.now().replace(microsecond=0).isoformat().replace("+00:00", "Z")
        try:
            gateway.tag_ami(
                retire.ami, {c.STATUS_TAG_KEY: c.RETIRED, c.STATUS_SINCE_TAG_KEY: since}
            )
        except CliError as error:
            raise CliError(
                f"the image is retired, but {retire.ami} could not be tagged "
                f"{c.STATUS_TAG_KEY}={c.RETIRED}: {error.message}"
            ) from error
        report(f"  done: tag {retire.ami} {c.STATUS_TAG_KEY}={c.RETIRED}")
