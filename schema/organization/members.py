"""Which `members` pages a request asks for, read from its selection, to cut them in SQL.

`OrganizationType.get_queryset` prefetches one page query per distinct window
(`first`/`after`/`last`/`before`, the same for every organization of a
request: cursors are keyset bounds) for all the organizations it loads
(`resolve_members` then refuses a cursor on any organization but its own);
`resolve_members` finds its rows under `page_attribute(window)`. Aliases with
the same arguments share a query; aliases with different arguments each get
theirs. A window that is not
prefetched (an organization in a mutation's payload, say) is fetched for that
one organization, the same way.
"""

import hashlib
from dataclasses import astuple, dataclass

from graphene.utils.str_converters import to_camel_case
from graphql import FieldNode, GraphQLError

from organization.models import Membership, Organization
from organization.selectors import MEMBER_USER_FIELDS, MEMBERSHIP_KEYSET, membership_page
from schema.accounts.types import UserType
from schema.core.connections import PageWindow, page_arguments_checked, page_window
from schema.core.errors import ApiError
from schema.core.selection import argument_values, child_fields, fields_named

# GraphQL name of a User field -> the column a member page loads for it.
USER_COLUMNS = {
    to_camel_case(name): name for name in UserType._meta.fields if name in MEMBER_USER_FIELDS
} | {"displayName": "username"}


def page_attribute(window: PageWindow) -> str:
    """Where an organization keeps its prefetched rows of `window` (a `Prefetch.to_attr`)."""
    # A digest: the window holds cursor values (text, datetimes), not an attribute name.
    digest = hashlib.sha256(repr(astuple(window)).encode()).hexdigest()[:24]
    return f"members_page_{digest}"


@dataclass(frozen=True)
class MembersPage:
    """What the `members` fields of one window need, the same for every organization."""

    window: PageWindow
    rows: bool  # edges or pageInfo selected: membership rows needed
    count: bool  # totalCount selected
    user_columns: frozenset[str] | None  # None: `user` not selected, no join

    def merged(self, other: "MembersPage") -> "MembersPage":
        """One page that serves both (same window): what either needs."""
        columns = [c for c in (self.user_columns, other.user_columns) if c is not None]
        return MembersPage(
            window=self.window,
            rows=self.rows or other.rows,
            count=self.count or other.count,
            user_columns=frozenset().union(*columns) if columns else None,
        )

    def queryset(self, organization: Organization | None = None):
        """The rows of this page for `organization`, or for any (a Prefetch filters them)."""
        window = self.window
        return membership_page(
            organization=organization,
            after=window.after,
            before=window.before,
            first=window.first,
            last=window.last,
            user_fields=self.user_columns,
        )


def members_page(field_nodes: list[FieldNode], window: PageWindow, fragments) -> MembersPage:
    """The page one `members` field (its nodes, its window) needs."""
    below = child_fields(field_nodes, fragments)
    names = {node.name.value for node in below}
    edges = [node for node in below if node.name.value == "edges"]
    nodes = [node for node in child_fields(edges, fragments) if node.name.value == "node"]
    users = [node for node in child_fields(nodes, fragments) if node.name.value == "user"]
    user_columns = None
    if users:
        user_columns = frozenset(
            USER_COLUMNS[node.name.value]
            for node in child_fields(users, fragments)
            if node.name.value in USER_COLUMNS
        )
    return MembersPage(
        window=window,
        rows=bool(names & {"edges", "pageInfo"}),
        count="totalCount" in names,
        user_columns=user_columns,
    )


def members_pages(info) -> list[MembersPage]:
    """The pages of the `members` fields below the field being resolved, one per window.

    A field whose arguments are refused is left out: its resolver raises the
    error on each organization, as it would without any prefetch.
    """
    pages: dict[PageWindow, MembersPage] = {}
    for node in fields_named(info, "members"):
        try:
            args = page_arguments_checked(argument_values(info, "Organization", node))
            window = page_window(args, MEMBERSHIP_KEYSET, scoped=True)
        except (ApiError, GraphQLError):
            continue
        page = members_page([node], window, info.fragments)
        pages[page.window] = pages[page.window].merged(page) if page.window in pages else page
    return list(pages.values())


def members_rows(organization: Organization, info, window: PageWindow) -> list[Membership]:
    """The rows of this `members` window for `organization`: prefetched, or fetched now."""
    rows = getattr(organization, page_attribute(window), None)
    if rows is None:
        page = members_page(info.field_nodes, window, info.fragments)
        rows = list(page.queryset(organization)) if page.rows else []
    return rows
