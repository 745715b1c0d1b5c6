"""GraphQL types of organizations and memberships, scoped in `get_queryset`.

Scoping here (not only in root resolvers) means `node(id:)`, connections and
nested fields all show only what the signed-in user may see.
"""

from functools import partial

import graphene
from django.db.models import Prefetch
from graphene_django import DjangoObjectType

from organization.models import Membership, Organization
from organization.selectors import (
    MEMBERSHIP_KEYSET,
    membership_count,
    membership_page_cut,
    membership_role,
    organization_visible,
    organization_with_member_count,
)
from schema.accounts.audit import audit_events_field, resolve_audit_events
from schema.accounts.types import UserType
from schema.core.connections import (
    CountableConnection,
    PagedConnectionField,
    connection_from_page,
    page_window,
    window_scope_check,
)
from schema.core.ids import Node
from schema.core.scalars import DateTime
from schema.core.selection import selected_field_names
from schema.organization.invitations import invitations_field, resolve_invitations
from schema.organization.members import members_pages, members_rows, page_attribute

Role = graphene.Enum.from_enum(
    Membership.Role,
    description="A member's role: OWNER > ADMIN > MEMBER.",
)


class MembershipType(DjangoObjectType):
    class Meta:
        model = Membership
        name = "Membership"
        description = "A user's role in an organization."
        fields = ("id", "user", "created_at")
        interfaces = (Node,)
        connection_class = CountableConnection

    id = graphene.GlobalID(
        required=True, description="The membership's global ID (opaque; `node(id:)` takes it)."
    )
    role = graphene.Field(Role, required=True, description="The member's role.")
    user = graphene.Field(UserType, required=True, description="The member.")
    created_at = DateTime(required=True, description="When the user joined.")

    @classmethod
    def get_queryset(cls, queryset, info):
        visible = organization_visible(Organization.objects.all(), user=info.context.user)
        return queryset.filter(organization__in=visible.values("pk")).select_related("user")


class OrganizationType(DjangoObjectType):
    class Meta:
        model = Organization
        name = "Organization"
        description = "An organization; visible to its members and to staff."
        fields = (
            "id",
            "name",
            "slug",
            "description",
            "contact_email",
            "website",
            "is_active",
            "created_at",
            "updated_at",
            "created_by",
        )
        interfaces = (Node,)
        connection_class = CountableConnection

    id = graphene.GlobalID(
        required=True,
        description=(
            "The organization's global ID (opaque; `node(id:)`, `organization(by: {id:})` and "
            "the mutations take it)."
        ),
    )
    name = graphene.String(required=True, description="Display name, at most 200 characters.")
    slug = graphene.String(required=True, description="Unique URL-safe name.")
    description = graphene.String(
        required=True, description="Free text, at most 10,000 characters; may be empty."
    )
    contact_email = graphene.String(required=True, description="Contact e-mail; may be empty.")
    website = graphene.String(required=True, description="Website URL; may be empty.")
    is_active = graphene.Boolean(required=True, description="False once archived.")
    created_at = DateTime(required=True, description="When it was created.")
    updated_at = DateTime(required=True, description="When it last changed.")
    created_by = graphene.Field(UserType, description="Who created it; null if since deleted.")
    my_role = graphene.Field(
        Role, description="The signed-in user's role here; null for staff who are not members."
    )
    members = PagedConnectionField(
        graphene.NonNull(MembershipType._meta.connection),
        description=(
            "The members and their roles, in the order they joined (then by id); 20 per page "
            "by default, at most 100."
        ),
    )

    invitations = invitations_field()
    audit_events = audit_events_field()

    @classmethod
    def get_queryset(cls, queryset, info):
        selected = selected_field_names(info)
        queryset = organization_visible(
            queryset, user=info.context.user, with_my_role="myRole" in selected
        )
        if "createdBy" in selected:
            queryset = queryset.select_related("created_by")
        if "members" in selected:
            # One query per distinct `members` window for every organization
            # loaded, cut to the page in SQL; the counts come with the organizations.
            pages = members_pages(info)
            if any(page.count for page in pages):
                queryset = organization_with_member_count(queryset)
            for page in pages:
                if page.rows:
                    queryset = queryset.prefetch_related(
                        Prefetch(
                            "memberships",
                            queryset=page.queryset(),
                            to_attr=page_attribute(page.window),
                        )
                    )
        return queryset

    @staticmethod
    def resolve_my_role(organization, info):
        if hasattr(organization, "my_role"):
            return organization.my_role
        return membership_role(user=info.context.user, organization=organization)

    resolve_invitations = staticmethod(resolve_invitations)
    resolve_audit_events = staticmethod(resolve_audit_events)

    @staticmethod
    def resolve_members(organization, info, **kwargs):
        # `kwargs` are already checked and defaulted by PagedConnectionField.
        window = page_window(kwargs, MEMBERSHIP_KEYSET, scoped=True)
        # A cursor pages the members of the organization that gave it out, no other.
        window_scope_check(window, organization.pk, owner="organization")
        rows = members_rows(organization, info, window)
        page = membership_page_cut(rows, first=window.first, last=window.last)
        if hasattr(organization, "member_count"):
            length = organization.member_count
        else:
            length = partial(membership_count, organization=organization)
        return connection_from_page(
            MembershipType._meta.connection,
            page,
            MEMBERSHIP_KEYSET,
            length=length,
            scope=organization.pk,
        )
