"""An enum's refusal names the valid values, unless suggestions and introspection are both off."""

import pytest

from tests.conftest import error_codes

LITERAL = "{ organizations(orderBy: [{field: COLOUR}]) { totalCount } }"
VARIABLE = "query($o: [OrganizationOrder!]) { organizations(orderBy: $o) { totalCount } }"
VALID = "Valid values: NAME, CREATED_AT, UPDATED_AT."


@pytest.mark.parametrize(
    ("query", "variables", "code"),
    [
        (LITERAL, None, "GRAPHQL_VALIDATION_FAILED"),
        (VARIABLE, {"o": [{"field": "COLOUR"}]}, "BAD_USER_INPUT"),
    ],
    ids=["literal", "variable"],
)
@pytest.mark.parametrize(
    ("suggestions", "introspection"),
    [(True, False), (False, True), (True, True)],
    ids=["suggestions", "introspection", "both"],
)
def test_an_unknown_order_field_lists_the_valid_ones(
    api, user, settings, query, variables, code, suggestions, introspection
):
    # given: either setting on (with introspection, `__type` lists the values anyway)
    settings.GRAPHQL_SUGGESTIONS_ENABLED = suggestions
    settings.GRAPHQL_INTROSPECTION_ENABLED = introspection
    api.authenticate(user)

    # when
    result = api.execute(query, variables)

    # then
    assert error_codes(result) == [code]
    message = result["errors"][0]["message"]
    assert "Value 'COLOUR' does not exist in 'OrganizationOrderField' enum." in message
    assert message.endswith(VALID)


def test_with_suggestions_and_introspection_off_the_values_are_not_listed(api, user, settings):
    # given: the production defaults
    settings.GRAPHQL_SUGGESTIONS_ENABLED = False
    settings.GRAPHQL_INTROSPECTION_ENABLED = False
    api.authenticate(user)

    # when
    result = api.execute(VARIABLE, {"o": [{"field": "NAME", "direction": "UP"}]})

    # then
    assert error_codes(result) == ["BAD_USER_INPUT"]
    assert "Value 'UP' does not exist in 'OrderDirection' enum." in result["errors"][0]["message"]
    assert "Valid values" not in result["errors"][0]["message"]
