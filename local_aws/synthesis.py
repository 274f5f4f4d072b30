"""The synthesized stack, cached: synthesizing costs seconds, so what the local run reads of the
template (the IAM policies, the resource facts) is kept on disk, keyed by a hash of everything
that shapes the template, and synthesized (in a subprocess) only when it is stale."""

from __future__ import annotations

import fcntl
import functools
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CACHE_DIR = ROOT / ".cache" / "iam"
# Everything that shapes the synthesized template.
# The functions' package is included whole: the stack reads its settings, function table and
# trigger registry from there.
CACHE_INPUTS = (
    "stacks/**/*.py",
    "app.py",
    "cdk.json",
    "functions/byol_import/**/*.py",
    "requirements*.txt",
    "statemachines/*.json",
    "statemachines/*.yaml",
    "local_aws/synthesis.py",
    "local_aws/stack_facts.py",
    "local_aws/iam/policies.py",
)


def inputs_hash(root: Path = ROOT) -> str:
    digest = hashlib.sha256()
    files = sorted({p for pattern in CACHE_INPUTS for p in root.glob(pattern) if p.is_file()})
    for path in files:
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def synthesized_template() -> dict[str, Any]:
    """Synthesize the app (in-process: call from a subprocess or a test that synthesizes)."""
    os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    import aws_cdk as cdk
    from aws_cdk.assertions import Template

    from app import build_app
    from byol_import.settings import CONTEXT_KEY
    from stacks.config import load_cdk_json_context

    app = cdk.App(context={CONTEXT_KEY: load_cdk_json_context()})
    _, stack = build_app(app)
    return dict(Template.from_stack(stack).to_json())


def handler_keys() -> dict[str, str]:
    from byol_import import settings

    return {spec.handler: spec.key for spec in settings.ALL_FUNCTIONS}


def cached(cache_dir: Path | None = None) -> dict[str, Any]:
    """{"policies": the IAM extract, "stack": the resource facts}, from the cache."""
    data: dict[str, Any] = json.loads(_cached(cache_dir or CACHE_DIR, inputs_hash()))
    return data  # parsed per caller: a test may change its copy


@functools.lru_cache(maxsize=2)
def _cached(cache_dir: Path, digest: str) -> str:
    path = cache_dir / f"stack-{digest}.json"
    cache_dir.mkdir(parents=True, exist_ok=True)
    # One process synthesizes; the others (pytest-xdist workers) wait for its file.
    with (cache_dir / "synthesis.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.exists():
            _synthesize(cache_dir, path)
    return path.read_text()


def _synthesize(cache_dir: Path, path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "functions")])}
    temporary = path.with_suffix(f".{os.getpid()}.tmp")
    done = subprocess.run(
        [sys.executable, "-m", "local_aws.synthesis", str(temporary)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(
            "synthesizing the stack failed (the CDK library needs Node.js 20+ on PATH):\n"
            f"{done.stderr[-4000:]}"
        )
    os.replace(temporary, path)  # atomic: a reader without the lock never sees half
    for stale in [*cache_dir.glob("stack-*.json"), *cache_dir.glob("policies-*.json")]:
        if stale.name != path.name:
            stale.unlink(missing_ok=True)


def _write(path: Path) -> None:
    from local_aws import stack_facts
    from local_aws.iam.policies import extract

    template, keys = synthesized_template(), handler_keys()
    path.write_text(
        json.dumps(
            {"policies": extract(template, keys), "stack": stack_facts.extract(template, keys)},
            indent=1,
        )
    )


if __name__ == "__main__":
    _write(Path(sys.argv[1]))
