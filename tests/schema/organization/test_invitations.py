"""Invitations through the API, as a frontend drives them: invite, accept or decline."""

import re
import time
from datetime import timedelta
from urllib.parse import unquote

import pytest
from django.core import mail
from django.utils import timezone
from graphql_relay import to_global_id

from accounts.models import User
from organization.models import Invitation, Membership
from organization.services import invitation_create
from tests.conftest import PASSWORD, error_codes
from tests.schema.accounts.conftest import link_token
from tests.schema.accounts.queries import REGISTER, VERIFY_EMAIL

Role = Membership.Role

INVITE = """
mutation Invite($id: ID!, $email: String!, $role: Role! = MEMBER) {
  inviteMember(organizationId: $id, email: $email, role: $role) {
    invitation { email role status organizationName inviterName }
    errors { field code }
  }
}
"""
ACCEPT = """
mutation Accept($by: InvitationLookup!) {
  acceptInvitation(by: $by) { organization { name myRole } errors { field code } }
}
"""
DECLINE = """
mutation Decline($by: InvitationLookup!) {
  declineInvitation(by: $by) { invitation { status } errors { field code } }
}
"""
MY_INVITATIONS = """
query { myInvitations { totalCount edges { node { id organizationName role status } } } }
"""


def organization_id(organization) -> str:
    return to_global_id("Organization", organization.pk)


def invite(owner, organization, email, role=Role.MEMBER) -> str:
    """Invite through the service; the raw token is what the e-mail's link carries."""
    return invitation_create(actor=owner, organization=organization, email=email, role=role).token


def token_from_link(text: str) -> str:
    """The token of the invitation link in an e-mail's text."""
    match = re.search(r"/invitation#token=([A-Za-z0-9_%-]+)", text)
    assert match, text
    return unquote(match.group(1))


def test_an_address_with_no_account_registers_then_accepts_and_is_a_member(
    api, people, acme, django_capture_on_commit_callbacks, settings
):
    # given: the OWNER invites an address nobody has; the e-mail goes out on commit
    api.authenticate(people["owner"])
    with django_capture_on_commit_callbacks(execute=True):
        invited = api.execute(
            INVITE, {"id": organization_id(acme), "email": " Newcomer@Example.com"}
        )
    assert invited["data"]["inviteMember"] == {
        "invitation": {
            "email": "newcomer@example.com",
            "role": "MEMBER",
            "status": "PENDING",
            "organizationName": "Acme",
            "inviterName": "owner",
        },
        "errors": [],
    }
    (message,) = mail.outbox
    assert message.to == ["newcomer@example.com"]
    assert message.subject == "owner invites you to join Acme"
    token = token_from_link(message.body)
    assert token not in str(Invitation.objects.values_list())

    # when: they sign up with that address (register), sign in and verify it with the
    # link of the verification e-mail (verifyEmail), then accept by the invitation
    # link's token
    settings.SIGN_UP_ENABLED = True
    api.token = None
    with django_capture_on_commit_callbacks(execute=True):
        registered = api.execute(
            REGISTER,
            {"email": "newcomer@example.com", "username": "newcomer", "password": PASSWORD},
        )
    assert registered["data"]["register"] == {"accepted": True, "errors": []}
    verification = mail.outbox[-1]
    assert verification.to == ["newcomer@example.com"]
    newcomer = User.objects.get(username="newcomer")
    api.authenticate(newcomer)
    verified = api.execute(VERIFY_EMAIL, {"token": link_token(verification.body)})
    assert verified["data"]["verifyEmail"] == {"verified": True, "errors": []}
    result = api.execute(ACCEPT, {"by": {"token": token}})

    # then
    assert result["data"]["acceptInvitation"] == {
        "organization": {"name": "Acme", "myRole": "MEMBER"},
        "errors": [],
    }
    assert Membership.objects.get(user=newcomer, organization=acme).role == Role.MEMBER
    assert Invitation.objects.get().status == Invitation.Status.ACCEPTED


