"""The TypeScript example client (examples/typescript-client), compiled, against gunicorn.

The server's access tokens live 3 s, so the client's refresh step runs: three
concurrent requests after expiry share one refresh, whether the client refreshes
early (its clock is right) or only after TOKEN_EXPIRED answers (its clock runs behind).
"""

import os
import re
import shutil
import subprocess
from collections.abc import Iterator

import pytest

from config.settings.base import BASE_DIR
from tests.live.conftest import LiveServer, free_port, manage, serve_gunicorn
from tests.tools import require_tool

pytestmark = pytest.mark.live

EXAMPLE_DIR = BASE_DIR / "examples" / "typescript-client"
USERNAME = "pager"
PASSWORD = "pager-password-Zq8x2"
ORGANIZATIONS = 23
PAGE_SIZE = 5  # 23 organizations: pages of 5, 5, 5, 5, 3
SEED = f"""
from accounts.models import User
from organization.services import organization_create
user = User.objects.create_user(username={USERNAME!r}, password={PASSWORD!r})
for number in range({ORGANIZATIONS}):
    organization_create(user=user, name=f"Paged {{number:02d}}")
"""


@pytest.fixture(scope="module")
def node() -> str:
    """node, with the example's pinned packages installed and its code compiled to dist/."""
    node = shutil.which("node")
    require_tool(
        node is not None and (EXAMPLE_DIR / "node_modules" / "typescript").is_dir(),
        "node or the example's packages missing (npm ci --prefix examples/typescript-client)",
    )
    # tsc --strict: the compile is also the type check.
    subprocess.run(  # noqa: S603 (node and the pinned TypeScript compiler)
        [node, "node_modules/typescript/bin/tsc", "--strict"],
        cwd=EXAMPLE_DIR,
        check=True,
        capture_output=True,
        timeout=120,
    )
    return node


@pytest.fixture(scope="module")
def short_token_server(live_root) -> Iterator[LiveServer]:
    """gunicorn whose access tokens live 3 s, with a user who sees 23 organizations."""
    manage(live_root, "shell", "-c", SEED)
    # A 1 s reuse interval: the client's reuse step waits it out (REUSE_INTERVAL_SECONDS).
    yield from serve_gunicorn(
        live_root,
        free_port(),
        JWT_ACCESS_TOKEN_LIFETIME="3",
        JWT_LEEWAY="0",
        JWT_REFRESH_TOKEN_REUSE_INTERVAL="1",
    )


def run_client(node: str, server: LiveServer, **settings: str) -> subprocess.CompletedProcess:
    """node dist/main.js with GRAPHQL_URL pointing at `server` and `settings` as variables."""
    environment = {**os.environ, "GRAPHQL_URL": server.graphql_url, **settings}
    return subprocess.run(  # noqa: S603 (node and the compiled example)
        [node, "dist/main.js"],
        cwd=EXAMPLE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("clock_skew", "token_expired_answers"),
    [("0", r"0"), ("-60", r"[123]")],
    ids=["refresh-before-expiry", "refresh-after-token-expired"],
)
def test_example_client_runs_every_step(
    node, short_token_server, clock_skew, token_expired_answers
):
    # when
    result = run_client(
        node,
        short_token_server,
        GRAPHQL_USERNAME=USERNAME,
        GRAPHQL_PASSWORD=PASSWORD,
        PAGE_SIZE=str(PAGE_SIZE),
        CLIENT_CLOCK_SKEW_SECONDS=clock_skew,
        REUSE_INTERVAL_SECONDS="1",
    )

    # then
    output = result.stdout
    assert result.returncode == 0, output + result.stderr
    assert result.stderr == ""
    assert output.splitlines()[-1] == "OK: every step passed"
    assert f"[sign-in] signed in as {USERNAME};" in output
    page_sizes = [int(size) for size in re.findall(r"^\[paging\] page \d+: (\d+) ", output, re.M)]
    assert page_sizes == [5, 5, 5, 5, 3]
    assert "[paging] all 23 organizations in 5 pages of up to 5, no duplicates" in output
    assert '[payload-errors] createOrganization(name: "") -> BLANK: fix-field name: ' in output
    assert re.search(r'\(slug: "example-client-\d+"\) -> UNIQUE: pick-another-slug: ', output)
    assert re.search(
        r"^\[refresh\] access token expired; 3 concurrent requests answered; refreshes: 1; "
        rf"TOKEN_EXPIRED answers retried: {token_expired_answers}$",
        output,
        re.M,
    )
    assert (
        "[reuse] refresh with a spent token -> REFRESH_TOKEN_REUSED; "
        "next request: SignedOutError\n" in output
    )
    assert (
        "[sign-out] revokeToken; the refresh token is refused now (REFRESH_TOKEN_REUSED)\n"
        in output
    )


def test_example_client_fails_loudly_on_wrong_credentials(node, short_token_server):
    # when
    result = run_client(
        node, short_token_server, GRAPHQL_USERNAME=USERNAME, GRAPHQL_PASSWORD="not-it"
    )

    # then
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "FAILED: ApiError: [GraphQL] Please enter a valid username and password. "
        "(INVALID_CREDENTIALS)"
    ]
