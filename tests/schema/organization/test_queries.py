from datetime import timedelta

import pytest
from django.utils import timezone
from graphql_relay import to_global_id

from organization.models import Membership, Organization
from tests.conftest import error_codes

Role = Membership.Role

LIST = """
query List($first: Int, $last: Int, $after: String, $before: String, $offset: Int,
           $nameContains: String, $nameStartsWith: String, $slug: String, $isActive: Boolean,
           $createdAfter: DateTime, $createdBefore: DateTime, $search: String, $role: Role,
           $orderBy: [OrganizationOrder!]) {
  organizations(first: $first, last: $last, after: $after, before: $before, offset: $offset,
                nameContains: $nameContains, nameStartsWith: $nameStartsWith, slug: $slug,
                isActive: $isActive, createdAfter: $createdAfter, createdBefore: $createdBefore,
                search: $search, role: $role, orderBy: $orderBy) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { name } }
  }
}
"""


def names(result) -> list[str]:
    assert "errors" not in result, result
    return [edge["node"]["name"] for edge in result["data"]["organizations"]["edges"]]


@pytest.fixture
def alice_orgs(make_user, make_organization):
    """Alice owns five organizations, is MEMBER of one, and cannot see a seventh."""
    alice = make_user("alice")
    bob = make_user("bob")
    for name in ("Echo", "alpha", "Delta", "Bravo", "Charlie"):
        make_organization(alice, name=name, description=f"{name} description")
    make_organization(bob, name="Foxtrot", description="rockets", members={alice: Role.MEMBER})
    make_organization(bob, name="Hidden")
    return alice


def test_organizations_needs_sign_in(api, db):
    # when
    result = api.execute(LIST)

    # then
    assert error_codes(result) == ["UNAUTHENTICATED"]


def test_organizations_lists_only_mine_ordered_by_name(api, alice_orgs):
    # given
    api.authenticate(alice_orgs)

    # when
    result = api.execute(LIST)

    # then
    assert names(result) == ["alpha", "Bravo", "Charlie", "Delta", "Echo", "Foxtrot"]
    assert result["data"]["organizations"]["totalCount"] == 6


def test_staff_see_every_organization(api, alice_orgs, make_user):
    # given
    api.authenticate(make_user("root", is_staff=True))

    # when
    result = api.execute(LIST)

    # then
    assert result["data"]["organizations"]["totalCount"] == 7
    assert "Hidden" in names(result)


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({"nameContains": "LT"}, ["Delta"]),
        ({"nameStartsWith": "b"}, ["Bravo"]),
        ({"slug": "charlie"}, ["Charlie"]),
        ({"search": "ROCKETS"}, ["Foxtrot"]),
        ({"search": "echo description"}, ["Echo"]),
        ({"role": "MEMBER"}, ["Foxtrot"]),
        ({"role": "ADMIN"}, []),
        ({"nameContains": "a", "role": "OWNER"}, ["alpha", "Bravo", "Charlie", "Delta"]),
    ],
)
def test_filters(api, alice_orgs, variables, expected):
    # given
    api.authenticate(alice_orgs)

    # when
    result = api.execute(LIST, variables)

    # then
    assert names(result) == expected
    assert result["data"]["organizations"]["totalCount"] == len(expected)


def test_is_active_and_created_range_filters(api, alice_orgs):
    # given
    api.authenticate(alice_orgs)
    Organization.objects.filter(name="Echo").update(is_active=False)
    long_ago = timezone.now() - timedelta(days=30)
    Organization.objects.filter(name__in=["alpha", "Bravo"]).update(created_at=long_ago)
    cut = (timezone.now() - timedelta(days=1)).isoformat()

    # when
    inactive = api.execute(LIST, {"isActive": False})
    old = api.execute(LIST, {"createdBefore": cut})
    recent_active = api.execute(LIST, {"createdAfter": cut, "isActive": True})

    # then
    assert names(inactive) == ["Echo"]
    assert names(old) == ["alpha", "Bravo"]
    assert names(recent_active) == ["Charlie", "Delta", "Foxtrot"]


