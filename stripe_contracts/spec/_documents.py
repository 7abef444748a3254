"""Read one OpenAPI document from disk, with a per-process and an on-disk cache.

The on-disk cache is keyed by the file's sha256. It stores a small index plus every schema as
its own marshal blob, so a warm load touches only the index and the schemas a test uses.
A document may be xz-compressed (`spec3.json.xz`, as the built-in spec is): the key is then
the sha256 of the compressed file, so a warm load never decompresses it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import marshal
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stripe_contracts._files import UnwritableOutput, write_atomic
from stripe_contracts._json import load_json
from stripe_contracts.errors import FrontEnd, SpecError
from stripe_contracts.spec._wellformed import Malformed, check_document

_CACHE_FORMAT = 3
_MARSHAL_KEY = f"py{sys.version_info[0]}{sys.version_info[1]}-m{marshal.version}-f{_CACHE_FORMAT}"

JSON = Any


def cache_dir() -> Path:
    """Where parsed specs and pinned downloads are kept (`STRIPE_CONTRACTS_CACHE` overrides)."""
    explicit = os.environ.get("STRIPE_CONTRACTS_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "stripe-contracts"


Blobs = dict[str, Any]  # {"schemas": {name: marshal bytes}, "paths": marshal bytes}


@dataclass
class Document:
    """One OpenAPI document: its identity, index data, and lazily decoded schemas."""

    source: str
    sha256: str
    api_version: str
    schema_count: int
    resource_ids: dict[str, str]  # x-resourceId -> schema name
    object_names: dict[str, list[str]]  # value of `object` -> schema names defining it
    deleted_schemas: list[str]  # schemas with `deleted: true`
    schema_names: list[str]
    # $refs to schemas defined by none of this document's (an excerpt's, to its base's):
    # name -> pointer of the first one; `Spec` checks that a layered document defines them.
    refs_elsewhere: dict[str, str]
    # The encoded schemas and paths, read on first use: a warm load reads only the index.
    _load_blobs: Callable[[], Blobs] = field(repr=False)
    _blobs: Blobs | None = field(default=None, repr=False)
    _schemas: dict[str, JSON] = field(default_factory=dict, repr=False)
    _paths: JSON | None = field(default=None, repr=False)

    def _blob_data(self) -> Blobs:
        if self._blobs is None:
            self._blobs = self._load_blobs()
        return self._blobs

    def schema(self, name: str) -> JSON:
        found = self._schemas.get(name)
        if found is None:
            found = marshal.loads(self._blob_data()["schemas"][name])
            self._schemas[name] = found
        return found

    @property
    def paths(self) -> JSON:
        if self._paths is None:
            self._paths = marshal.loads(self._blob_data()["paths"])
        return self._paths


#: What identifies a file's content without reading it: path, device, inode, size, mtime and
#: ctime (`os.utime` can put an edited file's mtime back; nothing can put back its ctime).
StatKey = tuple[str, int, int, int, int, int]
#: A file changed this recently may change again within its timestamps' granularity without
#: changing them (git's "racily clean" files): its stat key is not trusted, it is hashed.
_RACY_SECONDS = 2
#: The most an xz-compressed document may decompress to: the full spec is about 5 MB.
MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024

_in_process: dict[StatKey, Document] = {}


def _stat_key(path: Path, stat: os.stat_result) -> StatKey | None:
    """`stat`'s identity of `path`'s content, or None while it is too fresh to trust."""
    if stat.st_ctime > time.time() - _RACY_SECONDS:
        return None
    return (
        str(path.resolve()),
        stat.st_dev,
        stat.st_ino,
        stat.st_size,
        stat.st_mtime_ns,
        stat.st_ctime_ns,
    )


def read_document(
    path: Path, *, use_cache: bool = True, front_end: FrontEnd = "library"
) -> Document:
    """Parse `path` (JSON or YAML, maybe .xz) once per process, and once per content via the
    disk cache. `front_end` picks the option names an error's hint gives."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise SpecError.missing(str(path), front_end=front_end) from None
    key = _stat_key(path, stat)
    if key is not None and key in _in_process:
        return _in_process[key]
    # The sha256 of an unchanged file (same stat key) is remembered, as git's index does, so
    # a warm load reads only the cache entry.
    digest = _known_digest(key) if use_cache and key is not None else None
    cached = _read_cache(digest, path) if digest else None
    if cached is None:
        raw = path.read_bytes()
        digest = hashlib.sha256(raw).hexdigest()
        cached = _read_cache(digest, path) if use_cache else None
        if cached is None:
            cached = _index(_parse(path, raw, front_end), str(path), digest, front_end)
            if use_cache:
                _write_cache(cached)
        if use_cache and key is not None:
            _remember_digest(key, digest)
    cached.source = str(path)
    if key is not None:
        _in_process[key] = cached
    return cached


def document_from_dict(data: JSON, *, source: str = "<dict>") -> Document:
    """Index an already-parsed OpenAPI document (no caching)."""
    digest = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()
    return _index(data, source, digest)


def looks_like_openapi(path: Path) -> bool:
    """Cheap check for directory scans: does this file parse as an OpenAPI document?"""
    try:
        read_document(path)
    except SpecError:
        return False
    return True


