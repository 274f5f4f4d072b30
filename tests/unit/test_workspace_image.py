"""A failed import's reason: AWS's codes, and what to do about each ErrorDetails code."""

from __future__ import annotations

import re
from pathlib import Path

import botocore.session

from byol_import.logic.error_details import REMEDIES, SOURCES, remedies
from byol_import.logic.workspace_image import MAX_REASON, image_poll

ROOT = Path(__file__).resolve().parents[2]


def model_codes() -> list[str]:
    model = botocore.session.get_session().get_service_model("workspaces")
    return list(model.shape_for("WorkspaceImageErrorDetailCode").enum)


def test_the_remedy_table_covers_exactly_the_models_error_detail_codes() -> None:
    # Given the pinned botocore model's WorkspaceImageErrorDetailCode enum
    codes = model_codes()
    # Then every code has one remedy with a known source, and there is no other
    assert len(codes) == 48
    assert sorted(REMEDIES) == sorted(codes)
    assert all(r.text and r.source in SOURCES for r in REMEDIES.values())


def test_the_readme_table_is_the_remedy_table() -> None:
    # Given the README's ErrorDetails table, between its markers
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = text.split("<!-- error-details:start -->")[1].split("<!-- error-details:end -->")[0]
    rows = re.findall(r"^\| `([A-Za-z0-9]+)` \| (.+?) \| (\w+) \|$", table, re.MULTILINE)
    # Then it lists every code once, with the product table's remedy and source
    assert len(rows) == len(REMEDIES)
    assert {code: (remedy, source) for code, remedy, source in rows} == {
        code: (r.text, r.source) for code, r in REMEDIES.items()
    }


def test_a_failed_import_names_each_code_and_its_remedy() -> None:
    # Given an image that ended in ERROR with two checker findings (one repeated)
    image = {
        "State": "ERROR",
        "ErrorCode": "ImportFailed",
        "ErrorMessage": "validation failed",
        "ErrorDetails": [
            {"ErrorCode": "ProtocolOSIncompatibility"},
            {"ErrorCode": "AppXPackagesInstalled"},
            {"ErrorCode": "ProtocolOSIncompatibility"},
        ],
    }
    # When the poll reads it
    reason = image_poll("wsi-12345678", image).failure_reason()
    # Then the reason keeps AWS's codes and adds each code's remedy once
    assert "ImportFailed: validation failed" in reason
    assert "ErrorDetails: ProtocolOSIncompatibility, AppXPackagesInstalled" in reason
    assert f"ProtocolOSIncompatibility: {REMEDIES['ProtocolOSIncompatibility'].text}" in reason
    assert f"AppXPackagesInstalled: {REMEDIES['AppXPackagesInstalled'].text}" in reason
    assert reason.count("ProtocolOSIncompatibility:") == 1


def test_a_reason_with_every_code_is_bounded() -> None:
    image = {"State": "ERROR", "ErrorDetails": [{"ErrorCode": c} for c in model_codes()]}
    reason = image_poll("wsi-12345678", image).failure_reason()
    assert len(reason) <= MAX_REASON and reason.endswith("...")
    assert reason.startswith("WorkSpaces image wsi-12345678 ended in ERROR: no ErrorCode")


def test_an_undocumented_code_gets_a_pointer_not_a_guess() -> None:
    assert remedies(["SomethingNew"]) == [
        "SomethingNew: not a documented code: see the BYOL Checker's report"
    ]
