"""Validate Stripe objects against the spec: `validate` lists violations, `assert_valid` raises.

The schema is chosen from the object's `object` field (and `deleted`). Each schema is
translated (see `spec._translate`) and compiled once per spec and reused; a property the
schema does not define is always caught. Engine errors are explained here, in one place: an
`anyOf` failure descends into the alternative the value was meant to be (an expanded
`customer` is checked as a customer), so the pointer lands on the field that is actually wrong.

Given a `VersionSet` (the pinned spec plus newer ones), a property or enum value the pinned
version lacks but a newer one defines is a *note* (severity "note", `added_in` set), because
Stripe sends new properties and enum values to older versions too
(https://docs.stripe.com/upgrades#what-changes-does-stripe-consider-to-be-backward-compatible);
its value is still checked against the version that added it. `strict=True` makes notes
violations. A bare `Spec` is a set of one version: every undefined property is a violation.

An event is checked through: `data.object` against the schema of its own type, and the keys
of `data.previous_attributes` against that type's properties
(https://docs.stripe.com/api/events/object: "previous_attributes: ... the names of the
attributes that have changed, and their previous values").
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, replace
from typing import Any, Literal

from stripe_contracts._engines import ENGINES, Compiled, Engine, RawError, compile_schema
from stripe_contracts._json import MAX_DEPTH, JsonRefused, check_depth
from stripe_contracts.errors import ContractViolation, StripeContractsError, UnknownObjectType
from stripe_contracts.spec import Spec
from stripe_contracts.spec._model import refs_in
from stripe_contracts.spec._translate import translate
from stripe_contracts.spec.versions import Added, VersionSet, json_kind

JSON = Any
Severity = Literal["error", "warning", "note"]
Specs = Spec | VersionSet
_REF_PREFIX = "#/components/schemas/"
_BYPASS = "x-stripeBypassValidation"

__all__ = ["ENGINES", "Violation", "assert_valid", "validate", "validate_as"]


@dataclass(frozen=True)
class Violation:
    """One broken rule: which object, where (JSON pointer), what was expected and found."""

    object_type: str
    object_id: str | None
    pointer: str
    rule: str
    expected: JSON
    actual: JSON
    api_version: str
    detail: str
    severity: Severity = "error"
    added_in: str | None = None  # for a note: the newer API version that defines the field

    @property
    def message(self) -> str:
        who = f"{self.object_type} {self.object_id}" if self.object_id else self.object_type
        where = self.pointer or "/"
        warn = " [warning: Stripe may send values outside this enum]" * (self.severity == "warning")
        note = " [note]" * (self.severity == "note")
        return f"{who} at {where}: {self.detail} (Stripe API {self.api_version}){warn}{note}"

    def __str__(self) -> str:
        return self.message

    def as_dict(self) -> dict[str, JSON]:
        """JSON-ready: a NaN or infinite number becomes the string "NaN" / "Infinity", which
        strict JSON (and every other parser) can read."""
        plain = {**asdict(self), "message": self.message}
        return {key: _finite(value) for key, value in plain.items()}


def validate(
    obj: JSON,
    spec: Specs,
    *,
    strict: bool = False,
    recorded: bool = False,
    engine: Engine = "rust",
) -> list[Violation]:
    """Every way `obj` breaks `spec` (errors, warnings and notes); empty when it is valid.

    `spec` is a `Spec` or a `VersionSet`; with a set, a property or enum value only a newer
    version defines is a note unless `strict`. `recorded` is for real traffic: values outside
    an enum that Stripe marks `x-stripeBypassValidation` become warnings.
    """
    pinned = spec.pinned if isinstance(spec, VersionSet) else spec
    if isinstance(obj, dict) and isinstance(obj.get("object"), str):
        # Hot path: a typed object whose compiled validator is known and that is valid.
        fast = _by_type.get((pinned.key, obj["object"], obj.get("deleted") is True, engine))
        if fast is not None and obj["object"] != "event":
            try:
                if fast(obj):
                    return []
            except ValueError:
                pass  # e.g. nested too deep for the engine: refused below with a clear error
    elif not isinstance(obj, dict):
        raise StripeContractsError(
            f"expected a Stripe object (a JSON object), got {type(obj).__name__}",
            hint='pass the parsed JSON of one object, e.g. {"object": "customer", ...}',
        )
    try:
        check_depth(obj)
    except JsonRefused as exc:
        raise StripeContractsError(
            f"the object is {exc}: no Stripe object nests that deep",
            hint=f"Stripe's objects nest about 10 levels; at most {MAX_DEPTH} are read",
        ) from None
    object_type = obj.get("object")
    if object_type == "list" and isinstance(obj.get("data"), list):
        found: list[Violation] = []
        for index, item in enumerate(obj["data"]):
            for v in validate(item, spec, strict=strict, recorded=recorded, engine=engine):
                found.append(_reroot(v, f"/data/{index}"))
        return found
    if not isinstance(object_type, str):
        raise UnknownObjectType(
            f"object {obj.get('id', '(no id)')!r} has no `object` field"
            if object_type is None
            else f"`object` must be a string, got {object_type!r}",
            hint='every Stripe object names its type, e.g. "object": "subscription"',
        )
    deleted = obj.get("deleted") is True
    schema_name = pinned.schema_name_for(object_type, deleted=deleted)
    compiled = _compiled(pinned, schema_name, engine)
    _by_type[(pinned.key, object_type, deleted, engine)] = compiled.is_valid
    return validate_as(obj, schema_name, spec, strict=strict, recorded=recorded, engine=engine)


def validate_as(
    instance: JSON,
    schema_name: str,
    spec: Specs,
    *,
    strict: bool = False,
    recorded: bool = False,
    engine: Engine = "rust",
) -> list[Violation]:
    """Validate `instance` against the named component schema (e.g. a request body schema)."""
    versions = _as_set(spec)
    compiled = _compiled(versions.pinned, schema_name, engine)
    found = _violations(compiled, instance, schema_name, versions, strict, recorded)
    return found + _through_events(instance, versions, strict, recorded, engine)


def _as_set(spec: Specs) -> VersionSet:
    return spec if isinstance(spec, VersionSet) else VersionSet(spec)


def _violations(
    compiled: Compiled,
    instance: JSON,
    label: str,
    versions: VersionSet,
    strict: bool,
    recorded: bool,
) -> list[Violation]:
    """Every violation an engine finds, explained once per (pointer, rule), in order."""
    if compiled.is_valid(instance):
        return []
    explainer = _Explainer(instance, label, versions, strict, recorded)
    found: dict[tuple[str, str], Violation] = {}
    for raw in compiled.errors(instance):
        for v in explainer.explain(raw):
            found.setdefault((v.pointer, v.rule), v)
    return sorted(found.values(), key=lambda v: (v.pointer, v.rule))


def _through_events(
    instance: JSON, versions: VersionSet, strict: bool, recorded: bool, engine: Engine
) -> list[Violation]:
    """Events inside `instance` (itself, or the items of a list) checked through."""
    if not isinstance(instance, dict):
        return []
    if instance.get("object") == "event":
        return _event_violations(instance, versions, strict, recorded, engine)
    items = instance.get("data") if instance.get("object") == "list" else None
    found: list[Violation] = []
    for index, item in enumerate(items if isinstance(items, list) else []):
        if isinstance(item, dict) and item.get("object") == "event":
            for v in _event_violations(item, versions, strict, recorded, engine):
                found.append(_reroot(v, f"/data/{index}"))
    return found


def _event_violations(
    event: JSON, versions: VersionSet, strict: bool, recorded: bool, engine: Engine
) -> list[Violation]:
    """`data.object` against its own type's schema; `previous_attributes` keys against its
    properties (a key a newer version defines is a note, like any additive property)."""
    data = event.get("data")
    inner = data.get("object") if isinstance(data, dict) else None
    if not isinstance(inner, dict):
        return []  # the envelope's own schema already says what `data` must be
    rendered = event.get("api_version")
    if isinstance(rendered, str):
        # `api_version`: "The Stripe API version used to render `data`" (the event schema's
        # own text): `data.object` is checked against that version's spec when it is on hand.
        at = versions.at(rendered)
        if at is None:
            detail = (
                f"data.object was rendered in Stripe API {rendered}, and no spec of that "
                "version is on hand: not checked (pass it with --newer-spec, or as --spec "
                "to pin it)"
            )
            problem = _event_problem(event, versions, "/data/object", "not-checked", detail, None)
            return [replace(problem, severity="note", added_in=None)]
        versions = at
    try:
        checked = validate(inner, versions, strict=strict, recorded=recorded, engine=engine)
    except StripeContractsError as exc:
        where = "/data/object/object"
        return [_event_problem(event, versions, where, "object-type", exc.message, inner)]
    found = [_in_event(v, event, "/data/object") for v in checked]
    schema = versions.pinned.schema(
        versions.pinned.schema_name_for(inner["object"], deleted=inner.get("deleted") is True)
    )
    known = set(schema.get("properties") or {})
    previous = data.get("previous_attributes")
    for key in previous if isinstance(previous, dict) else ():
        if key in known:
            continue
        added = None if strict else versions.added_property(inner, (), key)
        where = f"/data/previous_attributes/{_escape(key)}"
        if added is None:
            detail = (
                f"previous_attributes names {key!r}, which {inner['object']} does not define "
                "in any API version on hand"
            )
            found.append(_event_problem(event, versions, where, "previous-attributes", detail, key))
        else:
            detail = (
                f"previous_attributes names {key!r}, not in this version's {inner['object']}; "
                f"added in {added.version} (Stripe sends new properties to older versions too)"
            )
            note = _event_problem(event, versions, where, "added-property", detail, key)
            found.append(replace(note, severity="note", added_in=added.version))
    return found


def _event_problem(
    event: JSON, versions: VersionSet, pointer: str, rule: str, detail: str, actual: JSON
) -> Violation:
    return Violation(
        object_type="event",
        object_id=event.get("id"),
        pointer=pointer,
        rule=rule,
        expected=None,
        actual=actual,
        api_version=versions.pinned.api_version,
        detail=detail,
    )


def _in_event(v: Violation, event: JSON, prefix: str) -> Violation:
    """A violation of `data.object`, told as the event's, at its pointer inside the event."""
    return replace(v, object_type="event", object_id=event.get("id"), pointer=prefix + v.pointer)


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def assert_valid(obj: JSON, spec: Specs, *, strict: bool = False, engine: Engine = "rust") -> None:
    """Raise `ContractViolation` (an `AssertionError`) listing every violation of `obj`
    (notes pass unless `strict`)."""
    errors = [v for v in validate(obj, spec, strict=strict, engine=engine) if v.severity == "error"]
    if errors:
        raise ContractViolation(errors)


