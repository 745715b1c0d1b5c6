"""schema/core/plan_run.py: json_size (orjson's length and colons, a part at a time) and
the plan store (bounded with the document cache, never paid for by anonymous callers)."""

import gc
import itertools
import tracemalloc
import weakref

import orjson
import pytest
from graphql import get_operation_ast, parse

from accounts.request_context import request_context
from benchmarks.cases import FLAT_PAGE, NESTED_PAGE
from schema import schema
from schema.core import plan_run
from schema.core.document_cache import DERIVED_PER_DOCUMENT, document_cache
from schema.core.documents import query_digest
from schema.core.plan_run import json_size, plan_bytes
from schema.core.plans import Plan, plan_compile
from tests.conftest import error_codes

VALUES = [
    {},
    [],
    "text",
    {"a": []},
    {"a": {"b": [1, 2.5, None, True, {"c": "x:y"}]}},
    [{"a": 1}, {"b": 'é😀\x01"\\'}],
    {"organizations": {"totalCount": 3, "edges": [{"node": {"id": "T3Jn", "n": None}}] * 3}},
]


@pytest.mark.parametrize("value", VALUES)
def test_json_size_is_orjsons_length_and_colons(value):
    # given
    encoded = orjson.dumps(value)

    # when
    measured = json_size(value, cap=10_000)

    # then
    assert measured == (len(encoded), encoded.count(b":"), True)


def test_json_size_stops_past_its_cap():
    # given: each part fits, their sum does not
    value = {"edges": [{"text": "x" * 100}] * 10}

    # when
    stopped = json_size(value, cap=500)
    whole = json_size(value, cap=len(orjson.dumps(value)))

    # then: the parts measured so far, past the cap and short of the whole
    assert stopped[2] is False
    assert 500 < stopped[0] < whole[0]
    assert whole[2] is True


# The plan store: plans live in their document's cache entry (document_cache.py).

PLANNED = "{{ organizations(first: {size}) {{ totalCount edges {{ node {{ id name }} }} }} }}"


@pytest.fixture
def empty_cache():
    document_cache.clear()
    yield
    document_cache.clear()


@pytest.fixture
def compiled(monkeypatch):
    """Count the plans compiled, the work the store saves (and anonymous callers must not cost)."""
    calls = []

    def counting(*args, **kwargs):
        calls.append(args)
        return plan_compile(*args, **kwargs)

    monkeypatch.setattr(plan_run, "plan_compile", counting)
    return calls


def planned(api, query: str, variables=None) -> bool:
    response = api.post(query, variables)
    assert response.status_code == 200
    log = request_context(response.wsgi_request).graphql_log
    return bool(log and log.planned)


def stored_plan(query: str, variables: tuple = ()) -> Plan | None:
    found, plan = document_cache.derived_get(query_digest(query), ("plan", None, variables))
    assert found
    return plan


def test_the_plan_store_never_holds_more_than_the_document_cache_bound(
    api, user, settings, empty_cache
):
    # given: room for 4 documents, and 30 distinct plannable documents
    settings.GRAPHQL_DOCUMENT_CACHE_SIZE = 4
    api.authenticate(user)
    queries = [PLANNED.format(size=size) for size in range(1, 31)]

    # when: each is answered by its plan; the first one's plan watched
    assert planned(api, queries[0])
    first = weakref.ref(stored_plan(queries[0]))
    for query in queries[1:]:
        assert planned(api, query)

        # then: never more documents than the bound, nor more plans than they may hold
        assert len(document_cache) <= 4
        assert document_cache.derived_count() <= 4 * DERIVED_PER_DOCUMENT

    # and: an evicted document's plan is gone, not merely unreachable from the cache
    assert not document_cache.contains(query_digest(queries[0]))
    assert document_cache.derived_get(query_digest(queries[0]), ("plan", None, ())) == (
        False,
        None,
    )
    gc.collect()
    assert first() is None
    assert stored_plan(queries[-1]) is not None


