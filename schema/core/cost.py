"""Query cost, Shopify style: a price for each operation, a maximum, and a budget per caller.

Every field of the schema has a cost, set by a rule (`field_cost`) with a few
exceptions (`COST_OVERRIDES`):

- a scalar or enum field: 0; `__typename`: 0;
- an object, interface or union field: 1 (one more object to load);
- a connection field (it returns a type with `edges` and `pageInfo` and takes
  `first`/`last`): 2, and what is selected under its `edges` counts once per
  item of the page: `first` or `last` (the larger when both come), read from
  the literal or the request's variables; the default page size when neither
  is given or null; the maximum page size when the value cannot be known (not
  an integer: execution refuses it anyway);
- the connection's own structure (`edges`, `pageInfo`) and an edge's `cursor`: 0;
- a root mutation field: 10.

Lists outside connections are not multiplied: the schema has none whose length
a client chooses. Fragments count each time they are spread (an alias counts
as a field of its own), each fragment priced once per request, so the walk is
linear in the document.

The price depends on the variables, so it is computed per request, after the
cached validation (the document is known to be valid then), before execution.
An operation over GRAPHQL_MAX_QUERY_COST is refused with COST_LIMIT_EXCEEDED.
What passes is then charged to the caller's budget: points per fixed window of
GRAPHQL_COST_BUDGET_WINDOW seconds, GRAPHQL_COST_BUDGET_PER_USER for a signed-in
user, GRAPHQL_COST_BUDGET_PER_IP for an anonymous client's address, counted in
Django's cache (Redis in production, so shared by every worker and instance)
with atomic add/incr. Over the budget: RATE_LIMITED with `retryAfter`, the
request refused (HTTP 429 with Retry-After) and its points given back.

A request that sends `extensions: {"cost": true}` gets `extensions.cost` in the
answer: {requestedQueryCost, maximum, throttleStatus: {budget, remaining,
windowResetsIn}}.

If the cache fails the budget fails open: the request runs, one error line is
logged, and the budget is not tried again for CACHE_RETRY_SECONDS, so a hung
cache cannot add its timeout to every request.
"""

import logging
import math
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from functools import cache as memoize
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.crypto import salted_hmac
from graphql import (
    DocumentNode,
    FieldNode,
    FloatValueNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLList,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    NullValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_leaf_type,
)

from accounts.throttling import client_ip, ip_identity
from schema.core.errors import ErrorCode

logger = logging.getLogger("schema.cost")

SCALAR_COST = 0
OBJECT_COST = 1
CONNECTION_COST = 2
MUTATION_COST = 10
# The arguments that size a connection's page.
PAGE_ARGUMENTS = ("first", "last")

# Exceptions to the rules, by "Type.field". tests/schema/core/test_cost.py checks
# that each names a field of the schema.
COST_OVERRIDES: dict[str, int] = {
    # A scalar, but a COUNT query of its own (per parent, for a nested connection).
    "OrganizationConnection.totalCount": 1,
    "MembershipConnection.totalCount": 1,
}

# The introspection entry points; their types' fields follow the rules like any other.
META_FIELD_TYPES = {"__schema": "__Schema", "__type": "__Type"}

KEY_PREFIX = "cost:budget"
# Counters outlive their window a little, so points are never given back to a
# counter that expired (which would recreate it without an expiry).
KEY_SLACK_SECONDS = 60
# After a cache failure, the budget is skipped this long (per process).
CACHE_RETRY_SECONDS = 10
FAIL_OPEN_MESSAGE = (
    "Query cost budgets are NOT enforced: the cache failed (failing open for %s s). Fix the cache."
)


# --- The cost of each field -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FieldCost:
    """What selecting one field costs, and how it scales its children."""

    cost: int
    # Its children are priced per page: what is under `edges` counts per item.
    connection: bool = False
    # A connection's list of edges: its subtree counts once per item of the page.
    per_item: bool = False
    # The type its children are selected on.
    type_name: str = ""


def is_connection_type(graphql_type: GraphQLNamedType) -> bool:
    """Whether a type is a Relay connection: an object with `edges` (a list) and `pageInfo`."""
    if not isinstance(graphql_type, GraphQLObjectType):
        return False
    edges = graphql_type.fields.get("edges")
    return (
        edges is not None
        and "pageInfo" in graphql_type.fields
        and isinstance(get_nullable_type(edges.type), GraphQLList)
    )


