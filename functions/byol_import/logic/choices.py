"""The values the WorkSpaces API accepts for a request, and how a wrong one is told. Pure."""

from __future__ import annotations

import difflib
from typing import Any, Final

from byol_import.errors import InvalidRequest

INGESTION_PROCESSES: Final = (
    "BYOL_REGULAR",
    "BYOL_REGULAR_WSP",
    "BYOL_GRAPHICS_G4DN",
    "BYOL_GRAPHICS_G4DN_WSP",
    "BYOL_REGULAR_BYOP",
    "BYOL_GRAPHICS_G4DN_BYOP",
    "BYOL_GRAPHICS",
    "BYOL_GRAPHICSPRO",
)
APPLICATIONS: Final = ("Microsoft_Office_2016", "Microsoft_Office_2019")
# The names the WorkSpaces API gives them (ImportCustomWorkspaceImage OsVersion).
OS_VERSIONS: Final = ("Windows_10", "Windows_11")
# ImportCustomWorkspaceImage (the Image Builder path): its own names for protocol and hardware.
PROTOCOLS: Final = ("DCV", "PCOIP", "BYOP")
COMPUTE_TYPES: Final = ("BASE", "GRAPHICS_G4DN", "GRAPHICS_G6", "GRAPHICS_G7")
IMAGE_VALIDATION_MODES: Final = ("CUSTOMER_MANAGED", "SERVICE_MANAGED")


def describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def did_you_mean(value: Any, choices: tuple[str, ...] | frozenset[str]) -> str:
    """A hint for a near miss: the case-only match first, else the closest spelling."""
    if not isinstance(value, str):
        return ""
    same_case = [c for c in choices if c.lower() == value.strip().lower()]
    close = same_case or difflib.get_close_matches(value, sorted(choices), n=1, cutoff=0.75)
    return f" (did you mean {close[0]!r}?)" if close else ""


def one_of(value: Any, choices: tuple[str, ...], field_name: str) -> str:
    if not isinstance(value, str) or value not in choices:
        raise InvalidRequest(
            f"{field_name}: must be one of {', '.join(choices)}; got {describe(value)}"
            f"{did_you_mean(value, choices)}"
        )
    return value
