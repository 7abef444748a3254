"""Render a `BillingModel` onto the skeletons of one spec version.

Each object starts as the version's skeleton (every property it defines) and the semantic
values are written onto it. A value whose field the version does not define is dropped, never
invented: the 2020 PaymentIntent gets its `charges` list, the 2023 one its `latest_charge`,
because each spec defines only one of them — no table of API dates.
"""

from __future__ import annotations

from typing import Any

from stripe_contracts.graph.model import BillingModel, Charge, Invoice, Item, Line, Price
from stripe_contracts.graph.people import Card
from stripe_contracts.spec import Spec
from stripe_contracts.spec.skeleton import skeleton, skeleton_of

JSON = Any
#: The summary event carries one page of active entitlements; more means `has_more: true`
#: and the handler must list the rest (GET /v1/entitlements/active_entitlements).
SUMMARY_PAGE = 10
_REF_PREFIX = "#/components/schemas/"
#: What `_merge` needs of each object schema, resolved once: (spec.key, id(schema)) ->
#: (schema, {property: the object schema it holds, or None}). Holding the schema keeps its id
#: from being reused while the entry lives.
_held_schemas: dict[tuple[str, int], tuple[JSON, dict[str, JSON | None]]] = {}


def fill(spec: Spec, object_type: str, values: dict[str, JSON]) -> dict[str, JSON]:
    """The skeleton of `object_type` with `values` written where the version has a home."""
    name = spec.schema_name_for(object_type)
    obj = skeleton(spec, name)
    _merge(spec, spec.schema(name), obj, values)
    return obj


def _merge(spec: Spec, schema: JSON, target: dict[str, JSON], values: dict[str, JSON]) -> None:
    props = schema.get("properties") or {}
    cache_key = (spec.key, id(schema))
    cached = _held_schemas.get(cache_key)
    if cached is None:
        held = {name: _object_schema(spec, prop) for name, prop in props.items()}
        cached = _held_schemas[cache_key] = (schema, held)
    held = cached[1]
    for key, value in values.items():
        prop = props.get(key)
        if prop is None:
            if schema.get("additionalProperties") and not props:
                target[key] = value  # metadata-like maps take any key
            continue  # no home in this version: dropped
        if value is None and not prop.get("nullable"):
            continue  # "absent" where this version cannot say null: keep the skeleton's value
        current = target.get(key)
        sub = held[key]
        if isinstance(value, dict) and sub is not None and value.get("object", "list") == "list":
            if not isinstance(current, dict):
                current = skeleton_of(spec, sub)
                target[key] = current
            _merge(spec, sub, current, value)
        elif isinstance(value, list) and prop.get("type") == "array":
            target[key] = [_merge_item(spec, prop.get("items") or {}, item) for item in value]
        else:
            target[key] = value


def _merge_item(spec: Spec, items_schema: JSON, value: JSON) -> JSON:
    """A list element: a sub-hash is filtered to the fields its schema defines, like a field."""
    sub = _object_schema(spec, items_schema)
    if not isinstance(value, dict) or "object" in value or sub is None or "properties" not in sub:
        return value
    item = skeleton_of(spec, sub)
    _merge(spec, sub, item, value)
    return item


def _object_schema(spec: Spec, prop: JSON) -> JSON | None:
    """The object schema a property holds (through `$ref` and `anyOf` wrappers), if any."""
    node = prop
    for _ in range(4):
        if "$ref" in node:
            node = spec.schema(node["$ref"][len(_REF_PREFIX) :])
        elif "anyOf" in node:
            objects = [b for b in node["anyOf"] if "$ref" in b or "properties" in b]
            if len(objects) != 1:
                return None
            node = objects[0]
        else:
            break
    return node if "properties" in node or node.get("additionalProperties") else None


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
            **m.overrides.get("customer", {}),
        },
    )
    if m.payment_method_id and m.card:
        card = m.card
        out[m.payment_method_id] = fill(
            spec,
            "payment_method",
            {
                "id": m.payment_method_id,
                "created": m.payment_method_created,
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
                    "networks": {"available": [card.brand], "preferred": None},
                    "three_d_secure_usage": {"supported": True},
                },
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
        items = [render_item(spec, i, sub_id, out[i.price.id]) for i in m.subscription.items]
        out.update((i["id"], i) for i in items)
    for line in m.invoice.lines:
        if line.invoice_item:
            out[line.invoice_item] = render_invoice_item(spec, m, line, m.invoice.id)
    out[m.invoice.id] = render_invoice(spec, m, out)
    if m.payment_intent:
        charge = render_charge(spec, m, m.charge) if m.charge else None
        if charge:
            out[charge["id"]] = charge
        out[m.payment_intent.id] = render_payment_intent(spec, m, charge)
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
                    "entitlement_feature": out[features_by_key[key].id],
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


def _subscription_id(m: BillingModel) -> str | None:
    return m.subscription.id if m.subscription else None


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
            "subscription": _subscription_id(m),
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
            "subscription": _subscription_id(m),
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
            "subscription": _subscription_id(m),
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
            "default_tax_rates": _tax_rates(spec, m),
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


def render_charge(spec: Spec, m: BillingModel, charge: Charge) -> dict[str, JSON]:
    card = m.card
    assert card is not None and m.payment_intent is not None and m.invoice is not None
    declined = not charge.succeeded
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
            "failure_code": "card_declined" if declined else None,
            "failure_message": "Your card was declined." if declined else None,
            "outcome": {
                "network_status": "declined_by_network" if declined else "approved_by_network",
                "reason": "generic_decline" if declined else None,
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
                "card": {**_card_details(card), "network": card.brand, "three_d_secure": None},
            },
            "receipt_email": m.person.email,
            "balance_transaction": None,
            "calculated_statement_descriptor": "STRIPE CONTRACTS",
            "livemode": False,
            "metadata": {},
            **m.overrides.get("charge", {}),
        },
    )


def render_payment_intent(
    spec: Spec, m: BillingModel, charge: dict[str, JSON] | None
) -> dict[str, JSON]:
    pi = m.payment_intent
    assert pi is not None and m.invoice is not None
    error = None
    if pi.decline:
        error = {
            "type": "card_error",
            "code": "card_declined",
            "decline_code": "generic_decline",
            "message": "Your card was declined.",
            "charge": charge["id"] if charge else None,
            "doc_url": "https://stripe.com/docs/error-codes/card-declined",
            "payment_method": None,
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
            "cancellation_details": {
                "reason": m.phase.cancel_reason,
                "comment": None,
                "feedback": None,
            },
            "currency": m.currency,
            "customer": m.customer_id,
            "default_payment_method": m.payment_method_id,
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
            "discount": render_discount(spec, m),
            "default_tax_rates": _tax_rates(spec, m),
            "livemode": False,
            "metadata": {},
            **m.overrides.get("subscription", {}),
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
            "subscription": _subscription_id(m),
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


def _tax_rates(spec: Spec, m: BillingModel) -> list[dict[str, JSON]]:
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


def render_entitlement_summary(
    model: BillingModel, objects: dict[str, dict[str, JSON]], spec: Spec
) -> dict[str, JSON] | None:
    """`entitlements.active_entitlement_summary` has no schema in Stripe's spec; its shape is
    the `data.object` of the summary event in Stripe's own examples (fixtures3, 2026)."""
    if not has_entitlements(spec):
        return None
    active = [objects[e] for e in model.entitlement_ids.values()]
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
