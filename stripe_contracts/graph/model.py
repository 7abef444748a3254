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

from dataclasses import dataclass, replace
from typing import Any

from stripe_contracts.errors import InvalidArgument
from stripe_contracts.graph.catalog import (
    Feature,
    Item,
    Price,
    Product,
    catalog_entry,
    choose_currency,
    features_for,
)
from stripe_contracts.graph.clock import DAY, HOUR, period
from stripe_contracts.graph.ids import IdFactory
from stripe_contracts.graph.money import (
    NO_ADJUSTMENT,
    Adjustment,
    Coupon,
    TaxRate,
    adjust,
    format_money,
    parse_coupon,
    parse_tax_rate,
)
from stripe_contracts.graph.people import Card, Person, fake_card, fake_person

JSON = Any

#: Statuses whose subscription grants its products' features. Stripe provisions entitlements
#: "according to your customer's subscription status" (docs.stripe.com/billing/entitlements):
#: access while the subscription is in good standing or being retried, none once it is
#: canceled, unpaid, paused, or was never paid.
GRANTING_STATUSES = frozenset({"active", "trialing", "past_due"})
PAYMENT_OUTCOMES = ("declined", "requires_action")
COLLECTION_METHODS = ("charge_automatically", "send_invoice")
DEFAULT_START = 1_706_659_200  # 2024-01-31T00:00:00Z: a month-end anchor on purpose
#: An incomplete subscription expires when its first invoice is not paid within 23 hours.
INCOMPLETE_EXPIRY = 23 * HOUR
#: Days after finalization of each payment attempt on a failing renewal: a fixed custom
#: schedule of 4 attempts. Stripe's Smart Retries pick the times themselves (recommended
#: default: up to 8 tries within 2 weeks); https://docs.stripe.com/billing/revenue-recovery/smart-retries
RETRY_DAYS = (0, 3, 5, 7)
#: Renewal invoices are finalized about an hour after they are created.
FINALIZE_DELAY = HOUR


