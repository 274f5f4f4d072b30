"""`start`: a console start (or a trigger tag), against the stack or in a `--local` account."""

from __future__ import annotations

import sys
from typing import Any

import click

from byol_cli import local, render, requests, start_options
from byol_cli.approval import PendingApproval
from byol_cli.gateway import Gateway
from byol_cli.start_options import MethodAndDelivery
from byol_cli.status import collect
from byol_import.errors import InvalidRequest
from byol_import.logic.delivery import DeliveryRequest, Place
from byol_import.logic.ids import AMI_ID_PATTERN
from byol_import.logic.tag_value import parse_tag_value
from byol_import.triggers import TRIGGERS
from local_aws.place import ACCOUNT_ID, REGION

LOCAL_PLACE = Place(ACCOUNT_ID, REGION)


@click.command()
@click.argument("ami", required=False)
@click.option("--input", "input_text", metavar="FILE|JSON", help="The console's JSON input.")
@click.option("--ingestion-process", help="IngestionProcess, e.g. BYOL_REGULAR_WSP.")
@click.option("--os-version", help="OsVersion: Windows_10 or Windows_11.")
@click.option("--image-name", help="ImageName of the WorkSpaces image.")
@click.option("--image-description", help="ImageDescription.")
@click.option("--application", "applications", multiple=True, help="Applications entry.")
@click.option("--image-tag", "tags", multiple=True, metavar="KEY=VALUE", help="Tags entry.")
@start_options.options
@click.option(
    "--trigger-tag",
    metavar="VALUE",
    help="Tag the AMI with the trigger tag and this value instead (the EventBridge path).",
)
@click.option("--no-check", is_flag=True, help="Send input the workflow will refuse.")
@click.option("--ami-os", type=click.Choice(local.AMI_OS_CHOICES), help="--local: the AMI's OS.")
@click.option("--byol-enabled", is_flag=True, help="--local: the account has BYOL already.")
@click.option("--approve", "approve_flag", is_flag=True, help="--local: approve the enablement.")
@click.option("--reject", "reject_reason", metavar="REASON", help="--local: reject it.")
@click.pass_obj
def start(
    obj: Any,
    ami: str | None,
    input_text: str | None,
    ingestion_process: str | None,
    os_version: str | None,
    image_name: str | None,
    image_description: str | None,
    applications: tuple[str, ...],
    tags: tuple[str, ...],
    trigger_tag: str | None,
    no_check: bool,
    ami_os: str | None,
    byol_enabled: bool,
    approve_flag: bool,
    reject_reason: str | None,
    **more: Any,
) -> None:
    """Start an import of AMI, as the Step Functions console does (same validation).

    A --local run's account is fresh, so it enables BYOL in each Region the import copies to
    (--copy-to, or the tag value's or configured CopyToRegions) and makes each account it shares
    with a member of its organization, BYOL enabled in the home Region."""
    config = obj.config
    extra = MethodAndDelivery.take(more)
    options = (ingestion_process, os_version, image_name, image_description)
    others = any(options) or applications or tags or extra.given()
    if input_text is not None:
        if ami or others or trigger_tag is not None:
            raise click.UsageError("--input carries the whole request: no AMI or other option")
        raw = requests.read_input(input_text)
    elif ami is None:
        raise click.UsageError("name the AMI, or give --input")
    elif trigger_tag is not None:
        if others:
            raise click.UsageError("--trigger-tag starts from the tag value alone")
        raw = {"ImageId": ami}
    else:
        raw = requests.from_options(ami, *options, applications, tags)
        raw.update(start_options.request_fields(extra))
    place = LOCAL_PLACE if obj.local else None
    if not no_check:
        if trigger_tag is not None:
            requests.check_tag_value(trigger_tag, config)
        requests.check(_as_started(raw, trigger_tag), config, place)
    if not obj.local:
        if ami_os or byol_enabled or approve_flag or reject_reason is not None:
            raise click.UsageError(
                "--ami-os, --byol-enabled, --approve and --reject are for --local runs; "
                "a deployed import's decision is `byol-import approve` / `reject`"
            )
        gateway = obj.gateway()
        if not no_check:  # the stack's account and Region are known now
            place = requests.place_of(gateway.resources.state_machine_arn)
            requests.check(_as_started(raw, trigger_tag), config, place)
        _start_deployed(gateway, raw, trigger_tag, config.trigger_tag_key)
        return
    failed = _start_local(
        config, raw, trigger_tag, ami_os, byol_enabled, approve_flag, reject_reason
    )
    if failed:
        sys.exit(1)


