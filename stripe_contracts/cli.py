"""The `stripe-contracts` command: thin argument handling over the library's pure functions."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from stripe_contracts._cli_options import (
    SETTINGS_OPTIONS,
    add_settings_options,
    add_spec_options,
    add_version_options,
    out_directory,
    settings_from_args,
    spec_from_args,
    versions_from_args,
    webhook_secret,
)
from stripe_contracts._payload_files import json_files, read_json
from stripe_contracts.errors import StripeContractsError, one_line
from stripe_contracts.spec import Spec, VersionSet
from stripe_contracts.validation import validate

EXIT_OK, EXIT_VIOLATIONS, EXIT_USAGE = 0, 1, 2
#: What a command killed by SIGPIPE exits with in a shell (128 + 13): the reader stopped early.
EXIT_BROKEN_PIPE = 141
Handler = Callable[[argparse.Namespace], int]


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    handler: Handler = args.handler
    try:
        code = handler(args)
        sys.stdout.flush()  # here, so a reader that left is caught below, not at exit
        return code
    except StripeContractsError as exc:
        print(f"stripe-contracts: error: {one_line(exc.message)}", file=sys.stderr)
        if exc.hint:
            print(f"  hint: {one_line(exc.hint)}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # the reader left (`| head`): stop quietly, as `cat` does
        _silence_stdout()
        return EXIT_BROKEN_PIPE


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot fail again."""
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("stripe-contracts")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown (not installed)"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="stripe-contracts",
        description="Contract-check Stripe objects and generate consistent Stripe fixtures.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    check = commands.add_parser(
        "validate",
        help="check Stripe objects in JSON files against Stripe's OpenAPI spec",
        description="Check each Stripe object in the given JSON files (one object or a list "
        "per file; directories are searched for *.json) against the spec. An event is checked "
        "through: data.object against its own type's schema, previous_attributes keys against "
        "that type's properties. Fields and enum values that only a newer spec on hand defines "
        "are notes (see --newer-spec); --strict makes them violations. Writes nothing; prints "
        "violations and notes. Exit 0 when all are valid (notes alone exit 0), 1 on any "
        "violation, 2 on unreadable input or spec.",
    )
    add_spec_options(check)
    add_version_options(check)
    check.add_argument("--format", choices=("text", "json"), default="text")
    check.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    check.set_defaults(handler=_validate)

    upgrade = commands.add_parser(
        "upgrade-check",
        help="list what moving to another API version breaks in your fixtures, events and "
        "cassettes",
        description="Walk every Stripe object in the given files (JSON objects or lists, "
        "bundles, event payloads, cassettes' response bodies; directories are searched for "
        "*.json, *.yaml and *.yml) along the --from and --to specs, and list each field the "
        "objects use that the --to version removes, moves, renames, changes in type or enum, "
        "or no longer sends unless expanded, grouped by object type and field with the number "
        "of occurrences and files, and where a moved field went (derived from the two specs, "
        "or from a table of known moves, each with its changelog page). Also the event types "
        "the files use that the --to version no longer sends, and the parameters of the "
        "requests cassettes recorded that the --to version no longer takes, expand[] paths it "
        "no longer reaches, and operations it no longer has (grouped by operation, e.g. "
        "'POST /v1/subscriptions'). JSON output: {from, to, "
        "findings: [{object, field, change, moved_to, detail, see, occurrences, files}]}. "
        "Writes nothing. Exit 0 when nothing breaks, 1 when something does, 2 on unreadable "
        "input or spec.",
    )
    upgrade.add_argument(
        "--from",
        dest="from_spec",
        type=Path,
        metavar="SPEC",
        help="spec of the API version the files were made with (default: the spec "
        "`--spec` would pick: $STRIPE_CONTRACTS_SPEC, ./schemas/, the pin, the built-in)",
    )
    upgrade.add_argument(
        "--to",
        dest="to_spec",
        type=Path,
        metavar="SPEC",
        help="spec of the API version to move to (default: the built-in spec)",
    )
    upgrade.add_argument("--format", choices=("text", "json"), default="text")
    upgrade.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    upgrade.set_defaults(handler=_upgrade_check)

    generate = commands.add_parser(
        "generate",
        help="write a bundle of consistent Stripe objects (JSON files + manifest.json)",
        description="Build a scenario and write DIR/manifest.json plus one JSON file per "
        "object under DIR/objects/, each exactly what the API returns for it. Output is "
        "byte-for-byte the same for the same spec, seed and options. DIR must not exist or "
        "be empty unless --force.",
    )
    generate.add_argument(
        "scenario",
        nargs="?",
        metavar="SCENARIO",
        help="'subscription' (one state, --status) or a flow: " + ", ".join(_flow_names()),
    )
    add_spec_options(generate)
    add_settings_options(generate)
    generate.add_argument("--status", default="active", help="subscription status")
    generate.add_argument("--seed", type=int, default=0)
    generate.add_argument("--currency", default=None)
    generate.add_argument(
        "--collection-method",
        default="charge_automatically",
        choices=("charge_automatically", "send_invoice"),
    )
    generate.add_argument("--trial-days", type=int, default=None)
    generate.add_argument(
        "--expand",
        action="append",
        default=[],
        metavar="PATH",
        help="expand a field of the subscription, e.g. latest_invoice",
    )
    generate.add_argument("--out", type=out_directory, required=True, metavar="DIR")
    generate.add_argument("--force", action="store_true", help="replace a non-empty DIR")
    generate.add_argument(
        "--webhook-secret",
        default="whsec_test_secret",
        type=webhook_secret,
        help="secret the events' Stripe-Signature headers are made with",
    )
    generate.add_argument(
        "--format",
        dest="encoding",
        choices=("json", "ndjson"),
        default="json",
        help="json: a file per object and event; ndjson: objects.ndjson and events.ndjson, "
        "one record per line",
    )
    generate.add_argument(
        "--all",
        action="store_true",
        help="every scenario, and 'subscription' in every status, into DIR/<name>/ "
        "sub-bundles with DIR/index.json (shows progress on stderr); exits 2, writing "
        "nothing, if the spec cannot express a scenario",
    )
    generate.add_argument(
        "--scenario-file",
        type=Path,
        metavar="FILE",
        help="your own scenario (YAML or JSON, schemas/scenario.schema.json) instead of "
        "SCENARIO: your customer, catalog and steps",
    )
    generate.add_argument(
        "--catalog",
        type=Path,
        metavar="FILE",
        help="your catalog file (schemas/catalog.schema.json): a named flow bills its prices "
        "(the first recurring one; an upgrade or downgrade moves to the recurring price of the "
        "same currency and interval with the next higher or lower unit_amount), and with "
        "--scenario-file it replaces the file's `catalog:` key",
    )
    generate.add_argument(
        "--skip-unsupported",
        action="store_true",
        help="with --all: write the scenarios the spec can express, print the others on "
        "stderr and list them in index.json",
    )
    generate.set_defaults(handler=_generate)

    run = commands.add_parser(
        "run-scenario",
        help="run a scenario file against your app: deliver each step's events, run its checks",
        description="Run FILE's steps; after each, POST the events it caused, signed, to "
        "--deliver-to (a loopback URL), then run the step's expectations: `expect_event`, "
        "`expect` and `check: {get: URL-or-/path, expect: {...}}` (a GET on this machine whose "
        "JSON answer must hold those fields; {customer} and {subscription} in it become ids). "
        "Writes nothing. Exit 0 when every step and check passes, 1 naming the first step that "
        "fails, 2 on an unusable file, URL or spec.",
    )
    run.add_argument("file", type=Path, metavar="FILE", help="the scenario file (YAML or JSON)")
    run.add_argument(
        "--deliver-to",
        required=True,
        metavar="URL",
        help="your webhook endpoint on this machine, e.g. http://127.0.0.1:5000/webhooks/stripe",
    )
    add_spec_options(run)
    run.add_argument(
        "--webhook-secret",
        default="whsec_test_secret",
        type=webhook_secret,
        help="the secret your endpoint verifies Stripe-Signature with",
    )
    run.add_argument(
        "--catalog", type=Path, metavar="FILE", help="the catalog file, instead of `catalog:`"
    )
    run.add_argument("--seed", type=int, default=0)
    run.add_argument(
        "--timeout", type=float, default=10.0, help="seconds to wait for each answer (default 10)"
    )
    run.set_defaults(handler=_run_scenario)

    listing = commands.add_parser(
        "scenarios",
        help="list the scenarios `generate` knows and their options",
        description="Print every scenario name with what it does and the options it takes. "
        "Writes nothing.",
    )
    listing.add_argument("--format", choices=("text", "json"), default="text")
    listing.set_defaults(handler=_scenarios)

    on_hand = commands.add_parser(
        "specs",
        help="list the Stripe specs on hand and where each comes from",
        description="Print every spec a command could use, first the one that wins: --spec, "
        "$STRIPE_CONTRACTS_SPEC, ./schemas/, the pin in ./schemas/stripe-spec.lock.json, "
        "downloads in the cache, the built-in spec; each with its API version, source and "
        "path. Writes and downloads nothing.",
    )
    on_hand.add_argument("--spec", action="append", type=Path, metavar="PATH")
    on_hand.add_argument("--format", choices=("text", "json"), default="text")
    on_hand.set_defaults(handler=_specs)

    sign = commands.add_parser(
        "sign",
        help="print the Stripe-Signature header for a webhook payload file",
        description="Sign FILE's exact bytes as Stripe does (HMAC-SHA256 over "
        "'{timestamp}.{payload}') and print the Stripe-Signature header value. Writes nothing.",
    )
    sign.add_argument(
        "--secret",
        required=True,
        action="append",
        type=webhook_secret,
        help="webhook secret (whsec_...); repeat for secret rotation",
    )
    sign.add_argument(
        "--timestamp", type=int, default=None, help="unix time to sign at (default: now)"
    )
    sign.add_argument(
        "file", type=Path, metavar="FILE", help="the payload: a regular file of at most 16 MiB"
    )
    sign.set_defaults(handler=_sign)

    verify = commands.add_parser(
        "verify",
        help="check a Stripe-Signature header against a payload file",
        description="Verify HEADER for FILE's exact bytes. Exit 0 when valid, 1 when not (the "
        "reason is printed), 2 on unreadable input. Writes nothing.",
    )
    verify.add_argument("--secret", required=True, action="append", type=webhook_secret)
    verify.add_argument("--header", required=True, help="the Stripe-Signature header value")
    verify.add_argument(
        "--tolerance", type=int, default=300, help="seconds of clock skew allowed (default 300)"
    )
    verify.add_argument("--now", type=int, default=None, help="unix time to verify at")
    verify.add_argument(
        "file", type=Path, metavar="FILE", help="the payload: a regular file of at most 16 MiB"
    )
    verify.set_defaults(handler=_verify)
    from stripe_contracts.cassettes.cli import add_commands as add_cassette_commands

    add_cassette_commands(commands)
    from stripe_contracts.cli_fixture import add_commands as add_cli_fixture_commands

    add_cli_fixture_commands(commands)
    return parser


