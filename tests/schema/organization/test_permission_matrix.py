"""Every role against every query and mutation: the expected outcome and error code.

Outcomes: "ok" (data, no errors of any kind), a top-level error code, or
"field:<CODE>" for an error in the payload's `errors`.
"""

import pytest
from graphql_relay import to_global_id

from organization.services import invitation_create
from tests.conftest import error_codes

ROLES = ("anonymous", "outsider", "member", "admin", "owner", "staff")

OPERATIONS = {
    "organization": ("query($id: ID!) { result: organization(id: $id) { name } }"),
    "organizations": ("query { result: organizations { totalCount edges { node { name } } } }"),
    "node": ("query($id: ID!) { result: node(id: $id) { ... on Organization { name } } }"),
    "createOrganization": (
        'mutation { result: createOrganization(name: "New") { errors { field code } } }'
    ),
    "updateOrganization": (
        'mutation($id: ID!) { result: updateOrganization(id: $id, name: "Renamed") '
        "{ errors { field code } } }"
    ),
    "deleteOrganization": (
        "mutation($id: ID!) { result: deleteOrganization(id: $id) { errors { field code } } }"
    ),
    "addMember": (
        'mutation($id: ID!) { result: addMember(organizationId: $id, username: "newbie") '
        "{ errors { field code } } }"
    ),
    "addMember as OWNER": (
        "mutation($id: ID!) { result: addMember(organizationId: $id, username: "
        '"newbie", role: OWNER) { errors { field code } } }'
    ),
    "changeMemberRole": (
        "mutation($id: ID!) { result: changeMemberRole(organizationId: $id, username: "
        '"member", role: ADMIN) { errors { field code } } }'
    ),
    "changeMemberRole to OWNER": (
        "mutation($id: ID!) { result: changeMemberRole(organizationId: $id, username: "
        '"member", role: OWNER) { errors { field code } } }'
    ),
    "removeMember": (
        'mutation($id: ID!) { result: removeMember(organizationId: $id, username: "member") '
        "{ errors { field code } } }"
    ),
    "leaveOrganization": (
        "mutation($id: ID!) { result: leaveOrganization(organizationId: $id) "
        "{ errors { field code } } }"
    ),
    "transferOwnership": (
        "mutation($id: ID!) { result: transferOwnership(organizationId: $id, username: "
        '"member") { errors { field code } } }'
    ),
    "inviteMember": (
        "mutation($id: ID!) { result: inviteMember(organizationId: $id, email: "
        '"new@example.com") { errors { field code } } }'
    ),
    "inviteMember as OWNER": (
        "mutation($id: ID!) { result: inviteMember(organizationId: $id, email: "
        '"new@example.com", role: OWNER) { errors { field code } } }'
    ),
    "Organization.invitations": (
        "query($id: ID!) { result: organization(id: $id) { invitations { totalCount } } }"
    ),
    "myInvitations": "query { result: myInvitations { totalCount } }",
    "Organization.auditEvents": (
        "query($id: ID!) { result: organization(id: $id) { auditEvents { totalCount } } }"
    ),
    "me.securityEvents": "query { result: me { securityEvents { totalCount } } }",
    "revokeInvitation": (
        "mutation($invitation: ID!) { result: revokeInvitation(id: $invitation) "
        "{ errors { field code } } }"
    ),
    "resendInvitation": (
        "mutation($invitation: ID!) { result: resendInvitation(id: $invitation) "
        "{ errors { field code } } }"
    ),
    "acceptInvitation by id": (
        "mutation($invitation: ID!) { result: acceptInvitation(by: {id: $invitation}) "
        "{ errors { field code } } }"
    ),
    "acceptInvitation by token": (
        "mutation($token: String!) { result: acceptInvitation(by: {token: $token}) "
        "{ errors { field code } } }"
    ),
    "declineInvitation by token": (
        "mutation($token: String!) { result: declineInvitation(by: {token: $token}) "
        "{ errors { field code } } }"
    ),
    # Sessions are the caller's own, whatever their role (revokeSession and
    # node(id:) of a Session: tests/schema/accounts/test_session_permissions.py).
    "mySessions": "query { result: mySessions { id current } }",
    "register": (
        'mutation { result: register(email: "new@example.com", username: "newcomer", '
        'password: "a-long-passphrase") { errors { field code } } }'
    ),
    "verifyEmail": ('mutation { result: verifyEmail(token: "forged") { errors { field code } } }'),
    "resendVerificationEmail": (
        'mutation { result: resendVerificationEmail(email: "new@example.com") '
        "{ errors { field code } } }"
    ),
    "requestPasswordReset": (
        'mutation { result: requestPasswordReset(email: "owner@example.com") '
        "{ errors { field code } } }"
    ),
    "resetPassword": (
        'mutation { result: resetPassword(token: "forged", newPassword: "a-long-passphrase") '
        "{ errors { field code } } }"
    ),
}

