"""The catalog a subscription bills from: products, prices, features and items, parsed from
the builder's `items=[{"price": {...}, "quantity": n, "product": {...}}]` arguments, with a
clear error for every argument outside what Stripe allows."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field, replace
from typing import Any

from stripe_contracts.errors import InvalidArgument
from stripe_contracts.graph.clock import DAY
from stripe_contracts.graph.ids import IdFactory
from stripe_contracts.graph.money import CURRENCIES, Coupon, TaxRate, tiered_amount

JSON = Any


@dataclass
class Feature:
    id: str
    lookup_key: str
    name: str


@dataclass
class Product:
    id: str
    name: str
    created: int
    feature_keys: list[str]
    product_feature_ids: dict[str, str] = field(default_factory=dict)  # lookup_key -> prodft_
    overrides: dict[str, JSON] = field(default_factory=dict)


@dataclass
class Price:
    id: str
    product: Product
    currency: str
    unit_amount: int | None
    interval: str | None
    interval_count: int
    created: int
    billing_scheme: str = "per_unit"
    tiers_mode: str | None = None
    tiers: list[dict[str, JSON]] | None = None
    overrides: dict[str, JSON] = field(default_factory=dict)
    lookup_key: str | None = None

    def amount_for(self, quantity: int) -> int:
        """What `quantity` units cost for one period: unit amount x quantity, or the tiers."""
        if self.tiers is None:
            return (self.unit_amount or 0) * quantity
        return tiered_amount(self.tiers, self.tiers_mode or "graduated", quantity)


@dataclass
class Item:
    id: str
    price: Price
    quantity: int
    created: int


def choose_currency(currency: str | None, requests: list[dict[str, JSON]]) -> str:
    asked = {
        str(r["price"]["currency"]).lower()
        for r in requests
        if isinstance(r, dict) and isinstance(r.get("price"), dict) and "currency" in r["price"]
    }
    if currency is not None and not isinstance(currency, str):
        raise InvalidArgument(
            f"currency={currency!r} is not a currency code", hint="e.g. currency='usd' or 'jpy'"
        )
    chosen = (currency if currency is not None else (sorted(asked)[0] if asked else "usd")).lower()
    if chosen not in CURRENCIES:
        close = difflib.get_close_matches(chosen, sorted(CURRENCIES), n=3)
        raise InvalidArgument(
            f"currency={chosen!r} is not a currency Stripe charges in (a three-letter ISO 4217 "
            "code from docs.stripe.com/currencies)",
            hint=f"did you mean {' or '.join(map(repr, close))}?"
            if close
            else "e.g. currency='usd' or 'jpy'",
        )
    if asked - {chosen}:
        raise InvalidArgument(
            f"prices use currencies {sorted(asked | {chosen})}, but one subscription bills in "
            "one currency",
            hint=f"give every price currency={chosen!r} (or pass currency= to match them)",
        )
    return chosen


def catalog_entry(
    ids: IdFactory,
    name_key: str,
    index: int,
    request: JSON,
    currency: str,
    t0: int,
    intervals_allowed: tuple[str, ...],
) -> tuple[Product, Price, int]:
    where = f"items[{index}]"
    if not isinstance(request, dict):
        raise InvalidArgument(
            f"{where} must be a dict, got {request!r}",
            hint='e.g. {"price": {"unit_amount": 1500}, "quantity": 1}',
        )
    unknown = set(request) - {"price", "quantity", "product"}
    if unknown:
        raise InvalidArgument(
            f"{where} has unknown keys {sorted(unknown)}",
            hint="items take 'price', 'quantity' and 'product'",
        )
    quantity = item_quantity(where, request)
    price_in = dict(request.get("price") or {})
    product_in = dict(request.get("product") or {})
    default_name = ["Standard", "Advanced", "Add-on", "Extra"][index % 4]
    name = str(product_in.pop("name", default_name + ("" if index < 4 else f" {index}")))
    keys = product_in.pop("features", [_slug(name) + "_features"])
    if not isinstance(keys, list) or not all(isinstance(k, str) and k for k in keys):
        raise InvalidArgument(
            f"{where}.product.features must be a list of lookup keys",
            hint='e.g. "features": ["basic_features", "extended_features"]',
        )
    product = Product(
        ids.named("product", name_key),
        name,
        t0 - 30 * DAY,
        list(dict.fromkeys(keys)),
        overrides=product_in,
    )
    recurring = price_in.pop("recurring", {"interval": "month", "interval_count": 1})
    interval = None
    interval_count = 1
    if recurring is not None and not isinstance(recurring, dict):
        raise InvalidArgument(
            f"{where}.price.recurring={recurring!r} must be a dict or None (one-time)",
            hint='e.g. {"interval": "month", "interval_count": 1}',
        )
    if recurring is not None:
        interval = recurring.get("interval", "month")
        interval_count = recurring.get("interval_count", 1)
        if interval not in intervals_allowed:
            raise InvalidArgument.choice(
                f"{where}.price.recurring.interval", interval, intervals_allowed
            )
        if not isinstance(interval_count, int) or interval_count < 1:
            raise InvalidArgument(
                f"{where}.price.recurring.interval_count={interval_count!r} must be a positive "
                "integer",
                hint="e.g. interval_count=3 for quarterly with interval='month'",
            )
    price_in.pop("currency", None)
    tiers = price_in.pop("tiers", None)
    tiers_mode = price_in.pop("tiers_mode", "graduated" if tiers else None)
    unit_amount = price_in.pop("unit_amount", None if tiers else 2000)
    if tiers is not None:
        _check_tiers(where, tiers, tiers_mode)
    elif not isinstance(unit_amount, int) or isinstance(unit_amount, bool) or unit_amount < 0:
        raise InvalidArgument(
            f"{where}.price.unit_amount={unit_amount!r} must be a non-negative integer in the "
            "currency's smallest unit",
            hint="e.g. unit_amount=1500 for $15.00, or 1500 for ¥1500",
        )
    price = Price(
        id=ids.named("price", name_key),
        product=product,
        currency=currency,
        unit_amount=unit_amount,
        interval=interval,
        interval_count=interval_count,
        created=t0 - 30 * DAY,
        billing_scheme="tiered" if tiers else "per_unit",
        tiers_mode=tiers_mode,
        tiers=tiers,
        overrides=price_in,
    )
    return product, price, quantity


def item_quantity(where: str, request: dict[str, JSON]) -> int:
    """An item's `quantity` (default 1), a positive whole number."""
    quantity = request.get("quantity", 1)
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
        raise InvalidArgument(
            f"{where}.quantity={quantity!r} must be a positive integer", hint="e.g. quantity=3"
        )
    return quantity


