"""Mutations of organizations and memberships: thin calls into organization.services.

Each needs a signed-in user. An organization you cannot see is NOT_FOUND; one
you can see but not change is FORBIDDEN (top-level errors). Invalid input comes
back in the payload's `errors`.
"""

import graphene

from organization.models import DESCRIPTION_MAX_LENGTH, Organization
from organization.selectors import organization_get, organization_list
from organization.services import (
    membership_add,
    membership_change_role,
    membership_leave,
    membership_remove,
    organization_create,
    organization_delete,
    organization_transfer_ownership,
    organization_update,
)
from schema.core.auth import login_required
from schema.core.errors import not_found_error
from schema.core.ids import pk_from_global_id
from schema.organization.errors import OrganizationBaseMutation
from schema.organization.types import MembershipType, OrganizationType, Role

ORGANIZATION_ID = "The organization's global ID."
SLUG_ARGUMENT = (
    "URL-safe name, at most 220 characters; a public name, unique across the service: "
    "one any organization holds (even one you cannot see) is UNIQUE"
)
DESCRIPTION_ARGUMENT = f"Free text, at most {DESCRIPTION_MAX_LENGTH:,} characters."
EMAIL_ARGUMENT = "A valid e-mail address, at most 254 characters."
NULL_ON_ERRORS = " Null exactly when `errors` is not empty."
WEBSITE_ARGUMENT = "A valid http(s) URL, at most 200 characters."


def visible_organization(info, global_id: str) -> Organization:
    """The organization behind `global_id` if the caller may see it, else NOT_FOUND."""
    pk = pk_from_global_id(global_id, type_name="Organization")
    try:
        return organization_get(user=info.context.user, pk=pk)
    except Organization.DoesNotExist:
        raise not_found_error("Organization") from None


def visible_organization_by_pk(info, pk: int) -> Organization | None:
    """Re-read through the selector, so the payload carries `myRole` like any query.

    None once the caller can no longer see it (they removed themselves).
    """
    return organization_list(user=info.context.user).filter(pk=pk).first()


class CreateOrganization(OrganizationBaseMutation):
    class Meta:
        description = (
            "Create an organization; you become its OWNER. EMAIL_NOT_VERIFIED in `errors` "
            "until your e-mail address is verified (verifyEmail)."
        )

    class Arguments:
        name = graphene.String(required=True, description="1 to 200 characters.")
        slug = graphene.String(description=f"{SLUG_ARGUMENT}; derived from the name if absent.")
        description = graphene.String(description=DESCRIPTION_ARGUMENT)
        contact_email = graphene.String(description=EMAIL_ARGUMENT)
        website = graphene.String(description=WEBSITE_ARGUMENT)

    organization = graphene.Field(
        OrganizationType,
        description="The new organization." + NULL_ON_ERRORS,
    )

    @classmethod
    @login_required
    def perform_mutation(cls, root, info, **arguments):
        organization = organization_create(
            request=info.context, user=info.context.user, **arguments
        )
        return cls(organization=visible_organization_by_pk(info, organization.pk))


class UpdateOrganization(OrganizationBaseMutation):
    class Meta:
        description = (
            "Change an organization (OWNER or ADMIN). Only the arguments given change; "
            "null clears description, contactEmail and website."
        )

    class Arguments:
        id = graphene.ID(required=True, description=ORGANIZATION_ID)
        name = graphene.String(description="1 to 200 characters.")
        slug = graphene.String(description=f"{SLUG_ARGUMENT}.")
        description = graphene.String(description=DESCRIPTION_ARGUMENT)
        contact_email = graphene.String(description=EMAIL_ARGUMENT)
        website = graphene.String(description=WEBSITE_ARGUMENT)
        is_active = graphene.Boolean(description="False archives it.")

    organization = graphene.Field(
        OrganizationType,
        description="The organization as it is now." + NULL_ON_ERRORS,
    )

    @classmethod
    @login_required
    def perform_mutation(cls, root, info, id, **changes):
        organization = visible_organization(info, id)
        organization_update(
            request=info.context, user=info.context.user, organization=organization, **changes
        )
        return cls(organization=visible_organization_by_pk(info, organization.pk))


class DeleteOrganization(OrganizationBaseMutation):
    class Meta:
        description = "Delete an organization and its memberships (OWNER only)."

    class Arguments:
        id = graphene.ID(required=True, description=ORGANIZATION_ID)

    deleted_id = graphene.ID(
        description="The global ID of the deleted organization." + NULL_ON_ERRORS
    )

    @classmethod
    @login_required
    def perform_mutation(cls, root, info, id):
        organization = visible_organization(info, id)
        organization_delete(request=info.context, user=info.context.user, organization=organization)
        return cls(deleted_id=id)


