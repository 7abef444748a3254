"""Built-in spec benchmark: its cold load against the same spec as plain JSON, warm against cold,
and the bytes it adds to the wheel.

- Cold: `load_spec(path)` in a fresh process with an empty `STRIPE_CONTRACTS_CACHE` (no
  in-process cache either): read, sha256, (decompress,) parse, index, write the disk cache.
  Built-in `spec3.2026-05-27.dahlia.json.xz` against `../shared/stripe-openapi/
  spec3.2026-05-27.dahlia.json`, the very bytes it was compressed from.
- Warm: `load_spec()` of the built-in spec in a fresh process whose disk cache a previous
  process filled (no decompression, no parsing: the index only).
- Each round runs the three side by side; ratios are per round, then the median, so all three
  see the same machine load.
- Wheel: `pip wheel . --no-deps`, then the wheel's entries re-zipped twice with the same
  compression, once without `stripe_contracts/spec/builtin/` (and its RECORD lines): the
  difference is what the built-in spec adds.

Run from the repo root: `python bench/builtin_spec.py` (about 10 s). What each figure means:
bench/README.md.
"""

from __future__ import annotations

import datetime
import io
import json
import lzma
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

from _common import REPO, SHARED, run_child, table

ROUNDS = 7
PLAIN = SHARED / "spec3.2026-05-27.dahlia.json"
BUILTIN_PREFIX = "stripe_contracts/spec/builtin/"
GOAL_COLD_RATIO = 1.5
GOAL_WARM_OVER_COLD = 0.10
GOAL_WHEEL_KB = 600
KB = 1024


# -- load times, each in a fresh process --------------------------------------------------------


def child_load(which: str) -> dict[str, Any]:
    """In a fresh process: seconds for `load_spec` of the built-in spec or of the plain JSON."""
    from stripe_contracts.spec import BUILTIN_SPEC, load_spec

    path = BUILTIN_SPEC if which == "builtin" else PLAIN
    start = time.perf_counter()
    spec = load_spec(path)
    loaded = time.perf_counter()
    return {"load_s": loaded - start, "api_version": spec.api_version}


def load_times(workdir: Path) -> dict[str, Any]:
    warm_dir = workdir / "warm"
    run_child([__file__, "--child-load", "builtin"], env=_cache_env(warm_dir))  # fills the cache
    if not list((warm_dir / "parsed").glob("*.marshal")):
        raise RuntimeError(f"load_spec wrote no parse cache under {warm_dir}")
    rounds: dict[str, list[float]] = {"builtin_cold": [], "plain_cold": [], "builtin_warm": []}
    versions = set()
    for i in range(ROUNDS):
        for name, which, cache in (
            ("builtin_cold", "builtin", workdir / f"cold-builtin-{i}"),
            ("plain_cold", "plain", workdir / f"cold-plain-{i}"),
            ("builtin_warm", "builtin", warm_dir),
        ):
            result = run_child([__file__, "--child-load", which], env=_cache_env(cache))
            rounds[name].append(result["load_s"])
            versions.add(result["api_version"])
    cold_ratio = [b / p for b, p in zip(rounds["builtin_cold"], rounds["plain_cold"], strict=True)]
    warm_share = [
        w / c for w, c in zip(rounds["builtin_warm"], rounds["builtin_cold"], strict=True)
    ]
    return {
        "api_versions": sorted(versions),
        **{f"{name}_ms": statistics.median(times) * 1000 for name, times in rounds.items()},
        "cold_ratio": statistics.median(cold_ratio),
        "cold_ratio_range": [min(cold_ratio), max(cold_ratio)],
        "warm_over_cold": statistics.median(warm_share),
        "warm_over_cold_range": [min(warm_share), max(warm_share)],
    }


def decompress_ms() -> float:
    """Median milliseconds `lzma.decompress` takes over the built-in spec, in this process."""
    from stripe_contracts.spec import BUILTIN_SPEC

    data = BUILTIN_SPEC.read_bytes()
    times = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        lzma.decompress(data)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def _cache_env(directory: Path) -> dict[str, str]:
    return {"STRIPE_CONTRACTS_CACHE": str(directory)}


# -- wheel size ---------------------------------------------------------------------------------


