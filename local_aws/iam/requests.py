"""An API call as IAM sees it: the action, the resource ARN(s), the request context.

The action is `<IAM prefix>:<operation>`; its resource types and their ARN formats come from the
SAR. An action with no resource types is authorized on "*". For one with resource types, the
table below says which request parameter names the resource (and so which ARN variable it
fills); an operation missing from the table fails loudly (UnmappedOperation), never passes.
Tags in the request become aws:RequestTag/<key> and aws:TagKeys; the resource's own tags,
read from the emulator's state, become aws:ResourceTag/<key>.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from local_aws.iam import sar
from local_aws.iam.workspaces_resources import WORKSPACES_PLACERS, WORKSPACES_REQUEST_TAGS


class UnmappedOperation(LookupError):
    """An operation whose action has resource types the table cannot place."""


class TagSource(Protocol):
    def resource_tags(
        self, service: str, resource_type: str, resource_id: str, region: str | None = None
    ) -> dict[str, str] | None: ...


@dataclass(frozen=True)
class Check:
    """One action to authorize on each of `resources`; `needed_by` names the operation a
    dependent permission is checked for."""

    action: str
    resources: list[tuple[str, dict[str, list[str]]]]  # (ARN or "*", context for it)
    needed_by: str | None = None


@dataclass(frozen=True)
class Call:
    service: str  # boto3 service name
    operation: str
    params: Mapping[str, Any]
    region: str
    account: str
    partition: str = "aws"
    tags: TagSource | None = None


# boto3 service name -> IAM service prefix, where they differ.
_PREFIX = {"stepfunctions": "states", "awslambda": "lambda"}
# operation -> IAM action name, where they differ.
_ACTION_NAMES = {("awslambda", "Invoke"): "InvokeFunction"}


def _tags_context(tags: Mapping[str, str]) -> dict[str, list[str]]:
    context = {f"aws:RequestTag/{k}": [v] for k, v in tags.items()}
    context["aws:TagKeys"] = list(tags)
    return context


def _key_value_tags(items: Any) -> dict[str, str]:
    return {str(t["Key"]): str(t.get("Value", "")) for t in items or []}


def _lambda_name(value: str) -> tuple[str, str | None]:
    """FunctionName as Lambda accepts it: a name, a partial or a full ARN, maybe qualified."""
    parts = value.split(":")
    if value.startswith("arn:"):
        return parts[6], parts[7] if len(parts) > 7 else None
    if len(parts) >= 3:  # 123456789012:function:name[:qualifier]
        return parts[2], parts[3] if len(parts) > 3 else None
    return parts[0], parts[1] if len(parts) > 1 else None


# (service, operation) -> placer: params -> [(resource type, {ARN variable: value})]
Placer = Callable[[Mapping[str, Any]], list[tuple[str, dict[str, str]]]]


def _arn_name(arn: str, key: str) -> dict[str, str]:
    return {key: arn.rsplit(":", 1)[-1]}


def _ec2_resources(params: Mapping[str, Any]) -> list[tuple[str, dict[str, str]]]:
    out = []
    for resource_id in params.get("Resources", []):
        if not str(resource_id).startswith("ami-"):
            raise UnmappedOperation(f"ec2 resource id {resource_id!r}: only AMIs are placed")
        out.append(("image", {"ImageId": str(resource_id)}))
    return out


def _lambda_function(params: Mapping[str, Any]) -> list[tuple[str, dict[str, str]]]:
    name, qualifier = _lambda_name(str(params["FunctionName"]))
    qualifier = qualifier or params.get("Qualifier")
    return [("function", {"FunctionName": f"{name}:{qualifier}" if qualifier else name})]


PLACERS: dict[tuple[str, str], Placer] = {
    ("ec2", "CreateTags"): _ec2_resources,
    ("ec2", "DeleteTags"): _ec2_resources,
    ("ec2", "ModifyImageAttribute"): lambda p: [("image", {"ImageId": str(p["ImageId"])})],
    **WORKSPACES_PLACERS,
    ("dynamodb", "PutItem"): lambda p: [("table", {"TableName": str(p["TableName"])})],
    ("dynamodb", "GetItem"): lambda p: [("table", {"TableName": str(p["TableName"])})],
    ("dynamodb", "DeleteItem"): lambda p: [("table", {"TableName": str(p["TableName"])})],
    ("dynamodb", "UpdateItem"): lambda p: [("table", {"TableName": str(p["TableName"])})],
    ("sns", "Publish"): lambda p: [("topic", _arn_name(str(p["TopicArn"]), "TopicName"))],
    ("stepfunctions", "StartExecution"): lambda p: [
        ("statemachine", _arn_name(str(p["stateMachineArn"]), "StateMachineName"))
    ],
    ("stepfunctions", "DescribeExecution"): lambda p: [
        (
            "execution",
            {
                "StateMachineName": str(p["executionArn"]).split(":")[-2],
                "ExecutionId": str(p["executionArn"]).split(":")[-1],
            },
        )
    ],
    ("awslambda", "Invoke"): _lambda_function,
    ("imagebuilder", "GetInfrastructureConfiguration"): lambda p: [
        (
            "infrastructureConfiguration",
            {"ResourceId": str(p["infrastructureConfigurationArn"]).rsplit("/", 1)[-1]},
        )
    ],
    ("imagebuilder", "GetImage"): lambda p: [("image", _image_build_version(p))],
}

# Tags a request carries: (service, operation) -> params -> {key: value}
REQUEST_TAGS: dict[tuple[str, str], Callable[[Mapping[str, Any]], dict[str, str]]] = {
    ("ec2", "CreateTags"): lambda p: _key_value_tags(p.get("Tags")),
    ("workspaces", "ImportWorkspaceImage"): lambda p: _key_value_tags(p.get("Tags")),
    ("workspaces", "ImportCustomWorkspaceImage"): lambda p: _key_value_tags(p.get("Tags")),
    ("workspaces", "CreateTags"): lambda p: _key_value_tags(p.get("Tags")),
    **{key: lambda p: _key_value_tags(p.get("Tags")) for key in WORKSPACES_REQUEST_TAGS},
}


def action_name(service: str, operation: str) -> str:
    prefix = _PREFIX.get(service, service)
    return f"{prefix}:{_ACTION_NAMES.get((service, operation), operation)}"


def _primary(call: Call) -> Check:
    name = action_name(call.service, call.operation)
    prefix, _, short = name.partition(":")
    try:
        action = sar.action(prefix, short)
    except sar.UnknownAction as exc:
        raise UnmappedOperation(f"{name} is not an action in the SAR") from exc
    request_tags = REQUEST_TAGS.get((call.service, call.operation), lambda _p: {})(call.params)
    base = _tags_context(request_tags) if request_tags else {}
    if not action.resource_types:
        return Check(name, [("*", base)])
    placer = PLACERS.get((call.service, call.operation))
    if placer is None:
        raise UnmappedOperation(
            f"{name} has resource types ({', '.join(r.name for r in action.resource_types)}) "
            "but no entry in local_aws/iam/requests.py PLACERS: add how its request names them"
        )
    by_name = {r.name.lower(): r for r in action.resource_types}
    resources = []
    for type_name, variables in placer(call.params):
        rtype = by_name.get(type_name.lower())
        if rtype is None:
            raise UnmappedOperation(f"{name} does not list the resource type {type_name}")
        # A placer names another Region (a copy's source) with a "Region" variable.
        arn = sar.build_arn(rtype, call.partition, call.region, call.account, **variables)
        context = dict(base)
        resource_id, region = next(iter(variables.values())), variables.get("Region")
        tags = (
            call.tags.resource_tags(rtype.service, rtype.name, resource_id, region or call.region)
            if call.tags
            else None
        )
        for key, value in (tags or {}).items():
            context[f"aws:ResourceTag/{key}"] = [value]
        resources.append((arn, context))
    return Check(name, resources)


def _image_build_version(params: Mapping[str, Any]) -> dict[str, str]:
    """Name, version and build of an image ARN; a version-only ARN (`x.x.x`, which WorkSpaces
    accepts) names no build: `*` stands for it."""
    parts = str(params["imageBuildVersionArn"]).split(":image/", 1)[-1].split("/")
    parts += ["*"] * (3 - len(parts))
    return dict(zip(("ImageName", "ImageVersion", "ImageBuildVersion"), parts[:3], strict=True))


def _custom_import_dependents(call: Call) -> list[Check]:
    """ImportCustomWorkspaceImage: what the caller is taken to need beyond its own action. No
    source documents any: the stricter reading requires reading what the call names (the AMI,
    the Image Builder image, the infrastructure configuration) and tagging (facts doc)."""
    source = call.params.get("ImageSource") or {}
    wanted: list[tuple[str, str, dict[str, Any]]] = [
        (
            "imagebuilder",
            "GetInfrastructureConfiguration",
            {
                "infrastructureConfigurationArn": call.params.get(
                    "InfrastructureConfigurationArn", ""
                )
            },
        )
    ]
    if source.get("Ec2ImageId"):
        wanted.append(("ec2", "DescribeImages", {"ImageIds": [source["Ec2ImageId"]]}))
    if source.get("ImageBuildVersionArn"):
        arn = source["ImageBuildVersionArn"]
        wanted.append(("imagebuilder", "GetImage", {"imageBuildVersionArn": arn}))
    if call.params.get("Tags"):
        wanted.append(("workspaces", "CreateTags", {"ResourceId": "", "Tags": call.params["Tags"]}))
    needed_by = "workspaces:ImportCustomWorkspaceImage"
    checks = [
        _primary(Call(svc, op, p, call.region, call.account, call.partition, call.tags))
        for svc, op, p in wanted
    ]
    return [Check(c.action, c.resources, needed_by) for c in checks]


# What a call is taken to need beyond its own action: (service, operation) -> params ->
# [(service, operation, params)] of the dependent calls (docs/byol-api-facts.md, "IAM").
def _import_dependents(p: Mapping[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    ami = str(p.get("Ec2ImageId", ""))
    return [
        ("ec2", "DescribeImages", {"ImageIds": [ami]}),
        ("ec2", "ModifyImageAttribute", {"ImageId": ami}),
        *_tagging(p),
    ]


def _tagging(p: Mapping[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    tags = p.get("Tags")
    return [("workspaces", "CreateTags", {"ResourceId": "", "Tags": tags})] if tags else []


DEPENDENTS: dict[tuple[str, str], Callable[[Mapping[str, Any]], list[Any]]] = {
    ("workspaces", "ImportWorkspaceImage"): _import_dependents,
    # "the user must have workspaces:DescribeWorkspaceImages and workspaces:CopyWorkspaceImage"
    # (admin guide, copy-custom-image); CreateTags with Tags: unconfirmed, the stricter reading
    ("workspaces", "CopyWorkspaceImage"): lambda p: [
        ("workspaces", "DescribeWorkspaceImages", {}),
        *_tagging(p),
    ],
    # "To add tags at the same time when you're creating the bundle, you must ... use
    # workspaces:CreateTags" (API reference, CreateWorkspaceBundle)
    ("workspaces", "CreateWorkspaceBundle"): _tagging,
}


def _dependents(call: Call) -> list[Check]:
    """Documented permissions a call needs beyond its own action (docs/byol-api-facts.md)."""
    if (call.service, call.operation) == ("workspaces", "ImportCustomWorkspaceImage"):
        return _custom_import_dependents(call)
    wanted = DEPENDENTS.get((call.service, call.operation), lambda _p: [])(call.params)
    needed_by = action_name(call.service, call.operation)
    checks = [
        _primary(Call(svc, op, p, call.region, call.account, call.partition, call.tags))
        for svc, op, p in wanted
    ]
    return [Check(c.action, c.resources, needed_by) for c in checks]


def checks_for(call: Call) -> list[Check]:
    """Everything IAM authorizes for this call: its own action, then dependent permissions."""
    return [_primary(call), *_dependents(call)]