def test_the_invitation_email_goes_through_the_worker_and_smtp(
    api, people, acme, smtp_server, start_mail_worker
):
    # given: the real queue (database backend, a db_worker process) and an SMTP server
    start_mail_worker(smtp_server)
    api.authenticate(people["owner"])

    # when
    api.execute(INVITE, {"id": organization_id(acme), "email": "outsider@example.com"})

    # then: text and HTML parts, both with the link; the link's token is accepted
    (message,) = smtp_server.wait_for_messages(1)
    assert message["To"] == "outsider@example.com"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    token = token_from_link(text)
    assert token_from_link(html) == token
    api.authenticate(people["outsider"])
    accepted = api.execute(ACCEPT, {"by": {"token": token}})
    assert accepted["data"]["acceptInvitation"]["errors"] == []


def invite_again_for_its_token(owner, organization, invitation) -> str:
    """A fresh token for `invitation` (the e-mail holds the first), as resending does."""
    from organization.services import invitation_resend

    Invitation.objects.filter(pk=invitation.pk).update(sent_at=timezone.now() - timedelta(hours=1))
    return invitation_resend(actor=owner, invitation=invitation).token


def test_an_existing_user_sees_the_invitation_and_declines_it(api, people, acme):
    # given
    invite(people["owner"], acme, "OUTSIDER@example.com", role=Role.ADMIN)
    api.authenticate(people["outsider"])

    # when
    mine = api.execute(MY_INVITATIONS)["data"]["myInvitations"]
    node = mine["edges"][0]["node"]
    declined = api.execute(DECLINE, {"by": {"id": node["id"]}})
    again = api.execute(MY_INVITATIONS)["data"]["myInvitations"]

    # then
    assert mine["totalCount"] == 1
    assert node["organizationName"] == "Acme"
    assert (node["role"], node["status"]) == ("ADMIN", "PENDING")
    assert declined["data"]["declineInvitation"] == {
        "invitation": {"status": "DECLINED"},
        "errors": [],
    }
    assert again == {"totalCount": 0, "edges": []}
    assert not Membership.objects.filter(user=people["outsider"]).exists()


@pytest.mark.parametrize(
    ("make_stale", "code"),
    [
        (
            lambda invitation: Invitation.objects.filter(pk=invitation.pk).update(
                expires_at=timezone.now() - timedelta(seconds=1)
            ),
            "INVITATION_EXPIRED",
        ),
        (
            lambda invitation: Invitation.objects.filter(pk=invitation.pk).update(
                status=Invitation.Status.REVOKED
            ),
            "INVITATION_REVOKED",
        ),
        (
            lambda invitation: Invitation.objects.filter(pk=invitation.pk).update(
                status=Invitation.Status.DECLINED
            ),
            "INVITATION_DECLINED",
        ),
    ],
    ids=["expired", "revoked", "declined"],
)
def test_a_stale_invitation_is_refused(api, people, acme, make_stale, code):
    # given
    token = invite(people["owner"], acme, "outsider@example.com")
    make_stale(Invitation.objects.get())
    api.authenticate(people["outsider"])

    # when
    result = api.execute(ACCEPT, {"by": {"token": token}})

    # then
    assert result["data"]["acceptInvitation"] == {
        "organization": None,
        "errors": [{"field": None, "code": code}],
    }
    assert not Membership.objects.filter(user=people["outsider"]).exists()


def test_revoke_through_the_api_kills_the_link(api, people, acme):
    # given
    token = invite(people["owner"], acme, "outsider@example.com")
    invitation_id = to_global_id("Invitation", Invitation.objects.get().pk)
    api.authenticate(people["admin"])

    # when
    revoked = api.execute(
        "mutation($id: ID!) { revokeInvitation(id: $id) "
        "{ invitation { status } errors { code } } }",
        {"id": invitation_id},
    )
    api.authenticate(people["outsider"])
    accepted = api.execute(ACCEPT, {"by": {"token": token}})

    # then
    assert revoked["data"]["revokeInvitation"] == {
        "invitation": {"status": "REVOKED"},
        "errors": [],
    }
    assert accepted["data"]["acceptInvitation"]["errors"] == [
        {"field": None, "code": "INVITATION_REVOKED"}
    ]


