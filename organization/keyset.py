"""Keyset ("seek") paging: a page starts after the sort key values of a row, not at an offset.

An ordering is a list of sort keys that always ends with the primary key, in
the direction of the last key, so every row has a distinct position and a
uniform-direction ordering compares as one row value: `(lower(name), id) >
(%s, %s)`, which PostgreSQL answers with a range of an index on the same
expressions. A mixed-direction ordering expands into OR-ed comparisons.

Sort keys must be NOT NULL columns (or expressions of them): a NULL compares
as neither before nor after a value, and its row would fall out of every page.
The values a page's rows carry are read back from the database (as
annotations), so a cursor holds exactly what SQL compares: `lower(name)` as
the database lowers it, not as Python would.

It knows no model: it lives here, beside the selectors that page organizations
and memberships, because `schema/` may import the domain but not the reverse.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import F, OrderBy, Q, QuerySet

# Django's row-value comparisons (made for composite primary keys): native on
# PostgreSQL, expanded into ORs on SQLite. Used only for uniform directions.
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan

SORT_VALUE_TYPES = (str, int, datetime)


@dataclass(frozen=True)
class SortKey:
    """One key of an ordering: a name (for cursors), the SQL expression and its value type."""

    name: str
    expression: Any
    value_type: type
    descending: bool = False


@dataclass(frozen=True)
class Page:
    """A cut page, in the ordering's order, and whether the window goes on past either end."""

    rows: list
    has_previous: bool
    has_next: bool


class Keyset:
    """An ordering of one model's rows, tie-broken by the primary key, and its cuts."""

    def __init__(self, tag: str, keys: Sequence[SortKey]) -> None:
        if not keys:
            raise ValueError("An ordering needs at least one sort key.")
        for key in keys:
            if key.value_type not in SORT_VALUE_TYPES:
                raise ValueError(f"Sort key {key.name} has an unsupported type {key.value_type}.")
        tie_break = SortKey("id", F("pk"), int, keys[-1].descending)
        self.keys: tuple[SortKey, ...] = (*keys, tie_break)
        self.aliases = tuple(f"keyset_{index}" for index in range(len(self.keys)))
        # What a cursor is tied to: the list (`tag`) and every key with its direction.
        self.signature = (
            tag
            + ":"
            + ",".join(f"{key.name}.{'desc' if key.descending else 'asc'}" for key in self.keys)
        )

    @property
    def value_types(self) -> tuple[type, ...]:
        return tuple(key.value_type for key in self.keys)

    def annotated(self, queryset: QuerySet) -> QuerySet:
        """`queryset` with each row's sort values as annotations (read by `values`)."""
        return queryset.annotate(
            **{alias: key.expression for alias, key in zip(self.aliases, self.keys, strict=True)}
        )

    def order_expressions(self, *, reverse: bool = False) -> list[OrderBy]:
        """ORDER BY terms over the annotations; `reverse` walks from the end."""
        return [
            OrderBy(F(alias), descending=key.descending != reverse)
            for alias, key in zip(self.aliases, self.keys, strict=True)
        ]

    def ordered(self, queryset: QuerySet, *, reverse: bool = False) -> QuerySet:
        """An annotated queryset in this order (or its reverse)."""
        return queryset.order_by(*self.order_expressions(reverse=reverse))

    def values(self, row) -> tuple:
        """The sort values of an annotated row (a model or a `.values()` dict), primary key last."""
        if isinstance(row, dict):
            return tuple(row[alias] for alias in self.aliases)
        return tuple(getattr(row, alias) for alias in self.aliases)

    def beyond(self, values: Sequence, *, reverse: bool = False) -> Q:
        """The rows strictly after `values` in this order (before them when `reverse`)."""
        if len(values) != len(self.keys):
            raise ValueError(f"Expected {len(self.keys)} sort values, got {len(values)}.")
        directions = {key.descending != reverse for key in self.keys}
        if len(directions) == 1:
            # One row comparison: an index on the same columns gives a range scan.
            lookup = TupleLessThan if directions.pop() else TupleGreaterThan
            return Q(lookup(Tuple(*(F(alias) for alias in self.aliases)), list(values)))
        # Mixed directions: (a > x) OR (a = x AND b < y) OR (a = x AND b = y AND id < z) ...
        condition = Q()
        equal_so_far = Q()
        for alias, key, value in zip(self.aliases, self.keys, values, strict=True):
            step = "lt" if key.descending != reverse else "gt"
            condition |= equal_so_far & Q(**{f"{alias}__{step}": value})
            equal_so_far &= Q(**{alias: value})
        return condition


