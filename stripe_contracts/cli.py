"""The `stripe-contracts` command: thin argument handling over the library's pure functions."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from stripe_contracts.errors import StripeContractsError, UnknownObjectType
from stripe_contracts.spec import Spec, load_spec
from stripe_contracts.validation import validate

EXIT_OK, EXIT_VIOLATIONS, EXIT_USAGE = 0, 1, 2
Handler = Callable[[argparse.Namespace], int]


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except StripeContractsError as exc:
        print(f"stripe-contracts: error: {exc}", file=sys.stderr)
        return EXIT_USAGE


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="stripe-contracts",
        description="Contract-check Stripe objects and generate consistent Stripe fixtures.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    check = commands.add_parser(
        "validate",
        help="check Stripe objects in JSON files against Stripe's OpenAPI spec",
        description="Check each Stripe object in the given JSON files (one object or a list "
        "per file; directories are searched for *.json) against the spec. Writes nothing; "
        "prints violations. Exit 0 when all are valid, 1 on any violation, 2 on unreadable "
        "input or spec.",
    )
    _add_spec_options(check)
    check.add_argument(
        "--no-strict",
        dest="strict",
        action="store_false",
        help="allow properties the spec does not define",
    )
    check.add_argument("--format", choices=("text", "json"), default="text")
    check.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    check.set_defaults(handler=_validate)

    generate = commands.add_parser(
        "generate",
        help="write a bundle of consistent Stripe objects (JSON files + manifest.json)",
        description="Build a scenario and write DIR/manifest.json plus one JSON file per "
        "object under DIR/objects/, each exactly what the API returns for it. Output is "
        "byte-for-byte the same for the same spec, seed and options. DIR must not exist or "
        "be empty unless --force.",
    )
    generate.add_argument("scenario", choices=("subscription",), help="what to build")
    _add_spec_options(generate)
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
    generate.add_argument("--out", type=Path, required=True, metavar="DIR")
    generate.add_argument("--force", action="store_true", help="replace a non-empty DIR")
    generate.set_defaults(handler=_generate)
    from stripe_contracts.cassettes.cli import add_commands as add_cassette_commands

    add_cassette_commands(commands)
    return parser


def _add_spec_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--spec",
        action="append",
        type=Path,
        metavar="PATH",
        help="OpenAPI spec file or directory; repeat to layer documents (default: "
        "$STRIPE_CONTRACTS_SPEC, then ./schemas/)",
    )
    parser.add_argument("--api-version", help="Stripe API version to pick from a directory")


def spec_from_args(args: argparse.Namespace) -> Spec:
    return load_spec(args.spec, api_version=args.api_version)


def _validate(args: argparse.Namespace) -> int:
    spec = spec_from_args(args)
    files = [_check_file(path, spec, args.strict) for path in _json_files(args.paths)]
    valid = all(not obj["violations"] for f in files for obj in f["objects"])
    if args.format == "json":
        report = {"valid": valid, "api_version": spec.api_version, "files": files}
        print(json.dumps(report, indent=2, sort_keys=True))
    else:
        count = 0
        for f in files:
            for obj in f["objects"]:
                for v in obj["violations"]:
                    count += 1
                    print(f"{f['path']}[{obj['index']}] {v['message']}")
        objects = sum(len(f["objects"]) for f in files)
        print(
            f"{objects} objects in {len(files)} files: "
            + ("all valid" if valid else f"{count} violations")
            + f" (Stripe API {spec.api_version})"
        )
    return EXIT_OK if valid else EXIT_VIOLATIONS


def _generate(args: argparse.Namespace) -> int:
    from stripe_contracts.export import bundle_files, write_bundle
    from stripe_contracts.graph.builder import GraphBuilder

    spec = spec_from_args(args)
    params: dict[str, Any] = {
        "status": args.status,
        "currency": args.currency,
        "collection_method": args.collection_method,
        "trial_days": args.trial_days,
        "expand": list(args.expand),
    }
    graph = GraphBuilder(spec=spec, seed=args.seed).subscription(**params)
    files = bundle_files(graph, scenario=args.scenario, params=params)
    write_bundle(files, args.out, force=args.force)
    print(f"wrote {len(files)} files to {args.out} (Stripe API {spec.api_version})")
    return EXIT_OK


def _json_files(paths: Sequence[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*.json") if p.is_file()))
        elif path.is_file():
            found.append(path)
        else:
            raise StripeContractsError(
                f"{path}: no such file or directory",
                hint="pass JSON files or directories holding them",
            )
    return found


def _check_file(path: Path, spec: Spec, strict: bool) -> dict[str, Any]:
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise StripeContractsError(
            f"{path}: cannot read JSON: {exc}",
            hint="each file must hold one Stripe object or a list",
        ) from None
    objects = data if isinstance(data, list) else [data]
    return {
        "path": str(path),
        "objects": [_check_object(i, o, spec, strict) for i, o in enumerate(objects)],
    }


def _check_object(index: int, obj: Any, spec: Spec, strict: bool) -> dict[str, Any]:
    ident = obj.get("id") if isinstance(obj, dict) else None
    kind = obj.get("object") if isinstance(obj, dict) else None
    try:
        violations = [v.as_dict() for v in validate(obj, spec, strict=strict)]
    except (UnknownObjectType, StripeContractsError) as exc:
        violations = [
            {
                "pointer": "/object",
                "rule": "object-type",
                "message": exc.message,
                "severity": "error",
            }
        ]
    return {"index": index, "id": ident, "object": kind, "violations": violations}
