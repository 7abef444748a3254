"""Find the spec to use: explicit sources, `STRIPE_CONTRACTS_SPEC`, `schemas/`, pinned download,
and last the spec built into the package (`builtin/`, xz-compressed, with Stripe's licence).

A directory may hold several specs: the full spec whose `info.version` matches the requested
API version is the base (the newest one when no version is asked for) and every excerpt in the
directory (a document with fewer than `EXCERPT_MAX_SCHEMAS` schemas) is layered over it.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from stripe_contracts._files import write_atomic
from stripe_contracts._json import load_json
from stripe_contracts.errors import FrontEnd, SpecError
from stripe_contracts.spec._documents import (
    Document,
    cache_dir,
    document_from_dict,
    read_document,
)
from stripe_contracts.spec._model import Spec

ENV_VAR = "STRIPE_CONTRACTS_SPEC"
LOCK_FILE = "stripe-spec.lock.json"
EXCERPT_MAX_SCHEMAS = 100
#: The spec used when nothing is configured: the newest full spec on hand when this version of
#: the package was made (its source: `builtin/README.md`).
BUILTIN_SPEC = Path(__file__).resolve().parent / "builtin" / "spec3.2026-05-27.dahlia.json.xz"
_SPEC_SUFFIXES = {".json", ".yaml", ".yml"}


@dataclass(frozen=True)
class PinnedSpec:
    """A spec downloaded from `url`, trusted only if its sha256 is `sha256`."""

    url: str
    sha256: str


SpecSource = str | os.PathLike[str] | PinnedSpec | dict  # type: ignore[type-arg]


def load_spec(
    source: SpecSource | Sequence[SpecSource] | None = None,
    *,
    api_version: str | None = None,
    project_dir: str | os.PathLike[str] | None = None,
    front_end: FrontEnd = "library",
) -> Spec:
    """Load and layer Stripe OpenAPI documents into a `Spec`.

    `source` is a file (JSON, YAML, or either xz-compressed), a directory of specs, a parsed
    dict, a `PinnedSpec`, or a sequence of those layered in order. Without it:
    `STRIPE_CONTRACTS_SPEC` (paths separated by `os.pathsep`), then `<project_dir>/schemas/` if
    it holds OpenAPI documents, then the pin in `<project_dir>/schemas/stripe-spec.lock.json`
    (`{"url": ..., "sha256": ...}`), and last `BUILTIN_SPEC`. `front_end` ("cli", "pytest")
    makes error hints name that front end's options instead of `load_spec`'s.
    """
    sources = _resolve(source, Path(project_dir or Path.cwd()), front_end)
    documents: list[Document] = []
    for item in sources:
        documents.extend(_documents_for(item, api_version, front_end))
    spec = Spec(documents)
    if api_version and not _version_matches(spec.api_version, api_version):
        raise SpecError.no_version(
            " + ".join(d.source for d in documents),
            api_version,
            [d.api_version for d in documents],
            front_end=front_end,
        )
    return spec


def _resolve(
    source: SpecSource | Sequence[SpecSource] | None, project: Path, front_end: FrontEnd
) -> list[SpecSource]:
    if source is not None:
        if isinstance(source, (str, os.PathLike, PinnedSpec, dict)):
            return [source]
        return list(source)
    env = os.environ.get(ENV_VAR)
    if env:
        return [p for p in env.split(os.pathsep) if p]
    schemas = project / "schemas"
    if schemas.is_dir() and _spec_files(schemas):
        return [schemas]
    lock = schemas / LOCK_FILE
    if lock.is_file():
        return [_read_lock(lock)]
    if BUILTIN_SPEC.is_file():
        return [BUILTIN_SPEC]
    raise SpecError.missing(
        f"{ENV_VAR} (unset), {schemas}/ (no OpenAPI documents), {lock}, "
        f"{BUILTIN_SPEC} (the built-in spec is not installed)",
        front_end=front_end,
    )


def _documents_for(
    item: SpecSource, api_version: str | None, front_end: FrontEnd
) -> list[Document]:
    if isinstance(item, dict):
        return [document_from_dict(item)]
    if isinstance(item, PinnedSpec):
        return [read_document(download(item), front_end=front_end)]
    path = Path(item)
    if path.is_dir():
        return _from_directory(path, api_version, front_end)
    return [read_document(path, front_end=front_end)]


def _from_directory(
    directory: Path, api_version: str | None, front_end: FrontEnd
) -> list[Document]:
    documents = _spec_files(directory)
    if not documents:
        raise SpecError.missing(f"{directory}/ (no OpenAPI documents in it)", front_end=front_end)
    full = [d for d in documents if d.schema_count >= EXCERPT_MAX_SCHEMAS]
    excerpts = [d for d in documents if d.schema_count < EXCERPT_MAX_SCHEMAS]
    if api_version:
        bases = [d for d in full if _version_matches(d.api_version, api_version)]
        if not bases:
            available = [d.api_version for d in full]
            raise SpecError.no_version(str(directory), api_version, available, front_end=front_end)
    else:
        bases = sorted(full, key=lambda d: d.api_version)[-1:]
    if not bases:  # only excerpts: layer them alone
        return sorted(excerpts, key=lambda d: d.source)
    return [bases[0], *sorted(excerpts, key=lambda d: d.source)]


def _spec_files(directory: Path) -> list[Document]:
    return [document for _, document in _spec_paths(directory)]


def _spec_paths(directory: Path) -> list[tuple[Path, Document]]:
    found = []
    for path in sorted(directory.iterdir()):
        if not _is_spec_name(path) or not path.is_file():
            continue
        try:
            found.append((path, read_document(path)))
        except SpecError:
            continue  # fixtures, manifests and other JSON live beside specs
    return found


def _is_spec_name(path: Path) -> bool:
    """spec3.json, spec3.yaml, and either compressed: spec3.json.xz."""
    suffix = path.suffix.lower()
    if suffix == ".xz":
        suffix = Path(path.stem).suffix.lower()
    return suffix in _SPEC_SUFFIXES


def is_excerpt(path: str | os.PathLike[str]) -> bool:
    """Is the OpenAPI document at `path` an excerpt, meant to be layered over a full spec?"""
    return read_document(Path(path)).schema_count < EXCERPT_MAX_SCHEMAS


def _version_matches(actual: str, wanted: str) -> bool:
    """'2026-09-30.endive' matches '2026-09-30' and '2026-09-30.endive'."""
    return actual == wanted or actual.split(".")[0] == wanted.split(".")[0]


def _read_lock(lock: Path) -> PinnedSpec:
    hint = 'the lock is JSON: {"url": "https://...", "sha256": "<64 hex digits>"}'
    try:
        data = load_json(lock.read_bytes())
        pin = PinnedSpec(url=str(data["url"]), sha256=str(data["sha256"]).lower())
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SpecError(f"cannot read spec lock {lock}: {exc}", hint=hint) from None
    from urllib.parse import urlsplit  # urllib stays off the import of the package

    parts = urlsplit(pin.url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise SpecError(
            f"spec lock {lock}: url {pin.url!r} is not an http(s) URL with a host", hint=hint
        )
    if not re.fullmatch(r"[0-9a-f]{64}", pin.sha256):
        raise SpecError(
            f"spec lock {lock}: sha256 {pin.sha256!r} is not 64 hexadecimal digits", hint=hint
        )
    return pin


def _download_target(pin: PinnedSpec) -> Path:
    suffix = Path(pin.url.split("?")[0]).suffix or ".json"
    return cache_dir() / "downloads" / f"{pin.sha256}{suffix}"


def download(pin: PinnedSpec) -> Path:
    """Fetch `pin.url` into the user cache once; a checksum mismatch is an error."""
    target = _download_target(pin)
    if target.is_file() and hashlib.sha256(target.read_bytes()).hexdigest() == pin.sha256:
        return target
    import urllib.request  # only a pinned download needs HTTP: keep it off every import

    try:
        with urllib.request.urlopen(pin.url, timeout=60) as response:
            body = response.read()
    except OSError as exc:
        raise SpecError(
            f"cannot download spec {pin.url}: {exc}",
            hint=f"check the URL, or download it yourself and set {ENV_VAR} to the file",
        ) from None
    actual = hashlib.sha256(body).hexdigest()
    if actual != pin.sha256:
        raise SpecError.checksum(pin.url, pin.sha256, actual)
    write_atomic(target, body)
    return target


@dataclass(frozen=True)
class SpecOnHand:
    """One spec `load_spec` could use: its API version (None until downloaded), where it is
    configured (`source`), and its file (or URL)."""

    api_version: str | None
    source: str
    path: str


def specs_on_hand(
    sources: Sequence[str | os.PathLike[str]] | None = None,
    *,
    project_dir: str | os.PathLike[str] | None = None,
    front_end: FrontEnd = "library",
) -> list[SpecOnHand]:
    """Every spec on hand, in `load_spec`'s order of precedence: `sources` ("argument"),
    `STRIPE_CONTRACTS_SPEC`, `schemas/`, the pinned download ("lock"), other downloads in the
    cache ("download cache"), and the built-in spec ("built-in"). Nothing is downloaded.

    A configured path that does not exist or is not a spec is an error; a directory lists
    every OpenAPI document in it.
    """
    project = Path(project_dir or Path.cwd())
    found: list[SpecOnHand] = []
    configured = [("argument", p) for p in sources or []]
    configured += [
        ("STRIPE_CONTRACTS_SPEC", p) for p in os.environ.get(ENV_VAR, "").split(os.pathsep) if p
    ]
    schemas = project / "schemas"
    if schemas.is_dir() and _spec_files(schemas):
        configured.append(("schemas/", schemas))
    for label, item in configured:
        for path, document in _listed(Path(item), front_end):
            found.append(SpecOnHand(document.api_version, label, str(path)))
    pinned: Path | None = None
    lock = schemas / LOCK_FILE
    if lock.is_file():
        pin = _read_lock(lock)
        pinned = _download_target(pin)
        if pinned.is_file():
            found.append(SpecOnHand(_version_of(pinned), "lock", str(pinned)))
        else:
            found.append(SpecOnHand(None, "lock", pin.url))
    downloads = cache_dir() / "downloads"
    if downloads.is_dir():
        for path in sorted(downloads.iterdir()):
            version = None if path == pinned else _version_of(path)
            if version is not None:
                found.append(SpecOnHand(version, "download cache", str(path)))
    if BUILTIN_SPEC.is_file():
        found.append(SpecOnHand(_version_of(BUILTIN_SPEC), "built-in", str(BUILTIN_SPEC)))
    return found


def _listed(path: Path, front_end: FrontEnd) -> list[tuple[Path, Document]]:
    if not path.is_dir():
        return [(path, read_document(path, front_end=front_end))]
    documents = _spec_paths(path)
    if not documents:
        raise SpecError.missing(f"{path}/ (no OpenAPI documents in it)", front_end=front_end)
    return documents


def _version_of(path: Path) -> str | None:
    try:
        return read_document(path).api_version
    except SpecError:
        return None  # a damaged download is fetched again by `download`: not on hand
