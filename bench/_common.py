"""Helpers shared by the benchmarks: where Stripe's data is, a timing loop, child processes."""

from __future__ import annotations

import gc
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("STRIPE_CONTRACTS_SHARED", REPO.parent / "shared/stripe-openapi"))


def seconds_per_call(fn: Callable[[], object], *, repeat: int = 5, min_time: float = 0.3) -> float:
    """Median seconds per call of `fn`: `repeat` timed loops, each sized to last ~`min_time`."""
    return statistics.median(interleaved({"fn": fn}, rounds=repeat, min_time=min_time)["fn"])


def interleaved(
    fns: Mapping[str, Callable[[], object]], *, rounds: int = 7, min_time: float = 0.3
) -> dict[str, list[float]]:
    """Seconds per call of each function, one timed loop of each per round, side by side.

    Alternating the functions exposes them to the same machine load, so ratios computed per
    round stay meaningful on a shared machine. Each loop is sized to last ~`min_time`; the
    garbage collector is off while timing, as in `timeit`.
    """
    loops = {name: _loops_for(fn, min_time) for name, fn in fns.items()}
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            times[name].append(_timed(fn, loops[name]) / loops[name])
    return times


def _loops_for(fn: Callable[[], object], min_time: float) -> int:
    loops = 1
    while (elapsed := _timed(fn, loops)) < min_time / 4:
        loops *= 2
    return max(1, round(loops * min_time / max(elapsed, 1e-9)))


def _timed(fn: Callable[[], object], loops: int) -> float:
    enabled = gc.isenabled()
    gc.disable()
    try:
        start = time.perf_counter()
        for _ in range(loops):
            fn()
        return time.perf_counter() - start
    finally:
        if enabled:
            gc.enable()


def run_child(argv: Sequence[str], *, env: Mapping[str, str]) -> dict[str, Any]:
    """Run `python <argv>` in a fresh process; its last stdout line is a JSON object."""
    done = subprocess.run(
        [sys.executable, *argv],
        env={**os.environ, **env},
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"child {argv} failed ({done.returncode}):\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def rss_bytes() -> tuple[int, str]:
    """Resident set size of this process now (Linux), else its peak; and which one it is."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024, "RSS (VmRSS)"
    except OSError:
        pass
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return (peak if sys.platform == "darwin" else peak * 1024), "peak RSS (ru_maxrss)"


def table(rows: Sequence[tuple[str, str, str]]) -> str:
    """Rows of (metric, value, goal) as aligned text."""
    header = ("metric", "value", "goal")
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(3)]
    rule = ("-" * widths[0], "-" * widths[1], "-" * widths[2])
    lines = [
        f"{m:<{widths[0]}}  {v:>{widths[1]}}  {g}".rstrip() for m, v, g in (header, rule, *rows)
    ]
    return "\n".join(lines)
