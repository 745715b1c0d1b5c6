"""The references of the benchmark answer the same page as GraphQL: a fair comparison.

Same scoping, same order, same page, same members; and no token, no page.
"""

from datetime import datetime

import pytest
from graphql_relay import from_global_id

from benchmarks.cases import FLAT_PAGE, NESTED_PAGE, page_variables
from benchmarks.conf import FIELDS, MEMBERS_PER_ORGANIZATION, PAGE_SIZE, simple_jwt_settings
from organization.models import Membership, Organization

pytestmark = pytest.mark.urls("benchmarks.urls")

Role = Membership.Role
REFERENCES = (
    "/bench/drf/organizations/",
    "/bench/floor/organizations/",
    "/bench/drf/organizations-with-members/",
    "/bench/floor/organizations-with-members/",
)
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


def graphql_rows(api, query: str) -> tuple[int, list[dict]]:
    result = api.execute(query, page_variables())
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


def reference_rows(client, path: str, token: str) -> tuple[int, list[dict]]:
    response = client.get(path, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.content
    page = response.json()
    rows = [
        {GRAPHQL_NAMES.get(key, key): value for key, value in row.items()}
        for row in page["results"]
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

    # when
    total, expected = graphql_rows(api, NESTED_PAGE if nested else FLAT_PAGE)
    answers = {
        path: reference_rows(client, path, api.token)
        for path in (f"/bench/drf/{kind}/", f"/bench/floor/{kind}/")
    }

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


@pytest.mark.parametrize("path", REFERENCES)
def test_references_refuse_a_request_without_a_valid_token(client, organizations, path):
    # when
    missing = client.get(path)
    forged = client.get(path, headers={"Authorization": "Bearer not.a.token"})

    # then
    assert missing.status_code == 401
    assert forged.status_code == 401
