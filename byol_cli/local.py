"""`--local`: the same commands against the embedded local AWS, in this process.

Each `--local` command builds a fresh account (the stack as CDK deploys it, the real handlers,
IAM enforced, hours of virtual time in seconds), makes the AMIs it is asked about, runs until
the account is quiet and ends with it: nothing persists between two commands. So a decision a
deployed import waits hours for (approve or reject the BYOL enablement) is taken in the same
command, by a flag or at a prompt, through the same code `byol-import approve` runs.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from moto.dynamodb.models import dynamodb_backends
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.ec2.models import ec2_backends

from byol_cli import approval
from byol_cli import contract as c
from byol_cli.gateway import CliError, Gateway, StackResources
from byol_cli.render import PhaseLog
from byol_import.logic.delivery import DeliveryRequest
from local_aws.harness import LocalAws
from local_aws.place import ACCOUNT_ID, REGION
from local_aws.workspaces_byol import Faults
from stacks.config import ProjectConfig

# The AMI a request's OsVersion describes (the emulator's truth behind DescribeImages).
AMI_OS = {"Windows_10": "windows-10", "Windows_11": "windows-11"}
AMI_OS_CHOICES = ("windows-11", "windows-10", "windows-server-2022", "linux")
WALL_TIMEOUT_SECONDS = 600.0

# Asked when an import waits for the enablement decision: True approves, a string rejects with
# that reason, None leaves it waiting (the command ends, and the local world with it).
Decide = Callable[[approval.PendingApproval], "bool | str | None"]


@dataclass
class LocalSession:
    aws: LocalAws
    log: PhaseLog
    decisions: list[str] = field(default_factory=list)
    _after: float = 0

    @property
    def gateway(self) -> Gateway:
        aws = self.aws
        return Gateway(
            aws.client, StackResources(aws.state_machine_arn, aws.lock_table, aws.topic_arn)
        )

    def ensure_ami(self, ami_id: str, os: str = "windows-11") -> bool:
        """Make the AMI when the account has none of that id (a Windows BYOL AMI by default,
        `os` says what it really is); False when it existed."""
        if ami_id in self.gateway.ami_tags([ami_id]):
            return False
        boot = {"windows-11": "uefi"}.get(os, "legacy-bios")
        self.aws.create_windows_ami(
            name=f"{os}-byol-demo",
            description=f"demo AMI ({os})",
            os=os,
            boot_mode=boot,
            platform=None if os == "linux" else "windows",
            image_id=ami_id,
        )
        return True

    def run(
        self,
        decide: Decide,
        left_waiting: Callable[[], None] = lambda: None,
        answer_after_seconds: float = 0,
    ) -> bool:
        """Deliver events and run executions until the account is quiet. An operator (a
        participant of the virtual clock, so a Task waiting hours for them does not time out
        while they read) answers each enablement decision with `decide`; when it gives no
        answer, `left_waiting` runs at that moment (time waits for it) and the run stops there:
        False. The operator answers `answer_after_seconds` (virtual) after being asked."""
        stopped = threading.Event()
        self._after = answer_after_seconds
        self._operator(decide, left_waiting, stopped, answered=set())
        deadline = time.monotonic() + WALL_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if stopped.is_set():
                return False
            try:
                self.aws.wait_for_executions(timeout_seconds=0.3)
            except TimeoutError:
                continue
            return not stopped.is_set()
        raise CliError(f"the local run did not end within {WALL_TIMEOUT_SECONDS:.0f} s wall time")

    def _operator(
        self,
        decide: Decide,
        left_waiting: Callable[[], None],
        stopped: threading.Event,
        answered: set[str],
    ) -> None:
        people = getattr(self.aws, "people", None)
        if people is None:  # an embedded AWS without people: no task token can wait
            return

        def act() -> None:
            waiting = approval.pending(self.gateway)
            if waiting is None or waiting.token in answered:
                self._operator(decide, left_waiting, stopped, answered)
                return
            answered.add(waiting.token)
            decision = decide(waiting)
            if decision is None:
                left_waiting()
                # The run ends here: what the clock does once the operator lets go (the
                # decision times out) happens after the command, not in its output.
                self.log.close()
                stopped.set()
                return
            if decision is True:
                approval.approve(self.gateway, waiting.cidr)
                self.decisions.append(f"approved enabling BYOL with {waiting.cidr}")
            else:
                approval.reject(self.gateway, str(decision))
                self.decisions.append(f"rejected enabling BYOL: {decision}")
            self.log.note(self.decisions[-1])
            self._operator(decide, left_waiting, stopped, answered)  # another may ask later

        people.when(
            lambda: self._token_waiting(answered),
            act,
            delay_seconds=self._after,
            name="operator",
        )

    def _token_waiting(self, answered: set[str]) -> bool:
        """A new task token on the lock item, once its AMI's status says AWAITING_APPROVAL (the
        request records the token, then tags the AMI, then emails: a person acts on the email,
        so a status read then shows the wait). Read in memory, as the clock's condition must be
        quick and take no lock (not through the API, nor an import)."""
        try:
            table = dynamodb_backends[ACCOUNT_ID][REGION].get_table(self.aws.lock_table)
        except Exception:  # noqa: BLE001 - no table yet (or any more): nothing waits
            return False
        item = table.get_item(DynamoType({"S": c.ACCOUNT_LOCK_ID}))
        token = item.attrs.get(c.APPROVAL_TOKEN_ATTR) if item is not None else None
        if token is None or token.value in answered:
            return False
        ami = item.attrs.get(c.APPROVAL_AMI_ATTR) if item is not None else None
        tags = ec2_backends[ACCOUNT_ID][REGION].tags.get(ami.value if ami else "", {})
        return tags.get(c.STATUS_TAG_KEY) == c.AWAITING_APPROVAL

    def delivered(self, ami: str) -> list[str]:
        """The bundle, each copy and each share, as the AMI records them."""
        tags = self.aws.ami_tags(ami)
        copies = [c.split("=", 1) for c in tags.get(c.COPIES_TAG_KEY, "").split(",") if c]
        lines = [f"bundle: {tags.get(c.BUNDLE_ID_TAG_KEY) or 'none'}"]
        for region, image in copies:
            state = self.aws.world.account(ACCOUNT_ID, region).images[image].state
            lines.append(f"copy: {region} {image} ({state})")
        lines.append(f"shared with: {tags.get(c.SHARES_TAG_KEY) or 'nobody'}")
        return lines

    def management_cidr(self) -> str | None:
        account = self.aws.world.account(ACCOUNT_ID, REGION)
        return account.cidr if account.support == "ENABLED" or account.cidr else None

    def notifications(self) -> list[tuple[str, str]]:
        return [(n.subject, n.message) for n in self.aws.notifications()]


def prepare_delivery(s: LocalSession, delivery: DeliveryRequest) -> list[str]:
    """What a delivery needs that a fresh account lacks: BYOL enabled in each Region it copies
    to, and each account it shares with a member of our organization, BYOL enabled here."""
    done = []
    for region in delivery.copy_to_regions:
        s.aws.enable_byol_in(region)
        done.append(f"BYOL enabled in {region} (a copy goes there)")
    for account in delivery.share_with_accounts:
        s.aws.organization_member(account_id=account)
        done.append(f"{account} made a member of the organization, BYOL enabled in {REGION}")
    return done


def progress(log: PhaseLog, amis: list[str]) -> Callable[[str, str, datetime], None]:
    """One line per change of an AMI's progress tag (written by PollImage on the Image Builder
    path), looked at as each poll's answer is judged: in memory, no API call."""
    last: dict[str, str] = {}

    def watch(execution: str, state: str, at: datetime) -> None:
        if state != "ImageChoice":
            return
        tags = ec2_backends[ACCOUNT_ID][REGION].tags
        for ami in amis:
            text = tags.get(ami, {}).get(c.PROGRESS_TAG_KEY)
            if text and last.get(ami) != text:
                last[ami] = text
                log.detail(execution, text, at)

    return watch


@contextmanager
def session(
    config: ProjectConfig,
    *,
    byol_enabled: bool = False,
    faults: Faults | None = None,
    quiet: bool = False,
) -> Iterator[LocalSession]:
    log = PhaseLog(out=(lambda _line: None) if quiet else None)
    kwargs: dict[str, Any] = {"config": config, "on_state": log.on_state}
    if faults is not None:
        kwargs["faults"] = faults
    with LocalAws(**kwargs) as aws:
        if byol_enabled:
            aws.enable_byol_directly()
        try:
            yield LocalSession(aws, log)
        finally:
            log.close()
