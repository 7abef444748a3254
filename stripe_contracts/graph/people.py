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

from stripe_contracts.graph.cards import card_behaviour

if TYPE_CHECKING:
    from faker import Faker

#: The brands a working card takes, by seed (Stripe's test cards 4242..., 5555...4444, 3782...0005).
SUCCESS_CARDS = [("visa", "4242"), ("mastercard", "4444"), ("amex", "0005")]


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


def fake_card(seed: int, behaviour: str, index: int = 0) -> Card:
    """The `index`-th card a customer attaches, a Stripe test card that behaves as named."""
    found = card_behaviour(behaviour)
    brand, last4 = "visa", found.last4
    if found.name == "success":
        brand, last4 = SUCCESS_CARDS[(seed + index) % len(SUCCESS_CARDS)]
    digest = hashlib.sha256(f"card-{seed}-{last4}-{index}".encode()).hexdigest()
    return Card(
        brand=brand,
        last4=last4,
        funding="credit",
        exp_month=1 + (seed + index) % 12,
        exp_year=2030 + (seed + index) % 5,
        fingerprint=digest[:16],
        country="US",
    )