@dataclass
class Line:
    id: str
    item: Item
    amount: int
    description: str
    period: tuple[int, int]
    proration: bool = False
    invoice_item: str | None = None
    adjustment: Adjustment = NO_ADJUSTMENT


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
    discount: int
    tax: int
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
) -> Plan:
    """Check the builder's arguments and fix everything that does not change over time."""
    _check_choice("collection_method", collection_method, COLLECTION_METHODS)
    if trial_days is not None and (
        not isinstance(trial_days, int) or isinstance(trial_days, bool) or trial_days < 1
    ):
        raise InvalidArgument(
            f"trial_days={trial_days!r} must be a positive whole number of days",
            hint="e.g. trial_days=14, or leave it out",
        )
    ids = IdFactory(seed)
    t0 = DEFAULT_START + (seed % 997) * DAY if start is None else start
    requests = items if items is not None else [{}]
    if not isinstance(requests, list) or not requests:
        raise InvalidArgument(
            "items must be a non-empty list of {'price': {...}, 'quantity': n, 'product': {...}}",
            hint='e.g. items=[{"price": {"unit_amount": 1500}}]',
        )
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
    return Plan(
        seed=seed,
        ids=ids,
        currency=chosen_currency,
        person=fake_person(seed, overrides.get("customer", {})),
        card=fake_card(seed, card_outcome),
        customer_id=ids.named("customer", "customer"),
        payment_method_id=ids.named("payment_method", "card"),
        subscription_id=ids.named("subscription", "subscription"),
        t0=t0,
        trial=(t0, t0 + trial_days * DAY) if trial_days else None,
        interval=interval,
        interval_count=interval_count,
        collection_method=collection_method,
        products=products,
        prices=prices,
        items=plan_items,
        features=features_for(ids, products),
        overrides=overrides,
        coupon=parse_coupon(
            coupon,
            coupon_id=ids.named("coupon", "coupon"),
            discount_id=ids.named("discount", "discount"),
        ),
        tax_rate=parse_tax_rate(tax_rate, tax_rate_id=ids.named("tax_rate", "tax_rate")),
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
            "unpaid", cycle=1, payment=dunning, attempts=0 if send_invoice else len(RETRY_DAYS)
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
    subscription = invoice = payment_intent = charge = None
    entitlement_ids: dict[str, str] = {}
    if phase.stage == "invoice":
        invoice = _invoice(plan, phase, plan.items, (plan.t0, plan.t0))
        payment_intent, charge = _payment(plan, phase, invoice)
    if phase.stage == "subscription":
        items = list(phase.items or plan.items)
        trial = plan.trial
        if phase.status == "trialing" and trial:
            sub_period = trial
        else:
            sub_period = plan.cycle_period(phase.cycle)
        invoice = _invoice(plan, phase, list(phase.billed or plan.items), sub_period)
        needs_payment = ("declined", "requires_action", "pending", "processing")
        if invoice.total == 0 and phase.payment in needs_payment:
            raise InvalidArgument(
                f"status={phase.status!r} needs an invoice with something to pay, but this one "
                "totals 0: Stripe marks such an invoice paid at once",
                hint="give the items a unit_amount above 0, or choose status='active'",
            )
        payment_intent, charge = _payment(plan, phase, invoice)
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
        if phase.status in GRANTING_STATUSES:
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
        customer_created=plan.t0 - 120,
        person=plan.person,
        # Stripe: true when the latest invoice's last charge failed; dunning does not reset it.
        delinquent=phase.payment == "declined" and phase.stage in ("subscription", "invoice"),
        payment_method_id=plan.payment_method_id if has_pm else None,
        card=plan.card if has_pm else None,
        payment_method_created=plan.t0 - 60,
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


def one_off_lines(plan: Plan) -> tuple[Line, ...]:
    """Invoice items for the plan's items, billed once on an invoice of their own."""
    lines = []
    for i, item in enumerate(plan.items):
        line_id = plan.ids.named("line_item", f"one-off-{i}")
        line = _line(line_id, item, plan.currency, None, (plan.t0, plan.t0))
        line.invoice_item = plan.ids.named("invoiceitem", f"one-off-{i}")
        lines.append(line)
    return tuple(lines)


def _invoice(plan: Plan, phase: Phase, items: list[Item], sub_period: tuple[int, int]) -> Invoice:
    ids = plan.ids
    one_off = phase.stage == "invoice"
    key = "one-off" if one_off else ("trial" if phase.trial_invoice else f"cycle-{phase.cycle}")
    renewal = (
        not one_off and not phase.trial_invoice and (phase.cycle > 0 or plan.trial is not None)
    )
    inv_period = plan.trial if phase.trial_invoice and plan.trial else sub_period
    lines = [
        _line(
            ids.named("line_item", f"{key}-{i}"),
            item,
            plan.currency,
            0 if phase.trial_invoice else None,
            inv_period,
        )
        for i, item in enumerate(items)
        if item.price.interval or not renewal
    ]
    lines = [*phase.prorations, *lines] if not phase.trial_invoice else lines
    if one_off:
        lines = list(one_off_lines(plan))
    adjustments = adjust([line.amount for line in lines], plan.coupon, plan.tax_rate)
    lines = [replace(line, adjustment=a) for line, a in zip(lines, adjustments, strict=True)]
    subtotal = sum(line.amount for line in lines)
    discount = sum(line.adjustment.discount for line in lines)
    tax = sum(line.adjustment.tax for line in lines)
    inclusive = plan.tax_rate is not None and plan.tax_rate.inclusive
    total = subtotal - discount + (0 if inclusive else tax)
    created = inv_period[0]
    finalized = created + (FINALIZE_DELAY if renewal else 0)
    attempts = phase.attempts if total > 0 and phase.payment not in ("processing", "draft") else 0
    # Stripe marks an invoice with nothing to pay as paid as soon as it is finalized.
    draft = phase.payment == "draft"
    paid = (phase.payment in ("succeeded", "none") or total == 0) and not (phase.voided or draft)
    last_attempt = finalized + RETRY_DAYS[min(max(attempts, 1), len(RETRY_DAYS)) - 1] * DAY
    status = "void" if phase.voided else ("paid" if paid else ("draft" if draft else "open"))
    retry_at = None
    if status == "open" and phase.retrying and attempts < len(RETRY_DAYS):
        retry_at = finalized + RETRY_DAYS[attempts] * DAY
    number_prefix = "".join(c for c in plan.customer_id[4:12].upper() if c.isalnum())
    sequence = (0 if phase.trial_invoice else phase.cycle) + (1 if plan.trial else 0) + 1
    return Invoice(
        id=ids.named("invoice", key),
        number=f"{number_prefix}-{sequence:04d}",
        status=status,
        billing_reason="manual"
        if one_off
        else ("subscription_cycle" if renewal else "subscription_create"),
        created=created,
        period=inv_period,
        lines=lines,
        subtotal=subtotal,
        discount=discount,
        tax=tax,
        total=total,
        amount_due=total,
        amount_paid=total if paid else 0,
        amount_remaining=0 if paid or phase.voided else total,
        attempt_count=attempts,
        attempted=attempts > 0 or paid,
        finalized_at=None if draft else finalized,
        paid_at=(last_attempt + 2 if attempts else finalized) if paid else None,
        voided_at=plan.t0 + INCOMPLETE_EXPIRY if phase.voided else None,
        next_payment_attempt=retry_at,
        due_date=finalized + 30 * DAY if plan.collection_method == "send_invoice" else None,
    )


def _payment(
    plan: Plan, phase: Phase, invoice: Invoice
) -> tuple[PaymentIntent | None, Charge | None]:
    if invoice.total == 0 or invoice.status == "draft":
        return None, None
    ids = plan.ids
    key = "trial" if phase.trial_invoice else f"cycle-{phase.cycle}"
    if phase.stage == "invoice":
        key = "one-off"
    declined = phase.payment == "declined"
    needs_action = phase.payment == "requires_action"
    status = {
        "processing": "requires_confirmation",
        "succeeded": "succeeded",
        "declined": "requires_payment_method",
        "requires_action": "requires_action",
        "pending": "requires_payment_method",
    }[phase.payment]
    if phase.voided:
        status = "canceled"
    pi_id = ids.named("payment_intent", key)
    payment_intent = PaymentIntent(
        id=pi_id,
        status=status,
        amount=invoice.amount_due,
        amount_received=invoice.amount_paid,
        created=invoice.finalized_at or invoice.created,
        client_secret=f"{pi_id}_secret_{ids.named('request', pi_id)[4:]}",
        decline=declined,
        requires_action=needs_action and not phase.voided,
        canceled_at=invoice.voided_at,
    )
    charge = None
    if phase.payment in ("succeeded", "declined") and invoice.attempt_count:
        attempt = invoice.attempt_count
        finalized = invoice.finalized_at or invoice.created
        charge = Charge(
            id=ids.named("charge", f"{key}-attempt-{attempt}"),
            succeeded=phase.payment == "succeeded",
            amount=invoice.amount_due,
            created=finalized + RETRY_DAYS[min(attempt, len(RETRY_DAYS)) - 1] * DAY + 1,
        )
    return payment_intent, charge


# -- helpers -------------------------------------------------------------------------------


def _check_choice(name: str, value: object, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise InvalidArgument.choice(name, value, allowed)


def _line(
    line_id: str, item: Item, currency: str, forced_amount: int | None, line_period: tuple[int, int]
) -> Line:
    price = item.price
    amount = price.amount_for(item.quantity) if forced_amount is None else forced_amount
    if forced_amount == 0:
        description = f"Trial period for {price.product.name}"
    else:
        every = ""
        if price.interval:
            every = (
                f" / {price.interval}"
                if price.interval_count == 1
                else f" every {price.interval_count} {price.interval}s"
            )
        unit = (
            format_money(price.unit_amount, currency)
            if price.unit_amount is not None
            else "tiered pricing"
        )
        description = (
            f"{item.quantity} \N{MULTIPLICATION SIGN} {price.product.name} (at {unit}{every})"
        )
    return Line(line_id, item, amount, description, line_period)