def is_connection_field(field: GraphQLField) -> bool:
    """Whether a field is a paged connection: a connection type sized by `first`/`last`."""
    return is_connection_type(get_named_type(field.type)) and any(
        name in field.args for name in PAGE_ARGUMENTS
    )


def field_cost(schema: GraphQLSchema, parent: GraphQLNamedType, name: str) -> FieldCost:
    """The cost of field `name` of type `parent`, by the rules above and COST_OVERRIDES."""
    field = parent.fields[name]
    named = get_named_type(field.type)
    connection = is_connection_field(field)
    in_connection = is_connection_type(parent)
    override = COST_OVERRIDES.get(f"{parent.name}.{name}")
    if override is not None:
        cost = override
    elif parent is schema.mutation_type:
        cost = MUTATION_COST
    elif connection:
        cost = CONNECTION_COST
    elif is_leaf_type(named) or in_connection:
        # A connection's `edges` and `pageInfo` are paid for by the connection.
        cost = SCALAR_COST
    else:
        cost = OBJECT_COST
    return FieldCost(
        cost=cost,
        connection=connection,
        per_item=in_connection and isinstance(get_nullable_type(field.type), GraphQLList),
        type_name=named.name,
    )


@memoize
def schema_costs(schema: GraphQLSchema) -> dict[str, dict[str, FieldCost]]:
    """The cost of every field of every object and interface type, introspection included."""
    return {
        type_name: {name: field_cost(schema, graphql_type, name) for name in graphql_type.fields}
        for type_name, graphql_type in schema.type_map.items()
        if hasattr(graphql_type, "fields") and not is_leaf_type(graphql_type)
    }


# --- The cost of an operation ---------------------------------------------------------


class _OperationPricer:
    """Prices one operation for one request's variables; each fragment priced once."""

    def __init__(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        operation: OperationDefinitionNode,
        variables: dict[str, Any] | None,
    ) -> None:
        self.costs = schema_costs(schema)
        self.fragments = {
            definition.name.value: definition
            for definition in document.definitions
            if isinstance(definition, FragmentDefinitionNode)
        }
        self.variables = variables or {}
        self.variable_defaults = {
            definition.variable.name.value: definition.default_value
            for definition in operation.variable_definitions or ()
            if definition.default_value is not None
        }
        self.default_page_size = settings.GRAPHQL_DEFAULT_PAGE_SIZE
        self.max_page_size = settings.GRAPHQL_MAX_PAGE_SIZE
        # A fragment's cost depends only on its type condition and, spread
        # directly in a connection, that connection's page size: priced once
        # per (name, page). None while it is being priced, so a cycle (refused
        # by validation anyway) cannot recurse forever.
        self._fragment_costs: dict[tuple[str, int], int | None] = {}

    def selection_set(self, node: SelectionSetNode | None, type_name: str, page: int) -> int:
        """The cost of a selection set on `type_name`; `page` sizes a connection's edges."""
        if node is None:
            return 0
        fields = self.costs.get(type_name, {})
        total = 0
        for selection in node.selections:
            if isinstance(selection, FieldNode):
                total += self.field(selection, fields, page)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                total += self.selection_set(
                    selection.selection_set,
                    condition.name.value if condition else type_name,
                    page,
                )
            else:
                total += self.fragment(selection, page)
        return total

    def field(self, node: FieldNode, fields: dict[str, FieldCost], page: int) -> int:
        name = node.name.value
        cost = fields.get(name)
        if cost is None:
            if name in META_FIELD_TYPES:
                return OBJECT_COST + self.selection_set(
                    node.selection_set, META_FIELD_TYPES[name], 1
                )
            return SCALAR_COST  # __typename (validation refused any other unknown field)
        if cost.connection:
            return cost.cost + self.selection_set(
                node.selection_set, cost.type_name, self.page_size(node)
            )
        children = self.selection_set(node.selection_set, cost.type_name, 1)
        return cost.cost + (page * children if cost.per_item else children)

    def fragment(self, spread: FragmentSpreadNode, page: int) -> int:
        name = spread.name.value
        # Spread directly in a connection (`organizations { ...Page }`), a
        # fragment prices its edges by that page.
        key = (name, page)
        if key in self._fragment_costs:
            return self._fragment_costs[key] or 0
        definition = self.fragments.get(name)
        if definition is None:
            return 0
        self._fragment_costs[key] = None
        value = self.selection_set(
            definition.selection_set, definition.type_condition.name.value, page
        )
        self._fragment_costs[key] = value
        return value

    def page_size(self, node: FieldNode) -> int:
        """The items a connection field may return, from `first`/`last` (see the module doc)."""
        sizes = [
            self.argument_value(argument.value)
            for argument in node.arguments
            if argument.name.value in PAGE_ARGUMENTS
        ]
        given = [size for size in sizes if size is not None]
        if not given:
            return self.default_page_size
        # A negative size is refused at execution, a size above the maximum too
        # (PAGE_SIZE_TOO_LARGE, the clearer answer): neither costs more than the cap.
        return min(max(max(given), 0), self.max_page_size)

    def argument_value(self, node) -> int | None:
        if isinstance(node, VariableNode):
            name = node.name.value
            if name in self.variables:
                return self._integer(self.variables[name])
            default = self.variable_defaults.get(name)
            return None if default is None else self.argument_value(default)
        if isinstance(node, IntValueNode):
            return int(node.value)
        if isinstance(node, FloatValueNode):
            return self._integer(float(node.value))
        return None if isinstance(node, NullValueNode) else self.max_page_size

    def _integer(self, value: Any) -> int | None:
        if value is None:
            return None
        if isinstance(value, bool):
            return self.max_page_size
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        # Not an Int: coercion refuses it before anything runs; price it as the worst.
        return self.max_page_size


