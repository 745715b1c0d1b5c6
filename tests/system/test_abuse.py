"""Six anonymous clients send the worst documents; a signed-in user barely notices.

The attackers run in a process of their own (benchmarks/attack.py), each cycling
through every family of benchmarks/documents.py with a fresh nonce per document,
so the document cache never helps them. Every attack answer is a coded refusal
below 500, and the signed-in user keeps being served. The figures are printed.

Issue 10's target, the signed-in user's `{ me { id } }` median under attack within
twice its quiet median, is a speed target: `make bench-abuse` measures it and gives
the verdict (the developers' guide: speed targets are checked by benchmarks, not by
timed tests on shared 2-core machines). Here only a gross regression fails: four
times the quiet median. CI measured 2.06x and 2.07x on the code of issues 11-14
(1.5-1.8x before them): see the README's "Abuse run" and issue 15.
"""

import json
import os
import statistics
import subprocess
import sys
import uuid
from collections import Counter

import pytest

from benchmarks.documents import ADVERSARIAL_DOCUMENTS
from config.settings.base import BASE_DIR
from tests.system.harness import PASSWORD, percentile

pytestmark = pytest.mark.system

# Not the 2x target (make bench-abuse checks that): a bound only a real regression
# crosses on a noisy CI machine.
GROSS_REGRESSION_RATIO = 4

ATTACKERS = 6
ATTACK_SECONDS = 15
QUIET_REQUESTS = 150
DOCUMENTS_PER_ATTACKER = 400

TOKEN_AUTH = """
mutation($username: String!, $password: String!) {
  tokenAuth(username: $username, password: $password) { token }
}
"""
ME = "{ me { id } }"
RATE_LIMITED = "RATE_LIMITED"


def _me_latencies(server, token: str, *, count: int | None = None, until=None) -> list[float]:
    latencies = []
    while (count is not None and len(latencies) < count) or (until is not None and until()):
        answer = server.graphql(ME, token=token)
        assert answer.ok, answer.text
        latencies.append(answer.elapsed * 1000)
    return latencies


def test_a_signed_in_user_keeps_their_latency_while_six_strangers_attack(
    shared_services, start_server, production_user, tmp_path, capsys
):
    # given: a production server, a signed-in user, and the attackers' documents
    server = start_server(
        database_url=shared_services.database_url, redis_url=shared_services.redis_url
    )
    production_user("reader")
    signed_in = server.graphql(TOKEN_AUTH, {"username": "reader", "password": PASSWORD})
    token = signed_in.body["data"]["tokenAuth"]["token"]
    families = list(ADVERSARIAL_DOCUMENTS.values())
    plan = {
        "url": server.graphql_url,
        "seconds": ATTACK_SECONDS,
        "clients": [
            [
                families[(client + index) % len(families)](uuid.uuid4().hex[:12])
                for index in range(DOCUMENTS_PER_ATTACKER)
            ]
            for client in range(ATTACKERS)
        ],
    }
    plan_path, result_path = tmp_path / "plan.json", tmp_path / "result.json"
    plan_path.write_text(json.dumps(plan))
    _me_latencies(server, token, count=20)  # warm both workers
    quiet = _me_latencies(server, token, count=QUIET_REQUESTS)

    # when: the attack runs while the user keeps asking
    # At the lowest CPU priority: a real attacker's CPU is on other machines, and on
    # two shared cores the attackers' own work would otherwise slow everything.
    attackers = subprocess.Popen(  # noqa: S603 (this project's attack script)
        [sys.executable, "-m", "benchmarks.attack", str(plan_path), str(result_path)],
        preexec_fn=lambda: os.nice(19),
        cwd=BASE_DIR,
    )
    under_attack = _me_latencies(server, token, until=lambda: attackers.poll() is None)
    assert attackers.wait(timeout=60) == 0
    answers = json.loads(result_path.read_text())["answers"]

    # then
    quiet_median, attack_median = statistics.median(quiet), statistics.median(under_attack)
    outcomes = Counter(f"{status} {code}" for status, code, _, _ in answers)
    attack_latencies = [seconds * 1000 for _, _, seconds, _ in answers]
    with capsys.disabled():
        print(
            f"\nsigned-in me {{ id }}: quiet median {quiet_median:.1f} ms "
            f"(p95 {percentile(quiet, 0.95):.1f}, n={len(quiet)}); under attack median "
            f"{attack_median:.1f} ms (p95 {percentile(under_attack, 0.95):.1f}, "
            f"n={len(under_attack)}), ratio {attack_median / quiet_median:.2f}\n"
            f"attack: {len(answers)} requests in {ATTACK_SECONDS} s from {ATTACKERS} clients, "
            f"client-side p50 {statistics.median(attack_latencies):.1f} ms, "
            f"max {max(attack_latencies):.1f} ms; outcomes {dict(outcomes)}"
        )
    assert all(status < 500 for status, _, _, _ in answers)
    # Every answer JSON; every error coded (a hostile document may also just run).
    assert not {code for _, code, _, _ in answers} & {"NO_CODE", "NOT_JSON"}
    assert outcomes[f"429 {RATE_LIMITED}"] > 0
    assert attack_median <= GROSS_REGRESSION_RATIO * quiet_median
