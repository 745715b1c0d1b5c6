import gc
import tracemalloc

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


def test_a_cached_document_keeps_no_token_chain_but_errors_keep_their_locations(api, db):
    # given: a document whose field fails for an anonymous caller
    query = "query Orgs {\n  organizations { totalCount }\n}"

    # when: once parsed afresh, once from the cache
    first = api.execute(query)
    cached = document_cache.get(query_digest(query))
    second = api.execute(query)

    # then
    assert cached is not None
    assert cached.loc.start_token is None
    selection = cached.definitions[0].selection_set.selections[0]
    assert selection.loc.start_token is None
    assert error_codes(first) == error_codes(second) == ["UNAUTHENTICATED"]
    assert first["errors"][0]["locations"] == second["errors"][0]["locations"]
    assert second["errors"][0]["locations"] == [{"line": 2, "column": 3}]


def test_the_cache_holds_no_more_bytes_than_its_bound_whatever_the_documents(settings):
    # given: a 1 MB bound, and 2,000 distinct documents padded to the size limit
    # (each retains its ~20 KB text; with locations and comment tokens it was ~2 MB)
    settings.GRAPHQL_DOCUMENT_CACHE_BYTES = 1024 * 1024
    settings.GRAPHQL_DOCUMENT_CACHE_SIZE = 10_000
    size = settings.GRAPHQL_MAX_DOCUMENT_SIZE
    comments = "\n# padding" * settings.GRAPHQL_MAX_COMMENTS

    def padded(index: int) -> str:
        head = f"query Q{index} {{ __typename }}{comments}\n"
        return head + " " * (size - len(head))

    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]

    # when
    for index in range(2_000):
        document, errors = document_prepare(schema.graphql_schema, padded(index))
        assert errors == []
    del document
    gc.collect()
    held = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()

    # then: the count stays under the bound, and so does the memory really held
    assert document_cache.bytes <= 1024 * 1024
    assert len(document_cache) >= 30
    assert held <= 1.25 * 1024 * 1024


def test_a_document_larger_than_the_whole_bound_is_not_cached(settings):
    # given
    settings.GRAPHQL_DOCUMENT_CACHE_BYTES = 1_000

    # when
    _document, errors = document_prepare(schema.graphql_schema, "{ __typename }" + " " * 5_000)

    # then
    assert errors == []
    assert len(document_cache) == 0
    assert document_cache.bytes == 0


SHAPES = {
    "comma padding": lambda index: "{ __typename }" + "," * 19_000 + f"#{index}",
    "escapes": lambda index: (
        f'#{index}\n{{ organization(slug: "' + "\\u00e9" * 3_000 + '") { id } }'
    ),
    "many fields": lambda index: (
        f"#{index}\n{{ organizations {{ edges {{ node {{ "
        + " ".join(["id name slug description"] * 6)
        + " } } } }"
    ),
    "many objects": lambda index: f"#{index}\n{{ " + " ".join(["me { id username }"] * 20) + " }",
}


@pytest.mark.parametrize("shape", SHAPES)
def test_the_cache_counts_what_its_entries_really_hold(settings, shape):
    # given
    make = SHAPES[shape]
    assert document_prepare(schema.graphql_schema, make(-1))[1] == []
    document_cache.clear()
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]

    # when: 50 distinct documents of the shape are cached
    for index in range(50):
        document_prepare(schema.graphql_schema, make(index))
    gc.collect()
    held = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()

    # then: the count is no more than 10% below what is really held
    assert len(document_cache) == 50
    assert held <= 1.1 * document_cache.bytes
