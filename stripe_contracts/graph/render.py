"""Render a `BillingModel` onto the skeletons of one spec version.

Each object starts as the version's skeleton (every property it defines) and the semantic
values are written onto it. A value whose field the version does not define is dropped, never
invented: the 2020 PaymentIntent gets its `charges` list, the 2023 one its `latest_charge`,
because each spec defines only one of them — no table of API dates.
"""

from __future__ import annotations

import marshal
from typing import Any

from stripe_contracts.graph.cards import CardBehaviour, card_behaviour
from stripe_contracts.graph.fill import fill
from stripe_contracts.graph.invoicing import Charge
from stripe_contracts.graph.model import BillingModel
from stripe_contracts.graph.people import Card
from stripe_contracts.graph.render_invoice import (
    render_coupon,
    render_discount,
    render_invoice,
    render_invoice_item,
    render_invoice_payment,
    render_item,
    render_price,
    render_tax_rate,
    tax_rates_of,
)
from stripe_contracts.spec import Spec

JSON = Any
#: The summary event carries one page of active entitlements; more means `has_more: true`
#: and the handler must list the rest (GET /v1/entitlements/active_entitlements).
SUMMARY_PAGE = 10


def render(model: BillingModel, spec: Spec) -> dict[str, dict[str, JSON]]:
    """Every object of the graph, keyed by id (the entitlement summary under its customer)."""
    out: dict[str, dict[str, JSON]] = {}
    m = model
    cust = m.customer_id
    if m.phase.stage == "catalog":
        _render_catalog(spec, m, out)
        return out
    out[cust] = fill(
        spec,
        "customer",
        {
            "id": cust,
            "created": m.customer_created,
            "currency": m.currency,
            "email": m.person.email,
            "name": m.person.name,
            "phone": m.person.phone,
            "address": m.person.address,
            "delinquent": m.delinquent,
            "invoice_prefix": _invoice_prefix(m),
            "next_invoice_sequence": _next_invoice_sequence(m),
            "invoice_settings": {"default_payment_method": m.payment_method_id},
            "preferred_locales": [],
            "tax_exempt": "none",
            "balance": 0,
            "metadata": {},
            **m.overrides.get("customer", {}),
        },
    )
    for pm_id, card, created in m.payment_methods:
        out[pm_id] = fill(
            spec,
            "payment_method",
            {
                "id": pm_id,
                "created": created,
                "customer": cust,
                "type": "card",
                "billing_details": {
                    "name": m.person.name,
                    "email": m.person.email,
                    "phone": m.person.phone,
                    "address": m.person.address,
                },
                "card": {
                    **_card_details(card),
                    "display_brand": card.brand,  # a plain card shows its own brand
                    "networks": {"available": [card.brand], "preferred": None},
                    "three_d_secure_usage": {"supported": True},
                },
                "metadata": {},
                # API reference, payment_method.allow_redisplay: "unspecified" unless the
                # integration or Checkout says whether it may be shown again
                "allow_redisplay": "unspecified",
                **m.overrides.get("payment_method", {}),
            },
        )
    _render_catalog(spec, m, out)
    for line in m.phase.pending:
        assert line.invoice_item
        out[line.invoice_item] = render_invoice_item(spec, m, line, None)
    if m.invoice is None:
        return out
    items = []
    if m.subscription is not None:
        sub_id = m.subscription.id
        period = m.subscription.period
        items = [
            render_item(spec, i, sub_id, _copy(out[i.price.id]), period)
            for i in m.subscription.items
        ]
        out.update((i["id"], i) for i in items)
    for line in m.invoice.lines:
        if line.invoice_item:
            out[line.invoice_item] = render_invoice_item(spec, m, line, m.invoice.id)
    out[m.invoice.id] = render_invoice(spec, m, out)
    if m.payment_intent:
        charge = render_charge(spec, m, m.charge) if m.charge else None
        if charge:
            out[charge["id"]] = charge
        payment_method = out.get(m.payment_method_id) if m.payment_method_id else None
        out[m.payment_intent.id] = render_payment_intent(spec, m, charge, payment_method)
        if spec.has_schema("invoice_payment"):
            payment = render_invoice_payment(spec, m)
            out[payment["id"]] = payment
    if m.subscription is None:
        return out
    out[m.subscription.id] = render_subscription(spec, m, items)
    discount = render_discount(spec, m)
    if discount is not None:
        out[discount["id"]] = discount
    if not has_entitlements(spec):
        return out
    for feature_id, ent_id in m.entitlement_ids.items():
        out[ent_id] = fill(
            spec,
            "entitlements.active_entitlement",
            {
                "id": ent_id,
                "feature": feature_id,
                "lookup_key": out[feature_id]["lookup_key"],
            },
        )
    return out


