"""The files a checking command reads: JSON objects, bundles and cassettes named or found in
directories. One place, so `validate` and `upgrade-check` find the same files."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from stripe_contracts._json import JsonRefused, load_json
from stripe_contracts.errors import StripeContractsError

if TYPE_CHECKING:
    from stripe_contracts.cassettes.files import Interaction

JSON = Any
CASSETTE_SUFFIXES = (".yaml", ".yml")


def json_files(paths: Sequence[Path], *, purpose: str = "validate") -> list[Path]:
    """The files named, and every *.json under the directories named except the bundle
    metadata `generate` writes beside the objects (manifest.json, --all's index.json)."""
    return _files(paths, (".json",), purpose)


def payload_files(paths: Sequence[Path], *, purpose: str) -> list[Path]:
    """As `json_files`, and cassettes (*.yaml, *.yml) under the directories too."""
    return _files(paths, (".json", *CASSETTE_SUFFIXES), purpose)


@dataclass(frozen=True)
class Payload:
    """A file's Stripe payloads: its JSON (a cassette's: the list of its JSON response bodies)
    and, for a cassette, the requests it recorded as (method, path, parameters)."""

    name: str
    data: JSON
    requests: tuple[tuple[str, str, dict[str, JSON]], ...] = ()


def read_payloads(paths: Sequence[Path], *, purpose: str) -> Iterator[Payload]:
    """The payloads of every file in `paths`: a JSON file as it is, a cassette (YAML, or JSON
    holding `interactions`) as its response bodies and request parameters."""
    from stripe_contracts.cassettes.files import read_cassette

    for path in payload_files(paths, purpose=purpose):
        if path.suffix.lower() not in CASSETTE_SUFFIXES:
            data = read_json(path)
            if not (isinstance(data, dict) and isinstance(data.get("interactions"), list)):
                yield Payload(str(path), data)
                continue
        interactions = read_cassette(path)
        yield Payload(
            str(path), _response_bodies(path, interactions), _requests(path, interactions)
        )


def documents_and_calls(
    paths: Sequence[Path], *, purpose: str
) -> tuple[list[tuple[str, JSON]], list[tuple[str, str, str, dict[str, JSON]]]]:
    """Every payload in `paths` as (file name, JSON), and every recorded request as (file
    name, method, path, parameters): what `upgrade_check` reads."""
    documents: list[tuple[str, JSON]] = []
    calls: list[tuple[str, str, str, dict[str, JSON]]] = []
    for payload in read_payloads(paths, purpose=purpose):
        documents.append((payload.name, payload.data))
        calls.extend((payload.name, *request) for request in payload.requests)
    return documents, calls


def _requests(
    path: Path, interactions: list[Interaction]
) -> tuple[tuple[str, str, dict[str, JSON]], ...]:
    from stripe_contracts.cassettes.contract import recorded_parameters

    found = []
    for interaction in interactions:
        request = interaction.request
        try:
            params = recorded_parameters(request)
        except StripeContractsError as exc:
            raise StripeContractsError(
                f"{path}: interaction {interaction.index}: request: {exc.message}",
                hint="record the cassette again, or leave this file out",
            ) from None
        found.append((request.method, urlsplit(request.uri).path, params))
    return tuple(found)


def read_json(path: Path) -> JSON:
    try:
        return load_json(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise StripeContractsError(
            f"{path}: cannot read JSON: {exc}",
            hint="each file must hold one Stripe object or a list",
        ) from None


def _response_bodies(path: Path, interactions: list[Interaction]) -> list[JSON]:
    bodies = []
    for interaction in interactions:
        body = interaction.response.body
        try:
            bodies.append(load_json(body) if body else None)
        except JsonRefused as exc:
            raise StripeContractsError(
                f"{path}: interaction {interaction.index}: response body: {exc}",
                hint="record the cassette again, or leave this file out",
            ) from None
        except ValueError:
            continue  # not a JSON body (an HTML error page): no Stripe objects in it
    return bodies


def _files(paths: Sequence[Path], suffixes: Sequence[str], purpose: str) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            inside = sorted(p for p in path.rglob("*") if p.suffix in suffixes and p.is_file())
            found.extend(p for p in inside if not _is_bundle_metadata(p))
            if not inside:
                kinds = ", ".join(f"*{suffix}" for suffix in suffixes)
                raise StripeContractsError(
                    f"{path}: no {kinds} files in this directory, so nothing to {purpose}",
                    hint="pass JSON files of Stripe objects, or a directory holding them "
                    "(e.g. a bundle written by `stripe-contracts generate`)",
                )
        elif path.is_file():
            found.append(path)
        else:
            raise StripeContractsError(
                f"{path}: no such file or directory",
                hint="pass JSON files or directories holding them",
            )
    return found


def _is_bundle_metadata(path: Path) -> bool:
    from stripe_contracts.export import MANIFEST_FORMAT

    if path.name not in ("manifest.json", "index.json"):
        return False
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return False  # reported as unreadable when it is checked
    if not isinstance(data, dict) or "object" in data:
        return False
    return data.get("format") == MANIFEST_FORMAT or isinstance(data.get("bundles"), list)
