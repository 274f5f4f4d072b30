"""Image Builder as a moto service: boto3 `imagebuilder` clients reach it through `mock_aws` as
they reach AWS, and every request goes through the request pipeline (throttling, IAM, faults,
CloudTrail) like any other. moto 5.2.5 has no Image Builder module: its URL pattern is added to
moto's index and its backend module is provided here, both removed by `uninstall`."""

from __future__ import annotations

import json
import re
import sys
import types
from collections.abc import Callable
from typing import Any, ClassVar, Final

from moto.core.responses import BaseResponse

from local_aws.imagebuilder import service
from local_aws.imagebuilder.images import ImageBuilderWorld

_URL: Final = r"https?://imagebuilder\.(.+)\.amazonaws\.com"
_MODULE: Final = "moto.imagebuilder"
_world: ImageBuilderWorld | None = None


def world() -> ImageBuilderWorld:
    if _world is None:
        raise RuntimeError("the local Image Builder service is not installed")
    return _world


def _op(
    call: Callable[[ImageBuilderWorld, str, str, dict[str, Any]], dict[str, Any]],
) -> Callable[[Any], str]:
    def method(self: Any) -> str:
        with world().lock:
            return json.dumps(call(world(), self.current_account, self.region, dict(self.params)))

    return method


class ImageBuilderResponse(BaseResponse):
    """The operations byol-import calls (any other is answered as not implemented)."""

    def __init__(self) -> None:
        super().__init__(service_name="imagebuilder")
        self.automated_parameter_parsing = True

    get_image = _op(service.get_image)
    get_infrastructure_configuration = _op(service.get_infrastructure_configuration)


class _Backend:
    """What moto's request router reads of a backend: its URLs."""

    urls: ClassVar[dict[str, Any]] = {f"{_URL}/.*": ImageBuilderResponse.dispatch}


def install(world_: ImageBuilderWorld) -> None:
    import moto.backend_index as index

    global _world
    _world = world_
    module = types.ModuleType(_MODULE)
    module.imagebuilder_backends = {"global": _Backend()}  # type: ignore[attr-defined]
    sys.modules[_MODULE] = module
    if not any(name == "imagebuilder" for name, _ in index.backend_url_patterns):
        index.backend_url_patterns.append(("imagebuilder", re.compile(_URL)))


def uninstall() -> None:
    import moto.backend_index as index

    global _world
    _world = None
    sys.modules.pop(_MODULE, None)
    index.backend_url_patterns[:] = [
        p for p in index.backend_url_patterns if p[0] != "imagebuilder"
    ]
