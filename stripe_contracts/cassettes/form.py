"""Stripe's bracket form encoding: decode request bodies, encode them like stripe-python.

Stripe's v1 API takes `application/x-www-form-urlencoded` parameters whose names carry
the structure::

    customer=cus_1&items[0][price]=price_1&expand[]=latest_invoice.payment_intent

`decode_form` turns such a body (or a query string) into nested dicts and lists with string
leaves; `coerce` converts leaves to integers, numbers and booleans where the request schema
asks for them; `encode_form` is the inverse and produces exactly the body the official
`stripe` library sends (`stripe._encode._api_encode`, then `urlencode` with brackets left
unescaped, as `stripe._api_requestor` does).

How the format's ambiguities are settled:

- `name[0]`, `name[1]`, ... and `name[]` build lists; `name[field]` builds a dict. A segment
  is an index only in canonical form (`0`, `12`; not `012`), so a dict whose keys are all
  indices (metadata `{"0": ...}`) decodes as a list, and `coerce` turns it back into a dict
  where the schema says `object`.
- Indexed lists start at 0 and have no gaps; one container never mixes `[0]`, `[]` and
  `[field]`; a name never repeats (`a=1&a=2`) unless it ends in `[]`.
- `name[][field]` (Rack style) adds `field` to the last list element unless that element
  already has it; then a new element starts.
- The empty string stays `""`: Stripe reads it as "unset", and request schemas spell that
  `anyOf: [..., {"type": "string", "enum": [""]}]`, which `coerce` honours.
- `None`, empty dicts and empty lists encode to nothing, as in stripe-python.
"""

from __future__ import annotations

import calendar
import datetime
import math
import re
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import unquote_plus, urlencode

from stripe_contracts.errors import StripeContractsError

__all__ = ["FormDecodeError", "coerce", "decode_form", "encode_form"]

JsonSchema = dict[str, Any]
Resolve = Callable[[JsonSchema], JsonSchema]

MAX_DEPTH: Final = 32  # brackets per name; Stripe's deepest parameters use about six
_INDEX: Final = re.compile(r"0|[1-9][0-9]*")
_SHAPES_HINT: Final = (
    "use one shape per parameter: name[0], name[1], ... or name[] for lists, "
    "name[field] for objects"
)


class FormDecodeError(StripeContractsError):
    """A form body or query string that Stripe's bracket encoding cannot express."""

    def __init__(self, message: str, *, key: str, hint: str) -> None:
        super().__init__(message, hint=hint)
        self.key = key

    @classmethod
    def malformed(cls, key: str, problem: str) -> FormDecodeError:
        return cls(
            f"malformed parameter name {key!r}: {problem}",
            key=key,
            hint="write names as name, name[field], name[0] or name[]: close every '[' with "
            "']' and put nothing between ']' and the next '['",
        )

    @classmethod
    def undecodable(cls, key: str, reason: str) -> FormDecodeError:
        return cls(
            f"cannot decode parameter {key!r}: {reason}",
            key=key,
            hint="the body must be UTF-8 text with percent-escapes of UTF-8 bytes; build it "
            "with encode_form or the stripe library",
        )

    @classmethod
    def duplicate(cls, key: str) -> FormDecodeError:
        return cls(
            f"parameter {key!r} is given twice",
            key=key,
            hint=f"send it once, or send a list as {key}[]=... or {key}[0]=...&{key}[1]=...",
        )

    @classmethod
    def conflict(cls, key: str, other: str) -> FormDecodeError:
        return cls(
            f"parameter {key!r} conflicts with {other!r}: a name holds either a value "
            "or a list/object, not both",
            key=key,
            hint="drop one of the two; to unset a whole list or object send only name=",
        )

    @classmethod
    def mixed(cls, key: str, other: str) -> FormDecodeError:
        return cls(
            f"parameter {key!r} mixes bracket styles with {other!r}",
            key=key,
            hint=_SHAPES_HINT,
        )

    @classmethod
    def gap(cls, key: str, missing: str) -> FormDecodeError:
        return cls(
            f"list index gap at {key!r}: {missing!r} is missing",
            key=key,
            hint="number list items 0, 1, 2, ... with no gaps, or send them as name[]",
        )


# -- decoding ----------------------------------------------------------------------------------


