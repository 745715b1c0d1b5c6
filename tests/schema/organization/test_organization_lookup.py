"""organization(by: OrganizationLookup): exactly one of `id` or `slug`, enforced as `@oneOf`."""

import pytest
from graphql_relay import to_global_id

from schema import schema
from tests.conftest import error_codes

BY = "query ($by: OrganizationLookup!) { organization(by: $by) { name } }"


@pytest.fixture
def alice_acme(api, make_user, make_organization):
    alice = make_user("alice")
    acme = make_organization(alice, name="Acme")
    api.authenticate(alice)
    return to_global_id("Organization", acme.pk)


def test_the_schema_declares_one_of():
    # given
    lookup = schema.graphql_schema.get_type("OrganizationLookup")

    # then: graphql-core enforces and prints it; graphene alone would leave it off
    assert lookup.is_one_of
    assert "input OrganizationLookup @oneOf {" in str(schema)


def test_by_id_and_by_slug_find_it(api, alice_acme):
    # when
    by_id = api.execute(BY, {"by": {"id": alice_acme}})
    by_slug = api.execute(BY, {"by": {"slug": "acme"}})

    # then
    assert by_id == {"data": {"organization": {"name": "Acme"}}}
    assert by_slug == {"data": {"organization": {"name": "Acme"}}}


@pytest.mark.parametrize(
    "literal", ['{id: "T3JnYW5pemF0aW9uOjE=", slug: "acme"}', "{}", "{slug: null}"]
)
def test_a_literal_with_not_exactly_one_field_is_refused_naming_both(api, alice_acme, literal):
    # when
    result = api.execute(f"{{ organization(by: {literal}) {{ name }} }}")

    # then
    assert error_codes(result) == ["GRAPHQL_VALIDATION_FAILED"]
    assert "`id` or `slug`" in result["errors"][0]["message"]
    assert "data" not in result


def test_a_variable_with_both_fields_is_refused_naming_both(api, alice_acme):
    # when
    result = api.execute(BY, {"by": {"id": alice_acme, "slug": "acme"}})

    # then
    assert error_codes(result) == ["BAD_USER_INPUT"]
    assert "`id` or `slug`" in result["errors"][0]["message"]


def test_the_deprecated_arguments_still_work(api, alice_acme):
    # when
    by_id = api.execute(f'{{ organization(id: "{alice_acme}") {{ name }} }}')
    by_slug = api.execute('{ organization(slug: "acme") { name } }')

    # then
    assert by_id == {"data": {"organization": {"name": "Acme"}}}
    assert by_slug == {"data": {"organization": {"name": "Acme"}}}


@pytest.mark.parametrize(
    "arguments", ['by: {slug: "acme"}, slug: "acme"', 'id: "x", slug: "acme"', ""]
)
def test_mixing_or_omitting_the_ways_is_refused_naming_both(api, alice_acme, arguments):
    # when
    call = f"organization({arguments})" if arguments else "organization"
    result = api.execute(f"{{ {call} {{ name }} }}")

    # then
    assert error_codes(result) == ["BAD_USER_INPUT"]
    assert "`id` or `slug`" in result["errors"][0]["message"]
    assert result["data"] == {"organization": None}
