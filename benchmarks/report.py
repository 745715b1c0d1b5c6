"""Medians, ratios and targets of a run; the printed table and the JSON file."""

import json
import os
import platform
import statistics
from pathlib import Path


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


def summarise(rounds: dict, queries: dict, ratios, targets: dict, extra: dict) -> dict:
    """Per case the median of its rounds; per ratio the median of its per-round ratios.

    Rounds are interleaved, so a ratio taken within one round compares runs a
    few seconds apart: machine noise cancels better than in a ratio of medians.
    """
    cases = {}
    for name, results in rounds.items():
        cases[name] = {
            "requests_per_second": round(
                statistics.median(r.requests_per_second for r in results), 1
            ),
            "spread": round(
                (
                    max(r.requests_per_second for r in results)
                    - min(r.requests_per_second for r in results)
                )
                / (statistics.median(r.requests_per_second for r in results) or 1),
                2,
            ),
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
    target_rows = []
    for key, target in targets.items():
        measured = ratio_rows.get(key, {}).get("median")
        if measured is not None:
            target_rows.append(
                {
                    "what": f"{key} req/s",
                    "target": f">= {target}",
                    "measured": measured,
                    "rounds": ratio_rows[key]["per_round"],
                    "met": measured >= target,
                }
            )
    by_size = extra.get("graphql_nested_queries_by_page_size")
    if by_size:
        target_rows.append(
            {
                "what": "graphql-nested SQL queries at first=" + "/".join(map(str, by_size)),
                "target": "constant",
                "measured": "/".join(map(str, by_size.values())),
                "met": len(set(by_size.values())) == 1,
            }
        )
    for name in ("graphql-flat", "graphql-nested"):
        if name in cases:
            measured = cases[name]["p99_over_p50"]
            target_rows.append(
                {
                    "what": f"{name} p99/p50",
                    "target": "< 2",
                    "measured": measured,
                    "met": measured < 2,
                }
            )
    hasher = extra.get("token_auth_hasher")
    if hasher:
        target_rows.append(
            {
                "what": "tokenAuth time in the password hasher (in-process)",
                "target": "dominant",
                "measured": hasher["share"],
                "met": hasher["share"] >= 0.5,
            }
        )
    return {"cases": cases, "ratios": ratio_rows, "targets": target_rows, **extra}


def _cell(value, digits: int = 2) -> str:
    if value is None:
        return "-"
    return f"{value:.{digits}f}x" if isinstance(value, float) else str(value)


def print_report(meta: dict, summary: dict, selected) -> None:
    print()
    print(
        f"{meta['organizations']} organizations visible ({meta['organizations_in_all']} in all), "
        f"{meta['database']}; {meta['server']}; {meta['load_generator']}, "
        f"{meta['connections']} connections, {meta['threads']} threads, "
        f"{meta['rounds']} interleaved rounds of {meta['duration_s']:g} s (medians)"
    )
    print(
        f"Machine: {meta['cpus']} CPUs, {meta['cpu_model']}; Python {meta['python']}, "
        f"Django {meta['django']}, graphene-django {meta['graphene_django']}, "
        f"graphql-core {meta['graphql_core']}"
    )
    ratios = summary["ratios"]
    header = (
        f"{'case':<20}{'req/s':>9}{'spread':>8}{'p50 ms':>9}{'p99 ms':>9}{'p99/p50':>9}"
        f"{'SQL/req':>9}{'vs DRF':>9}{'vs floor':>9}{'failures':>10}"
    )
    print()
    print(header)
    print("-" * len(header))
    group = None
    for case in selected:
        row = summary["cases"][case.name]
        if group is not None and case.group != group:
            print()
        group = case.group
        kind = "nested" if "nested" in case.name else "flat"
        versus_drf = ratios.get(f"{case.name}/drf-{kind}", {}).get("median")
        versus_floor = ratios.get(f"{case.name}/floor-{kind}", {}).get("median")
        print(
            f"{case.name:<20}{row['requests_per_second']:>9.1f}{row['spread']:>8.0%}"
            f"{row['p50_ms']:>9.1f}"
            f"{row['p99_ms']:>9.1f}{row['p99_over_p50']:>9.2f}{_cell(row['queries']):>9}"
            f"{_cell(versus_drf):>9}{_cell(versus_floor):>9}{row['failures']:>10}"
        )
    print(
        "\nreq/s, p50, p99: medians of the rounds; spread: (max - min) / median of req/s."
        "\nvs DRF, vs floor: the median of the per-round ratios of req/s (each pairs runs"
        " seconds apart)."
    )
    print("\nTargets of issue 6 (measured, never asserted):")
    for row in summary["targets"]:
        mark = "met" if row["met"] else "NOT met"
        rounds = " ".join(f"{ratio:.2f}" for ratio in row.get("rounds", ()))
        print(
            f"  {row['what']:<52} {row['target']:>9} {row['measured']!s:>7}  {mark}"
            + (f" (rounds: {rounds})" if rounds else "")
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
