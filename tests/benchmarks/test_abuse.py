"""The pure parts of `make bench-abuse` (benchmarks/abuse.py): labels, byte bounds, the query."""

import orjson
from graphql import get_operation_ast

from benchmarks.abuse import (
    answer_label,
    json_string_bytes,
    largest_allowed_aliases,
    largest_query,
    largest_response_bound,
    milliseconds_summary,
    object_bytes,
)
from schema import schema
from schema.core.cost import operation_cost
from schema.core.documents import document_prepare


def test_answer_label_names_the_status_and_each_code_once():
    assert answer_label(200, []) == "200"
    assert answer_label(429, ["RATE_LIMITED"]) == "429 RATE_LIMITED"
    assert answer_label(200, ["X", "A", "X"]) == "200 A+X"


def test_milliseconds_summary():
    assert milliseconds_summary([]) == {"n": 0, "p50": 0.0, "p95": 0.0, "max": 0.0}
    assert milliseconds_summary([3.0, 1.0, 2.0]) == {"n": 3, "p50": 2.0, "p95": 3.0, "max": 3.0}


def test_no_character_takes_more_json_bytes_than_the_bound():
    # given: every character of the first planes (surrogates cannot be stored) and some astral ones
    characters = [
        chr(code) for code in [*range(0x3000), *range(0xE000, 0x10000, 7), 0x1F600, 0x10FFFF]
    ]

    # then: orjson, the API's encoder, never writes more than the bound
    assert all(len(orjson.dumps(character)) <= json_string_bytes(1) for character in characters)
    assert len(orjson.dumps("\x01" * 10_000)) == json_string_bytes(10_000) == 60_002


def test_object_bytes_adds_keys_escaped_text_and_overhead():
    # "name": "<6 x 3 + 2>", and "id": <10>, plus 64
    assert object_bytes({"name": 3}, {"id": 10}) == (4 + 4 + 20) + (2 + 4 + 10) + 64


def test_the_response_bound_counts_sixteen_pages_then_the_points_left_as_users():
    bound = largest_response_bound(
        organization_bytes=1000, user_bytes=10, max_cost=5000, max_aliases=15, max_page_size=100
    )

    # then: (1 + 15) x 100 + 2 organizations, and 5000 - 1602 more objects
    assert bound == 1602 * 1000 + 3398 * 10


def test_the_largest_query_passes_every_limit_and_the_next_alias_does_not(settings):
    # given
    arguments = {"page": settings.GRAPHQL_MAX_PAGE_SIZE, "members": 7, "slug": "s" * 220}
    aliases = largest_allowed_aliases(**arguments)
    query = largest_query(aliases=aliases, **arguments)

    # when
    document, errors = document_prepare(schema.graphql_schema, query)
    _, over_errors = document_prepare(
        schema.graphql_schema, largest_query(aliases=aliases + 1, **arguments)
    )

    # then: 1 + aliases pages of 100 (each node 2 points with its creator), 7 members
    # on the first, one more organization; one more page is refused before it runs
    assert errors == []
    cost = operation_cost(schema.graphql_schema, document, get_operation_ast(document))
    assert cost == (1 + aliases) * (2 + 100 * 2) + 100 * (2 + 7 * 2) + 2
    assert cost <= settings.GRAPHQL_MAX_QUERY_COST
    assert len(over_errors) == 1
    assert over_errors[0].extensions["code"] in ("TOO_MANY_ALIASES", "DOCUMENT_TOO_COMPLEX")
