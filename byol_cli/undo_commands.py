"""`rollback-bundle` and `retire`: undo a delivery, against AWS or in a `--local` account."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click

from byol_cli import local, local_delivery, render, retire, rollback
from byol_cli.gateway import CliError
from byol_cli.images_gateway import ImagesGateway

# Sets up a --local account for the command (what it undoes); returns the lines to print.
Setup = Callable[[local.LocalSession], list[str]]


@contextmanager
def _gateway(obj: Any, setup: Setup) -> Iterator[ImagesGateway]:
    """The operator's gateway: deployed (their credentials, any stack or none), or a fresh
    local account that `setup` fills first."""
    if not obj.local:
        yield ImagesGateway.deployed(obj.region, obj.profile)
        return
    with local.session(obj.config, byol_enabled=True, quiet=True) as s:
        render.say(f"Local account {s.aws.lambdas.account_id}, made for this command:")
        for line in setup(s):
            render.say(f"  * {line}")
        yield local_delivery.images_gateway(s.aws)


def _go_ahead(yes: bool) -> None:
    if not yes and not click.confirm("Go ahead?", default=False):
        raise CliError("not confirmed: nothing was changed")


@click.command("rollback-bundle")
@click.argument("bundle_id", metavar="WSB")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_obj
def rollback_bundle(obj: Any, bundle_id: str, yes: bool) -> None:
    """Put a bundle byol-import updated back on its previous image (its
    byol-import:previous-image-id tag); a second rollback undoes the first."""

    def setup(s: local.LocalSession) -> list[str]:
        if not bundle_id.startswith("wsb-"):
            raise click.BadParameter("a bundle id: wsb-...", param_hint="WSB")
        return local_delivery.updated_bundle(s, bundle_id)

    with _gateway(obj, setup) as gateway:
        planned = rollback.plan(gateway, bundle_id)
        for line in planned.lines():
            render.say(line)
        _go_ahead(yes)
        rollback.apply(gateway, planned)
        render.say(
            f"Rolled back: bundle {planned.bundle_id} ({planned.name}) is on {planned.previous} "
            f"(was {planned.current}).\nUndo: byol-import rollback-bundle {planned.bundle_id}"
        )


@click.command("retire")
@click.argument("target", metavar="AMI_OR_WSI")
@click.option("--with-copies", is_flag=True, help="Also our copies in other Regions.")
@click.option("--dry-run", is_flag=True, help="Print the plan and change nothing.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_obj
def retire_command(obj: Any, target: str, with_copies: bool, dry_run: bool, yes: bool) -> None:
    """Delete a WorkSpaces image byol-import created: its bundles (ours) first, then its
    shares, then the image; with --with-copies, the same in every Region it was copied to."""

    def setup(s: local.LocalSession) -> list[str]:
        if not target.startswith("ami-"):
            raise click.BadParameter(
                "--local retire takes an AMI id: the local account imports and delivers it "
                "first (the wsi- id is the import's)",
                param_hint="AMI_OR_WSI",
            )
        return local_delivery.delivered(s, target, with_copies)

    with _gateway(obj, setup) as gateway:
        planned = retire.plan(gateway, target, with_copies)
        for line in planned.lines():
            render.say(line)
        if not planned.steps() and not planned.tag_ami:
            render.say("Nothing to do.")
            return
        if dry_run:
            render.say("Dry run: nothing was changed.")
            return
        _go_ahead(yes)
        retire.execute(gateway, planned, render.say)
        render.say(f"Retired {planned.home.image_id}.")
