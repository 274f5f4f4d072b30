"""Every AWS call a handler (or the state machine) makes locally, authorized as AWS would.

The caller is the principal `identity.current()` names; its statements are the synthesized
template's, resolved to the local resources. A call its role does not allow is answered with
AccessDenied in the service's own protocol, with AWS's message. Calls with no caller (the test
harness setting up the world) are not evaluated.
"""

from __future__ import annotations

import json
import re
import threading
from collections import Counter
from dataclasses import dataclass
from typing import Any

from local_aws.calls import operation_of
from local_aws.iam import identity
from local_aws.iam.evaluator import Decision, Request, evaluate, evaluate_with_resource_policy
from local_aws.iam.policies import STATE_MACHINE, Place, Policies
from local_aws.iam.requests import Call, TagSource, UnmappedOperation, checks_for

# service -> (error code, HTTP status) for a denied call (see each API reference's errors).
_DENIAL = {
    "ec2": ("UnauthorizedOperation", 403),
    "sns": ("AuthorizationError", 403),
    "awslambda": ("AccessDeniedException", 403),
    # the 403 of a denied imagebuilder:GetImage (facts doc); the code is unconfirmed
    "imagebuilder": ("AccessDeniedException", 403),
}
_DEFAULT_DENIAL = ("AccessDeniedException", 400)
# The access key moto's Step Functions interpreter signs its service integrations' calls with
# (moto.stepfunctions.parser.asl.utils.boto_client.boto_client_for).
STEP_FUNCTIONS_ACCESS_KEY = "ak"


@dataclass(frozen=True)
class Denial:
    principal: str
    operation: str
    action: str
    resource: str
    decision: Decision
    needed_by: str | None
    message: str


class IamEnforcer:
    def __init__(
        self,
        policies: Policies,
        names: dict[str, str],
        place: Place,
        role_names: dict[str, str],
        tags: TagSource,
        state_machine_session: str = "StepFunctions",
    ) -> None:
        self.policies = policies
        self.state_machine_session = state_machine_session
        self.statements = policies.resolved(names, place)
        self.topic_keys = policies.topic_keys(names, place)
        self.place = place
        self.role_names = role_names  # principal -> the local role's name
        self.tags = tags
        self.evaluated = 0
        self.denied = 0
        self.denials: list[Denial] = []
        self.gaps: list[str] = []
        self.by_action: Counter[str] = Counter()
        self._lock = threading.Lock()

    def _caller(self, response: Any) -> identity.Caller | None:
        caller = identity.current()
        if caller is None and _access_key(response) == STEP_FUNCTIONS_ACCESS_KEY:
            # moto's interpreter calls with its own client (and threads of its own): the
            # state machine's calls are recognized by that client's access key.
            return identity.Caller(STATE_MACHINE, self.state_machine_session)
        return caller

    def check(self, response: Any) -> tuple[str, str, int] | None:
        """(code, message, status) when the caller may not make this call; None otherwise."""
        caller = self._caller(response)
        if caller is None:
            return None
        call = Call(
            response.service_name,
            operation_of(response),
            _params(response),
            # the Region called: a copy is asked in its target Region, not the stack's
            getattr(response, "region", None) or self.place.region,
            self.place.account,
            self.place.partition,
            self.tags,
        )
        statements = self.statements[caller.principal]
        denial: Denial | None = None
        try:
            checks = checks_for(call)
        except UnmappedOperation as exc:
            # Never a silent pass: the call fails (the handler sees the exception) and the gap
            # is kept for the run's report.
            with self._lock:
                self.gaps.append(str(exc))
            raise
        for check in checks:
            for resource, context in check.resources:
                decision = evaluate(statements, Request(check.action, resource, context))
                if decision is not Decision.ALLOW and denial is None:
                    denial = Denial(
                        caller.principal,
                        call.operation,
                        check.action,
                        resource,
                        decision,
                        check.needed_by,
                        self._message(caller, check.action, resource, decision, call.service),
                    )
        if denial is None:
            denial = self._topic_key_denial(caller, call, statements)
        with self._lock:
            self.evaluated += 1
            self.by_action[f"{caller.principal} {action_key(call)}"] += 1
            if denial is None:
                return None
            self.denied += 1
            self.denials.append(denial)
        code, status = _DENIAL.get(call.service, _DEFAULT_DENIAL)
        if denial.action.startswith("kms:") and call.service == "sns":
            code, status = "KMSAccessDenied", 400  # Publish's documented error for its key
        return code, denial.message, status

    def _topic_key_denial(
        self, caller: identity.Caller, call: Call, statements: list[dict[str, Any]]
    ) -> Denial | None:
        """Publishing to a topic encrypted with a customer managed key needs
        kms:GenerateDataKey and kms:Decrypt on the key, granted through the key policy
        (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html)."""
        if (call.service, call.operation) != ("sns", "Publish"):
            return None
        topic = str(call.params.get("TopicArn", ""))
        if topic not in self.topic_keys:
            return None
        key_arn, key_policy = self.topic_keys[topic]
        role_arn = (
            f"arn:{self.place.partition}:iam::{self.place.account}:role/"
            f"{self.role_names.get(caller.principal, caller.principal)}"
        )
        for action in ("kms:GenerateDataKey", "kms:Decrypt"):
            request = Request(
                action,
                key_arn,
                {
                    "kms:ViaService": [f"sns.{self.place.region}.amazonaws.com"],
                    "kms:CallerAccount": [self.place.account],
                    "kms:EncryptionContext:aws:sns:topicArn": [topic],
                },
            )
            decision = evaluate_with_resource_policy(
                statements,
                key_policy,
                request,
                role_arn,
                self.place.account,
                delegation_required=True,
            )
            if decision is not Decision.ALLOW:
                return Denial(
                    caller.principal,
                    call.operation,
                    action,
                    key_arn,
                    decision,
                    "sns:Publish",
                    self._message(caller, action, key_arn, decision, "kms", resource_policy=True),
                )
        return None

    def _message(
        self,
        caller: identity.Caller,
        action: str,
        resource: str,
        decision: Decision,
        service: str,
        resource_policy: bool = False,
    ) -> str:
        user = (
            f"arn:{self.place.partition}:sts::{self.place.account}:assumed-role/"
            f"{self.role_names.get(caller.principal, caller.principal)}/{caller.session}"
        )
        shown = (
            "SNS:" + action.split(":", 1)[1]
            if service == "sns" and action.startswith("sns:")
            else action
        )
        kind = "resource-based" if resource_policy else "identity-based"
        reason = (
            f"with an explicit deny in a {kind} policy"
            if decision is Decision.EXPLICIT_DENY
            else f"because no {kind} policy allows the {shown} action"
        )
        message = (
            f"User: {user} is not authorized to perform: {shown} on resource: {resource} {reason}"
        )
        if service == "ec2":
            return f"You are not authorized to perform this operation. {message}"
        return message