def test_resending_issues_a_new_token_and_the_old_one_dies(api, people, acme, settings):
    # given
    settings.INVITATION_RESEND_INTERVAL_SECONDS = 0
    old_token = invite(people["owner"], acme, "outsider@example.com")
    new_token = invite_again_for_its_token(people["owner"], acme, Invitation.objects.get())
    api.authenticate(people["outsider"])

    # when
    with_old = api.execute(ACCEPT, {"by": {"token": old_token}})
    with_new = api.execute(ACCEPT, {"by": {"token": new_token}})

    # then
    assert error_codes(with_old) == ["NOT_FOUND"]
    assert with_new["data"]["acceptInvitation"]["errors"] == []


def test_a_token_for_another_address_is_email_mismatch(api, people, acme):
    # given
    token = invite(people["owner"], acme, "someone-else@example.com")
    api.authenticate(people["outsider"])

    # when
    result = api.execute(ACCEPT, {"by": {"token": token}})

    # then
    assert result["data"]["acceptInvitation"]["errors"] == [
        {"field": None, "code": "EMAIL_MISMATCH"}
    ]
    assert Invitation.objects.get().status == Invitation.Status.PENDING


def test_an_unverified_address_cannot_accept(api, people, acme):
    # given
    token = invite(people["owner"], acme, "outsider@example.com")
    User.objects.filter(pk=people["outsider"].pk).update(email_verified=False)
    api.authenticate(people["outsider"])

    # when
    result = api.execute(ACCEPT, {"by": {"token": token}})
    mine = api.execute(MY_INVITATIONS)

    # then
    assert result["data"]["acceptInvitation"]["errors"] == [
        {"field": None, "code": "EMAIL_NOT_VERIFIED"}
    ]
    assert mine["data"]["myInvitations"]["totalCount"] == 0


@pytest.mark.parametrize(
    ("email", "code"),
    [
        ("member@example.com", "ALREADY_MEMBER"),
        ("pending@example.com", "ALREADY_INVITED"),
        ("not-an-address", "INVALID"),
        ("a" * 250 + "@example.com", "MAX_LENGTH"),
    ],
)
def test_invite_field_errors(api, people, acme, email, code):
    # given
    invite(people["owner"], acme, "pending@example.com")
    api.authenticate(people["admin"])

    # when
    result = api.execute(INVITE, {"id": organization_id(acme), "email": email})

    # then
    assert result["data"]["inviteMember"] == {
        "invitation": None,
        "errors": [{"field": "email", "code": code}],
    }


def test_the_answer_is_the_same_whether_or_not_an_account_has_the_address(api, people, acme):
    # given
    api.authenticate(people["owner"])

    # when
    known = api.execute(INVITE, {"id": organization_id(acme), "email": "outsider@example.com"})
    unknown = api.execute(INVITE, {"id": organization_id(acme), "email": "nobody@example.com"})

    # then: only the address differs
    known_invitation = known["data"]["inviteMember"]["invitation"]
    unknown_invitation = unknown["data"]["inviteMember"]["invitation"]
    assert {**known_invitation, "email": None} == {**unknown_invitation, "email": None}
    assert known["data"]["inviteMember"]["errors"] == unknown["data"]["inviteMember"]["errors"]


def test_an_expired_invitation_can_be_issued_anew(api, people, acme):
    # given
    invite(people["owner"], acme, "outsider@example.com")
    Invitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    api.authenticate(people["owner"])

    # when
    result = api.execute(INVITE, {"id": organization_id(acme), "email": "outsider@example.com"})

    # then
    assert result["data"]["inviteMember"]["invitation"]["status"] == "PENDING"
    assert Invitation.objects.count() == 1


