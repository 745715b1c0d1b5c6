"""Validation of a parsed document: our limits first, then graphql-core's rules.

graphql-core's `validate(rules=...)` replaces its standard rules rather than
adding to them, so the second pass always starts from `specified_rules`.
"""

from django.conf import settings
from graphene_django.settings import graphene_settings
from graphql import DocumentNode, GraphQLError, GraphQLSchema, specified_rules, validate
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


def document_validate(schema: GraphQLSchema, document: DocumentNode) -> list[GraphQLError]:
    """Every reason to refuse `document` before it runs; empty when it may run."""
    hide_suggestions = not settings.GRAPHQL_SUGGESTIONS_ENABLED
    errors = validate(schema, document, LIMIT_RULES, hide_suggestions=hide_suggestions)
    if errors:
        return errors
    rules = list(specified_rules)
    if not settings.GRAPHQL_INTROSPECTION_ENABLED:
        rules.append(IntrospectionDisabledRule)
    return validate(
        schema,
        document,
        rules,
        max_errors=graphene_settings.MAX_VALIDATION_ERRORS,
        hide_suggestions=hide_suggestions,
    )