def _validate(args: argparse.Namespace) -> int:
    spec = spec_from_args(args)
    versions = versions_from_args(args, spec)
    paths = json_files(args.paths)
    files = [_check_file(path, versions, args.strict) for path in paths]
    valid = all(not obj["violations"] for f in files for obj in f["objects"])
    if args.format == "json":
        report = {
            "valid": valid,
            "api_version": spec.api_version,
            "versions": list(versions.versions),
            "strict": args.strict,
            "files": files,
        }
        print(json.dumps(report, indent=2, sort_keys=True))
    else:
        count = notes = 0
        for f in files:
            for obj in f["objects"]:
                for v in obj["violations"]:
                    count += 1
                    print(f"{f['path']}[{obj['index']}] {v['message']}")
                for n in obj["notes"]:
                    notes += 1
                    print(f"{f['path']}[{obj['index']}] note: {n['message']}")
        objects = sum(len(f["objects"]) for f in files)
        newer = ", ".join(versions.versions[1:]) or "none"
        print(
            f"{objects} objects in {len(files)} files: "
            + ("all valid" if valid else f"{count} violations")
            + (f", {notes} notes" if notes else "")
            + f" (Stripe API {spec.api_version}; newer specs on hand: {newer}"
            + (", --strict" if args.strict else "")
            + ")"
        )
    return EXIT_OK if valid else EXIT_VIOLATIONS


