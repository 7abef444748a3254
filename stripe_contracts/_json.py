"""The one JSON serialisation for files and webhook bodies: byte-stable by construction."""

from __future__ import annotations

import json
from typing import Any


def dump_json(value: Any) -> bytes:
    """Sorted keys, two-space indent, UTF-8, trailing newline."""
    return (json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


def dump_json_line(value: Any) -> bytes:
    """Compact, sorted, one line (no newline): an NDJSON record or a compact webhook body."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
