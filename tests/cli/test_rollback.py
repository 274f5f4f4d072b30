"""`byol-import rollback-bundle`: a bundle byol-import updated goes back to its previous image,
its tags swapped so that a second rollback undoes the first; what it refuses changes nothing."""

from __future__ import annotations

from byol_cli import contract as c
from local_aws.harness import LocalAws
from tests.cli.delivered import (
    bundle,
    bundle_image,
    changes,
    imported,
    run,
    tags_of,
    workspaces,
)


def updated_bundle(aws: LocalAws) -> tuple[str, str, str]:
    """(bundle, old, new): a person's bundle on a person's image, which a delivery moved to
    byol-import's new image, tagged as the delivery tags it."""
    _, old = imported(aws, "win11-2025", tags={})
    _, new = imported(aws, "win11-2026")
    bundle_id = bundle(aws, "win11-team", old, {"team": "euc"})
    workspaces(aws).update_workspace_bundle(BundleId=bundle_id, ImageId=new)
    workspaces(aws).create_tags(
        ResourceId=bundle_id,
        Tags=[
            {"Key": c.PREVIOUS_IMAGE_TAG_KEY, "Value": old},
            {"Key": c.IMAGE_ID_TAG_KEY, "Value": new},
        ],
    )
    return bundle_id, old, new


def test_rollback_puts_the_bundle_back_and_a_second_rollback_undoes_it(local: LocalAws) -> None:
    # Given a bundle byol-import updated from `old` to `new`
    bundle_id, old, new = updated_bundle(local)
    # When the operator rolls it back
    result = run("rollback-bundle", bundle_id, "--yes")
    # Then the bundle is on the previous image, and the tags say where it came from
    assert result.exit_code == 0, result.output
    assert bundle_image(local, bundle_id) == old
    tags = tags_of(local, bundle_id)
    assert (tags[c.PREVIOUS_IMAGE_TAG_KEY], tags[c.IMAGE_ID_TAG_KEY]) == (new, old)
    assert tags["team"] == "euc"
    assert f"image {new} -> {old}" in result.output
    assert "keep their image until they are rebuilt" in result.output
    # When it is rolled back again, then it is on the new image once more
    again = run("rollback-bundle", bundle_id, "--yes")
    assert again.exit_code == 0, again.output
    assert bundle_image(local, bundle_id) == new
    tags = tags_of(local, bundle_id)
    assert (tags[c.PREVIOUS_IMAGE_TAG_KEY], tags[c.IMAGE_ID_TAG_KEY]) == (old, new)


def test_rollback_asks_first_and_a_no_changes_nothing(local: LocalAws) -> None:
    # Given a bundle byol-import updated
    bundle_id, old, new = updated_bundle(local)
    before = changes(local)
    # When the operator answers no to the confirmation
    result = run("rollback-bundle", bundle_id, answer="n\n")
    # Then nothing changed
    assert result.exit_code != 0
    assert "Go ahead?" in result.output and "nothing was changed" in result.output
    assert changes(local) == before and bundle_image(local, bundle_id) == new
    # And a yes rolls it back
    assert run("rollback-bundle", bundle_id, answer="y\n").exit_code == 0
    assert bundle_image(local, bundle_id) == old


def test_rollback_refuses_a_bundle_byol_import_never_updated(local: LocalAws) -> None:
    # Given a bundle without the previous-image-id tag
    _, image = imported(local, "win11-2026")
    bundle_id = bundle(local, "win11-plain", image, {})
    before = changes(local)
    # When the operator rolls it back
    result = run("rollback-bundle", bundle_id, "--yes")
    # Then it is refused, saying why, and nothing changed
    assert result.exit_code == 1
    assert f"has no {c.PREVIOUS_IMAGE_TAG_KEY} tag: byol-import never updated it" in result.output
    assert changes(local) == before and bundle_image(local, bundle_id) == image


def test_rollback_refuses_when_the_previous_image_is_gone(local: LocalAws) -> None:
    # Given a bundle byol-import updated, whose previous image was deleted since
    bundle_id, old, new = updated_bundle(local)
    workspaces(local).delete_workspace_image(ImageId=old)
    before = changes(local)
    # When the operator rolls it back
    result = run("rollback-bundle", bundle_id, "--yes")
    # Then it is refused and the bundle stays on the new image
    assert result.exit_code == 1
    assert f"the previous image {old} of bundle {bundle_id} no longer exists" in result.output
    assert changes(local) == before and bundle_image(local, bundle_id) == new


def test_rollback_says_when_the_bundle_was_changed_outside_byol_import(local: LocalAws) -> None:
    # Given a bundle byol-import updated, then moved by hand to a third image
    bundle_id, old, new = updated_bundle(local)
    _, third = imported(local, "win11-hotfix", tags={})
    workspaces(local).update_workspace_bundle(BundleId=bundle_id, ImageId=third)
    # When it is rolled back
    result = run("rollback-bundle", bundle_id, "--yes")
    # Then the plan says the hand-made change is replaced, and the bundle is on the old image
    assert result.exit_code == 0, result.output
    assert f"byol-import put {new} on the bundle, but it has {third} now" in result.output
    assert bundle_image(local, bundle_id) == old
    assert tags_of(local, bundle_id)[c.PREVIOUS_IMAGE_TAG_KEY] == third


def test_rollback_refuses_an_unknown_bundle(local: LocalAws) -> None:
    result = run("rollback-bundle", "wsb-000000000", "--yes")
    assert result.exit_code == 1 and "no bundle wsb-000000000 in eu-west-1" in result.output


def test_local_rollback_runs_in_an_account_a_delivery_updated() -> None:
    """`--local rollback-bundle WSB`: a fresh account where a real import's image replaced a
    person's on bundle WSB; the rollback puts the person's image back."""
    from click.testing import CliRunner

    from byol_cli.main import cli

    result = CliRunner().invoke(cli, ["--local", "rollback-bundle", "wsb-0a1b2c3d4e", "--yes"])
    assert result.exit_code == 0, result.output
    assert "by the workflow's delivery" in result.output
    assert "Rolled back: bundle wsb-0a1b2c3d4e (win11-team)" in result.output
