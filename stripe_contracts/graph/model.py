"""The semantic billing model: what a subscription graph *means*, independent of API version.

Two parts. A `Plan` is what stays fixed over a subscription's life: the customer, the card,
the catalog (products, prices, features), the items, the clock's origin and the billing
interval. A `Phase` is one moment of that life: the subscription status, which billing cycle
the latest invoice bills, how its payment went. `snapshot(plan, phase)` computes every value
of that moment — money from lines to PaymentIntent, timestamps on one clock — with ids named
after what they are (`invoice` of cycle 1), so snapshots of the same subscription share ids.

`phase_for_status` says how Stripe gets a subscription into each status:
https://docs.stripe.com/billing/subscriptions/overview#subscription-statuses
Rendering a snapshot onto a spec version's skeletons is `render`'s job.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from stripe_contracts.errors import InvalidArgument
from stripe_contracts.graph.cards import card_behaviour
from stripe_contracts.graph.catalog import (
    Catalog,
    Feature,
    Item,
    Price,
    Product,
    catalog_entry,
    catalog_from_data,
    choose_currency,
    features_for,
    item_quantity,
)
from stripe_contracts.graph.clock import DAY, period
from stripe_contracts.graph.ids import IdFactory
from stripe_contracts.graph.invoicing import (
    INCOMPLETE_EXPIRY,
    Charge,
    Invoice,
    Line,
    PaymentIntent,
    build_invoice,
    build_payment,
)
from stripe_contracts.graph.money import (
    Coupon,
    TaxRate,
    parse_coupon,
    parse_tax_rate,
)
from stripe_contracts.graph.people import Card, Person, fake_card, fake_person
from stripe_contracts.graph.settings import DEFAULT_SETTINGS, BillingSettings

JSON = Any

#: Statuses whose subscription grants its products' features. Stripe provisions entitlements
#: "according to your customer's subscription status" (docs.stripe.com/billing/entitlements):
#: access while the subscription is in good standing or being retried, none once it is
#: canceled, unpaid, or was never paid. A paused subscription keeps its entitlements: Stripe's
#: answer quoted in a user's report of a trial that paused (no Stripe page says otherwise;
#: docs/events.md).
GRANTING_STATUSES = frozenset({"active", "trialing", "past_due", "paused"})
PAYMENT_OUTCOMES = ("declined", "requires_action")
COLLECTION_METHODS = ("charge_automatically", "send_invoice")
#: `trial_end` "can be at most two years from `billing_cycle_anchor`" (the spec's description of
#: POST /v1/subscriptions trial_end; docs.stripe.com/billing/subscriptions/trials).
MAX_TRIAL_DAYS = 730
DEFAULT_START = 1_706_659_200  # 2024-01-31T00:00:00Z: a month-end anchor on purpose


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
    cancel_at: int | None
    items: list[Item]


@dataclass(frozen=True)
class Plan:
    """What stays fixed over one subscription's life."""

    seed: int
    ids: IdFactory
    currency: str
    person: Person
    card: Card
    customer_id: str
    payment_method_id: str
    subscription_id: str
    t0: int
    trial: tuple[int, int] | None
    interval: str
    interval_count: int
    collection_method: str
    products: list[Product]
    prices: list[Price]
    items: list[Item]
    features: list[Feature]
    overrides: dict[str, dict[str, JSON]]
    coupon: Coupon | None = None
    tax_rate: TaxRate | None = None
    settings: BillingSettings = DEFAULT_SETTINGS
    #: Every card the customer attached after the first (`Phase.card_index` 1, 2, ...): the
    #: attach time and the card; the scenario appends as the customer changes cards.
    later_cards: list[tuple[int, Card, str]] = field(default_factory=list)
    card_behaviour: str = "success"  # how the first card behaves
    catalog: Catalog | None = None  # the user's catalog file, when items name its prices
    #: For a customer's later subscription: the first one's `t0`, around which the customer,
    #: its first card and the catalog were created (None: this plan's own `t0`).
    origin: int | None = None

    @property
    def customer_t0(self) -> int:
        """The moment the customer's objects are dated from (`origin`, else `t0`)."""
        return self.t0 if self.origin is None else self.origin

    def payment_method(self, index: int) -> tuple[str, Card, int]:
        """(id, card, created) of the `index`-th payment method the customer attached."""
        if index == 0:
            return self.payment_method_id, self.card, self.customer_t0 - 60
        created, card, _ = self.later_cards[index - 1]
        return self.ids.named("payment_method", f"card-{index}"), card, created

    def behaviour_of(self, index: int) -> str:
        return self.card_behaviour if index == 0 else self.later_cards[index - 1][2]

    @property
    def anchor(self) -> int:
        """The billing cycle anchor: the end of the trial, or the start."""
        return self.trial[1] if self.trial else self.t0

    def require_recurring(self) -> None:
        """A subscription needs at least one recurring price; one-off invoices do not."""
        if not any(p.interval for p in self.prices):
            raise InvalidArgument(
                "a subscription needs at least one recurring price",
                hint='give a price {"recurring": {"interval": "month"}} (the default)',
            )

    def cycle_period(self, cycle: int) -> tuple[int, int]:
        return period(self.anchor, self.interval, self.interval_count, cycle)


