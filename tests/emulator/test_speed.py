"""The embedded AWS's speed-ups (local_aws/speedups.py) and the clock's wake-up: each keeps what
it replaces, and each is undone with the other patches."""

from __future__ import annotations

import copy
import threading
import time
from typing import Any
from unittest import mock

import boto3
import botocore.session
import pytest
from moto.core import responses
from moto.stepfunctions.parser.api import InvalidDefinition
from moto.stepfunctions.parser.asl.utils.boto_client import boto_client_for
from moto.stepfunctions.parser.asl.utils.json_path import extract_json

from local_aws import speedups
from local_aws.calls import operation_of
from local_aws.clock import VirtualClock


class Undo:
    """Patches._set, on its own: each patch recorded, undone by `remove()`."""

    def __init__(self) -> None:
        self._undo: list[Any] = []

    def __call__(self, owner: Any, name: str, value: Any) -> None:
        had, old = name in vars(owner), vars(owner).get(name)
        setattr(owner, name, value)
        self._undo.append(lambda: setattr(owner, name, old) if had else delattr(owner, name))

    def remove(self) -> None:
        while self._undo:
            self._undo.pop()()


def test_json_copy_is_a_deep_copy_of_state_data():
    # Given state data, nested, with every JSON type and one value that is not JSON
    data: dict[str, Any] = {
        "a": [{"b": 1, "c": 1.5, "d": None, "e": True, "f": "x"}, [1, [2]]],
        "g": {"h": {}},
        "t": (1, 2),
    }

    # When it is copied
    copied = speedups.json_copy(data)

    # Then it equals the original and shares no container with it
    assert copied == data == copy.deepcopy(data)
    assert copied is not data and copied["a"] is not data["a"]
    assert copied["a"][0] is not data["a"][0] and copied["a"][1][1] is not data["a"][1][1]
    assert copied["g"]["h"] is not data["g"]["h"]
    copied["a"][0]["b"] = 2
    assert data["a"][0]["b"] == 1


def test_sessions_share_one_loader_and_boto3_adds_its_path_once():
    # Given the speed-ups installed (over whatever the process had: the test session shares
    # one loader too, tests/conftest.py)
    before = botocore.session.create_loader
    undo = Undo()
    speedups.sdk_models_loaded_once(undo)
    try:
        # When two boto3 Sessions are made
        first, second = boto3.session.Session(), boto3.session.Session()
        loader = first._session.get_component("data_loader")

        # Then they read the models through one loader, whose search paths do not grow
        assert second._session.get_component("data_loader") is loader
        assert len(loader.search_paths) == len(set(loader.search_paths))
        client = second.client("workspaces", region_name="eu-west-1")
        assert client.meta.service_model.service_name == "workspaces"
    finally:
        undo.remove()

    # And once removed, Sessions get their loader as before
    assert botocore.session.create_loader is before


def test_a_valid_definition_is_parsed_once_and_an_invalid_one_always_refused():
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend

    # Given the speed-up installed, and a definition moto accepts
    undo = Undo()
    speedups.definitions_validated_once(undo)
    valid = '{"StartAt": "A", "States": {"A": {"Type": "Succeed"}}}'
    try:
        StepFunctionsParserBackend._validate_definition(valid)
        # When it is validated again, the parser is not asked; an invalid one still is
        with mock.patch(
            "moto.stepfunctions.parser.models.AmazonStateLanguageParser.parse",
            side_effect=AssertionError("parsed again"),
        ):
            StepFunctionsParserBackend._validate_definition(valid)
        for _ in range(2):
            with pytest.raises(InvalidDefinition):
                StepFunctionsParserBackend._validate_definition('{"StartAt": "A"}')
    finally:
        undo.remove()


def test_moto_task_clients_are_made_once_per_service_and_region():
    undo = Undo()
    speedups.step_functions_clients_reused(undo)
    try:
        lam = boto_client_for("eu-west-1", "lambda")
        assert boto_client_for("eu-west-1", "lambda") is lam
        assert boto_client_for("eu-west-1", "sqs") is not lam
        assert boto_client_for("us-east-1", "lambda") is not lam
    finally:
        undo.remove()
    assert boto_client_for("eu-west-1", "lambda") is not boto_client_for("eu-west-1", "lambda")


def test_parsed_json_paths_still_match_each_data_on_its_own():
    undo = Undo()
    speedups.json_paths_parsed_once(undo)
    try:
        assert extract_json("$.a.b", {"a": {"b": 1}}) == 1
        assert extract_json("$.a.b", {"a": {"b": 2}}) == 2
        assert extract_json("$.items[1]", {"items": ["x", "y"]}) == "y"
    finally:
        undo.remove()


def test_response_methods_are_listed_afresh_when_a_class_gains_one():
    # Given a response class whose methods were listed once
    class Responses:
        def describe_a(self) -> None: ...

    undo = Undo()
    speedups.response_methods_listed_once(undo)
    try:
        assert "describe_a" in responses.method_names_from_class(Responses)

        # When it gains a handler
        Responses.describe_b = lambda self: None

        # Then the next listing has it
        assert {"describe_a", "describe_b"} <= set(responses.method_names_from_class(Responses))
    finally:
        undo.remove()


def test_wait_while_busy_returns_at_once_when_nobody_runs():
    clock = VirtualClock()
    start = time.monotonic()
    assert clock.wait_while_busy(5.0) is False
    assert time.monotonic() - start < 1.0


def test_wait_while_busy_wakes_as_a_participant_finishes():
    # Given a participant that finishes a moment later, in its own thread
    clock = VirtualClock()
    clock.participant_started()
    finisher = threading.Timer(0.05, clock.participant_finished)
    finisher.start()

    # When an outside thread waits with a long timeout
    start = time.monotonic()
    waited = clock.wait_while_busy(10.0)

    # Then it is woken by the finish, not by the timeout
    assert waited is True
    assert time.monotonic() - start < 5.0
    finisher.join()


def test_participants_still_stop_time_while_one_works():
    # Given two participants, one asleep for an hour, one still working
    clock = VirtualClock()
    clock.participant_started()
    clock.participant_started()
    slept = threading.Thread(target=clock.sleep, args=(3600,))
    slept.start()
    time.sleep(0.1)

    # Then no time passes while the other works
    assert clock.elapsed().total_seconds() == 0

    # When the worker finishes, the sleeper's hour passes at once
    clock.participant_finished()
    slept.join(timeout=5)
    assert not slept.is_alive()
    assert clock.elapsed().total_seconds() == 3600
    clock.participant_finished()


def test_a_request_is_routed_once_however_many_steps_ask():
    # Given a moto response object whose routing is counted
    class Response:
        routed = 0

        def __init__(self, request: object) -> None:
            self.normalized_request = request

        def _get_action(self) -> str:
            Response.routed += 1
            return "Invoke"

    response = Response(object())

    # When throttling, IAM and CloudTrail each ask for its operation
    operations = {operation_of(response) for _ in range(3)}

    # Then it was routed once; a new request on the same object is routed afresh
    assert (operations, Response.routed) == ({"Invoke"}, 1)
    response.normalized_request = object()
    assert operation_of(response) == "Invoke" and Response.routed == 2
