"""Versions as a set: the pinned spec plus every newer spec on hand, asked as one object.

Stripe adds properties and enum values to every API version, old ones included: an account
pinned to 2023-08-16 receives `billing_mode` on its subscriptions
(https://docs.stripe.com/upgrades#what-changes-does-stripe-consider-to-be-backward-compatible:
"adding new properties to existing API responses", "adding new values to existing enums").
So a property the pinned version lacks but a newer version defines is *additive* (a note),
while a property no version on hand defines is *unknown* (a violation: the typo guard).

Everything here walks a spec's schemas along an instance's own path (`node_at`), choosing the
`anyOf` branch the value is (an expanded object by its `object`), so one question - "what does
version V say about the field at this path of this object?" - serves validation notes and
`upgrade-check` alike.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stripe_contracts.errors import FrontEnd, SpecError, StripeContractsError
from stripe_contracts.spec._documents import read_document
from stripe_contracts.spec._model import Spec
from stripe_contracts.spec._sources import EXCERPT_MAX_SCHEMAS, load_spec, specs_on_hand

JSON = Any
Path_ = tuple[str | int, ...]
_REF_PREFIX = "#/components/schemas/"

__all__ = ["Added", "VersionSet", "json_kind", "node_at", "resolve", "version_date"]


def version_date(api_version: str) -> str:
    """'2026-05-27.dahlia' -> '2026-05-27': API versions order by their date."""
    return api_version.split(".")[0]


def json_kind(value: JSON) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def resolve(spec: Spec, node: JSON) -> JSON:
    """`node` with `$ref`s followed (None when a reference is not in `spec`)."""
    for _ in range(32):
        ref = node.get("$ref") if isinstance(node, dict) else None
        if not (isinstance(ref, str) and ref.startswith(_REF_PREFIX)):
            return node
        name = ref[len(_REF_PREFIX) :]
        if not spec.has_schema(name):
            return None
        node = spec.schema(name)
    return None


def accepts_kind(node: JSON, kind: str) -> bool:
    declared = node.get("type") if isinstance(node, dict) else None
    if declared is None:
        return kind == "object" if "properties" in node else True
    kinds = declared if isinstance(declared, list) else [declared]
    if node.get("nullable"):
        kinds = [*kinds, "null"]
    return kind in kinds or (kind == "integer" and "number" in kinds)


def _object_enum(node: JSON) -> list[str]:
    return list(((node.get("properties") or {}).get("object") or {}).get("enum") or [])


def branch(spec: Spec, node: JSON, value: JSON) -> JSON:
    """The resolved alternative of `node` that `value` is (None when it is none of them)."""
    node = resolve(spec, node)
    for _ in range(8):
        if not isinstance(node, dict):
            return None
        if value is None and node.get("nullable"):
            return node  # `nullable` sits beside an `anyOf`, not on its alternatives
        alternatives = node.get("anyOf") or node.get("oneOf")
        if not alternatives:
            return node
        options = [resolve(spec, alt) for alt in alternatives]
        kind = json_kind(value)
        fitting = [o for o in options if isinstance(o, dict) and accepts_kind(o, kind)]
        if kind == "object" and isinstance(value, dict) and isinstance(value.get("object"), str):
            typed = [o for o in fitting if value["object"] in _object_enum(o)]
            fitting = typed or fitting
        if not fitting:
            return None
        node = fitting[0]
    return node


def child(spec: Spec, node: JSON, value: JSON, key: str | int) -> JSON:
    """The schema of `value[key]`, where `node` is the schema of `value` (None: undefined)."""
    chosen = branch(spec, node, value)
    if not isinstance(chosen, dict):
        return None
    if isinstance(key, int):
        return chosen.get("items") if accepts_kind(chosen, "array") else None
    return property_of(chosen, key)


def property_of(chosen: JSON, key: str) -> JSON:
    """The schema of property `key` in the (resolved, branch-chosen) hash schema `chosen`."""
    if not isinstance(chosen, dict):
        return None
    properties = chosen.get("properties") or {}
    if key in properties:
        return properties[key]
    extra = chosen.get("additionalProperties")
    return extra if isinstance(extra, dict) else None


def root_schema(spec: Spec, instance: JSON) -> JSON:
    """The schema of a typed Stripe object in `spec` (None if `spec` has no such type)."""
    if not isinstance(instance, dict) or not isinstance(instance.get("object"), str):
        return None
    try:
        name = spec.schema_name_for(instance["object"], deleted=instance.get("deleted") is True)
    except StripeContractsError:
        return None
    return spec.schema(name)


def node_at(spec: Spec, instance: JSON, path: Path_) -> JSON:
    """The schema `spec` gives the value at `path` of `instance`, walking from the nearest
    typed object (`"object": ...`) on the way; None where `spec` does not define that path."""
    values = [instance]
    for key in path:
        parent = values[-1]
        try:
            values.append(parent[key])
        except (KeyError, IndexError, TypeError):
            values.append(None)
    for start in range(len(path), -1, -1):  # the deepest typed object the spec knows
        node = root_schema(spec, values[start])
        if node is None:
            continue
        for depth in range(start, len(path)):
            node = child(spec, node, values[depth], path[depth])
            if node is None:
                return None
        return node
    return None


def enum_values(spec: Spec, node: JSON, value: JSON) -> list[JSON] | None:
    """The enum `node` holds for `value`'s kind, or None when it has none."""
    chosen = branch(spec, node, value)
    if not isinstance(chosen, dict) or "enum" not in chosen:
        return None
    return list(chosen["enum"])


@dataclass(frozen=True)
class Added:
    """A property or enum value the pinned version lacks and `version` defines."""

    version: str
    spec: Spec
    node: JSON  # the schema `version` gives the value