class AddMember(OrganizationBaseMutation):
    class Meta:
        description = (
            "Staff only (the support path): add an active user by username, with any role, "
            "without an invitation. Everyone else uses inviteMember: membership needs consent."
        )

    class Arguments:
        organization_id = graphene.ID(required=True, description=ORGANIZATION_ID)
        username = graphene.String(required=True, description="The user to add.")
        role = graphene.Argument(
            graphene.NonNull(Role), default_value="MEMBER", description="Their role."
        )

    membership = graphene.Field(MembershipType, description="The new membership." + NULL_ON_ERRORS)

    @classmethod
    @login_required
    def perform_mutation(cls, root, info, organization_id, username, role):
        organization = visible_organization(info, organization_id)
        membership = membership_add(
            request=info.context,
            actor=info.context.user,
            organization=organization,
            username=username,
            role=role,
        )
        return cls(membership=membership)


class ChangeMemberRole(OrganizationBaseMutation):
    class Meta:
        description = (
            "Give a member another role (OWNER or ADMIN; granting or taking away OWNER "
            "needs an OWNER; the last OWNER keeps the role)."
        )

    class Arguments:
        organization_id = graphene.ID(required=True, description=ORGANIZATION_ID)
        username = graphene.String(required=True, description="The member.")
        role = graphene.Argument(Role, required=True, description="The new role.")

    membership = graphene.Field(
        MembershipType,
        description="The changed membership." + NULL_ON_ERRORS,
    )

    @classmethod
    @login_required
    def perform_mutation(cls, root, info, organization_id, username, role):
        organization = visible_organization(info, organization_id)
        membership = membership_change_role(
            request=info.context,
            actor=info.context.user,
            organization=organization,
            username=username,
            role=role,
        )
        return cls(membership=membership)


class RemoveMember(OrganizationBaseMutation):
    class Meta:
        description = (
            "Remove a member (OWNER or ADMIN; only an OWNER removes an OWNER; never the last)."
        )

    class Arguments:
        organization_id = graphene.ID(required=True, description=ORGANIZATION_ID)
        username = graphene.String(required=True, description="The member to remove.")

    organization = graphene.Field(
        OrganizationType,
        description=(
            "The organization as it is now; null when `errors` is not empty, or when you "
            "removed yourself and can no longer see it."
        ),
    )

    @classmethod
    @login_required
    def perform_mutation(cls, root, info, organization_id, username):
        organization = visible_organization(info, organization_id)
        membership_remove(
            request=info.context,
            actor=info.context.user,
            organization=organization,
            username=username,
        )
        return cls(organization=visible_organization_by_pk(info, organization.pk))


class LeaveOrganization(OrganizationBaseMutation):
    class Meta:
        description = "Leave an organization (its last OWNER cannot)."

    class Arguments:
        organization_id = graphene.ID(required=True, description=ORGANIZATION_ID)

    left_id = graphene.ID(
        description="The global ID of the organization you left." + NULL_ON_ERRORS
    )

    @classmethod
    @login_required
    def perform_mutation(cls, root, info, organization_id):
        organization = visible_organization(info, organization_id)
        membership_leave(request=info.context, user=info.context.user, organization=organization)
        return cls(left_id=organization_id)


class TransferOwnership(OrganizationBaseMutation):
    class Meta:
        description = (
            "Hand the organization over (OWNER only): the member named becomes OWNER and you "
            "become ADMIN, free to leave. To share ownership instead, changeMemberRole to OWNER."
        )

    class Arguments:
        organization_id = graphene.ID(required=True, description=ORGANIZATION_ID)
        username = graphene.String(required=True, description="The member to become OWNER.")

    organization = graphene.Field(
        OrganizationType, description="The organization as it is now." + NULL_ON_ERRORS
    )

    @classmethod
    @login_required
    def perform_mutation(cls, root, info, organization_id, username):
        organization = visible_organization(info, organization_id)
        organization_transfer_ownership(
            request=info.context,
            actor=info.context.user,
            organization=organization,
            username=username,
        )
        return cls(organization=visible_organization_by_pk(info, organization.pk))


class OrganizationMutation(graphene.ObjectType):
    create_organization = CreateOrganization.Field()
    update_organization = UpdateOrganization.Field()
    delete_organization = DeleteOrganization.Field()
    add_member = AddMember.Field()
    change_member_role = ChangeMemberRole.Field()
    remove_member = RemoveMember.Field()
    leave_organization = LeaveOrganization.Field()
    transfer_ownership = TransferOwnership.Field()
