import pytest
from graphql_relay import to_global_id

from organization.models import Membership, Organization
from tests.conftest import error_codes

Role = Membership.Role

CREATE = """
mutation Create($name: String!, $slug: String, $description: String, $contactEmail: String,
                $website: String) {
  createOrganization(name: $name, slug: $slug, description: $description,
                     contactEmail: $contactEmail, website: $website) {
    organization { id name slug description contactEmail website isActive myRole
                   createdBy { username } members { totalCount } }
    errors { field code messages }
  }
}
"""

UPDATE = """
mutation Update($id: ID!, $name: String, $description: String, $website: String,
                $isActive: Boolean, $slug: String) {
  updateOrganization(id: $id, name: $name, description: $description, website: $website,
                     isActive: $isActive, slug: $slug) {
    organization { name slug description website isActive }
    errors { field code messages }
  }
}
"""


def test_create_organization(api, make_user):
    # given
    api.authenticate(make_user("alice"))

    # when
    result = api.execute(
        CREATE,
        {
            "name": "Acme Corp",
            "description": "Anvils",
            "contactEmail": "hello@acme.example",
            "website": "https://acme.example",
        },
    )

    # then
    payload = result["data"]["createOrganization"]
    assert payload["errors"] == []
    organization = payload["organization"]
    assert organization["slug"] == "acme-corp"
    assert organization["myRole"] == "OWNER"
    assert organization["createdBy"] == {"username": "alice"}
    assert organization["members"] == {"totalCount": 1}
    assert organization["isActive"] is True


@pytest.mark.parametrize(
    ("variables", "field", "code"),
    [
        ({"name": ""}, "name", "BLANK"),
        ({"name": "x" * 201}, "name", "MAX_LENGTH"),
        ({"name": "Ok", "contactEmail": "nope"}, "contactEmail", "INVALID"),
        ({"name": "Ok", "website": "ftp//broken"}, "website", "INVALID"),
        ({"name": "Ok", "slug": "Not A Slug"}, "slug", "INVALID"),
    ],
)
def test_create_organization_refuses_invalid_input(api, make_user, variables, field, code):
    # given
    api.authenticate(make_user("alice"))

    # when
    result = api.execute(CREATE, variables)

    # then
    assert "errors" not in result
    payload = result["data"]["createOrganization"]
    assert payload["organization"] is None
    assert len(payload["errors"]) == 1
    assert (payload["errors"][0]["field"], payload["errors"][0]["code"]) == (field, code)
    assert payload["errors"][0]["messages"]
    assert not Organization.objects.exists()


def test_create_organization_with_a_taken_slug(api, make_user, make_organization):
    # given
    alice = make_user("alice")
    make_organization(alice, name="Acme", slug="acme")
    api.authenticate(alice)

    # when
    result = api.execute(CREATE, {"name": "Other", "slug": "acme"})

    # then
    errors = result["data"]["createOrganization"]["errors"]
    assert [(e["field"], e["code"]) for e in errors] == [("slug", "UNIQUE")]
    assert Organization.objects.count() == 1


def test_update_is_partial_and_null_clears_optional_text(api, make_user, make_organization):
    # given
    alice = make_user("alice")
    organization = make_organization(alice, description="Old", website="https://old.example")
    api.authenticate(alice)
    global_id = to_global_id("Organization", organization.pk)

    # when
    renamed = api.execute(UPDATE, {"id": global_id, "name": "New name"})
    cleared = api.execute(UPDATE, {"id": global_id, "website": None, "isActive": False})

    # then
    assert renamed["data"]["updateOrganization"]["organization"] == {
        "name": "New name",
        "slug": "acme",
        "description": "Old",
        "website": "https://old.example",
        "isActive": True,
    }
    assert cleared["data"]["updateOrganization"]["organization"]["website"] == ""
    assert cleared["data"]["updateOrganization"]["organization"]["isActive"] is False
    assert cleared["data"]["updateOrganization"]["organization"]["description"] == "Old"


@pytest.mark.parametrize(
    ("variables", "field", "code"),
    [
        ({"name": None}, "name", "NULL"),
        ({"name": "  "}, "name", "BLANK"),
        ({"slug": "other"}, "slug", "UNIQUE"),
        ({"website": "not a url"}, "website", "INVALID"),
    ],
)
def test_update_refuses_invalid_input_and_changes_nothing(
    api, make_user, make_organization, variables, field, code
):
    # given
    alice = make_user("alice")
    organization = make_organization(alice, description="Keep")
    make_organization(alice, name="Other")
    api.authenticate(alice)

    # when
    result = api.execute(UPDATE, {"id": to_global_id("Organization", organization.pk), **variables})

    # then
    payload = result["data"]["updateOrganization"]
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [(field, code)]
    assert payload["organization"] is None
    organization.refresh_from_db()
    assert (organization.name, organization.slug, organization.description) == (
        "Acme",
        "acme",
        "Keep",
    )


def test_delete_organization(api, make_user, make_organization):
    # given
    alice = make_user("alice")
    organization = make_organization(alice)
    api.authenticate(alice)
    global_id = to_global_id("Organization", organization.pk)

    # when
    result = api.execute(
        "mutation($id: ID!) { deleteOrganization(id: $id) { deletedId errors { code } } }",
        {"id": global_id},
    )

    # then
    assert result["data"]["deleteOrganization"] == {"deletedId": global_id, "errors": []}
    assert not Organization.objects.exists()


