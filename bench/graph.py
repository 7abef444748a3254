"""Graph benchmark: full subscription graphs per second, built and validated, vs localstripe.

Run from the repo root: `python bench/graph.py`. What each figure means: bench/README.md.

    python bench/graph.py --dahlia             # also 2026-05-27.dahlia, and its time / 2023's
    python bench/graph.py --compare OLD NEW    # same workload, the code of two worktrees
"""

from __future__ import annotations

import datetime
import importlib.metadata
import itertools
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _common import SHARED, interleaved, run_child, table
from _localstripe import (
    SETUP_COMMAND,
    LocalstripeUnavailable,
    localstripe_graphs_per_second,
    venv_python,
)

VERSIONS = ("2020-08-27", "2023-08-16")
DAHLIA = "2026-05-27.dahlia"  # `--dahlia`; its spec has the entitlements schemas: no layer
BASE = "2023-08-16"  # `--dahlia` reports dahlia's time / this one's
LAYER = "entitlements.2026-09-30.json"
COMPARE_PAIRS = 7  # `--compare`: child processes per tree, alternating old / new
STATUS = "active"
ROUNDS = 3  # each round: our timed loops, then one localstripe run
LOOPS_PER_ROUND = 3  # timed loops of each of our builders per round
MIN_TIME = 0.3  # seconds per timed loop
LOCALSTRIPE_N = 200
GOAL_MS = 2.0
GOAL_RATIO = 50.0

Build = Callable[[], object]


def builders(versions: tuple[str, ...] = VERSIONS) -> tuple[dict[str, Build], dict[str, int]]:
    """One `subscription()` call per spec, validated and not; objects per graph, per spec.

    Each call builds a new graph (the next seed). One validated graph per spec is built here,
    so every validator and skeleton is compiled before any timing.
    """
    from stripe_contracts.graph.builder import GraphBuilder
    from stripe_contracts.spec import load_spec

    calls: dict[str, Build] = {}
    sizes: dict[str, int] = {}
    for version in versions:
        layer = [] if version == DAHLIA else [SHARED / LAYER]
        spec = load_spec([SHARED / f"spec3.{version}.json", *layer])
        for checked in (True, False):
            builder = GraphBuilder(spec=spec, seed=0, validate=checked)
            graph = builder.subscription(status=STATUS, seed=0)
            sizes[version] = len(graph.objects)
            calls[_key(version, checked)] = _next_graph(builder)
    return calls, sizes


def _next_graph(builder: Any) -> Build:
    seeds = itertools.count(1)
    return lambda: builder.subscription(status=STATUS, seed=next(seeds))


def _key(version: str, checked: bool) -> str:
    return f"{version}/{'validated' if checked else 'unvalidated'}"


def localstripe_ready() -> bool:
    try:
        venv_python()  # prints the problem and the setup command when it fails
    except LocalstripeUnavailable:
        return False
    return True


def measure(versions: tuple[str, ...] = VERSIONS) -> dict[str, Any]:
    """Seconds per graph of each builder and localstripe graphs/s, in alternating rounds.

    Our loops and a localstripe run take turns, so both see the same machine load; each
    round's ratio compares numbers taken seconds apart.
    """
    calls, sizes = builders(versions)
    with_localstripe = localstripe_ready()
    seconds: dict[str, list[float]] = {name: [] for name in calls}
    round_seconds: list[dict[str, float]] = []
    localstripe: list[float] = []
    for _ in range(ROUNDS):
        times = interleaved(calls, rounds=LOOPS_PER_ROUND, min_time=MIN_TIME)
        for name, values in times.items():
            seconds[name].extend(values)
        round_seconds.append({name: statistics.median(v) for name, v in times.items()})
        if with_localstripe:
            localstripe.append(localstripe_graphs_per_second(LOCALSTRIPE_N))
    import stripe_contracts

    return {
        "package": stripe_contracts.__file__,
        "versions": versions,
        "sizes": sizes,
        "seconds": seconds,
        "round_seconds": round_seconds,
        "localstripe": localstripe,
    }


