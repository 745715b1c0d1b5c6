"""A django-filter connection with `orderBy`, keyset paging, `offset` and coded errors."""

import json

import graphene
from django.conf import settings
from django.core.exceptions import ValidationError
from graphene.utils.str_converters import to_camel_case
from graphene_django import DjangoConnectionField
from graphene_django.filter import DjangoFilterConnectionField

from organization.keyset import keyset_page
from schema.core.connections import (
    connection_from_page,
    page_arguments_checked,
    page_window,
    paging_arguments,
)
from schema.core.errors import ApiError, ErrorCode
from schema.core.ordering import OrderingArgument

# The Python name of the `orderBy` argument in a resolver's arguments.
ORDER_BY_KEY = "order"


class PagedFilterConnectionField(DjangoFilterConnectionField):
    """Filters from a FilterSet, `orderBy` from an `OrderingArgument`, pages cut by keyset."""

    def __init__(self, *args, ordering: OrderingArgument, argument_types=None, **kwargs):
        # `argument_types` gives a filter a GraphQL type of ours (an enum, say)
        # instead of the String that graphene-django derives for a method filter.
        self._argument_types = argument_types or {}
        self.ordering = ordering
        kwargs.setdefault("max_limit", settings.GRAPHQL_MAX_PAGE_SIZE)
        kwargs.setdefault(
            "offset",
            graphene.Int(
                description=(
                    "Skip this many items (after `after`, if given). Unstable under writes: "
                    "an item added or removed before the offset shifts the page; page with "
                    "`after` for stable pages."
                )
            ),
        )
        # Not `order_by`: DjangoFilterConnectionField takes (and drops) a parameter of that name.
        kwargs.setdefault(ORDER_BY_KEY, ordering.argument())
        super().__init__(*args, **paging_arguments(kwargs))

    @property
    def filtering_args(self):
        arguments = super().filtering_args
        for name, graphql_type in self._argument_types.items():
            arguments[name] = graphene.Argument(
                graphql_type, description=arguments[name].description
            )
        return arguments

    def wrap_resolve(self, parent_resolver):
        resolver = self.resolver or parent_resolver
        queryset_resolver = self.get_queryset_resolver()
        connection_type = self.connection_type
        manager = self.get_manager()

        def resolve_page(root, info, **args):
            # The field's own resolver first: it checks the sign-in, which must win
            # over complaints about the other arguments.
            resolved = resolver(root, info, **args)
            args = page_arguments_checked(args)
            keyset = self.ordering.keyset_of(args.get(ORDER_BY_KEY))
            window = page_window(args, keyset)
            queryset = queryset_resolver(
                connection_type, manager if resolved is None else resolved, info, args
            )
            page = keyset_page(
                queryset,
                keyset,
                after=window.after,
                before=window.before,
                first=window.first,
                last=window.last,
                offset=args.get("offset") or 0,
            )
            return connection_from_page(connection_type, page, keyset, length=queryset.count)

        return resolve_page

    @classmethod
    def resolve_queryset(cls, connection, iterable, info, args, filtering_args, filterset_class):
        if all(args.get(name) is None for name in filtering_args):
            # No filter asked for: building a FilterSet (it deep-copies every
            # filter and a form) would change nothing; the type still scopes.
            return DjangoConnectionField.resolve_queryset(connection, iterable, info, args)
        try:
            return super().resolve_queryset(
                connection, iterable, info, args, filtering_args, filterset_class
            )
        except ValidationError as error:
            # django-filter reports invalid input as JSON text; say it plainly.
            raise ApiError(_filter_error_message(error), ErrorCode.BAD_USER_INPUT) from None


def _filter_error_message(error: ValidationError) -> str:
    """ "Invalid filter: name: reason; ..." from a form's JSON errors or a filter's own."""
    if hasattr(error, "error_dict"):
        problems = error.message_dict
    else:
        try:
            decoded = json.loads(error.messages[0])
        except (ValueError, IndexError):
            return "Invalid filter: " + " ".join(error.messages)
        problems = {field: [item["message"] for item in items] for field, items in decoded.items()}
    parts = [
        f"{to_camel_case(field)}: {' '.join(messages)}" for field, messages in problems.items()
    ]
    return "Invalid filter: " + "; ".join(parts)
