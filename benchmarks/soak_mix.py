"""The soak's pure parts: the request mix, each answer's check, and the report's verdicts.

No Django, no network: benchmarks/soak.py drives these, tests/benchmarks/test_soak.py
checks them.
"""

import random
import statistics
from dataclasses import dataclass, field
from typing import Any

FLAT_PAGE = """
query SoakFlat($first: Int!) {
  organizations(first: $first) {
    totalCount
    edges { node { id name slug description contactEmail website isActive createdAt } }
  }
}
"""
NESTED_PAGE = """
query SoakNested($first: Int!, $members: Int!) {
  organizations(first: $first) {
    edges { node { id name slug
      members(first: $members) { edges { node { role user { username } } } }
    } }
  }
}
"""
ORGANIZATION_BY_SLUG = """
query SoakOrganization($slug: String!) {
  organization(by: {slug: $slug}) { id name slug myRole }
}
"""
ME = "query SoakMe { me { id username email } }"
CREATE_ORGANIZATION = """
mutation SoakCreate($name: String!) {
  createOrganization(name: $name) {
    organization { id slug }
    errors { field code }
  }
}
"""
UPDATE_ORGANIZATION = """
mutation SoakUpdate($id: ID!, $description: String!) {
  updateOrganization(id: $id, description: $description) {
    organization { id description }
    errors { field code }
  }
}
"""
REFRESH_TOKEN = """
mutation SoakRefresh($refreshToken: String!) {
  refreshToken(refreshToken: $refreshToken) { token refreshToken }
}
"""
TOKEN_AUTH = """
mutation SoakSignIn($username: String!, $password: String!) {
  tokenAuth(username: $username, password: $password) { token refreshToken }
}
"""

# Share of each kind of request, in percent. Reads dominate, as in an API's
# real traffic; tokenAuth is rare (a client signs in once, then refreshes).
MIX: dict[str, int] = {
    "flat_page": 22,
    "nested_page": 12,
    "organization_by_slug": 16,
    "me": 15,
    "create_organization": 8,
    "update_organization": 10,
    "refresh_token": 16,
    "token_auth": 1,
}
KINDS = tuple(MIX)
DOCUMENTS = {
    "flat_page": FLAT_PAGE,
    "nested_page": NESTED_PAGE,
    "organization_by_slug": ORGANIZATION_BY_SLUG,
    "me": ME,
    "create_organization": CREATE_ORGANIZATION,
    "update_organization": UPDATE_ORGANIZATION,
    "refresh_token": REFRESH_TOKEN,
    "token_auth": TOKEN_AUTH,
}
# The field each operation answers under; a mutation's payload `errors` must be empty.
ROOT_FIELDS = {
    "flat_page": "organizations",
    "nested_page": "organizations",
    "organization_by_slug": "organization",
    "me": "me",
    "create_organization": "createOrganization",
    "update_organization": "updateOrganization",
    "refresh_token": "refreshToken",
    "token_auth": "tokenAuth",
}
PAGE_SIZE = 20
NESTED_PAGE_SIZE = 10
MEMBERS_PER_ORGANIZATION = 5


@dataclass
class ClientState:
    """What one soak client holds: its user, its current tokens, what it created."""

    number: int
    username: str
    password: str
    access_token: str = ""
    refresh_token: str = ""
    # Its own organization (updateOrganization's target) and slugs it may look up.
    organization_id: str = ""
    slugs: list[str] = field(default_factory=list)
    created: int = 0
    updated: int = 0


def kind_choose(rng: random.Random) -> str:
    """One kind of request, drawn with MIX's weights."""
    return rng.choices(KINDS, weights=[MIX[kind] for kind in KINDS])[0]


def request_body(kind: str, state: ClientState, *, run_tag: str, rng: random.Random) -> dict:
    """The JSON body of one request of `kind` for the client `state`.

    createOrganization gets a name no other request of the run uses (run tag,
    client number, counter); updateOrganization changes the client's own
    organization; refreshToken spends the client's current refresh token.
    """
    if kind == "flat_page":
        variables: dict[str, Any] = {"first": PAGE_SIZE}
    elif kind == "nested_page":
        variables = {"first": NESTED_PAGE_SIZE, "members": MEMBERS_PER_ORGANIZATION}
    elif kind == "organization_by_slug":
        variables = {"slug": rng.choice(state.slugs)}
    elif kind == "me":
        variables = {}
    elif kind == "create_organization":
        state.created += 1
        variables = {"name": f"Soak {run_tag} c{state.number} n{state.created}"}
    elif kind == "update_organization":
        state.updated += 1
        variables = {
            "id": state.organization_id,
            "description": f"Updated {state.updated} times by soak client {state.number}.",
        }
    elif kind == "refresh_token":
        variables = {"refreshToken": state.refresh_token}
    elif kind == "token_auth":
        variables = {"username": state.username, "password": state.password}
    else:
        raise ValueError(f"unknown kind {kind!r}")
    return {"query": DOCUMENTS[kind], "variables": variables}


