"""Bundles: a graph's objects as files another language can load, byte-for-byte deterministic.

`bundle_files` is pure (graph -> {relative path: bytes}); `write_bundle` puts those files on
disk atomically: they are written and synced into a temporary sibling directory that is
renamed into place (`_dirs`), so a failure never leaves a half-written bundle, and an existing
non-empty directory is replaced only when the caller says `force`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from stripe_contracts._dirs import check_target, put_in_place, staging_beside, write_tree
from stripe_contracts._files import UnwritableOutput
from stripe_contracts._json import dump_json, dump_json_line
from stripe_contracts.errors import InvalidArgument, StripeContractsError
from stripe_contracts.graph.builder import Graph, GraphBuilder
from stripe_contracts.scenarios import FLOWS, Scenario, build_events, run_flow
from stripe_contracts.spec import Spec
from stripe_contracts.webhooks.delivery import event_payload
from stripe_contracts.webhooks.signing import sign_payload

JSON = Any
MANIFEST_FORMAT = "stripe-contracts.bundle"
MANIFEST_VERSION = 1
DEFAULT_WEBHOOK_SECRET = "whsec_test_secret"


FORMATS = ("json", "ndjson")


def bundle_files(
    graph: Graph,
    *,
    scenario: str,
    params: Mapping[str, JSON],
    events: list[dict[str, JSON]] | None = None,
    webhook_secret: str = DEFAULT_WEBHOOK_SECRET,
    encoding: str = "json",
) -> dict[str, bytes]:
    """Every file of a bundle for `graph`, keyed by path relative to the bundle directory.

    `encoding="json"` writes one pretty file per object and per event; "ndjson" writes
    `objects.ndjson` and `events.ndjson`, one compact record per line, for streaming loaders.
    With `events`, each event's bytes are exactly what a webhook POST carries, and the
    manifest lists them in delivery order with the `Stripe-Signature` header for
    `webhook_secret`.
    """
    if encoding not in FORMATS:
        raise StripeContractsError(
            f"--format {encoding!r} is not a bundle format", hint="use json or ndjson"
        )
    records: list[tuple[JSON, dict[str, JSON]]] = []
    for object_id, obj in graph.objects.items():
        expanded = graph.subscription
        shown = expanded if expanded and object_id == expanded["id"] else obj
        records.append((shown, {"id": object_id, "object": obj["object"]}))
    summary = graph.active_entitlement_summary
    if summary is not None:
        records.append((summary, {"id": None, "object": summary["object"]}))
    records.sort(key=lambda r: (r[1]["id"] is None, r[1]["id"] or ""))
    files: dict[str, bytes] = {}
    objects = _place(files, "objects", records, encoding, name=_object_file)
    manifest: dict[str, JSON] = {
        "format": MANIFEST_FORMAT,
        "format_version": MANIFEST_VERSION,
        "encoding": encoding,
        "api_version": graph.spec.api_version,
        "seed": graph.seed,
        "scenario": scenario,
        "params": dict(params),
        "objects": objects,
    }
    if events is not None:
        event_records = [(e, {"id": e["id"], "type": e["type"]}) for e in events]
        listed = _place(files, "events", event_records, encoding, name=_event_file)
        for entry, event in zip(listed, events, strict=True):
            payload = _payload_of(files, entry, encoding)
            entry["timestamp"] = event["created"]
            entry["stripe_signature"] = sign_payload(payload, webhook_secret, event["created"])
        manifest["events"] = listed
    files["manifest.json"] = dump_json(manifest)
    return files


def flow_files(
    flow: Scenario,
    *,
    params: Mapping[str, JSON],
    expand: Sequence[str] = (),
    webhook_secret: str = DEFAULT_WEBHOOK_SECRET,
    encoding: str = "json",
) -> dict[str, bytes]:
    """The bundle of a flow: its events, and every object any of them names (each as the last
    state holding it has it), so a handler that re-fetches an id finds it. With several
    subscriptions the current state's objects and entitlement summary are the customer's
    (`scenarios.customer`): they win over the first subscription's own rendering."""
    state = flow.current
    graph = GraphBuilder(spec=flow.spec, seed=flow.seed).render(state.model, expand=expand)
    graph = replace(graph, objects={**flow.latest_objects(), **graph.objects})
    if state.granted is not None:
        graph = replace(
            graph,
            objects={**graph.objects, **state.objects},
            active_entitlement_summary=state.summary,
        )
    return bundle_files(
        graph,
        scenario=flow.name,
        params=params,
        events=build_events(flow.states, flow.spec),
        webhook_secret=webhook_secret,
        encoding=encoding,
    )


def _object_file(number: int, record: JSON, entry: dict[str, JSON]) -> str:
    if entry["id"] is None:
        return f"objects/{record['object']}.{record['customer']}.json"
    return f"objects/{entry['id']}.json"


def _event_file(number: int, record: JSON, entry: dict[str, JSON]) -> str:
    return f"events/{number:04d}_{entry['type']}.json"


