"""Query cost: every field priced, connections multiplied, the maximum and the budgets."""

import json
import logging
import time

import pytest
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from graphql import (
    GraphQLInterfaceType,
    GraphQLObjectType,
    get_introspection_query,
    get_named_type,
    get_operation_ast,
    parse,
)

from benchmarks.cases import CASES, FLAT_PAGE, NESTED_PAGE, Context, page_variables
from schema import schema as graphene_schema
from schema.core import budget as budget_module
from schema.core.cost import operation_cost
from schema.core.cost_rules import (
    COST_OVERRIDES,
    is_connection_field,
    is_connection_type,
    schema_costs,
)
from tests.conftest import error_codes, run_in_another_process

SCHEMA = graphene_schema.graphql_schema
WINDOW_START = 1_800_000_000  # a multiple of the 60 s window


def price(query: str, variables: dict | None = None) -> int:
    document = parse(query)
    return operation_cost(SCHEMA, document, get_operation_ast(document), variables)


def post(client, query, variables=None, *, token=None, extensions=None, ip="203.0.113.7", **kw):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    body = {"query": query, "variables": variables or {}}
    if extensions is not None:
        body["extensions"] = extensions
    return client.post(
        "/graphql/",
        json.dumps(body),
        content_type="application/json",
        headers=headers | kw.pop("headers", {}),
        REMOTE_ADDR=ip,
        **kw,
    )


@pytest.fixture(autouse=True)
def _no_preparation_charge(settings):
    """These tests count query cost alone; test_preparation_cost.py counts the other charge."""
    settings.GRAPHQL_DOCUMENT_PREPARATION_COST = 0


@pytest.fixture
def clock(monkeypatch):
    """A controllable clock for the budgets; starts at the beginning of a window."""

    class Clock:
        now = float(WINDOW_START)

    monkeypatch.setattr(budget_module, "_now", lambda: Clock.now)
    monkeypatch.setattr(budget_module, "_cache_failed_until", 0.0)
    return Clock


@pytest.fixture
def token(user):
    from accounts.tokens import access_token_issue

    return access_token_issue(user=user).token


# --- The cost map ---------------------------------------------------------------------


def test_every_field_of_the_schema_has_a_cost():
    # given
    costs = schema_costs(SCHEMA)

    # then: every field of every object and interface type, by rule or override
    selectable = [
        graphql_type
        for graphql_type in SCHEMA.type_map.values()
        if isinstance(graphql_type, GraphQLObjectType | GraphQLInterfaceType)
    ]
    assert len(selectable) > 20
    for graphql_type in selectable:
        assert set(costs[graphql_type.name]) == set(graphql_type.fields), graphql_type.name
        assert all(cost.cost >= 0 for cost in costs[graphql_type.name].values())


def test_every_connection_field_is_recognised():
    # given: every field whose type is named like a connection or that takes first/last
    candidates = {
        f"{type_name}.{name}"
        for type_name, graphql_type in SCHEMA.type_map.items()
        if isinstance(graphql_type, GraphQLObjectType | GraphQLInterfaceType)
        for name, field in graphql_type.fields.items()
        if get_named_type(field.type).name.endswith("Connection")
        or "first" in field.args
        or "last" in field.args
    }
    costs = schema_costs(SCHEMA)

    # then: each is priced as a connection (2, its edges by the page)
    assert candidates == {
        "Query.organizations",
        "Organization.members",
        "Organization.invitations",
        "Organization.auditEvents",
        "Query.myInvitations",
        "User.securityEvents",
    }
    for qualified in candidates:
        type_name, name = qualified.split(".")
        field = SCHEMA.type_map[type_name].fields[name]
        assert is_connection_field(field)
        assert is_connection_type(get_named_type(field.type))
        assert costs[type_name][name].connection
        assert costs[type_name][name].cost == 2


def test_overrides_name_fields_of_the_schema():
    for qualified in COST_OVERRIDES:
        type_name, name = qualified.split(".")
        assert name in SCHEMA.type_map[type_name].fields, qualified


def test_the_rules_price_scalars_objects_connections_and_mutations():
    costs = schema_costs(SCHEMA)
    assert costs["Organization"]["name"].cost == 0
    assert costs["Organization"]["myRole"].cost == 0  # an enum
    assert costs["Organization"]["createdBy"].cost == 1
    assert costs["Query"]["me"].cost == 1
    assert costs["Query"]["node"].cost == 1  # an interface
    assert costs["OrganizationConnection"]["edges"].cost == 0
    assert costs["OrganizationConnection"]["edges"].per_item
    assert costs["OrganizationConnection"]["pageInfo"].cost == 0
    assert costs["OrganizationConnection"]["totalCount"].cost == 1  # an override: COUNT
    assert costs["OrganizationEdge"]["node"].cost == 1
    assert {cost.cost for cost in costs["Mutation"].values()} == {10}