def operation_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: dict[str, Any] | None = None,
) -> int:
    """The requested cost of a validated operation with these variables."""
    pricer = _OperationPricer(schema, document, operation, variables)
    root = schema.get_root_type(operation.operation)
    return pricer.selection_set(operation.selection_set, root.name if root else "", 1)


# --- Budgets --------------------------------------------------------------------------


@dataclass(frozen=True)
class ThrottleStatus:
    """A caller's budget in the current window, after this request."""

    budget: int
    remaining: int
    window_resets_in: int

    @property
    def formatted(self) -> dict[str, int]:
        return {
            "budget": self.budget,
            "remaining": self.remaining,
            "windowResetsIn": self.window_resets_in,
        }


@dataclass(frozen=True)
class BudgetCharge:
    """The outcome of charging a request's cost: its status, and whether it was refused."""

    status: ThrottleStatus | None
    refused: bool = False


def _now() -> float:
    return time.time()


_outage_lock = threading.Lock()
_cache_failed_until = 0.0


def _digest(scope: str, identity: str) -> str:
    # Keyed, so the cache's contents reveal no addresses.
    return salted_hmac(f"{KEY_PREFIX}:{scope}", identity, algorithm="sha256").hexdigest()


def budget_key(request: HttpRequest) -> tuple[str, int] | None:
    """The counter (cache key without its window) and budget this request is charged to."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"{KEY_PREFIX}:user:{_digest('user', str(user.pk))}", (
            settings.GRAPHQL_COST_BUDGET_PER_USER
        )
    ip = client_ip(request)
    if not ip:
        return None
    return f"{KEY_PREFIX}:ip:{_digest('ip', ip_identity(ip))}", settings.GRAPHQL_COST_BUDGET_PER_IP


def _charge(key: str, points: int, timeout: int) -> int:
    # incr first: most requests find their window's counter already there, and
    # Django's Redis incr is two round trips where add-then-incr would be three.
    try:
        total = cache.incr(key, points)
    except ValueError:
        # The window's first request: it starts the counter (unless another won the race).
        return points if cache.add(key, points, timeout) else cache.incr(key, points)
    if total == points:
        # Redis' INCRBY recreated a key that expired after its EXISTS check,
        # without an expiry: give it one.
        cache.touch(key, timeout)
    return total


def _give_back(key: str, points: int) -> None:
    try:
        if cache.decr(key, points) < 0:
            cache.delete(key)
    except ValueError:
        pass  # the window ended meanwhile


class RefusalMemo:
    """Anonymous callers refused for their budget, and until when: a bounded memo per process.

    Once an anonymous caller's budget refuses them, every request from that
    address is refused until the window ends (a signed-in user's smaller
    operations still pass when a larger one was refused). Remembering that in
    the worker answers the address's next requests before the body is even
    parsed and without a cache round trip, so a client hammering past its budget
    costs the server almost nothing. An optimisation
    only: the counters in the shared cache stay the authority, and an entry
    pushed out (at most MAX_ENTRIES, least recently refused first) just sends that
    caller back to them.
    """

    MAX_ENTRIES = 10_000

    def __init__(self) -> None:
        self._until: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def refused_until(self, key: str, now: float) -> float | None:
        with self._lock:
            until = self._until.get(key)
            if until is None:
                return None
            if until <= now:
                del self._until[key]
                return None
            return until

    def remember(self, key: str, until: float) -> None:
        with self._lock:
            self._until[key] = until
            self._until.move_to_end(key)
            while len(self._until) > self.MAX_ENTRIES:
                self._until.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._until.clear()

    def __len__(self) -> int:
        return len(self._until)


refusal_memo = RefusalMemo()


def _signed_in(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    return user is not None and user.is_authenticated


def budget_refusal_remembered(request: HttpRequest) -> int | None:
    """Seconds until an anonymous caller's refused window ends, if this process refused them."""
    if _signed_in(request):
        return None
    counter = budget_key(request)
    if counter is None or counter[1] <= 0:
        return None
    now = _now()
    until = refusal_memo.refused_until(counter[0], now)
    return None if until is None else max(1, math.ceil(until - now))


