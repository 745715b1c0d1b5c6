"""A query's answer is counted while it runs; past GRAPHQL_MAX_RESPONSE_BYTES it stops."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import error_codes

# Control characters: JSON writes each as \u00XX, six bytes for one character.
HEAVY_TEXT = "\x01" * 9_000

PAGE = """
query Page($first: Int!) {
  organizations(first: $first) {
    totalCount
    edges { cursor node { id name slug description createdAt myRole } }
  }
}
"""


@pytest.fixture
def heavy_organizations(user, make_organization):
    for index in range(12):
        make_organization(user, name=f"Heavy {index:02}", description=HEAVY_TEXT)


@pytest.mark.parametrize("limit", [2_000, 30_000, 60_000, 120_000, 250_000, 700_000])
def test_every_answer_is_refused_or_within_the_bound(
    api, user, heavy_organizations, settings, limit
):
    # given
    settings.GRAPHQL_MAX_RESPONSE_BYTES = limit
    api.authenticate(user)

    # when: pages of 1 to 12 organizations of ~54 KB each
    responses = [api.post(PAGE, {"first": first}) for first in (1, 2, 5, 12)]

    # then: an answer is either whole and within the bound, or refused
    for response in responses:
        body = response.json()
        if "data" in body:
            assert "errors" not in body
            assert len(response.content) <= limit
        else:
            assert error_codes(body) == ["RESPONSE_TOO_LARGE"]
            assert body["errors"][0]["extensions"]["maximumBytes"] == limit


def test_the_count_is_close_to_the_real_size(api, user, heavy_organizations, settings):
    # given: a bound just above what 5 organizations really weigh
    api.authenticate(user)
    five = api.post(PAGE, {"first": 5})
    settings.GRAPHQL_MAX_RESPONSE_BYTES = int(len(five.content) * 1.02) + 256

    # when
    again = api.post(PAGE, {"first": 5})
    six = api.post(PAGE, {"first": 6})

    # then: 5 fit, 6 (one more ~54 KB organization) do not
    assert "errors" not in again.json()
    assert error_codes(six.json()) == ["RESPONSE_TOO_LARGE"]
    assert "data" not in six.json()


def test_execution_stops_when_the_bound_is_passed(api, user, heavy_organizations, settings):
    # given: room for about one organization, and 12 asked for, each with its members
    settings.GRAPHQL_MAX_RESPONSE_BYTES = 60_000
    api.authenticate(user)
    query = """
    { organizations(first: 12) { edges { node {
        description members(first: 5) { edges { node { role } } } } } } }
    """

    # when
    with CaptureQueriesContext(connection) as queries:
        result = api.execute(query)

    # then: refused, with no more SQL than the page itself needed
    assert error_codes(result) == ["RESPONSE_TOO_LARGE"]
    assert "data" not in result
    assert len(queries) <= 4


def test_mutations_are_not_cut_short(api, user, settings):
    # given: a bound smaller than the payload
    settings.GRAPHQL_MAX_RESPONSE_BYTES = 500
    api.authenticate(user)

    # when
    result = api.execute(
        'mutation($d: String!) { createOrganization(name: "Big", description: $d) '
        "{ organization { description } errors { code } } }",
        {"d": "x" * 5_000},
    )

    # then: the write and its answer are whole
    assert "errors" not in result
    assert result["data"]["createOrganization"]["organization"]["description"] == "x" * 5_000


def test_the_default_bound_lets_the_largest_page_through(api, user, heavy_organizations):
    # given: the default bound (8 MB)
    api.authenticate(user)

    # when
    result = api.execute(PAGE, {"first": 12})

    # then
    assert "errors" not in result
    assert len(result["data"]["organizations"]["edges"]) == 12
