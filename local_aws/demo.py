"""`make demo`: watch a whole BYOL import happen on the embedded local AWS, in seconds.

It creates an account with BYOL disabled and a Windows AMI, tags the AMI, lets EventBridge (with
the stack's own rule patterns) hand the CloudTrail event to the starter, and runs the state
machine from the very ASL file CDK deploys, with the real handlers. Time is virtual: hours of
Wait states pass without sleeping.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from local_aws.harness import ExecutionResult, LocalAws
from local_aws.workspaces_byol import Faults, ImportFault


@dataclass(frozen=True)
class Scenario:
    description: str
    prepare: Callable[[LocalAws], None]
    faults: Callable[[], Faults]
    amis: int = 1


def _nothing(_: LocalAws) -> None:
    return None


SCENARIOS: dict[str, Scenario] = {
    "byol-disabled": Scenario("BYOL disabled: pick a CIDR, enable BYOL, import", _nothing, Faults),
    "byol-enabled": Scenario(
        "BYOL already enabled: import only (no ModifyAccount)",
        lambda aws: aws.enable_byol_directly(),
        Faults,
    ),
    "import-error": Scenario(
        "The import ends in ERROR: our image is deleted and the reason reported",
        lambda aws: aws.enable_byol_directly(),
        lambda: Faults(import_errors={"*": ImportFault()}),
    ),
    "not-eligible": Scenario(
        "The account is not approved for BYOL: a terminal error that says what to do",
        _nothing,
        lambda: Faults(not_eligible=True),
    ),
    "many-amis": Scenario(
        "Five AMIs tagged in one CreateTags call on an account with BYOL disabled",
        _nothing,
        Faults,
        amis=5,
    ),
}


def _fmt(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    return f"+{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def run(scenario_name: str, quiet: bool = False) -> int:
    scenario = SCENARIOS[scenario_name]
    wall_start = time.perf_counter()
    names: dict[str, str] = {}
    start_of_time: list[datetime] = []

    def on_state(execution: str, state: str, at: datetime) -> None:
        if quiet:
            return
        label = names.setdefault(execution, f"exec-{len(names) + 1}")
        origin = start_of_time[0] if start_of_time else at
        print(f"  [{_fmt(at - origin)} virtual] {label:<7} {state}", flush=True)

    print(f"byol-import local run: {scenario_name}: {scenario.description}")
    with LocalAws(faults=scenario.faults(), on_state=on_state) as aws:
        start_of_time.append(aws.clock.now())
        scenario.prepare(aws)
        amis = [
            aws.create_windows_ami(name=f"Windows-11-Enterprise-BYOL-{i + 1}")
            for i in range(scenario.amis)
        ]
        print(
            f"* AWS account {aws.lambdas.account_id} in {aws.lambdas.region}: BYOL "
            f"{aws.world.account(aws.lambdas.account_id, aws.lambdas.region).support}; "
            f"AMIs {', '.join(amis)}"
        )
        print(f"* tagging {len(amis)} AMI(s) {aws.config.trigger_tag_key}=BYOL_REGULAR_WSP")
        aws.tag_ami(amis, value="BYOL_REGULAR_WSP")
        for delivery in aws.deliver_events():
            result = delivery["Result"]
            print(
                f"* EventBridge rule matched; starter started "
                f"{len(result.get('Started', []))}, ignored {len(result.get('Ignored', []))}"
            )
        aws.wait_for_executions(timeout_seconds=300)
        results = aws.results()
        wall = time.perf_counter() - wall_start
        virtual = aws.clock.elapsed().total_seconds()
        _summary(aws, results, amis, virtual, wall)
        failed = [r for r in results if r.status != "SUCCEEDED"]
        if failed or not results:
            reason = failed[0].cause if failed else "no execution was started"
            print(
                f"\nFAILED: {failed[0].error if failed else 'NoExecution'}: {reason}",
                file=sys.stderr,
            )
            return 1
        return 0


def _summary(
    aws: LocalAws, results: list[ExecutionResult], amis: list[str], virtual: float, wall: float
) -> None:
    print("\nSummary")
    for r in results:
        report = (r.output or {}).get("Report") or {}
        ami = (r.input or {}).get("ImageId", "?") if isinstance(r.input, dict) else "?"
        print(
            f"  {ami}: {r.status}"
            + (
                f" -> WorkSpaces image {report.get('WorkSpacesImageId')}"
                if r.status == "SUCCEEDED"
                else f" ({r.error}: {r.cause})"
            )
        )
        print(
            f"    state transitions {r.transitions}, virtual duration "
            f"{_fmt(timedelta(seconds=r.virtual_seconds))}"
        )
    for ami in amis:
        tags = aws.ami_tags(ami)
        print(f"  AMI {ami} status tag: {tags.get('byol-import:status', '(none)')}")
    print(f"  notifications published: {len(aws.notifications())}")
    print(
        f"  virtual time {_fmt(timedelta(seconds=virtual))} in {wall:.2f} s wall "
        f"({virtual / max(wall, 1e-9):,.0f} virtual seconds per wall second)"
    )
    ws = aws.calls.count("workspaces")
    print("  WorkSpaces API calls: " + ", ".join(f"{op} {n}" for op, n in sorted(ws.items())))
    throttled = aws.calls.throttled()
    print(
        f"  throttled by AWS's rate limits (retried): {sum(throttled.values())} "
        f"({', '.join(f'{op} {n}' for op, n in sorted(throttled.items())) or 'none'})"
    )
    other = {
        k: v
        for k, v in aws.calls.count().items()
        if k.split(":")[0] in ("ec2", "dynamodb", "sns", "stepfunctions")
        and k.split(":")[1]
        not in (
            "CreateTable",
            "CreateTopic",
            "CreateStateMachine",
            "RegisterImage",
            "ListExecutions",
            "DescribeExecution",
            "GetExecutionHistory",
        )
    }
    print("  other API calls: " + ", ".join(f"{op} {n}" for op, n in sorted(other.items())))
    print(
        f"  Lambda invocations: {sum(aws.lambdas.invocations.values())}; unhandled "
        f"exceptions: {len(aws.lambdas.unhandled)}"
    )
    print(
        f"  IAM: {aws.iam.evaluated} calls evaluated against the synthesized roles, "
        f"{aws.iam.denied} denied"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", choices=sorted(SCENARIOS), default="byol-disabled")
    parser.add_argument("--quiet", action="store_true", help="no per-state progress lines")
    parser.add_argument("--all", action="store_true", help="run every scenario in turn")
    args = parser.parse_args(argv)
    if args.all:
        codes = {name: run(name, quiet=True) for name in SCENARIOS}
        print("\n" + "\n".join(f"{name}: exit {code}" for name, code in codes.items()))
        return 0
    return run(args.scenario, quiet=args.quiet)


if __name__ == "__main__":
    sys.exit(main())
