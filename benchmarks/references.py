"""The references the GraphQL pages are measured against (strawberry-django's is in
benchmarks/strawberry_reference.py).

Each serves the page the GraphQL cases ask for: the first 50 organizations the
user may see (`visible_organizations`: the API's selector, scoping and order),
8 scalar fields, the total count and, in the nested variants, the first
10 members of each (role and username, in the order they joined).

- DRF: djangorestframework + simplejwt, the stack the seed came from: a
  ListAPIView, a ModelSerializer, PageNumberPagination (`?page=19` is the deep
  page); the nested variants prefetch, as a fair DRF author would. Two nested
  serializers, one per data shape of benchmarks/conf.py: shape A nests a user
  serializer in the member serializer and prefetches memberships with their
  users joined (one query); shape B flattens `username` into the member
  (`CharField(source="user.username")`) over one
  `prefetch_related("memberships__user")` (two queries), as the independent
  harness of issue 15 wrote it.
- The floor: a plain Django view that decodes the token, loads the user and
  returns `.values()` as JSON, the page's rows carrying its count (the API's
  `organization_visible_count`: two queries in all): about the least work that
  answers the page.
"""

from collections import defaultdict

from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework_simplejwt.authentication import JWTAuthentication

from accounts.exceptions import AuthenticationError
from accounts.models import User
from accounts.selectors import user_get_active
from accounts.tokens import access_token_decode
from benchmarks.conf import FIELDS, MEMBERS_PER_ORGANIZATION, PAGE_SIZE
from organization.models import Membership, Organization
from organization.selectors import organization_visible, organization_visible_count


def visible_organizations(user: User) -> QuerySet[Organization]:
    """What `organization_list(user=user)` holds, in its order, without the `my_role` column.

    The selector the API's `organizations` field calls, with the argument it
    passes when `myRole` is not selected: no reference computes a column it
    does not return (on SQLite that subquery costs DRF's flat page about a quarter
    of its time).
    """
    return organization_visible(Organization.objects.all(), user=user, with_my_role=False)


def memberships_prefetch() -> Prefetch:
    """The members of every organization of a page in one query, users joined."""
    return Prefetch("memberships", queryset=Membership.objects.select_related("user"))


# --- DRF ----------------------------------------------------------------------


class OrganizationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = FIELDS


class MemberUserSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ("username",)


class MemberSerializer(serializers.ModelSerializer):
    user = MemberUserSerializer(read_only=True)

    class Meta:
        model = Membership
        fields = ("role", "user")


class OrganizationWithMembersSerializer(OrganizationSerializer):
    members = serializers.SerializerMethodField()

    class Meta(OrganizationSerializer.Meta):
        fields = (*FIELDS, "members")

    def get_members(self, organization: Organization) -> list:
        # Slicing the prefetched queryset reads its cache: no query per organization.
        first = organization.memberships.all()[:MEMBERS_PER_ORGANIZATION]
        return MemberSerializer(first, many=True).data


class UsernameMemberSerializer(serializers.ModelSerializer):
    """Shape B's member: the username flattened into it."""

    username = serializers.CharField(source="user.username", read_only=True)

    class Meta:
        model = Membership
        fields = ("role", "username")


class OrganizationWithUsernamesSerializer(OrganizationSerializer):
    # Every member: shape B's organizations have 3, fewer than a page of 10.
    members = UsernameMemberSerializer(source="memberships", many=True, read_only=True)

    class Meta(OrganizationSerializer.Meta):
        fields = (*FIELDS, "members")


class OrganizationPage(PageNumberPagination):
    page_size = PAGE_SIZE


class OrganizationListView(ListAPIView):
    """GET /bench/drf/organizations/: the flat page, DRF style."""

    authentication_classes = [JWTAuthentication]
    permission_classes = [IsAuthenticated]
    renderer_classes = [JSONRenderer]
    pagination_class = OrganizationPage
    serializer_class = OrganizationSerializer

    def get_queryset(self):
        return visible_organizations(self.request.user)


class OrganizationWithMembersListView(OrganizationListView):
    """GET /bench/drf/organizations-with-members/: the nested page, prefetched."""

    serializer_class = OrganizationWithMembersSerializer

    def get_queryset(self):
        return super().get_queryset().prefetch_related(memberships_prefetch())


class OrganizationWithUsernamesListView(OrganizationListView):
    """GET /bench/drf/organizations-with-usernames/: shape B's nested page."""

    serializer_class = OrganizationWithUsernamesSerializer

    def get_queryset(self):
        return super().get_queryset().prefetch_related("memberships__user")


def ping(request: HttpRequest) -> HttpResponse:
    """GET /bench/ping/: no database, no token; how the harness sees the server is idle."""
    return HttpResponse("ok", content_type="text/plain")


# --- The floor ------------------------------------------------------------------


def bearer_user(request: HttpRequest) -> User | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    try:
        payload = access_token_decode(token.strip())
    except AuthenticationError:
        return None
    return user_get_active(user_id=payload["user_id"])


def unauthorized() -> JsonResponse:
    return JsonResponse({"detail": "A valid Bearer access token is required."}, status=401)


def _floor_page(user: User) -> tuple[int, list[dict]]:
    # The page carries its count, as the API's does (`organization_visible_count`):
    # one query, and its cheapest count. A page of none has none to count.
    total = organization_visible_count(user=user)
    page = list(
        visible_organizations(user)
        .annotate(total_count=total)
        .values(*FIELDS, "total_count")[:PAGE_SIZE]
    )
    count = page[0]["total_count"] if page else 0
    for row in page:
        del row["total_count"]
    return count, page


@require_GET
def floor_organizations(request: HttpRequest) -> JsonResponse:
    """GET /bench/floor/organizations/: the flat page with the least work."""
    user = bearer_user(request)
    if user is None:
        return unauthorized()
    count, page = _floor_page(user)
    return JsonResponse({"count": count, "results": page})


@require_GET
def floor_organizations_with_members(request: HttpRequest) -> JsonResponse:
    """GET /bench/floor/organizations-with-members/: the nested page, one query for members."""
    user = bearer_user(request)
    if user is None:
        return unauthorized()
    count, page = _floor_page(user)
    members = defaultdict(list)
    rows = Membership.objects.filter(organization_id__in=[row["id"] for row in page]).values_list(
        "organization_id", "role", "user__username"
    )
    for organization_id, role, username in rows:
        first = members[organization_id]
        if len(first) < MEMBERS_PER_ORGANIZATION:
            first.append({"role": role, "user": {"username": username}})
    for row in page:
        row["members"] = members[row["id"]]
    return JsonResponse({"count": count, "results": page})
