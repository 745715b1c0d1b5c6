"""`members` pages are cut in SQL: the rows fetched, not only the queries, stay small."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from graphql_relay import to_global_id

from organization.models import Membership, Organization
from organization.selectors import MEMBERSHIP_KEYSET
from schema.core.cursors import cursor_encode
from tests.conftest import error_codes

Role = Membership.Role

MEMBERSHIP_TABLE = Membership._meta.db_table


@pytest.fixture
def big(make_user):
    """alice owns Big (61 members) and Small (3 members)."""
    alice = make_user("alice")
    people = [make_user(f"person{number:02}") for number in range(60)]
    big = Organization.objects.create(name="Big", slug="big", created_by=alice)
    small = Organization.objects.create(name="Small", slug="small", created_by=alice)
    Membership.objects.create(organization=big, user=alice, role=Role.OWNER)
    Membership.objects.bulk_create(Membership(organization=big, user=user) for user in people)
    Membership.objects.create(organization=small, user=alice, role=Role.OWNER)
    Membership.objects.bulk_create(Membership(organization=small, user=u) for u in people[:2])
    return alice


def usernames(organization: Organization) -> list[str]:
    return list(
        Membership.objects.filter(organization=organization)
        .order_by("created_at", "id")
        .values_list("user__username", flat=True)
    )


def member_cursors(organization: Organization) -> list[str]:
    """The cursor of each member, in joining order, made from the rows in the database."""
    rows = MEMBERSHIP_KEYSET.ordered(
        MEMBERSHIP_KEYSET.annotated(Membership.objects.filter(organization=organization))
    )
    return [
        cursor_encode(MEMBERSHIP_KEYSET, MEMBERSHIP_KEYSET.values(row), scope=organization.pk)
        for row in rows
    ]


def membership_queries(captured) -> list[dict]:
    return [query for query in captured.captured_queries if MEMBERSHIP_TABLE in query["sql"]]


def rows_returned(query: dict) -> int:
    """Run a captured query again and count its rows (the SQL as the database saw it)."""
    with connection.cursor() as cursor:
        cursor.execute(query["sql"])
        return len(cursor.fetchall())


def execute(api, query: str, variables: dict | None = None):
    with CaptureQueriesContext(connection) as captured:
        result = api.execute(query, variables)
    assert "errors" not in result, result
    return result["data"], captured


LIST_FIRST_ONE = """
{ organizations { edges { node { name
    members(first: 1) { totalCount pageInfo { hasNextPage endCursor }
      edges { node { role user { username } } } }
} } } }
"""


def test_first_member_of_61_fetches_two_membership_rows_and_no_password(api, big):
    # given
    api.authenticate(big)

    # when
    data, captured = execute(api, LIST_FIRST_ONE)

    # then: one membership query, its rows the page and the one past it, per organization
    pages = {e["node"]["name"]: e["node"]["members"] for e in data["organizations"]["edges"]}
    assert pages["Big"]["totalCount"] == 61
    first_cursor = member_cursors(Organization.objects.get(slug="big"))[0]
    assert pages["Big"]["pageInfo"] == {"hasNextPage": True, "endCursor": first_cursor}
    assert pages["Big"]["edges"] == [{"node": {"role": "OWNER", "user": {"username": "alice"}}}]
    assert pages["Small"]["totalCount"] == 3
    queries = membership_queries(captured)
    page_queries = [q for q in queries if "ROW_NUMBER" in q["sql"].upper()]
    assert len(page_queries) == 1
    assert rows_returned(page_queries[0]) == 2 * 2
    assert all("password" not in q["sql"] for q in queries)
    assert all("token_version" not in q["sql"] for q in queries)


ONE = """
query One($id: ID!, $first: Int, $after: String, $last: Int, $before: String) {
  organization(id: $id) { members(first: $first, after: $after, last: $last, before: $before) {
    totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { user { username } } }
  } }
}
"""
NODE = """
query Node($id: ID!) { node(id: $id) { ... on Organization { ...Members } } }
fragment Members on Organization {
  members(first: 1) { totalCount edges { node { user { username email } } } }
}
"""


@pytest.mark.parametrize("path", ["organization", "node"])
def test_one_organization_fetches_two_membership_rows_too(api, big, path):
    # given
    api.authenticate(big)
    global_id = to_global_id("Organization", Organization.objects.get(slug="big").pk)
    query, variables = (
        (ONE, {"id": global_id, "first": 1})
        if path == "organization"
        else (NODE, {"id": global_id})
    )

    # when
    data, captured = execute(api, query, variables)

    # then
    members = data[path]["members"]
    assert members["totalCount"] == 61
    assert members["edges"][0]["node"]["user"]["username"] == "alice"
    page_queries = [q for q in membership_queries(captured) if "ROW_NUMBER" in q["sql"].upper()]
    assert len(page_queries) == 1
    assert rows_returned(page_queries[0]) == 2
    assert all("password" not in q["sql"] for q in membership_queries(captured))


def test_paging_forward_and_backward_through_61_members(api, big):
    # given
    api.authenticate(big)
    organization = Organization.objects.get(slug="big")
    global_id = to_global_id("Organization", organization.pk)
    expected = usernames(organization)

    # when: forward by 10, then backward by 7 from the end
    forward, after = [], None
    while True:
        data, _ = execute(api, ONE, {"id": global_id, "first": 10, "after": after})
        page = data["organization"]["members"]
        forward += [e["node"]["user"]["username"] for e in page["edges"]]
        assert page["pageInfo"]["hasPreviousPage"] is False
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    backward, before = [], None
    while True:
        data, _ = execute(api, ONE, {"id": global_id, "last": 7, "before": before})
        page = data["organization"]["members"]
        backward = [e["node"]["user"]["username"] for e in page["edges"]] + backward
        assert page["pageInfo"]["hasNextPage"] is False
        if not page["pageInfo"]["hasPreviousPage"]:
            break
        before = page["pageInfo"]["startCursor"]

    # then
    assert forward == expected
    assert backward == expected


@pytest.mark.parametrize(
    ("variables", "page", "has_previous", "has_next"),
    [
        # `after`/`before`: the position of the member whose cursor is passed.
        ({"first": 3}, slice(0, 3), False, True),
        ({"first": 3, "after": 57}, slice(58, 61), False, False),
        ({"first": 5, "after": 57}, slice(58, 61), False, False),
        ({"last": 2}, slice(59, 61), True, False),
        ({"last": 70}, slice(0, 61), False, False),
        ({"last": 2, "before": 3}, slice(1, 3), True, False),
        ({"first": 2, "after": 0, "before": 3}, slice(1, 3), False, False),
        ({"first": 4, "last": 2}, slice(2, 4), True, True),
        ({"first": 0}, slice(0, 0), False, True),
        ({"first": 3, "after": 60}, slice(0, 0), False, False),
        ({"last": 3, "before": 0}, slice(0, 0), False, False),
    ],
)
def test_page_and_page_info_follow_relay_rules(api, big, variables, page, has_previous, has_next):
    # given
    api.authenticate(big)
    organization = Organization.objects.get(slug="big")
    expected = usernames(organization)
    cursors = member_cursors(organization)
    variables = {
        name: cursors[value] if name in ("after", "before") else value
        for name, value in variables.items()
    }

    # when
    data, _ = execute(api, ONE, {"id": to_global_id("Organization", organization.pk), **variables})

    # then
    members = data["organization"]["members"]
    assert [e["node"]["user"]["username"] for e in members["edges"]] == expected[page]
    assert [e["cursor"] for e in members["edges"]] == cursors[page]
    assert members["pageInfo"]["hasPreviousPage"] is has_previous
    assert members["pageInfo"]["hasNextPage"] is has_next
    assert members["totalCount"] == 61


ALIASES = """
query Aliases($three: Int!) { organizations { edges { node { name
  a: members(first: 1) { edges { node { user { username } } } }
  b: members(first: $three) { pageInfo { hasNextPage } edges { node { role } } }
  c: members(last: 2) { totalCount edges { node { user { firstName } } } }
  d: members(first: 1) { edges { node { user { lastName } } } }
  ...More
} } } }
fragment More on Organization { a: members(first: 1) { edges { cursor } } }
"""


def test_aliases_with_different_arguments_each_get_their_page(api, big):
    # given
    api.authenticate(big)

    # when
    data, captured = execute(api, ALIASES, {"three": 3})

    # then
    nodes = {e["node"]["name"]: e["node"] for e in data["organizations"]["edges"]}
    big_node = nodes["Big"]
    first_cursor = member_cursors(Organization.objects.get(slug="big"))[0]
    assert big_node["a"]["edges"] == [
        {"node": {"user": {"username": "alice"}}, "cursor": first_cursor}
    ]
    assert [e["node"]["role"] for e in big_node["b"]["edges"]] == ["OWNER", "MEMBER", "MEMBER"]
    assert big_node["b"]["pageInfo"]["hasNextPage"] is True
    assert len(big_node["c"]["edges"]) == 2
    assert big_node["c"]["totalCount"] == 61
    assert nodes["Small"]["b"]["pageInfo"]["hasNextPage"] is False
    assert big_node["d"]["edges"] == [{"node": {"user": {"lastName": ""}}}]
    # One page query per distinct window (a and d share one), for both organizations at once.
    page_queries = [q for q in membership_queries(captured) if "ROW_NUMBER" in q["sql"].upper()]
    assert len(page_queries) == 3
    assert sum(rows_returned(q) for q in page_queries) <= 2 * (2 + 4 + 3)
    # The shared query loads the columns of both (no user loaded one by one).
    user_queries = [q for q in captured.captured_queries if q["sql"].startswith('SELECT "accounts')]
    assert len(user_queries) == 1  # the signed-in user


def test_total_count_alone_fetches_no_membership_rows(api, big):
    # given
    api.authenticate(big)

    # when
    data, captured = execute(api, "{ organizations { edges { node { members { totalCount } } } } }")

    # then: the counts come with the organizations, from an aggregate
    counts = sorted(e["node"]["members"]["totalCount"] for e in data["organizations"]["edges"])
    assert counts == [3, 61]
    assert not any("ROW_NUMBER" in q["sql"].upper() for q in captured.captured_queries)
    # The user and the page: no count of organizations, since their totalCount is not asked.
    assert len(captured.captured_queries) == 2


def test_oversized_page_in_a_variable_is_refused_on_every_organization(api, big):
    # given
    api.authenticate(big)
    query = (
        "query($n: Int) { organizations { edges { node { members(first: $n) { totalCount } } } } }"
    )

    # when
    result = api.execute(query, {"n": 101})

    # then: the first refusal nulls the non-null chain up to `data`; execution stops there
    assert error_codes(result) == ["PAGE_SIZE_TOO_LARGE"]
    assert result["data"] is None


def test_aliases_with_underscores_get_their_own_page(api, big):
    # given: aliases that hold Django's lookup separator
    api.authenticate(big)
    first_cursor = member_cursors(Organization.objects.get(slug="big"))[0]
    query = """query($after: String) { organization(slug: "big") {
        _x: members(first: 1) { edges { node { role } } }
        a__b: members(first: 2, after: $after) { edges { node { role } } }
    } }"""

    # when
    data, captured = execute(api, query, {"after": first_cursor})

    # then: both prefetched (one page query each), each its own page
    assert data["organization"]["_x"]["edges"] == [{"node": {"role": "OWNER"}}]
    assert data["organization"]["a__b"]["edges"] == [{"node": {"role": "MEMBER"}}] * 2
    page_queries = [q for q in membership_queries(captured) if "ROW_NUMBER" in q["sql"].upper()]
    assert len(page_queries) == 2


def test_members_of_a_mutation_payload_are_cut_in_sql_too(api, big):
    # given
    api.authenticate(big)
    query = """mutation { createOrganization(name: "New") { organization {
        members(first: 1) { totalCount pageInfo { hasNextPage } edges { node { role } } }
    } errors { code } } }"""

    # when
    data, captured = execute(api, query)

    # then
    members = data["createOrganization"]["organization"]["members"]
    assert members == {
        "totalCount": 1,
        "pageInfo": {"hasNextPage": False},
        "edges": [{"node": {"role": "OWNER"}}],
    }
    page_queries = [q for q in membership_queries(captured) if "ROW_NUMBER" in q["sql"].upper()]
    assert len(page_queries) == 1
