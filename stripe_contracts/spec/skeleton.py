"""Skeletons: the properties Stripe sends by default for a schema of one spec version.

A skeleton holds exactly the properties `presence.sent_by_default` names: nullable ones null,
lists as empty list objects, sub-hashes filled in recursively, enums at their first value.
Required ids, strings and numbers start as `""` / `0`: the graph builder writes the semantic
model onto the skeleton and must replace every one (tests scan for survivors). Built once per
(spec, schema) and copied per use.
"""

from __future__ import annotations

import marshal
from typing import Any

from stripe_contracts.spec._model import Spec
from stripe_contracts.spec.presence import sent_by_default

JSON = Any
_REF_PREFIX = "#/components/schemas/"
_MAX_DEPTH = 12

#: A cached skeleton: the built object, whose top-level strings, numbers and nulls every copy
#: shares (they are immutable), and a marshal blob of each dict or list in it, which every copy
#: loads afresh. A shallow copy plus those loads is ~20% faster than one `marshal.loads`.
_Template = tuple[dict[str, JSON], dict[str, bytes]]

_templates: dict[tuple[str, str], _Template] = {}
#: (spec.key, id(node)) -> (node, template) for inline schema nodes; holding the node keeps its
#: id from being reused by another object while the entry lives.
_inline_templates: dict[tuple[str, int], tuple[JSON, _Template]] = {}


def skeleton(spec: Spec, schema_name: str) -> dict[str, JSON]:
    """A fresh copy of the skeleton for `schema_name` (safe to mutate)."""
    key = (spec.key, schema_name)
    template = _templates.get(key)
    if template is None:
        template = _templates[key] = _template(
            _build(spec, spec.schema(schema_name), 0, schema_name)
        )
    return _copy(template)


def skeleton_of(spec: Spec, schema: JSON) -> dict[str, JSON]:
    """A fresh copy of the skeleton of an inline object schema (a sub-hash), even if nullable."""
    key = (spec.key, id(schema))
    cached = _inline_templates.get(key)
    if cached is None:
        built = _build(spec, {k: v for k, v in schema.items() if k != "nullable"}, 0, None)
        cached = _inline_templates[key] = (schema, _template(built))
    return _copy(cached[1])


def _template(built: dict[str, JSON]) -> _Template:
    containers = {k: marshal.dumps(v) for k, v in built.items() if isinstance(v, dict | list)}
    return built, containers


def _copy(template: _Template) -> dict[str, JSON]:
    built, containers = template
    copy = built.copy()
    for key, blob in containers.items():
        copy[key] = marshal.loads(blob)
    return copy


def _build(spec: Spec, node: JSON, depth: int, name: str | None) -> JSON:
    """The skeleton of `node`, the schema named `name` (None for an inline one)."""
    if depth > _MAX_DEPTH:
        raise RecursionError(f"schema nesting deeper than {_MAX_DEPTH} levels")
    if "$ref" in node:
        ref = node["$ref"][len(_REF_PREFIX) :]
        return _build(spec, spec.schema(ref), depth + 1, ref)
    if node.get("nullable"):
        return None
    if "anyOf" in node:
        first = node["anyOf"][0]
        return "" if first.get("type") == "string" else _build(spec, first, depth + 1, None)
    if "enum" in node:
        return node["enum"][0]
    kind = node.get("type")
    if kind == "object" or "properties" in node:
        props = node.get("properties")
        if not props:
            return {}
        if _is_list_object(props):
            listing: dict[str, JSON] = dict.fromkeys(props)
            pattern = str((props.get("url") or {}).get("pattern", ""))
            listing.update(object="list", data=[], has_more=False, url=pattern.lstrip("^"))
            if "total_count" in props:
                listing["total_count"] = 0
            return listing
        required = set(node.get("required") or ())
        return {
            prop: _build(spec, sub, depth + 1, None)
            for prop, sub in props.items()
            if sent_by_default(name, prop, sub, required)
        }
    return {"string": "", "integer": 0, "number": 0, "boolean": False, "array": []}.get(str(kind))


def _is_list_object(props: dict[str, JSON]) -> bool:
    return (props.get("object") or {}).get("enum") == ["list"] and "data" in props
