"""Stripe-shaped ids (`cus_` + 24 alphanumerics), deterministic from a seed and a name."""

from __future__ import annotations

import hashlib
import string

_ALPHABET = string.digits + string.ascii_letters
_BODY = 24
#: Each digest byte mapped onto the alphabet (bytes.translate: one C call per id).
_BASE62 = bytes(ord(_ALPHABET[b % len(_ALPHABET)]) for b in range(256))

#: A coupon's id has no prefix: Stripe makes up 8 characters when none is given ("Z4OV52SU",
#: the coupon of Stripe's example objects of every era, fixtures3.json; "jMT0WJUD",
#: https://docs.stripe.com/api/coupons/object).
_COUPON_BODY = 8
PREFIXES = {
    "customer": "cus",
    "payment_method": "pm",
    "product": "prod",
    "price": "price",
    "subscription": "sub",
    "subscription_item": "si",
    "invoice": "in",
    "line_item": "il",
    "payment_intent": "pi",
    "charge": "ch",
    "entitlements.feature": "feat",
    "product_feature": "prodft",
    "entitlements.active_entitlement": "ent",
    "discount": "di",
    "tax_rate": "txr",
    "event": "evt",
    "request": "req",
    "invoiceitem": "ii",
    "invoice_payment": "inpay",
}


class IdFactory:
    """Stripe-shaped ids named after what they are, in one seed's world."""

    def __init__(self, seed: int) -> None:
        self._seed = seed

    def named(self, object_type: str, name: str) -> str:
        """The id of the object called `name` in this seed's world: the same on every call.

        Snapshots of one subscription at different moments share ids this way: the first
        invoice is `named("invoice", "cycle-0")` whichever state it is seen in. Different
        seeds (or names) give different ids: 24 characters from a sha256 of all three.
        """
        digest = hashlib.sha256(f"{self._seed}/{object_type}/{name}".encode()).digest()
        if object_type == "coupon":
            return digest[:_COUPON_BODY].translate(_BASE62).decode()
        return f"{PREFIXES[object_type]}_{digest[:_BODY].translate(_BASE62).decode()}"


#: Objects of the customer rather than of one of its subscriptions: every subscription's
#: timeline names them with the same id (the customer, its cards, the catalog, the customer's
#: active entitlements, and the events, which the customer's timeline numbers as a whole).
CUSTOMER_LEVEL = frozenset(
    {
        "customer",
        "payment_method",
        "product",
        "price",
        "entitlements.feature",
        "product_feature",
        "entitlements.active_entitlement",
        "coupon",
        "tax_rate",
        "event",
    }
)


class SubscriptionIds(IdFactory):
    """The ids of a customer's later subscription (the second, third, ...): its own objects
    (subscription, items, invoices, PaymentIntents, charges, requests) are named inside
    `namespace`, so they differ from the first subscription's; `CUSTOMER_LEVEL` objects keep
    the ids the first subscription's timeline gives them."""

    def __init__(self, seed: int, namespace: str) -> None:
        super().__init__(seed)
        self._namespace = namespace

    def named(self, object_type: str, name: str) -> str:
        if object_type not in CUSTOMER_LEVEL:
            name = f"{self._namespace}/{name}"
        return super().named(object_type, name)
