"""GraphQL types and queries of invitations: `Invitation`, `Organization.invitations`,
`myInvitations`. The rules are in organization.services and organization.selectors."""

from enum import StrEnum

import graphene
from django.utils import timezone
from graphene_django import DjangoObjectType

from organization.models import Invitation
from organization.selectors import (
    INVITATION_KEYSET,
    invitation_list_for_organization,
    invitation_list_for_user,
    invitation_manageable,
    invitation_visible,
    organization_list,
)
from schema.core.auth import login_required
from schema.core.codes import described_enum
from schema.core.connections import CountableConnection, PagedConnectionField, keyset_connection
from schema.core.errors import ApiError, ErrorCode
from schema.core.ids import Node
from schema.core.scalars import DateTime

TYPES = "schema.organization.types"

INVITATION_STATUSES: dict[str, str] = {
    "PENDING": "Sent and not answered; it can still be accepted.",
    "ACCEPTED": "Accepted: the invitee is a member.",
    "DECLINED": "Declined by the invitee.",
    "REVOKED": "Withdrawn by an ADMIN or OWNER; its link is dead.",
    "EXPIRED": "Not answered in time; an ADMIN or OWNER can resend it.",
}
InvitationStatusValue = StrEnum(
    "InvitationStatusValue", {name: name for name in INVITATION_STATUSES}
)
InvitationStatus = described_enum(
    InvitationStatusValue,
    INVITATION_STATUSES,
    name="InvitationStatus",
    description="Where an invitation stands.",
)


class InvitationType(DjangoObjectType):
    class Meta:
        model = Invitation
        name = "Invitation"
        description = (
            "An invitation to join an organization, sent to an e-mail address. Visible to the "
            "organization's ADMINs and OWNERs, to staff, and to the user whose verified e-mail "
            "address it is for. Its token is never shown: only the e-mail carries it."
        )
        fields = ("id", "email", "expires_at", "created_at")
        interfaces = (Node,)
        connection_class = CountableConnection

    email = graphene.String(required=True, description="The invited address (lower-case).")
    # By import path: schema/organization/types.py imports this module.
    role = graphene.Field(
        f"{TYPES}.Role", required=True, description="The role accepting it gives."
    )
    status = graphene.Field(InvitationStatus, required=True, description="Where it stands.")
    expires_at = DateTime(required=True, description="Until when it can be accepted.")
    created_at = DateTime(required=True, description="When it was first sent.")
    organization_name = graphene.String(
        required=True, description="The name of the organization it invites to."
    )
    organization = graphene.Field(
        f"{TYPES}.OrganizationType",
        description="The organization; null while you may not see it (not a member yet).",
    )
    inviter_name = graphene.String(
        description="The display name of who sent it; null once that account is gone."
    )

    @classmethod
    def get_queryset(cls, queryset, info):
        return invitation_visible(queryset, user=info.context.user).select_related(
            "organization", "invited_by"
        )

    @staticmethod
    def resolve_status(invitation, info):
        return invitation.state(timezone.now())

    @staticmethod
    def resolve_organization_name(invitation, info):
        return invitation.organization.name

    @staticmethod
    def resolve_organization(invitation, info):
        return (
            organization_list(user=info.context.user).filter(pk=invitation.organization_id).first()
        )

    @staticmethod
    def resolve_inviter_name(invitation, info):
        return invitation.invited_by.username if invitation.invited_by else None


def invitations_connection(queryset, kwargs, *, organization_id: int | None = None):
    """A page of `queryset`, newest first, as an InvitationConnection; with
    `organization_id`, the page of that organization's list, whose cursors name it."""
    return keyset_connection(
        InvitationType._meta.connection, queryset, INVITATION_KEYSET, kwargs, scope=organization_id
    )


def invitations_field() -> PagedConnectionField:
    """`Organization.invitations`."""
    return PagedConnectionField(
        InvitationType._meta.connection,
        status=graphene.Argument(InvitationStatus, description="Only invitations in this status."),
        description=(
            "The organization's invitations, newest first, optionally of one status; 20 per "
            "page by default, at most 100. For its ADMINs and OWNERs and staff: null, with a "
            "FORBIDDEN error, for anyone else."
        ),
    )


def resolve_invitations(organization, info, status=None, **kwargs):
    """`Organization.invitations`: FORBIDDEN below ADMIN."""
    if not invitation_manageable(user=info.context.user, organization=organization):
        raise ApiError(
            "Only an ADMIN or OWNER of this organization can see its invitations.",
            ErrorCode.FORBIDDEN,
        )
    queryset = invitation_list_for_organization(
        organization=organization, status=getattr(status, "value", status)
    )
    return invitations_connection(queryset, kwargs, organization_id=organization.pk)


class InvitationQuery(graphene.ObjectType):
    my_invitations = PagedConnectionField(
        graphene.NonNull(InvitationType._meta.connection),
        description=(
            "The pending invitations to your verified e-mail address, newest first; empty "
            "until the address is verified. Accept or decline one by its `id`."
        ),
    )

    @staticmethod
    @login_required
    def resolve_my_invitations(root, info, **kwargs):
        return invitations_connection(invitation_list_for_user(user=info.context.user), kwargs)
