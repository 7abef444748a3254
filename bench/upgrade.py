"""upgrade-check benchmark: its time over every bundle of `generate --all` against `validate`'s
over the same files, measured in the same run.

- Files: `generate --all` for Stripe API 2023-08-16 (`spec3.2023-08-16.json` of
  `../shared/stripe-openapi/`, with the entitlements excerpt) in a temp dir: every flow and status.
- In process (specs loaded and validators compiled before timing): one pass of `upgrade_check`
  from 2023-08-16 to 2026-05-27.dahlia over the directory against one pass of what `validate`
  does for it (find the files, read each, `validate` each object against 2023-08-16 with dahlia
  as the newer spec on hand). Both passes find and read the files themselves. Alternating
  rounds; the ratio is the median of the per-round ratios.
- End to end: `stripe-contracts upgrade-check --from ... DIR` and `stripe-contracts validate
  --spec ... DIR` as fresh processes with a warm spec cache, alternating; medians.

Goal (the issue): upgrade-check takes well under twice what validate takes for the same files.

Run from the repo root: `python bench/upgrade.py` (about 1 minute).
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import REPO, SHARED, interleaved, table

SOURCE = SHARED / "spec3.2023-08-16.json"
EXCERPT = SHARED / "entitlements.2026-09-30.json"
TARGET = SHARED / "spec3.2026-05-27.dahlia.json"
ROUNDS = 7
CLI_ROUNDS = 5
GOAL_RATIO = 2.0


def main() -> None:
    from stripe_contracts._payload_files import documents_and_calls, json_files, read_json
    from stripe_contracts.export import all_bundles, write_bundle
    from stripe_contracts.spec import VersionSet, load_spec
    from stripe_contracts.upgrade import upgrade_check
    from stripe_contracts.validation import validate

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["STRIPE_CONTRACTS_CACHE"] = str(Path(tmp) / "cache")
        out = Path(tmp) / "all"
        source = load_spec([SOURCE, EXCERPT])
        write_bundle(all_bundles(source), out)
        target = load_spec([TARGET, EXCERPT])
        versions = VersionSet(source, [target])
        paths = json_files([out])

        def validate_pass() -> None:
            for path in json_files([out]):
                data = read_json(path)
                for obj in data if isinstance(data, list) else [data]:
                    validate(obj, versions)

        def upgrade_pass() -> None:
            upgrade_check(source, target, *documents_and_calls([out], purpose="check"))

        validate_pass()  # compile every validator before timing
        report = upgrade_check(source, target, *documents_and_calls([out], purpose="check"))
        times = interleaved({"validate": validate_pass, "upgrade": upgrade_pass}, rounds=ROUNDS)
        ratios = [u / v for u, v in zip(times["upgrade"], times["validate"], strict=True)]
        cli = _cli_times(out)

    cli_ratio = statistics.median(
        u / v for u, v in zip(cli["upgrade-check"], cli["validate"], strict=True)
    )
    ratio = statistics.median(ratios)
    rows = [
        ("files (generate --all, 2023-08-16)", str(len(paths)), ""),
        ("objects walked by upgrade-check", str(report.objects), ""),
        ("findings", str(len(report.findings)), ""),
        ("validate pass, in process", f"{statistics.median(times['validate']) * 1000:.0f} ms", ""),
        (
            "upgrade-check pass, in process",
            f"{statistics.median(times['upgrade']) * 1000:.0f} ms",
            "",
        ),
        (
            "ratio upgrade-check / validate",
            f"{ratio:.2f}x ({min(ratios):.2f}-{max(ratios):.2f})",
            f"< {GOAL_RATIO:.0f}x: {'met' if ratio < GOAL_RATIO else 'NOT met'}",
        ),
        ("validate, CLI process", f"{statistics.median(cli['validate']) * 1000:.0f} ms", ""),
        (
            "upgrade-check, CLI process",
            f"{statistics.median(cli['upgrade-check']) * 1000:.0f} ms",
            "",
        ),
        (
            "ratio, CLI processes",
            f"{cli_ratio:.2f}x",
            f"< {GOAL_RATIO:.0f}x: {'met' if cli_ratio < GOAL_RATIO else 'NOT met'}",
        ),
    ]
    print(table(rows))
    print(
        json.dumps(
            {
                "bench": "upgrade",
                "date": datetime.date.today().isoformat(),
                "python": platform.python_version(),
                "files": len(paths),
                "objects": report.objects,
                "ratio_in_process": round(ratio, 3),
                "ratio_cli": round(cli_ratio, 3),
            }
        )
    )


def _cli_times(out: Path) -> dict[str, list[float]]:
    commands = {
        "validate": ["validate", "--spec", str(SOURCE), "--spec", str(EXCERPT), str(out)],
        "upgrade-check": ["upgrade-check", "--from", str(SOURCE), "--to", str(TARGET), str(out)],
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    for argv in commands.values():  # warm the spec cache
        _run(argv)
    for _ in range(CLI_ROUNDS):
        for name, argv in commands.items():
            times[name].append(_run(argv))
    return times


def _run(argv: list[str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "stripe_contracts", *argv],
        cwd=REPO,
        capture_output=True,
        check=False,
        env={**os.environ, "STRIPE_CONTRACTS_SPEC": ""},
    )
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise RuntimeError(f"{argv} failed ({done.returncode}): {done.stderr.decode()}")
    return elapsed


if __name__ == "__main__":
    main()
