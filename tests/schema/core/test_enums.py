"""An enum's refusal names the valid values, unless suggestions are off (production)."""

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
def test_an_unknown_order_field_lists_the_valid_ones(api, user, settings, query, variables, code):
    # given
    settings.GRAPHQL_SUGGESTIONS_ENABLED = True
    api.authenticate(user)

    # when
    result = api.execute(query, variables)

    # then
    assert error_codes(result) == [code]
    message = result["errors"][0]["message"]
    assert "Value 'COLOUR' does not exist in 'OrganizationOrderField' enum." in message
    assert message.endswith(VALID)


def test_without_suggestions_the_values_are_not_listed(api, user, settings):
    # given
    settings.GRAPHQL_SUGGESTIONS_ENABLED = False
    api.authenticate(user)

    # when
    result = api.execute(VARIABLE, {"o": [{"field": "NAME", "direction": "UP"}]})

    # then
    assert error_codes(result) == ["BAD_USER_INPUT"]
    assert "Value 'UP' does not exist in 'OrderDirection' enum." in result["errors"][0]["message"]
    assert "Valid values" not in result["errors"][0]["message"]