def _check_tiers(where: str, tiers: JSON, mode: JSON) -> None:
    if mode not in ("graduated", "volume"):
        raise InvalidArgument.choice(f"{where}.price.tiers_mode", mode, ("graduated", "volume"))
    ok = isinstance(tiers, list) and tiers and all(isinstance(t, dict) for t in tiers)
    if not ok or tiers[-1].get("up_to") != "inf":
        raise InvalidArgument(
            f"{where}.price.tiers must be a list of tiers ending with up_to='inf'",
            hint='e.g. [{"up_to": 10, "unit_amount": 500}, {"up_to": "inf", "unit_amount": 400}]',
        )


def features_for(ids: IdFactory, products: list[Product]) -> list[Feature]:
    by_key: dict[str, Feature] = {}
    for product in products:
        for key in product.feature_keys:
            if key not in by_key:
                name = key.replace("_", " ").capitalize()
                by_key[key] = Feature(ids.named("entitlements.feature", key), key, name)
            product.product_feature_ids[key] = ids.named("product_feature", f"{product.id}/{key}")
    return list(by_key.values())


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_") or "product"


@dataclass
class Catalog:
    """A user's catalog file, as products, prices and features with stable ids."""

    products: list[Product]
    prices: list[Price]
    features: list[Feature]
    coupons: dict[str, Coupon] = field(default_factory=dict)  # by key; discount_id not yet set
    tax_rates: dict[str, TaxRate] = field(default_factory=dict)  # by key

    def tax_rate(self, key: str, where: str) -> TaxRate:
        """The tax rate with `key`, or a clear error naming the nearest key."""
        if key not in self.tax_rates:
            raise InvalidArgument(
                f"{where}: no tax rate with key {key!r} in the catalog",
                hint=nearest_hint(key, sorted(self.tax_rates), "tax rate keys"),
            )
        return self.tax_rates[key]

    def coupon(self, key: str, where: str, *, discount_id: str, start: int) -> Coupon:
        """The coupon with `key`, as applied at `start` by a new discount."""
        if key not in self.coupons:
            raise InvalidArgument(
                f"{where}: no coupon with key {key!r} in the catalog",
                hint=nearest_hint(key, sorted(self.coupons), "coupon keys"),
            )
        return replace(self.coupons[key], discount_id=discount_id, start=start)

    def price(self, lookup_key: str, where: str) -> Price:
        """The price with `lookup_key`, or a clear error naming the nearest lookup key."""
        for price in self.prices:
            if price.lookup_key == lookup_key:
                return price
        keys = [str(p.lookup_key) for p in self.prices]
        raise InvalidArgument(
            f"{where}: no price with lookup_key {lookup_key!r} in the catalog",
            hint=nearest_hint(lookup_key, keys, "lookup keys"),
        )


