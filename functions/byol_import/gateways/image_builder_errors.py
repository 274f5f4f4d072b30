"""How byol-import treats each documented error code of the Image Builder path: the
ImportCustomWorkspaceImage import and its poll, and EC2 Image Builder's GetImage (the starter's
and CheckImage's). Merged into ERROR_TABLE."""

from __future__ import annotations

from collections.abc import Mapping

from byol_import import errors
from byol_import.gateways.error_table import _DEFECT, _DENIED, RETRIED, Handling


def image_builder_errors(
    table: Mapping[tuple[str, str], Handling],
) -> dict[tuple[str, str], Handling]:
    """The rows, given the table so far: the codes both import calls share mean the same and ask
    the same of a person, so ImportCustomWorkspaceImage takes the classic import's rows where it
    has none of its own."""
    own: dict[tuple[str, str], Handling] = {
        # ImportCustomWorkspaceImage: the classic import's codes (below), and its own not-found
        ("workspaces:ImportCustomWorkspaceImage", "ResourceNotFoundException"): Handling(
            errors.ImageImportRejected,
            "WorkSpaces cannot find the AMI, the ImageBuildVersionArn or the Image Builder "
            "infrastructure configuration: check they exist in this Region and account (redeploy "
            "the stack for its configuration), then start the import again",
        ),
        ("workspaces:DescribeCustomWorkspaceImageImport", "ResourceNotFoundException"): Handling(
            None, "the import is not listed yet (just started) or its image was deleted"
        ),
        # -- EC2 Image Builder (the starter's and CheckImage's GetImage) ------------------------
        ("imagebuilder", "AccessDeniedException"): Handling(errors.AccessDenied, _DENIED),
        ("imagebuilder", "ForbiddenException"): Handling(errors.AccessDenied, _DENIED),
        **{
            ("imagebuilder", code): Handling(errors.TransientAwsError, RETRIED)
            for code in (
                "ServiceException",
                "ServiceUnavailableException",
                "CallRateLimitExceededException",
            )
        },
        **{
            ("imagebuilder", code): Handling(errors.AwsRequestRejected, _DEFECT)
            for code in ("ClientException", "InvalidRequestException")
        },
        ("imagebuilder:GetImage", "ResourceNotFoundException"): Handling(
            None,
            "the image does not exist (any more): the starter ignores it, CheckImage fails with "
            "ImageBuildNotUsable",
        ),
    }
    shared = {
        ("workspaces:ImportCustomWorkspaceImage", code): row
        for (operation, code), row in table.items()
        if operation == "workspaces:ImportWorkspaceImage"
    }
    return {**shared, **own}
