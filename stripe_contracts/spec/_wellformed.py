"""Is a parsed OpenAPI document shaped the way the rest of the package reads it?

Checked once per document content, when it is parsed (a cached document was checked before
it was cached). Each rule below is one keyword of the OpenAPI 3.0 Schema Object
(https://spec.openapis.org/oas/v3.0.3#schema-object) with the type it must have; a document
that breaks one is refused with the JSON pointer of the part, instead of failing later with a
traceback from deep inside the validator or the renderer. Only what is read is checked:
`components.schemas` and the schemas of `paths`' operations, `info.version`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from typing import Any

JSON = Any
_REF_PREFIX = "#/components/schemas/"
_TYPES = frozenset({"string", "integer", "number", "boolean", "array", "object"})
_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


class Malformed(ValueError):
    """One part of the document has the wrong type; `pointer` says which."""

    def __init__(self, pointer: str, problem: str) -> None:
        self.pointer = pointer or "/"
        self.problem = problem
        super().__init__(f"at {self.pointer}: {problem}")


def _is_scalar(value: JSON) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    return value is None or isinstance(value, str | int | bool)


def _is_number(value: JSON) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _is_count(value: JSON) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _compiles(value: JSON) -> bool:
    try:
        re.compile(value)
    except (re.error, TypeError):
        return False
    return True


#: keyword -> (test of its value, what it must be). Subschemas are walked separately.
_KEYWORDS: dict[str, tuple[Callable[[JSON], bool], str]] = {
    "type": (lambda v: v in _TYPES, "one of " + ", ".join(sorted(_TYPES))),
    "properties": (lambda v: isinstance(v, dict), "an object of schemas"),
    "required": (
        lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
        "a list of property names",
    ),
    "enum": (
        lambda v: isinstance(v, list) and all(_is_scalar(x) for x in v),
        "a list of strings, numbers, booleans or null",
    ),
    "anyOf": (lambda v: isinstance(v, list), "a list of schemas"),
    "oneOf": (lambda v: isinstance(v, list), "a list of schemas"),
    "allOf": (lambda v: isinstance(v, list), "a list of schemas"),
    "items": (lambda v: isinstance(v, dict), "a schema"),
    "not": (lambda v: isinstance(v, dict), "a schema"),
    "additionalProperties": (lambda v: isinstance(v, bool | dict), "a boolean or a schema"),
    "nullable": (lambda v: isinstance(v, bool), "a boolean"),
    "format": (lambda v: isinstance(v, str), "a string"),
    "pattern": (_compiles, "a regular expression that compiles"),
    "maximum": (_is_number, "a finite number"),
    "minimum": (_is_number, "a finite number"),
    "multipleOf": (lambda v: _is_number(v) and v > 0, "a finite number above 0"),
    "exclusiveMaximum": (lambda v: isinstance(v, bool), "a boolean (OpenAPI 3.0)"),
    "exclusiveMinimum": (lambda v: isinstance(v, bool), "a boolean (OpenAPI 3.0)"),
    "maxLength": (_is_count, "a whole number of at least 0"),
    "minLength": (_is_count, "a whole number of at least 0"),
    "maxItems": (_is_count, "a whole number of at least 0"),
    "minItems": (_is_count, "a whole number of at least 0"),
    "x-expandableFields": (
        lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
        "a list of property names",
    ),
}


def check_document(data: JSON) -> dict[str, str]:
    """Raise `Malformed` at the first part of `data` (an OpenAPI document whose
    `components.schemas` is known to be an object) that has the wrong type.

    Returns the `$ref`s to schemas the document does not define (name -> pointer of the first
    one): an excerpt refers to its base spec's schemas, so those are checked when documents
    are layered (`Spec`).
    """
    info = data.get("info")
    if info is not None and not isinstance(info, dict):
        raise Malformed("/info", "must be an object")
    version = (info or {}).get("version")
    if version is not None and not isinstance(version, str):
        raise Malformed("/info/version", f"must be a string such as '2023-08-16', got {version!r}")
    schemas = data["components"]["schemas"]
    elsewhere: dict[str, str] = {}
    for pointer, schema in _roots(data):
        _check_schema(schema, pointer, schemas, elsewhere)
    return elsewhere


def _roots(data: JSON) -> Iterator[tuple[str, JSON]]:
    """Every schema the package reads, with its pointer: components, then operations'."""
    for name, schema in data["components"]["schemas"].items():
        yield f"/components/schemas/{_escape(name)}", schema
    paths = data.get("paths")
    if paths is None:
        return
    if not isinstance(paths, dict):
        raise Malformed("/paths", "must be an object of path items")
    for route, item in paths.items():
        where = f"/paths/{_escape(route)}"
        if not isinstance(item, dict):
            raise Malformed(where, "must be an object of operations")
        for method in _METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            yield from _operation_schemas(operation, f"{where}/{method}")


