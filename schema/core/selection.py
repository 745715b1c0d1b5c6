"""What the client selected, to load only what a query needs."""

from graphql import FieldNode, FragmentSpreadNode, InlineFragmentNode


def _selections_contain(selection_set, field_name: str, fragments, seen: set[str]) -> bool:
    if selection_set is None:
        return False
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            if selection.name.value == field_name:
                return True
            nested = selection.selection_set
        elif isinstance(selection, InlineFragmentNode):
            nested = selection.selection_set
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            if name in seen or name not in fragments:
                continue
            seen.add(name)
            nested = fragments[name].selection_set
        else:
            continue
        if _selections_contain(nested, field_name, fragments, seen):
            return True
    return False


def is_selected(info, field_name: str) -> bool:
    """Whether `field_name` appears anywhere below the field being resolved."""
    return any(
        _selections_contain(node.selection_set, field_name, info.fragments, set())
        for node in info.field_nodes
    )
