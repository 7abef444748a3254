"""`stripe-contracts cassette ...`: thin argument handling over `cassettes.contract`."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from stripe_contracts._cli_options import (
    add_settings_options,
    add_spec_options,
    add_version_options,
    settings_from_args,
    spec_from_args,
)
from stripe_contracts.errors import SpecError, StripeContractsError, one_line

if TYPE_CHECKING:
    from stripe_contracts.spec import Spec

__all__ = ["add_commands"]

EXIT_OK, EXIT_VIOLATIONS, EXIT_UNCHECKED = 0, 1, 2
_SUFFIXES = (".yaml", ".yml", ".json")


def add_commands(subparsers: Any) -> None:
    """Add the `cassette` command group to the main parser's subparsers."""
    cassette = subparsers.add_parser(
        "cassette",
        help="work with recorded Stripe cassettes (vcrpy YAML/JSON)",
        description="Commands for cassettes recorded by the stripe_cassette fixture.",
    )
    actions = cassette.add_subparsers(dest="cassette_command", required=True, metavar="ACTION")
    check = actions.add_parser(
        "check",
        help="contract-check every recorded request and response against Stripe's spec",
        description="Match each recorded interaction to its Stripe API operation and check "
        "its query/form parameters and its response body against the spec of the API version "
        "in its Stripe-Version header. Writes nothing. Exit 0 when all are valid, 1 on any "
        "violation, 2 when a cassette or spec cannot be read or no loaded spec is for a "
        "recorded API version. Response fields only a newer spec on hand defines are notes "
        "(see --newer-spec; --strict makes them violations; notes alone exit 0); events in "
        "responses are checked through (data.object, previous_attributes keys).",
    )
    check.add_argument(
        "paths",
        nargs="+",
        type=Path,
        metavar="PATH",
        help="cassette files, or directories searched for *.yaml, *.yml and *.json",
    )
    check.add_argument(
        "--spec",
        action="append",
        type=Path,
        metavar="PATH",
        help="Stripe OpenAPI spec file or directory; repeat for several API versions - each "
        "interaction is checked against the one its Stripe-Version names (default: "
        "$STRIPE_CONTRACTS_SPEC, then ./schemas/)",
    )
    add_version_options(check)
    check.add_argument("--format", choices=("text", "json"), default="text")
    check.set_defaults(handler=_check)

    synthesize = actions.add_parser(
        "synthesize",
        help="write the cassette a typical integration would record for a scenario",
        description="Run SCENARIO offline and write, as a vcrpy cassette, the API calls a "
        "typical integration makes for it (create customer, attach payment method, create "
        "subscription with expand=latest_invoice.payment_intent, retrieve the invoice, list "
        "active entitlements, cancel, ...) with responses from the scenario. Writes FILE "
        "atomically; an existing FILE is replaced only with --force.",
    )
    synthesize.add_argument("scenario", metavar="SCENARIO", nargs="?")
    synthesize.add_argument(
        "--scenario-file",
        type=Path,
        metavar="FILE",
        help="your own scenario file instead of SCENARIO (its customer, catalog and steps)",
    )
    synthesize.add_argument(
        "--catalog",
        type=Path,
        metavar="FILE",
        help="your catalog file: a named SCENARIO bills its prices (see `generate --help`); "
        "with --scenario-file it replaces the file's `catalog:` key",
    )
    add_spec_options(synthesize)
    add_settings_options(synthesize)
    synthesize.add_argument("--seed", type=int, default=0)
    synthesize.add_argument(
        "--out",
        type=Path,
        required=True,
        metavar="FILE",
        help="cassette path (.yaml, or .json for JSON)",
    )
    synthesize.add_argument("--force", action="store_true", help="replace an existing FILE")
    synthesize.set_defaults(handler=_synthesize)


def _synthesize(args: argparse.Namespace) -> int:
    from stripe_contracts.cassettes.synthesize import synthesize, write_cassette

    spec = spec_from_args(args)
    if args.scenario_file:
        from stripe_contracts.cassettes.synthesize import cassette_for
        from stripe_contracts.scenarios.files import load_scenario_file, run_scenario_file

        if args.scenario:
            raise StripeContractsError("--scenario-file replaces SCENARIO", hint="give one of them")
        scenario_file = load_scenario_file(args.scenario_file, catalog=args.catalog)
        scenario = run_scenario_file(scenario_file, spec, seed=args.seed)
        cassette = cassette_for(scenario, scenario_file=args.scenario_file.name)
    elif not args.scenario:
        raise StripeContractsError(
            "cassette synthesize needs SCENARIO or --scenario-file FILE",
            hint="stripe-contracts scenarios lists the names",
        )
    else:
        settings = settings_from_args(args) or None
        cassette = synthesize(
            args.scenario, spec, seed=args.seed, settings=settings, catalog=args.catalog
        )
    write_cassette(cassette, args.out, force=args.force)
    count = len(cassette["interactions"])
    print(f"wrote {count} interactions to {args.out} (Stripe API {spec.api_version})")
    return EXIT_OK


