"""Render the billing side of a `BillingModel`: prices, items, invoice lines and invoices,
with their discounts and taxes, onto one spec version (see `fill`)."""

from __future__ import annotations

from typing import Any

from stripe_contracts.graph.catalog import Item, Price
from stripe_contracts.graph.fill import fill
from stripe_contracts.graph.invoicing import Invoice, Line
from stripe_contracts.graph.model import BillingModel
from stripe_contracts.spec import Spec

JSON = Any


def subscription_id_of(m: BillingModel) -> str | None:
    return m.subscription.id if m.subscription else None


def render_invoice_item(
    spec: Spec, m: BillingModel, line: Line, invoice_id: str | None
) -> dict[str, JSON]:
    """A proration invoice item waiting for (`invoice_id` None) or billed on an invoice."""
    assert line.invoice_item
    return fill(
        spec,
        "invoiceitem",
        {
            "id": line.invoice_item,
            "amount": line.amount,
            "currency": m.currency,
            "customer": m.customer_id,
            "date": line.period[0],
            "description": line.description,
            "discountable": False,
            "discounts": [],
            "invoice": invoice_id,
            "livemode": False,
            "metadata": {},
            "period": {"start": line.period[0], "end": line.period[1]},
            "price": render_price(spec, line.item.price),
            "plan": render_plan(spec, line.item.price),
            "proration": True,
            "quantity": line.item.quantity,
            "subscription": subscription_id_of(m),
            "subscription_item": line.item.id if m.subscription else None,
            "tax_rates": [],
            "unit_amount": line.amount,
            "unit_amount_decimal": str(line.amount),
        },
    )


def render_price(spec: Spec, price: Price) -> dict[str, JSON]:
    values: dict[str, JSON] = {
        "id": price.id,
        "active": True,
        "created": price.created,
        "currency": price.currency,
        "product": price.product.id,
        "unit_amount": price.unit_amount,
        "unit_amount_decimal": None if price.unit_amount is None else str(price.unit_amount),
        "billing_scheme": price.billing_scheme,
        "tiers_mode": price.tiers_mode,
        "tiers": None
        if price.tiers is None
        else [
            {
                "up_to": None if t.get("up_to") == "inf" else t.get("up_to"),
                "unit_amount": t.get("unit_amount"),
                "flat_amount": t.get("flat_amount"),
                "unit_amount_decimal": None
                if t.get("unit_amount") is None
                else str(t["unit_amount"]),
                "flat_amount_decimal": None
                if t.get("flat_amount") is None
                else str(t["flat_amount"]),
            }
            for t in price.tiers
        ],
        "type": "recurring" if price.interval else "one_time",
        "recurring": None
        if not price.interval
        else {
            "interval": price.interval,
            "interval_count": price.interval_count,
            "usage_type": "licensed",
            "aggregate_usage": None,
            "trial_period_days": None,
        },
        "tax_behavior": "unspecified",
        "metadata": {},
    }
    values.update((k, v) for k, v in price.overrides.items() if not k.startswith("__"))
    return fill(spec, "price", values)


def render_plan(spec: Spec, price: Price) -> dict[str, JSON] | None:
    """Legacy `plan` mirror of a recurring price (same id), as Stripe still returns it."""
    if not price.interval or not spec.has_schema("plan"):
        return None
    return fill(
        spec,
        "plan",
        {
            "id": price.id,
            "active": True,
            "amount": price.unit_amount,
            "amount_decimal": None if price.unit_amount is None else str(price.unit_amount),
            "billing_scheme": price.billing_scheme,
            "created": price.created,
            "currency": price.currency,
            "interval": price.interval,
            "interval_count": price.interval_count,
            "product": price.product.id,
            "usage_type": "licensed",
            "tiers_mode": price.tiers_mode,
            "metadata": {},
        },
    )


