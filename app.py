#!/usr/bin/env python3
"""CDK app: `cdk synth` / `cdk deploy` the byol-import stack (configuration in cdk.json)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "functions"))

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks

from stacks.byol_import_stack import ByolImportStack
from stacks.config import from_app_context


def build_app(app: cdk.App | None = None) -> tuple[cdk.App, ByolImportStack]:
    app = app or cdk.App()
    # cdk.json's byolImport object, then any -c byolImport.<key>=value over it.
    config = from_app_context(app.node.get_all_context())
    stack = ByolImportStack(
        app,
        config.stack_name,
        config=config,
        description="byol-import: Windows AMI to WorkSpaces BYOL image",
    )
    cdk.Aspects.of(app).add(AwsSolutionsChecks(verbose=True))
    return app, stack


if __name__ == "__main__":
    built, _ = build_app()
    built.synth()
