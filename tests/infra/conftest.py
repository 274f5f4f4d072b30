"""Synthesize the CDK app once per test session: it takes a few seconds."""

from __future__ import annotations

import os
from typing import Any

# Node 20 is past end-of-life for jsii: a banner a test run need not print. Set before the
# first aws_cdk import, which starts the jsii kernel.
os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from app import build_app
from byol_import.settings import CONTEXT_KEY
from stacks.byol_import_stack import ByolImportStack
from stacks.config import load_cdk_json_context


@pytest.fixture(scope="session")
def synthesized() -> tuple[cdk.App, ByolImportStack]:
    app = cdk.App(context={CONTEXT_KEY: load_cdk_json_context()})
    built, stack = build_app(app)
    built.synth()
    return built, stack


@pytest.fixture(scope="session")
def stack(synthesized: tuple[cdk.App, ByolImportStack]) -> ByolImportStack:
    return synthesized[1]


@pytest.fixture(scope="session")
def template(stack: ByolImportStack) -> Template:
    return Template.from_stack(stack)


@pytest.fixture(scope="session")
def template_json(template: Template) -> dict[str, Any]:
    return dict(template.to_json())
