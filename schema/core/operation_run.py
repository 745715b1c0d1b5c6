"""Execution of a prepared operation, and whether it started (so its answer has `data`).

A document that ran is answered with `data`, errors or not; one that never
started (an unknown operation name, variables that do not coerce) is a request
error, answered like a refusal. An answer past GRAPHQL_MAX_RESPONSE_BYTES stops
execution (execution.py) and is refused with RESPONSE_TOO_LARGE. A query a
compiled plan knows is answered by it (plan_run.py), with the same answer.
"""

from django.conf import settings
from graphql import ExecutionContext, ExecutionResult, GraphQLError, GraphQLSchema, execute

from accounts.request_context import request_context
from schema.core.errors import ErrorCode
from schema.core.execution import FastLeafExecutionContext
from schema.core.http_request import GraphQLParams
from schema.core.pipeline import PreparedOperation
from schema.core.plan_run import plan_execute
from schema.core.response_size import ResponseTooLarge


def operation_execute(
    schema: GraphQLSchema,
    prepared: PreparedOperation,
    params: GraphQLParams,
    *,
    root_value,
    context_value,
    middleware,
    execution_context_class: type[ExecutionContext] = FastLeafExecutionContext,
) -> tuple[ExecutionResult, bool]:
    """Run a prepared operation; also say whether it started (so has `data`).

    `execution_context_class`: FastLeafExecutionContext, or its traced subclass
    (schema/core/operation_tracing.py) when tracing is on.
    """
    try:
        if settings.GRAPHQL_PLANS_ENABLED and not middleware and prepared.digest is not None:
            # With tracing on too: a planned query has no resolver spans (it calls
            # no resolver); its SQL spans are under the operation span.
            # A compiled plan answers what it knows exactly; anything else runs below.
            planned = plan_execute(
                schema, prepared.document, prepared.digest, params, context_value
            )
            if planned is not None:
                request_context(context_value).graphql().planned = True
                planned.extensions = prepared.extensions
                return planned, True
        result = execute(
            schema,
            prepared.document,
            root_value=root_value,
            context_value=context_value,
            variable_values=params.variables,
            operation_name=params.operation_name,
            # An empty list would still wrap every resolver in a MiddlewareManager.
            middleware=middleware or None,
            hide_suggestions=not settings.GRAPHQL_SUGGESTIONS_ENABLED,
            execution_context_class=execution_context_class,
        )
    except ResponseTooLarge:
        limit = settings.GRAPHQL_MAX_RESPONSE_BYTES
        error = GraphQLError(
            f"The answer would be larger than {limit} bytes; execution stopped. Ask for "
            "smaller pages or fewer fields (long texts such as `description` weigh most).",
            extensions={"code": ErrorCode.RESPONSE_TOO_LARGE.value, "maximumBytes": limit},
        )
        return ExecutionResult(errors=[error], extensions=prepared.extensions), False
    # Errors without a path and no data: the operation never started (unknown
    # operation name, variables that do not coerce), a request error.
    started = not (
        result.data is None and result.errors and all(error.path is None for error in result.errors)
    )
    if not started:
        # The document validated, so these are about the request: variables that
        # do not coerce (the input's fault) or an operation name not in it.
        for error in result.errors:
            if not (error.extensions or {}).get("code"):
                coercion = error.message.startswith("Variable '$")
                code = ErrorCode.BAD_USER_INPUT if coercion else ErrorCode.GRAPHQL_VALIDATION_FAILED
                error.extensions = {"code": code.value}
    result.extensions = prepared.extensions
    return result, started
