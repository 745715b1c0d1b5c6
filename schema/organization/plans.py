"""The compiled plans of `organizations`, `organization(by:)` and their `members` pages
(schema/core/plans.py).

What a plan knows, and builds from `.values()` rows (only the selected
columns) instead of model instances and graphql-core's per-field execution:

- `organizations(first/after/last/before/offset/orderBy)` without a filter
  argument: `totalCount`, `pageInfo`, `edges { cursor node }`;
- `organization(by: {id} | {slug})` and its deprecated `id:`/`slug:` arguments;
- an Organization's `id`, its scalar fields, `myRole` and `members(...)`;
- a member page's `totalCount`, `pageInfo`, `edges { cursor node }`; a
  Membership's `id`, `role`, `createdAt` and `user { id username displayName }`
  (the fields anyone who sees a member sees; the private ones are left to the
  resolvers that check who asks);
- `__typename` anywhere, aliases, fragments, variables, `@skip`/`@include`.

Anything else compiles to no plan. The rows come from the resolvers' own
selectors: `organization_visible` (the user's scope and `my_role`),
`organization_with_member_count`, `keyset_page` with the same keyset and
`membership_page` (cut per organization in SQL by its window function), after
the same argument checks (`page_arguments_checked`, `keyset_of`,
`page_window`, `organization_lookup`); a refusal there, a `members` cursor of
another organization, an anonymous caller or an organization not found is a
Fallback, so graphql-core reports it.

The page's query (with `totalCount` as a subquery, `organization_visible_count`)
and the members query run by query templates (accounts/query_templates.py):
their keys name the selection's columns, the viewer's kind (staff see every
organization), the ordering, the window's sizes and which cursors are given;
their inputs are the viewer's id, the cursors' values and the page's ids.
"""

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from graphql import GraphQLError

from accounts.query_templates import query_templates
from organization.keyset import Page, keyset_cut, keyset_page, keyset_window
from organization.models import Organization
from organization.selectors import (
    MEMBERSHIP_KEYSET,
    membership_page,
    membership_page_cut,
    organization_visible,
    organization_visible_count,
    organization_with_member_count,
    user_sees_all_organizations,
)
from schema.core.connection_plans import ConnectionPlan, connection_plan
from schema.core.connections import (
    PageWindow,
    page_arguments_checked,
    page_window,
    window_scope_check,
)
from schema.core.errors import ApiError
from schema.core.filtered_connections import ORDER_BY_KEY
from schema.core.ids import pk_from_global_id
from schema.core.object_plans import Column, Constant, FieldSpec, GlobalId, Nested, object_writer
from schema.core.plans import (
    Compiler,
    Fallback,
    Selection,
    Unplannable,
    arguments,
    root_planner,
)
from schema.organization.filters import ORGANIZATION_ORDERING
from schema.organization.queries import organization_lookup

ORGANIZATION_COLUMNS = {
    "name": "name",
    "slug": "slug",
    "description": "description",
    "contactEmail": "contact_email",
    "website": "website",
    "isActive": "is_active",
    "createdAt": "created_at",
    "updatedAt": "updated_at",
}
# `organizations` arguments a plan pages by; any other (a filter) is left to django-filter.
ORGANIZATIONS_PAGING = frozenset({"first", "after", "last", "before", "offset", ORDER_BY_KEY})
# What a member page always loads; `position` (the window function's row number)
# because Django 5.2 reads the columns of a window-filtered `.values()` that leaves
# it out in the wrong order.
MEMBER_COLUMNS = ("organization_id", "position")

# A User field every viewer of a member sees -> the user column it shows.
USER_PUBLIC_FIELDS = {"username": "username", "displayName": "username"}

Writer = Callable[[dict], Any]


def _typename(selection: Selection) -> Constant:
    return Constant(selection.parent.name)


