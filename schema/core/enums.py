"""Refusals of an enum value that name the valid values, where suggestions are allowed."""

from graphql import GraphQLEnumType, GraphQLError, GraphQLSchema


def _listing_valid_values(parse, valid: str):
    def parse_or_list(*args):
        # graphql-core passes `hide_suggestions` last to an enum's parse functions.
        hide_suggestions = len(args) > 1 and args[-1] is True
        try:
            return parse(*args)
        except GraphQLError as error:
            if hide_suggestions:
                raise
            raise GraphQLError(
                f"{error.message} Valid values: {valid}.", error.nodes, original_error=error
            ) from None

    return parse_or_list


def enum_refusals_list_values(schema: GraphQLSchema) -> None:
    """Make every enum of `schema` name its values when it refuses one ("COLOUR" for a field).

    Off with GRAPHQL_SUGGESTIONS_ENABLED (graphql-core's `hide_suggestions`), like
    "Did you mean ...?": the values would rebuild the schema without introspection.
    """
    for graphql_type in schema.type_map.values():
        if not isinstance(graphql_type, GraphQLEnumType) or graphql_type.name.startswith("__"):
            continue
        valid = ", ".join(graphql_type.values)
        graphql_type.parse_value = _listing_valid_values(graphql_type.parse_value, valid)
        graphql_type.parse_literal = _listing_valid_values(graphql_type.parse_literal, valid)
