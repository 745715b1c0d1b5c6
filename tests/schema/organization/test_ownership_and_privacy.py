"""Ownership moves by consent and by transfer; a user's personal fields stay theirs."""

from graphql_relay import to_global_id

from organization.models import Membership

Role = Membership.Role

TRANSFER = """
mutation($id: ID!, $username: String!) {
  transferOwnership(organizationId: $id, username: $username) {
    organization { myRole } errors { field code }
  }
}
"""
LEAVE = """
mutation($id: ID!) { leaveOrganization(organizationId: $id) { leftId errors { code } } }
"""


def test_transfer_ownership_then_the_old_owner_can_leave(api, people, acme):
    # given
    variables = {"id": to_global_id("Organization", acme.pk)}
    api.authenticate(people["owner"])

    # when
    transferred = api.execute(TRANSFER, {**variables, "username": "member"})
    left = api.execute(LEAVE, variables)

    # then
    assert transferred["data"]["transferOwnership"] == {
        "organization": {"myRole": "ADMIN"},
        "errors": [],
    }
    assert left["data"]["leaveOrganization"]["errors"] == []
    assert dict(Membership.objects.values_list("user__username", "role")) == {
        "admin": Role.ADMIN,
        "member": Role.OWNER,
    }


def test_ownership_goes_only_to_a_member(api, people, acme):
    # given: the outsider has an account but never joined
    api.authenticate(people["owner"])
    variables = {"id": to_global_id("Organization", acme.pk)}

    # when
    to_outsider = api.execute(TRANSFER, {**variables, "username": "outsider"})
    to_nobody = api.execute(TRANSFER, {**variables, "username": "nobody"})
    as_owner = api.execute(
        'mutation($id: ID!) { changeMemberRole(organizationId: $id, username: "outsider", '
        "role: OWNER) { errors { field code } } }",
        variables,
    )

    # then: the same answer whether or not the account exists; nobody joined
    expected = [{"field": "username", "code": "NOT_MEMBER"}]
    assert to_outsider["data"]["transferOwnership"]["errors"] == expected
    assert to_nobody["data"]["transferOwnership"]["errors"] == expected
    assert as_owner["data"]["changeMemberRole"]["errors"] == expected
    assert not Membership.objects.filter(user=people["outsider"]).exists()


PRIVATE = """
query($id: ID!) {
  organization(by: {id: $id}) {
    members { edges { node { user { username displayName email firstName lastName dateJoined } } } }
  }
}
"""


def test_a_users_email_is_unreadable_to_a_fellow_member(api, people, acme):
    # given
    api.authenticate(people["member"])

    # when
    result = api.execute(PRIVATE, {"id": to_global_id("Organization", acme.pk)})

    # then: the member reads their own fields, and only the names of the others
    users = {
        edge["node"]["user"]["username"]: edge["node"]["user"]
        for edge in result["data"]["organization"]["members"]["edges"]
    }
    assert users["owner"] == {
        "username": "owner",
        "displayName": "owner",
        "email": None,
        "firstName": None,
        "lastName": None,
        "dateJoined": None,
    }
    assert users["member"]["email"] == "member@example.com"
    assert users["member"]["dateJoined"] is not None


def test_staff_read_every_users_email(api, people, acme):
    # given
    api.authenticate(people["staff"])

    # when
    result = api.execute(PRIVATE, {"id": to_global_id("Organization", acme.pk)})

    # then
    emails = {
        edge["node"]["user"]["email"] for edge in result["data"]["organization"]["members"]["edges"]
    }
    assert emails == {"owner@example.com", "admin@example.com", "member@example.com"}


def test_a_user_node_hides_the_email_from_a_fellow_member(api, people, acme):
    # given
    api.authenticate(people["admin"])

    # when
    result = api.execute(
        "query($id: ID!) { node(id: $id) { ... on User { username email } } }",
        {"id": to_global_id("User", people["owner"].pk)},
    )

    # then
    assert result["data"]["node"] == {"username": "owner", "email": None}
