"""`byol-import`: see, steer and try imports (click commands; AWS calls in gateway.py)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

import click

from byol_cli import approval, render, start_command, undo_commands
from byol_cli.demo import SCENARIOS, run, run_all
from byol_cli.gateway import CliError, Gateway
from byol_cli.status import collect
from byol_cli.watch import retry, watch_until_done
from stacks import config as project_config


@dataclass
class Context:
    config: project_config.ProjectConfig
    local: bool
    stack: str
    region: str | None
    profile: str | None

    def gateway(self) -> Gateway:
        return Gateway.deployed(self.stack, self.region, self.profile)


def _config(settings: tuple[str, ...]) -> project_config.ProjectConfig:
    """cdk.json's byolImport, then each `--set key=value` over it (as `cdk -c` does)."""
    context: dict[str, Any] = {"byolImport": project_config.load_cdk_json_context()}
    for item in settings:
        key, sep, value = item.partition("=")
        if not sep:
            raise click.BadParameter(f"write KEY=VALUE; got {item!r}", param_hint="--set")
        context[f"byolImport.{key}"] = value
    try:
        return project_config.from_app_context(context)
    except project_config.ConfigError as error:
        raise click.BadParameter(str(error), param_hint="--set") from error


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--local", is_flag=True, help="Run against the embedded local AWS (no account).")
@click.option("--stack", help="The deployed stack's name [default: config stackName].")
@click.option("--region", help="AWS Region [default: the AWS CLI's].")
@click.option("--profile", help="AWS profile [default: the AWS CLI's].")
@click.option(
    "--set",
    "settings",
    multiple=True,
    metavar="KEY=VALUE",
    help="A byolImport setting over cdk.json's (for --local runs and defaults).",
)
@click.pass_context
def cli(
    ctx: click.Context,
    local: bool,
    stack: str | None,
    region: str | None,
    profile: str | None,
    settings: tuple[str, ...],
) -> None:
    """See, steer and trust every BYOL import: a deployed stack, or --local."""
    config = _config(settings)
    ctx.obj = Context(config, local, stack or config.stack_name, region, profile)


def _fresh_world(what: str) -> None:
    raise CliError(
        f"--local {what}: each --local command runs in a fresh account of its own, so there is "
        "nothing to show there yet; `byol-import --local start ...` runs an import and ends "
        "with this table"
    )


@cli.command()
@click.argument("ami", required=False)
@click.option("--limit", default=50, show_default=True, help="Executions to read, newest first.")
@click.option("--json", "as_json", is_flag=True, help="JSON (imports and pending decision).")
@click.pass_obj
def status(obj: Context, ami: str | None, limit: int, as_json: bool) -> None:
    """Every import: AMI, phase, since, expected finish, WorkSpaces image, error, what to do."""
    if obj.local:
        _fresh_world("status")
    gateway = obj.gateway()
    rows = collect(gateway, obj.config, ami, limit)
    waiting = approval.pending(gateway)
    if as_json:
        pending = None if waiting is None else {**asdict(waiting), "token": "(on the lock item)"}
        click.echo(json.dumps({"imports": [r.to_json() for r in rows], "pending": pending}))
        return
    render.status_table(rows)
    if waiting is not None:
        render.pending_approval(waiting)


@cli.command()
@click.option("--cidr", help="Approve only if this is the management CIDR asked about.")
@click.pass_obj
def approve(obj: Context, cidr: str | None) -> None:
    """Approve enabling BYOL with the management CIDR the waiting import chose."""
    if obj.local:
        raise CliError(
            "--local approve: a local account lives for one command; approve in the run that "
            "asks: `byol-import --local start AMI --approve` (or answer its prompt)"
        )
    waiting = approval.approve(obj.gateway(), cidr)
    render.say(f"Approved: BYOL enablement with {waiting.cidr} ({waiting.ami}).")


@cli.command()
@click.option("--reason", required=True, help="Why: it goes into the execution's failure.")
@click.pass_obj
def reject(obj: Context, reason: str) -> None:
    """Reject enabling BYOL: the waiting import fails with EnablementRejected."""
    if obj.local:
        raise CliError(
            "--local reject: reject in the run that asks: "
            '`byol-import --local start AMI --reject "reason"`'
        )
    waiting = approval.reject(obj.gateway(), reason)
    render.say(f"Rejected: BYOL enablement with {waiting.cidr} ({waiting.ami}).")


@cli.command("retry")
@click.argument("ami")
@click.pass_obj
def retry_command(obj: Context, ami: str) -> None:
    """Retry the AMI's failed import: its input again, under the deterministic retry name."""
    if obj.local:
        raise CliError(
            "--local retry: a local account lives for one command, so nothing failed there "
            "yet; `byol-import demo --scenario retry` fails an import, then retries it with "
            "this command's code"
        )
    arn = retry(obj.gateway(), obj.config, ami)
    render.say(f"Retry started: {arn}\nFollow it: byol-import watch {ami}")


@cli.command()
@click.argument("ami", required=False)
@click.option("--interval", default=60, show_default=True, help="Seconds between looks.")
@click.pass_obj
def watch(obj: Context, ami: str | None, interval: int) -> None:
    """Live progress: one line per phase change, until the running imports end."""
    if obj.local:
        _fresh_world("watch")
    watch_until_done(obj.gateway(), obj.config, ami, interval)


@cli.command()
@click.option("--scenario", type=click.Choice(sorted(SCENARIOS)), default="byol-disabled")
@click.option("--all", "every", is_flag=True, help="Every scenario, each against its expectation.")
@click.option("--quiet", is_flag=True, help="No phase lines.")
@click.pass_obj
def demo(obj: Context, scenario: str, every: bool, quiet: bool) -> None:
    """Whole imports on the embedded local AWS (always local); exits non-zero only when an
    outcome differs from the scenario's expectation."""
    ok = run_all(obj.config) if every else run(scenario, obj.config, quiet).as_expected
    if not ok:
        raise CliError("an outcome differs from what its scenario expects")


cli.add_command(start_command.start)
cli.add_command(undo_commands.rollback_bundle)
cli.add_command(undo_commands.retire_command)


def main() -> None:
    cli(prog_name="byol-import")
