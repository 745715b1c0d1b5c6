"""Mutations of invitations: thin calls into organization.services.

Each needs a signed-in user. An organization or invitation you cannot see is
NOT_FOUND; one you can see but not manage is FORBIDDEN; over a budget is
RATE_LIMITED (top-level errors). Input problems, and an invitation that is no
longer pending, come back in the payload's `errors`.
"""

import graphene

from organization.models import Invitation
from organization.selectors import invitation_get_by_token, invitation_visible
from organization.services import (
    invitation_accept,
    invitation_create,
    invitation_decline,
    invitation_resend,
    invitation_revoke,
    invitation_token_attempt,
)
from schema.core.auth import login_required
from schema.core.errors import not_found_error
from schema.core.ids import pk_from_global_id
from schema.core.one_of import OneOfInputObjectType
from schema.organization.errors import OrganizationBaseMutation
from schema.organization.invitations import InvitationType
from schema.organization.mutations import (
    NULL_ON_ERRORS,
    ORGANIZATION_ID,
    visible_organization,
    visible_organization_by_pk,
)
from schema.organization.types import OrganizationType, Role

INVITATION_ID = "The invitation's global ID."
# Enough for any token this server issues; a longer one is not one of ours.
TOKEN_MAX_LENGTH = 200


class InvitationLookup(OneOfInputObjectType):
    class Meta:
        description = (
            "Which invitation: by the `token` from its e-mail's link, or by its `id` (from "
            "`myInvitations`); exactly one of them (`@oneOf`)."
        )

    id = graphene.ID(description=INVITATION_ID)
    token = graphene.String(description="The token from the invitation e-mail's link.")


def visible_invitation(info, global_id: str) -> Invitation:
    """The invitation behind `global_id` if the caller may see it, else NOT_FOUND."""
    pk = pk_from_global_id(global_id, type_name="Invitation")
    invitation = (
        invitation_visible(Invitation.objects.all(), user=info.context.user)
        .select_related("organization")
        .filter(pk=pk)
        .first()
    )
    if invitation is None:
        raise not_found_error("Invitation")
    return invitation


def invitation_by_lookup(info, by) -> Invitation:
    """The invitation `by` names; a token is counted against the caller's budget."""
    if by.get("id") is not None:
        return visible_invitation(info, by["id"])
    invitation_token_attempt(user=info.context.user)
    token = by["token"]
    try:
        if len(token) > TOKEN_MAX_LENGTH:
            raise Invitation.DoesNotExist
        return invitation_get_by_token(token=token)
    except Invitation.DoesNotExist:
        raise not_found_error("Invitation") from None


class InviteMember(OrganizationBaseMutation):
    class Meta:
        description = (
            "Invite an e-mail address to join (OWNER or ADMIN; only an OWNER invites an "
            "OWNER). An e-mail with a link goes to the address; the answer is the same "
            "whether or not an account has it. Nobody joins until they accept. Throttled "
            "per inviter (INVITATIONS_PER_INVITER_PER_HOUR; RATE_LIMITED)."
        )

    class Arguments:
        organization_id = graphene.ID(required=True, description=ORGANIZATION_ID)
        email = graphene.String(
            required=True, description="The address to invite, at most 254 characters."
        )
        role = graphene.Argument(
            graphene.NonNull(Role), default_value="MEMBER", description="The role it offers."
        )

    invitation = graphene.Field(
        InvitationType, description="The invitation, PENDING." + NULL_ON_ERRORS
    )

    @classmethod
    @login_required
    def perform_mutation(cls, root, info, organization_id, email, role):
        organization = visible_organization(info, organization_id)
        issued = invitation_create(
            request=info.context,
            actor=info.context.user,
            organization=organization,
            email=email,
            role=role,
        )
        return cls(invitation=issued.invitation)


class AcceptInvitation(OrganizationBaseMutation):
    class Meta:
        description = (
            "Accept an invitation addressed to your verified e-mail address: you join with "
            "its role. By the e-mail's token (throttled per user: "
            "INVITATION_TOKEN_ATTEMPTS_PER_HOUR) or by id."
        )

    class Arguments:
        by = graphene.Argument(
            InvitationLookup, required=True, description="The invitation: `token` or `id`."
        )

    organization = graphene.Field(
        OrganizationType, description="The organization you joined." + NULL_ON_ERRORS
    )

    @classmethod
    @login_required
    def perform_mutation(cls, root, info, by):
        invitation = invitation_by_lookup(info, by)
        invitation_accept(request=info.context, user=info.context.user, invitation=invitation)
        return cls(organization=visible_organization_by_pk(info, invitation.organization_id))


class DeclineInvitation(OrganizationBaseMutation):
    class Meta:
        description = (
            "Decline an invitation addressed to your verified e-mail address. By token "
            "(throttled like acceptInvitation) or by id."
        )

    class Arguments:
        by = graphene.Argument(
            InvitationLookup, required=True, description="The invitation: `token` or `id`."
        )

    invitation = graphene.Field(
        InvitationType, description="The invitation, DECLINED." + NULL_ON_ERRORS
    )

    @classmethod
    @login_required
    def perform_mutation(cls, root, info, by):
        invitation = invitation_by_lookup(info, by)
        return cls(
            invitation=invitation_decline(
                request=info.context, user=info.context.user, invitation=invitation
            )
        )


class RevokeInvitation(OrganizationBaseMutation):
    class Meta:
        description = (
            "Withdraw a pending or expired invitation; its link dies (OWNER or ADMIN; an "
            "invitation to become OWNER needs an OWNER)."
        )

    class Arguments:
        id = graphene.ID(required=True, description=INVITATION_ID)

    invitation = graphene.Field(
        InvitationType, description="The invitation, REVOKED." + NULL_ON_ERRORS
    )

    @classmethod
    @login_required
    def perform_mutation(cls, root, info, id):
        invitation = visible_invitation(info, id)
        return cls(
            invitation=invitation_revoke(
                request=info.context, actor=info.context.user, invitation=invitation
            )
        )


class ResendInvitation(OrganizationBaseMutation):
    class Meta:
        description = (
            "Send a pending or expired invitation again with a new link and a new expiry; the "
            "old link dies (OWNER or ADMIN; an invitation to become OWNER needs an OWNER). "
            "At most once per INVITATION_RESEND_INTERVAL_SECONDS, and counted in the "
            "inviter's budget (RATE_LIMITED)."
        )

    class Arguments:
        id = graphene.ID(required=True, description=INVITATION_ID)

    invitation = graphene.Field(
        InvitationType, description="The invitation, PENDING again." + NULL_ON_ERRORS
    )

    @classmethod
    @login_required
    def perform_mutation(cls, root, info, id):
        invitation = visible_invitation(info, id)
        issued = invitation_resend(
            request=info.context, actor=info.context.user, invitation=invitation
        )
        return cls(invitation=issued.invitation)


class InvitationMutation(graphene.ObjectType):
    invite_member = InviteMember.Field()
    accept_invitation = AcceptInvitation.Field()
    decline_invitation = DeclineInvitation.Field()
    revoke_invitation = RevokeInvitation.Field()
    resend_invitation = ResendInvitation.Field()