def _parse(path: Path, raw: bytes, front_end: FrontEnd = "library") -> JSON:
    source = str(path)
    if not raw.strip():
        raise SpecError.unreadable(source, "the file is empty", front_end=front_end)
    if path.suffix.lower() == ".xz":
        import lzma  # only compressed documents need it

        decompressor = lzma.LZMADecompressor()
        try:  # at most one byte past the cap: a small file must not fill the memory
            raw = decompressor.decompress(raw, max_length=MAX_DECOMPRESSED_BYTES + 1)
        except lzma.LZMAError as exc:
            reason = f"invalid xz data: {exc}"
            raise SpecError.unreadable(source, reason, front_end=front_end) from None
        if len(raw) > MAX_DECOMPRESSED_BYTES:
            reason = f"it decompresses to more than {MAX_DECOMPRESSED_BYTES} bytes"
            raise SpecError.unreadable(source, reason, front_end=front_end)
        if not decompressor.eof:
            reason = "invalid xz data: the compressed stream is truncated"
            raise SpecError.unreadable(source, reason, front_end=front_end)
        path = path.with_suffix("")  # spec3.json.xz parses as spec3.json
    if path.suffix.lower() in {".yaml", ".yml"}:
        import yaml

        from stripe_contracts import _yaml

        try:
            return _yaml.load(raw)  # refuses aliases: a billion laughs is an error, not a hang
        except yaml.YAMLError as exc:
            reason = f"invalid YAML: {exc}"
            raise SpecError.unreadable(source, reason, front_end=front_end) from None
    try:
        return load_json(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        reason = f"invalid JSON: {exc}"
        raise SpecError.unreadable(source, reason, front_end=front_end) from None


def _index(data: JSON, source: str, digest: str, front_end: FrontEnd = "library") -> Document:
    if not (
        isinstance(data, dict)
        and isinstance(data.get("openapi"), str)
        and isinstance(data.get("components"), dict)
        and isinstance(data["components"].get("schemas"), dict)
    ):
        raise SpecError.not_openapi(source, front_end=front_end)
    try:
        refs_elsewhere = check_document(data)
    except Malformed as exc:
        raise SpecError.malformed(source, exc.pointer, exc.problem, front_end=front_end) from None
    version = (data.get("info") or {}).get("version") or "unknown"
    schemas: dict[str, JSON] = data["components"]["schemas"]
    resource_ids: dict[str, str] = {}
    object_names: dict[str, list[str]] = {}
    deleted: list[str] = []
    blobs: Blobs = {
        "schemas": {name: marshal.dumps(s) for name, s in schemas.items()},
        "paths": marshal.dumps(data.get("paths") or {}),
    }
    for name, schema in schemas.items():
        if not isinstance(schema, dict):
            continue
        rid = schema.get("x-resourceId")
        if isinstance(rid, str):
            resource_ids[rid] = name
        props = schema.get("properties") or {}
        obj_enum = (props.get("object") or {}).get("enum") or []
        for value in obj_enum:
            object_names.setdefault(value, []).append(name)
        if (props.get("deleted") or {}).get("enum") == [True]:
            deleted.append(name)
    return Document(
        source=source,
        sha256=digest,
        api_version=version,
        schema_count=len(schemas),
        resource_ids=resource_ids,
        object_names=object_names,
        deleted_schemas=deleted,
        schema_names=list(schemas),
        refs_elsewhere=refs_elsewhere,
        _load_blobs=lambda: blobs,
        _blobs=blobs,
    )


def _cache_file(digest: str, part: str) -> Path:
    return cache_dir() / "parsed" / f"{digest}.{_MARSHAL_KEY}.{part}.marshal"


def _read_cache(digest: str, source: Path) -> Document | None:
    """The cached index of a document; its schemas are read from disk when first used."""
    try:
        index = marshal.loads(_cache_file(digest, "index").read_bytes())
        return Document(**index, _load_blobs=lambda: _read_blobs(digest, source))
    except (OSError, EOFError, ValueError, TypeError):
        return None


def _read_blobs(digest: str, source: Path) -> Blobs:
    try:
        blobs: Blobs = marshal.loads(_cache_file(digest, "blobs").read_bytes())
        return blobs
    except (OSError, EOFError, ValueError, TypeError):
        pass  # a damaged cache entry: parse the source again, if it is still the same file
    try:
        raw = source.read_bytes()
    except OSError as exc:
        raise SpecError.unreadable(str(source), f"{exc.strerror} (it was read earlier)") from None
    actual = hashlib.sha256(raw).hexdigest()
    if actual != digest:
        raise SpecError.checksum(str(source), digest, actual)
    return _index(_parse(source, raw), str(source), digest)._blob_data()


def _stat_file(key: StatKey) -> Path:
    name = hashlib.sha256(repr(key).encode()).hexdigest()
    return cache_dir() / "stat" / name


def _known_digest(key: StatKey) -> str | None:
    try:
        digest = _stat_file(key).read_text().strip()
    except OSError:
        return None
    return digest if len(digest) == 64 else None


def _remember_digest(key: StatKey, digest: str) -> None:
    with contextlib.suppress(OSError, UnwritableOutput):
        write_atomic(_stat_file(key), digest.encode())


def _write_cache(doc: Document) -> None:
    index = {
        "source": doc.source,
        "sha256": doc.sha256,
        "api_version": doc.api_version,
        "schema_count": doc.schema_count,
        "resource_ids": doc.resource_ids,
        "object_names": doc.object_names,
        "deleted_schemas": doc.deleted_schemas,
        "schema_names": doc.schema_names,
        "refs_elsewhere": doc.refs_elsewhere,
    }
    with contextlib.suppress(
        OSError, UnwritableOutput
    ):  # a cache we cannot write is only slower, never wrong
        write_atomic(_cache_file(doc.sha256, "blobs"), marshal.dumps(doc._blob_data()))
        write_atomic(_cache_file(doc.sha256, "index"), marshal.dumps(index))