_cache: dict[tuple[str, str, Engine], Compiled] = {}
_by_type: dict[tuple[str, object, bool, Engine], Callable[[JSON], bool]] = {}


def _compiled(spec: Spec, schema_name: str, engine: Engine) -> Compiled:
    key = (spec.key, schema_name, engine)
    compiled = _cache.get(key)
    if compiled is None:
        components = {
            name: translate(spec.schema(name), strict=True) for name in spec.closure(schema_name)
        }
        root = {"$ref": _REF_PREFIX + schema_name, "components": {"schemas": components}}
        compiled = compile_schema(root, engine)
        _cache[key] = compiled
    return compiled


def _reroot(v: Violation, prefix: str) -> Violation:
    return Violation(**{**asdict(v), "pointer": prefix + v.pointer})


def _finite(value: JSON) -> JSON:
    if isinstance(value, float) and not math.isfinite(value):
        return json.dumps(value)  # "NaN", "Infinity", "-Infinity"
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


#: `actual` not given: the value at the violation's path (None is a value: a null field).
_AT_PATH: Any = object()


def _pointer(path: Iterable[str | int]) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


class _Explainer:
    """Turns engine errors into `Violation`s with the pointer of the field that is wrong."""

    def __init__(
        self, root: JSON, schema_name: str, versions: VersionSet, strict: bool, recorded: bool
    ) -> None:
        self.root = root
        self.versions = versions
        self.spec = versions.pinned
        self.notes = not strict
        self.recorded = recorded
        self.schema_name = schema_name
        self.object_type = (
            str(root.get("object", schema_name)) if isinstance(root, dict) else (schema_name)
        )
        self.object_id = root.get("id") if isinstance(root, dict) else None
        self.root = root

    def explain(self, raw: RawError) -> list[Violation]:
        handler: Callable[[RawError], list[Violation]] = getattr(
            self, f"_on_{raw.keyword}", self._generic
        )
        return handler(replace(raw, instance=self._value_at(raw.path, raw.instance)))

    def _value_at(self, path: tuple[str | int, ...], reported: JSON) -> JSON:
        """The value at `path` in the object itself: an engine may hand back a converted
        copy (the Rust one reports NaN as null)."""
        node = self.root
        for part in path:
            if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
                node = node[part]
                continue
            if not (isinstance(node, dict) and part in node):
                return reported
            node = node[part]
        return node

    def _violation(
        self,
        raw: RawError,
        rule: str,
        detail: str,
        *,
        expected: JSON,
        path: tuple[str | int, ...] | None = None,
        actual: JSON = _AT_PATH,
    ) -> Violation:
        bypass = self.recorded and bool(raw.schema.get(_BYPASS)) and rule in ("enum", "anyOf")
        return Violation(
            object_type=self.object_type,
            object_id=self.object_id,
            pointer=_pointer(raw.path if path is None else path),
            rule=rule,
            expected=expected,
            actual=raw.instance if actual is _AT_PATH else actual,
            api_version=self.spec.version_of(self._owner_schema(raw)),
            detail=detail,
            severity="warning" if bypass else "error",
        )

    def _owner_schema(self, raw: RawError) -> str:
        return self.schema_name

    def _on_enum(self, raw: RawError) -> list[Violation]:
        allowed = [v for v in raw.schema["enum"] if v is not None]
        nullable = None in raw.schema["enum"]
        shown = json.dumps(sorted(allowed, key=str)).replace('"', "'")
        extra = " (or null)" if nullable else ""
        added = self.versions.added_enum_value(self.root, raw.path) if self.notes else None
        if added is not None:
            detail = (
                f"{raw.instance!r} is not one of {shown}{extra} in this version; added in "
                f"{added.version} (Stripe sends new enum values to older versions too)"
            )
            note = self._violation(raw, "added-enum-value", detail, expected=allowed)
            return [replace(note, severity="note", added_in=added.version)]
        return [
            self._violation(
                raw, "enum", f"{raw.instance!r} is not one of {shown}{extra}", expected=allowed
            )
        ]

    def _on_type(self, raw: RawError) -> list[Violation]:
        expected = raw.schema["type"]
        kinds = expected if isinstance(expected, list) else [expected]
        return [
            self._violation(
                raw,
                "type",
                f"{_short(raw.instance)} is not of type {' or '.join(map(str, kinds))}",
                expected=kinds,
            )
        ]

    def _on_required(self, raw: RawError) -> list[Violation]:
        present = raw.instance if isinstance(raw.instance, dict) else {}
        missing = [name for name in raw.schema["required"] if name not in present]
        return [
            self._violation(
                raw,
                "required",
                f"required property {name!r} is missing",
                expected=name,
                path=(*raw.path, name),
                actual=None,
            )
            for name in missing
        ]

    def _on_additionalProperties(self, raw: RawError) -> list[Violation]:
        known = set(raw.schema.get("properties") or {})
        found: list[Violation] = []
        for name in (k for k in raw.instance if k not in known):
            added = self.versions.added_property(self.root, raw.path, name) if self.notes else None
            if added is not None:
                found += self._added(raw, name, added)
                continue
            others = "any API version on hand" if self.notes else "this API version's schema"
            found.append(
                self._violation(
                    raw,
                    "unknown-property",
                    f"property {name!r} is not defined by {others} "
                    "(a typo, or a field from another API version)",
                    expected=sorted(known),
                    path=(*raw.path, name),
                    actual=raw.instance[name],
                )
            )
        return found

    def _added(self, raw: RawError, name: str, added: Added) -> list[Violation]:
        """A note for a property a newer version defines, and whatever its value breaks of
        that version's schema (a typo inside an additive hash is still caught)."""
        path = (*raw.path, name)
        detail = (
            f"property {name!r} is not in this version's schema; added in {added.version} "
            "(Stripe sends new properties to older versions too)"
        )
        note = self._violation(raw, "added-property", detail, expected=None, path=path)
        value = raw.instance[name]
        inner = validate_schema(
            value,
            added.node,
            added.spec,
            label=self.object_type,
            strict=True,
            recorded=self.recorded,
        )
        prefix = _pointer(path)
        return [
            replace(note, severity="note", added_in=added.version, actual=value),
            *(
                replace(
                    v,
                    object_type=self.object_type,
                    object_id=self.object_id,
                    pointer=prefix + v.pointer,
                )
                for v in inner
            ),
        ]

    def _on_anyOf(self, raw: RawError) -> list[Violation]:
        alternatives = [self._resolve(branch) for branch in raw.schema[raw.keyword]]
        chosen = _choose_branch(raw.instance, alternatives)
        if chosen is not None:
            errors = dict(raw.branches).get(chosen, [])
            if errors:
                return [v for sub in errors for v in self.explain(sub)]
        described = [_describe(alt) for alt in alternatives]
        if isinstance(raw.instance, dict) and "object" in raw.instance:
            got = f"an expanded {raw.instance.get('object')!r} object"
            rule = "expandable"
        else:
            got = _short(raw.instance)
            rule = "type"
        return [
            self._violation(
                raw, rule, f"expected {_join(described)}, got {got}", expected=described
            )
        ]

    _on_oneOf = _on_anyOf

    def _generic(self, raw: RawError) -> list[Violation]:
        limit = raw.schema.get(raw.keyword)
        detail = {
            "maxLength": f"{_short(raw.instance)} is longer than {limit} characters",
            "format": f"{_short(raw.instance)} is not a valid {limit!r} value",
        }.get(raw.keyword, f"{_short(raw.instance)} breaks {raw.keyword}={limit!r}")
        return [self._violation(raw, raw.keyword, detail, expected=limit)]

    def _resolve(self, node: JSON) -> JSON:
        ref = node.get("$ref") if isinstance(node, dict) else None
        if isinstance(ref, str) and ref.startswith(_REF_PREFIX):
            return self.spec.schema(ref[len(_REF_PREFIX) :])
        return node


