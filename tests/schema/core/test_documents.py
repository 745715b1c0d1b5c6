import pytest
from graphql import parse

from schema import schema
from schema.core import documents
from schema.core.documents import document_cache, document_prepare, query_digest
from tests.conftest import error_codes

ME = "query Me { me { username } }"


@pytest.fixture(autouse=True)
def empty_cache():
    document_cache.clear()
    yield
    document_cache.clear()


@pytest.fixture
def counted_parse(monkeypatch):
    """Count how often graphql-core parses, the work the cache saves."""
    calls = []

    def counting(source, *args, **kwargs):
        calls.append(source)
        return parse(source, *args, **kwargs)

    monkeypatch.setattr(documents, "parse", counting)
    return calls


def test_a_valid_document_is_parsed_and_validated_once(api, user, counted_parse):
    # given
    api.authenticate(user)

    # when
    results = [api.execute(ME) for _ in range(3)]

    # then
    assert all(result == {"data": {"me": {"username": "alice"}}} for result in results)
    assert counted_parse == [ME]


def test_a_refused_document_is_checked_every_time(api, db, counted_parse):
    # when
    results = [api.execute("{ noSuchField }") for _ in range(2)]

    # then
    assert [error_codes(result) for result in results] == [["GRAPHQL_VALIDATION_FAILED"]] * 2
    assert len(counted_parse) == 2
    assert len(document_cache) == 0


def test_the_cache_is_bounded_least_recently_used_first(settings):
    # given
    settings.GRAPHQL_DOCUMENT_CACHE_SIZE = 2
    queries = ["{ __typename }", "query A { __typename }", "query B { __typename }"]

    # when
    for query in queries:
        document_prepare(schema.graphql_schema, query)

    # then
    assert len(document_cache) == 2
    assert document_cache.get(query_digest(queries[0])) is None
    assert document_cache.get(query_digest(queries[2])) is not None


def test_a_setting_change_empties_the_cache(settings):
    # given
    document_prepare(schema.graphql_schema, "{ __typename }")
    assert len(document_cache) == 1

    # when
    settings.GRAPHQL_MAX_DEPTH = 3

    # then
    assert len(document_cache) == 0


def test_validation_settings_still_apply_to_cached_documents(api, user, settings):
    # given: a document cached under a generous depth limit
    api.authenticate(user)
    assert "errors" not in api.execute(ME)

    # when: the limit drops below its depth
    settings.GRAPHQL_MAX_DEPTH = 1
    result = api.execute(ME)

    # then
    assert error_codes(result) == ["QUERY_TOO_DEEP"]
