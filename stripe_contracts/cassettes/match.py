"""Match requests the Stripe way: parameters compared as data, not as bytes.

stripe-python (and every other client) may order form parameters differently from one run
to the next, and `a[]=x` and `a[0]=x` mean the same list. So query strings and form bodies
are decoded with `cassettes.form.decode_form` and compared as nested dicts and lists; JSON
bodies are compared parsed. The difference is reported parameter by parameter, in Stripe's
own bracket notation, so a failed match says exactly what changed.

Headers are not compared: `Idempotency-Key`, `User-Agent` and `X-Stripe-Client-User-Agent`
change on every run.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any, Final

from stripe_contracts.cassettes.form import FormDecodeError, decode_form

__all__ = [
    "Explain",
    "body_differences",
    "describe_differences",
    "differences",
    "query_differences",
]

MAX_SHOWN: Final = 8
_MISSING: Final = object()
#: Says how to change a parameter (by its name in bracket notation) at its source, or None.
Explain = Callable[[str], str | None]


def differences(
    actual: Any, recorded: Any, *, name: str = "", explain: Explain | None = None
) -> list[str]:
    """Every parameter where `actual` differs from `recorded`, e.g. ``email: 'b@x' (recorded
    'a@x')``; empty when they are equal. Dicts compare by key (order does not matter), lists
    by position. `explain` adds how to change a parameter where the recording comes from
    (``...; set customer.email in scenario.yaml``)."""
    found = []
    for label, text in _walk(actual, recorded, name):
        how = explain(label) if explain is not None else None
        found.append(f"{text}; {how}" if how else text)
    return found


def _walk(actual: Any, recorded: Any, name: str) -> Iterator[tuple[str, str]]:
    if isinstance(actual, dict) and isinstance(recorded, dict):
        for key in sorted({*actual, *recorded}, key=str):
            child = f"{name}[{key}]" if name else str(key)
            yield from _walk(actual.get(key, _MISSING), recorded.get(key, _MISSING), child)
        return
    if isinstance(actual, list) and isinstance(recorded, list):
        for index in range(max(len(actual), len(recorded))):
            yield from _walk(
                actual[index] if index < len(actual) else _MISSING,
                recorded[index] if index < len(recorded) else _MISSING,
                f"{name}[{index}]",
            )
        return
    if actual == recorded:
        return
    label = name or "(body)"
    if actual is _MISSING:
        yield label, f"{label}: not sent (recorded {_show(recorded)})"
    elif recorded is _MISSING:
        yield label, f"{label}: {_show(actual)} (not recorded)"
    else:
        yield label, f"{label}: {_show(actual)} (recorded {_show(recorded)})"


def _show(value: Any) -> str:
    text = repr(value) if isinstance(value, str) else json.dumps(value, sort_keys=True)
    return text if len(text) <= 60 else text[:57] + "..."


def describe_differences(found: list[str]) -> str:
    """One line for a matcher message: the first few differences, and how many more."""
    shown = "; ".join(found[:MAX_SHOWN])
    more = len(found) - MAX_SHOWN
    return shown + (f"; and {more} more" if more > 0 else "")


def query_differences(actual: str, recorded: str, *, explain: Explain | None = None) -> list[str]:
    """Differences between two query strings, decoded as Stripe parameters."""
    return _compare(_decoded(actual), _decoded(recorded), "query", explain)


def body_differences(
    actual: str | bytes | None, recorded: str | bytes | None, *, explain: Explain | None = None
) -> list[str]:
    """Differences between two request bodies: JSON parsed, forms decoded, else bytes."""
    return _compare(_decoded(actual), _decoded(recorded), "body", explain)


def _compare(actual: Any, recorded: Any, part: str, explain: Explain | None) -> list[str]:
    if isinstance(actual, bytes) or isinstance(recorded, bytes):
        if actual == recorded:
            return []
        return [f"{part}: differs (not Stripe parameters, so compared byte for byte)"]
    return differences(actual, recorded, explain=explain)


def _decoded(raw: str | bytes | None) -> Any:
    """Parameters of a body or query string; the bytes themselves when it is neither."""
    if raw is None or raw in ("", b""):
        return {}
    data = raw if isinstance(raw, bytes) else raw.encode("utf-8")
    stripped = data.lstrip()
    if stripped[:1] in (b"{", b"["):
        try:
            return json.loads(data)
        except ValueError:
            pass
    try:
        return decode_form(data)
    except FormDecodeError:
        return data