def budget_charge(request: HttpRequest, cost: int) -> BudgetCharge:
    """Charge `cost` points to the caller's budget; refused (and given back) when over it."""
    global _cache_failed_until
    counter = budget_key(request)
    if counter is None or counter[1] <= 0:
        return BudgetCharge(status=None)
    key, budget = counter
    now = _now()
    if now < _cache_failed_until:
        return BudgetCharge(status=None)
    window = settings.GRAPHQL_COST_BUDGET_WINDOW
    window_index = int(now // window)
    resets_in = max(1, math.ceil((window_index + 1) * window - now))
    key = f"{key}:{window_index}"
    try:
        if cost <= 0:
            # Nothing to charge: no write, only what is left when the client asks.
            total = cache.get(key, 0)
        else:
            total = _charge(key, cost, resets_in + KEY_SLACK_SECONDS)
            if total > budget:
                _give_back(key, cost)
                if not _signed_in(request):
                    refusal_memo.remember(counter[0], now + resets_in)
                return BudgetCharge(
                    status=ThrottleStatus(budget, max(0, budget - total + cost), resets_in),
                    refused=True,
                )
    except Exception:
        with _outage_lock:
            _cache_failed_until = now + CACHE_RETRY_SECONDS
        logger.exception(FAIL_OPEN_MESSAGE, CACHE_RETRY_SECONDS)
        return BudgetCharge(status=None)
    return BudgetCharge(status=ThrottleStatus(budget, max(0, budget - total), resets_in))


# --- The request's check --------------------------------------------------------------


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
        return CostCheck(error=error, extensions=extensions, retry_after=retry_after)
    return CostCheck(extensions=extensions)


class PreparationBucket:
    """A token bucket per process for anonymous callers' new documents.

    The per-address budget stops one address; strangers with many addresses
    (or a botnet) each get a fresh one. This caps what all anonymous callers
    together can make one worker spend preparing documents it has not seen:
    GRAPHQL_ANONYMOUS_PREPARATIONS_PER_SECOND, bursts up to the same number.
    Legitimate anonymous clients send a few documents that are cached after the
    first time and never notice; during such a flood, a new one may wait a second.
    """

    def __init__(self) -> None:
        self._tokens = 0.0
        self._updated: float | None = None
        self._lock = threading.Lock()

    def take(self, now: float) -> bool:
        rate = settings.GRAPHQL_ANONYMOUS_PREPARATIONS_PER_SECOND
        if rate <= 0:
            return True
        with self._lock:
            if self._updated is None:
                self._tokens = float(rate)
            else:
                self._tokens = min(float(rate), self._tokens + (now - self._updated) * rate)
            self._updated = now
            if self._tokens < 1:
                return False
            self._tokens -= 1
            return True

    def reset(self) -> None:
        with self._lock:
            self._tokens, self._updated = 0.0, None


anonymous_preparations = PreparationBucket()


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
    if not _signed_in(request) and not anonymous_preparations.take(time.monotonic()):
        error = GraphQLError(
            "Too many new documents from anonymous clients right now. Try again in 1 second.",
            extensions={"code": ErrorCode.RATE_LIMITED.value, "retryAfter": 1},
        )
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
    return CostCheck(error=error, retry_after=retry_after)
