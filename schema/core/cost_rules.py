"""The price of each field of the schema, Shopify style: a rule, and a few exceptions.

Every field has a cost, set by a rule (`field_cost`) with a few exceptions
(`COST_OVERRIDES`):

- a scalar or enum field: 0; `__typename`: 0;
- an object, interface or union field: 1 (one more object to load);
- a connection field (it returns a type with `edges` and `pageInfo` and takes
  `first`/`last`): 2, and what is selected under its `edges` counts once per
  item of the page (cost.py sizes the page);
- the connection's own structure (`edges`, `pageInfo`) and an edge's `cursor`: 0;
- a root mutation field: 10.
"""

from dataclasses import dataclass
from functools import cache as memoize

from graphql import (
    GraphQLField,
    GraphQLList,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    get_named_type,
    get_nullable_type,
    is_leaf_type,
)

SCALAR_COST = 0
OBJECT_COST = 1
CONNECTION_COST = 2
MUTATION_COST = 10
# The arguments that size a connection's page.
PAGE_ARGUMENTS = ("first", "last")

# Exceptions to the rules, by "Type.field". tests/schema/core/test_cost.py checks
# that each names a field of the schema.
COST_OVERRIDES: dict[str, int] = {
    # A scalar, but a COUNT query of its own (per parent, for a nested connection).
    "OrganizationConnection.totalCount": 1,
    "MembershipConnection.totalCount": 1,
    "InvitationConnection.totalCount": 1,
    "AuditEventConnection.totalCount": 1,
}


@dataclass(frozen=True, slots=True)
class FieldCost:
    """What selecting one field costs, and how it scales its children."""

    cost: int
    # Its children are priced per page: what is under `edges` counts per item.
    connection: bool = False
    # A connection's list of edges: its subtree counts once per item of the page.
    per_item: bool = False
    # The type its children are selected on.
    type_name: str = ""


def is_connection_type(graphql_type: GraphQLNamedType) -> bool:
    """Whether a type is a Relay connection: an object with `edges` (a list) and `pageInfo`."""
    if not isinstance(graphql_type, GraphQLObjectType):
        return False
    edges = graphql_type.fields.get("edges")
    return (
        edges is not None
        and "pageInfo" in graphql_type.fields
        and isinstance(get_nullable_type(edges.type), GraphQLList)
    )


def is_connection_field(field: GraphQLField) -> bool:
    """Whether a field is a paged connection: a connection type sized by `first`/`last`."""
    return is_connection_type(get_named_type(field.type)) and any(
        name in field.args for name in PAGE_ARGUMENTS
    )


def field_cost(schema: GraphQLSchema, parent: GraphQLNamedType, name: str) -> FieldCost:
    """The cost of field `name` of type `parent`, by the rules above and COST_OVERRIDES."""
    field = parent.fields[name]
    named = get_named_type(field.type)
    connection = is_connection_field(field)
    in_connection = is_connection_type(parent)
    override = COST_OVERRIDES.get(f"{parent.name}.{name}")
    if override is not None:
        cost = override
    elif parent is schema.mutation_type:
        cost = MUTATION_COST
    elif connection:
        cost = CONNECTION_COST
    elif is_leaf_type(named) or in_connection:
        # A connection's `edges` and `pageInfo` are paid for by the connection.
        cost = SCALAR_COST
    else:
        cost = OBJECT_COST
    return FieldCost(
        cost=cost,
        connection=connection,
        per_item=in_connection and isinstance(get_nullable_type(field.type), GraphQLList),
        type_name=named.name,
    )


@memoize
def schema_costs(schema: GraphQLSchema) -> dict[str, dict[str, FieldCost]]:
    """The cost of every field of every object and interface type, introspection included."""
    return {
        type_name: {name: field_cost(schema, graphql_type, name) for name in graphql_type.fields}
        for type_name, graphql_type in schema.type_map.items()
        if hasattr(graphql_type, "fields") and not is_leaf_type(graphql_type)
    }