def _upgrade_check(args: argparse.Namespace) -> int:
    from stripe_contracts._payload_files import documents_and_calls
    from stripe_contracts.spec import BUILTIN_SPEC, load_spec
    from stripe_contracts.upgrade import upgrade_check

    source = load_spec(args.from_spec and [args.from_spec], front_end="cli")
    target = load_spec([args.to_spec or BUILTIN_SPEC], front_end="cli")
    documents, calls = documents_and_calls(args.paths, purpose="check")
    report = upgrade_check(source, target, documents, calls)
    if args.format == "json":
        print(json.dumps(report.as_dict(), indent=2, sort_keys=True))
    else:
        _print_upgrade_report(report)
    return EXIT_VIOLATIONS if report.breaks else EXIT_OK


def _print_upgrade_report(report: Any) -> None:
    heading = f"Stripe API {report.source} -> {report.target}"
    if not report.findings:
        print(f"{heading}: nothing breaks in {report.objects} objects of {report.documents} files")
        return
    owner = None
    for f in report.findings:
        if f.object != owner:
            owner = f.object
            print(owner)
        change = f"{f.change} -> {f.moved_to}" if f.moved_to else f.change
        detail = f" ({f.detail})" if f.detail else ""
        files = "file" if len(f.files) == 1 else "files"
        print(f"  {f.field}: {change}{detail}; {f.occurrences} times in {len(f.files)} {files}")
        if f.see:
            print(f"      see {f.see}")
    print(
        f"{heading}: {len(report.findings)} fields break in {report.objects} objects of "
        f"{report.documents} files"
    )


