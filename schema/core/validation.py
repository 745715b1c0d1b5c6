"""Validation of a parsed document: our limits first, then graphql-core's rules.

graphql-core's `validate(rules=...)` replaces its standard rules rather than
adding to them, so the second pass always starts from `specified_rules`.
"""

import re
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from graphene_django.settings import graphene_settings
from graphql import (
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    StringValueNode,
    ValidationRule,
    specified_rules,
    validate,
)
from graphql.validation import NoSchemaIntrospectionCustomRule

from schema.core.errors import ErrorCode
from schema.core.limits import LIMIT_RULES


class IntrospectionDisabledRule(NoSchemaIntrospectionCustomRule):
    """graphql-core's rule against `__schema` and `__type`, with our error code.

    `__typename` is not introspection here (graphene's DisableIntrospection also
    refuses it, which breaks Apollo and Relay clients).
    """

    def report_error(self, error: GraphQLError) -> None:
        super().report_error(
            GraphQLError(
                error.message,
                error.nodes,
                extensions={"code": ErrorCode.INTROSPECTION_DISABLED.value},
            )
        )


NUL_MESSAGE = (
    "Strings must not contain NUL (\\u0000) characters or unpaired surrogates (\\ud800-\\udfff)."
)
# NUL: PostgreSQL cannot store it. A lone surrogate is no character at all: it
# cannot be encoded as UTF-8, so neither stored nor sent back.
UNSTORABLE_CHARACTERS = re.compile("[\x00\ud800-\udfff]")


class NoNulCharacterRule(ValidationRule):
    """Refuse NUL and unpaired surrogates in string literals; no real name needs them."""

    def enter_string_value(self, node: StringValueNode, *_args) -> None:
        if UNSTORABLE_CHARACTERS.search(node.value):
            self.report_error(
                GraphQLError(NUL_MESSAGE, node, extensions={"code": ErrorCode.BAD_USER_INPUT.value})
            )


class TooManyVariableValues(Exception):
    """The variables hold more values than GRAPHQL_MAX_VARIABLE_VALUES."""


def variable_strings(value: Any) -> Iterator[str]:
    """Every string anywhere in a variables value, keys included.

    Iterative, so a deeply nested value cannot exhaust the stack; stops with
    TooManyVariableValues past GRAPHQL_MAX_VARIABLE_VALUES values (no argument of
    the schema takes a list, so a real client sends a handful).
    """
    budget = settings.GRAPHQL_MAX_VARIABLE_VALUES
    pending = [value]
    while pending:
        budget -= 1
        if budget < 0:
            raise TooManyVariableValues
        item = pending.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)


def variables_error(variables: dict[str, Any] | None) -> GraphQLError | None:
    """The reason to refuse the request's variables before coercion, if any."""
    if not variables:
        return None
    # A string argument is no longer through a variable than it can be as a
    # literal in the document; each field's own, smaller limit comes after.
    limit = settings.GRAPHQL_MAX_DOCUMENT_SIZE
    try:
        for text in variable_strings(variables):
            if len(text) > limit:
                return GraphQLError(
                    f"A string in the variables is longer than {limit} characters.",
                    extensions={"code": ErrorCode.BAD_USER_INPUT.value},
                )
            if UNSTORABLE_CHARACTERS.search(text):
                return GraphQLError(
                    NUL_MESSAGE, extensions={"code": ErrorCode.BAD_USER_INPUT.value}
                )
    except TooManyVariableValues:
        return GraphQLError(
            f"The variables hold more than {settings.GRAPHQL_MAX_VARIABLE_VALUES} values "
            "(keys, strings, numbers, lists and objects).",
            extensions={"code": ErrorCode.BAD_USER_INPUT.value},
        )
    return None


def _with_code(errors: list[GraphQLError], code: ErrorCode) -> list[GraphQLError]:
    for error in errors:
        if not (error.extensions or {}).get("code"):
            error.extensions = {**(error.extensions or {}), "code": code.value}
    return errors


def document_validate(schema: GraphQLSchema, document: DocumentNode) -> list[GraphQLError]:
    """Every reason to refuse `document` before it runs; empty when it may run.

    Our limits first, in a pass of their own: a document over one is refused
    before graphql-core's rules (the pass before validation bounds those too,
    complexity.py, but what a limit refuses never reaches them).
    """
    hide_suggestions = not settings.GRAPHQL_SUGGESTIONS_ENABLED
    errors = validate(
        schema, document, [*LIMIT_RULES, NoNulCharacterRule], hide_suggestions=hide_suggestions
    )
    if errors:
        return _with_code(errors, ErrorCode.GRAPHQL_VALIDATION_FAILED)
    rules = list(specified_rules)
    if not settings.GRAPHQL_INTROSPECTION_ENABLED:
        rules.append(IntrospectionDisabledRule)
    errors = validate(
        schema,
        document,
        rules,
        max_errors=graphene_settings.MAX_VALIDATION_ERRORS,
        hide_suggestions=hide_suggestions,
    )
    return _with_code(errors, ErrorCode.GRAPHQL_VALIDATION_FAILED)
