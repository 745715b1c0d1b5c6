"""What the client selected, to load only what a query needs."""

from collections.abc import Iterable
from typing import Any

from graphql import FieldNode, FragmentSpreadNode, InlineFragmentNode
from graphql.execution.values import get_argument_values


def selected_field_names(info) -> set[str]:
    """Every field name below the field being resolved, through fragments, in one walk."""
    names: set[str] = set()
    seen_fragments: set[str] = set()
    pending = [node.selection_set for node in info.field_nodes]
    while pending:
        selection_set = pending.pop()
        if selection_set is None:
            continue
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                names.add(selection.name.value)
                pending.append(selection.selection_set)
            elif isinstance(selection, InlineFragmentNode):
                pending.append(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name not in seen_fragments and name in info.fragments:
                    seen_fragments.add(name)
                    pending.append(info.fragments[name].selection_set)
    return names


def child_fields(field_nodes: Iterable[FieldNode], fragments: dict) -> list[FieldNode]:
    """The fields directly below `field_nodes`, through inline fragments and fragment spreads."""
    children: list[FieldNode] = []
    seen_fragments: set[str] = set()
    pending = [node.selection_set for node in field_nodes]
    while pending:
        selection_set = pending.pop()
        if selection_set is None:
            continue
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                children.append(selection)
            elif isinstance(selection, InlineFragmentNode):
                pending.append(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name not in seen_fragments and name in fragments:
                    seen_fragments.add(name)
                    pending.append(fragments[name].selection_set)
    return children


def fields_named(info, name: str) -> list[FieldNode]:
    """Every field called `name` below the field being resolved, not looking inside them.

    Meant for a name that only one type has (an Organization's `members`).
    `@skip`/`@include` are not evaluated: a skipped field is still found.
    """
    found: list[FieldNode] = []
    pending = child_fields(info.field_nodes, info.fragments)
    seen: set[int] = set()
    while pending:
        node = pending.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if node.name.value == name:
            found.append(node)
        else:
            pending.extend(child_fields([node], info.fragments))
    return found


def argument_values(info, parent_type: str, node: FieldNode) -> dict[str, Any]:
    """The arguments of a field further down, with the request's variables filled in."""
    field_definition = info.schema.get_type(parent_type).fields[node.name.value]
    return get_argument_values(field_definition, node, info.variable_values)
