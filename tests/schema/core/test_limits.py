"""Each limit: a document just under it runs; just over it is refused with its code."""

import json

import pytest
from django.conf import settings as django_settings
from graphql import get_introspection_query

from accounts.models import RefreshToken
from tests.conftest import PASSWORD, error_codes


def deep_introspection(depth: int) -> str:
    """An introspection query exactly `depth` fields deep."""
    # __schema, types, fields, type, then ofType..., then name.
    of_types = depth - 5
    assert of_types >= 0
    inner = "name"
    for _ in range(of_types):
        inner = f"ofType {{ {inner} }}"
    return f"{{ __schema {{ types {{ fields {{ type {{ {inner} }} }} }} }} }}"


@pytest.fixture
def introspection_on(settings):
    settings.GRAPHQL_INTROSPECTION_ENABLED = True


# --- Depth ---------------------------------------------------------------------


def test_query_at_max_depth_runs(api, db, introspection_on):
    # when
    result = api.execute(deep_introspection(django_settings.GRAPHQL_MAX_DEPTH))

    # then
    assert "errors" not in result
    assert result["data"]["__schema"]["types"]


def test_query_one_level_too_deep_is_refused(api, db, introspection_on):
    # when
    result = api.execute(deep_introspection(django_settings.GRAPHQL_MAX_DEPTH + 1))

    # then
    assert error_codes(result) == ["QUERY_TOO_DEEP"]
    assert "data" not in result


def test_depth_is_counted_through_fragments(api, db, settings):
    # given: two levels, and three levels of which two hide in fragments
    settings.GRAPHQL_MAX_DEPTH = 2
    at_limit = "{ me { ...Name } } fragment Name on User { username }"
    over = (
        'mutation { tokenAuth(username: "alice", password: "x") { ...Signed } } '
        "fragment Signed on TokenAuth { user { ...Name } } "
        "fragment Name on User { ... on User { username } }"
    )

    # when
    at_limit_result = api.execute(at_limit)
    over_result = api.execute(over)

    # then
    assert error_codes(at_limit_result) == ["UNAUTHENTICATED"]  # it ran
    assert error_codes(over_result) == ["QUERY_TOO_DEEP"]
    assert "3 levels" in over_result["errors"][0]["message"]


def test_graphiql_introspection_query_fits_the_default_limits(api, db, introspection_on):
    # given: what GraphiQL and gql send to load the schema
    query = get_introspection_query(descriptions=True, input_value_deprecation=True)

    # when
    result = api.execute(query)

    # then
    assert "errors" not in result
    assert result["data"]["__schema"]["queryType"]["name"] == "Query"


# --- Aliases -------------------------------------------------------------------


def aliased_usernames(count: int) -> str:
    aliases = " ".join(f"a{index}: username" for index in range(count))
    return f"{{ me {{ {aliases} }} }}"


def test_query_with_max_aliases_runs(api, user):
    # given
    api.authenticate(user)

    # when
    result = api.execute(aliased_usernames(django_settings.GRAPHQL_MAX_ALIASES))

    # then
    assert "errors" not in result
    assert result["data"]["me"]["a0"] == "alice"


def test_query_with_one_alias_too_many_is_refused(api, user):
    # given
    api.authenticate(user)

    # when
    result = api.execute(aliased_usernames(django_settings.GRAPHQL_MAX_ALIASES + 1))

    # then
    assert error_codes(result) == ["TOO_MANY_ALIASES"]
    assert "data" not in result


@pytest.mark.parametrize(
    ("spreads", "refused"),
    [(0, False), (1, True)],
)
def test_aliases_are_counted_through_each_fragment_spread(api, user, spreads, refused):
    # given: one alias in a fragment spread limit (+1) times, nested in another fragment
    api.authenticate(user)
    limit = django_settings.GRAPHQL_MAX_ALIASES
    outer = " ".join(["...Name"] * (limit + spreads))
    query = (
        f"{{ me {{ ...Outer }} }} fragment Outer on User {{ {outer} }} "
        "fragment Name on User { name: username }"
    )

    # when
    result = api.execute(query)

    # then
    if refused:
        assert error_codes(result) == ["TOO_MANY_ALIASES"]
    else:
        assert result == {"data": {"me": {"name": "alice"}}}


# --- Root fields ---------------------------------------------------------------


def test_query_with_max_root_fields_runs(api, db):
    # when
    result = api.execute("{ " + "__typename " * django_settings.GRAPHQL_MAX_ROOT_FIELDS + "}")

    # then
    assert result == {"data": {"__typename": "Query"}}


def test_query_with_one_root_field_too_many_is_refused(api, db):
    # given: the extra field hides in an inline fragment inside a named fragment
    fields = "__typename " * django_settings.GRAPHQL_MAX_ROOT_FIELDS
    query = f"{{ ...Root }} fragment Root on Query {{ {fields} ... on Query {{ __typename }} }}"

    # when
    result = api.execute(query)

    # then
    assert error_codes(result) == ["TOO_MANY_ROOT_FIELDS"]


# --- Mutations -----------------------------------------------------------------


