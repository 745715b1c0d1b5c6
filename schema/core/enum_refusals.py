"""Refusals of an enum value that name the valid values, where the schema is readable anyway.

The values are listed when introspection is on (GRAPHQL_INTROSPECTION_ENABLED:
any client can read them from `__type` then, so naming them discloses
nothing) or when suggestions are (GRAPHQL_SUGGESTIONS_ENABLED, "Did you mean
...?"). With both off, the production default, a stranger learns no more about
the schema from a refusal than from a refused introspection query; the values
are in schema.graphql, which typed clients are generated from.
"""

from django.conf import settings
from graphql import GraphQLEnumType, GraphQLError, GraphQLSchema


def values_listed(hide_suggestions: bool) -> bool:
    """Whether a refusal names the valid values, for graphql-core's `hide_suggestions`."""
    return not hide_suggestions or settings.GRAPHQL_INTROSPECTION_ENABLED


def _listing_valid_values(parse, valid: str):
    def parse_or_list(*args):
        # graphql-core passes `hide_suggestions` last to an enum's parse functions.
        hide_suggestions = len(args) > 1 and args[-1] is True
        try:
            return parse(*args)
        except GraphQLError as error:
            if not values_listed(hide_suggestions):
                raise
            raise GraphQLError(
                f"{error.message} Valid values: {valid}.", error.nodes, original_error=error
            ) from None

    return parse_or_list


def enum_refusals_list_values(schema: GraphQLSchema) -> None:
    """Make every enum of `schema` name its values when it refuses one ("COLOUR" for a field)."""
    for graphql_type in schema.type_map.values():
        if not isinstance(graphql_type, GraphQLEnumType) or graphql_type.name.startswith("__"):
            continue
        valid = ", ".join(graphql_type.values)
        graphql_type.parse_value = _listing_valid_values(graphql_type.parse_value, valid)
        graphql_type.parse_literal = _listing_valid_values(graphql_type.parse_literal, valid)