def test_order_by_descending_and_ties_broken_by_id(api, alice_orgs):
    # given
    api.authenticate(alice_orgs)
    same_time = timezone.now() - timedelta(days=1)
    Organization.objects.update(created_at=same_time)
    expected_ids = list(
        Organization.objects.exclude(name="Hidden").order_by("id").values_list("name", flat=True)
    )

    # when
    by_name_desc = api.execute(LIST, {"orderBy": [{"field": "NAME", "direction": "DESC"}]})
    by_created = api.execute(LIST, {"orderBy": [{"field": "CREATED_AT"}]})
    by_created_desc = api.execute(LIST, {"orderBy": [{"field": "CREATED_AT", "direction": "DESC"}]})
    by_default = api.execute(LIST, {"orderBy": []})

    # then
    assert names(by_name_desc) == ["Foxtrot", "Echo", "Delta", "Charlie", "Bravo", "alpha"]
    assert names(by_created) == expected_ids
    assert names(by_created_desc) == expected_ids[::-1]
    assert names(by_default) == ["alpha", "Bravo", "Charlie", "Delta", "Echo", "Foxtrot"]


def test_order_by_two_keys_in_mixed_directions(api, alice_orgs):
    # given: two pairs of organizations created at the same instant
    api.authenticate(alice_orgs)
    earlier = timezone.now() - timedelta(days=2)
    Organization.objects.filter(name__in=["Bravo", "Delta"]).update(created_at=earlier)
    Organization.objects.exclude(name__in=["Bravo", "Delta"]).update(created_at=timezone.now())

    # when
    result = api.execute(
        LIST,
        {
            "orderBy": [
                {"field": "CREATED_AT", "direction": "ASC"},
                {"field": "NAME", "direction": "DESC"},
            ]
        },
    )

    # then
    assert names(result) == ["Delta", "Bravo", "Foxtrot", "Echo", "Charlie", "alpha"]


def test_order_by_a_field_twice_is_bad_user_input_naming_it(api, alice_orgs):
    # given
    api.authenticate(alice_orgs)
    order = [{"field": "NAME"}, {"field": "CREATED_AT"}, {"field": "NAME", "direction": "DESC"}]

    # when
    result = api.execute(LIST, {"orderBy": order})

    # then
    assert error_codes(result) == ["BAD_USER_INPUT"]
    assert result["errors"][0]["message"] == (
        "`orderBy` names NAME more than once; give each field at most once "
        "(fields: NAME, CREATED_AT, UPDATED_AT)."
    )


def test_order_by_an_unknown_field_is_refused_before_running(api, alice_orgs):
    # given
    api.authenticate(alice_orgs)

    # when
    result = api.execute(LIST, {"orderBy": [{"field": "PASSWORD"}]})

    # then
    assert error_codes(result) == ["BAD_USER_INPUT"]
    assert "OrganizationOrderField" in result["errors"][0]["message"]


def test_paging_forward_and_backward(api, alice_orgs):
    # given
    api.authenticate(alice_orgs)

    # when
    first_page = api.execute(LIST, {"first": 4})["data"]["organizations"]
    second_page = api.execute(LIST, {"first": 4, "after": first_page["pageInfo"]["endCursor"]})
    second = second_page["data"]["organizations"]
    back = api.execute(LIST, {"last": 2, "before": second["pageInfo"]["startCursor"]})

    # then
    assert [e["node"]["name"] for e in first_page["edges"]] == [
        "alpha",
        "Bravo",
        "Charlie",
        "Delta",
    ]
    assert first_page["pageInfo"]["hasNextPage"] is True
    assert names(second_page) == ["Echo", "Foxtrot"]
    assert second["pageInfo"]["hasNextPage"] is False
    assert second["totalCount"] == 6
    assert names(back) == ["Charlie", "Delta"]
    assert back["data"]["organizations"]["pageInfo"]["hasPreviousPage"] is True


def test_offset_alone_and_with_filter_and_order(api, alice_orgs):
    # given
    api.authenticate(alice_orgs)

    # when
    skipped = api.execute(LIST, {"offset": 2, "first": 2})
    combined = api.execute(
        LIST,
        {
            "offset": 1,
            "first": 2,
            "orderBy": [{"field": "NAME", "direction": "DESC"}],
            "nameContains": "a",
        },
    )

    # then
    assert names(skipped) == ["Charlie", "Delta"]
    assert names(combined) == ["Charlie", "Bravo"]
    assert combined["data"]["organizations"]["totalCount"] == 4


