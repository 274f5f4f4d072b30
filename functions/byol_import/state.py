"""The workflow's state document, parsed once into typed sections.

Step Functions hands every Task the whole state: `Input` (the raw request), `Context`
(execution id and start time), then what earlier steps stored at their ResultPath: `Request`,
`Ami`, `Account`, `Lock`, `Approval`, `Modification`, `Import`, `Poll`, `Error`; `Limits` are
the ASL's loop bounds and timings. The ASL reads those JSON
paths, so the steps keep writing them as they are; this module only reads them. A section is
None until its step has run; `need_*` says which one a step cannot do without.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from byol_import import errors
from byol_import.logic.request import AMI_ID_PATTERN, ImportRequest

_T = TypeVar("_T")


@dataclass(frozen=True)
class Context:
    execution_id: str  # the execution ARN
    started_at: str | None  # ISO 8601, as the ASL formats $$.Execution.StartTime


@dataclass(frozen=True)
class Ami:
    import_name: str | None
    import_description: str | None
    os_version: str | None = None  # what CheckImage learnt of the AMI, when EC2 told it
    root_volume_gib: int | None = None  # the AMI's root EBS volume (CheckImage)


@dataclass(frozen=True)
class Import:
    image_id: str | None  # the WorkSpaces image
    method: str | None = None  # classic or image-builder (None: before the method existed)


@dataclass(frozen=True)
class Poll:
    seen: bool  # DescribeWorkspaceImages has listed the image at least once
    reason: str | None  # why the image failed, when it did
    count: int = 0  # polls made so far (the loop's bound is checked by the ASL)
    progress: str | None = None  # Image Builder path: the last `STATE NN%` tagged on the AMI


@dataclass(frozen=True)
class Loop:
    """A poll loop's own section (`Lock`, `Modification`): its last answer and its count."""

    state: str | None
    count: int  # 0 before the first poll
    cidr: str | None = None  # `Modification` only: the management /16 being set


@dataclass(frozen=True)
class Account:
    """The `Account` section EnableByol (or ModifyAccount) wrote: the decided /16 and how."""

    status: str | None
    management_cidr: str | None
    approval_needed: bool = False
    pinned: bool = False
    vpc_cidrs: tuple[str, ...] = ()
    exclusions: tuple[str, ...] = ()
    decision: str | None = None  # how BYOL was enabled: approved by whom, pinned, or auto
    modified: bool = False  # this execution's ModifyAccount enabled BYOL


@dataclass(frozen=True)
class Error:
    error: str  # the error name the ASL caught
    cause: Any  # as caught: text, a Lambda error's JSON text, or anything


