"""Costs of running AWS in one process that AWS itself does not have, removed without changing
what any call does or sees (measured: `make bench`, docs/decisions.md).

Each function installs one through `set_attr` (Patches._set: undone by Patches.remove()).
"""

from __future__ import annotations

import copy
import threading
import types
from collections.abc import Callable
from functools import lru_cache
from typing import Any

SetAttr = Callable[[Any, str, Any], None]


def install(set_attr: SetAttr) -> None:
    sdk_models_loaded_once(set_attr)
    step_functions_clients_reused(set_attr)
    json_paths_parsed_once(set_attr)
    state_data_copied_as_json(set_attr)
    handler_signatures_read_once(set_attr)
    response_methods_listed_once(set_attr)
    definitions_validated_once(set_attr)


# Kept across LocalAws instances (a test process makes hundreds): the files do not change.
_LOADERS: dict[str | None, Any] = {}
_LOADERS_LOCK = threading.Lock()
_PARSERS: dict[Any, Any] = {}  # moto's JSONPath parse function -> its cached version
_SIGNATURES: dict[Any, bool] = {}  # function -> whether it takes **kwargs


class _SearchPaths(list[str]):
    """A shared loader's search paths: boto3 appends its own data path once per Session."""

    def append(self, path: str) -> None:
        if path not in self:
            super().append(path)


def sdk_models_loaded_once(set_attr: SetAttr) -> None:
    """Every botocore Session reads and decodes the JSON service models (endpoint rules,
    partitions, paginators) afresh: ~100 ms per Session, and each Lambda execution environment
    makes its own (byol_import.clients), as separate processes would. The models are the same
    files, read-only once loaded (one Session already shares them between its clients), so
    here the Sessions share one loader."""
    import botocore.session

    original = botocore.session.create_loader

    def create_loader(search_path_string: str | None = None) -> Any:
        with _LOADERS_LOCK:
            loader = _LOADERS.get(search_path_string)
            if loader is None:
                loader = original(search_path_string)
                loader._search_paths = _SearchPaths(loader.search_paths)
                _LOADERS[search_path_string] = loader
            return loader

    set_attr(botocore.session, "create_loader", create_loader)


class _ReusedClients:
    """Stands for the `boto3` module in moto's boto_client_for: the client moto makes for each
    Task (the Lambda invoke, an SDK integration) with the same fixed arguments every time is
    made once per (service, region, endpoint) and reused; botocore clients are thread-safe and
    these hold no per-call state (no retries: total_max_attempts 1)."""

    def __init__(self, boto3: Any) -> None:
        self._boto3 = boto3
        self._clients: dict[tuple[Any, ...], Any] = {}
        self._lock = threading.Lock()

    def client(self, **kwargs: Any) -> Any:
        key = (kwargs.get("service_name"), kwargs.get("region_name"), kwargs.get("endpoint_url"))
        with self._lock:
            made = self._clients.get(key)
            if made is None:
                made = self._clients[key] = self._boto3.client(**kwargs)
            return made

    def __getattr__(self, name: str) -> Any:
        return getattr(self._boto3, name)


def step_functions_clients_reused(set_attr: SetAttr) -> None:
    """moto builds a new boto3 client for every Task state it runs (~5-15 ms each, hundreds per
    import); here one per service (see _ReusedClients), dropped when the patches are removed."""
    from moto.stepfunctions.parser.asl.utils import boto_client

    set_attr(boto_client, "boto3", _ReusedClients(boto_client.boto3))


def json_paths_parsed_once(set_attr: SetAttr) -> None:
    """moto parses each JSONPath ($.state.x) with a freshly generated PLY parser at every use
    (~1 ms each, several per state). A parsed path is an immutable expression tree: it is kept
    per path text. Matching still runs against each state's own data."""
    from moto.stepfunctions.parser.asl.component.common.path import result_path
    from moto.stepfunctions.parser.asl.utils import json_path

    for module in (json_path, result_path):
        parse = module.parse
        set_attr(module, "parse", _PARSERS.setdefault(parse, lru_cache(maxsize=1024)(parse)))


