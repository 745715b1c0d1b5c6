"""PostgreSQL restarted under load: clean coded errors, recovery without a restart, no write lost.

The database is a scratch cluster of this test's own (tests/system/conftest.py),
stopped with a fast shutdown while eight clients create and list organizations
through a production server, and started again a few seconds later.
"""

import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import pytest

from tests.system.harness import PASSWORD, Answer, Server, latency_summary, outcome_counts

pytestmark = pytest.mark.system

CLIENTS = 8
WARM_UP_SECONDS = 4
OUTAGE_SECONDS = 4
AFTER_SECONDS = 6
# Django's connect_timeout (DATABASE_CONNECT_TIMEOUT): no request may wait longer.
CONNECT_TIMEOUT_SECONDS = 5
# Requests started this long after the database is back must all succeed.
RECOVERY_ALLOWANCE_SECONDS = 2

TOKEN_AUTH = """
mutation($username: String!, $password: String!) {
  tokenAuth(username: $username, password: $password) { token }
}
"""
CREATE = """
mutation($name: String!) {
  createOrganization(name: $name) { organization { id name } errors { field code } }
}
"""
LIST = "{ organizations(first: 5) { totalCount edges { node { name } } } }"


@dataclass
class Client:
    number: int
    server: Server
    token: str
    stop: threading.Event
    answers: list[Answer] = field(default_factory=list)
    acknowledged: list[str] = field(default_factory=list)

    def run(self) -> None:
        sequence = 0
        while not self.stop.is_set():
            sequence += 1
            name = f"restart {self.number}-{sequence}"
            answer = self.server.graphql(CREATE, {"name": name}, token=self.token, timeout=20)
            self.answers.append(answer)
            if answer.ok and answer.body["data"]["createOrganization"]["errors"] == []:
                self.acknowledged.append(name)
            self.answers.append(self.server.graphql(LIST, token=self.token, timeout=20))


def test_postgres_restart_under_load(scratch_stack, start_server, capsys):
    # given: a production server on the scratch database, eight signed-in clients
    server = start_server(
        database_url=scratch_stack.database_url, redis_url=scratch_stack.redis_url
    )
    workers_before = server.worker_pids()
    stop = threading.Event()
    clients = []
    for number in range(CLIENTS):
        signed_in = server.graphql(TOKEN_AUTH, {"username": f"sys{number}", "password": PASSWORD})
        assert signed_in.ok, signed_in.text
        token = signed_in.body["data"]["tokenAuth"]["token"]
        clients.append(Client(number=number, server=server, token=token, stop=stop))
    threads = [threading.Thread(target=client.run) for client in clients]
    for thread in threads:
        thread.start()

    # when: PostgreSQL stops (fast shutdown) under load, and comes back
    try:
        time.sleep(WARM_UP_SECONDS)
        stopping_at = time.monotonic()
        scratch_stack.postgres.stop()
        down_at = time.monotonic()
        time.sleep(OUTAGE_SECONDS / 2)
        readiness_during_outage = server.get("/readyz", timeout=15)
        time.sleep(OUTAGE_SECONDS / 2)
        scratch_stack.postgres.start()
        back_at = time.monotonic()
        time.sleep(AFTER_SECONDS)
    finally:
        stop.set()
        scratch_stack.postgres.ensure_running()
        for thread in threads:
            thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a client hung"

    # then
    answers = sorted((answer for client in clients for answer in client.answers), key=_start)
    before = [answer for answer in answers if answer.started + answer.elapsed < stopping_at]
    during = [answer for answer in answers if stopping_at <= answer.started < back_at]
    after = [answer for answer in answers if answer.started >= back_at]
    first_success_after = min(
        (answer.started + answer.elapsed for answer in after if answer.ok), default=None
    )
    settled = [answer for answer in after if answer.started >= back_at + RECOVERY_ALLOWANCE_SECONDS]
    acknowledged = [name for client in clients for name in client.acknowledged]
    found = {
        name
        for (name,) in scratch_stack.sql(
            "SELECT name FROM organization_organization WHERE name = ANY(%s)", (acknowledged,)
        )
    }
    figures = {
        "clients": CLIENTS,
        "outage_seconds": round(back_at - stopping_at, 2),
        "shutdown_seconds": round(down_at - stopping_at, 2),
        "requests_before": len(before),
        "requests_during_outage": len(during),
        "during_outage": outcome_counts(during),
        "latency_during_outage": latency_summary(during),
        "readyz_during_outage": [readiness_during_outage.status, readiness_during_outage.body],
        "recovery_seconds_to_first_success": (
            round(first_success_after - back_at, 3) if first_success_after else None
        ),
        "requests_after": len(after),
        "after": outcome_counts(after),
        "overall": outcome_counts(answers),
        "error_codes_overall": dict(Counter(code for answer in answers for code in answer.codes)),
        "creates_acknowledged": len(acknowledged),
        "creates_found": len(found),
    }
    with capsys.disabled():
        print(f"\npostgres restart figures: {figures}")

    # Every answer is JSON with coded errors; nothing is a 500 or shows a traceback.
    assert all(isinstance(answer.body, dict) for answer in answers)
    assert {answer.status for answer in answers} <= {200, 503}
    assert set(figures["error_codes_overall"]) <= {"SERVICE_UNAVAILABLE"}
    assert not any("Traceback" in answer.text for answer in answers)
    assert "Traceback" not in server.log_text()
    # The outage was seen, answered quickly and cleanly.
    assert sum(1 for answer in during if "SERVICE_UNAVAILABLE" in answer.codes) >= CLIENTS
    assert all(answer.status == 503 for answer in during if answer.body.get("data") is None)
    assert figures["latency_during_outage"]["max_ms"] < CONNECT_TIMEOUT_SECONDS * 1000
    assert readiness_during_outage.status == 503
    assert readiness_during_outage.body["failed"] == {"database": "OperationalError"}
    # Before and after it, everything succeeded; the same gunicorn workers served throughout.
    assert all(answer.ok for answer in before)
    assert settled and all(answer.ok for answer in settled)
    assert server.process.poll() is None
    assert server.worker_pids() == workers_before
    # Every write the API acknowledged is there.
    assert len(found) == len(acknowledged) > 0


def _start(answer: Answer) -> float:
    return answer.started
