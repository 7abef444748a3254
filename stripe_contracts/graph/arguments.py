"""Checks of the public arguments of `GraphBuilder` and `Scenario` before anything is built.

Each mistake is one `InvalidArgument` naming the argument (`items[0].price.unit_ammount`) and,
for a misspelt key or choice, the nearest valid one. Keys a price or product may carry beyond
the builder's own are the properties the spec gives that object (they land as overrides), so a
typo is never silently dropped.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Any

from stripe_contracts.errors import InvalidArgument
from stripe_contracts.spec import Spec

JSON = Any

ITEM_KEYS = ("price", "quantity", "product")
#: What the builder reads from `items[i].price` itself; any other key must be a price property.
PRICE_KEYS = ("unit_amount", "currency", "recurring", "tiers", "tiers_mode")
RECURRING_KEYS = ("interval", "interval_count")
PRODUCT_KEYS = ("name", "features")
#: Fields the graph decides: every reference to the object uses them.
_FIXED = frozenset({"id", "object"})
_ITEM_EXAMPLE = '{"price": {"unit_amount": 1500}, "quantity": 1}'


def nearest(word: object, candidates: Iterable[str]) -> str | None:
    """The candidate closest to `word`, if one is close enough to be a typo of it."""
    if not isinstance(word, str):
        return None
    found = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return found[0] if found else None


def suggestion(word: object, candidates: Sequence[str]) -> str:
    """ "did you mean 'x'? " (when one is near) followed by the valid names."""
    close = nearest(word, candidates)
    prefix = f"did you mean {close!r}? " if close else ""
    return f"{prefix}valid: {', '.join(candidates)}"


def check_unknown_keys(where: str, given: Iterable[str], allowed: Sequence[str]) -> None:
    unknown = sorted(set(given) - set(allowed))
    if unknown:
        key = unknown[0]
        raise InvalidArgument(
            f"{where} has unknown key {key!r}" + (f" (and {unknown[1:]})" if unknown[1:] else ""),
            hint=suggestion(key, allowed),
        )


def check_seed(seed: object, name: str = "seed") -> None:
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise InvalidArgument(
            f"{name}={seed!r} must be an integer",
            hint="any int gives its own deterministic ids, e.g. seed=7",
        )


def check_start(start: object, name: str = "start") -> None:
    if start is None or (isinstance(start, int) and not isinstance(start, bool) and start >= 0):
        return
    example = 1704067200  # 2024-01-01T00:00:00Z
    if isinstance(start, datetime | date | str):
        when = _as_datetime(start)
        if when is not None:
            example = int(when.timestamp())
    raise InvalidArgument(
        f"{name}={start!r} must be Unix seconds (a non-negative int), as Stripe's timestamps are",
        hint=f"e.g. {name}={example} ({datetime.fromtimestamp(example, UTC):%Y-%m-%dT%H:%M:%SZ})",
    )


def _as_datetime(value: datetime | date | str) -> datetime | None:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def check_expand(expand: object) -> None:
    if isinstance(expand, str) or not isinstance(expand, Sequence):
        raise InvalidArgument(
            f"expand={expand!r} must be a list of paths",
            hint=f"e.g. expand=[{expand!r}]"
            if isinstance(expand, str)
            else 'e.g. expand=["latest_invoice"]',
        )


def check_plan_arguments(spec: Spec, *, items: JSON, start: JSON, currency: JSON) -> None:
    """`items`, `start` and `currency` as `GraphBuilder.subscription` and `Scenario` take them."""
    check_start(start)
    if currency is not None and not isinstance(currency, str):
        raise InvalidArgument(
            f"currency={currency!r} must be a three-letter ISO currency code",
            hint="e.g. currency='usd'",
        )
    if items is None:
        return
    if not isinstance(items, list) or not items:
        raise InvalidArgument(
            f"items={items!r} must be a non-empty list of items",
            hint=f"e.g. items=[{_ITEM_EXAMPLE}]",
        )
    price_keys = (*PRICE_KEYS, *_properties(spec, "price", exclude=PRICE_KEYS))
    product_keys = (*PRODUCT_KEYS, *_properties(spec, "product", exclude=PRODUCT_KEYS))
    for index, item in enumerate(items):
        where = f"items[{index}]"
        if not isinstance(item, dict):
            raise InvalidArgument(
                f"{where}={item!r} must be a dict", hint=f"e.g. items=[{_ITEM_EXAMPLE}]"
            )
        check_unknown_keys(where, item, ITEM_KEYS)
        price = item.get("price")
        _check_hash(f"{where}.price", price, "price", '{"unit_amount": 1500}')
        if isinstance(price, dict):
            check_unknown_keys(f"{where}.price", price, price_keys)
            recurring = price.get("recurring")
            if isinstance(recurring, dict):
                check_unknown_keys(f"{where}.price.recurring", recurring, RECURRING_KEYS)
        product = item.get("product")
        _check_hash(f"{where}.product", product, "product", '{"name": "Pro"}')
        if isinstance(product, dict):
            check_unknown_keys(f"{where}.product", product, product_keys)


def _check_hash(where: str, value: JSON, kind: str, example: str) -> None:
    if value is None or isinstance(value, dict):
        return
    if isinstance(value, str) and value.startswith(("price_", "prod_")):
        problem = f"{where}={value!r} is an id, but the graph creates its own {kind}s"
    else:
        problem = f"{where}={value!r} must be a dict of {kind} fields"
    raise InvalidArgument(problem, hint=f'describe the {kind} instead, e.g. "{kind}": {example}')


def _properties(spec: Spec, object_type: str, *, exclude: Sequence[str]) -> list[str]:
    schema = spec.schema(spec.schema_name_for(object_type))
    names = set(schema.get("properties", {})) - _FIXED - set(exclude)
    return sorted(names)