def _mapping(event: Mapping[str, Any], key: str) -> Mapping[str, Any] | None:
    value = event.get(key)
    return value if isinstance(value, Mapping) else None


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _gib(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _count(section: Mapping[str, Any] | None) -> int:
    count = section.get("count") if section is not None else None
    return count if isinstance(count, int) and not isinstance(count, bool) else 0


def _loop(section: Mapping[str, Any] | None) -> Loop | None:
    if section is None:
        return None
    return Loop(_text(section.get("state")), _count(section), _text(section.get("cidr")))


def _texts(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, list | tuple) else ()


def _account(section: Mapping[str, Any] | None) -> Account | None:
    if section is None:
        return None
    return Account(
        _text(section.get("status")),
        _text(section.get("management_cidr")),
        section.get("approval_needed") is True,
        section.get("pinned") is True,
        _texts(section.get("vpc_cidrs")),
        _texts(section.get("exclusions")),
        _text(section.get("decision")),
        section.get("modified") is True,
    )


def _seconds(limits: Mapping[str, Any] | None, key: str) -> int | None:
    value = limits.get(key) if limits is not None else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def need(value: _T | None, path: str) -> _T:
    """`value`, which a step cannot do without: None means the ASL did not pass `path`."""
    if value is None:
        raise errors.InvalidRequest(f"state: {path} is missing; the workflow definition is broken")
    return value


def ami_in(raw_input: Any) -> str | None:
    """The AMI id of a raw (not yet validated) input, if it has a valid one."""
    image_id = raw_input.get("ImageId") if isinstance(raw_input, Mapping) else None
    return image_id if isinstance(image_id, str) and AMI_ID_PATTERN.fullmatch(image_id) else None


@dataclass(frozen=True)
class WorkflowState:
    input: Any  # the raw execution input: only ValidateRequest interprets it
    context: Context | None = None
    request: ImportRequest | None = None
    ami: Ami | None = None
    imported: Import | None = None  # the `Import` section
    poll: Poll | None = None
    error: Error | None = None
    lock: Loop | None = None
    modification: Loop | None = None
    account: Account | None = None
    approval: Any = None  # the person's answer (SendTaskSuccess output), when one was asked
    delivery: Mapping[str, Any] | None = None  # what Deliver / PollCopies wrote (steps/delivery)
    lock_retry_interval_seconds: int | None = None  # from the ASL's Limits
    approval_timeout_seconds: int | None = None
    image_first_poll_delay_seconds: int | None = None
    image_poll_interval_seconds: int | None = None

    @classmethod
    def parse(cls, event: Any) -> WorkflowState:
        if not isinstance(event, Mapping):
            raise errors.InvalidRequest(
                "state: not a JSON object; the workflow definition is broken"
            )
        context = _mapping(event, "Context")
        request = _mapping(event, "Request")
        ami = _mapping(event, "Ami")
        imported = _mapping(event, "Import")
        poll = _mapping(event, "Poll")
        error = _mapping(event, "Error")
        try:
            parsed_request = ImportRequest.from_json(request) if request is not None else None
        except (KeyError, TypeError) as exc:
            raise errors.InvalidRequest(
                f"state: Request lacks {exc}; the workflow definition is broken"
            ) from None
        started = context.get("StartedAt") if context is not None else None
        return cls(
            input=event.get("Input"),
            context=None
            if context is None
            else Context(
                str(context.get("ExecutionId", "")), started if isinstance(started, str) else None
            ),
            request=parsed_request,
            ami=None
            if ami is None
            else Ami(
                _text(ami.get("import_name")),
                _text(ami.get("import_description")),
                _text(ami.get("os_version")),
                _gib(ami.get("root_volume_gib")),
            ),
            imported=None
            if imported is None
            else Import(_text(imported.get("image_id")), _text(imported.get("method"))),
            poll=None
            if poll is None
            else Poll(
                poll.get("seen") is True,
                str(poll["reason"]) if poll.get("reason") else None,
                _count(poll),
                _text(poll.get("progress")),
            ),
            error=None
            if error is None
            else Error(str(error.get("Error", "Unknown")), error.get("Cause")),
            lock=_loop(_mapping(event, "Lock")),
            modification=_loop(_mapping(event, "Modification")),
            account=_account(_mapping(event, "Account")),
            approval=event.get("Approval"),
            delivery=_mapping(event, "Delivery"),
            lock_retry_interval_seconds=_seconds(
                _mapping(event, "Limits"), "LockRetryIntervalSeconds"
            ),
            approval_timeout_seconds=_seconds(_mapping(event, "Limits"), "ApprovalTimeoutSeconds"),
            image_first_poll_delay_seconds=_seconds(
                _mapping(event, "Limits"), "ImageFirstPollDelaySeconds"
            ),
            image_poll_interval_seconds=_seconds(
                _mapping(event, "Limits"), "ImagePollIntervalSeconds"
            ),
        )

    # -- what a step cannot do without --------------------------------------------------------
    def need_context(self) -> Context:
        return need(self.context, "Context")

    def need_request(self) -> ImportRequest:
        return need(self.request, "Request")

    def need_ami(self) -> Ami:
        return need(self.ami, "Ami")

    def need_account(self) -> Account:
        return need(self.account, "Account")

    def need_poll(self) -> Poll:
        return need(self.poll, "Poll")

    def need_image_id(self) -> str:
        """The WorkSpaces image of the `Import` section."""
        return need(need(self.imported, "Import").image_id, "Import.image_id")

    # -- what the raw input says, before (or without) validation -------------------------------
    @property
    def input_ami(self) -> str | None:
        return ami_in(self.input)

    @property
    def trigger_source(self) -> str | None:
        trigger = self.input.get("Trigger") if isinstance(self.input, Mapping) else None
        source = trigger.get("Source") if isinstance(trigger, Mapping) else None
        return source if isinstance(source, str) else None