@dataclass
class MembersPlan:
    """One `members` field below the organizations: its window's arguments and its writer."""

    selection: Selection
    connection: ConnectionPlan
    key: str  # where an organization's row keeps this field's page
    columns: set[str]  # the membership columns its selection shows
    user_columns: set[str] | None = None  # None: `user` not selected

    def window(self, variables: dict[str, Any]) -> PageWindow:
        """The checked window (raises what the resolver would raise)."""
        args = page_arguments_checked(arguments(self.selection, variables))
        return page_window(args, MEMBERSHIP_KEYSET, scoped=True)

    def write(self, row: dict) -> dict[str, Any]:
        return self.connection.build(
            row[self.key], MEMBERSHIP_KEYSET, lambda: row["member_count"], scope=row["id"]
        )


def _user_plan(compiler: Compiler, selection: Selection, columns: set[str]) -> Writer:
    fields: list[tuple[Selection, FieldSpec]] = []
    for child in compiler.children(selection):
        if child.name == "__typename":
            spec = _typename(child)
        elif child.name == "id":
            spec = GlobalId("User", "user_id")
        elif child.name in USER_PUBLIC_FIELDS:
            columns.add(USER_PUBLIC_FIELDS[child.name])
            spec = Column("user__" + USER_PUBLIC_FIELDS[child.name])
        else:  # private fields, security events: the resolvers check who asks
            raise Unplannable(child.name)
        fields.append((child, spec))
    return object_writer(fields)


def _members_plan(compiler: Compiler, selection: Selection, index: int) -> MembersPlan:
    user_columns: set[str] = set()
    columns: set[str] = set()
    users_selected = False

    def membership_plan(compiler: Compiler, node: Selection) -> Writer:
        nonlocal users_selected
        fields: list[tuple[Selection, FieldSpec]] = []
        for child in compiler.children(node):
            if child.name == "__typename":
                spec = _typename(child)
            elif child.name == "id":
                columns.add("id")
                spec = GlobalId("Membership", "id")
            elif child.name in ("role", "createdAt"):
                column = "created_at" if child.name == "createdAt" else "role"
                columns.add(column)
                spec = Column(column)
            elif child.name == "user":
                users_selected = True
                columns.add("user_id")
                spec = Nested(_user_plan(compiler, child, user_columns))
            else:
                raise Unplannable(child.name)
            fields.append((child, spec))
        return object_writer(fields)

    connection = connection_plan(compiler, selection, membership_plan)
    if connection.cursors:
        columns.update(MEMBERSHIP_KEYSET.aliases)
    return MembersPlan(
        selection,
        connection,
        f"_members_{index}",
        columns,
        user_columns if users_selected else None,
    )


@dataclass
class OrganizationNodePlan:
    """What the Organization selections need from their rows."""

    columns: set[str] = field(default_factory=lambda: {"id"})
    my_role: bool = False
    members: list[MembersPlan] = field(default_factory=list)

    def compile(self, compiler: Compiler, selection: Selection) -> Writer:
        fields: list[tuple[Selection, FieldSpec]] = []
        for child in compiler.children(selection):
            if child.name == "__typename":
                spec = _typename(child)
            elif child.name == "id":
                spec = GlobalId("Organization", "id")
            elif child.name in ORGANIZATION_COLUMNS:
                self.columns.add(ORGANIZATION_COLUMNS[child.name])
                spec = Column(ORGANIZATION_COLUMNS[child.name])
            elif child.name == "myRole":
                self.my_role = True
                self.columns.add("my_role")
                spec = Column("my_role")
            elif child.name == "members":
                members = _members_plan(compiler, child, len(self.members))
                self.members.append(members)
                spec = Nested(members.write)
            else:  # createdBy, invitations, auditEvents: their resolvers check permissions
                raise Unplannable(child.name)
            fields.append((child, spec))
        return object_writer(fields)


