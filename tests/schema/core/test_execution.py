"""The short path for plain scalar fields gives exactly what graphql-core gives."""

import graphene
import pytest
from graphql import ExecutionContext, execute, parse
from graphql_relay import to_global_id

from schema import schema
from schema.core.execution import FastLeafExecutionContext


class Thing:
    ok = "fine"
    count = 3
    missing = None
    when = __import__("datetime").datetime(2026, 1, 2, 3, 4, 5)

    @property
    def boom(self):
        raise RuntimeError("property failed")

    @property
    def huge(self):
        return 2**40  # not a 32-bit Int: serialization fails


class ThingType(graphene.ObjectType):
    ok = graphene.String(required=True)
    count = graphene.Int()
    missing = graphene.String()
    missing_required = graphene.String(required=True, name="missingRequired")
    when = graphene.DateTime()
    boom = graphene.String()
    huge = graphene.Int()
    kind = graphene.Field(graphene.Enum("Kind", [("A", "a"), ("B", "b")]))

    @staticmethod
    def resolve_missing_required(root, info):
        return None

    @staticmethod
    def resolve_kind(root, info):
        return "a"


class SyntheticQuery(graphene.ObjectType):
    thing = graphene.Field(ThingType)
    things = graphene.List(ThingType)

    @staticmethod
    def resolve_thing(root, info):
        return Thing()

    @staticmethod
    def resolve_things(root, info):
        return [Thing(), Thing()]


SYNTHETIC = graphene.Schema(query=SyntheticQuery)

SYNTHETIC_DOCUMENTS = [
    "{ thing { ok count missing when kind } }",
    "{ thing { ok boom count } }",
    "{ thing { huge ok } }",
    "{ thing { ok missingRequired } }",
    "{ things { a: ok b: ok __typename count } }",
    "{ thing { ...F } } fragment F on ThingType { ok ... on ThingType { when } }",
    "{ thing { ok @skip(if: true) count @include(if: true) } }",
]


def both_ways(graphql_schema, document, context=None):
    parsed = parse(document)
    results = []
    for context_class in (ExecutionContext, FastLeafExecutionContext):
        result = execute(
            graphql_schema, parsed, context_value=context, execution_context_class=context_class
        )
        results.append(
            (result.data, sorted((e.message, tuple(e.path or ())) for e in result.errors or []))
        )
    return results


@pytest.mark.parametrize("document", SYNTHETIC_DOCUMENTS)
def test_short_path_matches_graphql_core_on_synthetic_types(document):
    # when
    standard, fast = both_ways(SYNTHETIC.graphql_schema, document)

    # then
    assert fast == standard


def test_a_failing_property_nulls_only_its_field():
    # when
    _, (data, errors) = both_ways(SYNTHETIC.graphql_schema, "{ thing { ok boom } }")

    # then
    assert data == {"thing": {"ok": "fine", "boom": None}}
    assert errors == [("property failed", ("thing", "boom"))]


@pytest.fixture
def signed_in_request(rf, make_user, make_organization):
    from organization.models import Membership

    alice = make_user("alice")
    bob = make_user("bob")
    organization = make_organization(
        alice, description="Anvils", members={bob: Membership.Role.MEMBER}
    )
    make_organization(bob, name="Hidden")
    request = rf.post("/graphql/")
    request.user = alice
    return request, to_global_id("Organization", organization.pk)


def test_short_path_matches_graphql_core_on_the_real_schema(signed_in_request):
    # given
    request, global_id = signed_in_request
    documents = [
        "{ me { id username email firstName dateJoined } }",
        "{ organizations { totalCount edges { cursor node { id name slug description "
        "contactEmail website isActive createdAt updatedAt myRole createdBy { username } "
        "members { totalCount edges { node { role createdAt user { username } } } } } } } }",
        '{ organization(slug: "hidden") { name } me { username } }',
        f'{{ node(id: "{global_id}") {{ __typename ... on Organization {{ name myRole }} }} }}',
        "{ organizations(first: 101) { totalCount } }",
    ]

    # when / then
    for document in documents:
        standard, fast = both_ways(schema.graphql_schema, document, request)
        assert fast == standard, document
