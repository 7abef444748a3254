"""Bundles: a graph's objects as files another language can load, byte-for-byte deterministic.

`bundle_files` is pure (graph -> {relative path: bytes}); `write_bundle` puts those files on
disk atomically: they are written into a temporary sibling directory that is renamed into
place, so a failure never leaves a half-written bundle, and an existing non-empty directory is
replaced only when the caller says `force`.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from stripe_contracts._json import dump_json
from stripe_contracts.errors import StripeContractsError
from stripe_contracts.graph.builder import Graph
from stripe_contracts.webhooks.delivery import event_payload
from stripe_contracts.webhooks.signing import sign_payload

JSON = Any
MANIFEST_FORMAT = "stripe-contracts.bundle"
MANIFEST_VERSION = 1
DEFAULT_WEBHOOK_SECRET = "whsec_test_secret"


def bundle_files(
    graph: Graph,
    *,
    scenario: str,
    params: Mapping[str, JSON],
    events: list[dict[str, JSON]] | None = None,
    webhook_secret: str = DEFAULT_WEBHOOK_SECRET,
) -> dict[str, bytes]:
    """Every file of a bundle for `graph`, keyed by path relative to the bundle directory.

    With `events`, each is written as the exact bytes a webhook POST carries and listed in
    the manifest, in delivery order, with the `Stripe-Signature` header for `webhook_secret`.
    """
    files: dict[str, bytes] = {}
    entries = []
    for object_id, obj in graph.objects.items():
        expanded = graph.subscription
        shown = expanded if expanded and object_id == expanded["id"] else obj
        name = f"objects/{object_id}.json"
        files[name] = dump_json(shown)
        entries.append({"id": object_id, "object": obj["object"], "file": name})
    summary = graph.active_entitlement_summary
    name = f"objects/{summary['object']}.{summary['customer']}.json"
    files[name] = dump_json(summary)
    entries.append({"id": None, "object": summary["object"], "file": name})
    entries.sort(key=lambda e: e["file"])
    manifest = {
        "format": MANIFEST_FORMAT,
        "format_version": MANIFEST_VERSION,
        "api_version": graph.spec.api_version,
        "seed": graph.seed,
        "scenario": scenario,
        "params": dict(params),
        "objects": entries,
    }
    if events is not None:
        listed = []
        for number, event in enumerate(events, start=1):
            name = f"events/{number:04d}_{event['type']}.json"
            payload = event_payload(event)
            files[name] = payload
            listed.append(
                {
                    "id": event["id"],
                    "type": event["type"],
                    "file": name,
                    "timestamp": event["created"],
                    "stripe_signature": sign_payload(payload, webhook_secret, event["created"]),
                }
            )
        manifest["events"] = listed
    files["manifest.json"] = dump_json(manifest)
    return files


def write_bundle(files: Mapping[str, bytes], out: Path, *, force: bool = False) -> None:
    """Write `files` under `out` atomically; refuse to replace a non-empty `out` unless `force`."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise StripeContractsError(
            f"--out {out} is a file, not a directory", hint="choose a directory path for --out"
        )
    if out.is_dir() and any(out.iterdir()) and not force:
        raise StripeContractsError(
            f"--out {out} is not empty; refusing to overwrite it",
            hint="choose a new directory, or pass --force to replace this one",
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp"))
    try:
        for relative, data in sorted(files.items()):
            target = staging / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        if out.is_dir():
            retired = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.", suffix=".old"))
            os.replace(out, retired / "bundle")
            os.replace(staging, out)
            shutil.rmtree(retired, ignore_errors=True)
        else:
            os.replace(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
