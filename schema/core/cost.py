"""Query cost, Shopify style: the price of an operation for one request's variables.

Each field's price comes from cost_rules.py. A connection's `edges` subtree
counts once per item of its page: `first` or `last` (the larger when both come),
read from the literal or the request's variables; the default page size when
neither is given or null; the maximum page size when the value cannot be known
(not an integer: execution refuses it anyway).

Lists outside connections are not multiplied: the schema has none whose length
a client chooses. Fragments count each time they are spread (an alias counts
as a field of its own), each fragment priced once per request, so the walk is
linear in the document.

The price depends on the variables, so it is computed per request, after the
cached validation (the document is known to be valid then), before execution;
cost_checks.py refuses an operation over GRAPHQL_MAX_QUERY_COST and charges the
rest to the caller's budget (budget.py).
"""

from typing import Any

from django.conf import settings
from graphql import (
    DocumentNode,
    FieldNode,
    FloatValueNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    NullValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
)

from schema.core.cost_rules import (
    OBJECT_COST,
    PAGE_ARGUMENTS,
    SCALAR_COST,
    FieldCost,
    schema_costs,
)

# The introspection entry points; their types' fields follow the rules like any other.
META_FIELD_TYPES = {"__schema": "__Schema", "__type": "__Type"}


class _OperationPricer:
    """Prices one operation for one request's variables; each fragment priced once."""

    def __init__(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        operation: OperationDefinitionNode,
        variables: dict[str, Any] | None,
    ) -> None:
        self.costs = schema_costs(schema)
        self.fragments = {
            definition.name.value: definition
            for definition in document.definitions
            if isinstance(definition, FragmentDefinitionNode)
        }
        self.variables = variables or {}
        self.variable_defaults = {
            definition.variable.name.value: definition.default_value
            for definition in operation.variable_definitions or ()
            if definition.default_value is not None
        }
        self.default_page_size = settings.GRAPHQL_DEFAULT_PAGE_SIZE
        self.max_page_size = settings.GRAPHQL_MAX_PAGE_SIZE
        # A fragment's cost depends only on its type condition and, spread
        # directly in a connection, that connection's page size: priced once
        # per (name, page). None while it is being priced, so a cycle (refused
        # by validation anyway) cannot recurse forever.
        self._fragment_costs: dict[tuple[str, int], int | None] = {}

    def selection_set(self, node: SelectionSetNode | None, type_name: str, page: int) -> int:
        """The cost of a selection set on `type_name`; `page` sizes a connection's edges."""
        if node is None:
            return 0
        fields = self.costs.get(type_name, {})
        total = 0
        for selection in node.selections:
            if isinstance(selection, FieldNode):
                total += self.field(selection, fields, page)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                total += self.selection_set(
                    selection.selection_set,
                    condition.name.value if condition else type_name,
                    page,
                )
            else:
                total += self.fragment(selection, page)
        return total

    def field(self, node: FieldNode, fields: dict[str, FieldCost], page: int) -> int:
        name = node.name.value
        cost = fields.get(name)
        if cost is None:
            if name in META_FIELD_TYPES:
                return OBJECT_COST + self.selection_set(
                    node.selection_set, META_FIELD_TYPES[name], 1
                )
            return SCALAR_COST  # __typename (validation refused any other unknown field)
        if cost.connection:
            return cost.cost + self.selection_set(
                node.selection_set, cost.type_name, self.page_size(node)
            )
        children = self.selection_set(node.selection_set, cost.type_name, 1)
        return cost.cost + (page * children if cost.per_item else children)

    def fragment(self, spread: FragmentSpreadNode, page: int) -> int:
        name = spread.name.value
        # Spread directly in a connection (`organizations { ...Page }`), a
        # fragment prices its edges by that page.
        key = (name, page)
        if key in self._fragment_costs:
            return self._fragment_costs[key] or 0
        definition = self.fragments.get(name)
        if definition is None:
            return 0
        self._fragment_costs[key] = None
        value = self.selection_set(
            definition.selection_set, definition.type_condition.name.value, page
        )
        self._fragment_costs[key] = value
        return value

    def page_size(self, node: FieldNode) -> int:
        """The items a connection field may return, from `first`/`last` (see the module doc)."""
        sizes = [
            self.argument_value(argument.value)
            for argument in node.arguments
            if argument.name.value in PAGE_ARGUMENTS
        ]
        given = [size for size in sizes if size is not None]
        if not given:
            return self.default_page_size
        # A negative size is refused at execution, a size above the maximum too
        # (PAGE_SIZE_TOO_LARGE, the clearer answer): neither costs more than the cap.
        return min(max(max(given), 0), self.max_page_size)

    def argument_value(self, node) -> int | None:
        if isinstance(node, VariableNode):
            name = node.name.value
            if name in self.variables:
                return self._integer(self.variables[name])
            default = self.variable_defaults.get(name)
            return None if default is None else self.argument_value(default)
        if isinstance(node, IntValueNode):
            return int(node.value)
        if isinstance(node, FloatValueNode):
            return self._integer(float(node.value))
        return None if isinstance(node, NullValueNode) else self.max_page_size

    def _integer(self, value: Any) -> int | None:
        if value is None:
            return None
        if isinstance(value, bool):
            return self.max_page_size
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        # Not an Int: coercion refuses it before anything runs; price it as the worst.
        return self.max_page_size


def operation_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: dict[str, Any] | None = None,
) -> int:
    """The requested cost of a validated operation with these variables."""
    pricer = _OperationPricer(schema, document, operation, variables)
    root = schema.get_root_type(operation.operation)
    return pricer.selection_set(operation.selection_set, root.name if root else "", 1)
