"""The one JSON serialisation for files and webhook bodies (byte-stable by construction), and
the one way JSON this package did not write is read (`load_json`)."""

from __future__ import annotations

import json
from typing import Any

#: The deepest nesting `load_json` accepts. Stripe's objects nest about 10 levels (an
#: expanded invoice), its full specs about 26; 100 leaves room for both and keeps a document
#: nested hundreds of levels deep from exhausting the recursion of whatever walks it next.
MAX_DEPTH = 100


class JsonRefused(ValueError):
    """Parsed JSON this package will not use: too deeply nested, or with a duplicate key."""


def load_json(raw: str | bytes) -> Any:
    """Parse JSON like `json.loads`, refusing with `JsonRefused` (a `ValueError`):

    - an object with the same key twice: `json.loads` keeps the last, other parsers the
      first, so what is checked here need not be what the integration reads;
    - nesting deeper than `MAX_DEPTH`.

    `NaN` and `Infinity` are read as floats, so a validator can name them.
    """
    try:
        value = json.loads(raw, object_pairs_hook=_no_duplicates)
    except RecursionError:
        raise JsonRefused(f"nested more than {MAX_DEPTH} levels deep") from None
    check_depth(value)
    return value


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise JsonRefused(f"duplicate key {key!r} in one object (JSON keys must be unique)")
        found[key] = value
    return found


def check_depth(value: Any) -> None:
    """`JsonRefused` if `value` nests deeper than `MAX_DEPTH`; iteratively, so a deep value
    cannot exhaust the recursion it guards."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict | list):
            if depth > MAX_DEPTH:
                raise JsonRefused(f"nested more than {MAX_DEPTH} levels deep")
            children = node.values() if isinstance(node, dict) else node
            stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))


def dump_json(value: Any) -> bytes:
    """Sorted keys, two-space indent, UTF-8, trailing newline."""
    return (json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


def dump_json_line(value: Any) -> bytes:
    """Compact, sorted, one line (no newline): an NDJSON record or a compact webhook body."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