def _progress_bar() -> Callable[[int, int, str], None]:
    """Progress on stderr: a redrawn bar on a terminal, one line per step otherwise."""
    interactive = sys.stderr.isatty()

    def show(done: int, total: int, name: str) -> None:
        if interactive:
            filled = round(30 * done / total)
            bar = "#" * filled + "-" * (30 - filled)
            end = "\n" if done == total else ""
            print(f"\r[{bar}] {done}/{total} {name:<28}", end=end, file=sys.stderr, flush=True)
        else:
            print(f"[{done}/{total}] {name}", file=sys.stderr, flush=True)

    return show


def _flow_names() -> list[str]:
    from stripe_contracts.scenarios import FLOWS

    return list(FLOWS)


def _generate(args: argparse.Namespace) -> int:
    from stripe_contracts.export import all_bundles, bundle_files, flow_files, write_bundle
    from stripe_contracts.graph.builder import GraphBuilder
    from stripe_contracts.scenarios import FLOWS, run_flow
    from stripe_contracts.scenarios.files import load_catalog

    if args.all:
        if args.catalog:
            raise StripeContractsError(
                "--catalog applies to one SCENARIO or --scenario-file, not --all",
                hint="drop --catalog, or generate each scenario with its own --out",
            )
        if args.scenario:
            raise StripeContractsError(
                f"--all generates every scenario; it does not take SCENARIO ({args.scenario!r})",
                hint="drop SCENARIO, or drop --all",
            )
        spec = spec_from_args(args)
        files = all_bundles(
            spec,
            seed=args.seed,
            settings=settings_from_args(args) or None,
            webhook_secret=args.webhook_secret,
            encoding=args.encoding,
            progress=_progress_bar(),
            skip_unsupported=args.skip_unsupported,
        )
        write_bundle(files, args.out, force=args.force)
        for entry in json.loads(files["index.json"])["bundles"]:
            if entry["bundle"] is None:
                print(f"skipped {entry['scenario']}: {entry['skipped']}", file=sys.stderr)
        print(f"wrote {len(files)} files to {args.out} (Stripe API {spec.api_version})")
        return EXIT_OK
    if args.scenario_file:
        return _generate_from_file(args)
    if not args.scenario:
        raise StripeContractsError(
            "generate needs SCENARIO, --scenario-file FILE or --all",
            hint="stripe-contracts scenarios lists the names",
        )
    if args.scenario != "subscription" and args.scenario not in FLOWS:
        raise StripeContractsError(
            f"unknown scenario {args.scenario!r}",
            hint="choose 'subscription' or one of: "
            + ", ".join(FLOWS)
            + " (stripe-contracts scenarios lists them)",
        )
    if args.catalog and args.currency:
        raise StripeContractsError(
            f"--currency {args.currency} does not apply with --catalog {args.catalog}: the "
            "catalog's prices carry their own currency",
            hint="drop --currency, or give the catalog prices in that currency",
        )
    catalog = load_catalog(args.catalog) if args.catalog else None  # checked before the spec
    spec = spec_from_args(args)
    settings = settings_from_args(args)
    params: dict[str, Any] = {
        "status": args.status,
        "currency": args.currency,
        "collection_method": args.collection_method,
        "trial_days": args.trial_days,
        "expand": list(args.expand),
    }
    if settings:
        params["settings"] = settings  # what the manifest records, as given
    if args.catalog:
        params["catalog"] = args.catalog.name
    if args.scenario == "subscription":
        builder = GraphBuilder(spec=spec, seed=args.seed, catalog=catalog)
        graph = builder.subscription(**{k: v for k, v in params.items() if k != "catalog"})
        files = bundle_files(
            graph,
            scenario=args.scenario,
            params=params,
            webhook_secret=args.webhook_secret,
            encoding=args.encoding,
        )
    else:
        if args.status != "active":
            raise StripeContractsError(
                f"--status applies to the 'subscription' scenario, not {args.scenario!r}",
                hint="a flow decides its own statuses; drop --status",
            )
        options = {
            k: v
            for k, v in params.items()
            if k in ("currency", "collection_method", "trial_days", "settings") and v is not None
        }
        recorded = {"catalog": args.catalog.name} if args.catalog else {}
        files = flow_files(
            run_flow(args.scenario, spec, seed=args.seed, catalog=args.catalog, **options),
            params={**options, **recorded, "expand": list(args.expand)},  # the manifest's
            expand=args.expand,
            webhook_secret=args.webhook_secret,
            encoding=args.encoding,
        )
    return _write_bundle(files, args, spec)


