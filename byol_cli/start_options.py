"""`start`'s options for the import method (the Image Builder path) and the delivery, mapped to
the request fields the README documents (ImportMethod, Protocol, ComputeType, ImageValidationMode,
ImageBuildVersionArn, Delivery). The choices shown come from where they are defined; the values
are checked by the workflow's own normalise_request, so a wrong one reads as the workflow says it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any, Final, TypeVar

import click

from byol_import.logic.choices import COMPUTE_TYPES, IMAGE_VALIDATION_MODES, PROTOCOLS
from byol_import.logic.delivery_rules import BUNDLE_CREATE, compute_types
from byol_import.names import IMPORT_METHODS

F = TypeVar("F", bound=Callable[..., Any])
NONE: Final = "none"  # as in a tag value: no bundle / no copies / no shares (over the defaults)


def _one_of(choices: tuple[str, ...]) -> str:
    return "|".join(choices)


def _create_option(flag: str, field: str, **kwargs: Any) -> Any:
    return click.option(flag, help=f"--bundle create: its {field}.", **kwargs)


# The options, in the order `--help` lists them.
_OPTIONS: Final = (
    click.option("--import-method", metavar=_one_of(IMPORT_METHODS), help="ImportMethod."),
    click.option("--protocol", metavar=_one_of(PROTOCOLS), help="Protocol (image-builder)."),
    click.option(
        "--compute-type", metavar=_one_of(COMPUTE_TYPES), help="ComputeType (image-builder)."
    ),
    click.option(
        "--image-validation-mode",
        metavar=_one_of(IMAGE_VALIDATION_MODES),
        help="ImageValidationMode (image-builder).",
    ),
    click.option("--image-build-version-arn", metavar="ARN", help="ImageBuildVersionArn."),
    click.option(
        "--bundle",
        metavar=f"{BUNDLE_CREATE}|wsb-...|{NONE}",
        help="Delivery.Bundle: create one from the image, move (Update) a bundle to it, or none.",
    ),
    _create_option("--bundle-name", "Name [default: the image's name]"),
    _create_option(
        "--bundle-compute-type",
        f"ComputeType [default: config deliveryBundleComputeType], one of "
        f"{', '.join(compute_types())}",
        metavar="COMPUTE",
    ),
    _create_option(
        "--bundle-root-gib", "RootVolumeSizeGib [default: config deliveryBundleRootGib]", type=int
    ),
    _create_option(
        "--bundle-user-gib", "UserVolumeSizeGib [default: config deliveryBundleUserGib]", type=int
    ),
    _create_option("--bundle-description", "Description"),
    click.option(
        "--copy-to",
        multiple=True,
        metavar="REGION",
        help=f"Delivery.CopyToRegions entry (repeat; {NONE}: no copies).",
    ),
    click.option(
        "--share-with",
        multiple=True,
        metavar="ACCOUNT",
        help=f"Delivery.ShareWithAccounts entry (repeat; {NONE}: no shares).",
    ),
)


@dataclass(frozen=True)
class MethodAndDelivery:
    """The values of the options above (click passes them by these names)."""

    import_method: str | None = None
    protocol: str | None = None
    compute_type: str | None = None
    image_validation_mode: str | None = None
    image_build_version_arn: str | None = None
    bundle: str | None = None
    bundle_name: str | None = None
    bundle_compute_type: str | None = None
    bundle_root_gib: int | None = None
    bundle_user_gib: int | None = None
    bundle_description: str | None = None
    copy_to: tuple[str, ...] = ()
    share_with: tuple[str, ...] = ()

    @classmethod
    def take(cls, kwargs: dict[str, Any]) -> MethodAndDelivery:
        """Pop this dataclass's options out of a command's keyword arguments."""
        return cls(**{f.name: kwargs.pop(f.name) for f in fields(cls)})

    def given(self) -> list[str]:
        """The options given, as typed (for a refusal that names them)."""
        return [
            "--" + f.name.replace("_", "-")
            for f in fields(self)
            if getattr(self, f.name) not in (None, ())
        ]


def options(command: F) -> F:
    for option in reversed(_OPTIONS):
        command = option(command)
    return command


_METHOD_FIELDS: Final = (
    ("ImportMethod", "import_method"),
    ("Protocol", "protocol"),
    ("ComputeType", "compute_type"),
    ("ImageValidationMode", "image_validation_mode"),
    ("ImageBuildVersionArn", "image_build_version_arn"),
)
_CREATE_FIELDS: Final = (
    ("Name", "bundle_name"),
    ("ComputeType", "bundle_compute_type"),
    ("RootVolumeSizeGib", "bundle_root_gib"),
    ("UserVolumeSizeGib", "bundle_user_gib"),
    ("Description", "bundle_description"),
)


def request_fields(given: MethodAndDelivery) -> dict[str, Any]:
    """The request fields the options stand for; an option not given adds nothing (so the tag
    value and the configured defaults apply, as in the console). Raises click.UsageError for
    options that do not go together; the values themselves are the workflow's to judge."""
    raw: dict[str, Any] = {
        name: getattr(given, attr)
        for name, attr in _METHOD_FIELDS
        if getattr(given, attr) is not None
    }
    delivery: dict[str, Any] = {}
    bundle = _bundle(given)
    if bundle is not _ABSENT:
        delivery["Bundle"] = bundle
    for name, values, flag in (
        ("CopyToRegions", given.copy_to, "--copy-to"),
        ("ShareWithAccounts", given.share_with, "--share-with"),
    ):
        if values:
            delivery[name] = _list(values, flag)
    if delivery:
        raw["Delivery"] = delivery
    return raw


_ABSENT: Final = object()


def _bundle(given: MethodAndDelivery) -> Any:
    create = {
        name: getattr(given, attr)
        for name, attr in _CREATE_FIELDS
        if getattr(given, attr) is not None
    }
    if given.bundle == BUNDLE_CREATE:
        return {"Create": create}
    if create:
        flags = [f"--{attr.replace('_', '-')}" for name, attr in _CREATE_FIELDS if name in create]
        raise click.UsageError(
            f"{', '.join(flags)}: describe{'s' if len(flags) == 1 else ''} a bundle to create, "
            f"so {'it goes' if len(flags) == 1 else 'they go'} with --bundle {BUNDLE_CREATE}"
        )
    if given.bundle is None:
        return _ABSENT
    return None if given.bundle == NONE else {"Update": given.bundle}


def _list(values: tuple[str, ...], flag: str) -> list[str]:
    if NONE in values:
        if len(values) > 1:
            raise click.UsageError(f"{flag} {NONE} means no entries: give it alone")
        return []
    return list(values)
