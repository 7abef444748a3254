"""Write semantic values onto a spec version's skeleton: only where the version has a home.

`fill(spec, "invoice", {...})` starts from the invoice skeleton (the properties Stripe sends
by default, `spec/presence.py`) and writes each value whose field the version defines;
sub-hashes and list elements are filtered the same way, and a value with no home is dropped,
never invented. Includable properties are dropped too: `graph/expand.py` adds them back for
the requests that expand them.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from stripe_contracts.spec import Spec
from stripe_contracts.spec.presence import INCLUDABLE_BY_SCHEMA
from stripe_contracts.spec.skeleton import skeleton, skeleton_of

JSON = Any
_REF_PREFIX = "#/components/schemas/"

#: What `_merge` needs of each object schema, resolved once: (spec.key, id(schema)) ->
#: (schema, {property: the object schema it holds, or None}). Holding the schema keeps its id
#: from being reused while the entry lives.
_held_schemas: dict[tuple[str, int], tuple[JSON, dict[str, JSON | None]]] = {}


def fill(
    spec: Spec, object_type: str, values: dict[str, JSON], *, include: Collection[str] = ()
) -> dict[str, JSON]:
    """The skeleton of `object_type` with `values` written where the version has a home;
    includable properties only if named in `include`."""
    name = spec.schema_name_for(object_type)
    obj = skeleton(spec, name)
    schema = spec.schema(name)
    dropped = INCLUDABLE_BY_SCHEMA.get(name, frozenset()) - set(include)
    dropped -= set(schema.get("required") or ())  # required in this version: always sent
    if dropped:
        values = {k: v for k, v in values.items() if k not in dropped}
    _merge(spec, schema, obj, values)
    return obj


def _merge(spec: Spec, schema: JSON, target: dict[str, JSON], values: dict[str, JSON]) -> None:
    props = schema.get("properties") or {}
    cache_key = (spec.key, id(schema))
    cached = _held_schemas.get(cache_key)
    if cached is None:
        held = {name: _object_schema(spec, prop) for name, prop in props.items()}
        cached = _held_schemas[cache_key] = (schema, held)
    held = cached[1]
    for key, value in values.items():
        prop = props.get(key)
        if prop is None:
            if schema.get("additionalProperties") and not props:
                target[key] = value  # metadata-like maps take any key
            continue  # no home in this version: dropped
        if value is None and not prop.get("nullable"):
            continue  # "absent" where this version cannot say null: keep the skeleton's value
        current = target.get(key)
        sub = held[key]
        if isinstance(value, dict) and sub is not None and value.get("object", "list") == "list":
            if not isinstance(current, dict):
                current = skeleton_of(spec, sub)
                target[key] = current
            _merge(spec, sub, current, value)
        elif isinstance(value, list) and prop.get("type") == "array":
            target[key] = [_merge_item(spec, prop.get("items") or {}, item) for item in value]
        else:
            target[key] = value


def _merge_item(spec: Spec, items_schema: JSON, value: JSON) -> JSON:
    """A list element: a sub-hash is filtered to the fields its schema defines, like a field."""
    sub = _object_schema(spec, items_schema)
    if not isinstance(value, dict) or "object" in value or sub is None or "properties" not in sub:
        return value
    item = skeleton_of(spec, sub)
    _merge(spec, sub, item, value)
    return item


def _object_schema(spec: Spec, prop: JSON) -> JSON | None:
    """The object schema a property holds (through `$ref` and `anyOf` wrappers), if any."""
    node = prop
    for _ in range(4):
        if "$ref" in node:
            node = spec.schema(node["$ref"][len(_REF_PREFIX) :])
        elif "anyOf" in node:
            objects = [b for b in node["anyOf"] if "$ref" in b or "properties" in b]
            if len(objects) != 1:
                return None
            node = objects[0]
        else:
            break
    return node if "properties" in node or node.get("additionalProperties") else None
