"""Load: 16 concurrent clients for 30 s against two production instances.

Each client signs in, then mixes listing, creating and updating organizations
(and now and then signs in again), each request to either instance at random.
No answer may be a 5xx or carry an error; every create and update the API
acknowledged must be in the database afterwards. The figures are printed.
"""

import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import pytest

from organization.models import Organization
from tests.system.harness import (
    PASSWORD,
    Answer,
    Server,
    latency_summary,
    outcome_counts,
    percentile,
    server_request_lines,
)

pytestmark = pytest.mark.system

CLIENTS = 16
DURATION_SECONDS = 30
USERS = 8
# Sign-ins are rare in real traffic and each costs ~0.25 s of CPU (PBKDF2).
OPERATION_WEIGHTS = {"sign_in": 2, "list": 48, "create": 25, "update": 25}

TOKEN_AUTH = """
mutation($username: String!, $password: String!) {
  tokenAuth(username: $username, password: $password) { token }
}
"""
LIST = """
{ organizations(first: 20, orderBy: [{field: CREATED_AT, direction: DESC}]) {
    totalCount edges { node { id name slug myRole } } } }
"""
CREATE = """
mutation($name: String!) {
  createOrganization(name: $name) { organization { id name } errors { field code } }
}
"""
UPDATE = """
mutation($id: ID!, $description: String!) {
  updateOrganization(id: $id, description: $description) {
    organization { id description } errors { field code }
  }
}
"""


@dataclass
class Client:
    """One simulated user agent: its answers, and what the API acknowledged to it."""

    number: int
    username: str
    servers: tuple[Server, ...]
    token: str | None = None
    answers: list[tuple[str, Answer]] = field(default_factory=list)
    created: dict[str, str] = field(default_factory=dict)  # global id -> name
    last_description: dict[str, str] = field(default_factory=dict)  # global id -> text

    def call(self, operation: str, query: str, variables: dict | None = None) -> Answer:
        server = random.choice(self.servers)  # noqa: S311 (spreading load, not security)
        answer = server.graphql(query, variables, token=self.token, timeout=20)
        self.answers.append((operation, answer))
        return answer

    def sign_in(self) -> None:
        answer = self.call("sign_in", TOKEN_AUTH, {"username": self.username, "password": PASSWORD})
        if answer.ok:
            self.token = answer.body["data"]["tokenAuth"]["token"]

    def run(self, deadline: float) -> None:
        chooser = random.Random(self.number)  # noqa: S311
        self.sign_in()
        sequence = 0
        while time.monotonic() < deadline:
            sequence += 1
            operation = chooser.choices(
                list(OPERATION_WEIGHTS), weights=list(OPERATION_WEIGHTS.values())
            )[0]
            if operation == "update" and not self.created:
                operation = "create"
            if operation == "sign_in":
                self.sign_in()
            elif operation == "list":
                self.call("list", LIST)
            elif operation == "create":
                name = f"load {self.number}-{sequence}"
                answer = self.call("create", CREATE, {"name": name})
                if answer.ok and answer.body["data"]["createOrganization"]["errors"] == []:
                    organization = answer.body["data"]["createOrganization"]["organization"]
                    self.created[organization["id"]] = organization["name"]
            else:
                organization_id = chooser.choice(sorted(self.created))
                description = f"revision {sequence} by client {self.number}"
                answer = self.call(
                    "update", UPDATE, {"id": organization_id, "description": description}
                )
                if answer.ok and answer.body["data"]["updateOrganization"]["errors"] == []:
                    self.last_description[organization_id] = description


def test_sixteen_clients_for_thirty_seconds(shared_services, start_server, production_user, capsys):
    # given: two instances, eight users
    environment = {
        "database_url": shared_services.database_url,
        "redis_url": shared_services.redis_url,
    }
    servers = (start_server(**environment), start_server(**environment))
    usernames = [production_user(f"load{number}").username for number in range(USERS)]
    clients = [
        Client(number=number, username=usernames[number % USERS], servers=servers)
        for number in range(CLIENTS)
    ]

    # when
    started = time.monotonic()
    deadline = started + DURATION_SECONDS
    threads = [threading.Thread(target=client.run, args=(deadline,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=DURATION_SECONDS + 60)
    wall = time.monotonic() - started
    assert not any(thread.is_alive() for thread in threads), "a client hung"

    # then
    answers = [answer for client in clients for _, answer in client.answers]
    by_operation: dict[str, list[Answer]] = {}
    for client in clients:
        for operation, answer in client.answers:
            by_operation.setdefault(operation, []).append(answer)
    acknowledged = {key: name for client in clients for key, name in client.created.items()}
    names_found = set(
        Organization.objects.filter(name__in=acknowledged.values()).values_list("name", flat=True)
    )
    updates = {key: text for client in clients for key, text in client.last_description.items()}
    descriptions = dict(
        Organization.objects.filter(name__in=[acknowledged[key] for key in updates]).values_list(
            "name", "description"
        )
    )
    updates_found = sum(
        1 for key, text in updates.items() if descriptions.get(acknowledged[key]) == text
    )
    served = server_request_lines(*servers)
    server_ms = [line["duration_ms"] for line in served]
    figures = {
        "clients": CLIENTS,
        "seconds": round(wall, 1),
        "requests": len(answers),
        "requests_per_second": round(len(answers) / wall, 1),
        "latency": latency_summary(answers),
        "by_operation": {
            operation: {"count": len(items), **latency_summary(items)}
            for operation, items in sorted(by_operation.items())
        },
        "server_side": {
            "requests_logged": len(served),
            "p50_ms": round(percentile(server_ms, 0.5), 1),
            "p99_ms": round(percentile(server_ms, 0.99), 1),
            "sql_queries_max": max((line["sql_queries"] for line in served), default=0),
        },
        "outcomes": outcome_counts(answers),
        "error_codes": dict(Counter(code for answer in answers for code in answer.codes)),
        "creates_acknowledged": len(acknowledged),
        "creates_found": len(names_found),
        "updated_organizations_acknowledged": len(updates),
        "updated_organizations_found_with_last_update": updates_found,
    }
    with capsys.disabled():
        print(f"\nload figures: {figures}")

    assert [answer.status for answer in answers if answer.status >= 500] == []
    assert figures["outcomes"] == {"200": len(answers)}, figures["outcomes"]
    assert len(acknowledged) > 0 and len(names_found) == len(acknowledged)
    assert updates_found == len(updates)
    assert len(answers) >= CLIENTS * 10, "too few requests to call this a load test"
    assert len(served) == len(answers), "every request has its log line"