def members_attach(plans: list[MembersPlan], windows: list[PageWindow], rows: list[dict]) -> None:
    """Put each `members` field's page on the organizations' rows: one query per window.

    A cursor of another organization's members is a Fallback: the resolver refuses it.
    """
    ids = [row["id"] for row in rows]
    for window in windows:
        for organization_id in ids:
            try:
                window_scope_check(window, organization_id, owner="organization")
            except ApiError as error:
                raise Fallback("cursor of another organization") from error
    fetched: dict[PageWindow, dict[int, list[dict]]] = {}
    for plan, window in zip(plans, windows, strict=True):
        if plan.connection.rows and ids and window not in fetched:
            # What every `members` field of this window needs (aliases share the query).
            same = [p for p, w in zip(plans, windows, strict=True) if w == window]
            users = [p.user_columns for p in same if p.user_columns is not None]
            columns = [
                *MEMBER_COLUMNS,
                *sorted(set().union(*(p.columns for p in same))),
                *(f"user__{column}" for column in sorted(set().union(*users))),
            ]
            user_fields = set().union(*users) if users else None
            grouped: dict[int, list[dict]] = {}
            for member in _member_rows(window, columns, user_fields, ids):
                grouped.setdefault(member["organization_id"], []).append(member)
            fetched[window] = grouped
        grouped = fetched.get(window, {})
        for row in rows:
            members = grouped.get(row["id"], [])
            row[plan.key] = membership_page_cut(members, first=window.first, last=window.last)


def _cursor_values(window: PageWindow, values: tuple) -> tuple:
    """The `after` and `before` values a template's inputs carry, split back."""
    after = values[: len(window.after)] if window.after is not None else None
    before = values[len(window.after or ()) :] if window.before is not None else None
    return after, before


def _window_inputs(window: PageWindow) -> tuple:
    return (*(window.after or ()), *(window.before or ()))


def _window_key(window: PageWindow) -> tuple:
    return (window.first, window.last, window.after is None, window.before is None)


def _member_rows(window: PageWindow, columns: list[str], user_fields, ids: list[int]):
    """The member rows of `ids`' pages (membership_page), by a query template."""

    def build(inputs: tuple):
        after, before = _cursor_values(window, inputs[len(ids) :])
        queryset = membership_page(
            after=after,
            before=before,
            first=window.first,
            last=window.last,
            user_fields=user_fields,
        )
        return queryset.filter(organization_id__in=inputs[: len(ids)]).values(*columns)

    fields = tuple(sorted(user_fields)) if user_fields is not None else None
    key = ("members", tuple(columns), fields, _window_key(window), len(ids))
    return query_templates.rows(key, build, (*ids, *_window_inputs(window)))


def _viewer(user, pk: int):
    """`user`, or (a template's probe) a stand-in of the same kind with another id."""
    if pk == user.pk:
        return user
    stand_in = copy.copy(user)
    stand_in.pk = pk
    return stand_in


def _member_count(node: OrganizationNodePlan) -> bool:
    return any(members.connection.count for members in node.members)


def _scoped(node: OrganizationNodePlan, user, *, total: bool = False):
    """The organizations `user` may see, annotated as the selection needs (`total`: each
    row carries how many there are); their columns."""
    if not user.is_authenticated:
        raise Fallback("login required")  # the resolver's own refusal
    queryset = organization_visible(
        Organization.objects.all(), user=user, with_my_role=node.my_role
    )
    if _member_count(node):
        queryset = organization_with_member_count(queryset)
    if total:
        queryset = queryset.annotate(total_count=organization_visible_count(user=user))
    return queryset, _columns(node, total=total)


def _columns(node: OrganizationNodePlan, *, total: bool = False) -> list[str]:
    """The columns of the rows: they name every annotation too (`my_role`, `member_count`,
    `total_count`)."""
    annotations = {"member_count"} if _member_count(node) else set()
    return sorted(node.columns | annotations | ({"total_count"} if total else set()))