def wheel_sizes(workdir: Path) -> dict[str, Any]:
    out = workdir / "wheel"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(REPO), "-w", str(out), "--no-deps", "-q"],
        check=True,
        capture_output=True,
    )
    [wheel] = out.glob("*.whl")
    with zipfile.ZipFile(wheel) as whl:
        entries = [(info, whl.read(info)) for info in whl.infolist()]
    builtin = {info.filename: len(data) for info, data in entries if _is_builtin(info.filename)}
    if not any(name.endswith(".json.xz") for name in builtin):
        raise RuntimeError(f"the wheel has no built-in spec under {BUILTIN_PREFIX}: {wheel}")
    with_spec = len(_rezip(entries, keep_builtin=True))
    without = len(_rezip(entries, keep_builtin=False))
    return {
        "wheel_bytes": wheel.stat().st_size,
        "builtin_files": builtin,
        "added_bytes": with_spec - without,
    }


def _is_builtin(name: str) -> bool:
    return name.startswith(BUILTIN_PREFIX)


def _rezip(entries: list[tuple[zipfile.ZipInfo, bytes]], *, keep_builtin: bool) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as whl:
        for info, data in entries:
            if not keep_builtin and _is_builtin(info.filename):
                continue
            if not keep_builtin and info.filename.endswith(".dist-info/RECORD"):
                lines = data.decode().splitlines(keepends=True)
                data = "".join(line for line in lines if not _is_builtin(line)).encode()
            whl.writestr(info, data, compress_type=info.compress_type)
    return buffer.getvalue()


# -- report -------------------------------------------------------------------------------------


def report(workdir: Path) -> dict[str, Any]:
    from stripe_contracts.spec import BUILTIN_SPEC

    return {
        "date": datetime.date.today().isoformat(),
        "python": platform.python_version(),
        "rounds": ROUNDS,
        "plain_json_bytes": PLAIN.stat().st_size,
        "builtin_xz_bytes": BUILTIN_SPEC.stat().st_size,
        "decompress_ms": decompress_ms(),
        **load_times(workdir),
        **wheel_sizes(workdir),
    }


def render(r: dict[str, Any]) -> str:
    low, high = r["cold_ratio_range"]
    wlow, whigh = r["warm_over_cold_range"]
    met = {True: "met", False: "**missed**"}
    added_kb = r["added_bytes"] / KB
    rows = [
        ("spec", " + ".join(r["api_versions"]), ""),
        (
            "plain JSON / xz bytes",
            f"{r['plain_json_bytes'] / KB:,.0f} / {r['builtin_xz_bytes'] / KB:,.0f} KB",
            "",
        ),
        ("lzma.decompress alone", f"{r['decompress_ms']:.1f} ms", ""),
        ("load_spec cold, built-in (.xz)", f"{r['builtin_cold_ms']:.1f} ms", ""),
        ("load_spec cold, plain JSON", f"{r['plain_cold_ms']:.1f} ms", ""),
        (
            "cold built-in / cold plain JSON",
            f"{r['cold_ratio']:.2f}x ({low:.2f}-{high:.2f}x)",
            f"<= {GOAL_COLD_RATIO}x: {met[r['cold_ratio'] <= GOAL_COLD_RATIO]}",
        ),
        ("load_spec warm, built-in", f"{r['builtin_warm_ms']:.2f} ms", ""),
        (
            "warm / cold, built-in",
            f"{r['warm_over_cold']:.1%} ({wlow:.1%}-{whigh:.1%})",
            f"<= {GOAL_WARM_OVER_COLD:.0%}: {met[r['warm_over_cold'] <= GOAL_WARM_OVER_COLD]}",
        ),
        ("wheel size", f"{r['wheel_bytes'] / KB:,.0f} KB", ""),
        (
            "wheel size added by the built-in spec",
            f"{added_kb:,.0f} KB ({r['added_bytes']:,} bytes)",
            f"<= {GOAL_WHEEL_KB} KB: {met[added_kb <= GOAL_WHEEL_KB]}",
        ),
    ]
    return table(rows)


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "--child-load" and argv[1] in ("builtin", "plain"):
        print(json.dumps(child_load(argv[1])))
        return 0
    if argv:
        print("usage: python bench/builtin_spec.py", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="stripe-contracts-bench-") as workdir:
        result = report(Path(workdir))
    print(render(result))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