INVITATIONS = """
query($id: ID!, $status: InvitationStatus, $first: Int, $after: String) {
  organization(by: {id: $id}) {
    invitations(status: $status, first: $first, after: $after) {
      totalCount
      edges { node { email status } }
      pageInfo { hasNextPage endCursor }
    }
  }
}
"""


def test_invitations_are_filtered_by_status_and_paged_newest_first(api, people, acme):
    # given: three pending, one of them then expired, one revoked
    for number in range(4):
        invite(people["owner"], acme, f"guest{number}@example.com")
    Invitation.objects.filter(email="guest0@example.com").update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    Invitation.objects.filter(email="guest1@example.com").update(status="REVOKED")
    api.authenticate(people["admin"])
    variables = {"id": organization_id(acme)}

    # when
    pending = api.execute(INVITATIONS, {**variables, "status": "PENDING", "first": 1})
    invitations = pending["data"]["organization"]["invitations"]
    rest = api.execute(
        INVITATIONS,
        {**variables, "status": "PENDING", "after": invitations["pageInfo"]["endCursor"]},
    )
    expired = api.execute(INVITATIONS, {**variables, "status": "EXPIRED"})

    # then
    assert invitations["totalCount"] == 2
    assert invitations["edges"] == [{"node": {"email": "guest3@example.com", "status": "PENDING"}}]
    assert invitations["pageInfo"]["hasNextPage"] is True
    assert rest["data"]["organization"]["invitations"]["edges"] == [
        {"node": {"email": "guest2@example.com", "status": "PENDING"}}
    ]
    assert expired["data"]["organization"]["invitations"]["edges"] == [
        {"node": {"email": "guest0@example.com", "status": "EXPIRED"}}
    ]


def test_an_invitations_cursor_pages_its_own_organization_only(
    api, people, acme, make_organization
):
    # given: two organizations the admin manages, each with invitations, and a cursor of
    # each list: acme's, and the admin's own `myInvitations`
    beta = make_organization(people["admin"], name="Beta")
    for number in range(2):
        invite(people["owner"], acme, f"guest{number}@example.com")
        invite(people["admin"], beta, f"guest{number}@example.com")
    invite(people["owner"], make_organization(people["owner"], name="Gamma"), "admin@example.com")
    api.authenticate(people["admin"])
    page = api.execute(INVITATIONS, {"id": organization_id(acme), "first": 1})
    acme_cursor = page["data"]["organization"]["invitations"]["pageInfo"]["endCursor"]
    mine = api.execute("{ myInvitations { pageInfo { endCursor } } }")
    my_cursor = mine["data"]["myInvitations"]["pageInfo"]["endCursor"]

    # when
    own = api.execute(INVITATIONS, {"id": organization_id(acme), "after": acme_cursor})
    foreign = api.execute(INVITATIONS, {"id": organization_id(beta), "after": acme_cursor})
    other_list = api.execute(INVITATIONS, {"id": organization_id(acme), "after": my_cursor})

    # then
    assert "errors" not in own
    assert len(own["data"]["organization"]["invitations"]["edges"]) == 1
    assert error_codes(foreign) == ["BAD_USER_INPUT"]
    assert foreign["errors"][0]["message"].startswith(
        "`after` was made for another organization's list"
    )
    assert foreign["data"]["organization"]["invitations"] is None
    assert error_codes(other_list) == ["BAD_USER_INPUT"]
    assert "from another list" in other_list["errors"][0]["message"]


# --- Throttling ------------------------------------------------------------------


def test_invitations_per_inviter_are_limited(api, people, acme, settings):
    # given
    settings.INVITATIONS_PER_INVITER_PER_HOUR = 2
    api.authenticate(people["admin"])

    # when
    results = [
        api.execute(INVITE, {"id": organization_id(acme), "email": f"guest{n}@example.com"})
        for n in range(3)
    ]

    # then
    assert [error_codes(result) for result in results] == [[], [], ["RATE_LIMITED"]]
    assert results[2]["errors"][0]["extensions"]["retryAfter"] > 0
    assert Invitation.objects.count() == 2


