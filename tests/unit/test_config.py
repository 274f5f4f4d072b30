"""The configuration schema: defaults in one place, typed parsing of cdk.json and -c values, the
same rules at synth and in the functions."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import pytest

from byol_import import settings
from byol_import.settings import ConfigError, RuntimeConfig, runtime_config
from stacks.config import ROOT, ProjectConfig, default_config, from_app_context, from_context

KEYS = [setting.key for _, setting, _ in ProjectConfig.settings()]


def test_every_key_has_a_default_and_nothing_is_required() -> None:
    # Given no configuration at all, when it is read, then every key takes its schema default.
    config = from_context({})
    assert config == ProjectConfig()
    assert config.cleanup_failed_images is True
    assert config.cidr_constraints[0] == "10.0.0.0/8"
    assert config.notification_email == ""
    assert len(KEYS) == len(set(KEYS)) == 34  # 8 delivery keys, 6 Image Builder path


def test_the_shipped_cdk_json_configures_the_defaults() -> None:
    assert default_config() == ProjectConfig()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (False, False),
        (True, True),
        ("false", False),
        ("False", False),
        ("true", True),
        (" TRUE ", True),
    ],
)
def test_a_boolean_is_read_from_json_or_from_a_string(raw: Any, expected: bool) -> None:
    # Given -c values are strings, "false" must be false (bool("false") is True).
    assert from_context({"cleanupFailedImages": raw}).cleanup_failed_images is expected


@pytest.mark.parametrize("raw", ["yes", "0", 0, 1, "", None, [True]])
def test_anything_else_is_refused_for_a_boolean(raw: Any) -> None:
    with pytest.raises(
        ConfigError, match=r"byolImport\.cleanupFailedImages must be true or false; got"
    ):
        from_context({"cleanupFailedImages": raw})


@pytest.mark.parametrize(("raw", "expected"), [(60, 60), ("60", 60), (" 120 ", 120)])
def test_an_integer_is_read_from_json_or_from_a_string(raw: Any, expected: int) -> None:
    assert from_context({"lockRetryIntervalSeconds": raw}).lock_retry_interval_seconds == expected


@pytest.mark.parametrize("raw", ["abc", "6.5", 6.5, True, None, [60], "0", 0, 3601, "-1"])
def test_a_wrong_type_or_range_is_refused_naming_the_key_and_the_rule(raw: Any) -> None:
    with pytest.raises(ConfigError) as caught:
        from_context({"lockRetryIntervalSeconds": raw})
    assert str(caught.value).startswith(
        "byolImport.lockRetryIntervalSeconds must be from 1 to 3600 (an integer); got "
    )


@pytest.mark.parametrize(
    ("key", "raw"),
    [
        ("stackName", 5),
        ("stackName", "1abc"),
        ("stackName", "has space"),
        ("triggerTagKey", "byol-import:status"),
        ("triggerTagKey", "aws:x"),
        ("triggerTagKey", ""),
        ("defaultIngestionProcess", "BYOL_NOPE"),
        ("notificationEmail", "not-an-address"),
        ("notificationEmail", 7),
        ("logRetentionDays", 0),
        ("imageDeadlineHours", 49),
        ("byolEnablement", "ask"),
        ("managementCidr", "10.200.0.0/24"),
        ("managementCidr", "10.200.1.0/16"),
        ("managementCidr", "not-a-cidr"),
        ("approvalTimeoutHours", 0),
        ("approvalTimeoutHours", 25),
        ("notifyOnStart", "yes"),
    ],
)
def test_each_rule_is_enforced(key: str, raw: Any) -> None:
    with pytest.raises(ConfigError, match=rf"^byolImport\.{key} must be "):
        from_context({key: raw})


@pytest.mark.parametrize(
    "raw",
    [
        ["10.0.0.0/8", "192.168.0.0/16"],
        '["10.0.0.0/8", "192.168.0.0/16"]',
        "10.0.0.0/8,192.168.0.0/16",
        " 10.0.0.0/8 , 192.168.0.0/16 ",
    ],
)
def test_cidr_lists_are_read_from_json_lists_or_strings(raw: Any) -> None:
    assert from_context({"cidrConstraints": raw}).cidr_constraints == (
        "10.0.0.0/8",
        "192.168.0.0/16",
    )


@pytest.mark.parametrize(
    ("key", "raw"),
    [
        ("cidrConstraints", []),
        ("cidrConstraints", ""),
        ("cidrConstraints", "10.0.0.1/8"),
        ("cidrExclusions", ["nope"]),
        ("cidrExclusions", "[1, 2]"),
        ("cidrExclusions", "[oops"),
        ("cidrExclusions", {"a": 1}),
    ],
)
def test_bad_cidr_lists_are_refused(key: str, raw: Any) -> None:
    with pytest.raises(ConfigError, match=rf"^byolImport\.{key} must be .*IPv4 CIDR"):
        from_context({key: raw})


def test_the_enablement_settings_default_to_asking_a_person() -> None:
    config = from_context({})
    assert (config.byol_enablement, config.management_cidr) == ("approve", "")
    assert (config.approval_timeout_hours, config.notify_on_start) == (24, False)
    pinned = from_context({"byolEnablement": "auto", "managementCidr": "10.200.0.0/16"})
    assert (pinned.byol_enablement, pinned.management_cidr) == ("auto", "10.200.0.0/16")
    # The lock is held, and waited for, through the approval too
    assert config.lock_lease_seconds == (24 + 24 + 1) * 3600


def test_empty_exclusions_are_allowed() -> None:
    assert from_context({"cidrExclusions": ""}).cidr_exclusions == ()


def test_a_misspelt_key_is_refused_with_a_suggestion() -> None:
    with pytest.raises(
        ConfigError,
        match=r"notificationEmial is not a setting; did you mean "
        r"notificationEmail\?",
    ):
        from_context({"notificationEmial": "ops@example.com"})


def test_rules_across_keys_are_checked() -> None:
    with pytest.raises(ConfigError, match=r"imageFirstPollDelayMinutes .* must be shorter than"):
        from_context({"imageFirstPollDelayMinutes": 120, "imageDeadlineHours": 2})


def test_a_changed_copy_is_checked_again() -> None:
    with pytest.raises(ConfigError, match="cidrConstraints"):
        dataclasses.replace(ProjectConfig(), cidr_constraints=("bad",))


# -- -c options, as the CDK CLI hands them to the app ---------------------------------------


def test_a_dotted_c_option_overrides_one_key() -> None:
    # Given `cdk synth -c byolImport.notificationEmail=ops@example.com -c
    # byolImport.cleanupFailedImages=false`: the CLI stores each under its dotted key, as a string.
    context = {
        "byolImport": {"stackName": "Other"},
        "byolImport.notificationEmail": "ops@example.com",
        "byolImport.cleanupFailedImages": "false",
        "@aws-cdk/core:checkSecretUsage": True,
    }
    config = from_app_context(context)
    assert config.notification_email == "ops@example.com"
    assert config.cleanup_failed_images is False
    assert config.stack_name == "Other"


def test_a_whole_json_c_option_replaces_the_object_and_dotted_keys_win() -> None:
    context = {
        "byolImport": '{"notificationEmail": "a@example.com", "lockMaxWaitMinutes": "30"}',
        "byolImport.lockMaxWaitMinutes": "45",
    }
    config = from_app_context(context)
    assert config.notification_email == "a@example.com"
    assert config.lock_max_wait_minutes == 45


@pytest.mark.parametrize("raw", ["[1]", "not json", "5"])
def test_a_c_option_that_is_not_an_object_is_refused(raw: str) -> None:
    with pytest.raises(ConfigError, match="byolImport must be a JSON object"):
        from_app_context({"byolImport": raw})


def test_a_misspelt_dotted_c_option_is_refused() -> None:
    with pytest.raises(ConfigError, match="did you mean notificationEmail"):
        from_app_context({"byolImport.notificationemail": "ops@example.com"})


# -- The functions: the same schema, checked when they read their environment ----------------


def test_the_functions_and_cdk_share_one_schema() -> None:
    function_keys = {s.key for _, s, _ in settings.FunctionSettings.settings()}
    assert issubclass(ProjectConfig, settings.FunctionSettings)
    assert issubclass(RuntimeConfig, settings.FunctionSettings)
    assert {s.key for _, s, _ in RuntimeConfig.settings()} == function_keys
    assert function_keys < set(KEYS)
    assert all(s.env for _, s, _ in settings.FunctionSettings.settings())


def test_the_functions_read_back_what_cdk_wrote() -> None:
    config = from_context(
        {
            "cleanupFailedImages": "false",
            "cidrExclusions": "",
            "cidrConstraints": "192.168.0.0/16",
            "triggerTagKey": "Go",
        }
    )
    env = {**config.lambda_environment(), settings.ENV_TOPIC_ARN: "arn:topic"}
    runtime = runtime_config(env)
    for attr, _, _ in settings.FunctionSettings.settings():
        assert getattr(runtime, attr) == getattr(config, attr), attr
    assert runtime.lock_lease_seconds == config.lock_lease_seconds
    assert runtime.topic_arn == "arn:topic"


def test_an_absent_variable_takes_the_schema_default() -> None:
    runtime = runtime_config({})
    assert runtime.cleanup_failed_images is True
    assert runtime.default_ingestion_process == ProjectConfig().default_ingestion_process
    assert runtime.lock_table == "" and runtime.lock_lease_seconds == 0


@pytest.mark.parametrize(
    ("variable", "raw"),
    [
        (settings.ENV_CLEANUP_FAILED_IMAGES, "yes"),
        (settings.ENV_CIDR_CONSTRAINTS, ""),
        (settings.ENV_DEFAULT_INGESTION_PROCESS, "BYOL_NOPE"),
        (settings.ENV_LOCK_LEASE_SECONDS, "soon"),
    ],
)
def test_a_bad_variable_fails_the_function_naming_it(variable: str, raw: str) -> None:
    with pytest.raises(ConfigError, match=rf"^{variable}\b.* must be "):
        runtime_config({variable: raw})


# -- The README documents the schema -------------------------------------------------------


def test_the_readme_lists_every_key_with_its_default() -> None:
    readme = (ROOT / "README.md").read_text()
    rows = dict(re.findall(r"^\| `(\w+)` \| ([^|]*) \|", readme, re.MULTILINE))
    for attr, setting, kind in ProjectConfig.settings():
        assert setting.key in rows, setting.key
        default = getattr(ProjectConfig(), attr)
        shown = rows[setting.key].strip()
        if kind is bool:
            assert shown == f"`{str(default).lower()}`", setting.key
        elif kind is str:
            assert shown == (f"`{default}`" if default else "empty"), setting.key
        elif kind is int:
            assert shown == str(default), setting.key
        else:
            assert shown == ", ".join(f"`{v}`" for v in default), setting.key
