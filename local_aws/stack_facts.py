"""What the synthesized template says the stack deploys, for the local run to build the same:
the functions (handler, timeout, memory), the tables' key schema, the topics and the EventBridge
rules with their patterns and targets, and each function's asynchronous invocation config
(its retries and whether it has an on-failure destination). JSON-serializable: it is cached
with the policies."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

# The functions' variable naming the Image Builder infrastructure configuration (byol_import
# names.ENV_INFRASTRUCTURE_CONFIGURATION_ARN: this module stays free of the functions' package).
ENV_CONFIGURATION: Final = "BYOL_INFRASTRUCTURE_CONFIGURATION_ARN"


@dataclass(frozen=True)
class FunctionFacts:
    key: str
    logical_id: str
    handler: str
    timeout_seconds: int
    memory_mb: int
    # Lambda's asynchronous invocation (AWS::Lambda::EventInvokeConfig; Lambda's defaults when
    # none): retries of a function error, and whether an event that failed them all goes to an
    # on-failure destination (else Lambda drops it).
    async_retry_attempts: int = 2
    async_on_failure: bool = False


@dataclass(frozen=True)
class RuleFacts:
    logical_id: str
    pattern: dict[str, Any]  # may hold intrinsics (the state machine's Ref)
    targets: tuple[str, ...]  # function keys
    retry_attempts: int  # each target's retry policy


def extract(template: Mapping[str, Any], handler_keys: Mapping[str, str]) -> dict[str, Any]:
    """The facts, from the template's resources; `handler_keys` maps a Handler to its key."""
    resources: dict[str, Any] = template.get("Resources", {})
    functions: dict[str, dict[str, Any]] = {}
    tables: dict[str, dict[str, Any]] = {}
    rules: dict[str, dict[str, Any]] = {}
    invoke_configs = {
        _ref_id(r["Properties"]["FunctionName"]): r["Properties"]
        for r in resources.values()
        if r["Type"] == "AWS::Lambda::EventInvokeConfig"
        and r["Properties"].get("Qualifier", "$LATEST") == "$LATEST"
    }
    for logical_id, res in resources.items():
        props = res.get("Properties", {})
        if res["Type"] == "AWS::Lambda::Function" and props.get("Handler") in handler_keys:
            functions[handler_keys[props["Handler"]]] = {
                "logical_id": logical_id,
                "handler": props["Handler"],
                "timeout_seconds": props.get("Timeout", 3),  # CloudFormation's defaults
                "memory_mb": props.get("MemorySize", 128),
                **_async_facts(invoke_configs.get(logical_id, {})),
            }
        elif res["Type"] == "AWS::DynamoDB::Table":
            tables[logical_id] = {
                k: props[k]
                for k in ("KeySchema", "AttributeDefinitions", "BillingMode")
                if k in props
            }
        elif res["Type"] == "AWS::Events::Rule" and "EventPattern" in props:
            rules[logical_id] = {
                "pattern": props["EventPattern"],
                "targets": [
                    {
                        "function": _ref_id(t["Arn"]),
                        "retry_attempts": t.get("RetryPolicy", {}).get("MaximumRetryAttempts", 185),
                    }
                    for t in props.get("Targets", [])
                ],
            }
    topics = sorted(k for k, r in resources.items() if r["Type"] == "AWS::SNS::Topic")
    # The Image Builder infrastructure configuration the stack creates (its name may hold the
    # stack name's Ref), and the ARN the functions' environment gives them (an intrinsic).
    configurations = {
        k: r["Properties"]["Name"]
        for k, r in resources.items()
        if r["Type"] == "AWS::ImageBuilder::InfrastructureConfiguration"
    }
    environments = [
        r["Properties"].get("Environment", {}).get("Variables", {})
        for r in resources.values()
        if r["Type"] == "AWS::Lambda::Function"
    ]
    configuration_env = next(
        (v[ENV_CONFIGURATION] for v in environments if ENV_CONFIGURATION in v), ""
    )
    machines = {
        k: r.get("Properties", {}).get("DefinitionSubstitutions", {})
        for k, r in resources.items()
        if r["Type"] == "AWS::StepFunctions::StateMachine"
    }
    return {
        "functions": functions,
        "tables": tables,
        "topics": topics,
        "rules": rules,
        "state_machines": machines,
        "infrastructure_configurations": configurations,
        "infrastructure_configuration_env": configuration_env,
    }


def _async_facts(config: Mapping[str, Any]) -> dict[str, Any]:
    on_failure = config.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination")
    return {
        "async_retry_attempts": config.get("MaximumRetryAttempts", 2),
        "async_on_failure": on_failure is not None,
    }


def _ref_id(node: Any) -> str | None:
    if isinstance(node, dict) and "Fn::GetAtt" in node:
        arg = node["Fn::GetAtt"]
        return str(arg[0] if isinstance(arg, list) else arg.split(".")[0])
    if isinstance(node, dict) and "Ref" in node:
        return str(node["Ref"])
    return None


@dataclass(frozen=True)
class StackFacts:
    facts: dict[str, Any]

    def functions(self) -> list[FunctionFacts]:
        return [
            FunctionFacts(
                key,
                f["logical_id"],
                f["handler"],
                int(f["timeout_seconds"]),
                int(f["memory_mb"]),
                int(f["async_retry_attempts"]),
                bool(f["async_on_failure"]),
            )
            for key, f in self.facts["functions"].items()
        ]

    def only(self, kind: str) -> tuple[str, Any]:
        """The single table, topic or state machine of the stack: (logical id, its facts)."""
        found = self.facts[kind]
        if len(found) != 1:
            raise ValueError(f"the stack has {len(found)} {kind}: name each one locally")
        [logical_id] = found
        return logical_id, found[logical_id] if isinstance(found, dict) else None

    def substitutions(self) -> dict[str, Any]:
        """The state machine's DefinitionSubstitutions (function ARNs as intrinsics)."""
        _, found = self.only("state_machines")
        return dict(found)

    def rules(self) -> list[RuleFacts]:
        """Each rule, its targets named by function key (a target of another kind is refused:
        the local run delivers to Lambda functions only)."""
        keys = {f.logical_id: f.key for f in self.functions()}
        out = []
        for logical_id, rule in self.facts["rules"].items():
            unknown = [t["function"] for t in rule["targets"] if t["function"] not in keys]
            if unknown:
                raise ValueError(f"rule {logical_id} targets {unknown}: not a known function")
            out.append(
                RuleFacts(
                    logical_id,
                    rule["pattern"],
                    tuple(keys[t["function"]] for t in rule["targets"]),
                    min(t["retry_attempts"] for t in rule["targets"]),
                )
            )
        return out

    def infrastructure_configuration(self) -> tuple[str, Any] | None:
        """(logical id, Name as written) of the stack's own configuration, if it has one."""
        found = dict(self.facts.get("infrastructure_configurations", {}))
        if len(found) > 1:
            raise ValueError(f"the stack has {len(found)} infrastructure configurations")
        return next(iter(found.items()), None)

    def infrastructure_configuration_env(self) -> Any:
        """What the template gives the functions as the configuration's ARN (an intrinsic)."""
        return self.facts.get("infrastructure_configuration_env", "")
