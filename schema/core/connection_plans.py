"""The compiled plan of a Relay connection's selection (plans.py): `totalCount`,
`pageInfo`, `edges { cursor node }` and `__typename`, written from a cut page.

The cursors are the ones `connection_from_page` gives (cursors.py, the row's
sort values); `startCursor`/`endCursor` are the first and last edge's, as there.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from organization.keyset import Keyset, Page
from schema.core.cursors import cursor_encode
from schema.core.plans import Compiler, Selection, Unplannable, leaf_serializer

# A node's writer: its row -> its answer.
NodeWriter = Callable[[Any], dict[str, Any]]


@dataclass
class ConnectionPlan:
    """Which parts of a connection are selected, and how each is written."""

    # (response name, kind, what writes it), in the selection's order.
    parts: list[tuple[str, str, Any]] = field(default_factory=list)
    rows: bool = False  # edges or pageInfo selected: the page's rows are needed
    count: bool = False  # totalCount selected
    cursors: bool = False  # an edge's cursor or pageInfo selected: the rows' sort values too

    def build(
        self, page: Page, keyset: Keyset, count: Callable[[], int], *, scope: int | None = None
    ) -> dict[str, Any]:
        """The connection's answer for `page`; `count` runs only if `totalCount` is selected.
        `scope`: the id of the object whose list this is, which its cursors carry."""
        if self.cursors:
            cursors = [cursor_encode(keyset, keyset.values(row), scope=scope) for row in page.rows]
        else:
            cursors = [None] * len(page.rows)
        answer: dict[str, Any] = {}
        for name, kind, extra in self.parts:
            if kind == "totalCount":
                answer[name] = extra(count())
            elif kind == "edges":
                answer[name] = [
                    {key: write(row, cursor) for key, write in extra}
                    for row, cursor in zip(page.rows, cursors, strict=True)
                ]
            elif kind == "pageInfo":
                info = {
                    "hasNextPage": page.has_next,
                    "hasPreviousPage": page.has_previous,
                    "startCursor": cursors[0] if cursors else None,
                    "endCursor": cursors[-1] if cursors else None,
                }
                answer[name] = {key: write(info) for key, write in extra}
            else:  # __typename
                answer[name] = extra
        return answer


def _constant(value: str) -> Callable[..., str]:
    return lambda *row: value


def _page_info_writer(part: Selection) -> Callable[[dict], Any]:
    if part.name == "__typename":
        return _constant(part.parent.name)
    serialize = leaf_serializer(part)
    return lambda info, name=part.name: serialize(info[name])


def _edge_writer(compiler: Compiler, part: Selection, node_plan) -> Callable[[Any, str], Any]:
    if part.name == "__typename":
        return _constant(part.parent.name)
    if part.name == "cursor":
        serialize = leaf_serializer(part)
        return lambda row, cursor: serialize(cursor)
    if part.name == "node":
        write = node_plan(compiler, part)
        return lambda row, cursor: write(row)
    raise Unplannable(part.name)


def connection_plan(
    compiler: Compiler, selection: Selection, node_plan: Callable[[Compiler, Selection], NodeWriter]
) -> ConnectionPlan:
    """The plan of a connection field; `node_plan` compiles each selection of its `node`."""
    plan = ConnectionPlan()
    for part in compiler.children(selection):
        if part.name == "__typename":
            plan.parts.append((part.response_name, "typename", part.parent.name))
        elif part.name == "totalCount":
            plan.count = True
            plan.parts.append((part.response_name, "totalCount", leaf_serializer(part)))
        elif part.name == "pageInfo":
            plan.rows = plan.cursors = True
            writers = [
                (info.response_name, _page_info_writer(info)) for info in compiler.children(part)
            ]
            plan.parts.append((part.response_name, "pageInfo", writers))
        elif part.name == "edges":
            plan.rows = True
            edges = compiler.children(part)
            plan.cursors = plan.cursors or any(edge.name == "cursor" for edge in edges)
            writers = [
                (edge.response_name, _edge_writer(compiler, edge, node_plan)) for edge in edges
            ]
            plan.parts.append((part.response_name, "edges", writers))
        else:
            raise Unplannable(part.name)
    return plan