def _copy(obj: dict[str, JSON]) -> dict[str, JSON]:
    """An independent copy of an object embedded in another (JSON data: marshal is fast)."""
    copied: dict[str, JSON] = marshal.loads(marshal.dumps(obj))
    return copied


def has_entitlements(spec: Spec) -> bool:
    """Entitlements (2024) are rendered only for specs that describe them (e.g. with the
    2026 excerpt layered on); for older specs they have no home and are dropped."""
    return spec.has_schema("entitlements.active_entitlement") and spec.has_schema("product_feature")


def _render_catalog(spec: Spec, m: BillingModel, out: dict[str, dict[str, JSON]]) -> None:
    entitlements = has_entitlements(spec)
    for feature in m.features if entitlements else []:
        out[feature.id] = fill(
            spec,
            "entitlements.feature",
            {
                "id": feature.id,
                "active": True,
                "lookup_key": feature.lookup_key,
                "name": feature.name,
                "metadata": {},
            },
        )
    features_by_key = {f.lookup_key: f for f in m.features}
    for product in m.products:
        out[product.id] = fill(
            spec,
            "product",
            {
                "id": product.id,
                "name": product.name,
                "created": product.created,
                "updated": product.created,
                "active": True,
                "type": "service",
                "default_price": next(p.id for p in m.prices if p.product is product),
                "features": [],
                "marketing_features": [],
                "images": [],
                "metadata": {},
                **product.overrides,
            },
        )
        for key, prodft in product.product_feature_ids.items() if entitlements else []:
            out[prodft] = fill(
                spec,
                "product_feature",
                {
                    "id": prodft,
                    "entitlement_feature": _copy(out[features_by_key[key].id]),
                },
            )
    for price in m.prices:
        out[price.id] = render_price(spec, price)
    for extra in (render_coupon(spec, m), render_tax_rate(spec, m)):
        if extra is not None:
            out[extra["id"]] = extra


def _card_details(card: Card) -> dict[str, JSON]:
    """What a payment method and a charge both say about the card."""
    return {
        "brand": card.brand,
        "last4": card.last4,
        "exp_month": card.exp_month,
        "exp_year": card.exp_year,
        "fingerprint": card.fingerprint,
        "funding": card.funding,
        "country": card.country,
        "wallet": None,
        "checks": {
            "address_line1_check": "pass",
            "address_postal_code_check": "pass",
            "cvc_check": "pass",
        },
    }


def _payment_description(m: BillingModel) -> str:
    assert m.invoice is not None
    return {
        "subscription_create": "Subscription creation",
        "subscription_cycle": "Subscription update",
        "manual": "Payment for Invoice",
    }[m.invoice.billing_reason]


def _invoice_prefix(m: BillingModel) -> str:
    return "".join(c for c in m.customer_id[4:12].upper() if c.isalnum())


def _next_invoice_sequence(m: BillingModel) -> int:
    return int(m.invoice.number.rsplit("-", 1)[1]) + 1 if m.invoice else 1


def _decline(m: BillingModel) -> CardBehaviour:
    """How the card of the latest attempt declined (Stripe's test card behaviours)."""
    return card_behaviour(m.phase.card or m.plan.behaviour_of(m.phase.card_index))