def _operation_schemas(operation: JSON, where: str) -> Iterator[tuple[str, JSON]]:
    if not isinstance(operation, dict):
        raise Malformed(where, "must be an object")
    parameters = operation.get("parameters") or []
    if not isinstance(parameters, list):
        raise Malformed(f"{where}/parameters", "must be a list")
    for index, parameter in enumerate(parameters):
        if not isinstance(parameter, dict):
            raise Malformed(f"{where}/parameters/{index}", "must be an object")
        if "schema" in parameter:
            yield f"{where}/parameters/{index}/schema", parameter["schema"]
    body = operation.get("requestBody")
    if body is not None:
        yield from _content_schemas(body, f"{where}/requestBody")
    responses = operation.get("responses") or {}
    if not isinstance(responses, dict):
        raise Malformed(f"{where}/responses", "must be an object")
    for status, response in responses.items():
        yield from _content_schemas(response, f"{where}/responses/{_escape(str(status))}")


def _content_schemas(holder: JSON, where: str) -> Iterator[tuple[str, JSON]]:
    if not isinstance(holder, dict):
        raise Malformed(where, "must be an object")
    content = holder.get("content") or {}
    if not isinstance(content, dict):
        raise Malformed(f"{where}/content", "must be an object of media types")
    for media, entry in content.items():
        if not isinstance(entry, dict):
            raise Malformed(f"{where}/content/{_escape(media)}", "must be an object")
        if "schema" in entry:
            yield f"{where}/content/{_escape(media)}/schema", entry["schema"]


def _check_schema(
    root: JSON, pointer: str, schemas: dict[str, JSON], elsewhere: dict[str, str]
) -> None:
    """The schema at `pointer` and every schema inside it (a loop: no recursion limit)."""
    stack = [(root, pointer)]
    while stack:
        schema, where = stack.pop()
        if not isinstance(schema, dict):
            raise Malformed(where, f"a schema must be an object, got {_kind(schema)}")
        for keyword, value in schema.items():
            rule = _KEYWORDS.get(keyword)
            if rule is not None and not rule[0](value):
                raise Malformed(f"{where}/{keyword}", f"must be {rule[1]}, got {_shown(value)}")
        ref = schema.get("$ref")
        if ref is not None:
            if not (isinstance(ref, str) and ref.startswith(_REF_PREFIX)):
                raise Malformed(f"{where}/$ref", f"must be '{_REF_PREFIX}<name>', got {ref!r}")
            name = ref[len(_REF_PREFIX) :]
            if name not in schemas:
                elsewhere.setdefault(name, f"{where}/$ref")
        for name, sub in (schema.get("properties") or {}).items():
            stack.append((sub, f"{where}/properties/{_escape(name)}"))
        for keyword in ("anyOf", "oneOf", "allOf"):
            for index, sub in enumerate(schema.get(keyword) or []):
                stack.append((sub, f"{where}/{keyword}/{index}"))
        for keyword in ("items", "not", "additionalProperties"):
            if isinstance(schema.get(keyword), dict):
                stack.append((schema[keyword], f"{where}/{keyword}"))


def _escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


def _kind(value: JSON) -> str:
    return "null" if value is None else type(value).__name__


def _shown(value: JSON) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
