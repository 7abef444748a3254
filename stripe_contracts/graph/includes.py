"""The values of includable properties, for requests that expand them (`expand=`).

Stripe leaves includable properties out of its responses unless the request expands them
(`spec/presence.py` lists them with their Stripe pages); `expand` asks here for the value the
property would have in this graph.
"""

from __future__ import annotations

import copy
from typing import Any

from stripe_contracts.errors import InvalidArgument
from stripe_contracts.graph.model import BillingModel
from stripe_contracts.graph.render_invoice import render_price
from stripe_contracts.spec import Spec

JSON = Any


def include(
    node: dict[str, JSON],
    field: str,
    objects: dict[str, dict[str, JSON]],
    model: BillingModel,
    spec: Spec,
) -> JSON:
    """The value of includable `field` of `node` (a copy, safe to change)."""
    kind, node_id = str(node.get("object")), node.get("id")
    if kind == "price":
        price = next((p for p in model.prices if p.id == node_id), None)
        if price is not None:
            return render_price(spec, price, include=(field,)).get(field)
    #: (type, field) -> (the type of the list's members, their field naming the owner, path)
    lists: dict[tuple[str, str], tuple[str | None, str, str]] = {
        ("customer", "subscriptions"): ("subscription", "customer", "subscriptions"),
        ("customer", "sources"): (None, "customer", "sources"),
        ("customer", "tax_ids"): (None, "customer", "tax_ids"),
        ("invoice", "payments"): ("invoice_payment", "invoice", "payments"),
        ("charge", "refunds"): (None, "charge", "refunds"),
    }
    if (kind, field) in lists:
        member, owner_field, path = lists[(kind, field)]
        data = [
            copy.deepcopy(o)
            for o in objects.values()
            if member and o.get("object") == member and o.get(owner_field) == node_id
        ]
        url = f"/v1/{kind}s/{node_id}/{path}"
        listing = {"object": "list", "data": data, "has_more": False, "url": url}
        if kind != "invoice":
            listing["total_count"] = len(data)
        return listing
    if (kind, field) == ("invoice", "confirmation_secret"):
        # API reference, invoice.confirmation_secret: the client secret of the invoice's
        # PaymentIntent, for confirming it on the client; null when nothing is to be paid
        intent = next(
            (
                objects.get(o["payment"].get("payment_intent") or "")
                for o in objects.values()
                if o.get("object") == "invoice_payment" and o.get("invoice") == node_id
            ),
            None,
        )
        if not intent:
            return None
        return {"client_secret": intent["client_secret"], "type": "payment_intent"}
    if (kind, field) == ("customer", "invoice_credit_balance"):
        return {}  # no credit in any currency: an empty map
    raise InvalidArgument(
        f"expand: {kind}.{field} is includable but this graph does not model it",
        hint="expand customer.subscriptions / sources / tax_ids, invoice.payments, "
        "charge.refunds or price.tiers / currency_options",
    )