# --- Pricing documents ----------------------------------------------------------------


def test_benchmark_pages_and_introspection_fit_the_default_maximum(settings):
    # when
    flat = price(FLAT_PAGE, page_variables())
    nested = price(NESTED_PAGE, page_variables())
    introspection = price(get_introspection_query(descriptions=True, input_value_deprecation=True))

    # then: 2 + totalCount + 50 organizations; each with members: 2 + 10 x (node + user)
    assert flat == 53
    assert nested == 2 + 1 + 50 * (1 + 2 + 10 * 2) == 1153
    assert introspection == 71
    assert max(flat, nested, introspection) <= settings.GRAPHQL_MAX_QUERY_COST


def test_every_graphql_document_of_the_benchmark_fits_the_default_maximum(settings):
    # given
    context = Context(
        username="u", password="p", access_token="a", writer_access_token="w", visible=1
    )
    graphql_cases = [case for case in CASES if case.path == "/graphql/"]
    assert len(graphql_cases) >= 5

    # then
    for case in graphql_cases:
        body = json.loads(case.body(context))
        assert price(body["query"], body["variables"]) <= settings.GRAPHQL_MAX_QUERY_COST, case.name


def test_connection_without_first_costs_the_default_page_size(settings):
    # given
    settings.GRAPHQL_DEFAULT_PAGE_SIZE = 20

    # then
    assert price("{ organizations { edges { node { id } } } }") == 2 + 20


def test_first_comes_from_the_variables_or_their_default():
    query = "query($n: Int = 7) { organizations(first: $n) { edges { node { id } } } }"
    assert price(query, {"n": 5}) == 2 + 5
    assert price(query, {}) == 2 + 7
    assert price(query, {"n": None}) == 2 + 20  # null: the default page size
    assert price(query, {"n": "many"}) == 2 + 100  # not an Int: priced as the maximum page
    assert price(query, {"n": 1000}) == 2 + 100  # over the cap: PAGE_SIZE_TOO_LARGE answers
    assert price(query, {"n": -5}) == 2


def test_last_and_first_the_larger_counts():
    assert price("{ organizations(first: 3, last: 9) { edges { node { id } } } }") == 2 + 9


def test_nested_connections_multiply():
    # given: 10 organizations, 4 members each, each member's user
    query = (
        "{ organizations(first: 10) { edges { node { "
        "members(first: 4) { totalCount edges { node { role user { username } } } } } } } }"
    )

    # then
    assert price(query) == 2 + 10 * (1 + 2 + 1 + 4 * (1 + 1))


def test_aliases_multiply():
    # given
    one = "{ a: organizations(first: 10) { edges { node { id } } } }"
    three = (
        "{ a: organizations(first: 10) { edges { node { id } } } "
        "b: organizations(first: 10) { edges { node { id } } } "
        "c: organizations(first: 10) { edges { node { id } } } }"
    )

    # then
    assert price(three) == 3 * price(one) == 36


def test_fragments_count_each_time_they_are_spread():
    # given: the same selection inline, and through fragments spread in a connection
    inline = (
        "{ organizations(first: 10) { totalCount edges { node { createdBy { id } "
        "members(first: 2) { edges { node { user { id } } } } } } } }"
    )
    fragments = (
        "{ organizations(first: 10) { ...Page } } "
        "fragment Page on OrganizationConnection { totalCount edges { node { ...Org } } } "
        "fragment Org on Organization { ... on Organization { createdBy { id } } "
        "members(first: 2) { edges { node { ...Member } } } } "
        "fragment Member on Membership { user { id } }"
    )

    # then
    assert price(fragments) == price(inline) == 2 + 1 + 10 * (1 + 1 + 2 + 2 * 2)


def test_fragment_fan_out_is_priced_in_linear_time():
    # given: each fragment spreads the one before twice, 40 levels: 2^40 members
    definitions = ["fragment F0 on Organization { members(first: 1) { totalCount } }"]
    for level in range(1, 41):
        definitions.append(
            f"fragment F{level} on Organization {{ ...F{level - 1} ...F{level - 1} }}"
        )
    query = '{ organization(slug: "x") { ...F40 } } ' + " ".join(definitions)

    # when
    started = time.perf_counter()
    cost = price(query)
    elapsed = time.perf_counter() - started

    # then: exact, and done (a walk of every spread would not end in our lifetime;
    # the bound is loose because machines here are shared)
    assert cost == 1 + 2**40 * 3
    assert elapsed < 1.0


def test_mutations_cost_ten_plus_what_they_select():
    # given
    query = (
        'mutation { createOrganization(name: "x") { organization { id createdBy { id } } '
        "errors { code } } }"
    )

    # then: 10, the organization 1, its creator 1, the list of errors 1
    assert price(query) == 10 + 1 + 1 + 1


