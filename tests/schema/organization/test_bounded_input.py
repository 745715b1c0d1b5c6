"""Bounded data through the API: field limits as payload errors, filters refused early."""

import pytest
from graphql_relay import to_global_id

from organization.models import DESCRIPTION_MAX_LENGTH, Membership, Organization
from tests.conftest import error_codes

CREATE = """
mutation Create($name: String!, $description: String) {
  createOrganization(name: $name, description: $description) {
    organization { description }
    errors { field code messages }
  }
}
"""

UPDATE = """
mutation Update($id: ID!, $description: String) {
  updateOrganization(id: $id, description: $description) {
    organization { description }
    errors { field code messages }
  }
}
"""

ADD_MEMBER = """
mutation Add($id: ID!, $username: String!) {
  addMember(organizationId: $id, username: $username) {
    membership { role }
    errors { field code }
  }
}
"""

REMOVE_MEMBER = """
mutation Remove($id: ID!, $username: String!) {
  removeMember(organizationId: $id, username: $username) { errors { field code } }
}
"""

LIST = """
query List($nameContains: String, $nameStartsWith: String, $slug: String,
           $orderBy: [OrganizationOrder!], $search: String) {
  organizations(nameContains: $nameContains, nameStartsWith: $nameStartsWith, slug: $slug,
                orderBy: $orderBy, search: $search) { totalCount }
}
"""


def test_description_at_its_limit_is_stored(api, make_user):
    # given
    api.authenticate(make_user("alice"))

    # when
    result = api.execute(CREATE, {"name": "Acme", "description": "d" * DESCRIPTION_MAX_LENGTH})

    # then
    payload = result["data"]["createOrganization"]
    assert payload["errors"] == []
    assert len(payload["organization"]["description"]) == DESCRIPTION_MAX_LENGTH


def test_description_one_past_its_limit_is_a_max_length_field_error(api, make_user):
    # given
    api.authenticate(make_user("alice"))

    # when
    result = api.execute(
        CREATE, {"name": "Acme", "description": "d" * (DESCRIPTION_MAX_LENGTH + 1)}
    )

    # then
    assert "errors" not in result
    payload = result["data"]["createOrganization"]
    assert payload["organization"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("description", "MAX_LENGTH")]
    assert not Organization.objects.exists()


def test_update_refuses_a_description_one_past_its_limit(api, make_user, make_organization):
    # given
    alice = make_user("alice")
    organization = make_organization(alice, description="Short")
    api.authenticate(alice)

    # when
    result = api.execute(
        UPDATE,
        {
            "id": to_global_id("Organization", organization.pk),
            "description": "d" * (DESCRIPTION_MAX_LENGTH + 1),
        },
    )

    # then
    payload = result["data"]["updateOrganization"]
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("description", "MAX_LENGTH")]
    organization.refresh_from_db()
    assert organization.description == "Short"


def test_a_variable_longer_than_a_document_may_be_is_refused_before_it_runs(
    api, make_user, settings
):
    # given: a 2 MB description, as in the measured attack, with the body limit
    # (which refuses it first, 413) raised to let it through
    settings.GRAPHQL_MAX_BODY_BYTES = 4_000_000
    api.authenticate(make_user("alice"))

    # when
    result = api.execute(CREATE, {"name": "Acme", "description": "d" * 2_000_000})
    at_the_bound = api.execute(
        CREATE, {"name": "Acme", "description": "d" * settings.GRAPHQL_MAX_DOCUMENT_SIZE}
    )

    # then: refused as a whole; at the bound it reaches the field's own limit
    assert error_codes(result) == ["BAD_USER_INPUT"]
    assert "data" not in result
    errors = at_the_bound["data"]["createOrganization"]["errors"]
    assert [(e["field"], e["code"]) for e in errors] == [("description", "MAX_LENGTH")]
    assert not Organization.objects.exists()


def test_a_username_longer_than_any_user_has_is_not_found(api, make_user, make_organization):
    # given
    alice = make_user("alice")
    organization_id = to_global_id("Organization", make_organization(alice).pk)
    api.authenticate(alice)
    too_long = "u" * 151

    # when
    api.authenticate(make_user("staff", is_staff=True))
    added = api.execute(ADD_MEMBER, {"id": organization_id, "username": too_long})
    api.authenticate(alice)
    removed = api.execute(REMOVE_MEMBER, {"id": organization_id, "username": too_long})

    # then
    assert added["data"]["addMember"]["errors"] == [{"field": "username", "code": "NOT_FOUND"}]
    errors = removed["data"]["removeMember"]["errors"]
    assert errors == [{"field": "username", "code": "NOT_MEMBER"}]
    assert Membership.objects.count() == 1


@pytest.mark.parametrize(
    ("variables", "accepted"),
    [
        ({"nameContains": "n" * 201}, {"nameContains": "n" * 200}),
        ({"nameStartsWith": "n" * 201}, {"nameStartsWith": "n" * 200}),
        ({"slug": "s" * 221}, {"slug": "s" * 220}),
        ({"search": "s" * 201}, {"search": "s" * 200}),
    ],
    ids=["nameContains", "nameStartsWith", "slug", "search"],
)
def test_filter_arguments_are_bounded(api, make_user, variables, accepted):
    # given
    api.authenticate(make_user("alice"))

    # when
    refused = api.execute(LIST, variables)
    at_the_limit = api.execute(LIST, accepted)

    # then
    assert error_codes(refused) == ["BAD_USER_INPUT"]
    assert refused["errors"][0]["message"].startswith("Invalid filter: ")
    assert at_the_limit == {"data": {"organizations": {"totalCount": 0}}}


def test_order_by_is_bounded_by_its_fields(api, make_user):
    # given: each field at most once, so at most three sort keys reach SQL
    api.authenticate(make_user("alice"))
    every_field = [
        {"field": "NAME", "direction": "DESC"},
        {"field": "CREATED_AT"},
        {"field": "UPDATED_AT"},
    ]

    # when
    at_the_limit = api.execute(LIST, {"orderBy": every_field})
    refused = api.execute(LIST, {"orderBy": [*every_field, {"field": "NAME"}] * 10})

    # then
    assert at_the_limit == {"data": {"organizations": {"totalCount": 0}}}
    assert error_codes(refused) == ["BAD_USER_INPUT"]
    assert refused["errors"][0]["message"].startswith("`orderBy` names NAME more than once")
