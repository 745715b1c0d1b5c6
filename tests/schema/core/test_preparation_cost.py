"""Parsing and validating a new document is charged to the caller's budget; a cached one is free."""

import pytest

from schema.core.documents import document_cache
from tests.conftest import error_codes


@pytest.fixture(autouse=True)
def empty_document_cache():
    document_cache.clear()
    yield
    document_cache.clear()


def fresh_documents(count: int, *, size: int):
    """`count` distinct documents of `size` characters that all validate."""
    for index in range(count):
        head = f"query Q{index} {{ __typename }}"
        yield head + " " * (size - len(head))


def test_an_anonymous_client_cycling_new_documents_is_refused_before_parsing(api, db, settings):
    # given: 10 points per 1,000 characters, so a 20,000-character document costs 200
    settings.GRAPHQL_COST_BUDGET_PER_IP = 1_000
    settings.GRAPHQL_MAX_QUERY_COST = 1_000
    settings.GRAPHQL_DOCUMENT_PREPARATION_COST = 10

    # when: six new documents of the largest size
    responses = [api.post(query) for query in fresh_documents(6, size=20_000)]

    # then: five fit in the budget, the sixth is refused before it is parsed
    assert [error_codes(response.json()) for response in responses[:5]] == [[]] * 5
    refused = responses[5]
    assert refused.status_code == 429
    assert error_codes(refused.json()) == ["RATE_LIMITED"]
    assert refused.json()["errors"][0]["extensions"]["retryAfter"] >= 1
    assert int(refused["Retry-After"]) >= 1
    assert len(document_cache) == 5


def test_a_cached_document_costs_nothing_to_prepare(api, db, settings):
    # given: a budget that pays for preparing the document once
    settings.GRAPHQL_COST_BUDGET_PER_IP = 1_000
    settings.GRAPHQL_MAX_QUERY_COST = 1_000
    query = next(fresh_documents(1, size=20_000))
    first = api.post(query)

    # when: the same document again and again
    again = [api.post(query) for _ in range(20)]

    # then
    assert error_codes(first.json()) == []
    assert all(response.json() == {"data": {"__typename": "Query"}} for response in again)


def test_a_signed_in_user_is_charged_on_their_own_budget(api, user, settings):
    # given: the anonymous budget already spent from this address
    settings.GRAPHQL_COST_BUDGET_PER_IP = 1_000
    settings.GRAPHQL_COST_BUDGET_PER_USER = 1_000
    settings.GRAPHQL_MAX_QUERY_COST = 1_000
    documents = fresh_documents(12, size=20_000)
    anonymous = [api.post(query) for query in [next(documents) for _ in range(6)]]
    assert anonymous[-1].status_code == 429

    # when
    api.authenticate(user)
    signed_in = [api.post(query) for query in documents]

    # then: the user's own budget, five documents' worth
    assert [response.status_code for response in signed_in] == [200] * 5 + [429]


def test_the_charge_can_be_turned_off(api, db, settings):
    # given
    settings.GRAPHQL_COST_BUDGET_PER_IP = 1_000
    settings.GRAPHQL_MAX_QUERY_COST = 1_000
    settings.GRAPHQL_DOCUMENT_PREPARATION_COST = 0

    # when
    responses = [api.post(query) for query in fresh_documents(10, size=20_000)]

    # then
    assert [response.status_code for response in responses] == [200] * 10
