"""Medians, ratios and targets of a run; the printed table and the JSON file."""

import json
import os
import platform
import statistics
from pathlib import Path

from benchmarks.cases import CASES

CASE_GROUPS = {case.name: case.group for case in CASES}


def machine() -> dict:
    """Where the numbers came from."""
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import django
    import graphene_django
    import graphql

    return {
        "cpus": os.cpu_count(),
        "cpu_model": cpu,
        "python": platform.python_version(),
        "django": django.get_version(),
        "graphene_django": graphene_django.__version__,
        "graphql_core": graphql.__version__,
    }


def _ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


# The targets of issue 15: (ratio of req/s, at least, the one database it is for or None).
RATIO_TARGETS = (
    ("graphql-flat/drf-flat", 1.6, None),
    ("graphql-flat/floor-flat", 0.85, None),
    ("graphql-nested/drf-nested", 2.0, None),
    ("graphql-nested/floor-nested", 0.5, None),
    ("graphql-flat/strawberry-flat", 2.0, None),
    ("graphql-nested/strawberry-nested", 2.0, None),
    # Within 10% of page 1: on PostgreSQL, the production database.
    ("graphql-deep/graphql-flat", 0.9, "PostgreSQL"),
    # Sign-in at the configured hasher against PBKDF2's 1,000,000 iterations.
    ("tokenAuth/tokenAuth-pbkdf2", 4.0, None),
)
# Reported beside the targets, without a verdict.
RATIOS_REPORTED = (
    "drf-deep/drf-flat",
    "graphql-deep/drf-deep",
    "strawberry-flat/drf-flat",
    "strawberry-nested/drf-nested",
)
P99_OVER_P50_MAX = 2


def summarise(rounds: dict, queries: dict, ratios, meta: dict, extra: dict) -> dict:
    """Per case the median of its rounds; per ratio the median of its per-round ratios.

    Rounds are interleaved, so a ratio taken within one round compares runs a
    few seconds apart: machine noise cancels better than in a ratio of medians.
    """
    cases = {}
    for name, results in rounds.items():
        rates = [r.requests_per_second for r in results]
        median = statistics.median(rates)
        cases[name] = {
            "requests_per_second": round(median, 1),
            "spread": round((max(rates) - min(rates)) / (median or 1), 2),
            "p50_ms": round(statistics.median(r.p50_us for r in results) / 1000, 2),
            "p99_ms": round(statistics.median(r.p99_us for r in results) / 1000, 2),
            "p99_over_p50": round(
                statistics.median(r.p99_us / r.p50_us if r.p50_us else 0 for r in results), 2
            ),
            "queries": queries.get(name),
            "requests": sum(r.requests for r in results),
            "failures": sum(r.failures for r in results),
            "rounds": [r.as_dict() for r in results],
        }
    ratio_rows = {}
    for name, reference in ratios:
        if name not in rounds or reference not in rounds:
            continue
        per_round = [
            _ratio(a.requests_per_second, b.requests_per_second)
            for a, b in zip(rounds[name], rounds[reference], strict=True)
        ]
        per_round = [value for value in per_round if value is not None]
        ratio_rows[f"{name}/{reference}"] = {
            "median": round(statistics.median(per_round), 3) if per_round else None,
            "per_round": [round(value, 3) for value in per_round],
        }
    return {
        "cases": cases,
        "ratios": ratio_rows,
        "targets": _target_rows(cases, ratio_rows, meta, extra),
        **extra,
    }


def _target_rows(cases: dict, ratio_rows: dict, meta: dict, extra: dict) -> list[dict]:
    """Each target with what was measured and met (True/False), or met None: reported only."""
    rows = []
    for key, target, database in RATIO_TARGETS:
        measured = ratio_rows.get(key, {}).get("median")
        if measured is None:
            continue
        applies = database is None or database == meta.get("database_kind")
        rows.append(
            {
                "what": f"{key} req/s" + (f" ({database})" if database else ""),
                "target": f">= {target}",
                "measured": measured,
                "rounds": ratio_rows[key]["per_round"],
                "met": measured >= target if applies else None,
            }
        )
    for name in ("graphql-flat", "graphql-nested"):
        if name in cases:
            measured = cases[name]["p99_over_p50"]
            rows.append(
                {
                    "what": f"{name} p99/p50",
                    "target": f"< {P99_OVER_P50_MAX}",
                    "measured": measured,
                    "met": measured < P99_OVER_P50_MAX,
                }
            )
    by_size = extra.get("graphql_nested_queries_by_page_size")
    if by_size:
        rows.append(
            {
                "what": "graphql-nested SQL queries at first=" + "/".join(map(str, by_size)),
                "target": "constant",
                "measured": "/".join(map(str, by_size.values())),
                "met": len(set(by_size.values())) == 1,
            }
        )
    for key in RATIOS_REPORTED:
        if key in ratio_rows and ratio_rows[key]["median"] is not None:
            rows.append(
                {
                    "what": f"{key} req/s",
                    "target": "-",
                    "measured": ratio_rows[key]["median"],
                    "rounds": ratio_rows[key]["per_round"],
                    "met": None,
                }
            )
    versus = extra.get("hasher_versus_pbkdf2")
    if versus:
        rows.append(
            {
                "what": f"PBKDF2 1M / {versus['hasher']} password check, in-process",
                "target": "-",
                "measured": versus["ratio"],
                "met": None,
            }
        )
    hasher = extra.get("token_auth_hasher")
    if hasher:
        rows.append(
            {
                "what": "tokenAuth time in the password hasher (in-process)",
                "target": "-",
                "measured": hasher["share"],
                "met": None,
            }
        )
    return rows


