"""A real Prometheus scrapes a two-worker gunicorn: its counts are the requests sent.

Debian's `prometheus` binary, started here in a temporary directory with a
generated configuration (scrape interval 1 s, the metrics token as its Bearer
credentials), on a free port. gunicorn runs with PROMETHEUS_MULTIPROC_DIR, so
whichever worker answers a scrape reports what both counted.
"""

import json
import shutil
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.system.harness import Server, free_port
from tests.tools import require_tool

pytestmark = pytest.mark.system

METRICS_TOKEN = "prometheus-scrape-token-0123456789"
OPERATIONS = {
    "Alpha": "query Alpha { __typename }",
    "Beta": "query Beta { __typename }",
    "Gamma": "query Gamma { __typename }",
}
REQUESTS_PER_OPERATION = 20
PROMETHEUS_CONFIG = """\
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: api
    scrape_interval: 1s
    scrape_timeout: 1s
    metrics_path: /metrics
    authorization:
      credentials: {token}
    static_configs:
      - targets: ["127.0.0.1:{port}"]
"""


@pytest.fixture
def metered_server(shared_services, start_server, tmp_path) -> tuple[Server, Path]:
    """A two-worker gunicorn with metrics on, and its multiprocess directory."""
    directory = tmp_path / "prometheus-multiproc"
    server = start_server(
        database_url=shared_services.database_url,
        redis_url=shared_services.redis_url,
        WEB_CONCURRENCY="2",
        METRICS_ENABLED="true",
        METRICS_TOKEN=METRICS_TOKEN,
        PROMETHEUS_MULTIPROC_DIR=str(directory),
    )
    return server, directory


class Prometheus:
    def __init__(self, port: int, process: subprocess.Popen, log: Path) -> None:
        self.port = port
        self.process = process
        self.log = log

    def get(self, path: str) -> dict:
        url = f"http://127.0.0.1:{self.port}{path}"
        with urllib.request.urlopen(url, timeout=5) as response:
            return json.loads(response.read())

    def query(self, expression: str) -> list[dict]:
        answer = self.get("/api/v1/query?" + urllib.parse.urlencode({"query": expression}))
        assert answer["status"] == "success", answer
        return answer["data"]["result"]


@pytest.fixture
def prometheus(metered_server, tmp_path) -> Iterator[Prometheus]:
    """Prometheus scraping the metered server every second."""
    binary = shutil.which("prometheus")
    require_tool(binary is not None, "prometheus is not installed (apt-get install prometheus)")
    server, _ = metered_server
    port = free_port()
    config = tmp_path / "prometheus.yml"
    config.write_text(PROMETHEUS_CONFIG.format(token=METRICS_TOKEN, port=server.port))
    log = tmp_path / "prometheus.log"
    with log.open("w") as output:
        process = subprocess.Popen(  # noqa: S603 (a fixed command line)
            [
                binary,
                f"--config.file={config}",
                f"--storage.tsdb.path={tmp_path / 'tsdb'}",
                f"--web.listen-address=127.0.0.1:{port}",
            ],
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    started = Prometheus(port, process, log)
    try:
        _wait_until_up(started)
        yield started
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_up(prometheus: Prometheus) -> None:
    # Up: it answers, and its first scrape of the server succeeded (the token works).
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if prometheus.process.poll() is not None:
            pytest.fail(f"prometheus exited:\n{prometheus.log.read_text()[-2000:]}")
        try:
            if [sample["value"][1] for sample in prometheus.query('up{job="api"}')] == ["1"]:
                return
        except OSError:
            pass
        time.sleep(0.3)
    pytest.fail(f"prometheus never scraped the server:\n{prometheus.log.read_text()[-2000:]}")


def _counts(prometheus: Prometheus) -> dict[str, int]:
    result = prometheus.query('sum by (operation_name) (graphql_requests_total{job="api"})')
    return {sample["metric"]["operation_name"]: int(float(sample["value"][1])) for sample in result}


def test_prometheus_counts_the_requests_sent_by_operation_name(metered_server, prometheus):
    # given: a server both of whose workers count, scraped every second
    server, directory = metered_server

    # when: 60 requests, 20 of each of three operations, six at a time (so both
    # synchronous workers serve some)
    queries = list(OPERATIONS.values()) * REQUESTS_PER_OPERATION
    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(server.graphql, queries))
    assert [answer.status for answer in answers] == [200] * len(queries)
    assert all(answer.body["data"] == {"__typename": "Query"} for answer in answers)

    # then: Prometheus's query API reports exactly those counts, by name
    expected = dict.fromkeys(OPERATIONS, REQUESTS_PER_OPERATION)
    deadline = time.monotonic() + 20
    counts = _counts(prometheus)
    while counts != expected and time.monotonic() < deadline:
        time.sleep(0.5)
        counts = _counts(prometheus)
    assert counts == expected
    # each worker keeps its values in files of its own there
    assert len(list(directory.glob("counter_*.db"))) == 2