def test_typename_and_scalars_are_free():
    assert price("{ __typename }") == 0
    assert price("{ me { id username __typename } }") == 1


# --- The maximum ----------------------------------------------------------------------

OVER_DEFAULT_MAXIMUM = (
    "{ organizations(first: 100) { edges { node { "
    "members(first: 100) { edges { node { user { username } } } } } } } }"
)


def test_over_the_maximum_is_refused_before_any_sql_runs(client, db):
    # given: 2 + 100 x (1 + 2 + 100 x 2), anonymous, so authentication reads nothing
    expected = 2 + 100 * (1 + 2 + 100 * 2)

    # when
    with CaptureQueriesContext(connection) as captured:
        response = post(client, OVER_DEFAULT_MAXIMUM)

    # then
    result = response.json()
    assert response.status_code == 200
    assert error_codes(result) == ["COST_LIMIT_EXCEEDED"]
    assert len(result["errors"]) == 1
    assert result["errors"][0]["extensions"]["cost"] == {"requested": expected, "maximum": 5000}
    assert "data" not in result
    assert len(captured) == 0


def test_over_the_maximum_for_a_signed_in_user_runs_nothing_past_authentication(
    client, token, settings
):
    # given
    settings.GRAPHQL_MAX_QUERY_COST = 52

    # when
    with CaptureQueriesContext(connection) as captured:
        refused = post(
            client,
            FLAT_PAGE,
            page_variables(),
            token=token,
            HTTP_ACCEPT="application/graphql-response+json",
        )
    ran = post(client, FLAT_PAGE, {"first": 49}, token=token)

    # then: only the token's user was read
    assert refused.status_code == 400
    assert error_codes(refused.json()) == ["COST_LIMIT_EXCEEDED"]
    assert refused.json()["errors"][0]["extensions"]["cost"] == {"requested": 53, "maximum": 52}
    assert [
        query["sql"] for query in captured.captured_queries if "accounts_user" not in query["sql"]
    ] == []
    assert error_codes(ran.json()) == []


def test_a_page_over_the_cap_is_page_size_too_large_not_a_cost_error(client, token):
    # when
    result = post(client, "{ organizations(first: 1000) { totalCount } }", token=token).json()

    # then
    assert error_codes(result) == ["PAGE_SIZE_TOO_LARGE"]


def test_graphiql_introspection_passes_the_default_maximum(client, db, settings):
    # given
    settings.GRAPHQL_INTROSPECTION_ENABLED = True
    query = get_introspection_query(descriptions=True, input_value_deprecation=True)

    # when
    result = post(client, query, extensions={"cost": True}).json()

    # then
    assert "errors" not in result
    assert result["extensions"]["cost"]["requestedQueryCost"] == 71


# --- extensions.cost ------------------------------------------------------------------


def test_extensions_cost_reports_the_cost_and_the_budget_left(client, token, clock, settings):
    # given
    settings.GRAPHQL_COST_BUDGET_PER_USER = 10_000
    clock.now = WINDOW_START + 15

    # when
    first = post(client, FLAT_PAGE, page_variables(), token=token, extensions={"cost": True})
    second = post(client, FLAT_PAGE, page_variables(), token=token, extensions={"cost": True})
    unasked = post(client, FLAT_PAGE, page_variables(), token=token)

    # then
    assert first.json()["extensions"] == {
        "cost": {
            "requestedQueryCost": 53,
            "maximum": 5000,
            "throttleStatus": {"budget": 10_000, "remaining": 9947, "windowResetsIn": 45},
        }
    }
    assert second.json()["extensions"]["cost"]["throttleStatus"]["remaining"] == 9894
    assert "errors" not in second.json()
    assert "extensions" not in unasked.json()


def test_extensions_cost_over_get_and_on_a_refusal(client, db, settings):
    # given
    settings.GRAPHQL_MAX_QUERY_COST = 10
    query = "{ organizations(first: 20) { totalCount } }"

    # when
    response = client.get(
        "/graphql/",
        {"query": query, "extensions": json.dumps({"cost": True})},
        REMOTE_ADDR="198.51.100.1",
    )
    refused = post(client, OVER_DEFAULT_MAXIMUM, extensions={"cost": True})

    # then: anonymous, so the field is UNAUTHENTICATED; it ran, and was charged
    result = response.json()
    assert result["extensions"]["cost"]["requestedQueryCost"] == 3
    assert result["extensions"]["cost"]["throttleStatus"]["remaining"] == 5_000 - 3
    assert error_codes(refused.json()) == ["COST_LIMIT_EXCEEDED"]
    assert refused.json()["extensions"]["cost"]["throttleStatus"] is None


# --- Budgets --------------------------------------------------------------------------