def action_key(call: Call) -> str:
    return f"{call.service}:{call.operation}"


def _access_key(response: Any) -> str | None:
    found = re.search(r"Credential=([^/]+)/", str(response.headers.get("Authorization", "")))
    return found.group(1) if found else None


def _params(response: Any) -> dict[str, Any]:
    """The request's parameters in the API's own shape, parsed with the service's botocore
    model as moto does (moto.core.responses.BaseResponse.parse_parameters)."""
    from moto.core.parse import PROTOCOL_PARSERS
    from moto.core.request import determine_request_protocol
    from moto.core.utils import get_service_model

    request = response.normalized_request
    model = get_service_model(response.boto3_service_name)
    operation = model.operation_model(operation_of(response))
    protocol = determine_request_protocol(model, request.content_type)
    parser = PROTOCOL_PARSERS[protocol](operation, map_type=dict)
    parsed = parser.parse(
        {
            "method": request.method,
            "values": request.values,
            "headers": request.headers,
            "body": request.data,
            "url_path": request.path,
            "url_params": response.uri_match,
        }
    )
    return json.loads(json.dumps(parsed, default=str))


class LocalTags:
    """aws:ResourceTag/<key> from the emulator's state: AMI tags in moto, WorkSpaces images'
    tags in our BYOL world."""

    def __init__(self, world: Any, account: str, region: str) -> None:
        self.world, self.account, self.region = world, account, region

    def resource_tags(
        self, service: str, resource_type: str, resource_id: str, region: str | None = None
    ) -> dict[str, str] | None:
        region = region or self.region
        if (service, resource_type) == ("ec2", "image"):
            from moto.ec2.models import ec2_backends

            return dict(ec2_backends[self.account][region].tags.get(resource_id, {}))
        if service == "workspaces" and resource_type in ("workspaceimage", "workspacebundle"):
            account = self.world.account(self.account, region)
            found = account.images.get(resource_id) or account.bundles.get(resource_id)
            return {t["Key"]: t["Value"] for t in found.tags} if found else None
        return None


def local_names(
    policies: Policies, prefix: str, function_names: dict[str, str], by_type: dict[str, str]
) -> dict[str, str]:
    """Logical id -> local name: each function by its key, the single table, topic and state
    machine by their type; anything else keeps its logical id."""
    names = {
        policies.logical_id(key): name
        for key, name in function_names.items()
        if key in policies.extract["logical_ids"]
    }
    for cfn_type, name in by_type.items():
        ids = policies.of_type(cfn_type)
        if len(ids) > 1:
            raise ValueError(f"{len(ids)} resources of {cfn_type}: name each one locally")
        names.update(dict.fromkeys(ids, name))
    names.update({role: f"{prefix}-{role}" for role in policies.of_type("AWS::IAM::Role")})
    return names