def _place(
    files: dict[str, bytes],
    kind: str,
    records: list[tuple[JSON, dict[str, JSON]]],
    encoding: str,
    *,
    name: Any,
) -> list[dict[str, JSON]]:
    """Write `records` as files (json) or lines of one file (ndjson); return manifest entries."""
    entries = []
    if encoding == "ndjson":
        lines = [dump_json_line(record) for record, _ in records]
        files[f"{kind}.ndjson"] = b"".join(line + b"\n" for line in lines)
        for number, (_, entry) in enumerate(records, start=1):
            entries.append({**entry, "file": f"{kind}.ndjson", "line": number})
        return entries
    for number, (record, entry) in enumerate(records, start=1):
        path = name(number, record, entry)
        files[path] = event_payload(record) if kind == "events" else dump_json(record)
        entries.append({**entry, "file": path})
    return entries


def _payload_of(files: dict[str, bytes], entry: dict[str, JSON], encoding: str) -> bytes:
    """The exact bytes a webhook POST of this event carries: its file, or its line."""
    data = files[str(entry["file"])]
    if encoding == "ndjson":
        line = int(entry["line"])
        return data.split(b"\n")[line - 1]
    return data


Progress = Callable[[int, int, str], None]


def bundle_seed(seed: int, name: str) -> int:
    """The seed of `--all`'s bundle `name`: its own, so no two bundles share a customer or
    subscription id (a suite loading several into one database), yet fixed by `seed`; its
    manifest records it, so `generate <scenario> --seed <it>` rebuilds that one bundle."""
    import hashlib

    digest = hashlib.sha256(f"{seed}:{name}".encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF


def all_bundles(
    spec: Spec,
    *,
    seed: int = 0,
    webhook_secret: str = DEFAULT_WEBHOOK_SECRET,
    encoding: str = "json",
    progress: Progress | None = None,
    skip_unsupported: bool = False,
    settings: Mapping[str, JSON] | None = None,
) -> dict[str, bytes]:
    """Every scenario, and the single-state scenario in every status the spec has, as
    sub-bundles `<name>/...` plus an `index.json` naming them (and what was skipped, why).
    Each bundle is built with its own seed, `bundle_seed(seed, name)`, so ids never repeat
    across bundles.

    A scenario the spec cannot express (a status its version lacks) is an error naming every
    such scenario, unless `skip_unsupported`: then the rest is written and `index.json` says
    what was skipped and why."""
    builder = GraphBuilder(spec=spec, seed=seed)  # for its statuses; each bundle has its seed
    jobs: list[tuple[str, str, str | None]] = [
        (f"subscription-{status}", "subscription", status) for status in builder.statuses
    ]
    jobs += [(name, name, None) for name in FLOWS]
    files: dict[str, bytes] = {}
    index: list[dict[str, JSON]] = []
    for done, (directory, scenario, status) in enumerate(jobs, start=1):
        if progress:
            progress(done, len(jobs), directory)
        own_seed = bundle_seed(seed, directory)
        try:
            given = {"settings": dict(settings)} if settings else {}
            if status is not None:
                params: dict[str, JSON] = {"status": status, **given}
                graph = builder.subscription(status=status, seed=own_seed, settings=settings)
                bundle = bundle_files(
                    graph,
                    scenario=scenario,
                    params=params,
                    webhook_secret=webhook_secret,
                    encoding=encoding,
                )
            else:
                bundle = flow_files(
                    run_flow(scenario, spec, seed=own_seed, settings=settings),
                    params=given,
                    webhook_secret=webhook_secret,
                    encoding=encoding,
                )
        except InvalidArgument as exc:  # e.g. a status this API version does not have
            index.append(
                {"bundle": None, "scenario": scenario, "status": status, "skipped": exc.message}
            )
            continue
        files.update((f"{directory}/{path}", data) for path, data in bundle.items())
        index.append(
            {"bundle": directory, "scenario": scenario, "status": status, "seed": own_seed}
        )
    skipped = [f"{e['scenario']} ({e['skipped']})" for e in index if e["bundle"] is None]
    if skipped and not skip_unsupported:
        raise StripeContractsError(
            f"{len(skipped)} scenario(s) cannot be generated for Stripe API "
            f"{spec.api_version}: {'; '.join(skipped)}",
            hint="pass --skip-unsupported to write the others, or use a spec of a newer version",
        )
    files["index.json"] = dump_json(
        {"api_version": spec.api_version, "seed": seed, "bundles": index}
    )
    return files


def write_bundle(files: Mapping[str, bytes], out: Path, *, force: bool = False) -> None:
    """Write `files` under `out` atomically; refuse to replace a non-empty `out` unless `force`.

    `out` is checked first and replaced last only if it is still what was checked (see
    `_dirs`): a directory that appears or changes meanwhile is left alone and the write fails.
    """
    out = Path(out)
    seen = check_target(out)
    if seen is not None and not seen.empty:
        if not force:
            raise StripeContractsError(
                f"--out {out} is not empty; refusing to overwrite it",
                hint="choose a new directory, or pass --force to replace this one",
            )
        if not ((out / "manifest.json").is_file() or (out / "index.json").is_file()):
            raise StripeContractsError(
                f"--out {out} is not a bundle (no manifest.json or index.json); --force "
                "replaces only bundles",
                hint="choose a new directory for the bundle",
            )
    try:
        with staging_beside(out) as staging:
            write_tree(staging, files)
            put_in_place(staging, out, seen)
    except OSError as exc:  # the staging directory is gone: nothing was written
        raise UnwritableOutput.at(out, exc) from None
