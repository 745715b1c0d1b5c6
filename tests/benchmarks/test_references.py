"""The references of the benchmark answer the same page as GraphQL: a fair comparison.

Same scoping, same order, same page, same members, for both data shapes and
the deep page, from DRF, the floor and strawberry-django; and no token, no page.
"""

import json
from datetime import datetime

import pytest
from graphql_relay import from_global_id

from benchmarks.cases import DEEP_PAGE, FLAT_PAGE, NESTED_PAGE, PAGE_END_CURSOR, page_variables
from benchmarks.conf import (
    FIELDS,
    MEMBERS_PER_ORGANIZATION,
    PAGE_SIZE,
    SHAPES,
    simple_jwt_settings,
)
from benchmarks.inprocess import page_rows
from organization.models import Membership, Organization

pytestmark = pytest.mark.urls("benchmarks.urls")

Role = Membership.Role
REFERENCES = (
    "/bench/drf/organizations/",
    "/bench/floor/organizations/",
    "/bench/drf/organizations-with-members/",
    "/bench/drf/organizations-with-usernames/",
    "/bench/floor/organizations-with-members/",
    "/bench/strawberry/",
)
STRAWBERRY = "/bench/strawberry/"
GRAPHQL_NAMES = {
    "contact_email": "contactEmail",
    "is_active": "isActive",
    "created_at": "createdAt",
}


@pytest.fixture(autouse=True)
def simple_jwt(settings):
    settings.SIMPLE_JWT = simple_jwt_settings(
        signing_key=settings.JWT_SIGNING_KEY,
        algorithm=settings.JWT_ALGORITHM,
        issuer=settings.JWT_ISSUER,
        audience=settings.JWT_AUDIENCE,
    )


@pytest.fixture
def people(make_user):
    return {
        "member": make_user("member"),
        "staff": make_user("staff", is_staff=True),
        "other": make_user("other"),
        "pool": [make_user(f"pool{number}") for number in range(12)],
    }


@pytest.fixture
def organizations(people):
    """More than a page for `member`, some hidden from them, one with 13 members."""
    # Mixed case and shared prefixes: the case-insensitive order, ties broken by id.
    names = [f"{'aBcD'[n % 4]}{'xy'[n % 2]} Org {n % 30:02}" for n in range(70)]
    created = Organization.objects.bulk_create(
        Organization(name=name, slug=f"org-{number}", description=f"About {number}")
        for number, name in enumerate(names)
    )
    memberships = []
    for number, organization in enumerate(created):
        if number % 7 != 3:
            role = (Role.OWNER, Role.ADMIN, Role.MEMBER)[number % 3]
            memberships.append(
                Membership(organization=organization, user=people["member"], role=role)
            )
        else:
            memberships.append(
                Membership(organization=organization, user=people["other"], role=Role.OWNER)
            )
        members = people["pool"] if number == 5 else people["pool"][number % 3 : number % 3 + 2]
        memberships += [
            Membership(organization=organization, user=user, role=Role.MEMBER) for user in members
        ]
    Membership.objects.bulk_create(memberships)
    return created


def page_of(result: dict) -> tuple[int, list[dict]]:
    """totalCount and the rows of a GraphQL page, ids as database ids, members as lists."""
    assert "errors" not in result, result
    page = result["data"]["organizations"]
    rows = []
    for edge in page["edges"]:
        node = dict(edge["node"])
        node["id"] = int(from_global_id(node["id"])[1])
        if "members" in node:
            node["members"] = [member["node"] for member in node["members"]["edges"]]
        rows.append(node)
    return page["totalCount"], rows


def graphql_rows(api, query: str, variables: dict | None = None) -> tuple[int, list[dict]]:
    return page_of(api.execute(query, variables or page_variables()))