def test_budget_is_spent_across_requests_then_refused_with_retry_after(
    client, token, clock, settings
):
    # given: 120 points per minute; the flat page costs 53
    settings.GRAPHQL_COST_BUDGET_PER_USER = 120
    settings.GRAPHQL_MAX_QUERY_COST = 100
    clock.now = WINDOW_START + 20

    # when
    answers = [post(client, FLAT_PAGE, page_variables(), token=token) for _ in range(3)]
    small = post(client, "{ me { username } }", token=token, extensions={"cost": True})

    # then: two ran; the third is refused before it runs, and its points given back
    assert [error_codes(answer.json()) for answer in answers] == [[], [], ["RATE_LIMITED"]]
    refused = answers[2]
    assert refused.status_code == 429
    assert refused["Retry-After"] == "40"
    assert refused.json()["errors"][0]["extensions"] == {"code": "RATE_LIMITED", "retryAfter": 40}
    assert len(refused.json()["errors"]) == 1
    assert "data" not in refused.json()
    assert error_codes(small.json()) == []
    assert small.json()["extensions"]["cost"]["throttleStatus"]["remaining"] == 120 - 106 - 1

    # and when the window ends, the budget is whole again
    clock.now = WINDOW_START + 60
    assert error_codes(post(client, FLAT_PAGE, page_variables(), token=token).json()) == []


def test_anonymous_requests_count_per_address_and_signed_in_ones_per_user(
    client, token, clock, settings
):
    # given: an anonymous budget of 25; tokenAuth costs 10 + its user 1
    settings.GRAPHQL_COST_BUDGET_PER_IP = 25
    settings.GRAPHQL_MAX_QUERY_COST = 20
    query = (
        'mutation { tokenAuth(username: "alice", password: "correct-horse-battery") '
        "{ token user { id } } }"
    )

    # when
    from_one = [post(client, query, ip="203.0.113.7") for _ in range(3)]
    from_other = post(client, query, ip="198.51.100.9")
    signed_in = post(client, "{ me { username } }", token=token, ip="203.0.113.7")

    # then
    assert [error_codes(answer.json()) for answer in from_one] == [[], [], ["RATE_LIMITED"]]
    assert from_one[2].status_code == 429
    assert error_codes(from_other.json()) == []
    assert error_codes(signed_in.json()) == []


def test_a_budget_of_zero_is_off(client, token, clock, settings):
    # given
    settings.GRAPHQL_COST_BUDGET_PER_USER = 0

    # when
    result = post(client, FLAT_PAGE, page_variables(), token=token, extensions={"cost": True})

    # then
    assert error_codes(result.json()) == []
    assert result.json()["extensions"]["cost"]["throttleStatus"] is None


def test_a_cache_outage_fails_open_and_logs_once_per_retry_period(
    client, token, clock, monkeypatch, caplog
):
    # given: a real Redis client pointed at a port where nothing listens
    unreachable = RedisCache("redis://127.0.0.1:1/0", {"OPTIONS": {"socket_connect_timeout": 0.5}})
    monkeypatch.setattr(budget_module, "cache", unreachable)

    # when
    with caplog.at_level(logging.ERROR, logger="schema.cost"):
        answers = [post(client, "{ me { username } }", token=token) for _ in range(3)]
        clock.now += budget_module.CACHE_RETRY_SECONDS
        answers.append(post(client, "{ me { username } }", token=token))

    # then
    assert [error_codes(answer.json()) for answer in answers] == [[]] * 4
    assert len(caplog.records) == 2
    assert "NOT enforced" in caplog.records[0].getMessage()


def test_budget_is_shared_with_another_process(token, user, clock, settings, client):
    # given: another worker process, on the same clock, spends the user's budget
    if not isinstance(caches["default"], RedisCache):
        pytest.skip("needs the shared cache: set REDIS_URL (CI's Redis pass does)")
    settings.GRAPHQL_COST_BUDGET_PER_USER = 100
    settings.GRAPHQL_MAX_QUERY_COST = 100
    script = (
        "import django; django.setup()\n"
        "from django.test import RequestFactory, override_settings\n"
        "from accounts.models import User\n"
        "from schema.core import budget\n"
        f"budget._now = lambda: {WINDOW_START}.0\n"
        "request = RequestFactory().post('/graphql/')\n"
        f"request.user = User(pk={user.pk})\n"
        "with override_settings(GRAPHQL_COST_BUDGET_PER_USER=100, GRAPHQL_MAX_QUERY_COST=100):\n"
        "    assert not budget.budget_charge(request, 60).refused\n"
    )
    run_in_another_process(script)

    # when: this process asks for 53 more
    result = post(client, FLAT_PAGE, page_variables(), token=token)

    # then
    assert error_codes(result.json()) == ["RATE_LIMITED"]
