"""On PostgreSQL, a page deep in the list is an index range, not an offset scan.

The rows are many and ANALYZE-d, and the planner is left alone (no
`enable_seqscan = off`): the plan asserted is the one production would get.
The SQL explained is the one the API ran for the page, captured as it ran.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from organization.models import Organization
from organization.selectors import organization_keyset, organization_visible
from schema.core.cursors import cursor_encode
from tests.conftest import error_codes

ORGANIZATIONS = 40_000
PAGE_SIZE = 20
DEEP = 15_000  # the member's position the deep page starts after

PAGE = """
query Page($after: String, $orderBy: [OrganizationOrder!]) {
  organizations(first: 20, after: $after, orderBy: $orderBy) {
    edges { node { name } }
  }
}
"""

# orderBy -> the index its keyset range should use (organization/models.py).
ORDERS = {
    "name": ([], ("name", False), "org_name_lower_idx"),
    "created-desc": (
        [{"field": "CREATED_AT", "direction": "DESC"}],
        ("created_at", True),
        "org_created_idx",
    ),
}

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="query plans are PostgreSQL's; CI's PostgreSQL pass runs this",
)


@pytest.fixture
def many(make_user, django_db_blocker):
    """40,000 organizations; alice is a member of every other one, bob of the rest."""
    alice, bob = make_user("alice"), make_user("bob")
    with connection.cursor() as cursor:
        # Names in a shuffled order (not the id order), mixed case, with repeats.
        cursor.execute(
            """
            INSERT INTO organization_organization
                (name, slug, description, contact_email, website, is_active,
                 created_at, updated_at)
            SELECT (CASE WHEN n %% 2 = 0 THEN 'Org ' ELSE 'org ' END) || ((n * 7919) %% 10007),
                   'org-' || n, '', '', '', true,
                   now() - (n * interval '1 minute'), now() - ((n * 31) %% 997) * interval '1 s'
            FROM generate_series(1, %s) AS n
            """,
            [ORGANIZATIONS],
        )
        cursor.execute(
            """
            INSERT INTO organization_membership (user_id, organization_id, role, created_at)
            SELECT CASE WHEN id %% 2 = 0 THEN %s ELSE %s END, id, 'OWNER', now()
            FROM organization_organization
            """,
            [alice.pk, bob.pk],
        )
        cursor.execute("ANALYZE organization_organization")
        cursor.execute("ANALYZE organization_membership")
    return alice


def plan_nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", []):
        yield from plan_nodes(child)


def explained_page(api, user, order_by: list, key: tuple[str, bool], *, position: int):
    """The API's page of `user` after `position` (0: page 1): its SQL and EXPLAIN ANALYZE plan."""
    keyset = organization_keyset([key])
    after = None
    if position:
        visible = organization_visible(Organization.objects.all(), user=user, with_my_role=False)
        row = keyset.ordered(keyset.annotated(visible))[position - 1]
        after = cursor_encode(keyset, keyset.values(row))
    with CaptureQueriesContext(connection) as captured:
        result = api.execute(PAGE, {"after": after, "orderBy": order_by})
    assert error_codes(result) == []
    assert len(result["data"]["organizations"]["edges"]) == PAGE_SIZE
    [sql] = [q["sql"] for q in captured.captured_queries if "organization_organization" in q["sql"]]
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)
        [[explained]] = cursor.fetchall()
    return sql, explained[0]["Plan"]


@pytest.mark.parametrize(("order_by", "key", "index"), ORDERS.values(), ids=ORDERS.keys())
def test_a_deep_page_of_a_members_list_is_an_index_range(api, many, order_by, key, index):
    # given: alice sees 20,000 organizations (a member, the common path: scoped by a join)
    api.authenticate(many)

    # when
    first_sql, first_plan = explained_page(api, many, order_by, key, position=0)
    deep_sql, deep_plan = explained_page(api, many, order_by, key, position=DEEP)

    # then: no OFFSET; the organizations come from a range of the sort key's index,
    # starting at the cursor; a deep page reads about what page 1 reads
    assert "OFFSET" not in deep_sql.upper() and "OFFSET" not in first_sql.upper()
    scans = [
        node
        for node in plan_nodes(deep_plan)
        if node.get("Relation Name") == "organization_organization"
    ]
    assert [node["Node Type"] for node in scans] == ["Index Scan"], deep_plan
    [scan] = scans
    assert scan["Index Name"] == index
    column = "lower((name)::text)" if key[0] == "name" else key[0]
    assert column in scan["Index Cond"] and "ROW(" in scan["Index Cond"], scan
    first_rows = next(
        node["Actual Rows"]
        for node in plan_nodes(first_plan)
        if node.get("Relation Name") == "organization_organization"
    )
    assert scan["Actual Rows"] <= 2 * first_rows + PAGE_SIZE, (scan, first_rows)
    assert scan["Actual Rows"] < 200  # of 40,000 rows, 15,000 of them before the page