def test_default_page_size_is_20(api, make_user, make_organization):
    # given
    alice = make_user("alice")
    for number in range(25):
        make_organization(alice, name=f"Org {number:02}")
    api.authenticate(alice)

    # when
    result = api.execute(LIST)

    # then
    assert len(names(result)) == 20
    assert result["data"]["organizations"]["totalCount"] == 25
    assert result["data"]["organizations"]["pageInfo"]["hasNextPage"] is True


@pytest.mark.parametrize("argument", ["first", "last"])
def test_page_size_above_100_is_refused_with_its_code(api, alice_orgs, argument):
    # given
    api.authenticate(alice_orgs)

    # when
    at_limit = api.execute(LIST, {argument: 100})
    over = api.execute(LIST, {argument: 101})

    # then
    assert len(names(at_limit)) == 6
    assert error_codes(over) == ["PAGE_SIZE_TOO_LARGE"]
    # `organizations` is non-null: its error nulls `data`.
    assert over["data"] is None


@pytest.mark.parametrize(
    "variables",
    [{"first": -1}, {"offset": -3}, {"offset": 1, "before": "YXJyYXljb25uZWN0aW9uOjI="}],
)
def test_nonsense_paging_is_bad_user_input(api, alice_orgs, variables):
    # given
    api.authenticate(alice_orgs)

    # when
    result = api.execute(LIST, variables)

    # then
    assert error_codes(result) == ["BAD_USER_INPUT"]


ONE = """
query One($id: ID, $slug: String) {
  organization(id: $id, slug: $slug) {
    id name slug myRole createdBy { username }
    members { totalCount edges { node { role user { username } } } }
  }
}
"""


def test_organization_by_id_and_by_slug(api, acme, people):
    # given
    api.authenticate(people["admin"])
    global_id = to_global_id("Organization", acme.pk)

    # when
    by_id = api.execute(ONE, {"id": global_id})
    by_slug = api.execute(ONE, {"slug": "acme"})

    # then
    assert by_id == by_slug
    organization = by_id["data"]["organization"]
    assert organization["id"] == global_id
    assert organization["myRole"] == "ADMIN"
    assert organization["createdBy"] == {"username": "owner"}
    assert organization["members"]["totalCount"] == 3
    assert [e["node"]["role"] for e in organization["members"]["edges"]] == [
        "OWNER",
        "ADMIN",
        "MEMBER",
    ]


def test_organization_hidden_from_outsider_is_not_found(api, acme, people):
    # given
    api.authenticate(people["outsider"])

    # when
    by_id = api.execute(ONE, {"id": to_global_id("Organization", acme.pk)})
    by_slug = api.execute(ONE, {"slug": "acme"})
    missing = api.execute(ONE, {"slug": "no-such-org"})

    # then
    assert error_codes(by_id) == ["NOT_FOUND"]
    assert error_codes(by_slug) == ["NOT_FOUND"]
    assert by_slug["errors"][0]["message"] == missing["errors"][0]["message"]


def test_staff_see_any_organization_with_no_role(api, acme, people):
    # given
    api.authenticate(people["staff"])

    # when
    result = api.execute(ONE, {"slug": "acme"})

    # then
    assert result["data"]["organization"]["myRole"] is None


@pytest.mark.parametrize(
    ("variables", "code"),
    [
        ({}, "BAD_USER_INPUT"),
        ({"id": "x", "slug": "acme"}, "BAD_USER_INPUT"),
        ({"id": "not-a-global-id"}, "BAD_USER_INPUT"),
        ({"id": to_global_id("Membership", 1)}, "NOT_FOUND"),
    ],
)
def test_organization_argument_errors(api, acme, people, variables, code):
    # given
    api.authenticate(people["owner"])

    # when
    result = api.execute(ONE, variables)

    # then
    assert error_codes(result) == [code]


NODE = """
query Node($id: ID!) {
  node(id: $id) {
    id
    ... on Organization { name myRole }
    ... on Membership { role organization: id }
  }
}
"""


def test_node_returns_a_visible_organization(api, acme, people):
    # given
    api.authenticate(people["member"])

    # when
    result = api.execute(NODE, {"id": to_global_id("Organization", acme.pk)})

    # then
    assert result["data"]["node"]["name"] == "Acme"
    assert result["data"]["node"]["myRole"] == "MEMBER"


