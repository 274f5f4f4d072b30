"""AWS resource id patterns, shared by the request and the triggers."""

from __future__ import annotations

import re
from typing import Final

AMI_ID_PATTERN: Final = re.compile(r"^ami-([a-f0-9]{8}|[a-f0-9]{17})$")
# EC2 Image Builder ARNs, as the botocore model's shapes write them (ImageBuildVersionArn,
# ImagePipelineArn): an image build version (`image/<name>/<x.y.z>/<build>`), a pipeline.
IMAGE_BUILD_VERSION_ARN_PATTERN: Final = re.compile(
    r"^arn:aws[^:]*:imagebuilder:[^:]+:(?:[0-9]{12}|aws(?:-[a-z-]+)?):"
    r"image/[a-z0-9-_]+/[0-9]+\.[0-9]+\.[0-9]+/[0-9]+$"
)
IMAGE_PIPELINE_ARN_PATTERN: Final = re.compile(
    r"^arn:aws[^:]*:imagebuilder:[^:]+:(?:[0-9]{12}|aws):image-pipeline/[a-z0-9-_]+$"
)
