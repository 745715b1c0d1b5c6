"""Adversarial GraphQL documents: the worst a stranger can send within the limits.

Each family is built to the edge of the budgets that apply to it (the document
size, the parser's token and comment budgets, the pass before validation), so
what it costs the server is the most that family can cost. A nonce in every
document (an operation name or a field) defeats the document cache, as an
attacker varying documents would. Used by `make bench-abuse` and by the system
test that measures a signed-in user's latency under attack.
"""

from collections.abc import Callable

from django.conf import settings

NonceDocument = Callable[[str], str]


def _fit(make: Callable[[int], str], *, tokens_per_unit: int, fixed_tokens: int) -> int:
    """The most units whose document stays within the size and token budgets."""
    size_limit = settings.GRAPHQL_MAX_DOCUMENT_SIZE - 64  # room for the nonce
    units = max(1, (settings.GRAPHQL_MAX_TOKENS - fixed_tokens) // tokens_per_unit)
    while units > 1 and len(make(units)) > size_limit:
        units -= 1
    return units


def overlapping_fields(nonce: str) -> str:
    """The issue's document at the same-name limit: sibling `members` with differing arguments."""
    same = settings.GRAPHQL_MAX_SAME_NAME_FIELDS
    fields = " ".join(f"members(first: {index % 2}) {{ totalCount }}" for index in range(same))
    return f"query Q{nonce} {{ organizations {{ edges {{ node {{ {fields} }} }} }} }}"


def overlapping_fragments(nonce: str) -> str:
    """Fragments spread together, each selecting the same fields: compared pair by pair."""
    spreads = min(settings.GRAPHQL_MAX_FRAGMENT_SPREADS, settings.GRAPHQL_MAX_SAME_NAME_FIELDS)
    fields = "id username email firstName lastName dateJoined"

    def make(count: int) -> str:
        body = " ".join(f"...F{index}" for index in range(count))
        definitions = " ".join(
            f"fragment F{index} on User {{ {fields} }}" for index in range(count)
        )
        return f"query Q{nonce} {{ me {{ {body} }} }} {definitions}"

    return make(min(spreads, _fit(make, tokens_per_unit=13, fixed_tokens=8)))


def unknown_fields(nonce: str) -> str:
    """As many unknown fields as the selection budget allows: a validation error each."""
    count = min(settings.GRAPHQL_MAX_SELECTIONS - 1, settings.GRAPHQL_MAX_TOKENS - 10)
    fields = " ".join(f"x{index}" for index in range(count))
    return f"query Q{nonce} {{ me {{ {fields} }} }}"


def unused_variables(nonce: str) -> str:
    """Variable definitions up to the token budget, none used."""

    def make(count: int) -> str:
        definitions = " ".join(f"$v{index}: Int" for index in range(count))
        return f"query Q{nonce}({definitions}) {{ me {{ id }} }}"

    return make(_fit(make, tokens_per_unit=4, fixed_tokens=12))


def repeated_directives(nonce: str) -> str:
    """One field carrying directives up to the token budget."""

    def make(count: int) -> str:
        return f"query Q{nonce} {{ me {' '.join(['@include(if: true)'] * count)} {{ id }} }}"

    return make(_fit(make, tokens_per_unit=7, fixed_tokens=10))


def many_operations(nonce: str) -> str:
    """The most operations a document may hold, all spreading one wide fragment."""
    operations = " ".join(
        f"query Q{nonce}{index} {{ me {{ ...U }} }}"
        for index in range(settings.GRAPHQL_MAX_OPERATIONS)
    )
    return operations + " fragment U on User { id username email firstName lastName dateJoined }"


def comment_padding(nonce: str) -> str:
    """A small document: comments up to their budget, then spaces up to the size limit."""
    head = f"query Q{nonce} {{ __typename }}" + "\n# padding" * settings.GRAPHQL_MAX_COMMENTS
    return head + " " * (settings.GRAPHQL_MAX_DOCUMENT_SIZE - len(head))


def fragment_fan_out(nonce: str) -> str:
    """Each fragment spreads the next twice: 2^60 selections in a few thousand characters."""
    links = 60
    fragments = " ".join(
        f"fragment F{index} on User {{ id ...F{index + 1} ...F{index + 1} }}"
        for index in range(links)
    )
    return f"query Q{nonce} {{ me {{ ...F0 }} }} {fragments} fragment F{links} on User {{ id }}"


def token_flood(nonce: str) -> str:
    """The size limit filled with tokens: the parser stops at its budget."""
    head = f"query Q{nonce} {{ me {{ "
    return head + "id " * ((settings.GRAPHQL_MAX_DOCUMENT_SIZE - len(head) - 4) // 3) + "} }"


def deep_nesting(nonce: str) -> str:
    """Selections nested past the parser's depth limit."""
    return f"query Q{nonce} {{ " + "me { " * 300 + "id" + " }" * 300 + " }"


ADVERSARIAL_DOCUMENTS: dict[str, NonceDocument] = {
    "overlapping-fields": overlapping_fields,
    "overlapping-fragments": overlapping_fragments,
    "unknown-fields": unknown_fields,
    "unused-variables": unused_variables,
    "repeated-directives": repeated_directives,
    "many-operations": many_operations,
    "comment-padding": comment_padding,
    "fragment-fan-out": fragment_fan_out,
    "token-flood": token_flood,
    "deep-nesting": deep_nesting,
}