def test_node_hides_organizations_and_memberships_from_outsiders(api, acme, people):
    # given
    api.authenticate(people["outsider"])
    membership = Membership.objects.get(organization=acme, user=people["member"])

    # when
    organization = api.execute(NODE, {"id": to_global_id("Organization", acme.pk)})
    member = api.execute(NODE, {"id": to_global_id("Membership", membership.pk)})

    # then
    assert error_codes(organization) == ["NOT_FOUND"]
    assert error_codes(member) == ["NOT_FOUND"]


def test_node_needs_sign_in(api, acme):
    # when
    result = api.execute(NODE, {"id": to_global_id("Organization", acme.pk)})

    # then
    assert error_codes(result) == ["UNAUTHENTICATED"]


def test_members_page_and_my_role_in_the_list(api, acme, people):
    # given
    api.authenticate(people["member"])
    query = """{ organizations { edges { node { myRole
        members(first: 2) {
          totalCount pageInfo { hasNextPage } edges { node { user { username } } }
        }
    } } } }"""

    # when
    result = api.execute(query)

    # then
    node = result["data"]["organizations"]["edges"][0]["node"]
    assert node["myRole"] == "MEMBER"
    assert node["members"]["totalCount"] == 3
    assert node["members"]["pageInfo"]["hasNextPage"] is True
    assert [e["node"]["user"]["username"] for e in node["members"]["edges"]] == ["owner", "admin"]


def test_members_page_size_is_capped_too(api, acme, people):
    # given
    api.authenticate(people["owner"])
    query = "{ organizations { edges { node { members(first: %d) { totalCount } } } } }"

    # when
    at_limit = api.execute(query % 100)
    over = api.execute(query % 101)

    # then
    assert "errors" not in at_limit
    assert error_codes(over) == ["PAGE_SIZE_TOO_LARGE"]


@pytest.mark.parametrize(
    "variables",
    [
        {"after": "YXJyYXljb25uZWN0aW9uOi01"},  # arrayconnection:-5
        {"before": "YXJyYXljb25uZWN0aW9uOi01"},
        {"offset": 1, "after": "garbage"},
        {"after": "bm90IGEgY3Vyc29y"},
    ],
)
def test_foreign_cursors_are_bad_user_input(api, alice_orgs, variables):
    # given
    api.authenticate(alice_orgs)

    # when
    result = api.execute(LIST, variables)

    # then
    assert error_codes(result) == ["BAD_USER_INPUT"]


@pytest.mark.parametrize("variables", [{"first": 101}, {"offset": 1, "before": "x"}])
def test_sign_in_is_checked_before_paging_arguments(api, db, variables):
    # when
    result = api.execute(LIST, variables)

    # then
    assert error_codes(result) == ["UNAUTHENTICATED"]


@pytest.mark.parametrize(
    "variables",
    [
        {"search": " ".join(f"w{number}" for number in range(11))},
        {"search": "x" * 201},
        {"createdAfter": "9999-12-31T23:00:00-05:00"},
        {"createdBefore": "0001-01-01T00:00:00+05:00"},
    ],
)
def test_unbounded_filter_input_is_bad_user_input(api, alice_orgs, variables):
    # given
    api.authenticate(alice_orgs)

    # when
    result = api.execute(LIST, variables)

    # then
    assert error_codes(result) == ["BAD_USER_INPUT"]
    assert result["errors"][0]["message"].startswith("Invalid filter:")


@pytest.mark.parametrize(
    ("argument", "value"),
    [("createdAfter", "9999-12-31T23:00:00-05:00"), ("createdBefore", "0001-01-01T00:00:00+05:00")],
)
def test_an_out_of_range_date_names_its_argument_and_says_the_format(
    api, alice_orgs, argument, value
):
    # given
    api.authenticate(alice_orgs)

    # when
    result = api.execute(LIST, {argument: value})

    # then: the argument as the client wrote it, not the model field behind it
    assert error_codes(result) == ["BAD_USER_INPUT"]
    message = result["errors"][0]["message"]
    assert message.startswith(f"Invalid filter: {argument}: {value[:4]}")
    assert "Expected an ISO 8601 date-time such as 2026-01-31T09:30:00Z" in message


def test_search_with_ten_words_still_runs(api, alice_orgs):
    # given
    api.authenticate(alice_orgs)

    # when
    result = api.execute(LIST, {"search": " ".join(["rockets"] * 10)})

    # then
    assert names(result) == ["Foxtrot"]
