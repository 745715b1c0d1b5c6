"""The pure parts of `make bench-soak` (benchmarks/soak_mix.py): mix, checks, verdicts."""

import ipaddress
import random
from collections import Counter

import pytest

from benchmarks.soak_mix import (
    KINDS,
    MIX,
    ClientState,
    MemoryBound,
    answer_apply,
    answer_problem,
    client_address,
    kind_choose,
    latency_summary,
    memory_verdicts,
    needs_access_token,
    request_body,
    soak_verdict,
)
from organization.models import Membership
from tests.conftest import PASSWORD


@pytest.fixture
def soak_client(api, user, make_organization) -> ClientState:
    """A client as the soak makes it: its user, a slug it can see, no tokens yet."""
    organization = make_organization(user, name="Seen", slug="seen-one")
    assert Membership.objects.filter(organization=organization, user=user).exists()
    return ClientState(number=3, username=user.username, password=PASSWORD, slugs=["seen-one"])


def seeded(seed: int) -> random.Random:
    return random.Random(seed)  # noqa: S311 (a reproducible load mix, not a secret)


def send(api, kind: str, state: ClientState, rng: random.Random) -> dict:
    body = request_body(kind, state, run_tag="t1", rng=rng)
    token = state.access_token if needs_access_token(kind) else None
    return api.client.post(
        "/graphql/",
        body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"} if token else {},
    )


def test_the_mix_is_in_percent_and_every_kind_has_a_share():
    assert sum(MIX.values()) == 100
    assert all(share > 0 for share in MIX.values())


def test_every_kind_of_the_mix_is_a_request_the_api_answers_with_success(api, soak_client):
    # given: the order a client starts in, then every other kind
    rng = seeded(1)
    order = ["token_auth", "create_organization"] + [
        kind for kind in KINDS if kind not in ("token_auth", "create_organization")
    ]
    problems = {}

    # when: each request is sent as the soak sends it, and its answer applied
    for kind in [*order, "refresh_token", "update_organization", "create_organization"]:
        response = send(api, kind, soak_client, rng)
        answer = response.json()
        problems[kind] = answer_problem(kind, response.status_code, answer)
        if problems[kind] is None:
            answer_apply(kind, answer, soak_client)

    # then
    assert problems == dict.fromkeys(order)
    assert soak_client.organization_id
    assert soak_client.created == 2


def test_created_names_never_repeat_and_updates_change_the_clients_own_organization():
    # given
    state = ClientState(number=7, username="u", password="p", organization_id="T3JnOjE=")
    rng = seeded(2)

    # when
    names = [
        request_body("create_organization", state, run_tag="abc", rng=rng)["variables"]["name"]
        for _ in range(50)
    ]
    update = request_body("update_organization", state, run_tag="abc", rng=rng)

    # then
    assert len(set(names)) == 50
    assert all(name.startswith("Soak abc c7 ") for name in names)
    assert update["variables"]["id"] == "T3JnOjE="


def test_kinds_are_drawn_with_the_mixs_weights():
    # when
    rng = seeded(5)
    drawn = Counter(kind_choose(rng) for _ in range(20_000))

    # then: each share within 1.5 points of its weight
    for kind, share in MIX.items():
        assert abs(100 * drawn[kind] / 20_000 - share) < 1.5, kind


def test_each_client_has_an_address_of_its_own():
    # when
    addresses = [ipaddress.ip_address(client_address(number)) for number in range(300)]

    # then
    assert len(set(addresses)) == 300
    assert all(address in ipaddress.ip_network("10.64.0.0/16") for address in addresses)


def test_only_token_mutations_go_without_the_access_token():
    assert [kind for kind in KINDS if not needs_access_token(kind)] == [
        "refresh_token",
        "token_auth",
    ]


@pytest.mark.parametrize(
    ("status", "answer", "problem"),
    [
        (200, {"data": {"me": {"id": "1"}}}, None),
        (429, {"errors": [{"extensions": {"code": "RATE_LIMITED"}}]}, "HTTP 429"),
        (502, None, "HTTP 502"),
        (200, "<html>", "not a JSON object"),
        (
            200,
            {"errors": [{"extensions": {"code": "TOKEN_INVALID"}}, {}]},
            "errors NO_CODE+TOKEN_INVALID",
        ),
        (200, {"data": {"me": None}}, "no data"),
    ],
)
def test_an_answer_is_a_success_only_when_2xx_without_any_error(status, answer, problem):
    assert answer_problem("me", status, answer) == problem


def test_a_mutation_payload_error_counts_as_an_error():
    # given
    answer = {
        "data": {"createOrganization": {"organization": None, "errors": [{"code": "UNIQUE"}]}}
    }

    # then
    assert answer_problem("create_organization", 200, answer) == "payload errors UNIQUE"


def test_latency_summary_is_nearest_rank():
    assert latency_summary([]) == {"n": 0, "p50": 0.0, "p99": 0.0}
    values = [float(value) for value in range(1, 101)]
    assert latency_summary(values) == {"n": 100, "p50": 50.5, "p99": 99.0}


def test_memory_growth_within_the_larger_of_the_two_bounds_is_met():
    # given: 20 MiB or 10%, whichever is larger
    bound = MemoryBound(mib=20, fraction=0.10)
    start = {1: 100_000, 2: 300_000, 3: 100_000, 4: 100_000}
    end = {1: 100_000 + 20 * 1024, 2: 300_000 + 30_000, 3: 100_000 + 20 * 1024 + 1}

    # when
    rows = memory_verdicts(start, end, bound)

    # then: 4 is gone (restarted: its growth unknown)
    assert [row["met"] for row in rows] == [True, True, False, False]
    assert rows[3]["end_kb"] is None


def test_the_soak_passes_only_with_requests_no_error_and_flat_memory():
    flat = [{"met": True}, {"met": True}]
    assert soak_verdict(0, flat, 1000)
    assert not soak_verdict(1, flat, 1000)
    assert not soak_verdict(0, [{"met": True}, {"met": False}], 1000)
    assert not soak_verdict(0, [], 1000)
    assert not soak_verdict(0, flat, 0)