_ATOMS = frozenset((str, int, float, bool, type(None)))


def json_copy(value: Any, memo: Any = None) -> Any:
    """copy.deepcopy for JSON values (dict, list, str, number, bool, null) in a fraction of its
    time; anything else (never seen in state data) still goes through copy.deepcopy."""
    kind = type(value)
    if kind is dict:
        return {k: v if type(v) in _ATOMS else json_copy(v) for k, v in value.items()}
    if kind is list:
        return [v if type(v) in _ATOMS else json_copy(v) for v in value]
    if kind in _ATOMS:
        return value
    return copy.deepcopy(value)


class _JsonCopyModule:
    """The `copy` module, but `deepcopy` is json_copy."""

    deepcopy = staticmethod(json_copy)

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)


def state_data_copied_as_json(set_attr: SetAttr) -> None:
    """moto deep-copies a state's input, result and parameters several times per state (as it
    must: no state may alias another's data), with copy.deepcopy's generic memo machinery;
    state data is JSON, so these copies take json_copy (the same copy, ~2.5x faster)."""
    from moto.stepfunctions.parser.asl.component.common.path import result_path
    from moto.stepfunctions.parser.asl.component.common.string import string_expression
    from moto.stepfunctions.parser.asl.component.state.exec import execute_state
    from moto.stepfunctions.parser.asl.eval import states

    for module in (result_path, string_expression, execute_state, states):
        set_attr(module, "copy", _JsonCopyModule())


def handler_signatures_read_once(set_attr: SetAttr) -> None:
    """botocore checks that each event handler takes **kwargs with inspect.getfullargspec at
    every registration: a Session registers ~130 built-in handlers (each Lambda environment
    makes its own Session). A function's signature is fixed: it is read once per function."""
    from botocore import hooks

    original = hooks.accepts_kwargs
    known = _SIGNATURES

    def accepts_kwargs(func: Any) -> bool:
        code = func.__func__ if isinstance(func, types.MethodType) else func
        if not isinstance(code, types.FunctionType):
            return bool(original(func))
        found = known.get(code)
        if found is None:
            found = known[code] = bool(original(func))
        return found

    set_attr(hooks, "accepts_kwargs", accepts_kwargs)


def response_methods_listed_once(set_attr: SetAttr) -> None:
    """moto lists a response class's methods with inspect.getmembers at every request, to find
    the action's handler. The list is kept per class while the class's (and its bases')
    attributes stay the same in number; a handler added or removed lists it afresh."""
    from moto.core import responses

    original = responses.method_names_from_class
    known: dict[tuple[Any, ...], list[str]] = {}

    def method_names_from_class(clazz: Any) -> list[str]:
        mro = getattr(clazz, "__mro__", None)
        if mro is None:
            return list(original(clazz))
        key = (clazz, *(len(vars(base)) for base in mro))
        found = known.get(key)
        if found is None:
            found = known[key] = list(original(clazz))
        return list(found)

    set_attr(responses, "method_names_from_class", method_names_from_class)


_VALID_DEFINITIONS: set[str] = set()


def definitions_validated_once(set_attr: SetAttr) -> None:
    """moto parses a state machine's definition (ANTLR) to validate it at each
    CreateStateMachine and throws the parse away: a test process creates the same definition
    hundreds of times. A text that passed once passes again (an invalid one is parsed, and
    refused, every time); each execution still parses its own copy."""
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend

    original = StepFunctionsParserBackend._validate_definition

    def validate_definition(definition: str) -> None:
        if definition in _VALID_DEFINITIONS:
            return
        original(definition)
        _VALID_DEFINITIONS.add(definition)

    set_attr(StepFunctionsParserBackend, "_validate_definition", staticmethod(validate_definition))
