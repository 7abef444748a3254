"""One invoice of a subscription's life and its payment: lines, totals, attempts and the
PaymentIntent and charge behind it, as of a `Phase` of a `Plan` (see `model`).

Money comes from `money` (tiers, discounts, tax); time from the plan's clock. An invoice with
nothing to pay is paid at once; a draft has no payment yet; a renewal is finalized an hour
after it is created (the account's grace period) and retried on the account's retry schedule
while it stays unpaid (`graph/settings.py`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from stripe_contracts.graph.catalog import Item
from stripe_contracts.graph.clock import DAY, HOUR
from stripe_contracts.graph.money import NO_ADJUSTMENT, Adjustment, Coupon, adjust, format_money

if TYPE_CHECKING:
    from stripe_contracts.graph.model import Phase, Plan

JSON = Any

#: An incomplete subscription expires when its first invoice is not paid within 23 hours.
INCOMPLETE_EXPIRY = 23 * HOUR


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
    marked_uncollectible_at: int | None
    attempt_count: int
    attempted: bool
    finalized_at: int | None
    paid_at: int | None
    voided_at: int | None
    next_payment_attempt: int | None
    due_date: int | None
    coupon: Coupon | None = None  # the subscription's coupon, when it discounts this invoice


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


def one_off_lines(plan: Plan) -> tuple[Line, ...]:
    """Invoice items for the plan's items, billed once on an invoice of their own."""
    lines = []
    for i, item in enumerate(plan.items):
        line_id = plan.ids.named("line_item", f"one-off-{i}")
        line = invoice_line(line_id, item, plan.currency, None, (plan.t0, plan.t0))
        line.invoice_item = plan.ids.named("invoiceitem", f"one-off-{i}")
        lines.append(line)
    return tuple(lines)


def build_invoice(
    plan: Plan, phase: Phase, items: list[Item], sub_period: tuple[int, int]
) -> Invoice:
    ids = plan.ids
    one_off = phase.stage == "invoice"
    key = "one-off" if one_off else ("trial" if phase.trial_invoice else f"cycle-{phase.cycle}")
    renewal = (
        not one_off and not phase.trial_invoice and (phase.cycle > 0 or plan.trial is not None)
    )
    inv_period = plan.trial if phase.trial_invoice and plan.trial else sub_period
    lines = [
        invoice_line(
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
    # a coupon applied mid-period discounts the invoices created after it, not the one before
    coupon = plan.coupon if phase.invoice_discounted else None
    adjustments = adjust([line.amount for line in lines], coupon, plan.tax_rate)
    lines = [replace(line, adjustment=a) for line, a in zip(lines, adjustments, strict=True)]
    subtotal = sum(line.amount for line in lines)
    discount = sum(line.adjustment.discount for line in lines)
    tax = sum(line.adjustment.tax for line in lines)
    inclusive = plan.tax_rate is not None and plan.tax_rate.inclusive
    total = subtotal - discount + (0 if inclusive else tax)
    created = inv_period[0]
    settings = plan.settings
    attempt_days = settings.attempt_days
    # Stripe's spec, invoice.period_start/period_end: "This looks back one period for a
    # subscription invoice. Use the line item period to get the service period for each
    # price." A first (or one-off) invoice has period_start == period_end == its creation.
    looked_back = (created, created)
    if renewal:
        previous = plan.trial if plan.trial and phase.cycle == 0 else None
        looked_back = ((previous or plan.cycle_period(phase.cycle - 1))[0], created)
    finalized = created + (round(settings.finalization_grace_hours * HOUR) if renewal else 0)
    attempts = phase.attempts if total > 0 and phase.payment not in ("processing", "draft") else 0
    # Stripe marks an invoice with nothing to pay as paid as soon as it is finalized.
    draft = phase.payment == "draft"
    paid = (phase.payment in ("succeeded", "none") or total == 0) and not (phase.voided or draft)
    last_attempt = finalized + attempt_days[min(max(attempts, 1), len(attempt_days)) - 1] * DAY
    status = "paid" if paid else ("draft" if draft else "open")
    if phase.voided:
        status = "void"
    elif phase.uncollectible and not paid:
        status = "uncollectible"
    retry_at = None
    if status == "open" and phase.retrying and not phase.exhausted:
        retry_at = finalized + attempt_days[min(attempts, len(attempt_days) - 1)] * DAY
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
        period=looked_back,
        lines=lines,
        subtotal=subtotal,
        discount=discount,
        tax=tax,
        total=total,
        amount_due=total,
        amount_paid=total if paid else 0,
        amount_remaining=0 if paid or phase.voided else total,
        marked_uncollectible_at=phase.invoice_closed_at if status == "uncollectible" else None,
        attempt_count=attempts,
        attempted=attempts > 0 or paid,
        finalized_at=None if draft else finalized,
        paid_at=(phase.paid_manually_at or (last_attempt + 2 if attempts else finalized))
        if paid
        else None,
        voided_at=(phase.invoice_closed_at or plan.t0 + INCOMPLETE_EXPIRY)
        if phase.voided
        else None,
        next_payment_attempt=retry_at,
        due_date=finalized + 30 * DAY if plan.collection_method == "send_invoice" else None,
        coupon=coupon,
    )


def build_payment(
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
    if phase.paid_manually_at is not None:  # a charge of its own, beside the failed attempts
        charge = Charge(
            id=ids.named("charge", f"{key}-manual"),
            succeeded=True,
            amount=invoice.amount_due,
            created=phase.paid_manually_at,
        )
    elif phase.declined_manually_at is not None:  # a failed POST /v1/invoices/{id}/pay
        charge = Charge(
            id=ids.named("charge", f"{key}-manual-decline-{phase.manual_declines}"),
            succeeded=False,
            amount=invoice.amount_due,
            created=phase.declined_manually_at,
        )
    elif phase.payment in ("succeeded", "declined") and invoice.attempt_count:
        attempt = invoice.attempt_count
        finalized = invoice.finalized_at or invoice.created
        attempt_days = plan.settings.attempt_days
        charge = Charge(
            id=ids.named("charge", f"{key}-attempt-{attempt}"),
            succeeded=phase.payment == "succeeded",
            amount=invoice.amount_due,
            created=finalized + attempt_days[min(attempt, len(attempt_days)) - 1] * DAY + 1,
        )
    return payment_intent, charge


def invoice_line(
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
