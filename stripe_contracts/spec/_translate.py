"""Translate Stripe's OpenAPI 3.0 schemas into plain JSON Schema (draft 4) once per spec.

Stripe writes `nullable: true` meaning "null is allowed" even beside `anyOf` wrappers and
enums, where a literal reading of OpenAPI 3.0.3 would still reject null. Here null becomes an
explicit alternative, so every JSON Schema engine agrees with Stripe. In strict mode an object
schema with `properties` and no `additionalProperties` rejects properties it does not define.
"""

from __future__ import annotations

from typing import Any

JSON = Any
_DROPPED = frozenset({"description", "title", "nullable", "x-expandableFields", "x-resourceId"})
_SUBSCHEMA_LISTS = ("anyOf", "oneOf", "allOf")


def translate(node: JSON, *, strict: bool) -> JSON:
    """A copy of `node` with `nullable` made explicit (and strictness added)."""
    if isinstance(node, list):
        return [translate(item, strict=strict) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, JSON] = {}
    for key, value in node.items():
        if key in _DROPPED:
            continue
        if key == "properties":
            out[key] = {name: translate(sub, strict=strict) for name, sub in value.items()}
        elif key in ("items", "additionalProperties", "not") or key in _SUBSCHEMA_LISTS:
            out[key] = translate(value, strict=strict)
        else:
            out[key] = value  # enum, required, maxLength, $ref, x-stripeBypassValidation, ...
    if strict and "properties" in out and "additionalProperties" not in out:
        out["additionalProperties"] = False
    if node.get("nullable"):
        out = _admit_null(out)
    return out


def _admit_null(node: dict[str, JSON]) -> dict[str, JSON]:
    if "anyOf" in node:
        node["anyOf"] = [*node["anyOf"], {"type": "null"}]
        return node
    if "type" in node:
        kinds = node["type"] if isinstance(node["type"], list) else [node["type"]]
        node["type"] = [*kinds, "null"]
        if "enum" in node and None not in node["enum"]:
            node["enum"] = [*node["enum"], None]
        return node
    if "$ref" in node or "oneOf" in node or "allOf" in node:
        bypass = node.pop("x-stripeBypassValidation", None)
        wrapped: dict[str, JSON] = {"anyOf": [node, {"type": "null"}]}
        if bypass is not None:
            wrapped["x-stripeBypassValidation"] = bypass
        return wrapped
    return node  # no type at all: anything, null included