ADD_BOB = """
mutation Add($id: ID!) {
  add: addMember(organizationId: $id, username: "bob", role: ADMIN) {
    membership { role user { username } } errors { field code }
  }
}
"""

MEMBERS = """
mutation Members($id: ID!) {
  change: changeMemberRole(organizationId: $id, username: "bob", role: MEMBER) {
    membership { role } errors { field code }
  }
  remove: removeMember(organizationId: $id, username: "bob") {
    organization { members { totalCount } } errors { field code }
  }
}
"""


def test_add_change_and_remove_a_member(api, make_user, make_organization):
    # given
    alice = make_user("alice")
    make_user("bob")
    organization = make_organization(alice)
    variables = {"id": to_global_id("Organization", organization.pk)}

    # when: staff add (the support path), the OWNER changes and removes
    api.authenticate(make_user("staff", is_staff=True))
    added = api.execute(ADD_BOB, variables)
    api.authenticate(alice)
    result = api.execute(MEMBERS, variables)

    # then
    data = result["data"]
    assert added["data"]["add"] == {
        "membership": {"role": "ADMIN", "user": {"username": "bob"}},
        "errors": [],
    }
    assert data["change"] == {"membership": {"role": "MEMBER"}, "errors": []}
    assert data["remove"] == {"organization": {"members": {"totalCount": 1}}, "errors": []}


@pytest.mark.parametrize(
    ("username", "code"), [("ghost", "NOT_FOUND"), ("alice", "ALREADY_MEMBER")]
)
def test_add_member_field_errors(api, make_user, make_organization, username, code):
    # given
    alice = make_user("alice")
    organization = make_organization(alice)
    api.authenticate(make_user("staff", is_staff=True))

    # when
    result = api.execute(
        "mutation($id: ID!, $u: String!) { addMember(organizationId: $id, username: $u) "
        "{ membership { role } errors { field code } } }",
        {"id": to_global_id("Organization", organization.pk), "u": username},
    )

    # then
    assert result["data"]["addMember"] == {
        "membership": None,
        "errors": [{"field": "username", "code": code}],
    }


def test_change_role_of_a_non_member_is_a_field_error(api, make_user, make_organization):
    # given
    alice = make_user("alice")
    make_user("bob")
    organization = make_organization(alice)
    api.authenticate(alice)

    # when
    result = api.execute(
        'mutation($id: ID!) { changeMemberRole(organizationId: $id, username: "bob", '
        "role: ADMIN) { errors { field code } } }",
        {"id": to_global_id("Organization", organization.pk)},
    )

    # then
    assert result["data"]["changeMemberRole"]["errors"] == [
        {"field": "username", "code": "NOT_MEMBER"}
    ]


def test_leave_organization(api, make_user, make_organization):
    # given
    bob = make_user("bob")
    organization = make_organization(make_user("alice"), members={bob: Role.MEMBER})
    api.authenticate(bob)
    global_id = to_global_id("Organization", organization.pk)

    # when
    result = api.execute(
        "mutation($id: ID!) { leaveOrganization(organizationId: $id) { leftId errors { code } } }",
        {"id": global_id},
    )

    # then
    assert result["data"]["leaveOrganization"] == {"leftId": global_id, "errors": []}
    assert not Membership.objects.filter(user=bob).exists()


def test_mutation_with_an_id_of_another_type_is_not_found(api, make_user):
    # given
    api.authenticate(make_user("alice"))

    # when
    result = api.execute(
        "mutation($id: ID!) { deleteOrganization(id: $id) { errors { code } } }",
        {"id": to_global_id("Membership", 1)},
    )

    # then
    assert error_codes(result) == ["NOT_FOUND"]


def test_add_member_with_null_role_is_a_validation_error(api, make_user, make_organization):
    # given
    alice = make_user("alice")
    make_user("bob")
    organization = make_organization(alice)
    api.authenticate(alice)

    # when
    result = api.execute(
        'mutation($id: ID!) { addMember(organizationId: $id, username: "bob", role: null) '
        "{ errors { code } } }",
        {"id": to_global_id("Organization", organization.pk)},
    )

    # then
    assert error_codes(result) == ["GRAPHQL_VALIDATION_FAILED"]
    assert Membership.objects.count() == 1


def test_removing_yourself_succeeds_with_a_null_organization(api, make_user, make_organization):
    # given: two owners; alice removes herself
    alice = make_user("alice")
    bob = make_user("bob")
    organization = make_organization(alice, members={bob: Role.OWNER})
    api.authenticate(alice)

    # when
    result = api.execute(
        'mutation($id: ID!) { removeMember(organizationId: $id, username: "alice") '
        "{ organization { name } errors { code } } }",
        {"id": to_global_id("Organization", organization.pk)},
    )

    # then
    assert result == {"data": {"removeMember": {"organization": None, "errors": []}}}
    assert list(Membership.objects.values_list("user__username", flat=True)) == ["bob"]


@pytest.mark.parametrize("pk", ["¹", "٣", "01", "-1", "1.0"])
def test_ids_with_odd_digits_are_not_found(api, make_user, make_organization, pk):
    # given
    alice = make_user("alice")
    make_organization(alice)
    api.authenticate(alice)

    # when
    result = api.execute(
        "mutation($id: ID!) { deleteOrganization(id: $id) { deletedId } }",
        {"id": to_global_id("Organization", pk)},
    )

    # then
    assert error_codes(result) == ["NOT_FOUND"]
    assert Organization.objects.count() == 1
