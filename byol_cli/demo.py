"""`make demo` (`byol-import demo`): whole imports on the embedded local AWS, each scenario with
the outcome it expects. It creates an account, Windows AMIs, tags them with the trigger tag
(CloudTrail's event, matched by the stack's own rule pattern, starts the starter), runs the
deployed ASL with the real handlers, approves the enablement the workflow asks for, and prints
one line per phase, then a summary: outcome, the management CIDR chosen, the notification."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from byol_cli import local, render
from byol_cli.local_delivery import COPY_REGION
from byol_cli.status import collect
from byol_cli.watch import retry
from local_aws.workspaces.config import CustomImportFault
from local_aws.workspaces_byol import Faults, ImportFault
from stacks.config import ProjectConfig

TAG_VALUE = "BYOL_REGULAR_WSP"
OPERATOR_DELAY = 600.0


@dataclass(frozen=True)
class Scenario:
    description: str
    expect_error: str | None  # None: every import succeeds; else each fails with this error
    byol_enabled: bool = False
    faults: Callable[[], Faults] = Faults
    amis: int = 1
    retry: bool = False  # after the run, `byol-import retry` each AMI and run again
    tag_value: str = TAG_VALUE
    deliver: bool = False  # ask (in the tag value) for a bundle, a copy and a share


SCENARIOS: dict[str, Scenario] = {
    "byol-disabled": Scenario("BYOL disabled: pick a CIDR, enable BYOL, import", None),
    "byol-enabled": Scenario(
        "BYOL already enabled: import only (no ModifyAccount)", None, byol_enabled=True
    ),
    "import-error": Scenario(
        "The import ends in ERROR: our image is deleted and the reason reported",
        "ImageImportFailed",
        byol_enabled=True,
        faults=lambda: Faults(import_errors={"*": ImportFault()}),
    ),
    "not-eligible": Scenario(
        "The account is not approved for BYOL: a terminal error that says what to do",
        "ByolNotEligible",
        faults=lambda: Faults(not_eligible=True),
    ),
    "many-amis": Scenario(
        "Five AMIs tagged in one CreateTags call on an account with BYOL disabled", None, amis=5
    ),
    "retry": Scenario(
        "The import is refused once (image quota); `byol-import retry` resumes it",
        None,
        byol_enabled=True,
        faults=lambda: Faults(
            errors={"ImportWorkspaceImage": {"ResourceLimitExceededException": 1}}
        ),
        retry=True,
    ),
    "image-builder": Scenario(
        "Import through ImportCustomWorkspaceImage (EC2 Image Builder), with its progress",
        None,
        byol_enabled=True,
        tag_value="ImportMethod=image-builder,Protocol=DCV",
    ),
    "image-builder-error": Scenario(
        "The Image Builder import ends in ERROR: its ErrorDetails reported, our image deleted",
        "ImageImportFailed",
        byol_enabled=True,
        faults=lambda: Faults(custom_import_errors={"*": CustomImportFault()}),
        tag_value="ImportMethod=image-builder,Protocol=DCV",
    ),
    "deliver": Scenario(
        "Import, then create a bundle, copy to a second BYOL Region, share with a member account",
        None,
        byol_enabled=True,
        deliver=True,
    ),
}


def _delivery_tag_value(s: local.LocalSession) -> str:
    """A second Region with BYOL enabled and a BYOL member of the organization; the tag value
    asks for a bundle, a copy there and a share with the member."""
    s.aws.enable_byol_in(COPY_REGION)
    member = s.aws.organization_member()
    return (
        f"IngestionProcess={TAG_VALUE},Bundle=create,BundleName=win11-gold,"
        f"CopyToRegions={COPY_REGION},ShareWithAccounts={member}"
    )


@dataclass
class Outcome:
    name: str
    as_expected: bool
    summary: list[str] = field(default_factory=list)


def _said(phase: str, error: str | None) -> str:
    return f"{phase} ({error})" if error else phase


def _fmt(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def run(name: str, config: ProjectConfig, quiet: bool = False) -> Outcome:
    scenario = SCENARIOS[name]
    out = render.say
    out(f"byol-import local demo: {name}: {scenario.description}")
    wall = time.perf_counter()
    with local.session(
        config, byol_enabled=scenario.byol_enabled, faults=scenario.faults(), quiet=quiet
    ) as s:
        amis = [
            s.aws.create_windows_ami(name=f"Windows-11-Enterprise-BYOL-{i + 1}")
            for i in range(scenario.amis)
        ]
        value = _delivery_tag_value(s) if scenario.deliver else scenario.tag_value
        out(f"  * tagging {', '.join(amis)} with {config.trigger_tag_key}={value}")
        s.log.watch = local.progress(s.log, amis)
        s.aws.tag_ami(amis, value=value)
        # the demo's operator approves what the workflow asks, 10 minutes after the email
        s.run(lambda _waiting: True, answer_after_seconds=OPERATOR_DELAY)
        if scenario.retry:
            for ami in amis:
                (row,) = collect(s.gateway, config, ami)
                out(f"  * {ami} {row.phase} ({row.error}); quota raised: byol-import retry {ami}")
                out(f"  * started {retry(s.gateway, config, ami).rsplit(':', 1)[-1]}")
            s.run(lambda _waiting: True, answer_after_seconds=OPERATOR_DELAY)
        rows = collect(s.gateway, config)
        results = {r.ami: r for r in rows}
        got = [
            (results[a].phase, results[a].error) if a in results else ("NOT STARTED", None)
            for a in amis
        ]
        wanted = (
            ("AVAILABLE", None)
            if scenario.expect_error is None
            else ("FAILED", scenario.expect_error)
        )
        as_expected = all(g == wanted for g in got)
        render.status_table(rows)
        cidr = s.management_cidr()
        virtual = s.aws.clock.elapsed().total_seconds()
        ws = s.aws.calls.count("workspaces")
        lines = [
            f"outcome: {', '.join(_said(*g) for g in got)}; expected {_said(*wanted)}: "
            + ("as expected" if as_expected else "NOT AS EXPECTED"),
            f"management CIDR: {cidr or 'none (BYOL not enabled)'}"
            + (f"; {'; '.join(s.decisions)}" if s.decisions else ""),
            f"virtual time {_fmt(virtual)} in {time.perf_counter() - wall:.1f} s wall; "
            f"WorkSpaces calls: {', '.join(f'{op} {n}' for op, n in sorted(ws.items()))}",
            f"IAM: {s.aws.iam.evaluated} calls checked against the synthesized roles, "
            f"{s.aws.iam.denied} denied; unhandled Lambda errors: {len(s.aws.lambdas.unhandled)}",
        ]
        if scenario.deliver:
            lines += [line for ami in amis for line in s.delivered(ami)]
        out("Summary")
        for line in lines:
            out(f"  {line}")
        notes = s.notifications()
        out(f"  notifications: {len(notes)}")
        for i, (subject, message) in enumerate(notes):
            out(f"  --- {subject}")
            if i == len(notes) - 1:  # the last one's text: the outcome a person reads
                for text in message.splitlines():
                    out(f"  | {text}")
    return Outcome(name, as_expected, lines)


def run_all(config: ProjectConfig) -> bool:
    outcomes = [run(name, config, quiet=True) for name in SCENARIOS]
    render.say("\nEvery scenario")
    for o in outcomes:
        render.say(f"  {o.name:<14} {'ok' if o.as_expected else 'UNEXPECTED'}: {o.summary[0]}")
    return all(o.as_expected for o in outcomes)