def _as_started(raw: Any, trigger_tag: str | None) -> Any:
    """The input the workflow gets: from the starter, with the tag value, for --trigger-tag."""
    if trigger_tag is None or not isinstance(raw, dict):
        return raw
    return {**raw, "Trigger": {"Source": TRIGGERS[0].source, "TagValue": trigger_tag}}


def _delivery(raw: Any, config: Any) -> DeliveryRequest | None:
    """What the import will deliver (None also for input the workflow refuses: --no-check)."""
    try:
        return requests.check(raw, config, LOCAL_PLACE).delivery
    except requests.Refused:
        return None


def _start_deployed(gateway: Gateway, raw: Any, trigger_tag: str | None, tag_key: str) -> None:
    ami = raw.get("ImageId") if isinstance(raw, dict) else None
    if trigger_tag is not None:
        gateway.tag_ami(str(ami), tag_key, trigger_tag)
        render.say(f"Tagged {ami} {tag_key}={trigger_tag}: the starter takes it from here.")
    else:
        arn = gateway.start_execution(requests.execution_name(raw), raw)
        render.say(f"Started {arn}")
    if ami:
        render.say(f"Follow it: byol-import watch {ami}")


def _decide(approve_flag: bool, reason: str | None) -> local.Decide:
    def decide(waiting: PendingApproval) -> bool | str | None:
        render.pending_approval(waiting)
        if approve_flag:
            return True
        if reason is not None:
            return reason
        if sys.stdin.isatty():  # the run's virtual time waits for the answer
            if click.confirm("Approve?", default=False):
                return True
            return str(click.prompt("Reason for rejecting"))
        return None

    return decide


def _start_local(
    config: Any,
    raw: Any,
    trigger_tag: str | None,
    ami_os: str | None,
    byol_enabled: bool,
    approve_flag: bool,
    reason: str | None,
) -> bool:
    """Run the import in a fresh local account; True when it failed."""
    ami = raw.get("ImageId") if isinstance(raw, dict) else None
    wanted_os = raw.get("OsVersion") if isinstance(raw, dict) else None
    if trigger_tag is not None and wanted_os is None:
        try:
            wanted_os = parse_tag_value(trigger_tag, config.trigger_tag_key).os_version
        except InvalidRequest:
            wanted_os = None
    delivery = _delivery(_as_started(raw, trigger_tag), config)
    with local.session(config, byol_enabled=byol_enabled) as s:
        if isinstance(ami, str) and AMI_ID_PATTERN.fullmatch(ami):
            os_name = ami_os or local.AMI_OS.get(str(wanted_os), "windows-11")
            if s.ensure_ami(ami, os_name):
                render.say(f"  * local account {s.aws.lambdas.account_id}: made {ami} ({os_name})")
            s.log.watch = local.progress(s.log, [ami])
        if delivery is not None:
            for line in local.prepare_delivery(s, delivery):
                render.say(f"  * {line}")
        if trigger_tag is not None:
            s.gateway.tag_ami(str(ami), config.trigger_tag_key, trigger_tag)
            render.say(f"  * tagged {ami} {config.trigger_tag_key}={trigger_tag}")
        else:
            arn = s.gateway.start_execution(requests.execution_name(raw), raw)
            render.say(f"  * started {arn.rsplit(':', 1)[-1]}")

        def left_waiting() -> None:
            render.status_table(collect(s.gateway, config))
            render.say(
                "Left waiting for the decision: this local account ends with the command. Run "
                'it again with --approve or --reject "reason" (or answer the prompt in a '
                "terminal)."
            )

        ended = s.run(_decide(approve_flag, reason), left_waiting)
        if not ended:
            return False
        rows = collect(s.gateway, config)
        render.status_table(rows)
        cidr = s.management_cidr()
        render.say(f"Management CIDR: {cidr or 'none (BYOL not enabled)'}")
        if delivery is not None and isinstance(ami, str):
            for line in s.delivered(ami):
                render.say(f"Delivered: {line}")
        for subject, message in s.notifications():
            render.say(f"Notification: {subject}\n{message}")
        return any(r.phase != "AVAILABLE" for r in rows) or not rows
