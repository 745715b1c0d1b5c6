"""The pure parts of `make bench-tracing` (benchmarks/tracing.py): baseline, CPU, ratios."""

import os
import subprocess

import pytest

from benchmarks.load import LoadResult
from benchmarks.tracing import (
    HOOK_FILE,
    PROJECT_DIR,
    Run,
    baseline_tree,
    median_ratio,
    server_cpu_seconds,
)


def load(requests: int) -> LoadResult:
    return LoadResult(requests, 1_000_000, 0, 0, 0, 0, 0.0, 0, 0, 0, 0, 0, 0, 0)


def test_the_baseline_is_the_tree_before_tracing(tmp_path):
    # given a checkout whose history has the commit that added the hook
    added = subprocess.run(  # noqa: S603 (fixed arguments)
        ["git", "-C", str(PROJECT_DIR), "log", "--format=%H", "-1", "--", HOOK_FILE],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    if not added:
        pytest.skip("not a git checkout with the history of schema/core/tracing_hook.py")

    # when
    commit = baseline_tree("", tmp_path)

    # then
    assert (tmp_path / "schema" / "core" / "views.py").exists()
    assert not (tmp_path / HOOK_FILE).exists()
    assert "tracing" not in (tmp_path / "config" / "wsgi.py").read_text()
    assert len(commit) == 40


def test_a_baseline_with_tracing_is_refused(tmp_path):
    if not (PROJECT_DIR / ".git").exists():
        pytest.skip("not a git checkout")
    with pytest.raises(RuntimeError, match="has tracing already"):
        baseline_tree("HEAD", tmp_path)


def test_server_cpu_seconds_counts_a_process_and_its_children():
    # given this process, which has spent some CPU
    sum(range(200_000))

    # then
    assert server_cpu_seconds(os.getpid()) > 0
    assert server_cpu_seconds(2**22 + 1) == 0  # no such process


def test_median_ratio_is_the_median_of_each_rounds_ratio():
    # given CPU per request: 2, 4, 6 ms against 2, 2, 2 ms
    numerators = [Run(load(100), cpu) for cpu in (0.2, 0.4, 0.6)]
    denominators = [Run(load(100), 0.2) for _ in range(3)]

    # then
    assert median_ratio(numerators, denominators, "cpu_ms_per_request") == 2.0
