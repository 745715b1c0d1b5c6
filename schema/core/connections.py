"""Relay connections with `totalCount`, keyset cursors, a default page size and a hard cap.

Asking for more than the cap is an error with code PAGE_SIZE_TOO_LARGE, not a
silent cut: a client that pages with `first: 500` learns at once. Cursors
hold the sort values of a row (schema/core/cursors.py), so a page starts where
the previous one ended even when rows come and go in between.
"""

from collections.abc import Callable
from dataclasses import dataclass

import graphene
from django.conf import settings

from organization.keyset import Keyset, Page, keyset_page
from schema.core.cursors import cursor_decode, cursor_encode, cursor_scope_check
from schema.core.errors import ApiError, ErrorCode


class CountableConnection(graphene.relay.Connection):
    """A connection whose edges and nodes are never null, with `totalCount`."""

    class Meta:
        abstract = True

    @classmethod
    def __init_subclass_with_meta__(cls, node=None, description=None, **options):
        if node is not None and description is None:
            # `cls.__name__` ("OrganizationConnection"): a DjangoObjectType makes its
            # connection before its own `_meta` (and so its name) exists.
            description = (
                f"A page of {cls.__name__.removesuffix('Connection')} items, with cursors "
                "and the total count."
            )
        options.setdefault("strict_types", True)
        super().__init_subclass_with_meta__(node=node, description=description, **options)

    total_count = graphene.Int(required=True, description="How many items match, across all pages.")

    def resolve_total_count(self, info) -> int:
        # `length` may be a function: a count that runs only when asked for.
        length = getattr(self, "length", None)
        if callable(length):
            return length()
        return length if length is not None else len(self.iterable)


def page_size_check(args: dict) -> None:
    """Refuse negative or oversized `first`/`last`/`offset`, and `offset` with `before`."""
    limit = settings.GRAPHQL_MAX_PAGE_SIZE
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


def paging_arguments(kwargs: dict) -> dict:
    """`kwargs` with Relay's paging arguments added, described."""
    kwargs.setdefault("first", graphene.Int(description="Page size, from the start."))
    kwargs.setdefault(
        "after", graphene.String(description="Start after this cursor (an edge's `cursor`).")
    )
    kwargs.setdefault("last", graphene.Int(description="Page size, from the end."))
    kwargs.setdefault(
        "before", graphene.String(description="End before this cursor (an edge's `cursor`).")
    )
    return kwargs


def page_arguments_checked(args: dict) -> dict:
    """A copy of `args` checked and with the default page size, as the fields apply them."""
    args = dict(args)
    page_size_check(args)
    if args.get("first") is None and args.get("last") is None:
        args["first"] = settings.GRAPHQL_DEFAULT_PAGE_SIZE
    return args


@dataclass(frozen=True)
class PageWindow:
    """Checked paging arguments with decoded cursors: the rows after `after` and before
    `before` (sort values; None: no bound), then the first `first`, then the last `last`.
    In an object's list, `scopes` holds each cursor's argument and the id of the object
    whose list gave it out (`window_scope_check`)."""

    after: tuple | None
    before: tuple | None
    first: int | None
    last: int | None
    scopes: tuple[tuple[str, int], ...] = ()


def page_window(args: dict, keyset: Keyset, *, scoped: bool = False) -> PageWindow:
    """The window of checked, defaulted paging arguments; BAD_USER_INPUT for a foreign cursor.

    `scoped`: the list belongs to an object (an organization's `members`); its cursors
    carry that object's id, checked against each object by `window_scope_check`.
    """
    bounds: dict[str, tuple | None] = {"after": None, "before": None}
    scopes = []
    for argument in bounds:
        cursor = args.get(argument)
        if cursor is not None:
            bounds[argument], scope = cursor_decode(
                cursor, keyset, argument=argument, scoped=scoped
            )
            if scope is not None:
                scopes.append((argument, scope))
    return PageWindow(
        after=bounds["after"],
        before=bounds["before"],
        first=args.get("first"),
        last=args.get("last"),
        scopes=tuple(scopes),
    )


def window_scope_check(window: PageWindow, scope: int, *, owner: str) -> None:
    """BAD_USER_INPUT if a cursor of `window` came from the list of another `owner` (a type
    name) than the one whose id is `scope`."""
    for argument, cursor_scope in window.scopes:
        cursor_scope_check(cursor_scope, scope, argument=argument, owner=owner)


def connection_from_page(
    connection_type: type[graphene.relay.Connection],
    page: Page,
    keyset: Keyset,
    *,
    length: int | Callable[[], int] | None,
    scope: int | None = None,
) -> graphene.relay.Connection:
    """A connection of a page already cut (in SQL); each row carries its sort values.
    `scope`: the id of the object whose list this is, which its cursors carry."""
    edges = [
        connection_type.Edge(
            node=row, cursor=cursor_encode(keyset, keyset.values(row), scope=scope)
        )
        for row in page.rows
    ]
    connection = connection_type(
        edges=edges,
        page_info=graphene.relay.PageInfo(
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
            has_previous_page=page.has_previous,
            has_next_page=page.has_next,
        ),
    )
    connection.length = length
    return connection


def keyset_connection(
    connection_type: type[graphene.relay.Connection],
    queryset,
    keyset: Keyset,
    args: dict,
    *,
    scope: int | None = None,
) -> graphene.relay.Connection:
    """The page of `queryset` that checked paging `args` ask for, cut in SQL; with
    `scope`, the list of that organization, whose cursors name it (`window_scope_check`)."""
    window = page_window(args, keyset, scoped=scope is not None)
    if scope is not None:
        window_scope_check(window, scope, owner="organization")
    page = keyset_page(
        queryset,
        keyset,
        after=window.after,
        before=window.before,
        first=window.first,
        last=window.last,
    )
    return connection_from_page(connection_type, page, keyset, length=queryset.count, scope=scope)


class PagedConnectionField(graphene.relay.ConnectionField):
    """A connection whose resolver cuts its own page; the arguments come checked."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **paging_arguments(kwargs))

    @classmethod
    def connection_resolver(cls, resolver, connection_type, root, info, **args):
        return super().connection_resolver(
            resolver, connection_type, root, info, **page_arguments_checked(args)
        )
