"""A cheap first look at a parsed document, before graphql-core validates it.

Validation can cost far more than the document's size suggests: graphql-core's
OverlappingFieldsCanBeMergedRule compares every pair of fields that share a
response name in a selection set, and every pair of fragments spread there (640
sibling `members` fields took about a second). The parser's own budgets bound
parsing (GRAPHQL_MAX_TOKENS, GRAPHQL_MAX_COMMENTS, see documents.py); this pass
bounds the rest in one walk, each fragment measured once however often it is
spread:

- selections: the fields of every operation, each fragment counted at every
  spread, so a fragment fan-out (a fragment spreading the next one twice, and so
  on) is refused however small its text;
- fields sharing one response name in one selection set, inline fragments and
  fragment spreads merged in, as the overlap rule and execution see them;
- fragment spreads in one selection set, which the overlap rule compares pairwise;
- the comparisons the overlap rule may make: in each selection set, a group of
  fields sharing a response name costs (the fields and everything under them)^2/2,
  an upper bound of the pairs it compares there, summed over the document;
- variable definitions per operation (each rule about variables walks them all);
- fragments that no operation spreads are measured too (validation still walks
  them before NoUnusedFragments refuses them).

The work here is linear in the document (a fragment's names are merged in at a
spread only while the selection count stays under its limit), so a hostile
document costs about what parsing it did. Refusals have the code
DOCUMENT_TOO_COMPLEX.
"""

from graphql import DocumentNode, GraphQLError

from schema.core.complexity_walk import ComplexityLimits, DocumentWalk, TooComplex
from schema.core.errors import ErrorCode


def document_complexity_error(document: DocumentNode) -> GraphQLError | None:
    """The DOCUMENT_TOO_COMPLEX error for a document too costly to validate, or None."""
    try:
        DocumentWalk(document, ComplexityLimits.from_settings()).document(document)
    except TooComplex as refusal:
        message = refusal.message
    except RecursionError:
        # Fragments chained deeper than Python's stack: validation would recurse too.
        message = "Fragments are nested too deeply."
    else:
        return None
    return GraphQLError(message, extensions={"code": ErrorCode.DOCUMENT_TOO_COMPLEX.value})
