"""The semantic billing model: what a subscription graph *means*, independent of API version.

`plan_graph` turns the builder's arguments into a `BillingModel`: one clock, seeded ids and
fake people, money computed once (lines -> invoice totals -> PaymentIntent), and the state of
every object decided by the subscription status the way Stripe moves it:
https://docs.stripe.com/billing/subscriptions/overview#subscription-statuses
Rendering the model onto a spec version's skeletons is `render`'s job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from stripe_contracts.errors import InvalidArgument
from stripe_contracts.graph.clock import DAY, HOUR, INTERVALS, period
from stripe_contracts.graph.ids import IdFactory
from stripe_contracts.graph.people import Card, Person, fake_card, fake_person

JSON = Any

STATUSES = (
    "active",
    "trialing",
    "incomplete",
    "incomplete_expired",
    "past_due",
    "unpaid",
    "canceled",
    "paused",
)
#: Statuses whose subscription grants its products' features. Stripe provisions entitlements
#: "according to your customer's subscription status" (docs.stripe.com/billing/entitlements):
#: access while the subscription is in good standing or being retried, none once it is
#: canceled, unpaid, paused or never paid.
GRANTING_STATUSES = frozenset({"active", "trialing", "past_due"})
PAYMENT_OUTCOMES = ("declined", "requires_action")
COLLECTION_METHODS = ("charge_automatically", "send_invoice")
#: https://docs.stripe.com/currencies#zero-decimal
ZERO_DECIMAL = frozenset(
    {"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv"}
    | {"xaf", "xof", "xpf"}
)
DEFAULT_START = 1_706_659_200  # 2024-01-31T00:00:00Z: a month-end anchor on purpose
INCOMPLETE_EXPIRY = 23 * HOUR  # https://docs.stripe.com/billing/subscriptions/overview
FAILED_RETRIES = 4  # Smart Retries default: 4 attempts before the dunning ending


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

    def amount_for(self, quantity: int) -> int:
        """What `quantity` units cost: unit amount x quantity, or the tiers."""
        if self.tiers is None:
            return (self.unit_amount or 0) * quantity
        return _tiered_amount(self.tiers, self.tiers_mode or "graduated", quantity)


@dataclass
class Item:
    id: str
    price: Price
    quantity: int
    created: int


@dataclass
class Line:
    id: str
    item: Item
    amount: int
    description: str
    period: tuple[int, int]


@dataclass
class Invoice:
    id: str
    number: str
    status: str
    billing_reason: str
    created: int
    period: tuple[int, int]
    lines: list[Line]
    subtotal: int
    total: int
    amount_due: int
    amount_paid: int
    amount_remaining: int
    attempt_count: int
    attempted: bool
    finalized_at: int | None
    paid_at: int | None
    voided_at: int | None
    next_payment_attempt: int | None
    due_date: int | None


@dataclass
class PaymentIntent:
    id: str
    status: str
    amount: int
    amount_received: int
    created: int
    client_secret: str
    decline: bool
    requires_action: bool
    canceled_at: int | None


@dataclass
class Charge:
    id: str
    succeeded: bool
    amount: int
    created: int


@dataclass
class Subscription:
    id: str
    status: str
    created: int
    start_date: int
    billing_cycle_anchor: int
    period: tuple[int, int]
    trial: tuple[int, int] | None
    collection_method: str
    days_until_due: int | None
    canceled_at: int | None
    ended_at: int | None
    cancel_at_period_end: bool
    items: list[Item]


@dataclass
class BillingModel:
    seed: int
    currency: str
    customer_id: str
    customer_created: int
    person: Person
    delinquent: bool
    payment_method_id: str | None
    card: Card | None
    payment_method_created: int
    products: list[Product]
    prices: list[Price]
    subscription: Subscription
    invoice: Invoice
    payment_intent: PaymentIntent | None
    charge: Charge | None
    features: list[Feature]
    entitlement_ids: dict[str, str]  # feature id -> ent_ id (empty when access is not granted)
    overrides: dict[str, dict[str, JSON]]


def plan_graph(
    *,
    seed: int,
    status: str,
    items: list[dict[str, JSON]] | None,
    currency: str | None,
    collection_method: str,
    trial_days: int | None,
    payment_outcome: str,
    start: int | None,
    statuses_allowed: tuple[str, ...],
    intervals_allowed: tuple[str, ...],
    overrides: dict[str, dict[str, JSON]],
) -> BillingModel:
    """Decide every semantic value of a subscription graph. Raises `InvalidArgument`."""
    _check_choice("status", status, statuses_allowed)
    _check_choice("collection_method", collection_method, COLLECTION_METHODS)
    _check_choice("payment_outcome", payment_outcome, PAYMENT_OUTCOMES)
    if trial_days is not None and (not isinstance(trial_days, int) or trial_days < 1):
        raise InvalidArgument(
            f"trial_days={trial_days!r} must be a positive whole number of days",
            hint="e.g. trial_days=14, or leave it out",
        )
    if trial_days and status in ("incomplete", "incomplete_expired"):
        raise InvalidArgument(
            f"trial_days={trial_days} contradicts status={status!r}: a subscription with a "
            "trial starts without a payment, so it is never incomplete",
            hint="drop trial_days, or use status='trialing' / 'paused' / 'active'",
        )
    if status in ("trialing", "paused") and trial_days is None:
        trial_days = 14
    ids = IdFactory(seed)
    t0 = DEFAULT_START + (seed % 997) * DAY if start is None else start
    person = fake_person(seed, overrides.get("customer", {}))
    requests = items if items is not None else [{}]
    if not isinstance(requests, list) or not requests:
        raise InvalidArgument(
            "items must be a non-empty list of {'price': {...}, 'quantity': n, 'product': {...}}",
            hint='e.g. items=[{"price": {"unit_amount": 1500}}]',
        )
    currency = _currency(currency, requests)
    products, prices, subscription_items = [], [], []
    for index, request in enumerate(requests):
        product, price, quantity = _catalog_entry(
            ids, index, request, currency, t0, intervals_allowed
        )
        products.append(product)
        prices.append(price)
        subscription_items.append(Item(ids.new("subscription_item"), price, quantity, t0))
    recurring = [p for p in prices if p.interval]
    if not recurring:
        raise InvalidArgument(
            "a subscription needs at least one recurring price",
            hint='give a price {"recurring": {"interval": "month"}} (the default)',
        )
    interval, interval_count = recurring[0].interval or "month", recurring[0].interval_count
    if any((p.interval, p.interval_count) != (interval, interval_count) for p in recurring):
        raise InvalidArgument(
            "all recurring prices of one subscription must share an interval and interval_count",
            hint=f"use interval={interval!r}, interval_count={interval_count} on every item",
        )

    features = _features(ids, products)
    has_payment_method = status != "paused"
    trial = (t0, t0 + trial_days * DAY) if trial_days else None
    anchor = trial[1] if trial else t0
    cycle = 1 if status in ("past_due", "unpaid") else 0
    in_trial = status in ("trialing", "paused")  # the latest invoice is the trial's own
    sub_period = (
        trial
        if status == "trialing" and trial
        else (period(anchor, interval, interval_count, cycle))
    )
    invoice_period = trial if in_trial and trial else sub_period
    renewal = cycle > 0 or (trial is not None and not in_trial)

    # -- the latest invoice ---------------------------------------------------------------
    invoice_created = invoice_period[0]
    lines = [
        _line(ids, item, currency, 0 if in_trial else None, invoice_period)
        for item in subscription_items
        if item.price.interval or not renewal
    ]
    subtotal = sum(line.amount for line in lines)
    total = subtotal
    paid_statuses = {"active", "trialing", "canceled", "paused"}
    send_invoice = collection_method == "send_invoice"
    invoice_paid = status in paid_statuses and not (send_invoice and status == "active")
    finalized_at = invoice_created + (HOUR if renewal else 0)  # renewals finalize an hour later
    invoice_status = (
        "paid" if invoice_paid else ("void" if status == "incomplete_expired" else "open")
    )
    attempt_count = {"past_due": 1, "unpaid": FAILED_RETRIES}.get(status, 0 if send_invoice else 1)
    if total == 0:
        attempt_count = 0
    invoice = Invoice(
        id=ids.new("invoice"),
        number=f"{ids.token(8).upper()}-{'0002' if renewal else '0001'}",
        status=invoice_status,
        billing_reason="subscription_cycle" if renewal else "subscription_create",
        created=invoice_created,
        period=invoice_period,
        lines=lines,
        subtotal=subtotal,
        total=total,
        amount_due=total,
        amount_paid=total if invoice_paid else 0,
        amount_remaining=0 if invoice_paid or invoice_status == "void" else total,
        attempt_count=attempt_count,
        attempted=attempt_count > 0 or invoice_paid,
        finalized_at=finalized_at,
        paid_at=finalized_at + 5 if invoice_paid else None,
        voided_at=t0 + INCOMPLETE_EXPIRY if invoice_status == "void" else None,
        next_payment_attempt=finalized_at + 3 * DAY
        if status == "past_due" and not send_invoice
        else None,
        due_date=finalized_at + 30 * DAY if send_invoice else None,
    )

    # -- payment ---------------------------------------------------------------------------
    payment_intent = charge = None
    if total > 0:
        declined = status in ("past_due", "unpaid") or (
            status in ("incomplete", "incomplete_expired") and payment_outcome == "declined"
        )
        needs_action = status in ("incomplete", "incomplete_expired") and (
            payment_outcome == "requires_action"
        )
        pi_status = {
            "active": "succeeded",
            "canceled": "succeeded",
            "incomplete": "requires_action" if needs_action else "requires_payment_method",
            "incomplete_expired": "canceled",
            "past_due": "requires_payment_method",
            "unpaid": "requires_payment_method",
        }[status]
        if send_invoice and status == "active":
            pi_status, declined = "requires_payment_method", False
        pi_id = ids.new("payment_intent")
        payment_intent = PaymentIntent(
            id=pi_id,
            status=pi_status,
            amount=invoice.amount_due,
            amount_received=invoice.amount_paid,
            created=finalized_at,
            client_secret=f"{pi_id}_secret_{ids.token(25)}",
            decline=declined,
            requires_action=needs_action,
            canceled_at=invoice.voided_at,
        )
        if pi_status == "succeeded" or declined:
            charge = Charge(
                id=ids.new("charge"),
                succeeded=pi_status == "succeeded",
                amount=invoice.amount_due,
                created=finalized_at + 2,
            )

    canceled_at = t0 + 10 * DAY if status == "canceled" else None
    ended_at = canceled_at or (t0 + INCOMPLETE_EXPIRY if status == "incomplete_expired" else None)
    subscription = Subscription(
        id=ids.new("subscription"),
        status=status,
        created=t0,
        start_date=t0,
        billing_cycle_anchor=anchor,
        period=sub_period,
        trial=trial,
        collection_method=collection_method,
        days_until_due=30 if send_invoice else None,
        canceled_at=canceled_at,
        ended_at=ended_at,
        cancel_at_period_end=False,
        items=subscription_items,
    )
    granted = status in GRANTING_STATUSES
    entitlement_ids = (
        {f.id: ids.new("entitlements.active_entitlement") for f in features} if (granted) else {}
    )
    return BillingModel(
        seed=seed,
        currency=currency,
        customer_id=ids.new("customer"),
        customer_created=t0 - 120,
        person=person,
        delinquent=status in ("past_due", "unpaid"),
        payment_method_id=ids.new("payment_method") if has_payment_method else None,
        card=fake_card(
            seed,
            payment_outcome
            if status.startswith("incomplete")
            else ("declined" if status in ("past_due", "unpaid") else "ok"),
        )
        if has_payment_method
        else None,
        payment_method_created=t0 - 60,
        products=products,
        prices=prices,
        subscription=subscription,
        invoice=invoice,
        payment_intent=payment_intent,
        charge=charge,
        features=features,
        entitlement_ids=entitlement_ids,
        overrides=overrides,
    )


def _check_choice(name: str, value: object, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise InvalidArgument.choice(name, value, allowed)


def _currency(currency: str | None, requests: list[dict[str, JSON]]) -> str:
    asked = {
        str(r["price"]["currency"]).lower()
        for r in requests
        if isinstance(r, dict) and isinstance(r.get("price"), dict) and "currency" in r["price"]
    }
    chosen = (currency or (sorted(asked)[0] if asked else "usd")).lower()
    if not re.fullmatch(r"[a-z]{3}", chosen):
        raise InvalidArgument(
            f"currency={chosen!r} is not a three-letter ISO currency code",
            hint="e.g. currency='usd' or 'jpy'",
        )
    if asked - {chosen}:
        raise InvalidArgument(
            f"prices use currencies {sorted(asked | {chosen})}, but one subscription bills in "
            "one currency",
            hint=f"give every price currency={chosen!r} (or pass currency= to match them)",
        )
    return chosen


def _catalog_entry(
    ids: IdFactory,
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
    quantity = request.get("quantity", 1)
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
        raise InvalidArgument(
            f"{where}.quantity={quantity!r} must be a positive integer", hint="e.g. quantity=3"
        )
    price_in = dict(request.get("price") or {})
    product_in = dict(request.get("product") or {})
    name = str(
        product_in.pop(
            "name",
            ["Standard", "Advanced", "Add-on", "Extra"][index % 4]
            + ("" if index < 4 else f" {index}"),
        )
    )
    keys = product_in.pop("features", [_slug(name) + "_features"])
    if not isinstance(keys, list) or not all(isinstance(k, str) and k for k in keys):
        raise InvalidArgument(
            f"{where}.product.features must be a list of lookup keys",
            hint='e.g. "features": ["basic_features", "extended_features"]',
        )
    product = Product(ids.new("product"), name, t0 - 30 * DAY, list(dict.fromkeys(keys)))
    recurring = price_in.pop("recurring", {"interval": "month", "interval_count": 1})
    interval = interval_count = None
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
            f"{where}.price.unit_amount={unit_amount!r} must be a "
            "non-negative integer in the currency's smallest unit",
            hint="e.g. unit_amount=1500 for $15.00, or 1500 for ¥1500",
        )
    price = Price(
        id=ids.new("price"),
        product=product,
        currency=currency,
        unit_amount=unit_amount,
        interval=interval,
        interval_count=interval_count or 1,
        created=t0 - 30 * DAY,
        billing_scheme="tiered" if tiers else "per_unit",
        tiers_mode=tiers_mode,
        tiers=tiers,
        overrides=price_in,
    )
    product_extra = product_in
    if product_extra:
        price.overrides.setdefault("__product__", product_extra)
    return product, price, quantity


def _check_tiers(where: str, tiers: JSON, mode: JSON) -> None:
    if mode not in ("graduated", "volume"):
        raise InvalidArgument.choice(f"{where}.price.tiers_mode", mode, ("graduated", "volume"))
    ok = isinstance(tiers, list) and tiers and all(isinstance(t, dict) for t in tiers)
    if not ok or tiers[-1].get("up_to") != "inf":
        raise InvalidArgument(
            f"{where}.price.tiers must be a list of tiers ending with up_to='inf'",
            hint='e.g. [{"up_to": 10, "unit_amount": 500}, {"up_to": "inf", "unit_amount": 400}]',
        )


def _tiered_amount(tiers: list[dict[str, JSON]], mode: str, quantity: int) -> int:
    """https://docs.stripe.com/products-prices/pricing-models#tiered-pricing"""

    def bound(tier: dict[str, JSON]) -> float:
        return float("inf") if tier.get("up_to") == "inf" else float(tier["up_to"])

    if mode == "volume":
        tier = next(t for t in tiers if quantity <= bound(t))
        return int(tier.get("unit_amount") or 0) * quantity + int(tier.get("flat_amount") or 0)
    total, lower = 0, 0
    for tier in tiers:
        if quantity <= lower:
            break
        upper = min(quantity, bound(tier))
        total += int(tier.get("unit_amount") or 0) * int(upper - lower)
        total += int(tier.get("flat_amount") or 0)
        lower = int(upper) if upper != float("inf") else quantity
    return total


