"""`enum ErrorCode` in the SDL is the server's ErrorCode, every value described."""

import re

from graphql import GraphQLEnumType

from config.settings.base import BASE_DIR
from schema import schema
from schema.core.codes import ERROR_CODE_DESCRIPTIONS, ErrorCode


def test_the_sdl_enum_lists_exactly_the_server_codes_each_described():
    # given
    published = schema.graphql_schema.get_type("ErrorCode")

    # then
    assert isinstance(published, GraphQLEnumType)
    assert published.description
    assert list(published.values) == [code.value for code in ErrorCode]
    assert {name: value.description for name, value in published.values.items()} == (
        ERROR_CODE_DESCRIPTIONS
    )
    assert all(description.strip() for description in ERROR_CODE_DESCRIPTIONS.values())


def test_graphiql_finds_the_enum_by_introspection(api, settings):
    # given
    settings.GRAPHQL_INTROSPECTION_ENABLED = True

    # when
    result = api.execute('{ __type(name: "ErrorCode") { kind enumValues { name description } } }')

    # then
    values = result["data"]["__type"]["enumValues"]
    assert result["data"]["__type"]["kind"] == "ENUM"
    assert [value["name"] for value in values] == [code.value for code in ErrorCode]
    assert all(value["description"] for value in values)


def test_every_code_the_server_raises_is_in_the_enum():
    # given: every `ErrorCode.X` the server's code names
    sources = [
        path
        for folder in ("schema", "accounts", "organization", "config")
        for path in (BASE_DIR / folder).rglob("*.py")
    ]
    named = {
        name
        for path in sources
        for name in re.findall(r"\bErrorCode\.([A-Z][A-Z_]*)\b", path.read_text(encoding="utf-8"))
    }

    # then
    assert named
    assert named <= set(ErrorCode.__members__)
