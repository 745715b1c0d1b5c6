"""NOT_FOUND has one wording everywhere, whether the object is missing or hidden."""

import pytest
from graphql_relay import to_global_id

from config.settings.base import BASE_DIR
from schema.core.errors import not_found_message
from tests.conftest import error_codes


@pytest.fixture
def scene(api, make_user, make_organization):
    """Alice signed in; Bob's organization and Bob himself are hidden from her."""
    alice = make_user("alice")
    bob = make_user("bob")
    hidden = make_organization(bob, name="Hidden")
    api.authenticate(alice)
    return {
        "hidden": to_global_id("Organization", hidden.pk),
        "missing": to_global_id("Organization", 999_999),
        "bob": to_global_id("User", bob.pk),
        "nobody": to_global_id("User", 999_999),
        "membership": to_global_id("Membership", 999_999),
        "thing": to_global_id("Thing", 1),
    }


@pytest.mark.parametrize(
    ("document", "kind"),
    [
        ('{ organization(by: {id: "%(hidden)s"}) { name } }', "Organization"),
        ('{ organization(by: {id: "%(missing)s"}) { name } }', "Organization"),
        ('{ organization(by: {slug: "hidden"}) { name } }', "Organization"),
        ('{ organization(by: {id: "%(bob)s"}) { name } }', "Organization"),
        ('{ node(id: "%(hidden)s") { id } }', "Organization"),
        ('{ node(id: "%(bob)s") { id } }', "User"),
        ('{ node(id: "%(nobody)s") { id } }', "User"),
        ('{ node(id: "%(membership)s") { id } }', "Membership"),
        ('{ node(id: "%(thing)s") { id } }', "Object"),
        ('mutation { deleteOrganization(id: "%(hidden)s") { deletedId } }', "Organization"),
        (
            'mutation { leaveOrganization(organizationId: "%(missing)s") { leftId } }',
            "Organization",
        ),
    ],
)
def test_every_not_found_has_the_one_wording(api, scene, document, kind):
    # when
    result = api.execute(document % scene)

    # then
    assert error_codes(result) == ["NOT_FOUND"]
    assert result["errors"][0]["message"] == not_found_message(kind)


def test_a_row_gone_inside_a_service_has_the_one_wording_too():
    # given: a DoesNotExist that escapes a service (a concurrent delete)
    from graphql import GraphQLError

    from organization.models import Organization
    from schema.core.errors import error_formatted

    error = GraphQLError("raw", path=["x"], original_error=Organization.DoesNotExist("raw"))

    # when
    formatted = error_formatted(error)

    # then
    assert formatted["extensions"]["code"] == "NOT_FOUND"
    assert formatted["message"] == not_found_message("Organization")


def test_no_module_words_not_found_itself():
    # given: the one helper is schema.core.errors.not_found_error
    offenders = [
        str(path.relative_to(BASE_DIR))
        for path in (BASE_DIR / "schema").rglob("*.py")
        if path.name not in {"errors.py", "codes.py"}
        and "ErrorCode.NOT_FOUND" in path.read_text(encoding="utf-8")
    ]

    # then
    assert offenders == []
