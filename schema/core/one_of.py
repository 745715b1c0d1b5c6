"""`@oneOf` input objects: graphene 3.4 cannot declare them, graphql-core 3.2.14 enforces them.

graphql-core reads `GraphQLInputObjectType.is_one_of` wherever it matters: the
schema check (every field nullable, no defaults), validation of literals
(ValuesOfCorrectTypeRule) and of variables (VariablesInAllowedPositionRule),
coercion of variable values, printing (`@oneOf` in the SDL) and introspection
(`isOneOf`). graphene's InputObjectType has no Meta option for it and builds
every input object with the flag off, so `one_of_marked` sets it on the built
schema for the subclasses of `OneOfInputObjectType`. graphql-core's messages
name only the type; `one_of_message` adds the fields to choose from.
"""

import re

import graphene
from graphql import assert_valid_schema

# Input object name -> its fields as the schema names them; filled by one_of_marked.
ONE_OF_FIELDS: dict[str, tuple[str, ...]] = {}
# graphql-core's wordings: validation ("OneOf Input Object 'X' must specify exactly
# one key.", "... for OneOf Input Object 'X'.") and coercion ("... for OneOf type 'X'.").
_ONE_OF_TYPE = re.compile(
    r"OneOf (?:Input Object|type) '(\w+)'|Field '(\w+)\.\w+' must be non-null"
)


class OneOfInputObjectType(graphene.InputObjectType):
    """An input object that takes exactly one of its fields, not null (`@oneOf`)."""

    class Meta:
        abstract = True


def one_of_hint(type_name: str) -> str:
    """The sentence that says which fields a oneOf input takes."""
    fields = " or ".join(f"`{name}`" for name in ONE_OF_FIELDS[type_name])
    return f"{type_name} takes exactly one of {fields}, not null."


def one_of_marked(schema: graphene.Schema) -> graphene.Schema:
    """`schema` with its OneOfInputObjectType inputs marked `@oneOf`, checked by graphql-core."""
    graphql_schema = schema.graphql_schema
    for name, graphql_type in graphql_schema.type_map.items():
        graphene_type = getattr(graphql_type, "graphene_type", None)
        if isinstance(graphene_type, type) and issubclass(graphene_type, OneOfInputObjectType):
            graphql_type.is_one_of = True
            ONE_OF_FIELDS[name] = tuple(graphql_type.fields)
    # Checked again with the flags on (a oneOf field must be nullable, without a default).
    graphql_schema._validation_errors = None
    assert_valid_schema(graphql_schema)
    return schema


def one_of_message(message: str) -> str:
    """`message` with the fields to choose from, when it is graphql-core's oneOf refusal."""
    match = _ONE_OF_TYPE.search(message)
    type_name = match and (match.group(1) or match.group(2))
    if type_name not in ONE_OF_FIELDS:
        return message
    return f"{message} {one_of_hint(type_name)}"
