"""Cassette files: read vcrpy's format without vcrpy, write any file atomically.

A cassette is YAML or JSON holding ``{"interactions": [{"request": ..., "response": ...}],
"version": 1}``, as vcrpy writes it. Reading it here keeps the contract checker (and anything
else that only inspects cassettes) free of vcrpy; writing goes through `write_atomic`, so a
crash or a failing test never leaves half a file behind.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from stripe_contracts import _yaml
from stripe_contracts._files import write_atomic
from stripe_contracts._json import load_json
from stripe_contracts.errors import StripeContractsError

__all__ = [
    "SUFFIXES",
    "CassetteError",
    "Interaction",
    "NotACassette",
    "RecordedRequest",
    "RecordedResponse",
    "cassette_path",
    "header",
    "read_cassette",
    "write_atomic",
]

Headers = Mapping[str, Any]  # name -> value, or name -> [values] as vcrpy stores them
SUFFIXES = (".yaml", ".yml", ".json")


class CassetteError(StripeContractsError):
    """A cassette that cannot be read, or that must not be written."""

    @classmethod
    def unreadable(cls, path: str | os.PathLike[str], reason: str) -> CassetteError:
        return cls(
            f"cannot read cassette {path}: {reason}",
            hint="a cassette is the YAML or JSON file vcrpy writes; record it again if it was "
            "edited by hand or truncated",
        )

    @classmethod
    def malformed(cls, path: str | os.PathLike[str], where: str, problem: str) -> CassetteError:
        return cls(
            f"cassette {path} at {where}: {problem}",
            hint="each interaction needs request {method, uri, headers, body} and response "
            "{status: {code}, headers, body: {string}}",
        )

    @classmethod
    def not_a_cassette(cls, path: str | os.PathLike[str]) -> CassetteError:
        return NotACassette(
            f"{path} is not a cassette (no `interactions` list)",
            hint="cassettes are the YAML or JSON files vcrpy writes: "
            '{"interactions": [...], "version": 1}',
        )

    @classmethod
    def bad_name(cls, name: str) -> CassetteError:
        return cls(
            f"cassette name {name!r} must be a relative path inside the cassette directory",
            hint='use a name like "signup" or "billing/renewal" (no leading "/", no "..")',
        )

    @classmethod
    def exists(cls, path: str | os.PathLike[str], record_mode: str) -> CassetteError:
        return cls(
            f"cassette {path} already exists; record mode {record_mode!r} never overwrites a "
            "cassette, so the new recording was not saved",
            hint="delete the file to record it again, or use --stripe-record-mode=new_episodes "
            "(add requests) or =all (re-record)",
        )


class NotACassette(CassetteError):
    """A readable YAML or JSON file that holds no cassette (e.g. notes beside cassettes)."""


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    uri: str
    headers: Headers
    body: str | bytes | None


@dataclass(frozen=True)
class RecordedResponse:
    status: int
    headers: Headers
    body: str | bytes | None


@dataclass(frozen=True)
class Interaction:
    index: int
    request: RecordedRequest
    response: RecordedResponse


def cassette_path(directory: str | os.PathLike[str], name: str | None, *, nodeid: str) -> Path:
    """Where the cassette `name` lives (`.yaml` added unless it has a cassette suffix).

    Without a name, the test's node id names it: `tests/test_billing.py::test_signup[eur]`
    gives `<directory>/tests/test_billing/test_signup[eur].yaml`.
    """
    if name is None:
        module, _, rest = nodeid.partition("::")
        name = module.removesuffix(".py") + "/" + rest.replace("::", ".")
        name = re.sub(r"[^\w./\[\]-]", "_", name)
    relative = PurePosixPath(name)
    if not name or relative.is_absolute() or ".." in relative.parts or "\\" in name:
        raise CassetteError.bad_name(name)
    if relative.suffix not in SUFFIXES:
        relative = relative.with_name(relative.name + ".yaml")
    return Path(directory, *relative.parts)


def header(headers: Headers, name: str) -> str | None:
    """The first value of header `name` (case-insensitive), or None."""
    wanted = name.lower()
    for key, value in headers.items():
        if str(key).lower() == wanted:
            if isinstance(value, list | tuple):
                return str(value[0]) if value else None
            return None if value is None else str(value)
    return None


def read_cassette(path: str | os.PathLike[str]) -> list[Interaction]:
    """The interactions of the cassette at `path`; `CassetteError` if it cannot be read."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CassetteError.unreadable(path, str(exc)) from None
    try:
        is_json = Path(path).suffix.lower() == ".json"
        data = load_json(text) if is_json else _yaml.load(text)  # no aliases: see _yaml
    except (ValueError, yaml.YAMLError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise CassetteError.unreadable(path, f"not valid YAML/JSON ({reason})") from None
    if not isinstance(data, dict) or "interactions" not in data:
        raise CassetteError.not_a_cassette(path)
    if not isinstance(data["interactions"], list):
        raise CassetteError.malformed(path, "/interactions", "must be a list")
    return [_interaction(path, i, item) for i, item in enumerate(data["interactions"])]


def _interaction(path: str | os.PathLike[str], index: int, item: Any) -> Interaction:
    where = f"/interactions/{index}"
    if not isinstance(item, dict):
        raise CassetteError.malformed(path, where, "an interaction must be a mapping")
    request, response = item.get("request"), item.get("response")
    if not isinstance(request, dict) or not isinstance(response, dict):
        raise CassetteError.malformed(path, where, "needs a `request` and a `response` mapping")
    method, uri = request.get("method"), request.get("uri")
    if not isinstance(method, str) or not isinstance(uri, str):
        raise CassetteError.malformed(path, f"{where}/request", "needs `method` and `uri`")
    status = response.get("status")
    code = status.get("code") if isinstance(status, dict) else None
    if not isinstance(code, int):
        raise CassetteError.malformed(path, f"{where}/response/status", "needs an integer `code`")
    body = response.get("body")
    return Interaction(
        index=index,
        request=RecordedRequest(
            method=method.upper(),
            uri=uri,
            headers=_headers(path, f"{where}/request/headers", request.get("headers")),
            body=_body(path, f"{where}/request/body", request.get("body")),
        ),
        response=RecordedResponse(
            status=code,
            headers=_headers(path, f"{where}/response/headers", response.get("headers")),
            body=_body(
                path,
                f"{where}/response/body",
                body.get("string") if isinstance(body, dict) else body,
            ),
        ),
    )


def _headers(path: str | os.PathLike[str], where: str, value: Any) -> Headers:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise CassetteError.malformed(path, where, "headers must be a mapping")
    return value


def _body(path: str | os.PathLike[str], where: str, value: Any) -> str | bytes | None:
    if value is None or isinstance(value, str | bytes):
        return value
    raise CassetteError.malformed(path, where, f"a body must be text, got {type(value).__name__}")
