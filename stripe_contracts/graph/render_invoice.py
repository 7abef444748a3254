"""Render the billing side of a `BillingModel`: prices, items, invoice lines and invoices,
with their discounts and taxes, onto one spec version (see `fill`)."""

from __future__ import annotations

from typing import Any

from stripe_contracts.graph.catalog import Item, Price
from stripe_contracts.graph.fill import fill
from stripe_contracts.graph.invoicing import Invoice, Line
from stripe_contracts.graph.model import BillingModel
from stripe_contracts.graph.money import Coupon
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
            # basil-era shapes (https://docs.stripe.com/changelog/basil/2025-03-31/
            # adds-new-parent-field-to-invoicing-objects): where the item comes from and what
            # it is priced at
            "quantity_decimal": str(line.item.quantity),
            "net_amount": line.amount,
            "parent": None
            if m.subscription is None
            else {
                "type": "subscription_details",
                "subscription_details": {
                    "subscription": m.subscription.id,
                    "subscription_item": line.item.id,
                },
            },
            "pricing": _pricing(line),
        },
    )


def render_price(spec: Spec, price: Price, *, include: tuple[str, ...] = ()) -> dict[str, JSON]:
    """A price; its includable `tiers` and `currency_options` only when named in `include`."""
    unit_decimal = None if price.unit_amount is None else str(price.unit_amount)
    values: dict[str, JSON] = {
        "id": price.id,
        "active": True,
        "created": price.created,
        "currency": price.currency,
        "product": price.product.id,
        "unit_amount": price.unit_amount,
        "unit_amount_decimal": unit_decimal,
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
        "lookup_key": price.lookup_key,
        # one entry, the price's own currency, until more are configured (API reference:
        # price.currency_options)
        "currency_options": {
            price.currency: {
                "custom_unit_amount": None,
                "tax_behavior": "unspecified",
                "unit_amount": price.unit_amount,
                "unit_amount_decimal": unit_decimal,
            }
        },
    }
    values.update((k, v) for k, v in price.overrides.items() if not k.startswith("__"))
    return fill(spec, "price", values, include=include)


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


def render_item(
    spec: Spec, item: Item, sub_id: str, price: dict[str, JSON], period: tuple[int, int]
) -> dict[str, JSON]:
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
            "discounts": [],
            # basil: billing periods live on the items (changelog 2025-03-31.basil,
            # deprecate-subscription-current-period-start-and-end)
            "current_period_start": period[0],
            "current_period_end": period[1],
        },
    )


def render_line(spec: Spec, m: BillingModel, line: Line, invoice_id: str) -> dict[str, JSON]:
    sub_id = subscription_id_of(m)
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
            "discount_amounts": _discount_amounts(
                m.invoice.coupon if m.invoice else None, line.adjustment.discount
            ),
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
            # basil-era shapes: the line's parent, pricing, subtotal and taxes
            "invoice": invoice_id,
            "parent": _line_parent(line, sub_id),
            "pricing": _pricing(line),
            "quantity_decimal": str(line.item.quantity),
            "subtotal": line.amount,
            "taxes": _taxes(m, line.adjustment.tax, line.adjustment.taxable),
            "pretax_credit_amounts": [],
        },
    )


def _line_parent(line: Line, sub_id: str | None) -> dict[str, JSON]:
    """`line_item.parent`: a subscription item's line (prorations name their invoice item
    too), or a one-off invoice item's."""
    details = {"proration": line.proration, "proration_details": {"credited_items": None}}
    if sub_id is None:
        return {
            "type": "invoice_item_details",
            "invoice_item_details": {
                "invoice_item": line.invoice_item,
                "subscription": None,
                **details,
            },
            "subscription_item_details": None,
        }
    return {
        "type": "subscription_item_details",
        "subscription_item_details": {
            "invoice_item": line.invoice_item,
            "subscription": sub_id,
            "subscription_item": line.item.id,
            **details,
        },
        "invoice_item_details": None,
    }


def _pricing(line: Line) -> dict[str, JSON]:
    price = line.item.price
    unit: float | int | None = price.unit_amount
    if line.proration:  # a proration is priced at its prorated amount per unit
        unit = line.amount / line.item.quantity
    return {
        "type": "price_details",
        "price_details": {"price": price.id, "product": price.product.id},
        "unit_amount_decimal": None if unit is None else f"{unit:.12g}",
    }