def test_mails_from_one_inviter_to_one_address_are_limited_per_day(
    api, people, acme, make_organization, settings
):
    # given: a budget of 2 mails a day from one inviter to one address, and a
    # second organization the same OWNER runs
    settings.INVITATIONS_PER_ADDRESS_PER_INVITER_PER_DAY = 2
    settings.INVITATION_RESEND_INTERVAL_SECONDS = 0
    # Three an hour: the refused mail must not spend one of them.
    settings.INVITATIONS_PER_INVITER_PER_HOUR = 3
    globex = make_organization(people["owner"], name="Globex")
    api.authenticate(people["owner"])
    invite_acme = {"id": organization_id(acme), "email": "target@example.com"}

    # when: an invitation, a resend of it, then an invitation from the other
    # organization to the same mailbox (a +tag reaches it too), then another address
    invited = api.execute(INVITE, invite_acme)
    resent = api.execute(
        "mutation($id: ID!) { resendInvitation(id: $id) { errors { code } } }",
        {"id": to_global_id("Invitation", Invitation.objects.get().pk)},
    )
    third = api.execute(
        INVITE, {"id": organization_id(globex), "email": "Target+again@Example.com"}
    )
    other_address = api.execute(INVITE, {"id": organization_id(globex), "email": "x@example.com"})

    # then: the third mail to the mailbox is refused, with nothing written;
    # other addresses are still open to the inviter, within the hourly budget
    assert error_codes(invited) == []
    assert resent["data"]["resendInvitation"]["errors"] == []
    assert error_codes(third) == ["RATE_LIMITED"]
    # The budget is a fixed window, the UTC day: it reopens at the next midnight
    # (a bound like "> 3600" would fail from 23:00 UTC on).
    until_midnight = 86400 - time.time() % 86400
    assert abs(third["errors"][0]["extensions"]["retryAfter"] - until_midnight) <= 5
    assert "this address" in third["errors"][0]["message"]
    assert not Invitation.objects.filter(organization=globex).exclude(email="x@example.com")
    assert error_codes(other_address) == []


def test_one_inviters_budget_for_an_address_does_not_bind_another_inviter(
    api, people, acme, settings
):
    # given: the OWNER has spent the day's budget for an address
    settings.INVITATIONS_PER_ADDRESS_PER_INVITER_PER_DAY = 1
    invite(people["owner"], acme, "target@example.com")
    Invitation.objects.all().delete()

    # when: an ADMIN of the same organization invites the address
    api.authenticate(people["admin"])
    result = api.execute(INVITE, {"id": organization_id(acme), "email": "target@example.com"})

    # then
    assert error_codes(result) == []
    assert Invitation.objects.get().invited_by == people["admin"]


def test_resending_too_soon_is_rate_limited(api, people, acme, settings):
    # given
    settings.INVITATION_RESEND_INTERVAL_SECONDS = 60
    invite(people["owner"], acme, "outsider@example.com")
    api.authenticate(people["owner"])

    # when
    result = api.execute(
        "mutation($id: ID!) { resendInvitation(id: $id) { errors { code } } }",
        {"id": to_global_id("Invitation", Invitation.objects.get().pk)},
    )

    # then
    assert error_codes(result) == ["RATE_LIMITED"]


def test_tries_of_tokens_are_limited_per_user(api, people, settings):
    # given
    settings.INVITATION_TOKEN_ATTEMPTS_PER_HOUR = 2
    api.authenticate(people["outsider"])

    # when
    results = [api.execute(ACCEPT, {"by": {"token": f"guess-{n}"}}) for n in range(3)]

    # then
    assert [error_codes(result) for result in results] == [
        ["NOT_FOUND"],
        ["NOT_FOUND"],
        ["RATE_LIMITED"],
    ]


def test_a_lookup_with_both_id_and_token_is_refused(api, people):
    # given
    api.authenticate(people["outsider"])

    # when
    result = api.execute(ACCEPT, {"by": {"token": "x", "id": "y"}})

    # then
    assert error_codes(result) == ["BAD_USER_INPUT"]
