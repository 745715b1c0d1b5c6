"""Relay connections with `totalCount`, a default page size and a hard cap.

Asking for more than the cap is an error with code PAGE_SIZE_TOO_LARGE, not a
silent cut: a client that pages with `first: 500` learns at once.
"""

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import graphene
from django.conf import settings
from django.core.exceptions import ValidationError
from graphene.utils.str_converters import to_camel_case
from graphene_django import DjangoConnectionField
from graphene_django.filter import DjangoFilterConnectionField
from graphql_relay import cursor_to_offset, offset_to_cursor

from schema.core.errors import ApiError, ErrorCode


class CountableConnection(graphene.relay.Connection):
    class Meta:
        abstract = True

    @classmethod
    def __init_subclass_with_meta__(cls, node=None, description=None, **options):
        if node is not None and description is None:
            description = f"A page of {node._meta.name} items, with cursors and the total count."
        super().__init_subclass_with_meta__(node=node, description=description, **options)

    total_count = graphene.Int(required=True, description="How many items match, across all pages.")

    def resolve_total_count(self, info) -> int:
        # `length` may be a function: a count that runs only when asked for.
        length = getattr(self, "length", None)
        if callable(length):
            return length()
        return length if length is not None else len(self.iterable)


def page_size_check(args: dict) -> None:
    """Refuse negative or oversized `first`/`last`, foreign cursors, and `offset` with `before`."""
    limit = settings.GRAPHQL_MAX_PAGE_SIZE
    for name in ("after", "before"):
        cursor = args.get(name)
        if cursor is not None:
            position = cursor_to_offset(cursor)
            if position is None or position < 0:
                raise ApiError(
                    f"`{name}` is not a cursor this API gave out.", ErrorCode.BAD_USER_INPUT
                )
    for name in ("first", "last", "offset"):
        value = args.get(name)
        if value is not None and value < 0:
            raise ApiError(f"`{name}` must not be negative.", ErrorCode.BAD_USER_INPUT)
    for name in ("first", "last"):
        value = args.get(name)
        if value is not None and value > limit:
            raise ApiError(
                f"`{name}` is {value}, above the maximum page size of {limit}.",
                ErrorCode.PAGE_SIZE_TOO_LARGE,
            )
    if args.get("offset") is not None and args.get("before") is not None:
        raise ApiError("`offset` cannot be combined with `before`.", ErrorCode.BAD_USER_INPUT)


def _paging_arguments(kwargs: dict) -> dict:
    kwargs.setdefault("first", graphene.Int(description="Page size, from the start."))
    kwargs.setdefault("after", graphene.String(description="Start after this cursor."))
    kwargs.setdefault("last", graphene.Int(description="Page size, from the end."))
    kwargs.setdefault("before", graphene.String(description="End before this cursor."))
    return kwargs


def _with_default_page_size(args: dict) -> dict:
    page_size_check(args)
    if args.get("first") is None and args.get("last") is None:
        args["first"] = settings.GRAPHQL_DEFAULT_PAGE_SIZE
    return args


@dataclass(frozen=True)
class PageWindow:
    """The paging arguments as positions: items `start` to `stop` (exclusive; None: to
    the end), then the first `first` of them, then the last `last` of those."""

    start: int
    stop: int | None
    first: int | None
    last: int | None


def page_window(args: dict) -> PageWindow:
    """The window of checked, defaulted paging arguments (offset cursors, as graphene's)."""
    after, before = args.get("after"), args.get("before")
    return PageWindow(
        start=cursor_to_offset(after) + 1 if after is not None else 0,
        stop=cursor_to_offset(before) if before is not None else None,
        first=args.get("first"),
        last=args.get("last"),
    )


def connection_from_page(
    connection_type: type[graphene.relay.Connection],
    page: Sequence,
    *,
    has_previous_page: bool,
    has_next_page: bool,
    length: int | Callable[[], int] | None,
) -> graphene.relay.Connection:
    """A connection of a page already cut (in SQL); each item knows its `position`.

    The cursors are the same offset cursors graphene's list connections give
    out, so a client can page on with them.
    """
    edges = [
        connection_type.Edge(node=item, cursor=offset_to_cursor(item.position)) for item in page
    ]
    connection = connection_type(
        edges=edges,
        page_info=graphene.relay.PageInfo(
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
            has_previous_page=has_previous_page,
            has_next_page=has_next_page,
        ),
    )
    connection.length = length
    return connection


def page_arguments_checked(args: dict) -> dict:
    """A copy of `args` checked and with the default page size, as the fields apply them."""
    return _with_default_page_size(dict(args))


class PagedConnectionField(graphene.relay.ConnectionField):
    """A connection over a resolver's list, with the same page-size rules."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **_paging_arguments(kwargs))

    @classmethod
    def connection_resolver(cls, resolver, connection_type, root, info, **args):
        return super().connection_resolver(
            resolver, connection_type, root, info, **_with_default_page_size(args)
        )


class PagedFilterConnectionField(DjangoFilterConnectionField):
    """A django-filter connection with a default page size, a cap and coded errors."""

    def __init__(self, *args, argument_types=None, **kwargs):
        # `argument_types` gives a filter a GraphQL type of ours (an enum, say)
        # instead of the String that graphene-django derives for a method filter.
        self._argument_types = argument_types or {}
        kwargs.setdefault("max_limit", settings.GRAPHQL_MAX_PAGE_SIZE)
        kwargs.setdefault(
            "offset", graphene.Int(description="Skip this many items (after `after`, if given).")
        )
        super().__init__(*args, **_paging_arguments(kwargs))

    @property
    def filtering_args(self):
        arguments = super().filtering_args
        for name, graphql_type in self._argument_types.items():
            arguments[name] = graphene.Argument(
                graphql_type, description=arguments[name].description
            )
        return arguments

    @classmethod
    def connection_resolver(
        cls,
        resolver,
        connection,
        default_manager,
        queryset_resolver,
        max_limit,
        enforce_first_or_last,
        root,
        info,
        **args,
    ):
        # The field's own resolver first: it checks the sign-in, which must win
        # over complaints about paging arguments.
        resolved = resolver(root, info, **args)
        return super().connection_resolver(
            lambda *_args, **_kwargs: resolved,
            connection,
            default_manager,
            queryset_resolver,
            max_limit,
            enforce_first_or_last,
            root,
            info,
            **_with_default_page_size(args),
        )

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