def _count(user) -> int:
    """How many organizations `user` sees (`totalCount`), by a query template."""

    def build(inputs: tuple):
        viewer = _viewer(user, inputs[0])
        visible = organization_visible(Organization.objects.all(), user=viewer, with_my_role=False)
        return visible.order_by().values("pk")

    key = ("organizations-count", user_sees_all_organizations(user))
    return query_templates.count(key, build, (user.pk,))


@root_planner("organization")
def organization_plan(compiler: Compiler, selection: Selection):
    """The plan of `organization(by:)` (and its deprecated `id:`/`slug:`): one row."""
    node = OrganizationNodePlan()
    write = node.compile(compiler, selection)

    def run(request, variables: dict[str, Any]) -> dict[str, Any]:
        queryset, columns = _scoped(node, request.user)
        args = arguments(selection, variables)
        try:
            lookup = organization_lookup(args.get("by"), id=args.get("id"), slug=args.get("slug"))
            if "id" in lookup:
                lookup = {"pk": pk_from_global_id(lookup["id"], type_name="Organization")}
            windows = [members.window(variables) for members in node.members]
        except (ApiError, GraphQLError) as error:
            raise Fallback("arguments") from error
        rows = list(queryset.filter(**lookup).values(*columns))
        if len(rows) != 1:
            raise Fallback("not found")  # NOT_FOUND, worded by the resolver
        members_attach(node.members, windows, rows)
        return write(rows[0])

    return run


@root_planner("organizations")
def organizations_plan(compiler: Compiler, selection: Selection):
    """The plan of `organizations`: its page and everything below it, from rows."""
    node = OrganizationNodePlan()
    connection = connection_plan(compiler, selection, lambda c, s: node.compile(c, s))

    def run(request, variables: dict[str, Any]) -> dict[str, Any]:
        if not request.user.is_authenticated:
            raise Fallback("login required")  # the resolver's own refusal
        args = arguments(selection, variables)
        if any(value is not None for key, value in args.items() if key not in ORGANIZATIONS_PAGING):
            raise Fallback("filter")
        try:
            args = page_arguments_checked(args)
            keyset = ORGANIZATION_ORDERING.keyset_of(args.get(ORDER_BY_KEY))
            window = page_window(args, keyset)
            windows = [members.window(variables) for members in node.members]
        except (ApiError, GraphQLError) as error:
            raise Fallback("arguments") from error
        page = Page(rows=[], has_previous=False, has_next=False)
        offset = args.get("offset") or 0
        # The page's query counts too (`total_count`), unless it is keyset_page's two.
        total = connection.count and not (offset and window.first is None)
        columns = _columns(node, total=total)
        rows: list[dict] = []
        if connection.rows and offset and window.first is None:
            queryset, _ = _scoped(node, request.user)
            page = keyset_page(  # two queries: no template
                queryset.values(*columns),
                keyset,
                after=window.after,
                before=window.before,
                last=window.last,
                offset=offset,
            )
        elif connection.rows:

            def build(inputs: tuple):
                after, before = _cursor_values(window, inputs[1:])
                scoped, _ = _scoped(node, _viewer(request.user, inputs[0]), total=total)
                return keyset_window(
                    scoped.values(*columns),
                    keyset,
                    after=after,
                    before=before,
                    first=window.first,
                    last=window.last,
                    offset=offset,
                )

            sees_all = user_sees_all_organizations(request.user)
            key = (
                "organizations",
                tuple(columns),
                sees_all,
                keyset.signature,
                _window_key(window),
                offset,
            )
            inputs = (request.user.pk, *_window_inputs(window))
            rows = query_templates.rows(key, build, inputs)
            page = keyset_cut(rows, first=window.first, last=window.last)
        members_attach(node.members, windows, page.rows)
        if total and rows:
            return connection.build(page, keyset, lambda: rows[0]["total_count"])
        return connection.build(page, keyset, lambda: _count(request.user))

    return run
