"""What a test or scenario sets: how long things take, how late reads catch up, what breaks."""

from __future__ import annotations

import os
import random
import threading
from dataclasses import dataclass, field
from typing import Final

HOUR: Final = 3600.0
DEFAULT_SEED: Final = 20261101
# "quick" makes LocalAws() default to Timings.quick(): the test suite sets it (tests/conftest.py)
PROFILE_ENV: Final = "LOCAL_AWS_TIMINGS"


@dataclass
class Timings:
    """How long things take.

    `Timings()` is fixed and instant to read (exact durations, no lags): for tests that count
    calls. `Timings.realistic()` draws every enablement and import duration from the documented
    range with a seeded generator, and turns the read lags on (docs/byol-api-facts.md, "Times and
    quotas" and "Eventual consistency"): what LocalAws uses unless told otherwise.
    `Timings.quick()` keeps the lags but draws the shortest durations: the test suite's default.
    """

    modification_seconds: float = 4 * HOUR  # "several hours"
    import_seconds: float = 2 * HOUR  # "at least 90 minutes"
    import_with_office_seconds: float = 3.5 * HOUR  # "at least 3 hours with Office"
    # ImportCustomWorkspaceImage (EC2 Image Builder path): no documented duration (facts doc)
    custom_import_seconds: float = 4 * HOUR
    # CopyWorkspaceImage: no documented duration (facts doc, "Delivering an image")
    copy_seconds: float = 1 * HOUR
    # (low, high): when set, each modification or import draws its own duration from it
    modification_range: tuple[float, float] | None = None
    import_range: tuple[float, float] | None = None
    import_with_office_range: tuple[float, float] | None = None
    custom_import_range: tuple[float, float] | None = None
    copy_range: tuple[float, float] | None = None
    seed: int = DEFAULT_SEED
    # DescribeAccount still says DISABLED this long after the modification COMPLETED
    account_lag_seconds: float = 0.0
    # a new image is missing from DescribeWorkspaceImages this long after ImportWorkspaceImage
    image_visibility_lag_seconds: float = 0.0
    # a deleted image's (or bundle's) name stays taken this long
    name_release_lag_seconds: float = 0.0

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        self._lock = threading.Lock()

    @classmethod
    def realistic(cls, seed: int = DEFAULT_SEED) -> Timings:
        return cls(
            modification_range=(2 * HOUR, 8 * HOUR),
            import_range=(1.5 * HOUR, 4 * HOUR),
            import_with_office_range=(3 * HOUR, 6 * HOUR),
            custom_import_range=(2 * HOUR, 8 * HOUR),
            copy_range=(0.5 * HOUR, 3 * HOUR),
            seed=seed,
            account_lag_seconds=15 * 60.0,
            image_visibility_lag_seconds=60.0,
            name_release_lag_seconds=HOUR,
        )

    @classmethod
    def quick(cls, seed: int = DEFAULT_SEED) -> Timings:
        """The read lags of `realistic()`, with a 10-30 min enablement and imports only just
        past their documented minimum (the workflow's first image poll waits that minimum
        too): every wait and adoption path still runs, in a tenth of the polls."""
        return cls(
            modification_range=(10 * 60.0, 30 * 60.0),
            import_range=(1.5 * HOUR, 1.5 * HOUR + 10 * 60),
            import_with_office_range=(3 * HOUR, 3 * HOUR + 10 * 60),
            # no documented minimum: long enough for a dozen polls and their progress
            custom_import_range=(20 * 60.0, 30 * 60.0),
            copy_range=(10 * 60.0, 20 * 60.0),
            seed=seed,
            account_lag_seconds=15 * 60.0,
            image_visibility_lag_seconds=60.0,
            name_release_lag_seconds=HOUR,
        )

    @classmethod
    def default(cls) -> Timings:
        """What LocalAws() runs: `realistic()`, or `quick()` when $LOCAL_AWS_TIMINGS=quick."""
        return cls.quick() if os.environ.get(PROFILE_ENV) == "quick" else cls.realistic()

    def _draw(self, fixed: float, span: tuple[float, float] | None) -> float:
        if span is None:
            return fixed
        with self._lock:  # concurrent runs draw one at a time: the sequence stays the seed's
            return round(self._rng.uniform(*span))

    def longest_import(self, with_office: bool = False) -> float:
        """The longest an import can take: wait this long and any import has ended."""
        fixed, span = (
            (self.import_with_office_seconds, self.import_with_office_range)
            if with_office
            else (self.import_seconds, self.import_range)
        )
        return span[1] if span else fixed

    def draw_modification(self) -> float:
        return self._draw(self.modification_seconds, self.modification_range)

    def draw_custom_import(self) -> float:
        return self._draw(self.custom_import_seconds, self.custom_import_range)

    def draw_copy(self) -> float:
        return self._draw(self.copy_seconds, self.copy_range)

    def draw_import(self, with_office: bool) -> float:
        if with_office:
            return self._draw(self.import_with_office_seconds, self.import_with_office_range)
        return self._draw(self.import_seconds, self.import_range)


@dataclass
class ImportFault:
    error_code: str = "ImportFailed"
    error_message: str = "The image failed the BYOL validation."
    error_details: tuple[str, ...] = ("AppXPackagesInstalled", "ZeroRearmCount")


@dataclass
class CustomImportFault:
    """How an ImportCustomWorkspaceImage ends in ERROR: the State it fails in and what
    DescribeCustomWorkspaceImageImport then reports (codes are free text in the model)."""

    failed_state: str = "IMAGE_COMPATIBILITY_CHECKING"
    state_message: str = "The image failed the compatibility check."
    error_details: tuple[tuple[str, str], ...] = (
        ("AppXPackagesInstalled", "AppX packages are installed for a user profile."),
    )


class FaultBudget:
    """Counted faults: each `take` spends one, safely across the threads of concurrent runs."""

    _lock = threading.Lock()

    def take(self, table: dict[str, int], key: str) -> bool:
        with self._lock:
            if table.get(key, 0) > 0:
                table[key] -= 1
                return True
            return False


@dataclass
class Faults(FaultBudget):
    """What tests and scenarios inject. Every field is off by default."""

    # operation name (e.g. "ModifyAccount", "ec2:DescribeImages") -> how many calls to throttle
    throttle: dict[str, int] = field(default_factory=dict)
    # operation name -> how many calls answer 500 InternalServerError (nothing happened)
    server_error: dict[str, int] = field(default_factory=dict)
    # operation name -> how many calls happen but answer 500 (the response was lost)
    lost_response: dict[str, int] = field(default_factory=dict)
    # operation name -> {documented error code: how many calls answer it}, e.g.
    # {"ModifyAccount": {"ResourceUnavailableException": 1}}; local_aws/aws_errors.py lists the
    # codes (an undocumented one is refused) and answers each with its documented HTTP status
    errors: dict[str, dict[str, int]] = field(default_factory=dict)
    not_eligible: bool = False
    modification_failure: tuple[str, str] | None = None
    # AMI id (or "*") -> the ERROR the import ends in
    import_errors: dict[str, ImportFault] = field(default_factory=dict)
    # ImportCustomWorkspaceImage source (AMI id, build version ARN, import task id) or "*" ->
    # the ERROR the import ends in
    custom_import_errors: dict[str, CustomImportFault] = field(default_factory=dict)
    delete_error: str | None = None
    # CopyWorkspaceImage source image id (or "*") -> the ERROR the copy ends in
    copy_errors: dict[str, ImportFault] = field(default_factory=dict)
    # /16s AWS itself reports as unavailable ("availability changes often")
    unavailable_cidrs: set[str] = field(default_factory=set)
