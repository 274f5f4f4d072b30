"""The reliability scenarios: concurrency, duplicates and hostile input, each through the real
state machine on the embedded AWS; each returns its Row (local_aws/reliability_checks.py). The
fault scenarios are in local_aws/reliability_faults.py; SCENARIOS names them all.
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable
from typing import Any

from byol_import import settings
from local_aws.harness import LocalAws, unattended
from local_aws.reliability_checks import Row, finish, tag_each
from local_aws.reliability_faults import (
    aborted_holder,
    lambda_crashes,
    server_errors,
    stale_lock,
    terminal_failures,
    throttling_everywhere,
)
from local_aws.reliability_paths import delivery_faults, image_builder_faults

# --- 1. concurrency -------------------------------------------------------------------------


def concurrency(count: int = 20) -> Row:
    row = Row(f"concurrency: {count} AMIs tagged in one second, BYOL disabled")
    with LocalAws(config=unattended()) as aws:
        with aws.clock.hold():
            amis = [aws.create_windows_ami(name=f"win11-{i}") for i in range(count)]
            tag_each(aws, amis)
        return finish(aws, row, amis, expect_status="SUCCEEDED", expect_modify=1)


# --- 2. duplicates ----------------------------------------------------------------------------


def duplicate_events() -> Row:
    row = Row("duplicates: same event x3, same tag rewritten, status tags")
    with LocalAws(config=unattended()) as aws:
        ami = aws.create_windows_ami()
        with aws.clock.hold():
            aws.tag_ami([ami], value="BYOL_REGULAR_WSP")
            [first] = aws.deliver_events()
            for _ in range(2):
                aws.put_event("AWS API Call via CloudTrail", first["Event"]["detail"])
            aws.tag_ami([ami], value="BYOL_REGULAR_WSP")  # the same tag written again
            aws.deliver_events()
        aws.wait_for_executions()
        aws.tag_ami([ami], key=settings.STATUS_TAG_KEY, value="AVAILABLE")
        aws.deliver_events()
        finish(aws, row, [ami], expect_status="SUCCEEDED", expect_modify=1)
        if row.runs != 1:
            row.broken.append(f"{row.runs} executions for one AMI")
    return row


def many_resources() -> Row:
    row = Row("duplicates: one CreateTags naming 3 AMIs among 40 other resources")
    with LocalAws(config=unattended()) as aws:
        aws.enable_byol_directly()
        amis = [aws.create_windows_ami(name=f"win11-{i}") for i in range(3)]
        # CreateTags names existing resources only (AWS refuses unknown ids): 20 instances and
        # 20 snapshots of the account.
        ec2 = aws.client("ec2")
        others = [
            i["InstanceId"]
            for i in ec2.run_instances(
                ImageId=amis[0], MinCount=20, MaxCount=20, InstanceType="t3.micro"
            )["Instances"]
        ]
        volume = ec2.create_volume(AvailabilityZone=f"{aws.lambdas.region}a", Size=8)["VolumeId"]
        others += [ec2.create_snapshot(VolumeId=volume)["SnapshotId"] for _ in range(20)]
        with aws.clock.hold():
            aws.tag_ami(amis, value="", extra_resources=others)
            aws.deliver_events()
        finish(aws, row, amis, expect_status="SUCCEEDED", expect_modify=0)
        if row.runs != 3:
            row.broken.append(f"{row.runs} executions for 3 AMIs")
    return row


def retried_import_adopts() -> Row:
    row = Row("duplicates: ImportImage Lambda dies after its call, retry adopts")
    with LocalAws(config=unattended()) as aws:
        aws.enable_byol_directly()
        aws.lambdas.faults.crash_after["ImportImage"] = 1
        ami = aws.create_windows_ami()
        tag_each(aws, [ami])
        finish(aws, row, [ami], expect_status="SUCCEEDED")
        # 2 calls or more: the retry may meet the name before the image is listed (a lag),
        # and waits (ImageNotListedYet) until it can adopt it; one image either way.
        if aws.calls.count("workspaces")["ImportWorkspaceImage"] < 2 or row.imports != 1:
            row.broken.append("the retry did not adopt the first image")
    return row


def name_taken_by_another() -> Row:
    row = Row("duplicates: image name taken by an image that is not ours")
    with LocalAws(config=unattended()) as aws:
        aws.enable_byol_directly()
        ami = aws.create_windows_ami(name="gold")
        other = aws.create_windows_ami(name="other")
        aws.client("workspaces").import_workspace_image(
            Ec2ImageId=other,
            IngestionProcess="BYOL_REGULAR_WSP",
            ImageName=f"gold-{ami}",
            ImageDescription="another tool",
        )
        aws.clock.advance(aws.timings.longest_import())
        tag_each(aws, [ami])
        finish(aws, row, [ami], expect_status="FAILED", expect_error="ImageNameTaken")
        row.imports -= 1  # the other tool's image is not ours
    return row


# --- 3. hostile input ---------------------------------------------------------------------------


def _hostile_values(rng: random.Random) -> Any:
    choices: list[Callable[[], Any]] = [
        lambda: None,
        lambda: rng.randint(-(10**12), 10**12),
        lambda: rng.random(),
        lambda: "".join(rng.choice(string.printable) for _ in range(rng.randint(0, 300))),
        lambda: "ami-" + "é" * rng.randint(1, 40),
        lambda: "x" * 100_000,
        lambda: [rng.random() for _ in range(5)],
        lambda: {"nested": {"deep": ["ami-0"]}},
        lambda: "ami-12345678",
        lambda: "💥" * 70,
    ]
    return rng.choice(choices)()


def hostile_input(count: int = 40, seed: int = 2026) -> Row:
    row = Row(f"hostile input: {count} fuzzed console inputs and events")
    rng = random.Random(seed)
    with LocalAws(config=unattended()) as aws:
        aws.enable_byol_directly()
        for i in range(count):
            fields = [
                "ImageId",
                "IngestionProcess",
                "ImageName",
                "ImageDescription",
                "Applications",
                "Tags",
                "Trigger",
                "Bogus",
            ]
            payload = {f: _hostile_values(rng) for f in rng.sample(fields, rng.randint(0, 5))}
            if i % 2:
                aws.start_manual(payload)
                continue
            detail = {
                "eventName": rng.choice(["CreateTags", "DeleteTags", None]),
                "eventSource": "ec2.amazonaws.com",
                "requestParameters": {
                    "resourcesSet": {
                        "items": [{"resourceId": _hostile_values(rng)} for _ in range(3)]
                    },
                    "tagSet": {
                        "items": [
                            {"key": aws.config.trigger_tag_key, "value": _hostile_values(rng)}
                        ]
                    },
                },
            }
            aws.put_event("AWS API Call via CloudTrail", detail)
        deliveries = aws.deliver_events()
        aws.wait_for_executions()
        finish(aws, row, [])
        errors = [d for d in deliveries if d["Error"]]
        if errors:
            row.broken.append(f"the starter failed: {errors[0]['Result']}")
        results = aws.results(history=False)
        for r in results:
            if r.status != "FAILED" or r.error != "InvalidRequest":
                row.broken.append(f"{r.name}: {r.status} {r.error}")
        if any(len(r.name) > 80 for r in results):
            row.broken.append("an execution name is too long")
        row.runs = len(results)
        row.outcome += f"; {len(deliveries)} events delivered, {len(errors)} starter errors"
    return row


SCENARIOS: dict[str, Callable[[], Row | list[Row]]] = {
    "concurrency": concurrency,
    "duplicate-events": duplicate_events,
    "many-resources": many_resources,
    "retried-import": retried_import_adopts,
    "name-taken": name_taken_by_another,
    "throttling": throttling_everywhere,
    "server-errors": server_errors,
    "lambda-crashes": lambda_crashes,
    "terminal-failures": terminal_failures,
    "stale-lock": stale_lock,
    "aborted-holder": aborted_holder,
    "hostile-input": hostile_input,
    "image-builder-faults": image_builder_faults,
    "delivery-faults": delivery_faults,
}