def _accepts_kind(schema: JSON, kind: str) -> bool:
    declared = schema.get("type")
    if declared is None:
        return "properties" in schema if kind == "object" else True
    kinds = declared if isinstance(declared, list) else [declared]
    return kind in kinds or (kind == "integer" and "number" in kinds)


def _object_enum(schema: JSON) -> list[str]:
    return list(((schema.get("properties") or {}).get("object") or {}).get("enum") or [])


def _choose_branch(instance: JSON, alternatives: list[JSON]) -> int | None:
    """The alternative `instance` was meant to be, or None when it fits none of them."""
    kind = json_kind(instance)
    fitting = [i for i, alt in enumerate(alternatives) if _accepts_kind(alt, kind)]
    if kind == "object" and isinstance(instance, dict) and "object" in instance:
        deleted = instance.get("deleted") is True
        typed = [
            i
            for i in fitting
            if instance["object"] in _object_enum(alternatives[i])
            and ("deleted" in (alternatives[i].get("properties") or {})) == deleted
        ] or [i for i in fitting if instance["object"] in _object_enum(alternatives[i])]
        if typed:
            return typed[0]
        if any(_object_enum(alternatives[i]) for i in fitting):
            return None  # an expanded object of the wrong type
    return fitting[0] if fitting else None


