"""The embedded local AWS. Importing the package puts the Lambda code (functions/) and the
project root on the path, as the Lambda runtime and the CDK app do for themselves."""

import sys
from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent
for _path in (_ROOT, _ROOT / "functions"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))