def render_charge(spec: Spec, m: BillingModel, charge: Charge) -> dict[str, JSON]:
    card = m.card
    assert card is not None and m.payment_intent is not None and m.invoice is not None
    declined = not charge.succeeded
    why = _decline(m)
    return fill(
        spec,
        "charge",
        {
            "id": charge.id,
            "amount": charge.amount,
            "amount_captured": charge.amount if charge.succeeded else 0,
            "amount_refunded": 0,
            "captured": charge.succeeded,
            "paid": charge.succeeded,
            "refunded": False,
            "status": "succeeded" if charge.succeeded else "failed",
            "created": charge.created,
            "currency": m.currency,
            "customer": m.customer_id,
            "invoice": m.invoice.id,
            "payment_intent": m.payment_intent.id,
            "payment_method": m.payment_method_id,
            "description": _payment_description(m),
            "failure_code": why.code if declined else None,
            "failure_message": why.message if declined else None,
            "outcome": {
                "network_status": "declined_by_network" if declined else "approved_by_network",
                "reason": why.decline_code if declined else None,
                "risk_level": "normal",
                "risk_score": 20,
                "seller_message": "The bank did not return any further details with this decline."
                if declined
                else "Payment complete.",
                "type": "issuer_declined" if declined else "authorized",
            },
            "billing_details": {
                "name": m.person.name,
                "email": m.person.email,
                "phone": m.person.phone,
                "address": m.person.address,
            },
            "payment_method_details": {
                "type": "card",
                "card": {
                    **_card_details(card),
                    "network": card.brand,
                    "three_d_secure": None,
                    # none of the enterprise card features is on for a plain card payment
                    # (Stripe's example charge of 2026 shows the same values)
                    "extended_authorization": {"status": "disabled"},
                    "incremental_authorization": {"status": "unavailable"},
                    "multicapture": {"status": "unavailable"},
                    "overcapture": {
                        "maximum_amount_capturable": charge.amount,
                        "status": "unavailable",
                    },
                },
            },
            "receipt_email": m.person.email,
            "balance_transaction": None,
            "calculated_statement_descriptor": "STRIPE CONTRACTS",
            # a paid charge has a receipt page (charge.receipt_url; Stripe's example charge)
            "receipt_url": f"https://pay.stripe.com/receipts/payment/{charge.id}"
            if charge.succeeded
            else None,
            "livemode": False,
            "metadata": {},
            "refunds": {
                "object": "list",
                "data": [],
                "has_more": False,
                "total_count": 0,
                "url": f"/v1/charges/{charge.id}/refunds",
            },
            **m.overrides.get("charge", {}),
        },
    )


def render_payment_intent(
    spec: Spec,
    m: BillingModel,
    charge: dict[str, JSON] | None,
    payment_method: dict[str, JSON] | None = None,
) -> dict[str, JSON]:
    pi = m.payment_intent
    assert pi is not None and m.invoice is not None
    error = None
    if pi.decline:
        why = _decline(m)
        code = why.code or "card_declined"
        error = {
            "type": "card_error",
            "code": code,
            "decline_code": why.decline_code,
            "message": why.message,
            "charge": charge["id"] if charge else None,
            "doc_url": f"https://stripe.com/docs/error-codes/{code.replace('_', '-')}",
            # "The PaymentMethod object for errors returned on a request involving a
            # PaymentMethod" (last_payment_error in Stripe's SDK reference,
            # https://stripe.dev/stripe-android/payments-core/com.stripe.android.model/-payment-intent/-error/):
            # the declined card
            "payment_method": payment_method,
        }
    next_action = None
    if pi.requires_action:
        next_action = {
            "type": "use_stripe_sdk",
            "use_stripe_sdk": {
                "type": "three_d_secure_redirect",
                "stripe_js": f"https://hooks.stripe.com/3d_secure_2/hosted?pi={pi.id}",
            },
        }
    return fill(
        spec,
        "payment_intent",
        {
            "id": pi.id,
            "amount": pi.amount,
            "amount_received": pi.amount_received,
            "amount_capturable": 0,
            "currency": m.currency,
            "created": pi.created,
            "customer": m.customer_id,
            "invoice": m.invoice.id,
            "status": pi.status,
            "payment_method": m.payment_method_id
            if pi.status != "requires_payment_method"
            else None,
            "payment_method_types": ["card"],
            "capture_method": "automatic",
            "confirmation_method": "automatic",
            "client_secret": pi.client_secret,
            "description": _payment_description(m),
            "last_payment_error": error,
            "next_action": next_action,
            "canceled_at": pi.canceled_at,
            "cancellation_reason": "void_invoice" if pi.status == "canceled" else None,
            "setup_future_usage": "off_session",
            "livemode": False,
            "metadata": {},
            "latest_charge": charge["id"] if charge else None,
            "charges": {
                "object": "list",
                "data": [charge] if charge else [],
                "has_more": False,
                "total_count": 1 if charge else 0,
                "url": f"/v1/charges?payment_intent={pi.id}",
            },
            "receipt_email": m.person.email if pi.status == "succeeded" else None,
            "amount_details": {"tip": {}},
            **m.overrides.get("payment_intent", {}),
        },
    )


