"""An EC2 Image Builder pipeline build in virtual time, as AWS makes it: the image walks BUILDING,
TESTING, DISTRIBUTING, INTEGRATING to AVAILABLE (or FAILED), one `EC2 Image Builder Image State
Change` event per transition on the default bus (delivered by EventBridge as it happens, through
the stack's own rules); at DISTRIBUTING the output Windows AMI exists, with the distribution's
amiTags, and EC2 sends its `EC2 AMI State Change` (available)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

from local_aws.clock import VirtualClock
from local_aws.imagebuilder.images import BuiltImage, ImageBuilderWorld
from local_aws.imagebuilder_events import DETAIL_TYPE, SOURCE, image_state_change
from local_aws.place import ACCOUNT_ID, REGION

# The build statuses in the order the guide lists them, up to AVAILABLE (facts doc).
BUILD_STATUSES: Final = ("BUILDING", "TESTING", "DISTRIBUTING", "INTEGRATING", "AVAILABLE")


@dataclass
class ImageBuild:
    """What a build made: its build version ARN, pipeline, output AMI and the events it sent."""

    arn: str
    pipeline_arn: str | None
    ami_id: str | None
    status: str
    events: list[dict[str, Any]] = field(default_factory=list)


def _epoch(iso: str) -> float:
    """moto's event template takes the time as epoch seconds (AWS sends ISO 8601)."""
    return datetime.strptime(iso, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp()


def pipeline_arn(name: str) -> str:
    return f"arn:aws:imagebuilder:{REGION}:{ACCOUNT_ID}:image-pipeline/{name}"


class ImageBuilderSetup:
    """A mixin of LocalAws: the state it names is LocalAws's."""

    clock: VirtualClock
    imagebuilder: ImageBuilderWorld

    def create_windows_ami(self, *args: Any, **kwargs: Any) -> str:
        raise NotImplementedError

    def deliver_events(self) -> list[dict[str, Any]]:
        raise NotImplementedError

    def build_image(
        self,
        pipeline: str | None = "win11-byol",
        *,
        image_name: str = "win11-byol",
        version: str = "1.0.0",
        fails_at: str | None = None,
        tags: Mapping[str, str] | None = None,
        ami_tags: Mapping[str, str] | None = None,
        ami: Mapping[str, Any] | None = None,
        step_minutes: float = 15,
    ) -> ImageBuild:
        """A build of `pipeline` (None: an image built outside any pipeline), `step_minutes`
        per status. `fails_at` (a status of BUILD_STATUSES) ends it FAILED there; `tags` are the
        image's, `ami_tags` the output AMI's (the distribution's amiTags); `ami` is passed to
        create_windows_ami (what the image really is). Returns once the build ended, its events
        delivered at their virtual times."""
        if fails_at is not None and fails_at not in BUILD_STATUSES:
            raise ValueError(f"fails_at must be one of {BUILD_STATUSES}")
        prefix = f"arn:aws:imagebuilder:{REGION}:{ACCOUNT_ID}:image/{image_name}/{version}/"
        builds = self.imagebuilder.images(ACCOUNT_ID, REGION)
        number = 1 + sum(1 for arn in builds if arn.startswith(prefix))
        image = BuiltImage(
            arn=f"{prefix}{number}",
            status="PENDING",
            created=self.clock.now(),
            pipeline_arn=pipeline_arn(pipeline) if pipeline else None,
            tags=dict(tags or {}),
        )
        build = ImageBuild(image.arn, image.pipeline_arn, None, "PENDING")
        self.imagebuilder.put(ACCOUNT_ID, REGION, image)
        for status in BUILD_STATUSES:
            if status == fails_at:
                image.reason = f"The image build failed while {status.lower()}."
                self._transition(build, image, "FAILED")
                break
            if status == "DISTRIBUTING":
                build.ami_id = self._output_ami(image, ami or {}, ami_tags or {})
            self._transition(build, image, status)
            if status != "AVAILABLE":
                self.clock.sleep(step_minutes * 60)
        return build

    def _transition(self, build: ImageBuild, image: BuiltImage, status: str) -> None:
        previous, image.status = image.status, status
        self.imagebuilder.put(ACCOUNT_ID, REGION, image)
        event = image_state_change(image.arn, status, previous, time=self.clock.now())
        build.status = status
        build.events.append(event)
        self.put_image_builder_event(event)

    def _output_ami(
        self, image: BuiltImage, ami: Mapping[str, Any], ami_tags: Mapping[str, str]
    ) -> str:
        """The distribution: the AMI, tagged at creation (no CreateTags call), then EC2's
        AMI state change."""
        from moto.ec2.models import ec2_backends
        from moto.events.models import events_backends

        kwargs = {"name": f"{image.name}-{image.version.replace('/', '-')}", **ami}
        ami_id = self.create_windows_ami(**kwargs)
        if ami_tags:
            ec2_backends[ACCOUNT_ID][REGION].create_tags([ami_id], dict(ami_tags))
        image.amis = [{"region": REGION, "image": ami_id, "accountId": ACCOUNT_ID}]
        detail = {"RequestId": image.arn, "ImageId": ami_id, "State": "available"}
        events_backends[ACCOUNT_ID][REGION].put_events(
            [
                {
                    "Source": "aws.ec2",
                    "DetailType": "EC2 AMI State Change",
                    "Detail": json.dumps({**detail, "ErrorMessage": ""}),
                    "Resources": [f"arn:aws:ec2:{REGION}::image/{ami_id}"],
                    "Time": self.clock.now().timestamp(),
                }
            ]
        )
        self.deliver_events()
        return ami_id

    def put_image_builder_event(self, event: Mapping[str, Any]) -> None:
        """Image Builder puts `event` on the default bus (AWS's own delivery, no API call of
        the account's); EventBridge delivers it to the rules' targets at once."""
        from moto.events.models import events_backends

        events_backends[event["account"]][event["region"]].put_events(
            [
                {
                    "Source": SOURCE,
                    "DetailType": DETAIL_TYPE,
                    "Detail": json.dumps(event["detail"]),
                    "Resources": list(event["resources"]),
                    "Time": _epoch(event["time"]),
                }
            ]
        )
        self.deliver_events()