def strawberry_rows(client, query: str, token: str) -> tuple[int, list[dict]]:
    response = client.post(
        STRAWBERRY,
        json.dumps({"query": query, "variables": page_variables()}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.content
    return page_of(response.json())


def reference_rows(client, path: str, token: str) -> tuple[int, list[dict]]:
    response = client.get(path, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.content
    page = response.json()
    rows = [
        {GRAPHQL_NAMES.get(key, key): value for key, value in row.items()}
        for row in page["results"]
    ]
    for row in rows:
        if "members" in row:
            # Shape B's DRF members carry the username flattened; GraphQL nests it in a user.
            row["members"] = [
                {"role": m["role"], "user": {"username": m["username"]}} if "username" in m else m
                for m in row["members"]
            ]
    return page["count"], rows


def comparable(rows: list[dict]) -> list[dict]:
    # The floor's JSON encoder keeps milliseconds of a datetime; compare at that precision.
    return [
        {
            **row,
            "createdAt": datetime.fromisoformat(row["createdAt"]).replace(
                microsecond=datetime.fromisoformat(row["createdAt"]).microsecond // 1000 * 1000
            ),
        }
        for row in rows
    ]


@pytest.mark.parametrize("who", ["member", "staff"])
@pytest.mark.parametrize("nested", [False, True], ids=["flat", "nested"])
def test_references_answer_the_same_page_as_graphql(
    api, client, people, organizations, who, nested
):
    # given
    api.authenticate(people[who])
    kind = "organizations-with-members" if nested else "organizations"
    query = NESTED_PAGE if nested else FLAT_PAGE

    # when
    total, expected = graphql_rows(api, query)
    answers = {
        path: reference_rows(client, path, api.token)
        for path in (f"/bench/drf/{kind}/", f"/bench/floor/{kind}/")
    }
    answers[STRAWBERRY] = strawberry_rows(client, query, api.token)

    # then
    visible = Organization.objects.count() if who == "staff" else 60
    assert total == visible
    assert len(expected) == PAGE_SIZE
    assert set(expected[0]) == {GRAPHQL_NAMES.get(f, f) for f in FIELDS} | (
        {"members"} if nested else set()
    )
    if nested:
        assert max(len(row["members"]) for row in expected) == MEMBERS_PER_ORGANIZATION
    for path, (count, rows) in answers.items():
        assert count == total, path
        assert comparable(rows) == comparable(expected), path


@pytest.fixture
def shape_b(people):
    """Shape B: every organization has 3 members (the member or `other`, and two more)."""
    created = Organization.objects.bulk_create(
        Organization(name=f"{'aBcD'[n % 4]}{'xy'[n % 2]} Org {n % 30:02}", slug=f"org-{n}")
        for n in range(70)
    )
    memberships = []
    for number, organization in enumerate(created):
        first = people["member"] if number % 7 != 3 else people["other"]
        memberships.append(Membership(organization=organization, user=first, role=Role.OWNER))
        memberships += [
            Membership(organization=organization, user=user, role=Role.MEMBER)
            for user in people["pool"][number % 10 : number % 10 + 2]
        ]
    Membership.objects.bulk_create(memberships)
    return created


@pytest.mark.parametrize("who", ["member", "staff"])
def test_shape_b_references_answer_the_same_nested_page_as_graphql(
    api, client, people, shape_b, who
):
    # given
    api.authenticate(people[who])
    drf = SHAPES["B"].drf_nested_path

    # when
    total, expected = graphql_rows(api, NESTED_PAGE)
    answers = {
        path: reference_rows(client, path, api.token)
        for path in (drf, "/bench/floor/organizations-with-members/")
    }
    answers[STRAWBERRY] = strawberry_rows(client, NESTED_PAGE, api.token)
    flat_members = client.get(drf, headers={"Authorization": f"Bearer {api.token}"}).json()

    # then
    assert total == (70 if who == "staff" else 60)
    assert {len(row["members"]) for row in expected} == {3}
    # DRF's shape B member is flat: role and username, nothing nested.
    assert set(flat_members["results"][0]["members"][0]) == {"role", "username"}
    for path, (count, rows) in answers.items():
        assert count == total, path
        assert comparable(rows) == comparable(expected), path


def graphql_cursor_after(api, organizations_before: int) -> str:
    """The cursor after the first `organizations_before`, by walking pages as a client does."""
    after = None
    for _ in range(organizations_before // PAGE_SIZE):
        result = api.execute(PAGE_END_CURSOR, {"first": PAGE_SIZE, "after": after})
        assert "errors" not in result, result
        after = result["data"]["organizations"]["pageInfo"]["endCursor"]
    return after


@pytest.mark.parametrize("who", ["member", "staff"])
def test_deep_page_by_cursor_is_drf_page_by_number(api, client, people, organizations, who):
    # given: page 2 here (page 19 of make bench's 1000 organizations, scaled down)
    api.authenticate(people[who])
    cursor = graphql_cursor_after(api, PAGE_SIZE)

    # when
    total, expected = graphql_rows(api, DEEP_PAGE, {"first": PAGE_SIZE, "after": cursor})
    count, rows = reference_rows(client, "/bench/drf/organizations/?page=2", api.token)
    _, first_page = graphql_rows(api, FLAT_PAGE)

    # then
    assert count == total
    assert len(expected) == total - PAGE_SIZE
    assert comparable(rows) == comparable(expected)
    assert not {row["id"] for row in expected} & {row["id"] for row in first_page}


def test_page_rows_reads_every_kind_of_answer(api, client, people, shape_b):
    # given
    api.authenticate(people["member"])
    headers = {"Authorization": f"Bearer {api.token}"}

    # when
    graphql = page_rows(api.execute(NESTED_PAGE, page_variables()))
    strawberry = page_rows(
        client.post(
            STRAWBERRY,
            json.dumps({"query": NESTED_PAGE, "variables": page_variables()}),
            content_type="application/json",
            headers=headers,
        ).json()
    )
    drf_b = page_rows(client.get(SHAPES["B"].drf_nested_path, headers=headers).json())
    drf_a = page_rows(client.get(SHAPES["A"].drf_nested_path, headers=headers).json())

    # then
    assert len(graphql) == PAGE_SIZE
    assert all(len(members) == 3 for _, members in graphql)
    assert graphql == strawberry == drf_a == drf_b


@pytest.mark.parametrize("path", REFERENCES)
def test_references_refuse_a_request_without_a_valid_token(client, organizations, path):
    # when
    missing = client.get(path)
    forged = client.get(path, headers={"Authorization": "Bearer not.a.token"})

    # then
    assert missing.status_code == 401
    assert forged.status_code == 401
