"""The pass before validation: each budget refuses with DOCUMENT_TOO_COMPLEX, just under it runs."""

import pytest
from django.conf import settings as django_settings
from graphql import get_introspection_query

from tests.conftest import error_codes


def _refused(result: dict, fragment_of_message: str) -> None:
    assert error_codes(result) == ["DOCUMENT_TOO_COMPLEX"]
    assert "data" not in result
    assert fragment_of_message in result["errors"][0]["message"]


# --- The parser's budgets --------------------------------------------------------


def test_a_document_at_the_token_budget_parses(api, db, settings):
    # given: `{`, `}` and 8 names: 10 tokens; commas and spaces are no tokens
    settings.GRAPHQL_MAX_TOKENS = 10
    query = "{ " + ", ".join(["__typename"] * 8) + " }"

    # when
    result = api.execute(query)

    # then
    assert result == {"data": {"__typename": "Query"}}


def test_a_document_over_the_token_budget_is_refused_while_parsing(api, db, settings):
    # given
    settings.GRAPHQL_MAX_TOKENS = 10

    # when
    result = api.execute("{ " + " ".join(["__typename"] * 9) + " }")

    # then
    _refused(result, "more than 10 tokens")


def test_comment_padding_is_refused_before_it_is_read_whole(api, db):
    # given: the padded document, ~20,000 characters of comment lines
    limit = django_settings.GRAPHQL_MAX_COMMENTS
    padded = "{ __typename }" + "\n#" * 9_990
    under = "{ __typename }" + "\n# a note" * limit

    # when
    padded_result = api.execute(padded)
    under_result = api.execute(under)

    # then
    _refused(padded_result, f"more than {limit} comments")
    assert under_result == {"data": {"__typename": "Query"}}


# --- Fields sharing a response name ----------------------------------------------


def test_overlapping_sibling_fields_are_refused_before_validation(api, db):
    # given: the document, `members` selected again and again on one node
    limit = django_settings.GRAPHQL_MAX_SAME_NAME_FIELDS
    members = " ".join(
        f"members(first: {index % 2}) {{ totalCount }}" for index in range(limit + 1)
    )
    query = f"{{ organizations {{ edges {{ node {{ {members} }} }} }} }}"

    # when
    result = api.execute(query)

    # then
    _refused(result, f"{limit + 1} fields share the response name `members`")


def test_fields_merged_through_inline_fragments_and_spreads_count_together(api, db, settings):
    # given: four `username` in one selection set, two of them through fragments
    settings.GRAPHQL_MAX_SAME_NAME_FIELDS = 3
    query = (
        "{ me { username ... on User { username } ...Name ...Name } } "
        "fragment Name on User { username }"
    )

    # when
    result = api.execute(query)

    # then
    _refused(result, "4 fields share the response name `username`")


def test_the_same_name_at_the_limit_runs(api, user, settings):
    # given
    settings.GRAPHQL_MAX_SAME_NAME_FIELDS = 3
    api.authenticate(user)

    # when
    result = api.execute("{ me { username username ... on User { username } } }")

    # then
    assert result == {"data": {"me": {"username": "alice"}}}


# --- Selections and fragments ----------------------------------------------------


def test_a_fragment_fan_out_is_refused_in_linear_time(api, db):
    # given: 2^60 selections through 60 fragments, each spreading the next twice
    links = 60
    fragments = "".join(
        f"fragment F{index} on User {{ id ...F{index + 1} ...F{index + 1} }} "
        for index in range(links)
    )
    query = "{ me { ...F0 } } " + fragments + f"fragment F{links} on User {{ id }}"

    # when
    result = api.execute(query)

    # then
    assert error_codes(result) == ["DOCUMENT_TOO_COMPLEX"]


