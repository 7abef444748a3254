"""Stripe-shaped ids (`cus_` + 24 alphanumerics), deterministic from a seed and a name."""

from __future__ import annotations

import hashlib
import string

_ALPHABET = string.digits + string.ascii_letters
_BODY = 24
#: Each digest byte mapped onto the alphabet (bytes.translate: one C call per id).
_BASE62 = bytes(ord(_ALPHABET[b % len(_ALPHABET)]) for b in range(256))

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
    "coupon": "co",
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
        return f"{PREFIXES[object_type]}_{digest[:_BODY].translate(_BASE62).decode()}"
