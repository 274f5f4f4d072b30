"""What the stack deploys, built locally from the synthesized template's own facts
(local_aws/stack_facts.py): the Lambda functions (running our handlers in-process), the lock
table, the topic, the Standard state machine from the ASL file with the template's substitutions
(the bounds and timings from the LocalAws configuration), and the EventBridge rules with their
patterns, each target an inbox the harness drains into the target function."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from byol_import import settings
from local_aws.iam.enforcer import IamEnforcer, LocalTags, local_names
from local_aws.iam.policies import Place, Policies, Resolver
from local_aws.lambda_runtime import LocalFunction, LocalLambdaRuntime
from local_aws.moto_patches import Patches
from local_aws.place import ACCOUNT_ID, PREFIX, REGION
from local_aws.stack_facts import FunctionFacts, StackFacts
from local_aws.workspaces_byol import ByolWorld
from stacks import config as project_config


def infrastructure_arn(config: project_config.ProjectConfig, template_arn: str) -> str:
    """What the functions get as the Image Builder configuration's ARN: none when this run's
    config does not deploy the path, else the template's (resolved). An existing configuration
    is named in cdk.json (it shapes the grants): if the local world lacks it, WorkSpaces refuses
    the import as AWS would."""
    if not config.image_builder_path:
        return ""
    wanted = config.infrastructure_configuration_arn
    if not template_arn or (wanted and wanted != template_arn):
        raise ValueError(
            "imageBuilderPath and infrastructureConfigurationArn shape the deployed resources "
            "and grants: set them in cdk.json"
        )
    return template_arn


class DeployedStack:
    """The deployment half of LocalAws (a mixin: LocalAws holds the state it names)."""

    config: project_config.ProjectConfig
    policies: Policies | None
    stack: StackFacts
    lambdas: LocalLambdaRuntime
    world: ByolWorld
    iam: IamEnforcer
    inboxes: dict[str, str]
    _patches: Patches

    def client(self, service: str, *, retries: bool = True) -> Any:
        raise NotImplementedError

    def _set_env(self, values: dict[str, str]) -> None:
        raise NotImplementedError

    def _build(self) -> None:
        self._check_config()
        iam = self.client("iam")
        role_arn = iam.create_role(
            RoleName=f"{PREFIX}Role",
            AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}),
        )["Role"]["Arn"]
        _, table = self.stack.only("tables")
        self.lock_table = f"{PREFIX}-LockTable"
        self.client("dynamodb").create_table(TableName=self.lock_table, **table)
        self.topic_arn: str = self.client("sns").create_topic(Name=f"{PREFIX}-Notifications")[
            "TopicArn"
        ]

        self.infrastructure_name = self._infrastructure_configuration()
        # The functions' environment, as the stack sets it.
        self._set_env(
            {
                **self.config.lambda_environment(),
                settings.ENV_TOPIC_ARN: self.topic_arn,
                settings.ENV_LOCK_TABLE: self.lock_table,
            }
        )
        lam = self.client("lambda")
        code = io.BytesIO()
        with zipfile.ZipFile(code, "w") as archive:
            archive.writestr("README.txt", "handlers run in-process from functions/")
        self.function_names: dict[str, str] = {}
        self.async_invoke: dict[str, FunctionFacts] = {}  # key -> its async invocation facts
        for fn in self.stack.functions():
            name = f"{PREFIX}-{fn.key}"
            lam.create_function(
                FunctionName=name,
                Runtime="python3.13",
                Role=role_arn,
                Handler=fn.handler,
                Code={"ZipFile": code.getvalue()},
                Timeout=fn.timeout_seconds,
                MemorySize=fn.memory_mb,
            )
            self.lambdas.register(
                LocalFunction(name, fn.key, fn.handler, fn.memory_mb, fn.timeout_seconds)
            )
            self.function_names[fn.key] = name
            self.async_invoke[fn.key] = fn
        self._set_env({settings.ENV_INFRASTRUCTURE_CONFIGURATION_ARN: self._infrastructure_arn()})
        self.state_machine_arn: str = self._create_state_machine(role_arn)
        self._set_env({settings.ENV_STATE_MACHINE_ARN: self.state_machine_arn})
        self._create_rules()

    def _infrastructure_configuration(self) -> str | None:
        """The stack's own Image Builder infrastructure configuration, created in the local
        world under the name the template gives it (Image Builder's ARN is lower case)."""
        found = self.stack.infrastructure_configuration()
        if found is None:
            return None
        name = str(Resolver({}, place=Place(stack_name=PREFIX))(found[1])).lower()
        self.world.account(ACCOUNT_ID, REGION).add_infrastructure_configuration(name)
        return name

    def _infrastructure_arn(self) -> str:
        return infrastructure_arn(
            self.config, str(self._resolver()(self.stack.infrastructure_configuration_env()))
        )

    def _check_config(self) -> None:
        # The rules' patterns come from the template, synthesized from cdk.json's configuration.
        if self.config.trigger_tag_key != project_config.default_config().trigger_tag_key:
            raise ValueError("the trigger tag key shapes the deployed rules: set it in cdk.json")

    def _resolver(self) -> Resolver:
        assert self.policies is not None
        return Resolver(
            self.policies.extract["resources"],
            self._local_names(),
            Place(region=REGION, account=ACCOUNT_ID),
        )

    def _create_state_machine(self, role_arn: str) -> str:
        # The template's substitutions (function ARNs), with this run's bounds and timings.
        substitutions = {k: str(v) for k, v in self._resolver()(self.stack.substitutions()).items()}
        substitutions.update(self.config.workflow_substitutions())
        definition = project_config.substitute(project_config.asl_template(), substitutions)
        return str(
            self.client("stepfunctions").create_state_machine(
                name=f"{PREFIX}-Workflow", definition=definition, roleArn=role_arn, type="STANDARD"
            )["stateMachineArn"]
        )

    def _create_rules(self) -> None:
        """Each rule with the template's pattern; each target is an SQS inbox the harness drains
        into the target Lambda, as EventBridge would invoke it."""
        events, sqs, resolve = self.client("events"), self.client("sqs"), self._resolver()
        self.retry_attempts: dict[str, int] = {}  # inbox -> its target's retry policy
        for rule in self.stack.rules():
            name = f"{PREFIX}-{rule.logical_id}"
            events.put_rule(Name=name, EventPattern=json.dumps(resolve(rule.pattern)))
            targets = []
            for key in rule.targets:
                url = sqs.create_queue(QueueName=f"{name}-{key}")["QueueUrl"]
                queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
                    "Attributes"
                ]["QueueArn"]
                targets.append({"Id": key, "Arn": queue_arn})
                self.inboxes[url] = key
                self.retry_attempts[url] = rule.retry_attempts
            events.put_targets(Rule=name, Targets=targets)

    def _local_names(self) -> dict[str, str]:
        """Logical id -> local name, for resolving the template's references."""
        assert self.policies is not None
        return local_names(
            self.policies,
            PREFIX,
            self.function_names,
            {
                "AWS::DynamoDB::Table": self.lock_table,
                "AWS::SNS::Topic": self.topic_arn.rsplit(":", 1)[-1],
                "AWS::StepFunctions::StateMachine": f"{PREFIX}-Workflow",
                **(
                    {"AWS::ImageBuilder::InfrastructureConfiguration": self.infrastructure_name}
                    if self.infrastructure_name
                    else {}
                ),
            },
        )

    def _enforce_iam(self) -> None:
        """From here on, every call a handler or the state machine makes is authorized against
        its synthesized role, with the template's references resolved to these resources."""
        assert self.policies is not None
        names = self._local_names()
        roles = {p: names[self.policies.role_name(p)] for p in self.policies.principals()}
        self.iam = IamEnforcer(
            self.policies,
            names,
            Place(region=REGION, account=ACCOUNT_ID),
            roles,
            LocalTags(self.world, ACCOUNT_ID, REGION),
            state_machine_session=f"{PREFIX}-Workflow",
        )
        self._patches.iam = self.iam