def catalog_from_data(ids: IdFactory, data: JSON, t0: int) -> Catalog:
    """The catalog of a catalog file's data (already checked against its JSON Schema).

    Ids are stable per lookup key (products: per key, unless the file gives an `id`, which
    Stripe allows for products) and seed; everything was created a month before `t0`.
    """
    created = t0 - 30 * DAY
    features = [
        Feature(ids.named("entitlements.feature", f["lookup_key"]), f["lookup_key"], f["name"])
        for f in data.get("features", [])
    ]
    known = {f.lookup_key for f in features}
    products: dict[str, Product] = {}
    for index, entry in enumerate(data.get("products", [])):
        where = f"products[{index}]"
        for key in entry.get("features", []):
            if key not in known:
                raise InvalidArgument(
                    f"{where}.features: {key!r} is not a feature of the catalog",
                    hint=nearest_hint(key, sorted(known), "feature lookup keys"),
                )
        product = Product(
            entry.get("id") or ids.named("product", f"catalog/{entry['key']}"),
            entry["name"],
            created,
            list(dict.fromkeys(entry.get("features", []))),
            overrides={"metadata": entry.get("metadata", {})},
        )
        for key in product.feature_keys:
            product.product_feature_ids[key] = ids.named("product_feature", f"{product.id}/{key}")
        products[entry["key"]] = product
    prices = []
    for index, entry in enumerate(data.get("prices", [])):
        where = f"prices[{index}]"
        product_key = entry["product"]
        if product_key not in products:
            raise InvalidArgument(
                f"{where}.product: {product_key!r} is not a product key of the catalog",
                hint=nearest_hint(product_key, sorted(products), "product keys"),
            )
        recurring = entry.get("recurring")
        tiers = entry.get("tiers")
        price = Price(
            id=ids.named("price", f"catalog/{entry['lookup_key']}"),
            product=products[product_key],
            currency=entry["currency"].lower(),
            unit_amount=entry.get("unit_amount"),
            interval=recurring["interval"] if recurring else None,
            interval_count=recurring.get("interval_count", 1) if recurring else 1,
            created=created,
            billing_scheme="tiered" if tiers else "per_unit",
            tiers_mode=entry.get("tiers_mode", "graduated") if tiers else None,
            tiers=tiers,
            overrides={k: entry[k] for k in ("metadata", "tax_behavior", "nickname") if k in entry},
            lookup_key=entry["lookup_key"],
        )
        prices.append(price)
    coupons = {
        entry["key"]: Coupon(
            id=entry.get("id") or ids.named("coupon", f"catalog/{entry['key']}"),
            discount_id="",
            percent_off=entry.get("percent_off"),
            amount_off=entry.get("amount_off"),
            duration=entry.get("duration", "forever"),
            name=entry.get("name"),
            currency=str(entry["currency"]).lower() if "currency" in entry else None,
            metadata=tuple(sorted((entry.get("metadata") or {}).items())),
        )
        for entry in data.get("coupons", [])
    }
    tax_rates = {
        entry["key"]: TaxRate(
            entry.get("id") or ids.named("tax_rate", f"catalog/{entry['key']}"),
            float(entry["percentage"]),
            bool(entry["inclusive"]),
            entry["display_name"],
        )
        for entry in data.get("tax_rates", [])
    }
    return Catalog(list(products.values()), prices, features, coupons, tax_rates)


def nearest_hint(wrong: str, known: list[str], what: str) -> str:
    """'did you mean ...?' for a misspelt name, else the list of valid ones."""
    import difflib

    close = difflib.get_close_matches(wrong, known, n=1, cutoff=0.6)
    if close:
        return f"did you mean {close[0]!r}? ({what}: {', '.join(known)})"
    return f"{what}: {', '.join(known) or 'none'}"