def _write_bundle(files: dict[str, bytes], args: argparse.Namespace, spec: Spec) -> int:
    from stripe_contracts.export import write_bundle

    write_bundle(files, args.out, force=args.force)
    print(f"wrote {len(files)} files to {args.out} (Stripe API {spec.api_version})")
    return EXIT_OK


def _generate_from_file(args: argparse.Namespace) -> int:
    from stripe_contracts.export import flow_files
    from stripe_contracts.scenarios.files import load_scenario_file, run_scenario_file

    if args.scenario or args.all:
        raise StripeContractsError(
            "--scenario-file replaces SCENARIO and --all", hint="give one of them"
        )
    scenario_file = load_scenario_file(args.scenario_file, catalog=args.catalog)
    spec = spec_from_args(args)
    scenario = run_scenario_file(scenario_file, spec, seed=args.seed)
    files = flow_files(
        scenario,
        params={"scenario_file": args.scenario_file.name},
        webhook_secret=args.webhook_secret,
        encoding=args.encoding,
    )
    return _write_bundle(files, args, spec)


def _run_scenario(args: argparse.Namespace) -> int:
    from stripe_contracts.scenarios.files import StepExpectationFailed, load_scenario_file
    from stripe_contracts.webhooks.delivery import check_loopback_url
    from stripe_contracts.webhooks.scenario_run import run_against_app

    check_loopback_url(args.deliver_to)
    scenario_file = load_scenario_file(args.file, catalog=args.catalog)
    spec = spec_from_args(args)
    try:
        run = run_against_app(
            scenario_file,
            spec,
            deliver_to=args.deliver_to,
            secret=args.webhook_secret,
            seed=args.seed,
            timeout=args.timeout,
        )
    except StepExpectationFailed as exc:
        print(f"FAILED {one_line(exc.message)}")
        if exc.hint:
            print(f"  hint: {one_line(exc.hint)}")
        return EXIT_VIOLATIONS
    for step in run.steps:
        sent = ", ".join(d.event_type for d in step.deliveries)
        print(f"step {step.number} ({step.verb}): ok" + (f", delivered {sent}" if sent else ""))
    events = sum(len(s.deliveries) for s in run.steps)
    print(
        f"passed: {len(run.steps)} steps, {events} events delivered to {args.deliver_to} "
        f"(Stripe API {spec.api_version})"
    )
    return EXIT_OK


