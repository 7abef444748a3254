"""bench/export.py: `generate --all` bundles per second, against the json-module floor.

Ours: `all_bundles` (build every graph and flow, validate every object and event, sign the
events, serialise) and `write_bundle` (atomic write of every file). The floor, in the same
run: writing the very same objects and events with `json.dump`, one file each, no building,
no validation, no signing — the least any exporter of these bytes must do. Ratio = our time /
floor time (goal in the issue: within 3x).

Run from the repo root: `python bench/export.py`
"""

from __future__ import annotations

import json
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._common import SHARED, interleaved
from stripe_contracts.export import all_bundles, write_bundle
from stripe_contracts.spec import load_spec


def main() -> None:
    spec = load_spec([SHARED / "spec3.2023-08-16.json", SHARED / "entitlements.2026-09-30.json"])
    files = all_bundles(spec, seed=0)  # warm: validators compiled, Faker loaded
    bundles = sum(1 for name in files if name.endswith("/manifest.json"))
    records = [
        json.loads(data)
        for name, data in sorted(files.items())
        if (name.endswith(".json") and "/objects/" in name) or "/events/" in name
    ]
    scratch = Path(tempfile.mkdtemp(prefix="bench-export-"))
    counter = iter(range(10**9))

    def ours() -> None:
        out = scratch / f"ours-{next(counter)}"
        write_bundle(all_bundles(spec, seed=0), out)
        shutil.rmtree(out)

    def floor() -> None:
        out = scratch / f"floor-{next(counter)}"
        out.mkdir()
        for number, record in enumerate(records):
            with open(out / f"{number}.json", "w") as fh:
                json.dump(record, fh)
        shutil.rmtree(out)

    try:
        times = interleaved({"ours": ours, "floor": floor}, rounds=5, min_time=1.0)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    ratios = [o / f for o, f in zip(times["ours"], times["floor"], strict=True)]
    ours_s, floor_s = statistics.median(times["ours"]), statistics.median(times["floor"])
    result = {
        "benchmark": "export",
        "api_version": spec.api_version,
        "bundles_per_run": bundles,
        "files_per_run": len(files),
        "ours_bundles_per_s": round(bundles / ours_s, 1),
        "floor_bundles_per_s": round(bundles / floor_s, 1),
        "ratio_ours_over_floor": round(statistics.median(ratios), 2),
        "goal": "<= 3x",
    }
    print(f"{'--all on ' + spec.api_version:<34} {bundles} bundles, {len(files)} files")
    print(f"{'ours (build+validate+sign+write)':<34} {result['ours_bundles_per_s']:>8} bundles/s")
    print(
        f"{'floor (json.dump the same records)':<34} {result['floor_bundles_per_s']:>8} bundles/s"
    )
    print(f"{'time ratio ours / floor':<34} {result['ratio_ours_over_floor']:>8}x  (goal <= 3x)")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