@dataclass(frozen=True)
class Phase:
    """One moment of a subscription's life, as far as billing is concerned.

    `stage` says how far the world has got: only the catalog, the customer too, also the
    attached payment method, or the subscription with its latest invoice. `payment` is how the
    latest invoice's payment stands: "processing" (finalized, PaymentIntent not yet
    confirmed), "succeeded", "declined", "requires_action", "pending" (sent, not yet paid), or
    "none" (nothing to pay). `pending` are proration invoice items waiting for the next
    invoice; `prorations` those billed on the latest one.
    """

    status: str = "active"
    stage: str = "subscription"
    cycle: int = 0
    trial_invoice: bool = False
    payment: str = "succeeded"
    attempts: int = 1
    retrying: bool = False
    voided: bool = False
    has_payment_method: bool = True
    canceled_at: int | None = None
    ended_at: int | None = None
    cancel_at_period_end: bool = False
    cancel_reason: str | None = None
    exhausted: bool = False  # every retry failed: no next attempt, no automatic collection
    uncollectible: bool = False  # the latest invoice was marked uncollectible
    invoice_closed_at: int | None = None  # when it was voided or marked uncollectible
    card_index: int = 0  # the customer's default card: the first (0) or a later one
    card: str = ""  # how that card behaved at the latest attempt ("": as attached)
    invoice_discounted: bool = True  # False: the latest invoice predates the plan's coupon
    paid_manually_at: int | None = None  # when POST /v1/invoices/{id}/pay paid the latest invoice
    #: when POST /v1/invoices/{id}/pay last failed on the latest invoice (its failed charge is
    #: the PaymentIntent's latest until the next attempt), and how many such requests failed
    declined_manually_at: int | None = None
    manual_declines: int = 0
    delinquency_cleared: bool = False  # the latest invoice was marked uncollectible by a request
    pause_collection: str | None = None  # the behavior while payment collection is paused
    pause_resumes_at: int | None = None  # when paused collection resumes by itself (None: never)
    invoice_paused: str | None = None  # the pause behavior the latest invoice was created under
    items: tuple[Item, ...] | None = None  # the items now, when they changed (upgrades)
    billed: tuple[Item, ...] | None = None  # the items the latest invoice billed
    prorations: tuple[Line, ...] = ()
    pending: tuple[Line, ...] = ()


@dataclass
class BillingModel:
    plan: Plan
    phase: Phase
    customer_id: str
    customer_created: int
    person: Person
    delinquent: bool
    payment_method_id: str | None
    card: Card | None
    payment_method_created: int
    payment_methods: list[tuple[str, Card, int]]  # every card attached so far: id, card, created
    products: list[Product]
    prices: list[Price]
    subscription: Subscription | None
    invoice: Invoice | None
    payment_intent: PaymentIntent | None
    charge: Charge | None
    features: list[Feature]
    entitlement_ids: dict[str, str]  # feature id -> ent_ id (empty when access is not granted)
    overrides: dict[str, dict[str, JSON]]

    @property
    def seed(self) -> int:
        return self.plan.seed

    @property
    def currency(self) -> str:
        return self.plan.currency


# -- the plan ------------------------------------------------------------------------------