def _scenarios(args: argparse.Namespace) -> int:
    from stripe_contracts.scenarios import FLOWS

    common = [
        "--seed",
        "--spec",
        "--api-version",
        "--currency",
        "--webhook-secret",
        "--expand",
        "--out",
        "--force",
        *SETTINGS_OPTIONS.values(),
    ]
    rows = [
        {
            "name": "subscription",
            "description": "One subscription in the given status, no events.",
            "events": False,
            "options": ["--status", "--collection-method", "--trial-days", *common],
        }
    ]
    for flow in FLOWS.values():
        options = [*common, "--collection-method"] + (
            ["--trial-days"] if flow.trial_days is not None else []
        )
        rows.append(
            {"name": flow.name, "description": flow.description, "events": True, "options": options}
        )
    if args.format == "json":
        from stripe_contracts.graph.settings import DEFAULT_SETTINGS

        defaults = DEFAULT_SETTINGS.as_dict()
        settings = [
            {"option": option, "setting": field, "default": defaults[field]}
            for field, option in SETTINGS_OPTIONS.items()
        ]
        print(json.dumps({"scenarios": rows, "settings": settings}, indent=2))
    else:
        width = max(len(str(r["name"])) for r in rows)
        for row in rows:
            print(f"{row['name']:<{width}}  {row['description']}")
    return EXIT_OK


def _specs(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from stripe_contracts.spec import specs_on_hand

    rows = [asdict(row) for row in specs_on_hand(args.spec, front_end="cli")]
    if args.format == "json":
        print(json.dumps(rows, indent=2))
        return EXIT_OK
    cells = [(r["api_version"] or "(not downloaded)", r["source"], r["path"]) for r in rows]
    widths = [max((len(c[i]) for c in cells), default=0) for i in range(2)]
    for version, source, path in cells:
        print(f"{version:<{widths[0]}}  {source:<{widths[1]}}  {path}")
    return EXIT_OK


def _sign(args: argparse.Namespace) -> int:
    import time

    from stripe_contracts.webhooks import sign_payload

    payload = _read_bytes(args.file)
    timestamp = int(time.time()) if args.timestamp is None else args.timestamp
    print(sign_payload(payload, args.secret, timestamp))
    return EXIT_OK


def _verify(args: argparse.Namespace) -> int:
    import time

    from stripe_contracts.webhooks import SignatureVerificationError, verify_signature

    payload = _read_bytes(args.file)
    now = int(time.time()) if args.now is None else args.now
    try:
        timestamp = verify_signature(
            payload, args.header, args.secret, now=now, tolerance=args.tolerance
        )
    except SignatureVerificationError as exc:
        print(f"invalid: {exc}")
        return EXIT_VIOLATIONS
    print(f"valid: signed at {timestamp}")
    return EXIT_OK


def _read_bytes(path: Path) -> bytes:
    """A payload file: a regular file of at most 16 MiB (never /dev/zero, a FIFO, ...)."""
    from stripe_contracts._files import MAX_PAYLOAD_BYTES, read_regular_file

    return read_regular_file(path, limit=MAX_PAYLOAD_BYTES)


def _check_file(path: Path, spec: VersionSet, strict: bool) -> dict[str, Any]:
    data = read_json(path)
    objects = data if isinstance(data, list) else [data]
    return {
        "path": str(path),
        "objects": [_check_object(i, o, spec, strict) for i, o in enumerate(objects)],
    }


def _check_object(index: int, obj: Any, spec: VersionSet, strict: bool) -> dict[str, Any]:
    ident = obj.get("id") if isinstance(obj, dict) else None
    kind = obj.get("object") if isinstance(obj, dict) else None
    notes: list[dict[str, Any]] = []
    try:
        found = validate(obj, spec, strict=strict)
        violations = [v.as_dict() for v in found if v.severity != "note"]
        notes = [
            {"pointer": v.pointer, "rule": v.rule, "message": v.message, "added_in": v.added_in}
            for v in found
            if v.severity == "note"
        ]
    except StripeContractsError as exc:
        violations = [
            {
                "pointer": "/object",
                "rule": "object-type",
                "message": exc.message,
                "severity": "error",
            }
        ]
    return {"index": index, "id": ident, "object": kind, "violations": violations, "notes": notes}