def render_item(spec: Spec, item: Item, sub_id: str, price: dict[str, JSON]) -> dict[str, JSON]:
    return fill(
        spec,
        "subscription_item",
        {
            "id": item.id,
            "created": item.created,
            "quantity": item.quantity,
            "subscription": sub_id,
            "price": price,
            "plan": render_plan(spec, item.price),
            "metadata": {},
            "tax_rates": [],
        },
    )


def render_line(spec: Spec, m: BillingModel, line: Line) -> dict[str, JSON]:
    return fill(
        spec,
        "line_item",
        {
            "id": line.id,
            "amount": line.amount,
            "amount_excluding_tax": line.amount - _inclusive_tax(m, line),
            "currency": m.currency,
            "description": line.description,
            "discountable": not line.proration,
            "discount_amounts": _discount_amounts(m, line.adjustment.discount),
            "discounts": [],
            "invoice_item": line.invoice_item,
            "livemode": False,
            "metadata": {},
            "period": {"start": line.period[0], "end": line.period[1]},
            "price": render_price(spec, line.item.price),
            "plan": render_plan(spec, line.item.price),
            "proration": line.proration,
            "proration_details": {"credited_items": None},
            "quantity": line.item.quantity,
            "subscription": subscription_id_of(m),
            "subscription_item": line.item.id if m.subscription else None,
            "tax_amounts": _tax_amounts(m, line.adjustment.tax, line.adjustment.taxable),
            "tax_rates": [],
            "type": "invoiceitem" if line.invoice_item else "subscription",
            "unit_amount_excluding_tax": None
            if line.item.quantity == 0
            else f"{(line.amount - _inclusive_tax(m, line)) / line.item.quantity:.12g}",
        },
    )


def render_invoice(spec: Spec, m: BillingModel, out: dict[str, JSON]) -> dict[str, JSON]:
    inv: Invoice | None = m.invoice
    assert inv is not None
    lines = [render_line(spec, m, line) for line in inv.lines]
    has_pi = m.payment_intent is not None
    return fill(
        spec,
        "invoice",
        {
            "id": inv.id,
            "number": None if inv.status == "draft" else inv.number,
            "status": inv.status,
            "created": inv.created,
            "effective_at": inv.finalized_at,
            "billing_reason": inv.billing_reason,
            "collection_method": m.plan.collection_method,
            "currency": m.currency,
            "customer": m.customer_id,
            "customer_email": m.person.email,
            "customer_name": m.person.name,
            "customer_phone": m.person.phone,
            "customer_address": m.person.address,
            "customer_tax_exempt": "none",
            "customer_tax_ids": [],
            "subscription": subscription_id_of(m),
            "period_start": inv.period[0],
            "period_end": inv.period[1],
            "lines": {
                "object": "list",
                "data": lines,
                "has_more": False,
                "total_count": len(lines),
                "url": f"/v1/invoices/{inv.id}/lines",
            },
            "subtotal": inv.subtotal,
            "subtotal_excluding_tax": inv.subtotal - _inclusive(m, inv.tax),
            "tax": inv.tax if m.plan.tax_rate else None,
            "total": inv.total,
            "total_excluding_tax": inv.total - inv.tax,
            "amount_due": inv.amount_due,
            "amount_paid": inv.amount_paid,
            "amount_remaining": inv.amount_remaining,
            "amount_shipping": 0,
            "starting_balance": 0,
            "ending_balance": 0,
            "attempt_count": inv.attempt_count,
            "attempted": inv.attempted,
            "auto_advance": inv.status == "open",
            "paid": inv.status == "paid",
            "paid_out_of_band": False,
            "next_payment_attempt": inv.next_payment_attempt,
            "due_date": inv.due_date,
            "payment_intent": m.payment_intent.id if has_pi and m.payment_intent else None,
            "charge": m.charge.id if m.charge else None,
            "default_payment_method": None,
            "discount": render_discount(spec, m),
            "discounts": [m.plan.coupon.discount_id] if m.plan.coupon else [],
            "default_tax_rates": tax_rates_of(spec, m),
            "total_discount_amounts": _discount_amounts(m, inv.discount),
            "total_tax_amounts": _tax_amounts(
                m, inv.tax, sum(li.adjustment.taxable for li in inv.lines)
            ),
            "account_country": "US",
            "account_name": "Stripe Contracts Test Account",
            "livemode": False,
            "hosted_invoice_url": f"https://invoice.stripe.com/i/acct_test/{inv.id}",
            "invoice_pdf": f"https://pay.stripe.com/invoice/acct_test/{inv.id}/pdf",
            "status_transitions": {
                "finalized_at": inv.finalized_at,
                "paid_at": inv.paid_at,
                "voided_at": inv.voided_at,
                "marked_uncollectible_at": None,
            },
            "webhooks_delivered_at": inv.created,
            "metadata": {},
            **m.overrides.get("invoice", {}),
        },
    )