def test_the_plans_count_in_the_document_cache_bytes(api, user, settings, empty_cache):
    # given: a byte bound a few documents with their plans fill
    settings.GRAPHQL_DOCUMENT_CACHE_BYTES = 150_000
    api.authenticate(user)
    queries = [PLANNED.format(size=size) for size in range(1, 41)]

    for query in queries:
        # when
        assert planned(api, query)

        # then: documents and plans together stay within the bound
        assert document_cache.bytes <= 150_000
        held = document_cache.derived_get(query_digest(query), ("plan", None, ()))
        assert held[0] is True

    assert 1 < len(document_cache) < len(queries)


def test_skip_and_include_variants_are_bounded_per_document(api, user, empty_cache, compiled):
    # given: 5 condition variables, 32 variants of one document
    api.authenticate(user)
    names = "abcde"
    query = (
        f"query V({', '.join(f'${name}: Boolean!' for name in names)}) {{ organizations {{ "
        + " ".join(f"{name}: totalCount @include(if: ${name})" for name in names)
        + " edges { node { id } } } }"
    )
    variants = [
        dict(zip(names, values, strict=True))
        for values in itertools.product([False, True], repeat=len(names))
    ]

    for variables in variants:
        # when
        assert planned(api, query, variables)

        # then: the document keeps its most recently used variants only
        assert document_cache.derived_count() <= DERIVED_PER_DOCUMENT

    # and: each variant compiled once; a recent one is still held, the first is not
    assert len(compiled) == len(variants)
    assert planned(api, query, variants[-1])
    assert len(compiled) == len(variants)
    assert planned(api, query, variants[0])
    assert len(compiled) == len(variants) + 1


def test_an_anonymous_request_compiles_no_plan(api, user, empty_cache, compiled):
    # given
    query = PLANNED.format(size=5)

    # when: anonymous (refused by the resolver), twice
    anonymous = [api.post(query).json() for _ in range(2)]

    # then: graphql-core refused it; no plan was compiled or kept
    for answer in anonymous:
        assert error_codes(answer) == ["UNAUTHENTICATED"]
    assert compiled == []
    assert document_cache.contains(query_digest(query))
    assert document_cache.derived_count() == 0

    # and: the same document signed in compiles its plan, once
    api.authenticate(user)
    assert planned(api, query)
    assert planned(api, query)
    assert len(compiled) == 1


def test_a_document_the_cache_does_not_hold_gets_no_plan(api, user, settings, compiled):
    # given: no document cache
    settings.GRAPHQL_DOCUMENT_CACHE_SIZE = 0
    api.authenticate(user)

    # when
    taken = planned(api, PLANNED.format(size=5))

    # then: graphql-core answered, nothing compiled
    assert not taken
    assert compiled == []


@pytest.mark.parametrize("document", [FLAT_PAGE, NESTED_PAGE, "fragments", "aliases"])
def test_a_plans_counted_bytes_cover_what_it_holds(document):
    # given
    members = (
        "members(first: 3) { totalCount pageInfo { hasNextPage endCursor } edges { cursor "
        "node { id role createdAt user { id username displayName } } } }"
    )
    fields = "id name slug description contactEmail website isActive createdAt updatedAt myRole"
    text = {
        "fragments": (
            "query { "
            + " ".join(f"a{i}: organizations {{ edges {{ node {{ ...F }} }} }}" for i in range(15))
            + f" }} fragment F on Organization {{ {fields} a: {members} b: {members} }}"
        ),
        "aliases": (
            "{ "
            + " ".join(
                f"a{i}: organizations(first: 5) {{ totalCount edges {{ cursor node {{ {fields} "
                f"{members} }} }} }}"
                for i in range(15)
            )
            + " }"
        ),
    }.get(document, document)
    parsed = parse(text)
    operation = get_operation_ast(parsed, None)
    gc.collect()

    # when: what compiling leaves allocated, as tracemalloc sees it
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    plan = plan_compile(schema.graphql_schema, parsed, operation, {})
    gc.collect()
    held = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()

    # then
    assert plan is not None
    assert held <= plan_bytes(plan)
