"""The walk behind complexity.py: one pass over a document, each fragment measured once.

It measures what graphql-core's validation will cost (see complexity.py for
what is bounded and why) and raises TooComplex at the first bound passed.
"""

from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)


class TooComplex(Exception):
    """A bound of the walk is passed; the message says which."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# What comparing two fragments spread in one selection set costs, in field comparisons.
FRAGMENT_PAIR_COMPARISONS = 4


@dataclass
class _Measure:
    """What one selection set (or fragment) adds where it is used."""

    selections: int = 0
    # Response names at this level, inline fragments and spreads merged in.
    names: Counter = field(default_factory=Counter)
    # Per response name: its fields and every selection under them.
    weights: Counter = field(default_factory=Counter)
    spreads: int = 0


# A fragment being measured: a cycle back to it adds nothing (NoFragmentCycles reports it).
_IN_PROGRESS = _Measure()


@dataclass(frozen=True)
class ComplexityLimits:
    """The bounds of the pass, read from settings once per document."""

    selections: int
    same_name_fields: int
    spreads_per_selection_set: int
    operations: int
    field_comparisons: int
    variables: int

    @classmethod
    def from_settings(cls) -> "ComplexityLimits":
        return cls(
            selections=settings.GRAPHQL_MAX_SELECTIONS,
            same_name_fields=settings.GRAPHQL_MAX_SAME_NAME_FIELDS,
            spreads_per_selection_set=settings.GRAPHQL_MAX_FRAGMENT_SPREADS,
            operations=settings.GRAPHQL_MAX_OPERATIONS,
            field_comparisons=settings.GRAPHQL_MAX_FIELD_COMPARISONS,
            variables=settings.GRAPHQL_MAX_VARIABLES,
        )


class DocumentWalk:
    """Measures one document against ComplexityLimits (see complexity.py)."""

    def __init__(self, document: DocumentNode, limits: ComplexityLimits) -> None:
        self.limits = limits
        self.fragments = {
            definition.name.value: definition
            for definition in document.definitions
            if isinstance(definition, FragmentDefinitionNode)
        }
        self.measured: dict[str, _Measure] = {}
        self.selections = 0
        self.comparisons = 0

    def fragment(self, name: str) -> _Measure:
        measure = self.measured.get(name)
        if measure is not None:
            return measure
        definition = self.fragments.get(name)
        if definition is None:
            return _IN_PROGRESS  # unknown: the standard rules report it
        self.measured[name] = _IN_PROGRESS
        measure = self.selection_set(definition.selection_set, where=f"fragment {name}")
        self.measured[name] = measure
        return measure

    def selection_set(self, node: SelectionSetNode, *, where: str) -> _Measure:
        """Measure one selection set with its inline fragments merged in; check its limits."""
        measure = _Measure()
        self._collect(node, measure, where)
        if measure.names:
            name, count = measure.names.most_common(1)[0]
            if count > self.limits.same_name_fields:
                raise TooComplex(
                    f"{count} fields share the response name `{name}` in one selection set "
                    f"({where}); the limit is {self.limits.same_name_fields}."
                )
            if count > 1 or measure.spreads > 1:
                self._compare(measure)
        return measure

    def _compare(self, measure: _Measure) -> None:
        weights = measure.weights
        self.comparisons += sum(
            weights[name] ** 2 // 2 for name, count in measure.names.items() if count > 1
        )
        # Every pair of fragments spread here is compared too, each pair costing
        # several field comparisons' worth (measured).
        self.comparisons += FRAGMENT_PAIR_COMPARISONS * measure.spreads * (measure.spreads - 1) // 2
        if self.comparisons > self.limits.field_comparisons:
            raise TooComplex(
                "Fields sharing a response name would take too long to compare: "
                f"about {self.comparisons} comparisons, the limit is "
                f"{self.limits.field_comparisons}. Give repeated fields distinct aliases "
                "or select them once."
            )

    def _collect(self, node: SelectionSetNode, measure: _Measure, where: str) -> None:
        limits = self.limits
        for selection in node.selections:
            if isinstance(selection, FieldNode):
                name = (selection.alias or selection.name).value
                measure.names[name] += 1
                measure.selections += 1
                weight = 1
                if selection.selection_set is not None:
                    inner = self.selection_set(selection.selection_set, where=f"{where} > {name}")
                    measure.selections += inner.selections
                    weight += inner.selections
                measure.weights[name] += weight
            elif isinstance(selection, InlineFragmentNode):
                self._collect(selection.selection_set, measure, where)
            elif isinstance(selection, FragmentSpreadNode):
                measure.spreads += 1
                if measure.spreads > limits.spreads_per_selection_set:
                    raise TooComplex(
                        f"More than {limits.spreads_per_selection_set} fragment spreads in "
                        f"one selection set ({where})."
                    )
                spread = self.fragment(selection.name.value)
                measure.selections += spread.selections
                self._check_selections(measure.selections)
                # Merged only below the selection limit, so merging stays linear.
                measure.names.update(spread.names)
                measure.weights.update(spread.weights)
            self._check_selections(measure.selections)

    def _check_selections(self, count: int) -> None:
        if count > self.limits.selections:
            raise TooComplex(
                f"The document selects more than {self.limits.selections} fields "
                "(fragments counted at every spread)."
            )

    def document(self, document: DocumentNode) -> None:
        operations = [
            definition
            for definition in document.definitions
            if isinstance(definition, OperationDefinitionNode)
        ]
        for operation in operations:
            variables = len(operation.variable_definitions or ())
            if variables > self.limits.variables:
                raise TooComplex(
                    f"An operation defines {variables} variables; the limit is "
                    f"{self.limits.variables}."
                )
        if len(operations) > self.limits.operations:
            # Several rules walk each operation with its fragments again.
            raise TooComplex(
                f"The document has {len(operations)} operations; the limit is "
                f"{self.limits.operations}."
            )
        for definition in operations:
            name = definition.name.value if definition.name else "anonymous"
            measure = self.selection_set(
                definition.selection_set, where=f"{definition.operation.value} {name}"
            )
            self.selections += measure.selections
            self._check_selections(self.selections)
        for name in self.fragments:
            if name not in self.measured:
                # Spread by no operation: validation walks it all the same.
                self.selections += self.fragment(name).selections
                self._check_selections(self.selections)