@dataclass(eq=False)
class _Leaf:
    value: str
    key: str  # the name as sent, for messages


@dataclass(eq=False)
class _Branch:
    path: str  # canonical name of this container, e.g. "items[0][tiers]"
    shape: str = ""  # "map" | "index" | "append", fixed by the first child
    first: str = ""  # the name that fixed `shape`, for messages
    children: dict[str, _Leaf | _Branch] = field(default_factory=dict)
    appended: list[_Leaf | _Branch] = field(default_factory=list)


def decode_form(body: str | bytes) -> dict[str, Any]:
    """Parse a form body or query string into nested dicts and lists of strings.

    Raises `FormDecodeError`, naming the offending parameter, for anything Stripe's
    encoding cannot express; never any other exception.
    """
    if isinstance(body, bytes):
        raw: bytes = body
        try:
            body = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            bad = raw[: exc.end].rsplit(b"&", 1)[-1].partition(b"=")[0]
            name = bad.decode("utf-8", errors="replace")
            raise FormDecodeError.undecodable(name, f"the body is not UTF-8 ({exc})") from None
    root = _Branch(path="", shape="map")
    for pair in body.removeprefix("?").split("&"):
        if not pair:
            continue
        raw_name, _, raw_value = pair.partition("=")
        try:
            name = unquote_plus(raw_name, errors="strict")
            value = unquote_plus(raw_value, errors="strict")
        except UnicodeDecodeError as exc:
            raise FormDecodeError.undecodable(
                raw_name, f"a %-escape is not UTF-8 ({exc})"
            ) from None
        _insert(root, _split_name(name), value, name)
    decoded = _finish(root)
    assert isinstance(decoded, dict)
    return decoded


def _split_name(name: str) -> list[str]:
    """`items[0][price]` -> ["items", "0", "price"]; `expand[]` -> ["expand", ""]."""
    start = name.find("[")
    base = name if start < 0 else name[:start]
    if not base:
        raise FormDecodeError.malformed(name, "the name before the first '[' is empty")
    if "]" in base:
        raise FormDecodeError.malformed(name, "']' without a matching '['")
    segments, pos = [base], len(base)
    while pos < len(name):
        if name[pos] != "[":
            raise FormDecodeError.malformed(name, f"unexpected {name[pos:]!r} after ']'")
        close = name.find("]", pos + 1)
        if close < 0:
            raise FormDecodeError.malformed(name, "a '[' is never closed")
        segment = name[pos + 1 : close]
        if "[" in segment:
            raise FormDecodeError.malformed(name, "'[' inside brackets")
        segments.append(segment)
        pos = close + 1
        if len(segments) > MAX_DEPTH:
            raise FormDecodeError.malformed(name, f"nested deeper than {MAX_DEPTH} levels")
    return segments


def _shape(segment: str) -> str:
    if segment == "":
        return "append"
    return "index" if _INDEX.fullmatch(segment) else "map"


def _insert(root: _Branch, segments: list[str], value: str, name: str) -> None:
    node = root
    for depth, segment in enumerate(segments):
        last = depth == len(segments) - 1
        shape = "map" if depth == 0 else _shape(segment)
        if not node.shape:
            node.shape, node.first = shape, name
        elif node.shape != shape:
            raise FormDecodeError.mixed(name, node.first)
        path = f"{node.path}[{segment}]" if depth else segment
        if shape == "append":
            if last:
                node.appended.append(_Leaf(value, name))
                return
            previous = node.appended[-1] if node.appended else None
            if isinstance(previous, _Branch) and not _occupied(previous, segments[depth + 1 :]):
                node = previous
            else:
                node.appended.append(fresh := _Branch(path))
                node = fresh
            continue
        child = node.children.get(segment)
        if isinstance(child, _Leaf) and last:
            raise FormDecodeError.duplicate(name)
        if isinstance(child, _Leaf):
            raise FormDecodeError.conflict(name, child.key)
        if last:
            if child is not None:
                raise FormDecodeError.conflict(name, child.first)
            node.children[segment] = _Leaf(value, name)
            return
        if child is None:
            child = node.children[segment] = _Branch(path)
        node = child


