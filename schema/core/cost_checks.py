"""The cost checks of a request: its operation's price, and the preparation of a new document.

An operation over GRAPHQL_MAX_QUERY_COST is refused with COST_LIMIT_EXCEEDED;
what passes is charged to the caller's budget (budget.py). Over the budget:
RATE_LIMITED with `retryAfter`, the request refused (HTTP 429 with Retry-After).

A request that sends `extensions: {"cost": true}` gets `extensions.cost` in the
answer: {requestedQueryCost, maximum, throttleStatus: {budget, remaining,
windowResetsIn}}.
"""

import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from graphql import DocumentNode, GraphQLError, GraphQLSchema, OperationDefinitionNode

from config.metrics import cost_refused, throttle_refused
from schema.core.budget import budget_charge, signed_in
from schema.core.cost import operation_cost
from schema.core.errors import ErrorCode
from schema.core.worker_throttles import anonymous_preparations


@dataclass(frozen=True)
class CostCheck:
    """The cost check of one request: the error that refuses it, and what to report."""

    error: GraphQLError | None = None
    # The answer's `extensions`, when the client asked for the cost.
    extensions: dict[str, Any] | None = None
    # Seconds to wait (Retry-After) when refused for the budget.
    retry_after: int | None = None


def cost_requested(extensions: dict[str, Any] | None) -> bool:
    """Whether the request asks for `extensions.cost` (`extensions: {"cost": true}`)."""
    return bool(extensions) and extensions.get("cost") is True


def request_cost_check(
    request: HttpRequest,
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode | None,
    variables: dict[str, Any] | None,
    *,
    report: bool = False,
) -> CostCheck:
    """Price the request's operation, refuse it over the maximum or the budget, else charge it."""
    if operation is None:
        return CostCheck()  # no such operation: execution answers that, and runs nothing
    cost = operation_cost(schema, document, operation, variables)
    maximum = settings.GRAPHQL_MAX_QUERY_COST
    report_cost = {"requestedQueryCost": cost, "maximum": maximum, "throttleStatus": None}
    if cost > maximum:
        error = GraphQLError(
            f"The operation costs {cost} points; the maximum is {maximum}. Ask for "
            "smaller pages (`first`/`last`) or fewer nested connections.",
            extensions={
                "code": ErrorCode.COST_LIMIT_EXCEEDED.value,
                "cost": {"requested": cost, "maximum": maximum},
            },
        )
        cost_refused("limit")
        return CostCheck(error=error, extensions={"cost": report_cost} if report else None)
    if cost == 0 and not report:
        return CostCheck()  # nothing to charge, nothing to report
    charge = budget_charge(request, cost)
    if charge.status is not None:
        report_cost["throttleStatus"] = charge.status.formatted
    extensions = {"cost": report_cost} if report else None
    if charge.refused:
        retry_after = charge.status.window_resets_in
        error = GraphQLError(
            f"The query cost budget is spent: this operation costs {cost} points and "
            f"{charge.status.remaining} are left. Try again in {retry_after} seconds.",
            extensions={"code": ErrorCode.RATE_LIMITED.value, "retryAfter": retry_after},
        )
        cost_refused("budget")
        return CostCheck(error=error, extensions=extensions, retry_after=retry_after)
    return CostCheck(extensions=extensions)


def document_preparation_check(request: HttpRequest) -> CostCheck:
    """Charge the parsing and validation of a document this process has not cached.

    Preparing a document is the one expensive step a stranger controls before any
    query cost applies, and varying a document defeats the cache. What it costs
    is bounded by the parser's token budget, not by the document's length (a
    dense 2,500-character document costs about what a padded 20,000-character one
    does), so every document that is not cached costs the same
    GRAPHQL_DOCUMENT_PREPARATION_COST points from the caller's budget, charged
    before it is parsed: a client cycling hostile documents is refused
    (RATE_LIMITED) after its budget's worth, at the price of a cache increment.
    Anonymous callers together also share the worker's PreparationBucket. A
    cached document costs nothing here.
    """
    if not signed_in(request) and not anonymous_preparations.take(time.monotonic()):
        error = GraphQLError(
            "Too many new documents from anonymous clients right now. Try again in 1 second.",
            extensions={"code": ErrorCode.RATE_LIMITED.value, "retryAfter": 1},
        )
        throttle_refused("new_documents")
        return CostCheck(error=error, retry_after=1)
    points = settings.GRAPHQL_DOCUMENT_PREPARATION_COST
    if points <= 0:
        return CostCheck()
    charge = budget_charge(request, points)
    if not charge.refused:
        return CostCheck()
    retry_after = charge.status.window_resets_in
    error = GraphQLError(
        f"The query cost budget is spent: preparing this new document costs {points} "
        f"points and {charge.status.remaining} are left. Try again in {retry_after} seconds.",
        extensions={"code": ErrorCode.RATE_LIMITED.value, "retryAfter": retry_after},
    )
    cost_refused("budget")
    return CostCheck(error=error, retry_after=retry_after)
