"""The IAM statements the synthesized template gives each principal, with intrinsics resolved.

`extract(template)` reads, generically, every identity policy (AWS::IAM::Policy and
AWS::IAM::ManagedPolicy attached to a role, a role's inline Policies) and the principals that use
the roles: each Lambda function (named by its settings key, found by its Handler) and the state
machine ("StateMachine"). `resolve()` turns CloudFormation intrinsics into ARNs of the referenced
resource's type, built from the SAR ARN format, with the names the caller gives (the local
resources' names for a local run, the logical ids for the static check).

Synthesizing costs seconds, so `cached_extract()` keeps the extract on disk, keyed by a hash of
everything that shapes the template, and synthesizes (in a subprocess) only when it is stale.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from local_aws.iam import sar

ROOT = Path(__file__).resolve().parents[2]
CACHE_DIR = ROOT / ".cache" / "iam"
# Everything that shapes the synthesized policies.
CACHE_INPUTS = ("stacks/**/*.py", "app.py", "cdk.json", "functions/byol_import/settings.py",
                "requirements*.txt", "statemachines/*.yaml")
STATE_MACHINE = "StateMachine"


class UnresolvedIntrinsic(ValueError):
    pass


@dataclass(frozen=True)
class CfnType:
    service: str
    resource_type: str
    ref_is_arn: bool
    arn_suffix: str = ""


# CloudFormation type -> the SAR resource type its Ref / GetAtt Arn names.
CFN_TYPES: dict[str, CfnType] = {
    "AWS::DynamoDB::Table": CfnType("dynamodb", "table", False),
    "AWS::SNS::Topic": CfnType("sns", "topic", True),
    "AWS::SQS::Queue": CfnType("sqs", "queue", False),
    "AWS::StepFunctions::StateMachine": CfnType("states", "statemachine", True),
    "AWS::Lambda::Function": CfnType("lambda", "function", False),
    "AWS::Logs::LogGroup": CfnType("logs", "log-group", False, ":*"),
    "AWS::KMS::Key": CfnType("kms", "key", False),
    "AWS::Events::Rule": CfnType("events", "rule-on-default-event-bus", False),
    "AWS::IAM::Role": CfnType("iam", "role", False),
    "AWS::SSM::Parameter": CfnType("ssm", "parameter", False),
}


@dataclass(frozen=True)
class Place:
    partition: str = "aws"
    region: str = "eu-west-1"
    account: str = "123456789012"
    stack_name: str = "ByolImport"


class Resolver:
    """Fn::Join, Fn::Sub, Ref (pseudo parameters and resources) and Fn::GetAtt X.Arn."""

    def __init__(self, resources: Mapping[str, str], names: Mapping[str, str] | None = None,
                 place: Place | None = None) -> None:
        self.resources = resources  # logical id -> CloudFormation type
        self.names = names or {}
        self.place = place or Place()

    def name(self, logical_id: str) -> str:
        return self.names.get(logical_id, logical_id)

    def arn(self, logical_id: str) -> str:
        kind = self._type(logical_id)
        rtype = sar.resource_type(kind.service, kind.resource_type)
        variables = set(re.findall(r"\$\{([^}]+)\}", rtype.arn_format)) - {
            "Partition", "Region", "Account"}
        name = self.name(logical_id)
        if kind.resource_type == "parameter":
            name = name.lstrip("/")
        arn = sar.build_arn(rtype, self.place.partition, self.place.region, self.place.account,
                            **dict.fromkeys(variables, name))
        return arn + kind.arn_suffix

    def _type(self, logical_id: str) -> CfnType:
        cfn_type = self.resources.get(logical_id)
        if cfn_type is None or cfn_type not in CFN_TYPES:
            raise UnresolvedIntrinsic(f"no ARN rule for {logical_id} ({cfn_type})")
        return CFN_TYPES[cfn_type]

    def ref(self, target: str) -> str:
        pseudo = {"AWS::Partition": self.place.partition, "AWS::Region": self.place.region,
                  "AWS::AccountId": self.place.account, "AWS::URLSuffix": "amazonaws.com",
                  "AWS::StackName": self.place.stack_name}
        if target in pseudo:
            return pseudo[target]
        return self.arn(target) if self._type(target).ref_is_arn else self.name(target)

    def get_att(self, logical_id: str, attribute: str) -> str:
        if attribute == "Arn":
            return self.arn(logical_id)
        if attribute in ("Name", "TopicName", "QueueName", "TableName", "KeyId"):
            return self.name(logical_id)
        raise UnresolvedIntrinsic(f"Fn::GetAtt {logical_id}.{attribute}")

    def __call__(self, node: Any) -> Any:
        if isinstance(node, list):
            return [self(n) for n in node]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            (fn, arg), = node.items()
            if fn == "Ref":
                return self.ref(arg)
            if fn == "Fn::GetAtt":
                logical_id, attribute = arg if isinstance(arg, list) else arg.split(".", 1)
                return self.get_att(logical_id, attribute)
            if fn == "Fn::Join":
                separator, parts = arg
                return separator.join(str(self(p)) for p in parts)
            if fn == "Fn::Sub":
                return self._sub(arg)
            if fn.startswith("Fn::") or fn == "Condition":
                raise UnresolvedIntrinsic(f"{fn} is not resolved here")
        return {k: self(v) for k, v in node.items()}

    def _sub(self, arg: Any) -> str:
        text, variables = (arg, {}) if isinstance(arg, str) else arg

        def one(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in variables:
                return str(self(variables[name]))
            if "." in name and not name.startswith("AWS::"):
                logical_id, attribute = name.split(".", 1)
                return self.get_att(logical_id, attribute)
            return self.ref(name)

        return re.sub(r"\$\{([^}!]+)\}", one, text)


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
    topic_keys = {k: r["Properties"]["KmsMasterKeyId"] for k, r in resources.items()
                  if r["Type"] == "AWS::SNS::Topic"
                  and "KmsMasterKeyId" in r.get("Properties", {})}
    key_policies = {k: _statements(r["Properties"]["KeyPolicy"]) for k, r in resources.items()
                    if r["Type"] == "AWS::KMS::Key" and "KeyPolicy" in r.get("Properties", {})}
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
                    "template: the local run cannot evaluate them")
            out[principal] = [resolve(s) for s in self.extract["roles"][role]]
        return out

    def topic_keys(self, names: Mapping[str, str], place: Place
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
                raise UnresolvedIntrinsic(f"topic {topic} uses a key from outside the template "
                                          f"({key_node}): its policy cannot be evaluated")
            policy = self.extract.get("key_policies", {}).get(key_id, [])
            out[resolve.arn(topic)] = (resolve.arn(key_id), [resolve(s) for s in policy])
        return out

    def with_statements(self, principal: str, statements: list[dict[str, Any]]) -> Policies:
        """A copy whose principal's role has these statements instead (to test a defect)."""
        copy = json.loads(json.dumps(self.extract))
        copy["roles"][copy["principals"][principal]] = statements
        return Policies(copy)


