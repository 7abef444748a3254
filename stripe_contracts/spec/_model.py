"""`Spec`: one or more OpenAPI documents layered into a single index of Stripe objects."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from stripe_contracts.errors import SpecError, UnknownObjectType
from stripe_contracts.spec._derived import derived_document
from stripe_contracts.spec._documents import Document, document_from_dict

JSON = Any
_REF_PREFIX = "#/components/schemas/"


@dataclass(frozen=True)
class Expandable:
    """An expandable field: stored as an id, or expanded into one of `targets` (schema names)."""

    field: str
    targets: tuple[str, ...]
    is_list: bool


class Spec:
    """The union of layered OpenAPI documents; later documents override earlier schemas.

    `api_version` is the version of the first (base) document; `version_of(schema)` names the
    document each schema came from, so messages about an excerpt's schema cite its version.
    """

    def __init__(self, documents: Sequence[Document]) -> None:
        if not documents:
            raise SpecError("a Spec needs at least one OpenAPI document")
        self.documents: tuple[Document, ...] = tuple(documents)
        owner: dict[str, Document] = {}
        for doc in self.documents:
            for name in doc.schema_names:
                owner[name] = doc
        item_owner = owner.get("entitlements.active_entitlement")
        derived = derived_document(set(owner), item_owner.api_version if item_owner else "")
        if derived is not None:
            extra = document_from_dict(derived, source="<derived: entitlement summary>")
            owner.update(dict.fromkeys(extra.schema_names, extra))
            self._derived: tuple[Document, ...] = (extra,)
        else:
            self._derived = ()
        self._owner = owner
        for doc in self.documents:
            for name, pointer in doc.refs_elsewhere.items():
                if name not in owner:
                    problem = f"'{_REF_PREFIX}{name}' names no schema of this document"
                    if len(self.documents) > 1:
                        problem += " or of those layered with it"
                    raise SpecError.malformed(doc.source, pointer, problem)

    def __repr__(self) -> str:
        versions = " + ".join(d.api_version for d in self.documents)
        return f"<Spec {versions}>"

    @property
    def api_version(self) -> str:
        return self.documents[0].api_version

    @cached_property
    def key(self) -> str:
        """Identity of this layered spec (sha256 of each document, in order)."""
        return "+".join(d.sha256[:16] for d in self.documents)

    @property
    def schema_names(self) -> list[str]:
        return sorted(self._owner)

    def has_schema(self, name: str) -> bool:
        return name in self._owner

    def schema(self, name: str) -> JSON:
        try:
            return self._owner[name].schema(name)
        except KeyError:
            raise SpecError(f"schema {name!r} is not defined by {self!r}") from None

    def version_of(self, name: str) -> str:
        doc = self._owner.get(name)
        return doc.api_version if doc else self.api_version

    @cached_property
    def _object_schemas(self) -> dict[tuple[str, bool], str]:
        """(value of `object`, deleted?) -> schema name, resources preferred over others."""
        found: dict[tuple[str, bool], str] = {}
        for doc in (*self.documents, *self._derived):
            deleted = set(doc.deleted_schemas)
            resources = set(doc.resource_ids.values())
            for value, names in doc.object_names.items():
                if value == "list":
                    continue
                for is_deleted in (False, True):
                    candidates = [n for n in names if (n in deleted) == is_deleted]
                    if not candidates:
                        continue
                    preferred = [n for n in candidates if n in resources] or candidates
                    found[(value, is_deleted)] = sorted(preferred, key=len)[0]
        return found

    @property
    def object_types(self) -> list[str]:
        return sorted({value for value, deleted in self._object_schemas if not deleted})

    def schema_name_for(self, object_type: str, *, deleted: bool = False) -> str:
        """The schema describing objects whose `object` is `object_type`."""
        name = self._object_schemas.get((object_type, deleted))
        if name is None:
            kind = "deleted object type" if deleted else "object type"
            close = [t for t in self.object_types if t.split(".")[-1] in object_type]
            hint = f"did you mean {close[0]!r}?" if close else "check the `object` field"
            raise UnknownObjectType(
                f"{kind} {object_type!r} is not defined by Stripe API {self.api_version} "
                f"({len(self.object_types)} object types are)",
                hint=hint,
            )
        return name

    def expandable_fields(self, schema_name: str) -> dict[str, Expandable]:
        """Fields of `schema_name` that hold an id or an expanded object (`x-expandableFields`)."""
        return self._expandables(schema_name)

    def _expandables(self, schema_name: str) -> dict[str, Expandable]:
        cache = self.__dict__.setdefault("_expandable_cache", {})
        if schema_name in cache:
            return cache[schema_name]  # type: ignore[no-any-return]
        schema = self.schema(schema_name)
        result: dict[str, Expandable] = {}
        props = schema.get("properties") or {}
        for field in schema.get("x-expandableFields") or []:
            prop = props.get(field) or {}
            is_list = prop.get("type") == "array"
            holder = prop.get("items", {}) if is_list else prop
            resources = holder.get("x-expansionResources")
            if not resources:
                continue  # an expandable sub-hash, not an id/object choice
            targets = tuple(_ref_name(r["$ref"]) for r in resources.get("oneOf", []))
            result[field] = Expandable(field=field, targets=targets, is_list=is_list)
        cache[schema_name] = result
        return result

    def closure(self, name: str) -> list[str]:
        """`name` and every schema it references, transitively, sorted."""
        seen: set[str] = set()
        todo = [name]
        while todo:
            current = todo.pop()
            if current in seen or current not in self._owner:
                continue
            seen.add(current)
            todo.extend(self.direct_refs(current))
        return sorted(seen)

    def direct_refs(self, name: str) -> list[str]:
        cache = self.__dict__.setdefault("_ref_cache", {})
        if name not in cache:
            cache[name] = sorted(set(refs_in(self.schema(name))))
        return cache[name]  # type: ignore[no-any-return]

    @property
    def paths(self) -> JSON:
        """Union of the documents' `paths` (later documents override)."""
        merged: dict[str, JSON] = {}
        for doc in self.documents:
            merged.update(doc.paths)
        return merged


def _ref_name(ref: str) -> str:
    if not ref.startswith(_REF_PREFIX):
        raise SpecError(f"unsupported $ref {ref!r}: only {_REF_PREFIX}... is understood")
    return ref[len(_REF_PREFIX) :]


def refs_in(node: JSON) -> Iterator[str]:
    """The component names `node` references with `$ref`, anywhere inside it."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(_REF_PREFIX):
            yield ref[len(_REF_PREFIX) :]
        for value in node.values():
            yield from refs_in(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs_in(value)
