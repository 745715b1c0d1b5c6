"""User implements Node: a global ID, and `node(id:)` only for those who may see the user."""

import pytest
from graphql_relay import from_global_id, to_global_id

from organization.models import Membership
from schema.core.errors import not_found_message
from tests.conftest import error_codes

NODE = "query ($id: ID!) { node(id: $id) { __typename id ... on User { username } } }"


@pytest.fixture
def people(make_user, make_organization):
    """Alice and Bob share Acme; Carol is in an organization of her own; Sam is staff."""
    people = {name: make_user(name) for name in ("alice", "bob", "carol")}
    people["sam"] = make_user("sam", is_staff=True)
    make_organization(people["alice"], name="Acme", members={people["bob"]: Membership.Role.MEMBER})
    make_organization(people["carol"], name="Solo")
    return people


def test_user_id_is_a_global_id(api, people):
    # given
    api.authenticate(people["alice"])

    # when
    result = api.execute("{ me { id } }")

    # then
    assert from_global_id(result["data"]["me"]["id"]) == ("User", str(people["alice"].pk))


def test_member_user_ids_are_global_ids_too(api, people):
    # given
    api.authenticate(people["alice"])

    # when
    result = api.execute(
        "{ organizations { edges { node { createdBy { id } "
        "members { edges { node { user { id username } } } } } } } }"
    )

    # then
    node = result["data"]["organizations"]["edges"][0]["node"]
    assert node["createdBy"]["id"] == to_global_id("User", people["alice"].pk)
    users = [edge["node"]["user"] for edge in node["members"]["edges"]]
    assert users == [
        {"id": to_global_id("User", people[name].pk), "username": name} for name in ("alice", "bob")
    ]


@pytest.mark.parametrize(
    ("viewer", "seen"),
    [("alice", "alice"), ("alice", "bob"), ("bob", "alice"), ("sam", "carol")],
)
def test_node_finds_a_user_the_viewer_may_see(api, people, viewer, seen):
    # given
    api.authenticate(people[viewer])
    global_id = to_global_id("User", people[seen].pk)

    # when
    result = api.execute(NODE, {"id": global_id})

    # then
    assert result == {"data": {"node": {"__typename": "User", "id": global_id, "username": seen}}}


def test_a_hidden_user_answers_as_a_missing_one(api, people):
    # given: Carol shares no organization with Alice
    api.authenticate(people["alice"])

    # when
    hidden = api.execute(NODE, {"id": to_global_id("User", people["carol"].pk)})
    missing = api.execute(NODE, {"id": to_global_id("User", 999_999)})

    # then
    assert error_codes(hidden) == error_codes(missing) == ["NOT_FOUND"]
    assert hidden["errors"][0]["message"] == missing["errors"][0]["message"]
    assert hidden["errors"][0]["message"] == not_found_message("User")


def test_node_needs_a_signed_in_user(api, people):
    # when
    result = api.execute(NODE, {"id": to_global_id("User", people["alice"].pk)})

    # then
    assert error_codes(result) == ["UNAUTHENTICATED"]