def client_address(number: int) -> str:
    """The address client `number` sends as X-Forwarded-For (in 10.64.0.0/16): one each.

    The soak's server trusts 127.0.0.1 as its proxy, so each client has its own
    per-address budgets, as real clients on their own networks do.
    """
    return f"10.64.{number // 256 % 256}.{number % 256}"


def needs_access_token(kind: str) -> bool:
    """tokenAuth and refreshToken are sent without the access token; everything else with it."""
    return kind not in ("token_auth", "refresh_token")


def answer_problem(kind: str, status: int, answer: Any) -> str | None:
    """Why an answer is not a success (None when it is): any non-2xx, any GraphQL error.

    A GraphQL error at the top level, a mutation payload's non-empty `errors`,
    or a missing result all count.
    """
    if not 200 <= status < 300:
        return f"HTTP {status}"
    if not isinstance(answer, dict):
        return "not a JSON object"
    errors = answer.get("errors")
    if errors:
        codes = sorted(
            {str((error.get("extensions") or {}).get("code", "NO_CODE")) for error in errors}
        )
        return "errors " + "+".join(codes)
    result = (answer.get("data") or {}).get(ROOT_FIELDS[kind])
    if result is None:
        return "no data"
    if isinstance(result, dict) and result.get("errors"):
        return "payload errors " + "+".join(sorted({str(e.get("code")) for e in result["errors"]}))
    return None


def answer_apply(kind: str, answer: dict, state: ClientState) -> None:
    """What a successful answer changes in the client: new tokens, its organization."""
    result = answer["data"][ROOT_FIELDS[kind]]
    if kind in ("refresh_token", "token_auth"):
        state.access_token, state.refresh_token = result["token"], result["refreshToken"]
    elif kind == "create_organization" and not state.organization_id:
        state.organization_id = result["organization"]["id"]


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile of `values` (0 < fraction <= 1)."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * fraction // 1))
    return ordered[int(rank) - 1]


def latency_summary(milliseconds: list[float]) -> dict[str, float | int]:
    """How many, p50 and p99 (nearest rank), in milliseconds."""
    if not milliseconds:
        return {"n": 0, "p50": 0.0, "p99": 0.0}
    return {
        "n": len(milliseconds),
        "p50": round(statistics.median(milliseconds), 1),
        "p99": round(percentile(milliseconds, 0.99), 1),
    }


@dataclass(frozen=True)
class MemoryBound:
    """How much a worker's RSS may grow over the soak: the larger of the two."""

    mib: float = 20.0
    fraction: float = 0.10

    def allowed_kb(self, start_kb: int) -> float:
        return max(self.mib * 1024, self.fraction * start_kb)

    def describe(self) -> str:
        return f"<= max({self.mib:.0f} MiB, {self.fraction:.0%} of the start)"


def memory_verdicts(
    start_kb: dict[int, int], end_kb: dict[int, int], bound: MemoryBound
) -> list[dict[str, Any]]:
    """Per worker: RSS at the start and the end, growth, and whether it is within `bound`.

    A worker missing at the end (restarted: its growth unknown) is NOT met.
    """
    rows = []
    for pid in sorted(start_kb):
        start, end = start_kb[pid], end_kb.get(pid)
        growth = None if end is None else end - start
        rows.append(
            {
                "pid": pid,
                "start_kb": start,
                "end_kb": end,
                "growth_kb": growth,
                "allowed_kb": round(bound.allowed_kb(start)),
                "met": growth is not None and growth <= bound.allowed_kb(start),
            }
        )
    return rows


def soak_verdict(errors: int, memory: list[dict[str, Any]], requests: int) -> bool:
    """The soak passes with some requests, no error, and every worker within the memory bound."""
    return requests > 0 and errors == 0 and bool(memory) and all(row["met"] for row in memory)
