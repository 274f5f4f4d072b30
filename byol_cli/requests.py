"""What `start` sends, built from options or `--input`, and checked with the workflow's own
rules (byol_import.logic.request, logic.tag_value) before anything is started."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from typing import Any

from byol_cli.gateway import CliError
from byol_import.errors import InvalidRequest
from byol_import.logic.delivery import Place
from byol_import.logic.request import ImportRequest, normalise_request
from byol_import.logic.tag_value import parse_tag_value
from stacks.config import ProjectConfig


class Refused(CliError):
    """Input the workflow would fail in its first state, with the workflow's own message."""

    exit_code = 2

    def format_message(self) -> str:
        return f"refused, as the workflow would refuse it (nothing started): {self.message}"


def read_input(text: str) -> Any:
    """`--input`: a file's path or the JSON itself, as pasted in the console."""
    path = Path(text)
    source = (
        path.read_text()
        if not text.lstrip().startswith(("{", "[", '"')) and path.is_file()
        else text
    )
    try:
        return json.loads(source)
    except ValueError as error:
        raise CliError(f"--input: not JSON (nor a file holding JSON): {error}") from error


def from_options(
    ami: str,
    ingestion_process: str | None,
    os_version: str | None,
    image_name: str | None,
    image_description: str | None,
    applications: tuple[str, ...],
    tags: tuple[str, ...],
) -> dict[str, Any]:
    raw: dict[str, Any] = {"ImageId": ami}
    for key, value in (
        ("IngestionProcess", ingestion_process),
        ("OsVersion", os_version),
        ("ImageName", image_name),
        ("ImageDescription", image_description),
    ):
        if value is not None:
            raw[key] = value
    if applications:
        raw["Applications"] = list(applications)
    if tags:
        pairs = [t.partition("=") for t in tags]
        bad = [t for t, (_, sep, _) in zip(tags, pairs, strict=True) if not sep]
        if bad:
            raise CliError(f"--image-tag: write KEY=VALUE; got {bad[0]!r}")
        raw["Tags"] = {k: v for k, _, v in pairs}
    return raw


def check(raw: Any, config: ProjectConfig, place: Place | None = None) -> ImportRequest:
    """As ValidateRequest checks it: the configured defaults, and (`place`, the stack's account
    and Region, once known) no copy to the home Region nor share with the account itself."""
    try:
        return normalise_request(
            raw,
            config.default_ingestion_process,
            config.trigger_tag_key,
            config.import_method,
            image_builder_path=config.image_builder_path,
            delivery_defaults=config.delivery_defaults(),
            place=place,
        )
    except InvalidRequest as error:
        raise Refused(f"InvalidRequest: {error.message}") from error


def check_tag_value(value: str, config: ProjectConfig) -> None:
    try:
        parse_tag_value(value, config.trigger_tag_key)
    except InvalidRequest as error:
        raise Refused(f"InvalidRequest: {error.message}") from error


def place_of(state_machine_arn: str) -> Place:
    """The account and Region of a state machine (arn:aws:states:REGION:ACCOUNT:...)."""
    parts = state_machine_arn.split(":")
    return Place(account_id=parts[4], region=parts[3])


def execution_name(raw: Any) -> str:
    """A name like the console's (unique), led by the AMI so that the list reads well."""
    ami = raw.get("ImageId") if isinstance(raw, dict) else None
    lead = re.sub(r"[^a-zA-Z0-9_-]", "-", ami)[:60] if isinstance(ami, str) else "import"
    return f"{lead}-cli-{uuid.uuid4().hex[:8]}"
