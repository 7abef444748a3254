"""Validation benchmark: throughput against a naive jsonschema baseline, spec load, memory.

Run from the repo root: `python bench/validate.py`. What each figure means: bench/README.md.
"""

from __future__ import annotations

import datetime
import gc
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _common import SHARED, interleaved, rss_bytes, run_child, table

VERSIONS = ("2020-08-27", "2023-08-16")
LOAD_VERSION = "2023-08-16"
BILLING_TYPES = (
    "customer",
    "product",
    "price",
    "plan",
    "subscription",
    "subscription_item",
    "invoice",
    "line_item",
    "invoiceitem",
    "payment_intent",
    "payment_method",
    "charge",
    "event",
    "discount",
    "coupon",
    "tax_rate",
)
THROUGHPUT_ROUNDS = 7
LOAD_REPEATS = 7
GOAL_RATIO = 100.0
GOAL_WARM_OVER_COLD = 0.10
MB = 1024 * 1024

JSON = Any


def spec_path(version: str) -> Path:
    return SHARED / f"spec3.{version}.json"


def examples(version: str) -> list[JSON]:
    """Stripe's own example object of each billing type, for `version`."""
    resources = json.loads((SHARED / f"fixtures3.{version}.json").read_text())["resources"]
    return [resources[name] for name in BILLING_TYPES]


# -- throughput: ours and the naive baseline --------------------------------------------------

Pass = Callable[[], None]


def ours() -> tuple[Pass, int, list[str]]:
    """A pass of `validate` (rust engine, strict) over the examples; rejections; schema names.

    Every validator is compiled here, before any timing.
    """
    from stripe_contracts.spec import load_spec
    from stripe_contracts.validation import validate

    pairs = [(obj, load_spec(spec_path(v))) for v in VERSIONS for obj in examples(v)]
    rejected = sum(bool(validate(obj, spec)) for obj, spec in pairs)
    targets = [spec.schema_name_for(obj["object"]) for obj, spec in pairs]

    def one_pass() -> None:
        for obj, spec in pairs:
            validate(obj, spec)

    return one_pass, rejected, targets


