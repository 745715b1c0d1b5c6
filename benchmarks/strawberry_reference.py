"""The third reference: strawberry-django with its query optimizer, at /bench/strawberry/.

Written the way its documentation shows: `strawberry_django.type`s over the
same models, relay nodes, `DjangoListConnection` (a relay connection with
`totalCount`) for the organizations and for each organization's members, and
`DjangoOptimizerExtension` (https://strawberry.rocks/docs/django/guide/optimizer),
which turns the selection into `only()`, `select_related()` and, for the
nested connection, one prefetch cut per organization by a window function.
Two choices of a team that measures, not of the first example: each node
declares its id (`relay.NodeID[int]`; without it strawberry scans the type's
annotations again for every node, which halved the flat page's req/s), and
strawberry's parser and validation caches are on.
The relay shape lets it answer the very documents the API's cases send
(benchmarks/cases.py), so the two are compared on one request each.

Its connections page by offset (strawberry's `arrayconnection:N` cursors):
only page 1 is compared. The caller is the reader of the API's access token
(`accounts.tokens.access_token_decode`, the floor's check); the organizations
are `references.visible_organizations`: the API's selector, scoping and order.
Members come in the model's order (joined, then id), as the API's do.
"""

from collections.abc import Iterable

import strawberry
import strawberry_django
from django.http import HttpRequest
from django.views.decorators.csrf import csrf_exempt
from strawberry import auto, relay
from strawberry.django.views import GraphQLView
from strawberry.extensions import ParserCache, ValidationCache
from strawberry_django.optimizer import DjangoOptimizerExtension
from strawberry_django.relay import DjangoListConnection

from accounts.models import User
from benchmarks.references import bearer_user, unauthorized, visible_organizations
from organization.models import Membership, Organization


@strawberry_django.type(User, name="User")
class UserNode:
    username: auto


@strawberry_django.type(Membership, name="Membership")
class MembershipNode(relay.Node):
    id: relay.NodeID[int]
    role: auto
    user: UserNode


@strawberry_django.type(Organization, name="Organization")
class OrganizationNode(relay.Node):
    id: relay.NodeID[int]
    name: auto
    slug: auto
    description: auto
    contact_email: auto
    website: auto
    is_active: auto
    created_at: auto
    members: DjangoListConnection[MembershipNode] = strawberry_django.connection(
        field_name="memberships"
    )


@strawberry.type
class Query:
    @strawberry_django.connection(DjangoListConnection[OrganizationNode])
    def organizations(self, info: strawberry.Info) -> Iterable[Organization]:
        return visible_organizations(info.context.request.user)


schema = strawberry.Schema(
    query=Query,
    # The optimizer, and strawberry's own caches of parsed and validated documents
    # (https://strawberry.rocks/docs/extensions/parser-cache): the API caches its
    # documents too, and a team that measures would add them.
    extensions=[DjangoOptimizerExtension(), ParserCache(maxsize=100), ValidationCache(maxsize=100)],
)


class BearerGraphQLView(GraphQLView):
    """strawberry's Django view behind the floor's Bearer check: 401 without a valid token."""

    def dispatch(self, request: HttpRequest, *args, **kwargs):
        user = bearer_user(request)
        if user is None:
            return unauthorized()
        request.user = user
        return super().dispatch(request, *args, **kwargs)


strawberry_view = csrf_exempt(BearerGraphQLView.as_view(schema=schema, graphql_ide=None))
