"""Fake customers and cards from Faker, seeded from the graph's seed.

One Faker per process (creating one costs milliseconds); it is reseeded per graph so the same
seed always gives the same person. Card numbers are Stripe's documented test cards:
https://docs.stripe.com/testing#cards
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from faker import Faker

#: (brand, last4, funding) per payment outcome, from Stripe's test card numbers.
TEST_CARDS = {
    "ok": [
        ("visa", "4242", "credit"),
        ("mastercard", "4444", "credit"),
        ("amex", "0005", "credit"),
    ],
    "declined": [("visa", "0002", "credit")],  # 4000 0000 0000 0002: generic_decline
    "requires_action": [("visa", "3220", "credit")],  # 4000 0000 0000 3220: 3-D Secure 2
}


@dataclass(frozen=True)
class Person:
    name: str
    email: str
    phone: str
    address: dict[str, str | None]


@dataclass(frozen=True)
class Card:
    brand: str
    last4: str
    funding: str
    exp_month: int
    exp_year: int
    fingerprint: str
    country: str


@cache
def _faker() -> Faker:
    from faker import Faker

    return Faker("en_US")


def fake_person(seed: int, overrides: dict[str, Any]) -> Person:
    name, address = _faked(seed)
    email = f"{name.lower().replace(' ', '.').replace('..', '.')}@example.com"
    person = Person(
        name=str(overrides.get("name", name)),
        email=str(overrides.get("email", email)),
        phone=str(overrides.get("phone", f"+1555{seed % 10_000_000:07d}")),
        address=dict(overrides["address"])
        if isinstance(overrides.get("address"), dict)
        else dict(address),
    )
    return person


@lru_cache(maxsize=256)
def _faked(seed: int) -> tuple[str, dict[str, str | None]]:
    """Faker's name and address for `seed` (~0.25 ms), remembered for seeds used again.

    Faker is reseeded on every call, so skipping it for a remembered seed changes nothing that
    follows. Callers copy the address: the cached one must never reach a graph.
    """
    fake = _faker()
    fake.seed_instance(seed)
    name = fake.name()
    address = {
        "line1": fake.street_address(),
        "line2": None,
        "city": fake.city(),
        "state": fake.state_abbr(),
        "postal_code": fake.postcode(),
        "country": "US",
    }
    return name, address


def fake_card(seed: int, outcome: str) -> Card:
    choices = TEST_CARDS[outcome]
    brand, last4, funding = choices[seed % len(choices)]
    digest = hashlib.sha256(f"card-{seed}-{last4}".encode()).hexdigest()
    return Card(
        brand=brand,
        last4=last4,
        funding=funding,
        exp_month=1 + seed % 12,
        exp_year=2030 + seed % 5,
        fingerprint=digest[:16],
        country="US",
    )
