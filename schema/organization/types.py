"""GraphQL types of organizations and memberships, scoped in `get_queryset`.

Scoping here (not only in root resolvers) means `node(id:)`, connections and
nested fields all show only what the signed-in user may see.
"""

import dataclasses
from dataclasses import dataclass
from functools import partial

import graphene
from django.db.models import Prefetch
from graphene.utils.str_converters import to_camel_case
from graphene_django import DjangoObjectType
from graphql import FieldNode, GraphQLError

from organization.models import Membership, Organization
from organization.selectors import (
    MEMBER_USER_FIELDS,
    membership_count,
    membership_page,
    membership_page_cut,
    membership_role,
    organization_visible,
    organization_with_member_count,
)
from schema.accounts.types import UserType
from schema.core.connections import (
    CountableConnection,
    PagedConnectionField,
    PageWindow,
    connection_from_page,
    page_arguments_checked,
    page_window,
)
from schema.core.errors import ApiError
from schema.core.selection import (
    argument_values,
    child_fields,
    fields_named,
    response_key,
    selected_field_names,
)

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


# GraphQL name of a User field -> the column a member page loads for it.
_USER_COLUMNS = {
    to_camel_case(name): name for name in UserType._meta.fields if name in MEMBER_USER_FIELDS
}


@dataclass(frozen=True)
class MembersPage:
    """What one `members` field of a request needs, the same for every organization."""

    key: str  # its response key (alias or name)
    window: PageWindow
    rows: bool  # edges or pageInfo selected: membership rows needed
    count: bool  # totalCount selected
    user_columns: frozenset[str] | None  # None: `user` not selected, no join

    @property
    def attribute(self) -> str:
        """Where its prefetched rows are kept on an organization."""
        return _page_attribute(self.key, self.window)

    def queryset(self, organization: Organization | None = None):
        """The rows of this page for `organization`, or for any (a Prefetch filters them)."""
        window = self.window
        return membership_page(
            organization=organization,
            start=window.start,
            stop=window.stop,
            first=window.first,
            last=window.last,
            user_fields=self.user_columns,
        )


def _page_attribute(key: str, window: PageWindow) -> str:
    """An attribute name per response key and window, without Django's `__` (a key may
    hold it: every `_` of the key is written `_0`), so it can be a `Prefetch.to_attr`."""
    bounds = "_".join("n" if n is None else str(n) for n in dataclasses.astuple(window))
    return f"members_page_k{key.replace('_', '_0')}_{bounds}"


def _members_page(key: str, field_nodes: list[FieldNode], args: dict, fragments) -> MembersPage:
    below = child_fields(field_nodes, fragments)
    names = {node.name.value for node in below}
    edges = [node for node in below if node.name.value == "edges"]
    nodes = [node for node in child_fields(edges, fragments) if node.name.value == "node"]
    user_nodes = [node for node in child_fields(nodes, fragments) if node.name.value == "user"]
    user_columns = None
    if user_nodes:
        user_columns = frozenset(
            _USER_COLUMNS[node.name.value]
            for node in child_fields(user_nodes, fragments)
            if node.name.value in _USER_COLUMNS
        )
    return MembersPage(
        key=key,
        window=page_window(args),
        rows=bool(names & {"edges", "pageInfo"}),
        count="totalCount" in names,
        user_columns=user_columns,
    )


def members_pages(info) -> list[MembersPage]:
    """The `members` fields selected below the field being resolved, one per response key.

    A field whose arguments are refused is left out: its resolver raises the
    error on each organization, as it would without any prefetch.
    """
    by_key: dict[str, list[FieldNode]] = {}
    for node in fields_named(info, "members"):
        by_key.setdefault(response_key(node), []).append(node)
    pages = []
    for key, nodes in by_key.items():
        try:
            args = page_arguments_checked(argument_values(info, "Organization", nodes[0]))
        except (ApiError, GraphQLError):
            continue
        pages.append(_members_page(key, nodes, args, info.fragments))
    return pages


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
    description = graphene.String(required=True, description="Free text; may be empty.")
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
            # One query per `members` field for every organization on the page,
            # cut to the page in SQL; the counts come with the organizations.
            pages = members_pages(info)
            if any(page.count for page in pages):
                queryset = organization_with_member_count(queryset)
            for page in pages:
                if page.rows:
                    queryset = queryset.prefetch_related(
                        Prefetch("memberships", queryset=page.queryset(), to_attr=page.attribute)
                    )
        return queryset

    @staticmethod
    def resolve_my_role(organization, info):
        if hasattr(organization, "my_role"):
            return organization.my_role
        return membership_role(user=info.context.user, organization=organization)

    @staticmethod
    def resolve_members(organization, info, **kwargs):
        # `kwargs` are already checked and defaulted by PagedConnectionField.
        window = page_window(kwargs)
        rows = getattr(organization, _page_attribute(info.path.key, window), None)
        if rows is None:
            # Not prefetched (a mutation's payload, say): the same cut for this
            # one organization.
            page = _members_page(info.path.key, info.field_nodes, kwargs, info.fragments)
            rows = list(page.queryset(organization)) if page.rows else []
        members, has_previous, has_next = membership_page_cut(
            rows, start=window.start, first=window.first, last=window.last
        )
        if hasattr(organization, "member_count"):
            length = organization.member_count
        else:
            length = partial(membership_count, organization=organization)
        return connection_from_page(
            MembershipType._meta.connection,
            members,
            has_previous_page=has_previous,
            has_next_page=has_next,
            length=length,
        )