# -- synthesis and its cache ----------------------------------------------------------------

def inputs_hash(root: Path = ROOT) -> str:
    digest = hashlib.sha256()
    files = sorted({p for pattern in CACHE_INPUTS for p in root.glob(pattern) if p.is_file()})
    for path in files:
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def synthesized_template() -> dict[str, Any]:
    """Synthesize the app (in-process: call from a subprocess or a test that synthesizes)."""
    os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    import aws_cdk as cdk
    from aws_cdk.assertions import Template

    from app import build_app
    from byol_import.settings import CONTEXT_KEY
    from stacks.config import load_cdk_json_context

    app = cdk.App(context={CONTEXT_KEY: load_cdk_json_context()})
    _, stack = build_app(app)
    return dict(Template.from_stack(stack).to_json())


def handler_keys() -> dict[str, str]:
    from byol_import import settings

    return {spec.handler: spec.key for spec in settings.ALL_FUNCTIONS}


def cached_extract(cache_dir: Path = CACHE_DIR) -> Policies:
    path = cache_dir / f"policies-{inputs_hash()}.json"
    if not path.exists():
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "functions")])}
        cache_dir.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        done = subprocess.run([sys.executable, "-m", "local_aws.iam.policies", str(temporary)],
                              cwd=ROOT, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(
                "synthesizing the stack for its IAM policies failed (the CDK library needs "
                f"Node.js 20+ on PATH):\n{done.stderr[-4000:]}")
        for stale in cache_dir.glob("policies-*.json"):
            stale.unlink(missing_ok=True)
        os.replace(temporary, path)
    return Policies(json.loads(path.read_text()))


if __name__ == "__main__":
    Path(sys.argv[1]).write_text(json.dumps(extract(synthesized_template(), handler_keys()),
                                            indent=1))
