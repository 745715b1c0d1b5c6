"""Limits on a GraphQL request, checked before anything runs.

Each limit is a graphql-core validation rule with its own error code; the view
runs them in a first validation pass, before graphql-core's standard rules, so
an abusive document is refused before the expensive validation of its fields
(OverlappingFieldsCanBeMerged is quadratic). Fragments are followed: a fragment
spread three times counts three times. The limits are settings (see the README);
their defaults are far above what a real client sends.
"""

from collections.abc import Callable

from django.conf import settings
from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    ValidationRule,
)

from schema.core.errors import ApiError, ErrorCode


def document_size_error(query: str) -> ApiError | None:
    """The error for a query text longer than GRAPHQL_MAX_DOCUMENT_SIZE, checked before parsing."""
    limit = settings.GRAPHQL_MAX_DOCUMENT_SIZE
    if len(query) <= limit:
        return None
    return ApiError(
        f"The document is {len(query)} characters long; the limit is {limit}.",
        ErrorCode.DOCUMENT_TOO_LARGE,
    )


class _OperationLimitRule(ValidationRule):
    """Measures each operation of the document and refuses one above its limit."""

    code: ErrorCode
    setting: str
    what: str

    def __init__(self, context) -> None:
        super().__init__(context)
        self.limit: int = getattr(settings, self.setting)
        # Memoized per fragment name; None while a fragment is being measured,
        # so a fragment cycle (itself a validation error) cannot recurse forever.
        self._fragment_values: dict[str, int | None] = {}

    def measure(self, operation: OperationDefinitionNode) -> int:
        raise NotImplementedError

    def enter_operation_definition(self, node: OperationDefinitionNode, *_args):
        value = self.measure(node)
        if value > self.limit:
            self.report_error(
                GraphQLError(
                    f"The operation has {value} {self.what}; the limit is {self.limit}.",
                    node,
                    extensions={"code": self.code.value},
                )
            )
        # Everything was measured from the AST: no need to walk it again.
        return self.SKIP

    def enter_fragment_definition(self, *_args):
        return self.SKIP

    def _fragment(self, spread: FragmentSpreadNode, measure: Callable[[SelectionSetNode], int]):
        name = spread.name.value
        if name in self._fragment_values:
            return self._fragment_values[name] or 0
        fragment = self.context.get_fragment(name)
        if fragment is None:
            return 0  # an unknown fragment: the standard rules report it
        self._fragment_values[name] = None
        value = measure(fragment.selection_set)
        self._fragment_values[name] = value
        return value


class MaxDepthRule(_OperationLimitRule):
    """Refuses an operation whose fields nest deeper than GRAPHQL_MAX_DEPTH."""

    code = ErrorCode.QUERY_TOO_DEEP
    setting = "GRAPHQL_MAX_DEPTH"
    what = "levels of nested fields"

    def measure(self, operation: OperationDefinitionNode) -> int:
        return self._depth(operation.selection_set)

    def _depth(self, selection_set: SelectionSetNode | None) -> int:
        if selection_set is None:
            return 0
        deepest = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                depth = 1 + self._depth(selection.selection_set)
            elif isinstance(selection, InlineFragmentNode):
                depth = self._depth(selection.selection_set)
            else:
                depth = self._fragment(selection, self._depth)
            deepest = max(deepest, depth)
        return deepest


class MaxAliasesRule(_OperationLimitRule):
    """Refuses an operation with more than GRAPHQL_MAX_ALIASES aliases, fragments included."""

    code = ErrorCode.TOO_MANY_ALIASES
    setting = "GRAPHQL_MAX_ALIASES"
    what = "aliases"

    def measure(self, operation: OperationDefinitionNode) -> int:
        return self._aliases(operation.selection_set)

    def _aliases(self, selection_set: SelectionSetNode | None) -> int:
        if selection_set is None:
            return 0
        count = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                count += (selection.alias is not None) + self._aliases(selection.selection_set)
            elif isinstance(selection, InlineFragmentNode):
                count += self._aliases(selection.selection_set)
            else:
                count += self._fragment(selection, self._aliases)
        return count


class MaxRootFieldsRule(_OperationLimitRule):
    """Refuses an operation that selects more than GRAPHQL_MAX_ROOT_FIELDS root fields.

    Each fragment is counted once and its count reused, so a fragment spread
    many times (or a chain of them) costs linear, not exponential, time.
    """

    code = ErrorCode.TOO_MANY_ROOT_FIELDS
    setting = "GRAPHQL_MAX_ROOT_FIELDS"
    what = "root fields"

    def measure(self, operation: OperationDefinitionNode) -> int:
        return self._root_fields(operation.selection_set)

    def counts(self, field: FieldNode) -> bool:
        return True

    def _root_fields(self, selection_set: SelectionSetNode) -> int:
        count = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                count += self.counts(selection)
            elif isinstance(selection, InlineFragmentNode):
                count += self._root_fields(selection.selection_set)
            else:
                count += self._fragment(selection, self._root_fields)
        return count


class MaxMutationsRule(MaxRootFieldsRule):
    """Refuses a mutation operation that runs more than GRAPHQL_MAX_MUTATIONS mutations.

    Aliases make one request run a mutation many times (twenty `tokenAuth` calls
    try twenty passwords); this caps it. `__typename` is no mutation.
    """

    code = ErrorCode.TOO_MANY_MUTATIONS
    setting = "GRAPHQL_MAX_MUTATIONS"
    what = "mutations"

    def measure(self, operation: OperationDefinitionNode) -> int:
        if operation.operation != OperationType.MUTATION:
            return 0
        return self._root_fields(operation.selection_set)

    def counts(self, field: FieldNode) -> bool:
        return not field.name.value.startswith("__")


LIMIT_RULES = (MaxDepthRule, MaxAliasesRule, MaxRootFieldsRule, MaxMutationsRule)