SpecFactory = Callable[[], Spec]


class VersionSet:
    """The pinned spec and every newer one on hand, oldest first.

    `newer` holds specs or zero-argument loaders: a newer spec is loaded only when a payload
    first needs it (a valid object never does). `older` (API version -> loader) are the older
    specs on hand, used only to check an event against the version that rendered it.
    """

    def __init__(
        self,
        pinned: Spec,
        newer: Sequence[Spec | SpecFactory] = (),
        *,
        older: Mapping[str, SpecFactory] | None = None,
    ) -> None:
        self.pinned = pinned
        self._sources = list(newer)
        self._loaded: list[Spec] | None = None
        self._older = {version_date(v): f for v, f in (older or {}).items()}

    def __repr__(self) -> str:
        return f"<VersionSet {' + '.join(self.versions)}>"

    @property
    def versions(self) -> tuple[str, ...]:
        """The API versions of the set, pinned first."""
        return (self.pinned.api_version, *(s.api_version for s in self.newer))

    @property
    def newer(self) -> list[Spec]:
        if self._loaded is None:
            specs = [s if isinstance(s, Spec) else s() for s in self._sources]
            specs = [s for s in specs if _is_newer(s.api_version, self.pinned.api_version)]
            self._loaded = sorted(specs, key=lambda s: version_date(s.api_version))
        return self._loaded

    @classmethod
    def on_hand(
        cls,
        pinned: Spec,
        *,
        sources: Sequence[str | os.PathLike[str]] | None = None,
        newer: Sequence[str | os.PathLike[str]] = (),
        project_dir: str | os.PathLike[str] | None = None,
        front_end: FrontEnd = "library",
    ) -> VersionSet:
        """`pinned` plus every full spec on hand newer than it: the other versions of the
        configured spec files and directories (`sources`, `STRIPE_CONTRACTS_SPEC`,
        `schemas/`), downloads in the cache, the built-in spec, and `newer` (files that must
        be full specs newer than `pinned`)."""
        found: dict[str, Path] = {}
        older: dict[str, Path] = {}
        for path in newer:
            document = read_document(Path(path), front_end=front_end)
            if not _is_newer(document.api_version, pinned.api_version):
                raise SpecError(
                    f"{path} is Stripe API {document.api_version}, not newer than the pinned "
                    f"{pinned.api_version}",
                    hint="pass only specs of later API versions as newer specs, or pin an "
                    "older spec",
                )
            found.setdefault(version_date(document.api_version), Path(path))
        pinned_sources = {d.source for d in pinned.documents}
        for row in specs_on_hand(sources, project_dir=project_dir, front_end=front_end):
            if row.api_version is None or row.path in pinned_sources:
                continue
            if read_document(Path(row.path)).schema_count < EXCERPT_MAX_SCHEMAS:
                continue  # an excerpt is layered over its full spec, not a version of its own
            date = version_date(row.api_version)
            if _is_newer(row.api_version, pinned.api_version):
                found.setdefault(date, Path(row.path))
            elif date != version_date(pinned.api_version):
                older.setdefault(date, Path(row.path))
        ordered = sorted(found.items())
        return cls(
            pinned,
            [_loader(path, front_end) for _, path in ordered],
            older={date: _loader(path, front_end) for date, path in older.items()},
        )

    def at(self, api_version: str) -> VersionSet | None:
        """The set rooted at the spec on hand for `api_version` (with the versions after it),
        this set when that version is the pinned one, None when no spec for it is on hand."""
        wanted = version_date(api_version)
        if wanted == version_date(self.pinned.api_version):
            return self
        if wanted in self._older:
            return VersionSet(self._older[wanted](), [self.pinned, *self.newer])
        specs = self.newer
        for index, spec in enumerate(specs):
            if version_date(spec.api_version) == wanted:
                return VersionSet(spec, specs[index + 1 :])
        return None

    # -- questions ---------------------------------------------------------------------------

    def added_property(self, instance: JSON, path: Path_, name: str) -> Added | None:
        """The oldest newer version defining property `name` of the value at `path`."""
        for spec in self.newer:
            parent = node_at(spec, instance, path)
            if parent is None:
                continue
            value = _value_at(instance, path)
            node = child(spec, parent, value, name)
            if node is not None:
                return Added(spec.api_version, spec, node)
        return None

    def added_enum_value(self, instance: JSON, path: Path_) -> Added | None:
        """The oldest newer version whose enum at `path` holds the value found there."""
        value = _value_at(instance, path)
        for spec in self.newer:
            node = node_at(spec, instance, path)
            allowed = enum_values(spec, node, value) if node is not None else None
            if allowed is not None and value in allowed:
                return Added(spec.api_version, spec, node)
        return None


def _value_at(instance: JSON, path: Path_) -> JSON:
    value = instance
    for key in path:
        try:
            value = value[key]
        except (KeyError, IndexError, TypeError):
            return None
    return value


def _is_newer(version: str, than: str) -> bool:
    return version_date(version) > version_date(than)


def _loader(path: Path, front_end: FrontEnd) -> SpecFactory:
    def load() -> Spec:
        return load_spec(path, front_end=front_end)

    return load


def walk_fields(instance: JSON, path: Path_ = ()) -> Iterator[tuple[Path_, JSON]]:
    """(path, value) of every field of `instance` and its sub-hashes and lists, depth first."""
    if isinstance(instance, dict):
        for key, value in instance.items():
            yield (*path, key), value
            yield from walk_fields(value, (*path, key))
    elif isinstance(instance, list):
        for index, value in enumerate(instance):
            yield from walk_fields(value, (*path, index))
