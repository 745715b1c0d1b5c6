"""Parsing and validating a new document is charged to the caller's budget; a cached one is free."""

import pytest

from schema.core import budget as budget_module
from schema.core.documents import document_cache
from schema.core.worker_throttles import refusal_memo
from tests.conftest import error_codes


@pytest.fixture(autouse=True)
def preparation_cost(settings):
    """200 points per new document: five fit in the budgets of 1,000 these tests use."""
    settings.GRAPHQL_DOCUMENT_PREPARATION_COST = 200


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


def test_an_anonymous_client_cycling_new_documents_is_refused_before_parsing(
    api, db, settings, monkeypatch
):
    # given: 200 points for each new document, all in one budget window (a slow
    # machine could otherwise cross into the next minute's budget)
    monkeypatch.setattr(budget_module, "_now", lambda: 1_800_000_000.0)
    settings.GRAPHQL_COST_BUDGET_PER_IP = 1_000
    settings.GRAPHQL_MAX_QUERY_COST = 1_000
    settings.GRAPHQL_DOCUMENT_PREPARATION_COST = 200

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


def test_a_signed_in_user_is_charged_on_their_own_budget(api, user, settings, monkeypatch):
    # given: the anonymous budget already spent from this address, all in one
    # window (a slow machine could otherwise cross into the next minute's budget)
    monkeypatch.setattr(budget_module, "_now", lambda: 1_800_000_000.0)
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


def test_an_address_refused_for_its_budget_is_refused_early_until_the_window_ends(
    api, db, settings, monkeypatch
):
    # given: an anonymous address that spent its budget in this window
    now = [1_800_000_000.0 + 10]  # 10 s into a 60 s window
    monkeypatch.setattr(budget_module, "_now", lambda: now[0])
    settings.GRAPHQL_COST_BUDGET_PER_IP = 1_000
    settings.GRAPHQL_MAX_QUERY_COST = 1_000
    responses = [api.post(query) for query in fresh_documents(6, size=20_000)]
    assert responses[-1].status_code == 429

    # when: a request the server could not even parse, and a cheap cached one
    garbage = api.client.post("/graphql/", "{not json", content_type="application/json")
    cached = api.post(next(fresh_documents(1, size=20_000)))

    # then: both refused before the body is read, with the time left in the window
    for response in (garbage, cached):
        assert response.status_code == 429
        assert error_codes(response.json()) == ["RATE_LIMITED"]
        assert response.json()["errors"][0]["extensions"]["retryAfter"] == 50
        assert response["Retry-After"] == "50"

    # and when the window ends, the address is served again
    now[0] += 50
    assert api.post("{ __typename }").json() == {"data": {"__typename": "Query"}}


def test_a_signed_in_user_refused_for_a_large_operation_still_runs_small_ones(api, user, settings):
    # given: a user budget with 100 points left after five new documents
    settings.GRAPHQL_COST_BUDGET_PER_USER = 1_100
    settings.GRAPHQL_MAX_QUERY_COST = 1_000
    api.authenticate(user)
    documents = list(fresh_documents(6, size=2_000))
    assert [api.post(query).status_code for query in documents] == [200] * 5 + [429]

    # when: a document already prepared (nothing to charge)
    result = api.execute(documents[0])

    # then: it runs; only anonymous addresses are remembered as refused
    assert result == {"data": {"__typename": "Query"}}
    assert len(refusal_memo) == 0


def test_anonymous_new_documents_share_a_bucket_per_worker_whatever_their_address(
    api, db, settings
):
    # given: 3 new documents a second for all anonymous callers, generous budgets
    settings.GRAPHQL_ANONYMOUS_PREPARATIONS_PER_SECOND = 3
    settings.GRAPHQL_COST_BUDGET_PER_IP = 1_000_000
    settings.GRAPHQL_MAX_QUERY_COST = 1_000

    # when: five new documents at once, each from its own address
    responses = [
        api.client.post(
            "/graphql/",
            {"query": query},
            content_type="application/json",
            REMOTE_ADDR=f"203.0.113.{index}",
        )
        for index, query in enumerate(fresh_documents(5, size=100))
    ]

    # then: three prepared, then refused for a second, before any parsing
    assert [response.status_code for response in responses] == [200, 200, 200, 429, 429]
    refused = responses[3].json()
    assert error_codes(refused) == ["RATE_LIMITED"]
    assert refused["errors"][0]["extensions"]["retryAfter"] == 1
    assert len(document_cache) == 3


def test_signed_in_users_and_cached_documents_do_not_use_the_bucket(api, user, settings):
    # given: a bucket with room for one new document
    settings.GRAPHQL_ANONYMOUS_PREPARATIONS_PER_SECOND = 1
    settings.GRAPHQL_COST_BUDGET_PER_IP = 1_000_000
    settings.GRAPHQL_COST_BUDGET_PER_USER = 1_000_000
    settings.GRAPHQL_MAX_QUERY_COST = 1_000
    first = api.post("{ __typename }")

    # when: the same document again anonymously, and new ones signed in
    again = [api.post("{ __typename }") for _ in range(3)]
    api.authenticate(user)
    signed_in = [api.post(query) for query in fresh_documents(3, size=100)]

    # then
    assert first.status_code == 200
    assert [response.status_code for response in again + signed_in] == [200] * 6