def make_plan(
    *,
    seed: int,
    items: list[dict[str, JSON]] | None,
    currency: str | None,
    collection_method: str,
    trial_days: int | None,
    card_outcome: str,
    start: int | None,
    intervals_allowed: tuple[str, ...],
    overrides: dict[str, dict[str, JSON]],
    coupon: JSON = None,
    tax_rate: JSON = None,
    settings: BillingSettings = DEFAULT_SETTINGS,
    catalog: JSON = None,
    ids: IdFactory | None = None,
    origin: int | None = None,
) -> Plan:
    """Check the builder's arguments and fix everything that does not change over time.

    With `catalog` (a catalog file's data), the catalog is the user's and `items` name its
    prices by lookup key: `[{"price": "standard_monthly", "quantity": 1}]`. A customer's later
    subscription passes its own `ids` (`graph.ids.SubscriptionIds`) and the first plan's `t0`
    as `origin`.
    """
    _check_choice("collection_method", collection_method, COLLECTION_METHODS)
    if trial_days is not None and (
        not isinstance(trial_days, int)
        or isinstance(trial_days, bool)
        or not 1 <= trial_days <= MAX_TRIAL_DAYS
    ):
        raise InvalidArgument(
            f"trial_days={trial_days!r} must be a whole number of days from 1 to "
            f"{MAX_TRIAL_DAYS} (Stripe ends a trial at most two years after it starts)",
            hint="e.g. trial_days=14, or leave it out",
        )
    ids = IdFactory(seed) if ids is None else ids
    t0 = DEFAULT_START + (seed % 997) * DAY if start is None else start
    requests = items if items is not None else [{}]
    if not isinstance(requests, list) or not requests:
        raise InvalidArgument(
            "items must be a non-empty list of {'price': {...}, 'quantity': n, 'product': {...}}",
            hint='e.g. items=[{"price": {"unit_amount": 1500}}]',
        )
    fixed: dict[str, JSON] = {  # what every plan has, whoever's catalog it bills from
        "seed": seed,
        "ids": ids,
        "person": fake_person(seed, overrides.get("customer", {})),
        "card": fake_card(seed, card_outcome),
        "card_behaviour": card_behaviour(card_outcome).name,
        "customer_id": ids.named("customer", "customer"),
        "payment_method_id": ids.named("payment_method", "card"),
        "subscription_id": ids.named("subscription", "subscription"),
        "t0": t0,
        "trial": (t0, t0 + trial_days * DAY) if trial_days else None,
        "collection_method": collection_method,
        "overrides": overrides,
        "settings": settings,
        "origin": origin,
    }
    if catalog is not None:
        if items is None:  # the catalog's first recurring price
            prices = catalog.get("prices") or [{}]
            first = next((p for p in prices if p.get("recurring")), prices[0])
            requests = [{"price": first.get("lookup_key")}]
        dated = t0 if origin is None else origin
        return _plan_from_catalog(catalog_from_data(ids, catalog, dated), requests, fixed)
    chosen_currency = choose_currency(currency, requests)
    products, prices, plan_items = [], [], []
    for index, request in enumerate(requests):
        product, price, quantity = catalog_entry(
            ids, f"item-{index}", index, request, chosen_currency, t0, intervals_allowed
        )
        products.append(product)
        prices.append(price)
        plan_items.append(
            Item(ids.named("subscription_item", f"item-{index}"), price, quantity, t0)
        )
    interval, interval_count = _billing_interval(prices)
    return Plan(
        **fixed,
        currency=chosen_currency,
        interval=interval,
        interval_count=interval_count,
        products=products,
        prices=prices,
        items=plan_items,
        features=features_for(ids, products),
        coupon=parse_coupon(
            coupon,
            coupon_id=ids.named("coupon", "coupon"),
            discount_id=ids.named("discount", "discount"),
        ),
        tax_rate=parse_tax_rate(tax_rate, tax_rate_id=ids.named("tax_rate", "tax_rate")),
    )


def _billing_interval(prices: list[Price]) -> tuple[str, int]:
    recurring = [p for p in prices if p.interval]
    interval, interval_count = (
        (recurring[0].interval or "month", recurring[0].interval_count)
        if recurring
        else ("month", 1)
    )
    if any((p.interval, p.interval_count) != (interval, interval_count) for p in recurring):
        raise InvalidArgument(
            "all recurring prices of one subscription must share an interval and interval_count",
            hint=f"use interval={interval!r}, interval_count={interval_count} on every item",
        )
    return interval, interval_count


