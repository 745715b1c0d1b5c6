"""The cases through django.test.Client, in this process: checks, SQL counts, profiles."""

import cProfile
import io
import itertools
import json
import pstats
import statistics
import time
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from graphql_relay import from_global_id

from benchmarks.cases import (
    NESTED_PAGE,
    PAGE_END_CURSOR,
    VALUE,
    Case,
    Context,
    graphql_body,
    page_variables,
)
from benchmarks.conf import PAGE_SIZE, pbkdf2_first
from benchmarks.seed import refresh_tokens_mint

# Cases whose answers must name the same organizations, in the same order, with
# the same members: the first is what the others are compared with.
SAME_ANSWERS = (
    ("graphql-flat", "drf-flat", "floor-flat", "strawberry-flat"),
    ("graphql-nested", "drf-nested", "floor-nested", "strawberry-nested"),
    ("graphql-deep", "drf-deep"),
)


def page_rows(result: dict) -> list[tuple[int, tuple]]:
    """(organization id, ((role, username), ...)) of each row of a page, whoever answered it.

    GraphQL pages (ours and strawberry-django's) carry relay ids and member
    connections; DRF and the floor carry database ids and member lists, with
    the username nested in a user (shape A, the floor) or flattened (shape B).
    """
    if "data" in result:
        rows = []
        for edge in result["data"]["organizations"]["edges"]:
            node = edge["node"]
            members = node.get("members", {"edges": []})["edges"]
            rows.append(
                (
                    int(from_global_id(node["id"])[1]),
                    tuple((m["node"]["role"], m["node"]["user"]["username"]) for m in members),
                )
            )
        return rows
    return [
        (
            row["id"],
            tuple(
                (m["role"], m["username"] if "username" in m else m["user"]["username"])
                for m in row.get("members", ())
            ),
        )
        for row in result["results"]
    ]


@dataclass(frozen=True)
class Measurement:
    """Requests per second of a case, the median of interleaved rounds."""

    iterations: int
    requests_per_second: float
    queries: int

    @property
    def mean_ms(self) -> float:
        return 1000 / self.requests_per_second


class CaseFailed(Exception):
    """An answer that is not the success the case expects."""


