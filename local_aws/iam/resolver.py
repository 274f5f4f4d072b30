"""CloudFormation intrinsics (Ref, Fn::GetAtt, Fn::Join, Fn::Sub) resolved to names and ARNs,
each ARN built from the Service Authorization Reference's format for the resource's type."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from local_aws.iam import sar


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
    "AWS::S3::Bucket": CfnType("s3", "bucket", False),
    "AWS::ImageBuilder::InfrastructureConfiguration": CfnType(
        "imagebuilder", "infrastructureConfiguration", True
    ),
}


@dataclass(frozen=True)
class Place:
    partition: str = "aws"
    region: str = "eu-west-1"
    account: str = "123456789012"
    stack_name: str = "ByolImport"


class Resolver:
    """Fn::Join, Fn::Sub, Ref (pseudo parameters and resources) and Fn::GetAtt X.Arn."""

    def __init__(
        self,
        resources: Mapping[str, str],
        names: Mapping[str, str] | None = None,
        place: Place | None = None,
    ) -> None:
        self.resources = resources  # logical id -> CloudFormation type
        self.names = names or {}
        self.place = place or Place()

    def name(self, logical_id: str) -> str:
        return self.names.get(logical_id, logical_id)

    def arn(self, logical_id: str) -> str:
        kind = self._type(logical_id)
        rtype = sar.resource_type(kind.service, kind.resource_type)
        variables = set(re.findall(r"\$\{([^}]+)\}", rtype.arn_format)) - {
            "Partition",
            "Region",
            "Account",
        }
        name = self.name(logical_id)
        if kind.resource_type == "parameter":
            name = name.lstrip("/")
        arn = sar.build_arn(
            rtype,
            self.place.partition,
            self.place.region,
            self.place.account,
            **dict.fromkeys(variables, name),
        )
        return arn + kind.arn_suffix

    def _type(self, logical_id: str) -> CfnType:
        cfn_type = self.resources.get(logical_id)
        if cfn_type is None or cfn_type not in CFN_TYPES:
            raise UnresolvedIntrinsic(f"no ARN rule for {logical_id} ({cfn_type})")
        return CFN_TYPES[cfn_type]

    def ref(self, target: str) -> str:
        pseudo = {
            "AWS::Partition": self.place.partition,
            "AWS::Region": self.place.region,
            "AWS::AccountId": self.place.account,
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": self.place.stack_name,
        }
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
            ((fn, arg),) = node.items()
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
