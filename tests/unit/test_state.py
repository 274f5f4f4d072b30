"""The state document the ASL passes to every Task, parsed once into typed sections."""

from __future__ import annotations

import pytest

from byol_import import errors
from byol_import.state import WorkflowState

AMI = "ami-0abcdef1234567890"
EXEC = "arn:aws:states:eu-west-1:123456789012:execution:sm:x"


def test_every_section_the_asl_stores_is_read() -> None:
    # Given the state after PollImage, as the ASL stores it
    raw = {
        "Input": {"ImageId": AMI, "Trigger": {"Source": "CreateTags", "TagValue": ""}},
        "Context": {"ExecutionId": EXEC, "StartedAt": "2026-11-25T00:00:00Z"},
        "Request": {
            "image_id": AMI,
            "ingestion_process": "BYOL_REGULAR_WSP",
            "applications": ["Microsoft_Office_2019"],
            "source": "CreateTags",
        },
        "Ami": {"import_name": "win11", "import_description": "Windows 11", "platform": "x"},
        "Import": {"image_id": "wsi-123456789", "name": "win11", "adopted": False},
        "Poll": {"state": "ERROR", "seen": True, "reason": "ERROR: AppX"},
        "Error": {"Error": "ImageImportFailed", "Cause": "ERROR: AppX"},
    }
    # When it is parsed
    state = WorkflowState.parse(raw)
    # Then each section is typed
    assert state.need_context().execution_id == EXEC
    assert state.need_request().applications == ("Microsoft_Office_2019",)
    assert state.need_ami().import_name == "win11"
    assert state.need_image_id() == "wsi-123456789"
    assert state.need_poll().seen is True and state.need_poll().reason == "ERROR: AppX"
    assert state.error is not None and state.error.error == "ImageImportFailed"
    assert (state.input_ami, state.trigger_source) == (AMI, "CreateTags")


def test_sections_not_yet_written_are_none_and_needing_one_names_it() -> None:
    state = WorkflowState.parse({"Input": "not an object"})
    assert (state.request, state.ami, state.imported, state.poll, state.error) == (
        None,
        None,
        None,
        None,
        None,
    )
    assert state.input_ami is None and state.trigger_source is None
    with pytest.raises(errors.InvalidRequest, match="state: Import is missing"):
        state.need_image_id()
    with pytest.raises(errors.InvalidRequest, match="state: Context is missing"):
        state.need_context()


def test_a_malformed_request_section_is_a_broken_definition() -> None:
    with pytest.raises(errors.InvalidRequest, match="Request lacks 'ingestion_process'"):
        WorkflowState.parse({"Request": {"image_id": AMI}})
