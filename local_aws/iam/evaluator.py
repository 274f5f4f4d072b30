"""A small IAM policy evaluator: identity-based statements of one principal, one account.

The rules, from AWS's pages (each unit test in tests/iam/test_evaluator.py cites its rule):
- "Policy evaluation logic" (https://docs.aws.amazon.com/IAM/latest/UserGuide/
  reference_policies_evaluation-logic.html): an explicit Deny in any statement wins; otherwise an
  Allow that matches allows; otherwise the request is implicitly denied.
- "IAM JSON policy elements: Condition operators" (https://docs.aws.amazon.com/IAM/latest/
  UserGuide/reference_policies_elements_condition_operators.html): a key absent from the request
  makes a condition false, but true for a negated operator; ...IfExists is true when the key is
  absent; Null tests presence.
- "Conditions with multiple context keys or values" (https://docs.aws.amazon.com/IAM/latest/
  UserGuide/reference_policies_multi-value-conditions.html): operators AND, keys AND, values OR
  (NOR for a negated operator); ForAllValues is true for an absent or empty key, ForAnyValue false.

Anything it does not implement (Date*, IpAddress, Binary*, policy variables) raises
UnsupportedPolicy: a policy it cannot judge never passes silently.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from functools import cache
from typing import Any

from local_aws.iam.sar import glob_regex


class UnsupportedPolicy(ValueError):
    pass


class Decision(Enum):
    ALLOW = "allow"
    EXPLICIT_DENY = "explicit deny"
    IMPLICIT_DENY = "implicit deny"


@dataclass(frozen=True)
class Request:
    """One action on one resource ("*" for an action without resource types), with the request
    context: condition keys (any case) to their values."""

    action: str
    resource: str
    context: Mapping[str, Sequence[str]] = field(default_factory=dict)

    def value(self, key: str) -> list[str] | None:
        lowered = key.lower()
        for k, v in self.context.items():
            if k.lower() == lowered:
                return list(v)
        return None


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


@cache
def _glob(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    if "${" in pattern:
        raise UnsupportedPolicy(f"policy variables are not evaluated here: {pattern!r}")
    return re.compile(glob_regex(pattern), re.IGNORECASE if ignore_case else 0)


def _arn_like(value: str, pattern: str) -> bool:
    # Each of the six colon-separated ARN parts is matched on its own (ArnLike, ArnEquals).
    got, want = value.split(":", 5), pattern.split(":", 5)
    if len(got) != 6 or len(want) != 6:
        return False
    return all(_glob(w, False).fullmatch(g) is not None for g, w in zip(got, want, strict=True))


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _numeric(compare: Callable[[float, float], bool]) -> Callable[[str, str], bool]:
    def match(value: str, wanted: str) -> bool:
        a, b = _number(value), _number(wanted)
        return a is not None and b is not None and compare(a, b)

    return match


# operator -> (value matches one policy value, negated)
_OPERATORS: dict[str, tuple[Callable[[str, str], bool], bool]] = {
    "StringEquals": (lambda v, p: v == p, False),
    "StringNotEquals": (lambda v, p: v == p, True),
    "StringEqualsIgnoreCase": (lambda v, p: v.lower() == p.lower(), False),
    "StringNotEqualsIgnoreCase": (lambda v, p: v.lower() == p.lower(), True),
    "StringLike": (lambda v, p: _glob(p, False).fullmatch(v) is not None, False),
    "StringNotLike": (lambda v, p: _glob(p, False).fullmatch(v) is not None, True),
    "ArnEquals": (_arn_like, False),
    "ArnLike": (_arn_like, False),
    "ArnNotEquals": (_arn_like, True),
    "ArnNotLike": (_arn_like, True),
    "Bool": (lambda v, p: v.lower() == p.lower(), False),
    "NumericEquals": (_numeric(lambda a, b: a == b), False),
    "NumericNotEquals": (_numeric(lambda a, b: a == b), True),
    "NumericLessThan": (_numeric(lambda a, b: a < b), False),
    "NumericLessThanEquals": (_numeric(lambda a, b: a <= b), False),
    "NumericGreaterThan": (_numeric(lambda a, b: a > b), False),
    "NumericGreaterThanEquals": (_numeric(lambda a, b: a >= b), False),
}


def _policy_values(raw: Any) -> list[str]:
    out = []
    for v in _as_list(raw):
        if isinstance(v, bool):
            out.append("true" if v else "false")
        elif isinstance(v, str) and "${" in v:
            raise UnsupportedPolicy(f"policy variables are not evaluated here: {v!r}")
        elif isinstance(v, (str, int, float)):
            out.append(str(v))
        else:
            raise UnsupportedPolicy(f"condition value {v!r} is not a string, number or bool")
    return out


def _condition_holds(operator: str, key: str, raw: Any, request: Request) -> bool:
    values = _policy_values(raw)
    present = request.value(key)
    qualifier, _, op = operator.rpartition(":")
    if qualifier not in ("", "ForAllValues", "ForAnyValue"):
        raise UnsupportedPolicy(f"unknown condition qualifier {qualifier!r}")
    if op == "Null":
        if qualifier:
            raise UnsupportedPolicy(f"{operator} is not a valid operator")
        wants_absent = [v.lower() == "true" for v in values]
        is_absent = present is None or present == []
        return any(w == is_absent for w in wants_absent)
    if_exists = op.endswith("IfExists")
    base = op.removesuffix("IfExists")
    if base not in _OPERATORS:
        raise UnsupportedPolicy(f"condition operator {operator!r} is not implemented")
    match, negated = _OPERATORS[base]

    def one(value: str) -> bool:
        hit = any(match(value, p) for p in values)
        return not hit if negated else hit  # negated: the value matches none (NOR)

    if present is None or (qualifier and present == []):
        if if_exists:
            return True
        if qualifier == "ForAllValues":
            return True
        if qualifier == "ForAnyValue":
            return False
        return negated
    if qualifier == "ForAllValues":
        return all(one(v) for v in present)
    if qualifier == "ForAnyValue":
        return any(one(v) for v in present)
    if len(present) != 1:
        # A single-valued operator on a multivalued key: AWS says to use a set qualifier; the
        # stricter reading is that every value must satisfy it.
        return all(one(v) for v in present)
    return one(present[0])


def conditions_hold(condition: Mapping[str, Any] | None, request: Request) -> bool:
    if not condition:
        return True
    return all(
        _condition_holds(operator, key, raw, request)
        for operator, block in condition.items()
        for key, raw in block.items()
    )


def _matches_any(patterns: Iterable[str], value: str, ignore_case: bool) -> bool:
    return any(_glob(p, ignore_case).fullmatch(value) is not None for p in patterns)


def statement_applies(statement: Mapping[str, Any], request: Request) -> bool:
    if "Action" in statement:
        if not _matches_any(_as_list(statement["Action"]), request.action, True):
            return False
    elif "NotAction" in statement:
        if _matches_any(_as_list(statement["NotAction"]), request.action, True):
            return False
    else:
        raise UnsupportedPolicy("a statement without Action or NotAction")
    if "Resource" in statement:
        if not _matches_any(_as_list(statement["Resource"]), request.resource, False):
            return False
    elif "NotResource" in statement:
        if _matches_any(_as_list(statement["NotResource"]), request.resource, False):
            return False
    else:
        raise UnsupportedPolicy("an identity-based statement without Resource or NotResource")
    return conditions_hold(statement.get("Condition"), request)


def evaluate(statements: Iterable[Mapping[str, Any]], request: Request) -> Decision:
    """Explicit deny > allow > implicit deny, over every statement of the principal."""
    allowed = False
    for statement in statements:
        effect = statement.get("Effect")
        if effect not in ("Allow", "Deny"):
            raise UnsupportedPolicy(f"Effect {effect!r}")
        if statement_applies(statement, request):
            if effect == "Deny":
                return Decision.EXPLICIT_DENY
            allowed = True
    return Decision.ALLOW if allowed else Decision.IMPLICIT_DENY


def principal_scope(statement: Mapping[str, Any], principal_arn: str, account: str) -> str | None:
    """Whom a resource policy statement names: "principal" (this principal, or everyone),
    "account" (the account: IAM policies decide, as a key policy's root statement delegates),
    or None. Only AWS principals are compared; a service principal never matches a role."""
    if "NotPrincipal" in statement:
        raise UnsupportedPolicy("NotPrincipal is not evaluated here")
    principal = statement.get("Principal")
    if principal == "*":
        return "principal"
    if not isinstance(principal, Mapping):
        return None
    found: str | None = None
    for value in _as_list(principal.get("AWS", [])):
        if value in ("*", principal_arn):
            return "principal"
        if value in (account, f"arn:aws:iam::{account}:root"):
            found = "account"
    return found


def evaluate_with_resource_policy(
    identity: Iterable[Mapping[str, Any]],
    resource_policy: Iterable[Mapping[str, Any]],
    request: Request,
    principal_arn: str,
    account: str,
    delegation_required: bool,
) -> Decision:
    """Same-account access with a resource policy ([EVAL]: an explicit deny anywhere wins;
    otherwise an allow in either policy suffices). With `delegation_required` (AWS KMS key
    policies) the identity policy counts only if the key policy allows the account."""
    direct, via_account = [], []
    for statement in resource_policy:
        scope = principal_scope(statement, principal_arn, account)
        if scope == "principal":
            direct.append(statement)
        elif scope == "account":
            via_account.append(statement)
    decisions = (
        evaluate(identity, request),
        evaluate(direct, request),
        evaluate(via_account, request),
    )
    identity_decision, direct_decision, account_decision = decisions
    if Decision.EXPLICIT_DENY in decisions:
        return Decision.EXPLICIT_DENY
    if direct_decision is Decision.ALLOW:
        return Decision.ALLOW
    if identity_decision is Decision.ALLOW and (
        not delegation_required or account_decision is Decision.ALLOW
    ):
        return Decision.ALLOW
    return Decision.IMPLICIT_DENY
