"""graphql-http's server audits (GraphQL over HTTP) against gunicorn: no MUST or SHOULD fails."""

import json
import shutil
import subprocess

import pytest

from config.settings.base import BASE_DIR
from tests.tools import require_tool

pytestmark = pytest.mark.live

AUDIT_DIR = BASE_DIR / ".ci" / "graphql-http-audit"


def test_graphql_http_audit_passes_every_must_and_should(gunicorn_server, capsys):
    # given: `npm ci` has installed the pinned graphql-http (.ci/run does)
    node = shutil.which("node")
    require_tool(
        node is not None and (AUDIT_DIR / "node_modules" / "graphql-http").is_dir(),
        f"node or graphql-http missing (npm ci --prefix {AUDIT_DIR.relative_to(BASE_DIR)})",
    )

    # when
    result = subprocess.run(  # noqa: S603 (node and a script of this repository)
        [node, "audit.mjs", gunicorn_server.graphql_url],
        cwd=AUDIT_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    # then
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    counts = summary["counts"]
    with capsys.disabled():  # the counts, in every run's output (CI's included)
        tally = ", ".join(
            f"{level} {count['pass']} passed {count['fail']} failed"
            for level, count in counts.items()
        )
        print(f"\ngraphql-http audit: {tally}")
    assert counts["MUST"]["fail"] == 0, summary["failures"]
    assert counts["SHOULD"]["fail"] == 0, summary["failures"]
    assert counts["MUST"]["pass"] > 0 and counts["SHOULD"]["pass"] > 0
    assert result.returncode == 0, result.stderr
