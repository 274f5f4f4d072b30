"""The evaluator against AWS's rules. Sources:
[EVAL] https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
[OPS]  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
[MULTI] https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_multi-value-conditions.html
"""

from __future__ import annotations

import pytest

from local_aws.iam.evaluator import (
    Decision,
    Request,
    UnsupportedPolicy,
    evaluate,
    evaluate_with_resource_policy,
)

IMAGE = "arn:aws:ec2:eu-west-1::image/ami-0123456789abcdef0"


def allow(**extra):
    return {"Effect": "Allow", "Action": "ec2:CreateTags", "Resource": "*", **extra}


def decide(statements, context=None, action="ec2:CreateTags", resource=IMAGE):
    return evaluate(statements, Request(action, resource, context or {}))


def test_no_statement_allows_so_the_request_is_implicitly_denied():
    # [EVAL] "By default, all requests are implicitly denied".
    assert decide([]) is Decision.IMPLICIT_DENY
    assert decide([allow(Action="ec2:DescribeImages")]) is Decision.IMPLICIT_DENY


def test_an_explicit_deny_overrides_any_allow():
    # [EVAL] "An explicit deny in any policy overrides any allows".
    deny = {"Effect": "Deny", "Action": "ec2:*", "Resource": "*"}
    assert decide([allow()]) is Decision.ALLOW
    assert decide([allow(), deny]) is Decision.EXPLICIT_DENY


def test_actions_match_case_insensitively_with_wildcards_and_not_action():
    # [EVAL]/Action element: action names are case-insensitive and accept * and ?.
    assert decide([allow(Action="EC2:createtags")]) is Decision.ALLOW
    assert decide([allow(Action="ec2:Create?ags")]) is Decision.ALLOW
    assert (
        decide([{"Effect": "Allow", "NotAction": "ec2:Describe*", "Resource": "*"}])
        is Decision.ALLOW
    )
    assert (
        decide([{"Effect": "Allow", "NotAction": "ec2:Create*", "Resource": "*"}])
        is Decision.IMPLICIT_DENY
    )


def test_resources_match_with_wildcards_and_not_resource():
    assert decide([allow(Resource="arn:aws:ec2:eu-west-1::image/*")]) is Decision.ALLOW
    assert decide([allow(Resource="arn:aws:ec2:us-east-1::image/*")]) is Decision.IMPLICIT_DENY
    not_snapshots = {
        "Effect": "Allow",
        "Action": "ec2:CreateTags",
        "NotResource": "arn:aws:ec2:*::snapshot/*",
    }
    assert decide([not_snapshots]) is Decision.ALLOW
    assert (
        decide([not_snapshots], resource="arn:aws:ec2:eu-west-1::snapshot/snap-1")
        is Decision.IMPLICIT_DENY
    )


def test_an_action_without_resource_types_is_only_allowed_by_star():
    # SAR: "*" is the only resource such an action is authorized on.
    statements = [
        allow(
            Action="workspaces:DescribeTags",
            Resource="arn:aws:workspaces:eu-west-1:123456789012:workspaceimage/*",
        )
    ]
    assert (
        decide(statements, action="workspaces:DescribeTags", resource="*") is Decision.IMPLICIT_DENY
    )


def test_a_missing_key_makes_a_condition_false_but_a_negated_one_true():
    # [OPS] "If the key ... is not present in the request context, the values do not match and
    # the condition is false. If the policy condition requires that the key is not matched, such
    # as StringNotLike or ArnNotLike, and the right key is not present, the condition is true."
    equals = allow(Condition={"StringEquals": {"aws:RequestTag/team": "euc"}})
    not_equals = allow(Condition={"StringNotEquals": {"aws:RequestTag/team": "euc"}})
    assert decide([equals]) is Decision.IMPLICIT_DENY
    assert decide([not_equals]) is Decision.ALLOW


def test_if_exists_is_true_when_the_key_is_absent_and_checked_when_present():
    # [OPS] ...IfExists: "If the policy key is present in the context of the request, process
    # the key as specified in the policy. If the key is not present, evaluate the condition
    # element as true."
    statement = allow(Condition={"StringEqualsIfExists": {"aws:RequestTag/team": "euc"}})
    assert decide([statement]) is Decision.ALLOW
    assert decide([statement], {"aws:RequestTag/team": ["ops"]}) is Decision.IMPLICIT_DENY


