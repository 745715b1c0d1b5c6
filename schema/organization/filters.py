"""The filters and orderings of `organizations`; their names are public API."""

from datetime import UTC
from functools import reduce
from operator import and_

import django_filters
import graphene
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q

from organization.models import Membership, Organization
from organization.selectors import organization_keyset
from schema.core.ordering import OrderDirection, OrderingArgument
from schema.core.scalars import DATETIME_EXPECTED


class OrganizationOrderField(graphene.Enum):
    class Meta:
        description = "A key `organizations` can be sorted by."

    NAME = "name"
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"

    @property
    def description(self):
        return {
            "NAME": "The name, case-insensitively ('alpha' before 'Bravo').",
            "CREATED_AT": "When it was created.",
            "UPDATED_AT": "When it last changed.",
        }[self.name]


class OrganizationOrder(graphene.InputObjectType):
    class Meta:
        description = "One sort key of `organizations` and its direction."

    field = OrganizationOrderField(required=True, description="What to sort by.")
    direction = OrderDirection(
        default_value=OrderDirection.ASC.value, description="Which way; ascending by default."
    )


ORGANIZATION_ORDERING = OrderingArgument(
    input_type=OrganizationOrder,
    field_enum=OrganizationOrderField,
    keyset=organization_keyset,
    default="NAME ASC",
)


SEARCH_MAX_TERMS = 10
SEARCH_MAX_LENGTH = 200
# A name or slug filter longer than any name or slug can match nothing: refused
# (BAD_USER_INPUT) before the database sees it.
NAME_MAX_LENGTH = Organization._meta.get_field("name").max_length
SLUG_MAX_LENGTH = Organization._meta.get_field("slug").max_length


class BoundedIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    """An ISO 8601 filter that refuses instants the database cannot hold in UTC."""

    def filter(self, qs, value):
        if value is not None:
            try:
                value.astimezone(UTC)
            except OverflowError:
                raise ValidationError(
                    {
                        self.argument_name(): (
                            f"{value.isoformat()} is out of range: {DATETIME_EXPECTED}, "
                            "between years 1 and 9999 in UTC."
                        )
                    }
                ) from None
        return super().filter(qs, value)

    def argument_name(self) -> str:
        """The name this filter has in its FilterSet (`created_after`), not its model field's."""
        filters = getattr(self.parent, "filters", {})
        return next((name for name, each in filters.items() if each is self), self.field_name)


class OrganizationFilter(django_filters.FilterSet):
    name_contains = django_filters.CharFilter(
        field_name="name",
        lookup_expr="icontains",
        max_length=NAME_MAX_LENGTH,
        label="Name contains (case-insensitive).",
    )
    name_starts_with = django_filters.CharFilter(
        field_name="name",
        lookup_expr="istartswith",
        max_length=NAME_MAX_LENGTH,
        label="Name starts with (case-insensitive).",
    )
    slug = django_filters.CharFilter(
        field_name="slug", max_length=SLUG_MAX_LENGTH, label="Exactly this slug."
    )
    is_active = django_filters.BooleanFilter(field_name="is_active", label="Active or archived.")
    created_after = BoundedIsoDateTimeFilter(
        field_name="created_at", lookup_expr="gte", label="Created at or after this time."
    )
    created_before = BoundedIsoDateTimeFilter(
        field_name="created_at", lookup_expr="lt", label="Created before this time."
    )
    search = django_filters.CharFilter(
        method="filter_search",
        label=(
            "Free text: every word must appear in the name or the description "
            f"(at most {SEARCH_MAX_TERMS} words, {SEARCH_MAX_LENGTH} characters)."
        ),
    )
    role = django_filters.ChoiceFilter(
        choices=Membership.Role.choices,
        method="filter_role",
        label="Only organizations where I hold this role.",
    )

    class Meta:
        model = Organization
        fields = []

    def filter_search(self, queryset, name, value):
        terms = value.split()
        if len(value) > SEARCH_MAX_LENGTH or len(terms) > SEARCH_MAX_TERMS:
            raise ValidationError(
                {"search": f"At most {SEARCH_MAX_TERMS} words and {SEARCH_MAX_LENGTH} characters."}
            )
        if not terms:
            return queryset
        # One filter() with every term: chaining them rebuilds the query each time.
        matches = (Q(name__icontains=term) | Q(description__icontains=term) for term in terms)
        return queryset.filter(reduce(and_, matches))

    def filter_role(self, queryset, name, value):
        mine = Membership.objects.filter(
            organization=OuterRef("pk"), user=self.request.user, role=value
        )
        return queryset.filter(Exists(mine))
