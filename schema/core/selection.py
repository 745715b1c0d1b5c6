"""What the client selected, to load only what a query needs."""

from graphql import FieldNode, FragmentSpreadNode, InlineFragmentNode


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