U, NF, F = "UNAUTHENTICATED", "NOT_FOUND", "FORBIDDEN"
MISMATCH = "field:EMAIL_MISMATCH"
#                             anonymous outsider member admin owner staff
EXPECTED = {
    "organization": (U, NF, "ok", "ok", "ok", "ok"),
    "organizations": (U, "ok", "ok", "ok", "ok", "ok"),
    "node": (U, NF, "ok", "ok", "ok", "ok"),
    "createOrganization": (U, "ok", "ok", "ok", "ok", "ok"),
    "updateOrganization": (U, NF, F, "ok", "ok", F),
    "deleteOrganization": (U, NF, F, F, "ok", F),
    # Staff only: membership needs consent (invitations); staff keep a support path.
    "addMember": (U, NF, F, F, F, "ok"),
    "addMember as OWNER": (U, NF, F, F, F, "ok"),
    "changeMemberRole": (U, NF, F, "ok", "ok", F),
    "changeMemberRole to OWNER": (U, NF, F, F, "ok", F),
    "removeMember": (U, NF, F, "ok", "ok", F),
    "leaveOrganization": (U, NF, "ok", "ok", "field:LAST_OWNER", "field:NOT_MEMBER"),
    "transferOwnership": (U, NF, F, F, "ok", F),
    "inviteMember": (U, NF, F, "ok", "ok", F),
    "inviteMember as OWNER": (U, NF, F, F, "ok", F),
    # The field fails, so `organization` (nullable) is null: the error is what counts.
    "Organization.invitations": (U, NF, F, "ok", "ok", "ok"),
    "myInvitations": (U, "ok", "ok", "ok", "ok", "ok"),
    # Like `invitations`: the organization's managers and staff; a member is FORBIDDEN.
    "Organization.auditEvents": (U, NF, F, "ok", "ok", "ok"),
    # Every signed-in user reads their own (nobody else's: tests/schema/accounts/test_audit.py).
    "me.securityEvents": (U, "ok", "ok", "ok", "ok", "ok"),
    # The invitation (to the outsider's address) is the managers', staff's and the invitee's.
    "revokeInvitation": (U, F, NF, "ok", "ok", F),
    "resendInvitation": (U, F, NF, "ok", "ok", F),
    "acceptInvitation by id": (U, "ok", NF, MISMATCH, MISMATCH, MISMATCH),
    "acceptInvitation by token": (U, "ok", MISMATCH, MISMATCH, MISMATCH, MISMATCH),
    "declineInvitation by token": (U, "ok", MISMATCH, MISMATCH, MISMATCH, MISMATCH),
    "mySessions": (U, "ok", "ok", "ok", "ok", "ok"),
    # The link's token and a sign-in (the password) together: nobody but its user.
    "verifyEmail": (U,) + ("field:TOKEN_INVALID",) * 5,
    # Anyone may call these (a link opens on any device); the token is the permission.
    "register": ("ok",) * 6,
    "resendVerificationEmail": ("ok",) * 6,
    "requestPasswordReset": ("ok",) * 6,
    "resetPassword": ("field:TOKEN_INVALID",) * 6,
}

CASES = [
    pytest.param(operation, role, expected, id=f"{operation}-{role}")
    for operation, outcomes in EXPECTED.items()
    for role, expected in zip(ROLES, outcomes, strict=True)
]


def outcome(result: dict) -> str:
    if "errors" in result:
        codes = error_codes(result)
        assert len(codes) == 1, result
        return codes[0]
    payload = result["data"]["result"]
    assert payload is not None, result
    field_errors = payload.get("errors") if isinstance(payload, dict) else None
    if field_errors:
        assert len(field_errors) == 1, result
        return f"field:{field_errors[0]['code']}"
    return "ok"


@pytest.mark.parametrize(("operation", "role", "expected"), CASES)
def test_permission_matrix(api, acme, people, make_user, operation, role, expected, settings):
    # given: sign-up on; an invitation to the outsider's (verified) address, sent a while ago
    settings.SIGN_UP_ENABLED = True
    settings.INVITATION_RESEND_INTERVAL_SECONDS = 0
    make_user("newbie")
    issued = invitation_create(
        actor=people["owner"], organization=acme, email=people["outsider"].email
    )
    if role != "anonymous":
        api.authenticate(people[role])
    query = OPERATIONS[operation]
    variables = {
        name: value
        for name, value in (
            ("id", to_global_id("Organization", acme.pk)),
            ("invitation", to_global_id("Invitation", issued.invitation.pk)),
            ("token", issued.token),
        )
        if f"${name}" in query
    }

    # when
    result = api.execute(query, variables)

    # then
    assert outcome(result) == expected


def test_outsider_sees_an_empty_list_and_members_see_theirs(api, acme, people):
    # given
    query = OPERATIONS["organizations"]

    # when
    api.authenticate(people["outsider"])
    outsider = api.execute(query)
    api.authenticate(people["member"])
    member = api.execute(query)

    # then
    assert outsider["data"]["result"]["totalCount"] == 0
    assert member["data"]["result"]["edges"] == [{"node": {"name": "Acme"}}]


def test_an_unverified_user_cannot_create_an_organization(api, people):
    # given
    people["outsider"].email_verified = False
    people["outsider"].save()
    api.authenticate(people["outsider"])

    # when
    result = api.execute(OPERATIONS["createOrganization"])

    # then
    assert outcome(result) == "field:EMAIL_NOT_VERIFIED"