def render_subscription(
    spec: Spec, m: BillingModel, items: list[dict[str, JSON]]
) -> dict[str, JSON]:
    sub = m.subscription
    assert sub is not None and m.invoice is not None
    return fill(
        spec,
        "subscription",
        {
            "id": sub.id,
            "status": sub.status,
            "created": sub.created,
            "start_date": sub.start_date,
            "billing_cycle_anchor": sub.billing_cycle_anchor,
            "current_period_start": sub.period[0],
            "current_period_end": sub.period[1],
            "trial_start": sub.trial[0] if sub.trial else None,
            "trial_end": sub.trial[1] if sub.trial else None,
            "trial_settings": {
                "end_behavior": {
                    "missing_payment_method": "create_invoice"
                    if m.phase.has_payment_method
                    else "pause"
                }
            },
            "collection_method": sub.collection_method,
            "days_until_due": sub.days_until_due,
            "canceled_at": sub.canceled_at,
            "ended_at": sub.ended_at,
            "cancel_at_period_end": sub.cancel_at_period_end,
            "cancel_at": sub.cancel_at,
            "pause_collection": {
                "behavior": m.phase.pause_collection,
                "resumes_at": m.phase.pause_resumes_at,
            }
            if m.phase.pause_collection
            else None,
            "cancellation_details": {
                "reason": m.phase.cancel_reason,
                "comment": None,
                "feedback": None,
            },
            "currency": m.currency,
            "customer": m.customer_id,
            # created without one (as the cassettes and CLI fixtures create it): its invoices
            # use the customer's invoice_settings.default_payment_method (the spec's
            # description of subscription.default_payment_method)
            "default_payment_method": None,
            "latest_invoice": m.invoice.id,
            "items": {
                "object": "list",
                "data": items,
                "has_more": False,
                "total_count": len(items),
                "url": f"/v1/subscription_items?subscription={sub.id}",
            },
            "payment_settings": {
                "save_default_payment_method": "off",
                "payment_method_types": None,
                "payment_method_options": None,
            },
            "automatic_tax": {"enabled": False},
            "invoice_settings": {"issuer": {"type": "self"}},  # as on the invoice
            "discount": render_discount(spec, m),
            "discounts": [m.plan.coupon.discount_id] if m.plan.coupon else [],
            # API-created subscriptions are flexible from 2025-09-30.clover on
            # (https://docs.stripe.com/changelog/clover/2025-09-30/billing-mode-default-flexible)
            "billing_mode": {
                "type": "flexible",
                "flexible": {"proration_discounts": "included"},
                "updated_at": sub.created,
            },
            "default_tax_rates": tax_rates_of(spec, m),
            "livemode": False,
            "metadata": {},
            **m.overrides.get("subscription", {}),
        },
    )


def render_entitlement_summary(
    model: BillingModel, objects: dict[str, dict[str, JSON]], spec: Spec
) -> dict[str, JSON] | None:
    """`entitlements.active_entitlement_summary` has no schema in Stripe's spec; its shape is
    the `data.object` of the summary event in Stripe's own examples (fixtures3, 2026)."""
    if not has_entitlements(spec):
        return None
    active = [_copy(objects[e]) for e in model.entitlement_ids.values()]
    return {
        "object": "entitlements.active_entitlement_summary",
        "customer": model.customer_id,
        "entitlements": {
            "object": "list",
            "data": active[:SUMMARY_PAGE],
            "has_more": len(active) > SUMMARY_PAGE,
            "url": f"/v1/entitlements/active_entitlements?customer={model.customer_id}",
        },
        "livemode": False,
    }