def sign_ins(count: int) -> str:
    fields = " ".join(
        f'a{index}: tokenAuth(username: "alice", password: "{PASSWORD}") {{ token }}'
        for index in range(count)
    )
    return f"mutation {{ {fields} }}"


def test_max_mutations_in_one_request_run(api, user):
    # when
    result = api.execute(sign_ins(django_settings.GRAPHQL_MAX_MUTATIONS))

    # then
    assert "errors" not in result
    assert RefreshToken.objects.count() == django_settings.GRAPHQL_MAX_MUTATIONS


def test_one_mutation_too_many_is_refused_before_any_runs(api, user):
    # when: a password-guessing batch of sign-ins in one request
    result = api.execute(sign_ins(django_settings.GRAPHQL_MAX_MUTATIONS + 1))

    # then
    assert error_codes(result) == ["TOO_MANY_MUTATIONS"]
    assert not RefreshToken.objects.exists()


def test_typename_is_not_counted_as_a_mutation(api, db, settings):
    # given
    settings.GRAPHQL_MAX_MUTATIONS = 0

    # when
    result = api.execute("mutation { __typename }")

    # then
    assert result == {"data": {"__typename": "Mutation"}}


# --- Document size -------------------------------------------------------------


def padded(size: int) -> str:
    query = "{ __typename }"
    return query + " " * (size - len(query))


def test_document_at_max_size_runs(api, db):
    # when
    result = api.execute(padded(django_settings.GRAPHQL_MAX_DOCUMENT_SIZE))

    # then
    assert result == {"data": {"__typename": "Query"}}


def test_document_one_character_too_large_is_refused_before_parsing(api, db):
    # given: also not valid GraphQL, which is never looked at
    query = padded(django_settings.GRAPHQL_MAX_DOCUMENT_SIZE) + "{"

    # when
    response = api.post(query)

    # then
    assert response.status_code == 200
    assert error_codes(response.json()) == ["DOCUMENT_TOO_LARGE"]


# --- Batching ------------------------------------------------------------------


def post_batch(client, size: int):
    batch = [{"query": "{ __typename }"}] * size
    return client.post("/graphql/", json.dumps(batch), content_type="application/json")


def test_batching_is_off_by_default(client, db):
    # when
    response = post_batch(client, 1)

    # then
    assert response.status_code == 400
    assert error_codes(response.json()) == ["BATCH_TOO_LARGE"]


def test_batch_at_the_cap_runs(client, db, settings):
    # given
    settings.GRAPHQL_MAX_BATCH_SIZE = 3

    # when
    response = post_batch(client, 3)

    # then
    assert response.status_code == 200
    assert response.json() == [{"data": {"__typename": "Query"}}] * 3


def test_batch_over_the_cap_is_refused(client, db, settings):
    # given
    settings.GRAPHQL_MAX_BATCH_SIZE = 3

    # when
    response = post_batch(client, 4)

    # then
    assert response.status_code == 400
    assert error_codes(response.json()) == ["BATCH_TOO_LARGE"]


# --- Order ---------------------------------------------------------------------


def test_limits_are_checked_before_the_standard_rules(api, db, settings):
    # given: over the alias limit and full of unknown fields
    settings.GRAPHQL_MAX_ALIASES = 1

    # when
    result = api.execute("{ a: nope b: nope c: nope }")

    # then: one cheap refusal, not one error per unknown field
    assert error_codes(result) == ["TOO_MANY_ALIASES"]


def test_limits_are_settable(api, user, settings):
    # given
    settings.GRAPHQL_MAX_ALIASES = 1
    api.authenticate(user)

    # when
    result = api.execute(aliased_usernames(2))

    # then
    assert error_codes(result) == ["TOO_MANY_ALIASES"]
    assert "the limit is 1" in result["errors"][0]["message"]


def test_fragment_cycle_does_not_hang_the_limits(api, db):
    # when
    result = api.execute(
        "{ me { ...A } } fragment A on User { a: username ...B } fragment B on User { ...A }"
    )

    # then: the standard rule reports the cycle
    assert error_codes(result) == ["GRAPHQL_VALIDATION_FAILED"]
    assert "Cannot spread fragment" in result["errors"][0]["message"]


def test_a_chain_of_doubly_spread_fragments_is_counted_in_linear_time(api, db, settings):
    # given: 2^40 root fields through 40 fragments, each spreading the next twice,
    # and the pre-validation pass (which refuses this first) out of the way
    settings.GRAPHQL_MAX_SELECTIONS = 2**60
    settings.GRAPHQL_MAX_SAME_NAME_FIELDS = 2**60
    settings.GRAPHQL_MAX_FIELD_COMPARISONS = 2**200
    links = 40
    fragments = "".join(
        f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }} " for i in range(links)
    )
    query = "query { ...F0 } " + fragments + f"fragment F{links} on Query {{ __typename }}"

    # when: a naive count would take longer than the universe has left
    result = api.execute(query)

    # then
    assert error_codes(result) == ["TOO_MANY_ROOT_FIELDS"]
    assert str(2**links) in result["errors"][0]["message"]
