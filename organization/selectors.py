"""Reads of organizations, already scoped to what the user may see.

Members see their organizations; staff and superusers see all of them. A
queryset from here is safe to hand to the API as it is.
"""

from django.db.models import OuterRef, QuerySet, Subquery

from accounts.models import User
from organization.models import Membership, Organization


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


def membership_list(*, organization: Organization) -> QuerySet[Membership]:
    """The memberships of an organization the caller already may see, users joined."""
    return Membership.objects.filter(organization=organization).select_related("user")


def membership_get(*, organization: Organization, username: str) -> Membership:
    """The membership of `username` in `organization`; DoesNotExist when none."""
    if len(username) > User._meta.get_field("username").max_length:
        # No user has so long a name; the database never sees the text.
        raise Membership.DoesNotExist
    return Membership.objects.select_related("user").get(
        organization=organization, user__username=username
    )