def test_null_tests_whether_the_key_is_present():
    # [OPS] Null: "true" means the key must be absent, "false" that it must be present.
    absent = allow(Condition={"Null": {"aws:RequestTag/team": "true"}})
    present = allow(Condition={"Null": {"aws:RequestTag/team": "false"}})
    assert decide([absent]) is Decision.ALLOW
    assert decide([present]) is Decision.IMPLICIT_DENY
    assert decide([present], {"aws:RequestTag/team": ["x"]}) is Decision.ALLOW


def test_values_or_keys_and_operators_and():
    # [MULTI] operators AND, keys AND, values OR.
    statement = allow(
        Condition={
            "StringEquals": {"aws:RequestTag/a": ["1", "2"], "aws:RequestTag/b": "x"},
            "StringLike": {"aws:RequestTag/c": "pre*"},
        }
    )
    good = {"aws:RequestTag/a": ["2"], "aws:RequestTag/b": ["x"], "aws:RequestTag/c": ["prefix"]}
    assert decide([statement], good) is Decision.ALLOW
    assert decide([statement], {**good, "aws:RequestTag/b": ["y"]}) is Decision.IMPLICIT_DENY
    assert decide([statement], {**good, "aws:RequestTag/c": ["nope"]}) is Decision.IMPLICIT_DENY


def test_a_negated_operator_with_several_values_is_a_nor():
    # [MULTI] "If a single negated matching condition operator includes multiple values for a
    # context key, those values are evaluated using a logical NOR."
    statement = allow(Condition={"StringNotEquals": {"aws:RequestTag/a": ["1", "2"]}})
    assert decide([statement], {"aws:RequestTag/a": ["2"]}) is Decision.IMPLICIT_DENY
    assert decide([statement], {"aws:RequestTag/a": ["3"]}) is Decision.ALLOW


def test_for_all_values_every_value_must_match_and_an_absent_key_is_true():
    # [MULTI] ForAllValues: true if every value in the request matches; also true when the key
    # is missing or empty (why a Null check often goes with it).
    statement = allow(Condition={"ForAllValues:StringLike": {"aws:TagKeys": ["byol-import:*"]}})
    assert decide([statement], {"aws:TagKeys": ["byol-import:status"]}) is Decision.ALLOW
    assert (
        decide([statement], {"aws:TagKeys": ["byol-import:status", "Name"]})
        is Decision.IMPLICIT_DENY
    )
    assert decide([statement]) is Decision.ALLOW
    assert decide([statement], {"aws:TagKeys": []}) is Decision.ALLOW


def test_for_any_value_one_value_must_match_and_an_absent_key_is_false():
    # [MULTI] ForAnyValue: true if at least one value matches; false when the key is missing.
    statement = allow(Condition={"ForAnyValue:StringEquals": {"aws:TagKeys": ["team"]}})
    assert decide([statement], {"aws:TagKeys": ["Name", "team"]}) is Decision.ALLOW
    assert decide([statement], {"aws:TagKeys": ["Name"]}) is Decision.IMPLICIT_DENY
    assert decide([statement]) is Decision.IMPLICIT_DENY


def test_string_operators_case_and_like_and_condition_key_names_ignore_case():
    # [OPS] StringEquals is case-sensitive, StringEqualsIgnoreCase is not; key names are not.
    assert (
        decide(
            [allow(Condition={"StringEquals": {"aws:RequestTag/t": "ABC"}})],
            {"aws:requesttag/t": ["abc"]},
        )
        is Decision.IMPLICIT_DENY
    )
    assert (
        decide(
            [allow(Condition={"StringEqualsIgnoreCase": {"aws:RequestTag/t": "ABC"}})],
            {"AWS:RequestTag/t": ["abc"]},
        )
        is Decision.ALLOW
    )
    assert (
        decide(
            [allow(Condition={"StringLike": {"aws:RequestTag/t": "a?c*"}})],
            {"aws:RequestTag/t": ["abcdef"]},
        )
        is Decision.ALLOW
    )