def summarise(m: dict[str, Any]) -> dict[str, Any]:
    localstripe: list[float] = m["localstripe"]
    ls_rate = statistics.median(localstripe) if localstripe else None
    result: dict[str, Any] = {
        "benchmark": "graph",
        "date": datetime.date.today().isoformat(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "stripe_client": _version("stripe"),
        "status": STATUS,
        "localstripe_n": LOCALSTRIPE_N,
        "localstripe_graphs_per_s": None if ls_rate is None else round(ls_rate, 1),
        "localstripe_runs": [round(r, 1) for r in localstripe],
    }
    for version in m["versions"]:
        on, off = _key(version, True), _key(version, False)
        ms_on = statistics.median(m["seconds"][on]) * 1000
        ms_off = statistics.median(m["seconds"][off]) * 1000
        tag = version.replace("-", "_")
        per_round_on = [r[on] for r in m["round_seconds"]]
        result[f"objects_per_graph_{tag}"] = m["sizes"][version]
        result[f"ms_per_graph_{tag}"] = round(ms_on, 3)
        result[f"graphs_per_s_{tag}"] = round(1000 / ms_on, 1)
        result[f"ms_per_graph_unvalidated_{tag}"] = round(ms_off, 3)
        result[f"graphs_per_s_unvalidated_{tag}"] = round(1000 / ms_off, 1)
        # each round's on and off loops ran side by side, under the same load
        share = statistics.median(1 - r[off] / r[on] for r in m["round_seconds"])
        result[f"validation_share_{tag}"] = round(share, 3)
        result[f"ratio_{tag}"] = (
            round(
                statistics.median(
                    1 / (s * rate) for s, rate in zip(per_round_on, localstripe, strict=True)
                ),
                1,
            )
            if localstripe
            else None
        )
    if DAHLIA in m["versions"]:
        # the loops of both specs alternate; the ratio is the median of the per-loop ratios
        for checked in (True, False):
            new, base = m["seconds"][_key(DAHLIA, checked)], m["seconds"][_key(BASE, checked)]
            field = "ratio_dahlia_to_2023" + ("" if checked else "_unvalidated")
            ratios = [d / b for d, b in zip(new, base, strict=True)]
            result[field] = round(statistics.median(ratios), 3)
    result["versions"] = list(m["versions"])
    result["package"] = m["package"]
    result["timed_loops"] = ROUNDS * LOOPS_PER_ROUND
    return result


def _version(distribution: str) -> str | None:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def render(r: dict[str, Any]) -> str:
    rows: list[tuple[str, str, str]] = []
    for version in r["versions"]:
        tag = version.replace("-", "_")
        ms = r[f"ms_per_graph_{tag}"]
        size = r[f"objects_per_graph_{tag}"]
        rows += [
            (
                f"{version}: built + validated ({size} objects)",
                f"{ms:.2f} ms  {r[f'graphs_per_s_{tag}']:,.0f}/s",
                f"< {GOAL_MS:.0f} ms {'ok' if ms < GOAL_MS else 'MISSED'}",
            ),
            (
                f"{version}: built, validate=False",
                f"{r[f'ms_per_graph_unvalidated_{tag}']:.2f} ms  "
                f"{r[f'graphs_per_s_unvalidated_{tag}']:,.0f}/s",
                "",
            ),
            (f"{version}: share of time in validation", f"{r[f'validation_share_{tag}']:.0%}", ""),
        ]
    if "ratio_dahlia_to_2023" in r:
        ratio = r["ratio_dahlia_to_2023"]
        rows += [
            (
                f"time {DAHLIA} / {BASE}, validated",
                f"{ratio:.2f}x",
                f"<= 1.5x {'ok' if ratio <= 1.5 else 'MISSED'}",
            ),
            (
                f"time {DAHLIA} / {BASE}, validate=False",
                f"{r['ratio_dahlia_to_2023_unvalidated']:.2f}x",
                "",
            ),
        ]
    ls = r["localstripe_graphs_per_s"]
    if ls is None:
        rows.append(("localstripe", "not measured", "venv missing: see below"))
    else:
        runs = ", ".join(f"{x:.1f}" for x in r["localstripe_runs"])
        rows.append((f"localstripe, n={r['localstripe_n']} (runs: {runs})", f"{ls:,.1f}/s", ""))
        for version in r["versions"]:
            ratio = r[f"ratio_{version.replace('-', '_')}"]
            ok = "ok" if ratio >= GOAL_RATIO else "MISSED"
            goal = f">= {GOAL_RATIO:.0f}x {ok}"
            rows.append((f"ratio ours / localstripe, {version}", f"{ratio:.1f}x", goal))
    return table(rows)


def child(versions: tuple[str, ...]) -> int:
    """`--child`: one round of the warm loops, with whichever `stripe_contracts` imports."""
    import stripe_contracts

    calls, sizes = builders(versions)
    times = interleaved(calls, rounds=LOOPS_PER_ROUND, min_time=MIN_TIME)
    seconds = {name: statistics.median(values) for name, values in times.items()}
    print(json.dumps({"package": stripe_contracts.__file__, "sizes": sizes, "seconds": seconds}))
    return 0


def compare(old: Path, new: Path, versions: tuple[str, ...] = (BASE, "2020-08-27")) -> int:
    """`--compare OLD NEW`: this very benchmark on the package of each worktree.

    Each child process imports `stripe_contracts` from one tree (PYTHONPATH; checked), builds
    warm and times one round; children alternate old / new (then new / old), and each pair's
    ratio compares runs seconds apart. Reported: the median of the per-pair new / old ratios.
    """
    trees = {"old": old.resolve(), "new": new.resolve()}
    revisions = {
        label: subprocess.run(
            ["git", "-C", str(tree), "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        for label, tree in trees.items()
    }
    keys = [_key(v, checked) for v in versions for checked in (True, False)]
    ratios: dict[str, list[float]] = {key: [] for key in keys}
    sizes: dict[str, dict[str, int]] = {}
    with tempfile.TemporaryDirectory(prefix="stripe-contracts-bench-") as workdir:
        for pair in range(COMPARE_PAIRS):
            got: dict[str, dict[str, Any]] = {}
            for label in ("old", "new") if pair % 2 == 0 else ("new", "old"):
                env = {
                    "PYTHONPATH": str(trees[label]),
                    "STRIPE_CONTRACTS_CACHE": str(Path(workdir) / label),  # one per tree
                }
                argv = [str(Path(__file__).resolve()), "--child", *versions]
                got[label] = run_child(argv, env=env)
                if not Path(got[label]["package"]).is_relative_to(trees[label]):
                    raise RuntimeError(f"{label}: imported {got[label]['package']}")
                sizes[label] = got[label]["sizes"]
            for key in keys:
                ratios[key].append(got["new"]["seconds"][key] / got["old"]["seconds"][key])
    result = {
        "benchmark": "graph-compare",
        "date": datetime.date.today().isoformat(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "old": f"{trees['old']} {revisions['old']}",
        "new": f"{trees['new']} {revisions['new']}",
        "objects_per_graph": sizes,
        "pairs": COMPARE_PAIRS,
        **{f"new_to_old_{key}": round(statistics.median(r), 3) for key, r in ratios.items()},
        **{f"new_to_old_{key}_pairs": [round(x, 3) for x in r] for key, r in ratios.items()},
    }
    print(f"old: {result['old']}\nnew: {result['new']}")
    print(
        table(
            [
                (
                    f"time new / old, {key}",
                    f"{statistics.median(r):.3f}x",
                    f"<= 1.10x {'ok' if statistics.median(r) <= 1.1 else 'MISSED'}"
                    f" ({min(r):.3f}-{max(r):.3f}x over {len(r)} pairs)",
                )
                for key, r in ratios.items()
            ]
        )
    )
    print(json.dumps(result))
    return 0


USAGE = (
    "usage: python bench/graph.py [--dahlia]\n"
    "       python bench/graph.py --compare OLD_TREE NEW_TREE"
)


def main(argv: list[str]) -> int:
    if argv[:1] == ["--child"] and argv[1:]:
        return child(tuple(argv[1:]))
    if argv[:1] == ["--compare"] and len(argv) == 3:
        return compare(Path(argv[1]), Path(argv[2]))
    if argv not in ([], ["--dahlia"]):
        print(USAGE, file=sys.stderr)
        return 2
    versions = (*VERSIONS, DAHLIA) if argv else VERSIONS
    with tempfile.TemporaryDirectory(prefix="stripe-contracts-bench-") as workdir:
        os.environ["STRIPE_CONTRACTS_CACHE"] = str(Path(workdir))  # never the user's cache
        result = summarise(measure(versions))
    print(render(result))
    if result["localstripe_graphs_per_s"] is None:
        print(f"localstripe: not measured (create its venv with: {SETUP_COMMAND})")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
