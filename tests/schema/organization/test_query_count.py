"""No N+1: the SQL of a nested organizations page does not grow with its size."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from organization.models import Membership, Organization

Role = Membership.Role

NESTED_PAGE = """
query Page($first: Int!) {
  organizations(first: $first) {
    totalCount
    edges { node { name myRole createdBy { username }
      members(first: 10) { edges { node { role user { username } } } }
    } }
  }
}
"""


@pytest.fixture
def hundred_organizations(make_user):
    alice = make_user("alice")
    others = [make_user(f"user{number}") for number in range(3)]
    organizations = Organization.objects.bulk_create(
        Organization(name=f"Org {number:03}", slug=f"org-{number:03}", created_by=alice)
        for number in range(120)
    )
    Membership.objects.bulk_create(
        [Membership(organization=o, user=alice, role=Role.OWNER) for o in organizations]
        + [
            Membership(organization=o, user=user, role=Role.MEMBER)
            for o in organizations
            for user in others
        ]
    )
    return alice


def page_queries(api, first: int) -> int:
    """The queries of a warm request: its query templates made by two before it."""
    for _ in range(2):
        api.execute(NESTED_PAGE, {"first": first})
    with CaptureQueriesContext(connection) as captured:
        result = api.execute(NESTED_PAGE, {"first": first})
    assert "errors" not in result, result
    edges = result["data"]["organizations"]["edges"]
    assert len(edges) == first
    assert all(len(edge["node"]["members"]["edges"]) == 4 for edge in edges)
    return len(captured.captured_queries)


def test_nested_page_query_count_is_the_same_for_5_and_100(api, hundred_organizations):
    # given
    api.authenticate(hundred_organizations)

    # when
    small = page_queries(api, 5)
    large = page_queries(api, 100)

    # then
    assert small == large


def test_nested_page_takes_four_queries(api, hundred_organizations, django_assert_num_queries):
    # given
    api.authenticate(hundred_organizations)

    # when / then: the user, the count, the page (with myRole and createdBy), the members
    with django_assert_num_queries(4):
        api.execute(NESTED_PAGE, {"first": 100})
