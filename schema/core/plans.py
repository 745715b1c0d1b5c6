"""Compiled plans: answering a validated query without graphql-core's per-field execution.

graphql-core builds a resolve-info, a path and a completion for every field of
every object: for a page of 50 organizations with 5 members each that is about
2,000 field executions, most of a request's time. A plan is compiled once per
cached document (and operation, and values of the variables its `@skip` and
`@include` read): for each root field a domain module registered a planner for
(`root_planner`), the planner turns the collected selection into a function
that builds the field's answer straight from database rows, calling the same
selectors (scoping, ordering, paging) as the resolvers do.

A plan answers only what it knows exactly. A selection a planner does not know
(an unknown field, a private or permission-checked one) compiles to no plan; at
run time anything unusual (an error, a null where the schema says non-null,
arguments the resolvers would refuse, an answer near the size limit) raises
`Fallback`, and graphql-core answers the request from the start: the answer a
client gets is always graphql-core's answer, only sooner.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLField,
    GraphQLObjectType,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    get_nullable_type,
    is_non_null_type,
)
from graphql.execution.collect_fields import collect_fields, collect_sub_fields
from graphql.execution.values import get_argument_values
from graphql.language import FragmentDefinitionNode

# Directives that change which fields are collected; their variables key the plans.
CONDITION_DIRECTIVES = ("skip", "include")


class Unplannable(Exception):
    """Compiling: the selection holds something no plan knows; graphql-core answers it."""


class Fallback(Exception):
    """Running: this request is not one the plan answers exactly; graphql-core answers it."""


@dataclass(frozen=True)
class Selection:
    """One collected field: its response name, definition, nodes and parent type."""

    response_name: str
    name: str
    nodes: tuple[FieldNode, ...]
    definition: GraphQLField
    parent: GraphQLObjectType


class Compiler:
    """What a planner needs to walk a selection: the schema, fragments and variables."""

    def __init__(self, schema: GraphQLSchema, fragments, variables: dict[str, Any]) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.selections = 0  # how many were compiled: what a plan's size grows with

    def _selections(self, parent: GraphQLObjectType, collected) -> list[Selection]:
        selections = []
        for response_name, nodes in collected.items():
            name = nodes[0].name.value
            if name == "__typename":
                definition = None
            else:
                definition = parent.fields.get(name)
                if definition is None:  # an introspection field: __schema, __type
                    raise Unplannable(name)
            selections.append(Selection(response_name, name, tuple(nodes), definition, parent))
        self.selections += len(selections)
        return selections

    def root(self, operation: OperationDefinitionNode) -> list[Selection]:
        query = self.schema.query_type
        collected = collect_fields(
            self.schema, self.fragments, self.variables, query, operation.selection_set
        )
        return self._selections(query, collected)

    def children(self, selection: Selection) -> list[Selection]:
        """The fields selected below `selection`, through fragments and directives."""
        object_type = get_nullable_type(selection.definition.type)
        while not isinstance(object_type, GraphQLObjectType):
            object_type = get_nullable_type(getattr(object_type, "of_type", None))
            if object_type is None:
                raise Unplannable(selection.name)
        collected = collect_sub_fields(
            self.schema, self.fragments, self.variables, object_type, list(selection.nodes)
        )
        return self._selections(object_type, collected)


def leaf_serializer(selection: Selection) -> Callable[[Any], Any]:
    """The field type's own serializer; a null where the schema says non-null is a Fallback."""
    serialize = get_nullable_type(selection.definition.type).serialize
    if not is_non_null_type(selection.definition.type):
        return lambda value: None if value is None else serialize(value)

    def non_null(value):
        if value is None:
            raise Fallback(selection.name)
        return serialize(value)

    return non_null


def arguments(selection: Selection, variables: dict[str, Any]) -> dict[str, Any]:
    """The field's arguments as its resolver gets them; a coercion error is a Fallback."""
    try:
        return get_argument_values(selection.definition, selection.nodes[0], variables)
    except Exception as error:  # graphql-core reports it, with its path
        raise Fallback(selection.name) from error


# A compiled root field: (request, coerced variables) -> the field's answer.
RootRun = Callable[[Any, dict[str, Any]], Any]
RootPlanner = Callable[[Compiler, Selection], RootRun]
_ROOT_PLANNERS: dict[str, RootPlanner] = {}


def root_planner(field_name: str) -> Callable[[RootPlanner], RootPlanner]:
    """Register the planner of a Query field (a domain's plans module does, at import)."""

    def register(planner: RootPlanner) -> RootPlanner:
        _ROOT_PLANNERS[field_name] = planner
        return planner

    return register


@dataclass(frozen=True)
class Plan:
    """A compiled query: each root field's response name and how to build its answer."""

    roots: tuple[tuple[str, RootRun], ...]
    selections: int = 0  # how many selections it was compiled from (fragments expanded)

    def run(self, request, variables: dict[str, Any]) -> dict[str, Any]:
        return {name: run(request, variables) for name, run in self.roots}


def plan_compile(
    schema: GraphQLSchema, document: DocumentNode, operation, variables: dict[str, Any]
) -> Plan | None:
    """The plan of `operation`, or None when a field in it is not one a plan knows."""
    if operation.operation is not OperationType.QUERY:
        return None
    fragments = {
        definition.name.value: definition
        for definition in document.definitions
        if isinstance(definition, FragmentDefinitionNode)
    }
    compiler = Compiler(schema, fragments, variables)
    roots = []
    try:
        for selection in compiler.root(operation):
            if selection.name == "__typename":
                roots.append((selection.response_name, lambda request, variables: "Query"))
                continue
            planner = _ROOT_PLANNERS.get(selection.name)
            if planner is None:
                return None
            roots.append((selection.response_name, planner(compiler, selection)))
    except Unplannable:
        return None
    return Plan(tuple(roots), compiler.selections)
