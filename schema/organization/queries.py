"""Queries of organizations; all of them need a signed-in user."""

import graphene

from organization.models import Organization
from schema.accounts.audit import AuditEventType
from schema.accounts.sessions import SessionType
from schema.accounts.types import UserType
from schema.core.auth import login_required
from schema.core.errors import ApiError, ErrorCode, not_found_error
from schema.core.filtered_connections import PagedFilterConnectionField
from schema.core.ids import Node, global_id_type, pk_from_global_id
from schema.core.one_of import OneOfInputObjectType
from schema.organization.filters import ORGANIZATION_ORDERING, OrganizationFilter
from schema.organization.invitations import InvitationType
from schema.organization.types import MembershipType, OrganizationType, Role

NODE_TYPES = {
    "Organization": OrganizationType,
    "Membership": MembershipType,
    "User": UserType,
    "Invitation": InvitationType,
    "Session": SessionType,
    "AuditEvent": AuditEventType,
}
LOOKUP_DEPRECATION = "Use `by: {id: ...}` or `by: {slug: ...}`; removed in the next release."


class OrganizationLookup(OneOfInputObjectType):
    class Meta:
        description = "Which organization: by `id` or by `slug`, exactly one of them (`@oneOf`)."

    id = graphene.ID(description="The organization's global ID.")
    slug = graphene.String(description="The organization's slug.")


def organization_lookup(by, *, id, slug) -> dict[str, str]:
    """{"id": ...} or {"slug": ...}: what `organization` was asked for, else BAD_USER_INPUT.

    graphql-core enforces `@oneOf` inside `by`; the deprecated `id` and `slug`
    arguments are checked here, with the same rule: exactly one way, one key.
    """
    given = {key: value for key, value in (("id", id), ("slug", slug)) if value is not None}
    if by is not None and not given:
        return {key: value for key, value in by.items() if value is not None}
    if by is None and len(given) == 1:
        return given
    raise ApiError(
        "Give exactly one of `by: {id: ...}` or `by: {slug: ...}` (or, deprecated, exactly "
        "one of the arguments `id` or `slug`), not both ways.",
        ErrorCode.BAD_USER_INPUT,
    )


class OrganizationQuery(graphene.ObjectType):
    organization = graphene.Field(
        OrganizationType,
        by=graphene.Argument(
            OrganizationLookup,
            description=(
                "The organization's `id` or `slug` (exactly one). Required once the deprecated "
                "`id` and `slug` arguments are gone."
            ),
        ),
        id=graphene.ID(
            description="The organization's global ID.", deprecation_reason=LOOKUP_DEPRECATION
        ),
        slug=graphene.String(
            description="The organization's slug.", deprecation_reason=LOOKUP_DEPRECATION
        ),
        description=(
            "One organization, by `by: {id}` or `by: {slug}`. NOT_FOUND when it does not exist "
            "or you may not see it."
        ),
    )
    organizations = PagedFilterConnectionField(
        graphene.NonNull(OrganizationType),
        filterset_class=OrganizationFilter,
        ordering=ORGANIZATION_ORDERING,
        argument_types={"role": Role},
        description=(
            "The organizations you may see, filtered, ordered (by name unless `orderBy` says "
            "otherwise) and paged: `first`/`after`, `last`/`before` or `offset`. 20 per page "
            "by default, at most 100 (more is PAGE_SIZE_TOO_LARGE). Cursors hold the position "
            "in the order, so paging with them neither repeats nor skips an item when others "
            "are added or removed in between."
        ),
    )
    node = graphene.Field(
        Node,
        id=graphene.ID(required=True, description="A global ID."),
        description="Any object by its global ID; NOT_FOUND when absent or hidden.",
    )

    @staticmethod
    @login_required
    def resolve_organization(root, info, by=None, id=None, slug=None):
        lookup = organization_lookup(by, id=id, slug=slug)
        if "id" in lookup:
            lookup = {"pk": pk_from_global_id(lookup["id"], type_name="Organization")}
        try:
            # The type's queryset, as `node(id:)` uses: scoped like the
            # selectors, and with the members pages and counts the selection needs.
            return OrganizationType.get_queryset(Organization.objects.all(), info).get(**lookup)
        except Organization.DoesNotExist:
            raise not_found_error("Organization") from None

    @staticmethod
    @login_required
    def resolve_organizations(root, info, **kwargs):
        # Scoping happens in OrganizationType.get_queryset.
        return Organization.objects.all()

    @staticmethod
    @login_required
    def resolve_node(root, info, id):
        node_type = NODE_TYPES.get(global_id_type(id))
        if node_type is None:
            node = None
        elif hasattr(node_type, "node_from_global_id"):
            # A type whose IDs are not integer primary keys (Session).
            node = node_type.node_from_global_id(info, id)
        else:
            node = node_type.get_node(info, pk_from_global_id(id, type_name=node_type._meta.name))
        if node is None:
            raise not_found_error(node_type._meta.name if node_type else "Object")
        return node