def _plan_from_catalog(catalog: Catalog, requests: list[JSON], fixed: dict[str, JSON]) -> Plan:
    """A plan whose items are prices of the user's catalog, named by lookup key."""
    items = []
    for index, request in enumerate(requests):
        where = f"items[{index}]"
        if not isinstance(request, dict) or not isinstance(request.get("price"), str):
            raise InvalidArgument(
                f"{where} must name a catalog price by lookup key, got {request!r}",
                hint='e.g. {"price": "standard_monthly", "quantity": 1}',
            )
        price = catalog.price(request["price"], f"{where}.price")
        item_id = fixed["ids"].named("subscription_item", f"item-{index}")
        items.append(Item(item_id, price, item_quantity(where, request), fixed["t0"]))
    currencies = sorted({i.price.currency for i in items})
    if len(currencies) > 1:
        raise InvalidArgument(
            f"the items' prices use currencies {currencies}, but one subscription bills in one",
            hint="choose prices of one currency",
        )
    interval, interval_count = _billing_interval([i.price for i in items])
    return Plan(
        **fixed,
        currency=currencies[0],
        interval=interval,
        interval_count=interval_count,
        products=list(catalog.products),
        prices=list(catalog.prices),
        items=items,
        features=list(catalog.features),
        catalog=catalog,
    )


def add_catalog_entry(
    plan: Plan, name: str, request: dict[str, JSON], intervals_allowed: tuple[str, ...]
) -> tuple[Product, Price]:
    """A product and price added to the plan's catalog later (e.g. the target of an upgrade)."""
    product, price, _ = catalog_entry(
        plan.ids, name, len(plan.products), request, plan.currency, plan.t0, intervals_allowed
    )
    plan.products.append(product)
    plan.prices.append(price)
    known = {f.lookup_key for f in plan.features}
    for feature in features_for(plan.ids, [product]):
        if feature.lookup_key not in known:
            plan.features.append(feature)
    return product, price