def _features(ids: IdFactory, products: list[Product]) -> list[Feature]:
    by_key: dict[str, Feature] = {}
    for product in products:
        for key in product.feature_keys:
            if key not in by_key:
                name = key.replace("_", " ").capitalize()
                by_key[key] = Feature(ids.new("entitlements.feature"), key, name)
            product.product_feature_ids[key] = ids.new("product_feature")
    return list(by_key.values())


def _line(
    ids: IdFactory,
    item: Item,
    currency: str,
    forced_amount: int | None,
    line_period: tuple[int, int],
) -> Line:
    price = item.price
    amount = price.amount_for(item.quantity) if forced_amount is None else forced_amount
    if forced_amount == 0:
        description = f"Trial period for {price.product.name}"
    else:
        every = (
            (
                f" / {price.interval}"
                if price.interval_count == 1
                else f" every {price.interval_count} {price.interval}s"
            )
            if price.interval
            else ""
        )
        unit = (
            format_money(price.unit_amount, currency)
            if price.unit_amount is not None
            else ("tiered pricing")
        )
        description = (
            f"{item.quantity} \N{MULTIPLICATION SIGN} {price.product.name} (at {unit}{every})"
        )
    return Line(ids.new("line_item"), item, amount, description, line_period)


def format_money(amount: int, currency: str) -> str:
    """Amounts are in the smallest unit; zero-decimal currencies have no minor unit."""
    if currency in ZERO_DECIMAL:
        return f"{amount} {currency.upper()}"
    return f"{amount / 100:.2f} {currency.upper()}"


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_") or "product"


__all__ = ["INTERVALS", "STATUSES", "BillingModel", "plan_graph"]
