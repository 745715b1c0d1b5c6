"""Reads of organizations, already scoped to what the user may see.

Members see their organizations; staff and superusers see all of them. A
queryset from here is safe to hand to the API as it is.
"""

from collections.abc import Collection

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Value, Window
from django.db.models.functions import Coalesce, RowNumber

from accounts.models import User
from organization.models import Membership, Organization

# The user columns a member page may load: never the password hash, never the
# token version. `id` is always loaded.
MEMBER_USER_FIELDS = frozenset({"username", "email", "first_name", "last_name", "date_joined"})


def user_sees_all_organizations(user) -> bool:
    """Staff and superusers see every organization."""
    return bool(user.is_authenticated and (user.is_staff or user.is_superuser))


def organization_visible(
    queryset: QuerySet[Organization], *, user, with_my_role: bool = True
) -> QuerySet[Organization]:
    """Narrow `queryset` to what `user` may see, each row annotated with `my_role`.

    `with_my_role=False` leaves the annotation (a subquery per row) out when the
    caller will not read it.
    """
    if not user.is_authenticated:
        return queryset.none()
    if with_my_role:
        my_role = Membership.objects.filter(organization=OuterRef("pk"), user=user).values("role")[
            :1
        ]
        queryset = queryset.annotate(my_role=Subquery(my_role))
    if user_sees_all_organizations(user):
        return queryset
    return queryset.filter(memberships__user=user)


def user_visible(queryset: QuerySet[User], *, user) -> QuerySet[User]:
    """Narrow `queryset` to the users `user` may see: themself and every fellow member
    of an organization they belong to; staff and superusers see every user."""
    if not user.is_authenticated:
        return queryset.none()
    if user_sees_all_organizations(user):
        return queryset
    fellow = Membership.objects.filter(user=OuterRef("pk"), organization__memberships__user=user)
    return queryset.filter(Q(pk=user.pk) | Exists(fellow))


def organization_list(*, user) -> QuerySet[Organization]:
    """Every organization `user` may see."""
    return organization_visible(Organization.objects.all(), user=user)


def organization_get(*, user, pk: int | None = None, slug: str | None = None) -> Organization:
    """One visible organization by id or slug; DoesNotExist when absent or hidden."""
    lookup = {"pk": pk} if pk is not None else {"slug": slug}
    return organization_list(user=user).get(**lookup)


def membership_role(*, user, organization: Organization) -> str | None:
    """The role `user` holds in `organization`, or None."""
    if not user.is_authenticated:
        return None
    return (
        Membership.objects.filter(user=user, organization=organization)
        .values_list("role", flat=True)
        .first()
    )


def membership_page(
    *,
    organization: Organization | None = None,
    start: int = 0,
    stop: int | None = None,
    first: int | None = None,
    last: int | None = None,
    user_fields: Collection[str] | None = None,
) -> QuerySet[Membership]:
    """One page of members per organization, cut in SQL, each row annotated with `position`.

    An organization's members are numbered from 0 in the order they joined
    (`created_at`, then `id`). The window is positions `start` to `stop`
    (exclusive; None: to the end); `first` keeps the first so many of it, then
    `last` the last so many of those (Relay's rule). Besides the page, at most
    one neighbour per organization comes back, so the caller can tell whether
    more exist: the row after the page when `first` is given, the row before it
    when `last` is. `membership_page_cut` splits the rows that way.

    The cut is a `ROW_NUMBER() OVER (PARTITION BY organization_id ...)` filter,
    so one query serves any number of organizations: pass `organization`, or
    filter by organization yourself (a `Prefetch` does). `last` needs no count:
    a second row number, from the end, finds the tail of every organization.

    `user_fields` (model field names from `MEMBER_USER_FIELDS`) joins the user
    and loads only those columns and the id; None joins nothing.
    """
    order = [F("created_at").asc(), F("id").asc()]
    queryset = Membership.objects.annotate(
        position=Window(RowNumber(), partition_by=F("organization_id"), order_by=order) - 1
    )
    if organization is not None:
        queryset = queryset.filter(organization=organization)
    cut = Q(position__gte=start)
    if stop is not None:
        cut &= Q(position__lt=stop)
    if first is not None:
        cut &= Q(position__lte=start + first)  # the page, and one row past it
    if last is not None:
        # The last `last` + 1 rows before the window's end: that end is either
        # a known position (`stop`, `start + first`) or the organization's last
        # member, found by numbering the rows from the end.
        ends = [end for end in (stop, None if first is None else start + first) if end is not None]
        from_end = [F("created_at").desc(), F("id").desc()]
        queryset = queryset.annotate(
            from_end=Window(RowNumber(), partition_by=F("organization_id"), order_by=from_end)
        )
        tail = Q(from_end__lte=last + 1)
        if ends:
            tail |= Q(position__gte=min(ends) - last - 1)
        cut &= tail
    queryset = queryset.filter(cut)
    columns = [field.name for field in Membership._meta.concrete_fields]
    if user_fields is not None:
        unknown = set(user_fields) - MEMBER_USER_FIELDS
        if unknown:
            raise ValueError(f"Not a user field a member page loads: {sorted(unknown)}")
        columns += ["user__id", *(f"user__{name}" for name in sorted(user_fields))]
        queryset = queryset.select_related("user")
    return queryset.only(*columns).order_by("organization_id", "position")


def membership_page_cut(
    rows: list[Membership], *, start: int = 0, first: int | None = None, last: int | None = None
) -> tuple[list[Membership], bool, bool]:
    """(page, has_previous, has_next) of one organization's rows from `membership_page`."""
    has_next = False
    if first is not None:
        has_next = any(row.position >= start + first for row in rows)
        rows = [row for row in rows if row.position < start + first]
    has_previous = False
    if last is not None:
        has_previous = len(rows) > last
        rows = rows[max(len(rows) - last, 0) :] if last else []
    return rows, has_previous, has_next


def membership_count(*, organization: Organization) -> int:
    """How many members `organization` has."""
    return Membership.objects.filter(organization=organization).count()


def organization_with_member_count(queryset: QuerySet[Organization]) -> QuerySet[Organization]:
    """`queryset` with `member_count` on every row: one aggregate per organization in SQL."""
    count = (
        Membership.objects.filter(organization=OuterRef("pk"))
        .order_by()
        .values("organization")
        .annotate(count=Count("*"))
        .values("count")
    )
    return queryset.annotate(member_count=Coalesce(Subquery(count), Value(0)))


def membership_get(*, organization: Organization, username: str) -> Membership:
    """The membership of `username` in `organization`; DoesNotExist when none."""
    if len(username) > User._meta.get_field("username").max_length:
        # No user has so long a name; the database never sees the text.
        raise Membership.DoesNotExist
    return Membership.objects.select_related("user").get(
        organization=organization, user__username=username
    )