def render_coupon(spec: Spec, m: BillingModel) -> dict[str, JSON] | None:
    coupon = m.plan.coupon
    if coupon is None:
        return None
    return fill(
        spec,
        "coupon",
        {
            "id": coupon.id,
            "created": m.plan.t0 - 30 * 86_400,
            "duration": coupon.duration,
            "percent_off": coupon.percent_off,
            "amount_off": coupon.amount_off,
            "currency": m.currency if coupon.amount_off else None,
            "livemode": False,
            "metadata": {},
            "name": None,
            "times_redeemed": 1,
            "valid": True,
        },
    )


def render_discount(spec: Spec, m: BillingModel) -> dict[str, JSON] | None:
    """The subscription's discount (an embedded object; its coupon embedded in it)."""
    coupon = render_coupon(spec, m)
    if coupon is None or m.plan.coupon is None:
        return None
    return fill(
        spec,
        "discount",
        {
            "id": m.plan.coupon.discount_id,
            "coupon": coupon,
            "customer": m.customer_id,
            "start": m.plan.t0,
            "end": None,
            "subscription": subscription_id_of(m),
            "invoice": None,
            "invoice_item": None,
            "promotion_code": None,
            "checkout_session": None,
        },
    )


def render_tax_rate(spec: Spec, m: BillingModel) -> dict[str, JSON] | None:
    rate = m.plan.tax_rate
    if rate is None:
        return None
    return fill(
        spec,
        "tax_rate",
        {
            "id": rate.id,
            "active": True,
            "created": m.plan.t0 - 30 * 86_400,
            "display_name": rate.display_name,
            "inclusive": rate.inclusive,
            "percentage": rate.percentage,
            "effective_percentage": rate.percentage,
            "livemode": False,
            "metadata": {},
            "country": None,
            "description": None,
            "jurisdiction": None,
            "state": None,
            "tax_type": None,
        },
    )


def tax_rates_of(spec: Spec, m: BillingModel) -> list[dict[str, JSON]]:
    rate = render_tax_rate(spec, m)
    return [rate] if rate else []


def _inclusive(m: BillingModel, tax: int) -> int:
    return tax if m.plan.tax_rate and m.plan.tax_rate.inclusive else 0


def _inclusive_tax(m: BillingModel, line: Line) -> int:
    return _inclusive(m, line.adjustment.tax)


def _discount_amounts(m: BillingModel, amount: int) -> list[dict[str, JSON]]:
    if m.plan.coupon is None:
        return []
    return [{"amount": amount, "discount": m.plan.coupon.discount_id}]


def _tax_amounts(m: BillingModel, amount: int, taxable: int) -> list[dict[str, JSON]]:
    rate = m.plan.tax_rate
    if rate is None:
        return []
    return [
        {
            "amount": amount,
            "inclusive": rate.inclusive,
            "tax_rate": rate.id,
            "taxability_reason": "standard_rated",
            "taxable_amount": taxable,
        }
    ]
