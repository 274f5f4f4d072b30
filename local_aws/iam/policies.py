"""The IAM statements the synthesized template gives each principal, with intrinsics resolved.

`extract(template)` reads, generically, every identity policy (AWS::IAM::Policy and
AWS::IAM::ManagedPolicy attached to a role, a role's inline Policies) and the principals that use
the roles: each Lambda function (named by its settings key, found by its Handler) and the state
machine ("StateMachine"). `resolve()` turns CloudFormation intrinsics into ARNs of the referenced
resource's type, built from the SAR ARN format, with the names the caller gives (the local
resources' names for a local run, the logical ids for the static check).

The extract is cached on disk with the template's other facts (local_aws/synthesis.py).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from local_aws.iam.resolver import CFN_TYPES, CfnType, Place, Resolver, UnresolvedIntrinsic
from local_aws.synthesis import inputs_hash

if TYPE_CHECKING:
    from pathlib import Path

STATE_MACHINE = "StateMachine"

# -- the template, generically ---------------------------------------------------------------


def _ref_id(node: Any) -> str | None:
    if isinstance(node, dict):
        if "Ref" in node:
            return str(node["Ref"])
        if "Fn::GetAtt" in node:
            arg = node["Fn::GetAtt"]
            return str(arg[0] if isinstance(arg, list) else arg.split(".")[0])
    return None


def _statements(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    statement = document.get("Statement", [])
    return list(statement) if isinstance(statement, list) else [statement]


def extract(template: Mapping[str, Any], handler_keys: Mapping[str, str]) -> dict[str, Any]:
    """Per role: its identity statements; per principal: its role. `handler_keys` maps a Lambda
    Handler to the function's key. JSON-serializable (it is cached on disk)."""
    resources: dict[str, Any] = template.get("Resources", {})
    roles: dict[str, list[dict[str, Any]]] = {}
    managed: dict[str, list[Any]] = {}
    for logical_id, res in resources.items():
        if res["Type"] == "AWS::IAM::Role":
            props = res.get("Properties", {})
            roles.setdefault(logical_id, [])
            for policy in props.get("Policies", []):
                roles[logical_id].extend(_statements(policy["PolicyDocument"]))
            if props.get("ManagedPolicyArns"):
                managed[logical_id] = props["ManagedPolicyArns"]
    for res in resources.values():
        if res["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            props = res.get("Properties", {})
            for role in props.get("Roles", []):
                role_id = _ref_id(role)
                if role_id is None or role_id not in roles:
                    raise UnresolvedIntrinsic(f"policy attached to an unknown role {role!r}")
                roles[role_id].extend(_statements(props["PolicyDocument"]))
    principals: dict[str, str] = {}
    logical_ids: dict[str, str] = {}  # principal -> its function's / state machine's logical id
    for logical_id, res in resources.items():
        props = res.get("Properties", {})
        if res["Type"] == "AWS::Lambda::Function":
            key = handler_keys.get(props.get("Handler", ""))
            role_id = _ref_id(props.get("Role"))
            if key and role_id:
                principals[key], logical_ids[key] = role_id, logical_id
        elif res["Type"] == "AWS::StepFunctions::StateMachine":
            role_id = _ref_id(props.get("RoleArn"))
            if role_id:
                principals[STATE_MACHINE], logical_ids[STATE_MACHINE] = role_id, logical_id
    # Resource policies the local run also evaluates: a topic's KMS key and each key's policy.
    topic_keys = {
        k: r["Properties"]["KmsMasterKeyId"]
        for k, r in resources.items()
        if r["Type"] == "AWS::SNS::Topic" and "KmsMasterKeyId" in r.get("Properties", {})
    }
    key_policies = {
        k: _statements(r["Properties"]["KeyPolicy"])
        for k, r in resources.items()
        if r["Type"] == "AWS::KMS::Key" and "KeyPolicy" in r.get("Properties", {})
    }
    return {
        "topic_keys": topic_keys,
        "key_policies": key_policies,
        "principals": principals,
        "logical_ids": logical_ids,
        "roles": roles,
        "managed_policy_arns": managed,
        "resources": {k: v["Type"] for k, v in resources.items()},
    }


@dataclass
class Policies:
    """What each principal's role allows, resolved for one place and naming."""

    extract: dict[str, Any]

    def raw(self, principal: str) -> list[dict[str, Any]]:
        return list(self.extract["roles"][self.extract["principals"][principal]])

    def logical_id(self, principal: str) -> str:
        return str(self.extract["logical_ids"][principal])

    def of_type(self, cfn_type: str) -> list[str]:
        return sorted(k for k, v in self.extract["resources"].items() if v == cfn_type)

    def principals(self) -> list[str]:
        return sorted(self.extract["principals"])

    def role_name(self, principal: str) -> str:
        return str(self.extract["principals"][principal])

    def resolved(self, names: Mapping[str, str], place: Place) -> dict[str, list[dict[str, Any]]]:
        resolve = Resolver(self.extract["resources"], names, place)
        out: dict[str, list[dict[str, Any]]] = {}
        for principal, role in self.extract["principals"].items():
            if self.extract["managed_policy_arns"].get(role):
                raise UnresolvedIntrinsic(
                    f"{principal}'s role has managed policies whose statements are not in the "
                    "template: the local run cannot evaluate them"
                )
            out[principal] = [resolve(s) for s in self.extract["roles"][role]]
        return out

    def topic_keys(
        self, names: Mapping[str, str], place: Place
    ) -> dict[str, tuple[str, list[dict[str, Any]]]]:
        """Topic ARN -> (its KMS key's ARN, the key policy) for every topic encrypted with a key
        of this template. A topic on an AWS managed key (alias/aws/...) needs no grant of ours;
        one on a key from elsewhere cannot be judged here and raises."""
        resolve = Resolver(self.extract["resources"], names, place)
        out: dict[str, tuple[str, list[dict[str, Any]]]] = {}
        for topic, key_node in self.extract.get("topic_keys", {}).items():
            key_id = _ref_id(key_node)
            if key_id is None:
                if "alias/aws/" in str(resolve(key_node)):  # "alias/aws/sns" or its ARN
                    continue
                raise UnresolvedIntrinsic(
                    f"topic {topic} uses a key from outside the template "
                    f"({key_node}): its policy cannot be evaluated"
                )
            policy = self.extract.get("key_policies", {}).get(key_id, [])
            out[resolve.arn(topic)] = (resolve.arn(key_id), [resolve(s) for s in policy])
        return out

    def with_statements(self, principal: str, statements: list[dict[str, Any]]) -> Policies:
        """A copy whose principal's role has these statements instead (to test a defect)."""
        copy = json.loads(json.dumps(self.extract))
        copy["roles"][copy["principals"][principal]] = statements
        return Policies(copy)


def cached_extract(cache_dir: Path | None = None) -> Policies:
    """The stack's policies, from the cache (synthesizing only when it is stale)."""
    from local_aws.synthesis import cached

    return Policies(cached(cache_dir)["policies"])


__all__ = [
    "CFN_TYPES",
    "STATE_MACHINE",
    "CfnType",
    "Place",
    "Policies",
    "Resolver",
    "UnresolvedIntrinsic",
    "cached_extract",
    "extract",
    "inputs_hash",
]
