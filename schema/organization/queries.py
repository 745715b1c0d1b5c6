"""Queries of organizations; all of them need a signed-in user."""

import graphene

from organization.models import Organization
from schema.core.auth import login_required
from schema.core.errors import ApiError, ErrorCode
from schema.core.filtered_connections import PagedFilterConnectionField
from schema.core.ids import global_id_type, pk_from_global_id
from schema.organization.filters import ORGANIZATION_ORDERING, OrganizationFilter
from schema.organization.types import MembershipType, OrganizationType, Role

NODE_TYPES = {"Organization": OrganizationType, "Membership": MembershipType}


class OrganizationQuery(graphene.ObjectType):
    organization = graphene.Field(
        OrganizationType,
        id=graphene.ID(description="The organization's global ID."),
        slug=graphene.String(description="The organization's slug."),
        description=(
            "One organization by `id` or by `slug` (exactly one of them). NOT_FOUND when it "
            "does not exist or you may not see it."
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
        graphene.relay.Node,
        id=graphene.ID(required=True, description="A global ID."),
        description="Any object by its global ID; NOT_FOUND when absent or hidden.",
    )

    @staticmethod
    @login_required
    def resolve_organization(root, info, id=None, slug=None):
        if (id is None) == (slug is None):
            raise ApiError("Give exactly one of `id` and `slug`.", ErrorCode.BAD_USER_INPUT)
        lookup = (
            {"pk": pk_from_global_id(id, type_name="Organization")}
            if id is not None
            else {"slug": slug}
        )
        try:
            # The type's queryset, as `node(id:)` uses: scoped like the
            # selectors, and with the members pages and counts the selection needs.
            return OrganizationType.get_queryset(Organization.objects.all(), info).get(**lookup)
        except Organization.DoesNotExist:
            raise ApiError("No organization found.", ErrorCode.NOT_FOUND) from None

    @staticmethod
    @login_required
    def resolve_organizations(root, info, **kwargs):
        # Scoping happens in OrganizationType.get_queryset.
        return Organization.objects.all()

    @staticmethod
    @login_required
    def resolve_node(root, info, id):
        node_type = NODE_TYPES.get(global_id_type(id))
        node = (
            node_type.get_node(info, pk_from_global_id(id, type_name=node_type._meta.name))
            if node_type
            else None
        )
        if node is None:
            raise ApiError("Nothing has this ID.", ErrorCode.NOT_FOUND)
        return node
