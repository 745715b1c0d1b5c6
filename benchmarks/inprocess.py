"""The cases through django.test.Client, in this process: checks, SQL counts, profiles."""

import cProfile
import io
import itertools
import json
import pstats
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from benchmarks.cases import NESTED_PAGE, VALUE, Case, Context, graphql_body, page_variables
from benchmarks.seed import refresh_tokens_mint


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
        if case.method == "GET":
            return self.client.get(case.path, headers=headers)
        body = body if body is not None else case.body(self.context)
        if value is not None:
            body = body.replace(VALUE, value)
        return self.client.generic(
            case.method, case.path, body, content_type="application/json", headers=headers
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
        """Check two answers; the SQL queries of the second (warm) one."""
        first, second = self.values(case, 2)
        self.checked(case, first, body=body)
        with CaptureQueriesContext(connection) as captured:
            self.checked(case, second, body=body)
        return len(captured.captured_queries)

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
