"""The document pipeline: from a request's parameters to an operation ready to execute.

In order, each step refusing the request before anything runs:

1. the document it names: its text, or a persisted query's hash (persisted.py);
2. a document this process has not prepared is charged first (cost_checks.py);
3. parsed within budgets, measured, validated, and cached (documents.py);
4. the operation chosen, and noted for the request log; a mutation over GET is 405;
5. registered as a persisted query once it passed every check;
6. its variables bounded (validation.py), then priced and charged (cost_checks.py).

A refusal here is a GraphQL error without `data` (the answer's status comes
from answer.py); the spec's 405 for a mutation over GET is a RequestError.
"""

from dataclasses import dataclass
from typing import Any

from graphql import DocumentNode, ExecutionResult, GraphQLSchema, OperationType, get_operation_ast

from accounts.request_context import request_context
from schema.core.cost_checks import cost_requested, document_preparation_check, request_cost_check
from schema.core.document_cache import document_cache
from schema.core.documents import document_prepare
from schema.core.errors import RequestError
from schema.core.http_request import GraphQLParams
from schema.core.persisted import persisted_query_register, requested_document
from schema.core.validation import variables_error


@dataclass(frozen=True)
class PreparedOperation:
    """A request's document, ready to execute, or the result that refuses it before it runs."""

    document: DocumentNode | None = None
    # The SHA-256 of the document's text (the document cache's and plan cache's key).
    digest: str | None = None
    refusal: ExecutionResult | None = None
    # The answer's `extensions` (the cost, when the client asked for it).
    extensions: dict[str, Any] | None = None


def _refused(errors, extensions=None) -> PreparedOperation:
    return PreparedOperation(refusal=ExecutionResult(errors=errors, extensions=extensions))


def operation_prepare(request, schema: GraphQLSchema, params: GraphQLParams) -> PreparedOperation:
    """Take one request's parameters through every check before execution."""
    requested = requested_document(params.query, params.extensions)
    if requested.error is not None:
        return _refused([requested.error])
    if not document_cache.contains(requested.digest):
        preparation = document_preparation_check(request)
        if preparation.error is not None:
            return _refused([preparation.error])
    document, errors = document_prepare(schema, requested.query, requested.digest)
    if document is None:
        return _refused(errors)

    operation = get_operation_ast(document, params.operation_name)
    if operation is not None:
        log = request_context(request).graphql()
        log.operation_type = operation.operation.value
        log.operation_name = operation.name.value if operation.name else None
    if (
        request.method == "GET"
        and operation is not None
        and operation.operation != OperationType.QUERY
    ):
        raise RequestError(
            f"A {operation.operation.value} must be sent with POST.",
            status=405,
            allow="POST",
        )

    if errors:
        return _refused(errors)
    if requested.register:
        # Only now: a document too large or invalid is never stored.
        persisted_query_register(requested.digest, requested.query, user=request.user)
    refused_variables = variables_error(params.variables)
    if refused_variables is not None:
        return _refused([refused_variables])
    cost = request_cost_check(
        request,
        schema,
        document,
        operation,
        params.variables,
        report=cost_requested(params.extensions),
    )
    if cost.error is not None:
        return _refused([cost.error], cost.extensions)
    return PreparedOperation(document=document, digest=requested.digest, extensions=cost.extensions)
