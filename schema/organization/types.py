"""GraphQL types of organizations and memberships, scoped in `get_queryset`.

Scoping here (not only in root resolvers) means `node(id:)`, connections and
nested fields all show only what the signed-in user may see.
"""

import graphene
from django.db.models import Prefetch
from graphene_django import DjangoObjectType

from organization.models import Membership, Organization
from organization.selectors import membership_list, membership_role, organization_visible
from schema.accounts.types import UserType
from schema.core.connections import CountableConnection, PagedConnectionField
from schema.core.selection import selected_field_names

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
        interfaces = (graphene.relay.Node,)
        connection_class = CountableConnection

    role = graphene.Field(Role, required=True, description="The member's role.")
    user = graphene.Field(UserType, required=True, description="The member.")
    created_at = graphene.DateTime(required=True, description="When the user joined.")

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
        interfaces = (graphene.relay.Node,)
        connection_class = CountableConnection

    name = graphene.String(required=True, description="Display name, at most 200 characters.")
    slug = graphene.String(required=True, description="Unique URL-safe name.")
    description = graphene.String(
        required=True, description="Free text, at most 10,000 characters; may be empty."
    )
    contact_email = graphene.String(required=True, description="Contact e-mail; may be empty.")
    website = graphene.String(required=True, description="Website URL; may be empty.")
    is_active = graphene.Boolean(required=True, description="False once archived.")
    created_at = graphene.DateTime(required=True, description="When it was created.")
    updated_at = graphene.DateTime(required=True, description="When it last changed.")
    created_by = graphene.Field(UserType, description="Who created it; null if since deleted.")
    my_role = graphene.Field(
        Role, description="The signed-in user's role here; null for staff who are not members."
    )
    members = PagedConnectionField(
        MembershipType._meta.connection,
        description="The members and their roles, in the order they joined.",
    )

    @classmethod
    def get_queryset(cls, queryset, info):
        selected = selected_field_names(info)
        queryset = organization_visible(
            queryset, user=info.context.user, with_my_role="myRole" in selected
        )
        if "createdBy" in selected:
            queryset = queryset.select_related("created_by")
        if "members" in selected:
            # One query for the members of every organization on the page.
            queryset = queryset.prefetch_related(
                Prefetch("memberships", queryset=Membership.objects.select_related("user"))
            )
        return queryset

    @staticmethod
    def resolve_my_role(organization, info):
        if hasattr(organization, "my_role"):
            return organization.my_role
        return membership_role(user=info.context.user, organization=organization)

    @staticmethod
    def resolve_members(organization, info, **kwargs):
        if "memberships" in getattr(organization, "_prefetched_objects_cache", {}):
            return organization.memberships.all()
        return membership_list(organization=organization)