def _occupied(branch: _Branch, tail: list[str]) -> bool:
    """Whether `tail` already leads to something in `branch` (Rack's rule for `name[][x]`)."""
    node: _Leaf | _Branch = branch
    for segment in tail:
        if isinstance(node, _Leaf):
            return True
        if segment == "" or segment not in node.children:
            return False
        node = node.children[segment]
    return True


def _finish(node: _Leaf | _Branch) -> Any:
    if isinstance(node, _Leaf):
        return node.value
    if node.shape == "append":
        return [_finish(child) for child in node.appended]
    if node.shape == "index":
        indices = [str(i) for i in range(len(node.children))]
        for index in indices:
            if index not in node.children:
                stray = next(c for k, c in node.children.items() if k not in indices)
                name = stray.key if isinstance(stray, _Leaf) else stray.first
                raise FormDecodeError.gap(name, f"{node.path}[{index}]")
        return [_finish(node.children[index]) for index in indices]
    return {key: _finish(child) for key, child in node.children.items()}


# -- encoding ----------------------------------------------------------------------------------


def encode_form(params: Mapping[str, Any]) -> str:
    """Encode `params` exactly as stripe-python encodes a request body or query string.

    Follows `stripe._encode._api_encode` branch for branch, quirks included: lists are always
    indexed; `None`, `{}` and `[]` vanish; booleans become `true`/`false` - except directly
    inside a list, where they stay `True`/`False`; objects with an `id` encode as that id;
    datetimes become Unix timestamps (naive ones read as local time, as stripe-python does).
    One deliberate difference: every `Mapping` nests, not only `dict`s.
    """
    pairs = list(_pairs(params))
    return urlencode(pairs).replace("%5B", "[").replace("%5D", "]")


def _pairs(data: Any) -> Iterator[tuple[Any, Any]]:
    items = data._data.items() if hasattr(data, "_data") else data.items()
    for key, value in items:
        if value is None:
            continue
        if hasattr(value, "id"):
            yield key, value.id
        elif isinstance(value, list | tuple):
            for i, item in enumerate(value):
                indexed = f"{key!s}[{i}]"
                if _nests(item):
                    yield from _pairs(_nested(indexed, item))
                elif isinstance(item, list | tuple):
                    yield from _pairs(_nested(indexed, dict(enumerate(item))))
                else:
                    yield indexed, item  # as stripe-python: no bool or datetime handling here
        elif _nests(value):
            yield from _pairs(_nested(key, value))
        elif isinstance(value, datetime.datetime):
            yield key, _timestamp(value)
        elif isinstance(value, bool):
            yield key, str(value).lower()
        else:
            yield key, value


def _nests(value: Any) -> bool:
    return isinstance(value, Mapping) or hasattr(value, "_data")


def _nested(key: Any, data: Any) -> dict[str, Any]:
    items = data._data.items() if hasattr(data, "_data") else data.items()
    return {f"{key!s}[{subkey!s}]": subvalue for subkey, subvalue in items}


def _timestamp(moment: datetime.datetime) -> int:
    if moment.tzinfo and moment.tzinfo.utcoffset(moment) is not None:
        return calendar.timegm(moment.utctimetuple())
    return int(time.mktime(moment.timetuple()))


# -- coercion ----------------------------------------------------------------------------------