class InProcess:
    """Sends the cases' requests through Django's test client (no HTTP, no server)."""

    def __init__(self, context: Context, *, reader_id: int, tag: str = "inproc") -> None:
        self.context = context
        self.reader_id = reader_id
        self.tag = tag
        # The benchmark settings allow 127.0.0.1, not the test client's "testserver".
        self.client = Client(SERVER_NAME="127.0.0.1")
        self._names = itertools.count()

    def values(self, case: Case, count: int) -> list[str | None]:
        """One VALUE per request: fresh refresh tokens, unique names, or nothing."""
        if case.mode == "values":
            return refresh_tokens_mint(user_id=self.reader_id, count=count)
        if case.mode == "unique":
            return [f"{self.tag} n{next(self._names)}" for _ in range(count)]
        return [None] * count

    def send(self, case: Case, value: str | None = None, *, body: str | None = None):
        headers = {}
        authorization = case.authorization(self.context)
        if authorization:
            headers["Authorization"] = authorization
        path = case.url_path(self.context)
        # The pbkdf2 server's hashers, so that its user's hash is not upgraded here either.
        hashers = (
            override_settings(PASSWORD_HASHERS=pbkdf2_first(settings.PASSWORD_HASHERS))
            if case.server == "pbkdf2"
            else nullcontext()
        )
        with hashers:
            if case.method == "GET":
                return self.client.get(path, headers=headers)
            body = body if body is not None else case.body(self.context)
            if value is not None:
                body = body.replace(VALUE, value)
            return self.client.generic(
                case.method, path, body, content_type="application/json", headers=headers
            )

    def checked(self, case: Case, value: str | None = None, *, body: str | None = None) -> Any:
        response = self.send(case, value, body=body)
        try:
            result = json.loads(response.content)
        except ValueError:
            result = response.content[:200]
        if not 200 <= response.status_code < 300:
            raise CaseFailed(f"{case.name}: HTTP {response.status_code}: {result!r:.300}")
        problem = case.check(self.context, result)
        if problem:
            raise CaseFailed(f"{case.name}: {problem}")
        return result

    def queries(self, case: Case, *, body: str | None = None) -> int:
        """Check three answers; the SQL queries of the third, warm one (a plan's query
        templates are made on the second: schema/core/query_templates.py)."""
        first, second, third = self.values(case, 3)
        self.checked(case, first, body=body)
        self.checked(case, second, body=body)
        with CaptureQueriesContext(connection) as captured:
            self.checked(case, third, body=body)
        return len(captured.captured_queries)

    def deep_cursor(self, case: Case, page: int) -> str | None:
        """The cursor after the first `page - 1` pages, by walking them as a client would."""
        after = None
        for _ in range(page - 1):
            body = graphql_body(PAGE_END_CURSOR, {"first": PAGE_SIZE, "after": after})
            result = json.loads(self.send(case, body=body).content)
            if result.get("errors"):
                raise CaseFailed(f"walking to the deep page: {result['errors']!r:.300}")
            after = result["data"]["organizations"]["pageInfo"]["endCursor"]
        return after

    def same_answers(self, cases: dict[str, Case]) -> None:
        """Raise CaseFailed unless each group of SAME_ANSWERS answers the same rows."""
        for group in SAME_ANSWERS:
            present = [name for name in group if name in cases]
            if len(present) < 2:
                continue
            expected = page_rows(self.checked(cases[present[0]]))
            for name in present[1:]:
                rows = page_rows(self.checked(cases[name]))
                if rows != expected:
                    pairs = zip(rows, expected, strict=False)
                    differ = next(
                        (i for i, (row, want) in enumerate(pairs) if row != want),
                        min(len(rows), len(expected)),
                    )
                    raise CaseFailed(
                        f"{name} answers other rows than {present[0]} (from row {differ}: "
                        f"{rows[differ : differ + 1]} != {expected[differ : differ + 1]})"
                    )

    def nested_queries_by_page_size(self, case: Case, sizes=(10, 50, 100)) -> dict[int, int]:
        """The SQL queries of the nested GraphQL page at several page sizes."""
        counts = {}
        for size in sizes:
            body = graphql_body(NESTED_PAGE, page_variables(size))
            # The case's check wants 50 on the page; count only, check for errors.
            with CaptureQueriesContext(connection) as captured:
                result = json.loads(self.send(case, body=body).content)
            if result.get("errors"):
                raise CaseFailed(f"{case.name} first={size}: {result['errors']!r:.300}")
            counts[size] = len(captured.captured_queries)
        return counts

    def measure(self, case: Case, iterations: int) -> float:
        """Seconds for `iterations` checked requests of `case`, one after another."""
        values = self.values(case, iterations)
        started = time.perf_counter()
        for value in values:
            self.checked(case, value)
        return time.perf_counter() - started

    def profile(self, case: Case, iterations: int, *, profiler: str, output_dir: Path) -> str:
        """Profile `iterations` requests of `case`; the report's text, also saved to a file."""
        self.checked(case, self.values(case, 1)[0])  # warm
        values = self.values(case, iterations)
        output_dir.mkdir(parents=True, exist_ok=True)
        if profiler == "cprofile":
            profile = cProfile.Profile()
            profile.enable()
            for value in values:
                self.checked(case, value)
            profile.disable()
            profile.dump_stats(output_dir / f"profile-{case.name}.prof")
            text = io.StringIO()
            stats = pstats.Stats(profile, stream=text).strip_dirs()
            stats.sort_stats("tottime").print_stats(25)
            stats.sort_stats("cumulative").print_stats(25)
            report = text.getvalue()
        else:
            from pyinstrument import Profiler

            profile = Profiler(interval=0.0005)
            profile.start()
            for value in values:
                self.checked(case, value)
            profile.stop()
            (output_dir / f"profile-{case.name}.html").write_text(profile.output_html())
            report = profile.output_text(unicode=True, color=False, short_mode=True)
        (output_dir / f"profile-{case.name}.txt").write_text(report)
        return report

    def hasher_ratio(self, pbkdf2_username: str, repeats: int = 3) -> dict[str, Any]:
        """The configured hasher's check of the reader's password against PBKDF2's, in-process."""
        from django.contrib.auth.hashers import check_password, identify_hasher

        from accounts.models import User

        encoded = User.objects.get(username=self.context.username).password
        pbkdf2 = User.objects.get(username=pbkdf2_username).password
        times = {"configured": [], "pbkdf2": []}
        # Both hashers listed, whatever the configuration lists (no setter: no upgrade).
        with override_settings(PASSWORD_HASHERS=pbkdf2_first(settings.PASSWORD_HASHERS)):
            for _ in range(repeats):
                for kind, hashed in (("configured", encoded), ("pbkdf2", pbkdf2)):
                    started = time.perf_counter()
                    check_password(self.context.password, hashed)
                    times[kind].append(time.perf_counter() - started)
        configured, before = (statistics.median(times[kind]) for kind in ("configured", "pbkdf2"))
        return {
            "hasher": identify_hasher(encoded).algorithm,
            "hasher_ms": round(1000 * configured, 1),
            "pbkdf2_ms": round(1000 * before, 1),
            "ratio": round(before / configured, 2),
        }

    def hasher_share(self, case: Case, repeats: int = 3) -> dict[str, float]:
        """How much of an in-process tokenAuth the password check alone takes."""
        from django.contrib.auth.hashers import check_password

        from accounts.models import User

        encoded = User.objects.get(username=self.context.username).password
        hasher_times, request_times = [], []
        for _ in range(repeats):
            started = time.perf_counter()
            check_password(self.context.password, encoded)
            hasher_times.append(time.perf_counter() - started)
            started = time.perf_counter()
            self.checked(case)
            request_times.append(time.perf_counter() - started)
        hasher = statistics.median(hasher_times)
        request = statistics.median(request_times)
        return {
            "hasher_ms": round(1000 * hasher, 1),
            "token_auth_ms": round(1000 * request, 1),
            "share": round(hasher / request, 3),
        }