def _check(args: argparse.Namespace) -> int:
    from stripe_contracts.cassettes.contract import check_interactions, format_text
    from stripe_contracts.cassettes.files import CassetteError, NotACassette, header, read_cassette

    # A file named on the command line must be a cassette. Among the files of a directory,
    # one that is not a cassette is skipped with a note, and one that cannot be read is
    # reported and makes the exit code 2; either way the others are still checked.
    cassettes: dict[Path, Any] = {}
    unreadable: list[str] = []
    for path, named in _cassette_files(args.paths):
        try:
            cassettes[path] = read_cassette(path)
        except NotACassette as exc:
            if named:
                raise
            print(f"stripe-contracts: skipped {exc.message}", file=sys.stderr)
        except CassetteError as exc:
            if named:
                raise
            print(f"stripe-contracts: error: {one_line(exc.message)}", file=sys.stderr)
            unreadable.append(str(path))
    if not cassettes and not unreadable:
        raise StripeContractsError(
            "no cassettes found in " + ", ".join(map(str, args.paths)),
            hint="cassettes are *.yaml, *.yml or *.json files written by the stripe_cassette "
            "fixture",
        )
    versions = {
        header(i.request.headers, "Stripe-Version") for items in cassettes.values() for i in items
    }
    from stripe_contracts.spec import VersionSet

    loaded = _load_specs(args.spec, {v.split(";")[0].strip() for v in versions if v})
    specs = [
        VersionSet.on_hand(s, sources=args.spec, newer=_newer_than(s, args.newer_spec))
        for s in loaded
    ]
    reports = [
        check_interactions(items, specs, path=str(path), strict=args.strict)
        for path, items in cassettes.items()
    ]
    if args.format == "json":
        report = {
            "valid": all(r.valid for r in reports) and not unreadable,
            "specs": [s.pinned.api_version for s in specs],
            "cassettes": [r.as_dict() for r in reports],
            "unreadable": unreadable,
        }
        print(json.dumps(report, indent=2, sort_keys=True))
    else:
        print(format_text(reports))
    if unreadable or any(r.unchecked for r in reports):
        return EXIT_UNCHECKED
    return EXIT_VIOLATIONS if any(r.errors for r in reports) else EXIT_OK


def _newer_than(spec: Spec, paths: Sequence[Path]) -> list[Path]:
    """The --newer-spec files newer than `spec` (several pinned specs may be loaded at once)."""
    from stripe_contracts.spec import version_date
    from stripe_contracts.spec._documents import read_document

    pinned = version_date(spec.api_version)
    return [
        p for p in paths if version_date(read_document(p, front_end="cli").api_version) > pinned
    ]


def _cassette_files(paths: Sequence[Path]) -> list[tuple[Path, bool]]:
    """Each cassette file, and whether it was named itself (not found in a directory)."""
    found: list[tuple[Path, bool]] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                (p, False) for p in sorted(path.rglob("*")) if p.suffix in _SUFFIXES and p.is_file()
            )
        elif path.is_file():
            found.append((path, True))
        else:
            raise StripeContractsError(
                f"{path}: no such file or directory",
                hint="pass cassette files or directories holding them",
            )
    if not found:
        raise StripeContractsError(
            "no cassettes found in " + ", ".join(map(str, paths)),
            hint="cassettes are *.yaml, *.yml or *.json files written by the stripe_cassette "
            "fixture",
        )
    return found


def _load_specs(sources: Sequence[Path] | None, versions: set[str]) -> list[Spec]:
    """One spec per full --spec file, with every excerpt given (e.g. the entitlements one)
    layered over it; from a directory (or the default sources) the spec of each recorded
    version it holds, else its newest."""
    from stripe_contracts.spec import is_excerpt, load_spec

    specs: dict[str, Spec] = {}
    defaults: list[Path | None] = [None]
    excerpts = [s for s in sources or () if s.is_file() and is_excerpt(s)]
    if sources and len(excerpts) == len(sources):  # only excerpts: layered alone
        return [load_spec(list(sources), front_end="cli")]
    for source in sources or defaults:
        if source in excerpts:
            continue
        if source is not None and not source.is_dir():
            spec = load_spec([source, *excerpts], front_end="cli")
            specs.setdefault(spec.key, spec)
            continue
        loaded = False
        for version in sorted(versions):
            try:
                spec = load_spec(source, api_version=version, front_end="cli")
            except SpecError:
                continue
            specs.setdefault(spec.key, spec)
            loaded = True
        if not loaded:
            spec = load_spec(source, front_end="cli")
            specs.setdefault(spec.key, spec)
    return list(specs.values())