_NOTHING: Final = object()
_INTEGER: Final = re.compile(r"-?[0-9]+")
_NUMBER: Final = re.compile(r"-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_SCALARS: Final = ("string", "integer", "number", "boolean")


def _identity(schema: JsonSchema) -> JsonSchema:
    return schema


def coerce(value: Any, schema: JsonSchema, resolve: Resolve = _identity) -> Any:
    """Convert the string leaves of a decoded form to the types `schema` asks for.

    `schema` is a draft-4 JSON schema as a plain dict (`type`, `enum`, `anyOf`, `oneOf`,
    `allOf`, `properties`, `additionalProperties`, `items`); `resolve` is called on every
    schema node and must return it with any `$ref` replaced. A string is kept when the schema
    accepts it as a string, and otherwise converted to the first type that accepts it;
    strings no type accepts stay strings so that validation reports them.
    """
    node = resolve(schema)
    if isinstance(value, str):
        candidates = _candidates(value, node, resolve, 0)
        return candidates[0] if candidates else value
    if isinstance(value, list | dict):
        return _coerce_container(value, node, resolve)
    return value


def _candidates(text: str, node: JsonSchema, resolve: Resolve, depth: int) -> list[Any]:
    """Every reading of `text` that `node` accepts, strings first."""
    if depth > MAX_DEPTH:
        return [text]
    types = _declared_types(node)
    enum = node.get("enum")
    found: list[Any] | None = None  # None: no constraint yet
    if types is not None or enum is not None:
        kinds = _SCALARS if types is None else [kind for kind in _SCALARS if kind in types]
        found = [r for kind in kinds if (r := _read(text, kind)) is not _NOTHING]
        if enum is not None:
            found = [r for r in found if _among(r, enum)]
    branches = [*node.get("anyOf", ()), *node.get("oneOf", ())]
    if branches:
        either = [r for b in branches for r in _candidates(text, resolve(b), resolve, depth + 1)]
        found = either if found is None else [r for r in found if _among(r, either)]
    for sub in node.get("allOf", ()):
        each = _candidates(text, resolve(sub), resolve, depth + 1)
        found = each if found is None else [r for r in found if _among(r, each)]
    if found is None:
        return [text]
    return sorted(found, key=lambda r: not isinstance(r, str))


def _read(text: str, kind: str) -> Any:
    if kind == "string":
        return text
    if kind == "boolean":
        return {"true": True, "false": False}.get(text, _NOTHING)
    try:
        if _INTEGER.fullmatch(text):
            return int(text)
        if kind == "number" and _NUMBER.fullmatch(text):
            number = float(text)
            return number if math.isfinite(number) else _NOTHING
    except ValueError:  # more digits than int() will parse
        pass
    return _NOTHING


def _among(value: Any, options: list[Any]) -> bool:
    return any(_same(value, option) for option in options)


def _same(a: Any, b: Any) -> bool:
    """JSON equality: `True` is not `1`, and `"1"` is not `1`."""
    return (
        isinstance(a, bool) == isinstance(b, bool)
        and isinstance(a, str) == isinstance(b, str)
        and bool(a == b)
    )


def _declared_types(node: JsonSchema) -> set[str] | None:
    """The node's own `type`s, inferred from its keywords when absent; None for any."""
    declared = node.get("type")
    if isinstance(declared, str):
        return {declared}
    if isinstance(declared, list):
        return set(declared)
    if {"properties", "additionalProperties"} & node.keys():
        return {"object"}
    if "items" in node:
        return {"array"}
    return None


def _coerce_container(value: Any, node: JsonSchema, resolve: Resolve) -> Any:
    for sub in node.get("allOf", ()):
        value = coerce(value, sub, resolve)
    branches = [resolve(b) for b in (*node.get("anyOf", ()), *node.get("oneOf", ()))]
    scored = [(_fit(value, b), i) for i, b in enumerate(branches)]
    if scored and (best := max(scored, key=lambda s: (s[0], -s[1])))[0] > 0:
        value = _coerce_container(value, branches[best[1]], resolve)
    types = _declared_types(node)
    if isinstance(value, list) and types and "object" in types and "array" not in types:
        value = {str(i): item for i, item in enumerate(value)}  # metadata keys "0", "1", ...
    if isinstance(value, list):
        items = node.get("items")
        if isinstance(items, dict):
            return [coerce(item, items, resolve) for item in value]
        if isinstance(items, list):
            return [coerce(v, s, resolve) for v, s in zip(value, items, strict=False)] + value[
                len(items) :
            ]
        return list(value)
    properties = node.get("properties") or {}
    extra = node.get("additionalProperties")
    coerced: dict[Any, Any] = {}
    for key, item in value.items():
        schema = properties.get(key, extra)
        coerced[key] = coerce(item, schema, resolve) if isinstance(schema, dict) else item
    return coerced


def _fit(value: Any, branch: JsonSchema) -> int:
    """How well a container matches an `anyOf` branch: 0 never, higher is better."""
    types = _declared_types(branch)
    if types is None:
        return 1
    if isinstance(value, dict) and "object" in types:
        known = branch.get("properties") or {}
        extra = branch.get("additionalProperties")
        return 4 if isinstance(extra, dict) or all(key in known for key in value) else 3
    if isinstance(value, list):
        return 3 if "array" in types else 2 if "object" in types else 0
    return 0
