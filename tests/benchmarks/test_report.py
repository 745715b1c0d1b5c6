"""The verdicts of a run: medians of per-round ratios against issue 15's targets."""

from benchmarks.cases import RATIOS
from benchmarks.load import LoadResult
from benchmarks.report import print_verdicts, summarise


def result(requests_per_second: float) -> LoadResult:
    """One wrk run of 2 s at `requests_per_second`, p99 1.5x p50."""
    return LoadResult(
        requests=int(requests_per_second * 2),
        duration_us=2_000_000,
        p50_us=10_000,
        p90_us=12_000,
        p99_us=15_000,
        max_us=20_000,
        mean_us=10_500.0,
        non2xx=0,
        error_bodies=0,
        exhausted=0,
        connect_errors=0,
        read_errors=0,
        write_errors=0,
        timeouts=0,
    )


def meta(database_kind: str) -> dict:
    return {"database_kind": database_kind, "shape": "A"}


def targets_of(summary: dict) -> dict[str, dict]:
    return {row["what"]: row for row in summary["targets"]}


def test_a_ratio_is_the_median_of_the_rounds_ratios():
    # given: the flat page 1.5x, 1.7x and 1.65x DRF in three rounds
    rounds = {
        "graphql-flat": [result(150), result(170), result(330)],
        "drf-flat": [result(100), result(100), result(200)],
    }

    # when
    summary = summarise(rounds, {}, RATIOS, meta("PostgreSQL"), {})

    # then: 1.65, not the ratio of the medians (170 / 100)
    row = targets_of(summary)["graphql-flat/drf-flat req/s"]
    assert row["measured"] == 1.65
    assert row["rounds"] == [1.5, 1.7, 1.65]
    assert row["met"] is True


def test_the_deep_page_target_is_judged_on_postgresql_only():
    # given: the deep page at 0.8x page 1
    rounds = {
        "graphql-flat": [result(100), result(100)],
        "graphql-deep": [result(80), result(80)],
    }

    # when
    on_postgresql = targets_of(summarise(rounds, {}, RATIOS, meta("PostgreSQL"), {}))
    on_sqlite = targets_of(summarise(rounds, {}, RATIOS, meta("SQLite"), {}))

    # then
    what = "graphql-deep/graphql-flat req/s (PostgreSQL)"
    assert on_postgresql[what]["met"] is False
    assert on_sqlite[what]["met"] is None
    assert on_sqlite[what]["measured"] == 0.8


def test_sign_in_is_judged_against_pbkdf2_in_the_same_rounds():
    # given: the configured hasher's sign-in 3.5x PBKDF2's
    rounds = {"tokenAuth": [result(35)], "tokenAuth-pbkdf2": [result(10)]}

    # when
    summary = summarise(rounds, {}, RATIOS, meta("SQLite"), {})

    # then
    row = targets_of(summary)["tokenAuth/tokenAuth-pbkdf2 req/s"]
    assert (row["target"], row["measured"], row["met"]) == (">= 4.0", 3.5, False)


def test_the_verdicts_put_every_run_side_by_side(capsys):
    # given: two runs, the nested page 2.5x DRF on one and 1.5x on the other
    runs = []
    for kind, speed in (("SQLite", 250), ("PostgreSQL", 150)):
        rounds = {"graphql-nested": [result(speed)], "drf-nested": [result(100)]}
        summary = summarise(rounds, {}, RATIOS, meta(kind), {})
        runs.append({"meta": meta(kind), **summary})

    # when
    print_verdicts(runs)

    # then
    lines = capsys.readouterr().out.splitlines()
    row = next(line for line in lines if line.startswith("graphql-nested/drf-nested"))
    assert "2.5 met" in row
    assert "1.5 NOT met" in row
    assert lines[-1].startswith("3 met, 1 NOT met")