def admit_null(node: JSON) -> JSON:
    """OpenAPI `nullable: true` as JSON Schema: null added to `type` (and `enum`) or `anyOf`."""
    if isinstance(node, list):
        return [admit_null(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: admit_null(value) for key, value in node.items()}
    if out.pop("nullable", False):
        if "anyOf" in out:
            out["anyOf"] = [*out["anyOf"], {"type": "null"}]
        elif "type" in out:
            out["type"] = [out["type"], "null"]
            if "enum" in out:
                out["enum"] = [*out["enum"], None]
    return out


def naive() -> tuple[Pass, int, list[str]]:
    """What a user writes in an afternoon: jsonschema's Draft4Validator over the whole spec.

    The spec (nullable made explicit) is one `referencing` resource, set up once; each object
    is checked by a validator whose schema is a `$ref` into it, built once per schema name.
    """
    import jsonschema
    import referencing
    from referencing.jsonschema import DRAFT4

    pairs = []
    for version in VERSIONS:
        document = admit_null(json.loads(spec_path(version).read_text()))
        registry = referencing.Registry().with_resource(
            "urn:spec", DRAFT4.create_resource(document)
        )
        validators: dict[str, Any] = {}
        for obj in examples(version):
            name = obj["object"]
            if name not in validators:
                schema = {"$ref": f"urn:spec#/components/schemas/{name}"}
                validators[name] = jsonschema.Draft4Validator(schema, registry=registry)
            pairs.append((obj, validators[name]))
    rejected = sum(bool(list(validator.iter_errors(obj))) for obj, validator in pairs)
    targets = [obj["object"] for obj, _ in pairs]

    def one_pass() -> None:
        for obj, validator in pairs:
            list(validator.iter_errors(obj))

    return one_pass, rejected, targets


def throughput() -> dict[str, Any]:
    """Objects/s of both, timed in alternating rounds; ratio = median of the per-round ratios."""
    ours_pass, ours_rejected, ours_targets = ours()
    naive_pass, naive_rejected, naive_targets = naive()
    if ours_targets != naive_targets:
        raise RuntimeError(f"schemas differ: ours {ours_targets}, naive {naive_targets}")
    times = interleaved({"ours": ours_pass, "naive": naive_pass}, rounds=THROUGHPUT_ROUNDS)
    n = len(ours_targets)
    return {
        "objects": n,
        "ours_objects_per_s": n / statistics.median(times["ours"]),
        "naive_objects_per_s": n / statistics.median(times["naive"]),
        "ratio": statistics.median(
            nv / us for us, nv in zip(times["ours"], times["naive"], strict=True)
        ),
        "rejected_ours": ours_rejected,
        "rejected_naive": naive_rejected,
    }


# -- spec load and memory, each in a fresh process ---------------------------------------------


def child_load() -> dict[str, float]:
    """In a fresh process: time `load_spec`, then first use (compile all billing validators)."""
    from stripe_contracts.spec import load_spec
    from stripe_contracts.validation import validate

    objects = examples(LOAD_VERSION)
    start = time.perf_counter()
    spec = load_spec(spec_path(LOAD_VERSION))
    loaded = time.perf_counter()
    for obj in objects:
        validate(obj, spec)
    used = time.perf_counter()
    return {"load_s": loaded - start, "first_use_s": used - start}


def child_memory() -> dict[str, Any]:
    """In a fresh process: memory added by loading the spec and compiling billing validators.

    Code (stripe_contracts, jsonschema_rs) and the example objects are loaded before the
    baseline, so the difference is the spec index, decoded schemas and compiled validators.
    """
    import jsonschema_rs  # noqa: F401  (engine code counts as code, not as data)

    from stripe_contracts.spec import load_spec
    from stripe_contracts.validation import validate

    objects = examples(LOAD_VERSION)
    gc.collect()
    before, measure = rss_bytes()
    spec = load_spec(spec_path(LOAD_VERSION))
    gc.collect()
    loaded, _ = rss_bytes()
    rejected = sum(bool(validate(obj, spec)) for obj in objects)
    gc.collect()
    after, _ = rss_bytes()
    return {
        "before": before,
        "loaded": loaded,
        "after": after,
        "measure": measure,
        "rejected": rejected,
    }


def load_times(workdir: Path) -> dict[str, float]:
    """Median load_spec (and first use) seconds with an empty and with a populated disk cache."""
    cold = [
        run_child([__file__, "--child-load"], env=_cache_env(workdir / f"cold-{i}"))
        for i in range(LOAD_REPEATS)
    ]
    warm_dir = workdir / "warm"
    run_child([__file__, "--child-load"], env=_cache_env(warm_dir))  # populates the cache
    if not list((warm_dir / "parsed").glob("*.marshal")):
        raise RuntimeError(f"load_spec wrote no parse cache under {warm_dir}")
    warm = [
        run_child([__file__, "--child-load"], env=_cache_env(warm_dir)) for _ in range(LOAD_REPEATS)
    ]
    return {
        "cold_s": statistics.median(r["load_s"] for r in cold),
        "warm_s": statistics.median(r["load_s"] for r in warm),
        "first_use_cold_s": statistics.median(r["first_use_s"] for r in cold),
        "first_use_warm_s": statistics.median(r["first_use_s"] for r in warm),
    }


def memory(workdir: Path) -> dict[str, Any]:
    """Memory added by load + compile, with the populated cache (usual) and an empty one."""
    warm = run_child([__file__, "--child-memory"], env=_cache_env(workdir / "warm"))
    cold = run_child([__file__, "--child-memory"], env=_cache_env(workdir / "cold-memory"))
    return {
        "warm_mb": (warm["after"] - warm["before"]) / MB,
        "warm_load_mb": (warm["loaded"] - warm["before"]) / MB,
        "cold_mb": (cold["after"] - cold["before"]) / MB,
        "measure": warm["measure"],
        "rejected": warm["rejected"],
    }


def _cache_env(directory: Path) -> dict[str, str]:
    return {"STRIPE_CONTRACTS_CACHE": str(directory)}


# -- report -------------------------------------------------------------------------------------


def report(workdir: Path) -> dict[str, Any]:
    os.environ["STRIPE_CONTRACTS_CACHE"] = str(workdir / "main")  # never the user's cache
    rates = throughput()
    loads = load_times(workdir)
    mem = memory(workdir)
    return {
        "benchmark": "validate",
        "date": datetime.date.today().isoformat(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "objects": rates["objects"],
        "ours_objects_per_s": round(rates["ours_objects_per_s"]),
        "naive_objects_per_s": round(rates["naive_objects_per_s"]),
        "ratio": round(rates["ratio"], 1),
        "rejected_ours": rates["rejected_ours"],
        "rejected_naive": rates["rejected_naive"],
        "load_cold_ms": round(loads["cold_s"] * 1000, 2),
        "load_warm_ms": round(loads["warm_s"] * 1000, 2),
        "warm_over_cold": round(loads["warm_s"] / loads["cold_s"], 3),
        "first_use_cold_ms": round(loads["first_use_cold_s"] * 1000, 1),
        "first_use_warm_ms": round(loads["first_use_warm_s"] * 1000, 1),
        "memory_mb": round(mem["warm_mb"], 1),
        "memory_load_only_mb": round(mem["warm_load_mb"], 1),
        "memory_cold_cache_mb": round(mem["cold_mb"], 1),
        "memory_measure": mem["measure"],
        "load_repeats": LOAD_REPEATS,
    }


def render(r: dict[str, Any]) -> str:
    ratio_ok = "ok" if r["ratio"] >= GOAL_RATIO else "MISSED"
    load_ok = "ok" if r["warm_over_cold"] <= GOAL_WARM_OVER_COLD else "MISSED"
    n = len(BILLING_TYPES)
    rows = [
        (f"validate (rust, strict), {r['objects']} examples", f"{r['ours_objects_per_s']:,}/s", ""),
        ("naive Draft4Validator + referencing", f"{r['naive_objects_per_s']:,}/s", ""),
        ("ratio ours / naive", f"{r['ratio']:.1f}x", f">= {GOAL_RATIO:.0f}x {ratio_ok}"),
        ("examples rejected (ours / naive)", f"{r['rejected_ours']} / {r['rejected_naive']}", ""),
        (f"load_spec {LOAD_VERSION}, empty cache", f"{r['load_cold_ms']:.2f} ms", ""),
        (f"load_spec {LOAD_VERSION}, warm cache", f"{r['load_warm_ms']:.2f} ms", ""),
        ("warm / cold", f"{r['warm_over_cold']:.1%}", f"<= {GOAL_WARM_OVER_COLD:.0%} {load_ok}"),
        (f"load + compile {n} validators, empty cache", f"{r['first_use_cold_ms']:.1f} ms", ""),
        (f"load + compile {n} validators, warm cache", f"{r['first_use_warm_ms']:.1f} ms", ""),
        (f"memory: load + compile {n}, {r['memory_measure']}", f"{r['memory_mb']:.1f} MB", ""),
        ("  of which load_spec alone", f"{r['memory_load_only_mb']:.1f} MB", ""),
        ("  same total, empty cache", f"{r['memory_cold_cache_mb']:.1f} MB", ""),
    ]
    return table(rows)


def main(argv: list[str]) -> int:
    if argv == ["--child-load"]:
        print(json.dumps(child_load()))
        return 0
    if argv == ["--child-memory"]:
        print(json.dumps(child_memory()))
        return 0
    if argv:
        print("usage: python bench/validate.py", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="stripe-contracts-bench-") as workdir:
        result = report(Path(workdir))
    print(render(result))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
