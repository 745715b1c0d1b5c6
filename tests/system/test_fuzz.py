"""Fuzzing: hypothesis-graphql writes queries and mutations from the schema; none may be a 500.

Documents that validate (positive mode) and documents with one schema violation
(negative mode) go to /graphql/ through Django's test client, as a signed-in
user who owns organizations (IDs are drawn from real ones as well as made up).
Every answer must be below 500 and every error must carry a code other than
INTERNAL_SERVER_ERROR. The database runs in autocommit, as in production.

Examples are random locally and derandomized under CI (CI=true), so a CI run
is reproducible; a failure prints the document that caused it.
"""

import json
import os
from collections import Counter

import pytest
from graphql_relay import to_global_id
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis_graphql import Mode, mutations, nodes, queries

from accounts.models import User
from accounts.tokens import access_token_issue
from schema import schema
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.system, pytest.mark.django_db(transaction=True)]

EXAMPLES = 250
FUZZ_SETTINGS = hypothesis_settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=bool(os.environ.get("CI")),
    suppress_health_check=list(HealthCheck),
)
GRAPHQL_SCHEMA = schema.graphql_schema

# Made-up IDs of every shape: not base64, another type, a huge or negative key.
MADE_UP_IDS = [
    "",
    "nope",
    to_global_id("Organization", "999999"),
    to_global_id("Organization", "-1"),
    to_global_id("Organization", "1" * 40),
    to_global_id("User", "1"),
    to_global_id("Organization", "1 OR 1=1"),
    "T3JnYW5pemF0aW9uOg==",
]
DATE_TIMES = [
    "2024-02-29T12:00:00+00:00",
    "2024-01-01",
    "9999-12-31T23:59:59Z",
    "0001-01-01T00:00:00",
    "not a date",
    "2024-13-45T25:61:61",
    "",
]

figures: Counter = Counter()


@pytest.fixture
def fuzz_user(db, make_organization):
    owner = User.objects.create_user(username="fuzzer", password=PASSWORD)
    other = User.objects.create_user(username="bystander", password=PASSWORD)
    owned = [make_organization(owner, name=f"Fuzz {number}") for number in range(3)]
    foreign = make_organization(other, name="Not yours")
    ids = [to_global_id("Organization", str(item.pk)) for item in [*owned, foreign]]
    return owner, ids


def custom_scalars(real_ids: list[str]) -> dict:
    return {
        "ID": st.sampled_from(real_ids + MADE_UP_IDS).map(nodes.String),
        "DateTime": st.sampled_from(DATE_TIMES).map(nodes.String),
        "GenericScalar": st.sampled_from(["{}", "x"]).map(nodes.String),
    }


def documents(make, real_ids: list[str]):
    scalars = custom_scalars(real_ids)
    return st.one_of(
        make(GRAPHQL_SCHEMA, custom_scalars=scalars),
        make(GRAPHQL_SCHEMA, custom_scalars=scalars, mode=Mode.NEGATIVE),
    )


def check_answer(client, user, document: str, signed_in: bool) -> None:
    headers = {}
    if signed_in:
        # A fresh token each time: a fuzzed revokeAllTokens must not end the run.
        user.refresh_from_db()
        headers["Authorization"] = f"Bearer {access_token_issue(user=user).token}"
    response = client.post(
        "/graphql/",
        json.dumps({"query": document}),
        content_type="application/json",
        headers=headers,
    )
    body = response.json()
    codes = [(error.get("extensions") or {}).get("code") for error in body.get("errors", [])]
    figures["examples"] += 1
    figures[f"status {response.status_code}"] += 1
    figures.update(f"code {code}" for code in codes)
    figures["answers without errors"] += not codes
    assert response.status_code < 500, (document, body)
    assert None not in codes, (document, body)
    assert "INTERNAL_SERVER_ERROR" not in codes, (document, body)


@pytest.mark.parametrize("kind", ["queries", "mutations"])
def test_generated_documents_never_get_a_500(client, fuzz_user, kind, capsys, settings):
    # given: budgets out of reach, so the documents reach validation and execution
    # (the budgets have tests of their own; here they would answer most with 429)
    settings.GRAPHQL_COST_BUDGET_PER_IP = 10**12
    settings.GRAPHQL_COST_BUDGET_PER_USER = 10**12
    settings.GRAPHQL_ANONYMOUS_PREPARATIONS_PER_SECOND = 0
    user, real_ids = fuzz_user
    make = queries if kind == "queries" else mutations
    figures.clear()

    @FUZZ_SETTINGS
    @given(document=documents(make, real_ids), signed_in=st.booleans())
    def run(document, signed_in):
        check_answer(client, user, document, signed_in)

    # when / then
    run()
    with capsys.disabled():
        print(f"\nfuzz figures ({kind}): {dict(sorted(figures.items()))}")
    assert figures["examples"] >= EXAMPLES