def render_invoice(spec: Spec, m: BillingModel, out: dict[str, JSON]) -> dict[str, JSON]:
    inv: Invoice | None = m.invoice
    assert inv is not None
    lines = [render_line(spec, m, line, inv.id) for line in inv.lines]
    has_pi = m.payment_intent is not None
    finalized = inv.status != "draft"
    sub_metadata = (m.overrides.get("subscription") or {}).get("metadata") or {}
    sub_id = subscription_id_of(m)
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
            # "null if the invoice has not been finalized yet" (spec: ending_balance,
            # hosted_invoice_url, invoice_pdf); webhooks are marked delivered when it is
            "ending_balance": 0 if finalized else None,
            "attempt_count": inv.attempt_count,
            "attempted": inv.attempted,
            "auto_advance": _auto_advance(m, inv),
            "paid": inv.status == "paid",
            "paid_out_of_band": False,
            "next_payment_attempt": inv.next_payment_attempt,
            "due_date": inv.due_date,
            "payment_intent": m.payment_intent.id if has_pi and m.payment_intent else None,
            "charge": m.charge.id if m.charge else None,
            "default_payment_method": None,
            "discount": render_discount(spec, m) if inv.coupon else None,
            "discounts": [inv.coupon.discount_id] if inv.coupon else [],
            "default_tax_rates": tax_rates_of(spec, m),
            "total_discount_amounts": _discount_amounts(inv.coupon, inv.discount),
            "total_tax_amounts": _tax_amounts(
                m, inv.tax, sum(li.adjustment.taxable for li in inv.lines)
            ),
            "account_country": "US",
            "account_name": "Stripe Contracts Test Account",
            # the account bills for itself, not for a connected account (API reference,
            # invoice.issuer.type "self"; Stripe's examples of 2026 say the same)
            "issuer": {"type": "self"},
            "livemode": False,
            "hosted_invoice_url": f"https://invoice.stripe.com/i/acct_test/{inv.id}"
            if finalized
            else None,
            "invoice_pdf": f"https://pay.stripe.com/invoice/acct_test/{inv.id}/pdf"
            if finalized
            else None,
            "status_transitions": {
                "finalized_at": inv.finalized_at,
                "paid_at": inv.paid_at,
                "voided_at": inv.voided_at,
                "marked_uncollectible_at": inv.marked_uncollectible_at,
            },
            "webhooks_delivered_at": inv.finalized_at,
            "metadata": {},
            # 2023: the subscription's metadata at the time the invoice was created
            "subscription_details": {"metadata": sub_metadata} if sub_id else None,
            # basil-era shapes: the invoice's parent, payments and tax breakdown
            "parent": None
            if sub_id is None
            else {
                "type": "subscription_details",
                "subscription_details": {"subscription": sub_id, "metadata": sub_metadata},
                "quote_details": None,
            },
            "amount_overpaid": 0,
            "amount_paid_off_stripe": 0,
            "total_taxes": _taxes(m, inv.tax, sum(li.adjustment.taxable for li in inv.lines)),
            "total_pretax_credit_amounts": [],
            **m.overrides.get("invoice", {}),
        },
    )


def render_invoice_payment(spec: Spec, m: BillingModel) -> dict[str, JSON]:
    """The invoice's payment by its PaymentIntent (basil on; `inpay_` ids, fields and statuses
    as in the API reference's invoice payment object, https://docs.stripe.com/api/invoice-payment)."""
    inv, pi = m.invoice, m.payment_intent
    assert inv is not None and pi is not None
    paid = inv.status == "paid"
    status = "paid" if paid else ("canceled" if pi.status == "canceled" else "open")
    return fill(
        spec,
        "invoice_payment",
        {
            "id": m.plan.ids.named("invoice_payment", inv.id),
            "amount_paid": inv.amount_paid if paid else None,
            "amount_requested": inv.amount_due,
            "created": pi.created,
            "currency": m.currency,
            "invoice": inv.id,
            "is_default": True,
            "livemode": False,
            "payment": {"type": "payment_intent", "payment_intent": pi.id},
            "status": status,
            "status_transitions": {"paid_at": inv.paid_at, "canceled_at": pi.canceled_at},
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
            "currency": (coupon.currency or m.currency) if coupon.amount_off else None,
            "livemode": False,
            "metadata": dict(coupon.metadata),
            "name": coupon.name,
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
            # newer versions name the coupon under `source` (the dahlia spec's discount
            # schema: source.type "coupon", source.coupon expandable, an id by default)
            "source": {"type": "coupon", "coupon": coupon["id"]},
            "customer": m.customer_id,
            "start": m.plan.coupon.start or m.plan.t0,
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


def _auto_advance(m: BillingModel, inv: Invoice) -> bool:
    """Stripe finalizes and collects subscription invoices by itself until they are settled;
    API-created one-off invoices default to `auto_advance: false` (API reference, create an
    invoice: "auto_advance ... Defaults to false")."""
    if m.subscription is None:
        return False
    # auto_advance is always false on paid, void and uncollectible invoices
    # (https://docs.stripe.com/invoicing/integration/automatic-advancement-collection);
    # collection stops when every retry failed, and "upon subscription cancellation, Stripe
    # stops automatic collection of all finalized invoices" (the spec's description of
    # DELETE /v1/subscriptions/{subscription_exposed_id}); a draft created while collection is
    # paused with keep_as_draft is created with auto_advance false
    # (https://docs.stripe.com/billing/subscriptions/pause-payment)
    stopped = (
        m.phase.exhausted
        or m.phase.status == "canceled"
        or m.phase.invoice_paused == "keep_as_draft"
    )
    return inv.status in ("draft", "open") and not stopped


def _taxes(m: BillingModel, amount: int, taxable: int) -> list[dict[str, JSON]]:
    """The basil-era `taxes` / `total_taxes` entries of a tax rate."""
    rate = m.plan.tax_rate
    if rate is None:
        return []
    return [
        {
            "amount": amount,
            "tax_behavior": "inclusive" if rate.inclusive else "exclusive",
            "tax_rate_details": {"tax_rate": rate.id},
            "taxability_reason": "standard_rated",
            "taxable_amount": taxable,
            "type": "tax_rate_details",
        }
    ]


def _inclusive(m: BillingModel, tax: int) -> int:
    return tax if m.plan.tax_rate and m.plan.tax_rate.inclusive else 0


def _inclusive_tax(m: BillingModel, line: Line) -> int:
    return _inclusive(m, line.adjustment.tax)


def _discount_amounts(coupon: Coupon | None, amount: int) -> list[dict[str, JSON]]:
    if coupon is None:
        return []
    return [{"amount": amount, "discount": coupon.discount_id}]


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