def _cell(value, digits: int = 2) -> str:
    if value is None:
        return "-"
    return f"{value:.{digits}f}x" if isinstance(value, float) else str(value)


def _verdict(met) -> str:
    return "-" if met is None else "met" if met else "NOT met"


def _versus(ratios: dict, name: str, reference: str) -> float | None:
    kind = name.rsplit("-", 1)[-1]
    return ratios.get(f"{name}/{reference}-{kind}", {}).get("median")


def print_report(meta: dict, summary: dict, case_names) -> None:
    """One run's table: every case, its ratios to the references, and its targets."""
    print()
    print(f"=== {meta['database_kind']}, shape {meta['shape']} ({meta['shape_description']})")
    print(
        f"{meta['organizations']} organizations visible ({meta['organizations_in_all']} in all, "
        f"{meta['memberships']} memberships), {meta['database']}; {meta['server']}; "
        f"{meta['load_generator']}, {meta['connections']} connections, {meta['threads']} "
        f"threads, {meta['rounds']} interleaved rounds of {meta['duration_s']:g} s (medians)"
    )
    print(
        f"Machine: {meta['cpus']} CPUs, {meta['cpu_model']}; Python {meta['python']}, "
        f"Django {meta['django']}, graphene-django {meta['graphene_django']}, "
        f"graphql-core {meta['graphql_core']}"
    )
    ratios = summary["ratios"]
    header = (
        f"{'case':<19}{'req/s':>8}{'spread':>7}{'p50 ms':>8}{'p99 ms':>8}{'p99/p50':>8}"
        f"{'SQL/req':>8}{'vs DRF':>8}{'vs floor':>9}{'vs SB':>7}{'failures':>9}"
    )
    print()
    print(header)
    print("-" * len(header))
    group = None
    for name in case_names:
        row = summary["cases"][name]
        case_group = CASE_GROUPS.get(name)
        if group is not None and case_group != group:
            print()
        group = case_group
        print(
            f"{name:<19}{row['requests_per_second']:>8.1f}{row['spread']:>7.0%}"
            f"{row['p50_ms']:>8.1f}{row['p99_ms']:>8.1f}{row['p99_over_p50']:>8.2f}"
            f"{_cell(row['queries']):>8}{_cell(_versus(ratios, name, 'drf')):>8}"
            f"{_cell(_versus(ratios, name, 'floor')):>9}"
            f"{_cell(_versus(ratios, name, 'strawberry')):>7}{row['failures']:>9}"
        )
    print(
        "\nreq/s, p50, p99: medians of the rounds; spread: (max - min) / median of req/s."
        "\nvs DRF, vs floor, vs SB (strawberry-django): the median of the per-round ratios of"
        " req/s (each pairs runs seconds apart); deep pages against deep pages."
    )
    print(f"\nTargets of issue 15, {meta['database_kind']}, shape {meta['shape']}:")
    for row in summary["targets"]:
        rounds = " ".join(f"{ratio:.2f}" for ratio in row.get("rounds", ()))
        print(
            f"  {row['what']:<54} {row['target']:>12} {row['measured']!s:>7}  "
            f"{_verdict(row['met'])}" + (f" (rounds: {rounds})" if rounds else "")
        )


def print_verdicts(runs: list[dict]) -> None:
    """Every target of every run side by side: the verdicts of the whole make bench."""
    if not runs:
        return
    columns = [f"{run['meta']['database_kind']} {run['meta']['shape']}" for run in runs]
    rows: dict[str, dict] = {}
    for column, run in zip(columns, runs, strict=True):
        for row in run["targets"]:
            rows.setdefault(row["what"], {"target": row["target"]})[column] = row
    print("\nTargets of issue 15, every run (medians of per-round ratios; never asserted)")
    header = f"{'what':<54}{'target':>9}" + "".join(f"{column:>17}" for column in columns)
    print(header)
    print("-" * len(header))
    for what, cells in rows.items():
        line = f"{what:<54}{cells['target']:>9}"
        for column in columns:
            row = cells.get(column)
            text = "" if row is None else f"{row['measured']!s} {_verdict(row['met'])}"
            line += f"{text:>17}"
        print(line.rstrip())
    verdicts = [
        row["met"] for cells in rows.values() for row in cells.values() if isinstance(row, dict)
    ]
    print(
        f"\n{sum(v is True for v in verdicts)} met, {sum(v is False for v in verdicts)} NOT met "
        f"({sum(v is None for v in verdicts)} reported without a target)"
    )


def print_in_process(meta: dict, measurements: dict, extra: dict) -> None:
    print()
    print(
        f"In-process (django.test.Client, one client, no HTTP), {meta['database']}, "
        f"{meta['organizations']} organizations; {meta['cpus']} CPUs, {meta['cpu_model']}, "
        f"Python {meta['python']}"
    )
    header = f"{'case':<20}{'requests':>10}{'req/s':>10}{'mean ms':>10}{'SQL/req':>9}"
    print()
    print(header)
    print("-" * len(header))
    for name, m in measurements.items():
        print(
            f"{name:<20}{m.iterations:>10}{m.requests_per_second:>10.1f}{m.mean_ms:>10.2f}"
            f"{m.queries:>9}"
        )
    for key, value in extra.items():
        print(f"{key}: {value}")


def write_json(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, default=str) + "\n")
