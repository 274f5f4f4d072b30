"""AWS resource id patterns, shared by the request and the triggers."""

from __future__ import annotations

import re
from typing import Final

AMI_ID_PATTERN: Final = re.compile(r"^ami-([a-f0-9]{8}|[a-f0-9]{17})$")