def _describe(schema: JSON) -> str:
    names = _object_enum(schema)
    if names:
        deleted = "deleted " if "deleted" in (schema.get("properties") or {}) else ""
        return f"{deleted}{names[0]} object"
    declared = schema.get("type", "any value")
    if declared == "string" and "enum" not in schema:
        return "id string"
    return str(declared)


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def _short(value: JSON) -> str:
    text = json.dumps(value) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def validate_schema(
    instance: JSON,
    schema: JSON,
    spec: Specs,
    *,
    label: str,
    strict: bool = False,
    recorded: bool = False,
    engine: Engine = "rust",
) -> list[Violation]:
    """Validate `instance` against an inline schema whose `$ref`s point into `spec`'s components.

    For schemas that are not named components, such as an operation's request body or a list
    response; `label` names the instance in messages (e.g. "POST /v1/customers params").
    """
    versions = _as_set(spec)
    pinned = versions.pinned
    digest = hashlib.sha256(json.dumps(schema, sort_keys=True).encode()).hexdigest()
    inline = f"__inline_{digest[:32]}"
    key = (pinned.key, inline, engine)
    compiled = _cache.get(key)
    if compiled is None:
        names = {name for ref in set(refs_in(schema)) for name in pinned.closure(ref)}
        components = {name: translate(pinned.schema(name), strict=True) for name in names}
        components[inline] = translate(schema, strict=True)
        root = {"$ref": _REF_PREFIX + inline, "components": {"schemas": components}}
        compiled = _cache[key] = compile_schema(root, engine)
    found = _violations(compiled, instance, label, versions, strict, recorded)
    return found + _through_events(instance, versions, strict, recorded, engine)