def test_arn_operators_match_each_arn_part_and_bool_and_numeric():
    # [OPS] ArnLike/ArnEquals: each of the six colon-delimited components is matched
    # separately, with * and ?.
    arn = "arn:aws:events:eu-west-1:123456789012:rule/AmiTagged"
    like = allow(Condition={"ArnLike": {"aws:SourceArn": "arn:aws:events:*:123456789012:rule/*"}})
    assert decide([like], {"aws:SourceArn": [arn]}) is Decision.ALLOW
    assert (
        decide([like], {"aws:SourceArn": ["arn:aws:events:eu-west-1:999:rule/x"]})
        is Decision.IMPLICIT_DENY
    )
    assert (
        decide(
            [allow(Condition={"ArnNotEquals": {"aws:SourceArn": arn}})], {"aws:SourceArn": [arn]}
        )
        is Decision.IMPLICIT_DENY
    )
    secure = {
        "Effect": "Deny",
        "Action": "*",
        "Resource": "*",
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    assert decide([allow(), secure], {"aws:SecureTransport": ["false"]}) is Decision.EXPLICIT_DENY
    assert decide([allow(), secure], {"aws:SecureTransport": ["true"]}) is Decision.ALLOW
    numeric = allow(Condition={"NumericLessThanEquals": {"aws:MultiFactorAuthAge": "3600"}})
    assert decide([numeric], {"aws:MultiFactorAuthAge": ["60"]}) is Decision.ALLOW
    assert decide([numeric], {"aws:MultiFactorAuthAge": ["7200"]}) is Decision.IMPLICIT_DENY
    assert decide([numeric], {"aws:MultiFactorAuthAge": ["soon"]}) is Decision.IMPLICIT_DENY


@pytest.mark.parametrize(
    "condition",
    [
        {"DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}},
        {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
        {"ForSomeValues:StringEquals": {"aws:TagKeys": "a"}},
        {"StringEquals": {"aws:PrincipalTag/team": "${aws:username}"}},
    ],
)
def test_an_operator_it_does_not_implement_raises_instead_of_guessing(condition):
    with pytest.raises(UnsupportedPolicy):
        decide(
            [allow(Condition=condition)],
            {
                "aws:CurrentTime": ["x"],
                "aws:SourceIp": ["x"],
                "aws:TagKeys": ["a"],
                "aws:PrincipalTag/team": ["x"],
            },
        )


ROLE = "arn:aws:iam::123456789012:role/r"
KEY = "arn:aws:kms:eu-west-1:123456789012:key/k"


def kms(identity, key_policy, delegation=True):
    return evaluate_with_resource_policy(
        identity, key_policy, Request("kms:Decrypt", KEY, {}), ROLE, "123456789012", delegation
    )


def test_a_key_policy_must_allow_the_role_or_delegate_to_the_account():
    # AWS KMS "Default key policy": the statement naming the account root "allows IAM policies
    # to allow access to the KMS key"; without it, IAM policies alone grant nothing
    # (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html).
    grant = [{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": KEY}]
    root = [
        {
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
            "Action": "kms:*",
            "Resource": "*",
        }
    ]
    direct = [
        {"Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": "kms:Decrypt", "Resource": "*"}
    ]
    service = [
        {
            "Effect": "Allow",
            "Principal": {"Service": "sns.amazonaws.com"},
            "Action": "kms:*",
            "Resource": "*",
        }
    ]
    assert kms(grant, root) is Decision.ALLOW
    assert kms([], root) is Decision.IMPLICIT_DENY
    assert kms(grant, []) is Decision.IMPLICIT_DENY
    assert kms(grant, service) is Decision.IMPLICIT_DENY
    assert kms([], direct) is Decision.ALLOW


def test_in_one_account_an_allow_in_either_policy_suffices_and_any_deny_wins():
    # [EVAL] "Within a single account": identity-based or resource-based allow; explicit deny
    # in any policy overrides.
    grant = [{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": KEY}]
    deny_all = [{"Effect": "Deny", "Principal": "*", "Action": "kms:*", "Resource": "*"}]
    assert kms(grant, [], delegation=False) is Decision.ALLOW
    assert kms(grant, deny_all, delegation=False) is Decision.EXPLICIT_DENY
