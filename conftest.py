"""Shared test set-up: Stripe's real specs and example objects, loaded from outside the repo.

They are Stripe's data and are never committed here: they live in `../shared/stripe-openapi/`
beside the checkout, or wherever `STRIPE_CONTRACTS_SHARED` points.
"""

from __future__ import annotations

import http.server
import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

from stripe_contracts.spec import Spec, load_spec

# No per-example deadline (a shared 2-core machine is not a stopwatch), and in CI the same
# examples every run: a property that fails there fails the same way on a laptop.
settings.register_profile("stripe-contracts", deadline=None, print_blob=True)
settings.register_profile(
    "stripe-contracts-ci", parent=settings.get_profile("stripe-contracts"), derandomize=True
)
settings.load_profile("stripe-contracts-ci" if os.environ.get("CI") else "stripe-contracts")

SHARED = Path(
    os.environ.get(
        "STRIPE_CONTRACTS_SHARED", Path(__file__).resolve().parent.parent / "shared/stripe-openapi"
    )
)
VERSIONS = ("2020-08-27", "2023-08-16", "2026-05-27.dahlia")
EXCERPT = SHARED / "entitlements.2026-09-30.json"


#: Stripe's id prefixes per object type, as its API reference shows them in example ids:
#: written out here, independently of the package's own table, so a wrong prefix there fails.
STRIPE_ID_PREFIXES = {
    "customer": "cus",
    "payment_method": "pm",
    "product": "prod",
    "price": "price",
    "subscription": "sub",
    "subscription_item": "si",
    "invoice": "in",
    "line_item": "il",
    "invoiceitem": "ii",
    "invoice_payment": "inpay",
    "payment_intent": "pi",
    "charge": "ch",
    "entitlements.feature": "feat",
    "product_feature": "prodft",
    "entitlements.active_entitlement": "ent",
    "discount": "di",
    "tax_rate": "txr",
    "event": "evt",
}


def referenced_ids(node: Any) -> list[tuple[str, str]]:
    """(field, value) for every string anywhere in `node` that looks like a Stripe id."""
    prefixes = set(STRIPE_ID_PREFIXES.values())
    found: list[tuple[str, str]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("id", "type"):  # a type such as `price_details` names no object
                continue
            prefixed = (
                isinstance(value, str)
                and value.split("_")[0] in prefixes
                and "_" in value
                and " " not in value
                and "/" not in value
            )
            if prefixed or (isinstance(value, str) and key == "coupon"):  # coupons: no prefix
                found.append((key, value))
            else:
                found.extend(referenced_ids(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(referenced_ids(value))
    return found


def period_of(subscription: dict[str, Any]) -> tuple[int, int]:
    """The current billing period: on the subscription before basil, on its items from basil
    on (changelog 2025-03-31.basil, deprecate-subscription-current-period-start-and-end)."""
    holder = subscription
    if "current_period_start" not in subscription:
        holder = subscription["items"]["data"][0]
    return holder["current_period_start"], holder["current_period_end"]


def taxes_of(node: dict[str, Any]) -> list[dict[str, Any]]:
    """An invoice's or a line's tax entries: `total_tax_amounts` / `tax_amounts` before basil,
    `total_taxes` / `taxes` from basil on."""
    for key in ("total_tax_amounts", "tax_amounts", "total_taxes", "taxes"):
        if key in node:
            return list(node[key] or [])
    raise KeyError(f"no tax entries on {node.get('object')}")


@contextmanager
def loopback_server(handler: type[http.server.BaseHTTPRequestHandler]) -> Iterator[str]:
    """Serve `handler` on 127.0.0.1 (a free port) while the block runs; yields its base URL."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def bundle_objects(bundle: Path) -> list[dict[str, Any]]:
    """The objects of a bundle `generate` wrote, in its manifest's order."""
    manifest = json.loads((bundle / "manifest.json").read_text())
    return [json.loads((bundle / e["file"]).read_text()) for e in manifest["objects"]]


def bundle_events(bundle: Path) -> list[dict[str, Any]]:
    """The events of a bundle `generate` wrote, in delivery order."""
    manifest = json.loads((bundle / "manifest.json").read_text())
    return [json.loads((bundle / e["file"]).read_text()) for e in manifest["events"]]


@cache
def spec_for(version: str) -> Spec:
    """A full spec with the entitlements excerpt layered over it."""
    return load_spec([SHARED / f"spec3.{version}.json", EXCERPT])


@cache
def fixtures_for(version: str) -> dict[str, Any]:
    """Stripe's example object per resource for `version` ('2026' for the newest shapes)."""
    modern = version == "2026" or version >= "2025"
    name = "fixtures3.2026.json" if modern else f"fixtures3.{version}.json"
    resources: dict[str, Any] = json.loads((SHARED / name).read_text())["resources"]
    return resources


@pytest.fixture(params=VERSIONS)
def version(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def spec(version: str) -> Spec:
    return spec_for(version)


@pytest.fixture(autouse=True)
def _isolated_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Parsed-spec cache in a per-session temp dir, never the developer's ~/.cache."""
    monkeypatch.setenv("STRIPE_CONTRACTS_CACHE", str(tmp_path_factory.getbasetemp() / "cache"))