def _bounded(queryset: QuerySet, keyset: Keyset, after, before) -> QuerySet:
    queryset = keyset.annotated(queryset)
    if after is not None:
        queryset = queryset.filter(keyset.beyond(after))
    if before is not None:
        queryset = queryset.filter(keyset.beyond(before, reverse=True))
    return queryset


def _sliced(
    bounded: QuerySet, keyset: Keyset, first: int | None, last: int | None, offset: int
) -> QuerySet:
    if first is not None:
        return keyset.ordered(bounded)[offset : offset + first + 1]
    if last is None:
        raise ValueError("A page needs `first` or `last`.")
    return keyset.ordered(bounded, reverse=True)[: last + 1]


def keyset_window(
    queryset: QuerySet,
    keyset: Keyset,
    *,
    after: Sequence | None = None,
    before: Sequence | None = None,
    first: int | None = None,
    last: int | None = None,
    offset: int = 0,
) -> QuerySet:
    """The one query whose rows `keyset_cut` makes `keyset_page`'s page of (same arguments):
    the window's rows and one neighbour, from the end when only `last` is given.
    `offset` with `last` alone needs a second query, so only `keyset_page` takes it."""
    if offset and first is None:
        raise ValueError("`offset` with `last` alone takes two queries: use keyset_page.")
    return _sliced(_bounded(queryset, keyset, after, before), keyset, first, last, offset)


def keyset_cut(rows: list, *, first: int | None = None, last: int | None = None) -> Page:
    """The page of the rows `keyset_window` (or `membership_page`) fetched with the same
    `first` and `last`: a neighbour past the page tells there is more."""
    if first is None:
        # Rows came from the end: the page is the `last` nearest it, in order.
        return Page(rows=rows[:last][::-1], has_previous=len(rows) > last, has_next=False)
    has_next = len(rows) > first
    rows = rows[:first]
    has_previous = False
    if last is not None:
        has_previous = len(rows) > last
        rows = rows[max(len(rows) - last, 0) :]
    return Page(rows=rows, has_previous=has_previous, has_next=has_next)


def keyset_page(
    queryset: QuerySet,
    keyset: Keyset,
    *,
    after: Sequence | None = None,
    before: Sequence | None = None,
    first: int | None = None,
    last: int | None = None,
    offset: int = 0,
) -> Page:
    """Relay's page of `queryset`: rows after `after` and before `before`, then skip `offset`,
    then the first `first` of them, then the last `last` of those (one SQL query, two when
    `offset` comes with `last` alone). Each row carries its sort values (`Keyset.values`).
    """
    bounded = _bounded(queryset, keyset, after, before)
    if offset and first is None:
        # `last` counts from the end, `offset` from the front: the row `offset`
        # skips to becomes the window's start.
        skipped_to = list(keyset.ordered(bounded)[offset - 1 : offset])
        if not skipped_to:
            return Page(rows=[], has_previous=False, has_next=False)
        bounded = bounded.filter(keyset.beyond(keyset.values(skipped_to[0])))
        offset = 0
    rows = list(_sliced(bounded, keyset, first, last, offset))
    return keyset_cut(rows, first=first, last=last)
