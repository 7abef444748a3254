"""Request shapes a spec version takes, where they differ between versions."""

from __future__ import annotations

from typing import Any

from stripe_contracts.spec._model import Spec

JSON = Any


def request_properties(spec: Spec, method: str, path: str) -> frozenset[str]:
    """The form parameters the operation `method path` (e.g. post /v1/invoiceitems) takes."""
    operation = spec.paths.get(path, {}).get(method, {})
    content = operation.get("requestBody", {}).get("content", {})
    form = content.get("application/x-www-form-urlencoded", {}).get("schema", {})
    return frozenset(form.get("properties") or ())


def invoice_item_price(spec: Spec, price: str) -> dict[str, JSON]:
    """How POST /v1/invoiceitems names its price: `price` before basil, `pricing[price]` from
    basil on (changelog 2025-03-31.basil moved an invoice item's price under `pricing`)."""
    if "price" in request_properties(spec, "post", "/v1/invoiceitems"):
        return {"price": price}
    return {"pricing": {"price": price}}


def subscription_coupon(spec: Spec, path: str, coupon: str) -> dict[str, JSON]:
    """How POST /v1/subscriptions (or /{id}) names a coupon: `coupon` in older versions,
    `discounts[][coupon]` in those that removed it (the dahlia spec has only `discounts`)."""
    if "coupon" in request_properties(spec, "post", path):
        return {"coupon": coupon}
    return {"discounts": [{"coupon": coupon}]}
