"""Stripe-shaped ids (`cus_` + 24 base62 characters), deterministic from a seed."""

from __future__ import annotations

import hashlib
import random
import string

_ALPHABET = string.digits + string.ascii_letters
_BODY = 24

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
}


class IdFactory:
    """Hands out unique ids per object type from its own seeded random stream."""

    def __init__(self, seed: int) -> None:
        self._seed = seed
        self._random = random.Random(f"stripe-contracts-ids-{seed}")
        self._issued: set[str] = set()

    def named(self, object_type: str, name: str) -> str:
        """The id of the object called `name` in this seed's world: the same on every call.

        Snapshots of one subscription at different moments share ids this way: the first
        invoice is `named("invoice", "cycle-0")` whichever state it is seen in.
        """
        digest = hashlib.sha256(f"{self._seed}/{object_type}/{name}".encode()).digest()
        number = int.from_bytes(digest, "big")
        body = []
        for _ in range(_BODY):
            number, index = divmod(number, len(_ALPHABET))
            body.append(_ALPHABET[index])
        return f"{PREFIXES[object_type]}_{''.join(body)}"

    def new(self, object_type: str) -> str:
        prefix = PREFIXES[object_type]
        while True:
            body = "".join(self._random.choices(_ALPHABET, k=_BODY))
            candidate = f"{prefix}_{body}"
            if candidate not in self._issued:
                self._issued.add(candidate)
                return candidate

    def token(self, length: int = 24) -> str:
        """A random alphanumeric string (client secrets, fingerprints, invoice numbers)."""
        return "".join(self._random.choices(_ALPHABET, k=length))
