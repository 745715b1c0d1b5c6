"""A real DPoP client, npm's `dpop` (panva), end to end against gunicorn.

tests/live/dpop-client/client.mjs signs in bound to a fresh key, calls the API,
refreshes, and tries a replayed proof, a proof for another URL and for another
method, the token with another key and as Bearer: each refused with its own code.

One worker: the replay check needs the cache shared by every worker (Redis,
which production requires); the live servers use the local-memory cache.
"""

import json
import shutil
import subprocess
from collections.abc import Iterator

import pytest

from config.settings.base import BASE_DIR
from tests.live.conftest import (
    DEMO_PASSWORD,
    DEMO_USERNAME,
    LiveServer,
    free_port,
    serve_gunicorn,
)
from tests.tools import require_tool

pytestmark = pytest.mark.live

CLIENT_DIR = BASE_DIR / "tests" / "live" / "dpop-client"


@pytest.fixture(scope="module")
def node() -> str:
    node = shutil.which("node")
    require_tool(
        node is not None and (CLIENT_DIR / "node_modules" / "dpop").is_dir(),
        "node or the DPoP client's packages missing (npm ci --prefix tests/live/dpop-client)",
    )
    return node


@pytest.fixture(scope="module")
def dpop_server(live_root) -> Iterator[LiveServer]:
    yield from serve_gunicorn(live_root, free_port(), workers=1)


@pytest.fixture(scope="module")
def steps(node, dpop_server) -> dict:
    """What each step of the client's run answered."""
    completed = subprocess.run(  # noqa: S603 (node and the pinned client)
        [node, "client.mjs", dpop_server.graphql_url, DEMO_USERNAME, DEMO_PASSWORD],
        cwd=CLIENT_DIR,
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return json.loads(completed.stdout)


def test_a_valid_client_signs_in_calls_and_refreshes(steps):
    # then: bound to the client's key, used, refreshed (twice), used again
    sign_in = steps["signIn"]["data"]["tokenAuth"]
    assert sign_in["claims"] == {"dpopKeyThumbprint": steps["thumbprint"]}
    assert steps["me"]["data"] == {"me": {"username": DEMO_USERNAME}}
    assert steps["me"]["wwwAuthenticate"] is None
    assert steps["refresh"]["codes"] == []
    refreshed = steps["refresh"]["data"]["refreshToken"]
    assert refreshed["claims"] == {"dpopKeyThumbprint": steps["thumbprint"]}
    assert steps["meAfterRefresh"]["data"] == {"me": {"username": DEMO_USERNAME}}
    assert steps["refreshAgain"]["codes"] == []


def test_a_replayed_proof_is_refused(steps):
    # then
    assert steps["firstUse"]["data"] == {"me": {"username": DEMO_USERNAME}}
    assert steps["replayed"]["codes"] == ["DPOP_PROOF_REPLAYED"]
    assert steps["replayed"]["wwwAuthenticate"].startswith('DPoP error="invalid_dpop_proof"')


def test_a_proof_for_another_url_or_method_is_refused(steps):
    # then
    assert steps["otherUrl"]["codes"] == ["DPOP_PROOF_TARGET_MISMATCH"]
    assert steps["otherMethod"]["codes"] == ["DPOP_PROOF_TARGET_MISMATCH"]


def test_the_token_with_another_key_or_as_bearer_is_refused(steps):
    # then
    assert steps["otherKey"]["codes"] == ["DPOP_KEY_MISMATCH"]
    assert steps["otherKey"]["wwwAuthenticate"].startswith('DPoP error="invalid_token"')
    assert steps["asBearer"]["codes"] == ["DPOP_PROOF_REQUIRED"]
    assert steps["refreshOtherKey"]["codes"] == ["DPOP_KEY_MISMATCH"]


def test_an_ed25519_client_works_too(steps):
    # then
    claims = steps["ed25519SignIn"]["data"]["tokenAuth"]["claims"]
    assert claims == {"dpopKeyThumbprint": steps["ed25519Thumbprint"]}
    assert steps["ed25519"]["data"] == {"me": {"username": DEMO_USERNAME}}
