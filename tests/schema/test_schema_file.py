"""schema.graphql is the API in review: it must match the code, and document all of it."""

from graphql import (
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    print_schema,
    specified_scalar_types,
)

from config.settings.base import BASE_DIR
from schema import schema

SCHEMA_FILE = BASE_DIR / "schema.graphql"


def test_schema_file_matches_the_code():
    # given
    printed = print_schema(schema.graphql_schema) + "\n"

    # when
    committed = SCHEMA_FILE.read_text(encoding="utf-8")

    # then
    assert committed == printed, "schema.graphql is stale: run `make schema` and commit it"


def _undocumented() -> list[str]:
    missing = []
    for name, graphql_type in schema.graphql_schema.type_map.items():
        if name.startswith("__") or name in specified_scalar_types:
            continue
        if not graphql_type.description:
            missing.append(name)
        if not isinstance(
            graphql_type, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType
        ):
            continue
        for field_name, field in graphql_type.fields.items():
            if not field.description:
                missing.append(f"{name}.{field_name}")
            for argument_name, argument in getattr(field, "args", {}).items():
                if not argument.description:
                    missing.append(f"{name}.{field_name}({argument_name})")
    return missing


def test_every_type_field_argument_and_mutation_has_a_description():
    # GraphiQL's docs pane is the API reference.
    assert _undocumented() == []


# graphene's own descriptions of a global ID, which say nothing a client can use.
PLACEHOLDER_DESCRIPTIONS = {"The ID of the object", "An object with an ID"}


def test_no_description_is_a_graphene_placeholder():
    # given
    described = []
    for name, graphql_type in schema.graphql_schema.type_map.items():
        described.append((name, graphql_type.description))
        for field_name, field in getattr(graphql_type, "fields", {}).items():
            described.append((f"{name}.{field_name}", field.description))
            for argument_name, argument in getattr(field, "args", {}).items():
                described.append((f"{name}.{field_name}({argument_name})", argument.description))

    # when
    placeholders = [name for name, text in described if text in PLACEHOLDER_DESCRIPTIONS]

    # then
    assert placeholders == []
