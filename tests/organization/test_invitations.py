"""organization.services' invitation rules, called directly."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from organization.models import Invitation, Membership
from organization.selectors import invitation_token_digest
from organization.services import (
    invitation_accept,
    invitation_create,
    invitation_resend,
    invitation_revoke,
)

Role = Membership.Role


@pytest.fixture
def team(make_user, make_organization):
    """Acme: alice OWNER, adam ADMIN; vera has a verified address and no membership."""
    alice = make_user("alice", email="alice@example.com", email_verified=True)
    adam = make_user("adam", email="adam@example.com", email_verified=True)
    vera = make_user("vera", email="Vera@Example.com", email_verified=True)
    organization = make_organization(alice, members={adam: Role.ADMIN})
    return alice, adam, vera, organization


def test_only_the_digest_of_the_token_is_stored(team):
    # given
    alice, _, _, organization = team

    # when
    issued = invitation_create(actor=alice, organization=organization, email="x@example.com")

    # then
    row = Invitation.objects.get()
    assert row.token_hash == invitation_token_digest(issued.token)
    assert issued.token not in {row.token_hash, row.email}


def test_an_admin_cannot_touch_an_invitation_to_become_owner(team, settings):
    # given
    settings.INVITATION_RESEND_INTERVAL_SECONDS = 0
    alice, adam, _, organization = team
    invitation = invitation_create(
        actor=alice, organization=organization, email="boss@example.com", role=Role.OWNER
    ).invitation

    # when / then
    with pytest.raises(PermissionDenied):
        invitation_create(
            actor=adam, organization=organization, email="other@example.com", role=Role.OWNER
        )
    with pytest.raises(PermissionDenied):
        invitation_revoke(actor=adam, invitation=invitation)
    with pytest.raises(PermissionDenied):
        invitation_resend(actor=adam, invitation=invitation)
    assert Invitation.objects.get().status == Invitation.Status.PENDING


def test_the_address_matches_whatever_its_case(team):
    # given: vera's address is stored as "Vera@Example.com"
    alice, _, vera, organization = team
    invitation = invitation_create(
        actor=alice, organization=organization, email="vera@example.COM", role=Role.ADMIN
    ).invitation

    # when
    membership = invitation_accept(user=vera, invitation=invitation)

    # then
    assert (membership.user, membership.role) == (vera, Role.ADMIN)


def test_a_member_accepting_again_is_already_member(team):
    # given: adam is a member; an invitation to his address slipped in before he verified it
    alice, adam, _, organization = team
    adam.email_verified = False
    adam.save(update_fields=["email_verified"])
    invitation = invitation_create(
        actor=alice, organization=organization, email="adam@example.com"
    ).invitation
    adam.email_verified = True
    adam.save(update_fields=["email_verified"])

    # when
    with pytest.raises(ValidationError) as refused:
        invitation_accept(user=adam, invitation=invitation)

    # then
    assert [error.code for error in refused.value.error_list] == ["already_member"]
    assert Invitation.objects.get().status == Invitation.Status.PENDING


def test_a_revoked_invitation_cannot_be_revoked_or_resent(team):
    # given
    alice, _, _, organization = team
    invitation = invitation_create(
        actor=alice, organization=organization, email="x@example.com"
    ).invitation
    invitation_revoke(actor=alice, invitation=invitation)

    # when / then
    for action in (invitation_revoke, invitation_resend):
        with pytest.raises(ValidationError) as refused:
            action(actor=alice, invitation=invitation)
        assert [error.code for error in refused.value.error_list] == ["invitation_revoked"]