def phase_for_status(
    status: str, plan: Plan, *, payment_outcome: str, statuses_allowed: tuple[str, ...]
) -> Phase:
    """The moment Stripe's own lifecycle would be in for a subscription in `status`."""
    _check_choice("status", status, statuses_allowed)
    _check_choice("payment_outcome", payment_outcome, PAYMENT_OUTCOMES)
    plan.require_recurring()
    send_invoice = plan.collection_method == "send_invoice"
    if plan.trial and status in ("incomplete", "incomplete_expired"):
        raise InvalidArgument(
            f"trial_days contradicts status={status!r}: a subscription with a trial starts "
            "without a payment, so it is never incomplete",
            hint="drop trial_days, or use status='trialing' / 'paused' / 'active'",
        )
    if status in ("trialing", "paused") and not plan.trial:
        raise InvalidArgument(
            f"status={status!r} needs a trial", hint="pass trial_days (the builder defaults to 14)"
        )
    dunning = "pending" if send_invoice else "declined"
    # canceled partway through the period it last billed, never after that period ended
    billed_start, billed_end = plan.cycle_period(0)
    canceled = billed_start + min(10 * DAY, (billed_end - billed_start) // 2)
    phases = {
        "active": Phase(
            "active",
            payment="pending" if send_invoice else "succeeded",
            attempts=0 if send_invoice else 1,
        ),
        "trialing": Phase("trialing", trial_invoice=True, payment="none", attempts=0),
        "incomplete": Phase("incomplete", payment=payment_outcome),
        "incomplete_expired": Phase(
            "incomplete_expired",
            payment=payment_outcome,
            voided=True,
            canceled_at=plan.t0 + INCOMPLETE_EXPIRY,
            ended_at=plan.t0 + INCOMPLETE_EXPIRY,
        ),
        "past_due": Phase(
            "past_due",
            cycle=1,
            payment=dunning,
            attempts=0 if send_invoice else 1,
            retrying=not send_invoice,
        ),
        "unpaid": Phase(
            "unpaid",
            cycle=1,
            payment=dunning,
            attempts=0 if send_invoice else len(plan.settings.attempt_days),
            exhausted=not send_invoice,
        ),
        "canceled": Phase(
            "canceled",
            canceled_at=canceled,
            ended_at=canceled,
            cancel_reason="cancellation_requested",
        ),
        "paused": Phase(
            "paused", trial_invoice=True, payment="none", attempts=0, has_payment_method=False
        ),
    }
    return phases[status]


# -- a snapshot ----------------------------------------------------------------------------


def snapshot(plan: Plan, phase: Phase) -> BillingModel:
    """Every semantic value of the subscription's world at `phase`."""
    ids = plan.ids
    has_pm = phase.has_payment_method and phase.stage in (
        "payment_method",
        "subscription",
        "invoice_item",
        "invoice",
    )
    default = plan.payment_method(phase.card_index)
    subscription = invoice = payment_intent = charge = None
    entitlement_ids: dict[str, str] = {}
    if phase.stage == "invoice":
        invoice = build_invoice(plan, phase, plan.items, (plan.t0, plan.t0))
        payment_intent, charge = build_payment(plan, phase, invoice)
    if phase.stage == "subscription":
        items = list(phase.items or plan.items)
        trial = plan.trial
        if phase.status == "trialing" and trial:
            sub_period = trial
        else:
            sub_period = plan.cycle_period(phase.cycle)
        invoice = build_invoice(plan, phase, list(phase.billed or plan.items), sub_period)
        needs_payment = ("declined", "requires_action", "pending", "processing")
        if invoice.total == 0 and phase.payment in needs_payment:
            raise InvalidArgument(
                f"status={phase.status!r} needs an invoice with something to pay, but this one "
                "totals 0: Stripe marks such an invoice paid at once",
                hint="give the items a unit_amount above 0, or choose status='active'",
            )
        payment_intent, charge = build_payment(plan, phase, invoice)
        subscription = Subscription(
            id=plan.subscription_id,
            status=phase.status,
            created=plan.t0,
            start_date=plan.t0,
            billing_cycle_anchor=plan.anchor,
            period=sub_period,
            trial=trial,
            collection_method=plan.collection_method,
            days_until_due=30 if plan.collection_method == "send_invoice" else None,
            canceled_at=phase.canceled_at,
            ended_at=phase.ended_at,
            cancel_at_period_end=phase.cancel_at_period_end,
            cancel_at=sub_period[1] if phase.cancel_at_period_end else None,
            items=items,
        )
        # access starts once the request that creates the subscription has settled its first
        # invoice: not while that invoice is still a draft or being paid
        starting = phase.payment in ("draft", "processing") and (
            phase.trial_invoice or (phase.cycle == 0 and plan.trial is None)
        )
        if phase.status in GRANTING_STATUSES and not starting:
            keys = {k for item in items for k in item.price.product.feature_keys}
            entitlement_ids = {
                f.id: ids.named("entitlements.active_entitlement", f.lookup_key)
                for f in plan.features
                if f.lookup_key in keys
            }
    return BillingModel(
        plan=plan,
        phase=phase,
        customer_id=plan.customer_id,
        customer_created=plan.customer_t0 - 120,
        person=plan.person,
        # Stripe: true when the latest invoice's last charge failed; dunning does not reset it,
        # "Paying an invoice or marking it uncollectible via the API will set this field to
        # false" (the description of customer.delinquent, dahlia spec)
        delinquent=phase.payment == "declined"
        and phase.stage in ("subscription", "invoice")
        and not phase.delinquency_cleared,
        payment_method_id=default[0] if has_pm else None,
        card=default[1] if has_pm else None,
        payment_method_created=default[2],
        payment_methods=[plan.payment_method(i) for i in range(phase.card_index + 1)]
        if has_pm
        else [],
        products=list(plan.products),  # the catalog as of now: upgrades add to it later
        prices=list(plan.prices),
        subscription=subscription,
        invoice=invoice,
        payment_intent=payment_intent,
        charge=charge,
        features=list(plan.features),
        entitlement_ids=entitlement_ids,
        overrides=plan.overrides,
    )


# -- helpers -------------------------------------------------------------------------------


def _check_choice(name: str, value: object, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise InvalidArgument.choice(name, value, allowed)
