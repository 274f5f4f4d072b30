"""`byol-import`: the operator's command line over a deployed stack or the embedded local AWS.

The CLI runs from the checkout (an editable install): the product's own modules (the request
rules in `functions/byol_import`, the local AWS, the configuration in `stacks/`) are imported
from it, so every message and rule has one source.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for _path in (ROOT / "functions", ROOT):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))