def test_selections_are_counted_at_every_spread(api, db, settings):
    # given: a fragment of 3 fields spread on 4 nested fields: 4 + 4 * 3 = 16 selections
    settings.GRAPHQL_MAX_SELECTIONS = 15
    query = (
        "{ me { ...U } a: me { ...U } b: me { ...U } c: me { ...U } } "
        "fragment U on User { id username email }"
    )

    # when
    result = api.execute(query)

    # then
    _refused(result, "more than 15 fields")


def test_too_many_fragment_spreads_in_one_selection_set_are_refused(api, db, settings):
    # given
    settings.GRAPHQL_MAX_FRAGMENT_SPREADS = 3
    definitions = " ".join(f"fragment F{index} on User {{ id }}" for index in range(4))
    spreads = " ".join(f"...F{index}" for index in range(4))

    # when
    result = api.execute(f"{{ me {{ {spreads} }} }} {definitions}")

    # then
    _refused(result, "More than 3 fragment spreads")


def test_too_many_operations_are_refused(api, db, settings):
    # given
    settings.GRAPHQL_MAX_OPERATIONS = 2
    query = " ".join(f"query Q{index} {{ __typename }}" for index in range(3))

    # when
    result = api.execute(query)

    # then
    _refused(result, "3 operations; the limit is 2")


def test_a_fragment_chain_deeper_than_the_stack_is_refused_not_crashed(api, db, settings):
    # given: budgets raised far enough that only Python's stack could stop the walk
    links = 3_000
    settings.GRAPHQL_MAX_TOKENS = 100_000
    settings.GRAPHQL_MAX_DOCUMENT_SIZE = 1_000_000
    fragments = "".join(
        f"fragment F{index} on User {{ ...F{index + 1} }} " for index in range(links)
    )
    query = "{ me { ...F0 } } " + fragments + f"fragment F{links} on User {{ id }}"

    # when
    result = api.execute(query)

    # then
    _refused(result, "nested too deeply")


@pytest.mark.parametrize("descriptions", [True, False])
def test_graphiql_introspection_fits_every_budget(api, db, settings, descriptions):
    # given
    settings.GRAPHQL_INTROSPECTION_ENABLED = True
    query = get_introspection_query(
        descriptions=descriptions,
        input_value_deprecation=True,
        specified_by_url=True,
        directive_is_repeatable=True,
        schema_description=True,
    )

    # when
    result = api.execute(query)

    # then
    assert "errors" not in result


# --- What the overlap rule would compare ------------------------------------------


def test_repeated_fields_with_selections_are_refused_by_the_comparisons_they_cost(api, db):
    # given: 20 `me`, each with 20 `id`: within the same-name limit, but the overlap
    # rule would compare every `me` with every other, `id` by `id` (~0.3 s)
    query = "{ " + " ".join("me { " + "id " * 20 + "}" for _ in range(20)) + " }"

    # when
    result = api.execute(query)

    # then
    _refused(result, "would take too long to compare")


def test_a_repeated_field_without_much_under_it_runs(api, user):
    # given: the same field twice, as fragments often make it
    api.authenticate(user)
    query = "{ me { id username } me { id } ...Again } fragment Again on Query { me { email } }"

    # when
    result = api.execute(query)

    # then
    assert result == {
        "data": {
            "me": {
                "id": result["data"]["me"]["id"],
                "username": "alice",
                "email": "alice@example.com",
            }
        }
    }


def test_fragments_no_operation_spreads_are_measured_too(api, db):
    # given: the expensive part hides in a fragment that is never spread
    inner = "me { " + "id " * 28 + "}"
    query = "{ __typename } fragment Unused on Query { " + " ".join([inner] * 31) + " }"

    # when
    result = api.execute(query)

    # then
    assert error_codes(result) == ["DOCUMENT_TOO_COMPLEX"]


def test_too_many_variables_are_refused(api, db, settings):
    # given
    settings.GRAPHQL_MAX_VARIABLES = 3
    definitions = " ".join(f"$v{index}: Int" for index in range(4))

    # when
    result = api.execute(f"query Q({definitions}) {{ __typename }}")

    # then
    _refused(result, "4 variables; the limit is 3")
