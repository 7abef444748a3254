"""Every assertion of `WebhookTester` fails on a plausibly wrong handler and passes a right one.

The handlers below are the mistakes real webhook code makes: trusting arrival order, applying
a redelivered event twice, skipping or half-doing signature verification, acting before
verifying, refusing everything. Signatures are checked with Stripe's own Python library, so
the oracle for "genuine" is Stripe's, not ours.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
import stripe

from conftest import spec_for
from stripe_contracts.scenarios import build_events, run_flow
from stripe_contracts.webhooks import WebhookAssertionError, WebhookTester, stripe_orders

SECRET = "whsec_tester_test"
JSON = Any


@pytest.fixture(scope="module")
def signup() -> list[dict[str, JSON]]:
    # a signup whose subscription changes status after it is created (incomplete until 3-D
    # Secure is done): a plain signup with Stripe's default payment behavior is created active
    spec = spec_for("2023-08-16")
    return build_events(run_flow("signup-3ds", spec, seed=3).states, spec)


@pytest.fixture(scope="module")
def dunning() -> list[dict[str, JSON]]:
    spec = spec_for("2023-08-16")
    return build_events(run_flow("renewal-failed-unpaid", spec, seed=3).states, spec)


def _verified(payload: bytes, headers: dict[str, str]) -> dict[str, JSON] | None:
    try:
        event: dict[str, JSON] = stripe.Webhook.construct_event(
            payload.decode(), headers.get("Stripe-Signature", ""), SECRET
        )
    except (ValueError, stripe.SignatureVerificationError):
        return None
    return event


class Store:
    """A subscription-status store; `apply` is what differs between the handlers below."""

    def __init__(self) -> None:
        self.seen: set[str] = set()
        self.status: dict[str, JSON] = {}
        self.credits = 0

    def reset(self) -> None:
        self.seen.clear()
        self.status.clear()
        self.credits = 0

    def probe(self) -> dict[str, JSON]:
        return {"status": dict(self.status), "credits": self.credits}

    def __call__(self, payload: bytes, headers: dict[str, str]) -> int:
        event = _verified(payload, headers)
        if event is None:
            return 400
        if event["id"] not in self.seen:
            self.seen.add(event["id"])
            self.apply(event)
        return 200

    def apply(self, event: JSON) -> None:
        """Right: an event older than what the store holds never overwrites it."""
        obj = event["data"]["object"]
        if event["type"].startswith("customer.subscription."):
            held = self.status.get(obj["id"], (0, None))
            if held[0] <= event["created"]:
                self.status[obj["id"]] = (event["created"], obj["status"])
        if event["type"] == "invoice.paid":
            self.credits += 1


class LastWins(Store):
    """Order-naive: whatever arrives last is the truth."""

    def apply(self, event: JSON) -> None:
        obj = event["data"]["object"]
        if event["type"].startswith("customer.subscription."):
            self.status[obj["id"]] = obj["status"]


class NeedsCreatedFirst(Store):
    """Order-naive: an update for a subscription not created yet is dropped (with a 200)."""

    def apply(self, event: JSON) -> None:
        obj = event["data"]["object"]
        if event["type"] == "customer.subscription.created" or (
            event["type"].startswith("customer.subscription.") and obj["id"] in self.status
        ):
            self.status[obj["id"]] = obj["status"]


class NoDedupe(Store):
    """Non-idempotent: every invoice.paid delivery credits the customer again."""

    def __call__(self, payload: bytes, headers: dict[str, str]) -> int:
        event = _verified(payload, headers)
        if event is None:
            return 400
        self.apply(event)
        return 200


class UniqueInsert(Store):
    """Non-idempotent the other way: a redelivery hits a unique constraint and answers 500."""

    def __call__(self, payload: bytes, headers: dict[str, str]) -> int:
        event = _verified(payload, headers)
        if event is None:
            return 400
        if event["id"] in self.seen:
            return 500  # IntegrityError: duplicate key
        self.seen.add(event["id"])
        return 200


class NoVerification(Store):
    """Signature-ignoring: parses the body and trusts it."""

    def __call__(self, payload: bytes, headers: dict[str, str]) -> int:
        event = json.loads(payload)
        if event["id"] not in self.seen:
            self.seen.add(event["id"])
            self.apply(event)
        return 200


class HeaderPresent(Store):
    """Checks that a Stripe-Signature header exists, not what it proves."""

    def __call__(self, payload: bytes, headers: dict[str, str]) -> int:
        return 200 if "Stripe-Signature" in headers else 400


class NoTolerance(Store):
    """Verifies the HMAC but not the timestamp, so a replayed old request passes."""

    def __call__(self, payload: bytes, headers: dict[str, str]) -> int:
        try:
            stripe.WebhookSignature.verify_header(
                payload.decode(), headers.get("Stripe-Signature", ""), SECRET, tolerance=None
            )
        except stripe.SignatureVerificationError:
            return 400
        return 200


class ActsBeforeVerifying(Store):
    """Applies the event, then verifies: a forgery is refused after it did its damage."""

    def __call__(self, payload: bytes, headers: dict[str, str]) -> int:
        self.apply(json.loads(payload))
        return 200 if _verified(payload, headers) is not None else 400


class RefusesEverything(Store):
    def __call__(self, payload: bytes, headers: dict[str, str]) -> int:
        return 400


def test_a_right_handler_passes_every_assertion(dunning: list[dict[str, JSON]]) -> None:
    store = Store()
    hooks = WebhookTester(store, secret=SECRET)
    hooks.assert_all_accepted(dunning)
    hooks.assert_idempotent(dunning, probe=store.probe)
    orders = hooks.assert_survives_out_of_order(dunning, probe=store.probe, reset=store.reset)
    assert len(orders) > 10
    hooks.assert_rejects_forgeries(dunning[0], probe=store.probe)


@pytest.mark.parametrize("handler", [LastWins, NeedsCreatedFirst])
def test_an_order_naive_handler_fails_out_of_order_naming_the_order(
    handler: Callable[[], Store], signup: list[dict[str, JSON]]
) -> None:
    store = handler()
    hooks = WebhookTester(store, secret=SECRET)
    hooks.assert_all_accepted(signup)  # a 2xx for everything: acceptance alone proves nothing
    created = next(e for e in signup if e["type"] == "customer.subscription.created")
    updated = next(e for e in signup if e["type"] == "customer.subscription.updated")
    assert created["data"]["object"]["status"] == "incomplete"
    assert updated["data"]["object"]["status"] == "active"
    with pytest.raises(WebhookAssertionError) as failure:
        hooks.assert_survives_out_of_order(signup, probe=store.probe, reset=store.reset)
    message = str(failure.value)
    wanted = (
        f"customer.subscription.updated ({updated['id']}) before "
        f"customer.subscription.created ({created['id']})"
    )
    assert f"delivered out of order ({wanted})" in message
    assert "'active'" in message and "'incomplete'" in message


@pytest.mark.parametrize(("handler", "wanted"), [(NoDedupe, "changed"), (UniqueInsert, "2xx")])
def test_a_non_idempotent_handler_fails_assert_idempotent(
    handler: Callable[[], Store], wanted: str, signup: list[dict[str, JSON]]
) -> None:
    store = handler()
    hooks = WebhookTester(store, secret=SECRET)
    hooks.assert_all_accepted(signup)
    store.reset()
    with pytest.raises(WebhookAssertionError, match=wanted):
        hooks.assert_idempotent(signup, probe=store.probe)


@pytest.mark.parametrize(
    ("handler", "wanted"),
    [
        (NoVerification, "3 of 3 deliveries did not get a 4xx"),
        (HeaderPresent, "2 of 3 deliveries did not get a 4xx"),
        (NoTolerance, "1 of 3 deliveries did not get a 4xx"),
        (ActsBeforeVerifying, "refused but still changed the handler's state"),
        (RefusesEverything, "did not get a 2xx for the genuine, signed event"),
    ],
)
def test_a_signature_mishandling_handler_fails_assert_rejects_forgeries(
    handler: Callable[[], Store], wanted: str, signup: list[dict[str, JSON]]
) -> None:
    store = handler()
    subscription_created = next(e for e in signup if e["type"] == "customer.subscription.created")
    with pytest.raises(WebhookAssertionError, match=wanted):
        WebhookTester(store, secret=SECRET).assert_rejects_forgeries(
            subscription_created, probe=store.probe
        )


def test_refusing_everything_fails_acceptance(signup: list[dict[str, JSON]]) -> None:
    with pytest.raises(WebhookAssertionError, match=f"{len(signup)} of {len(signup)} deliveries"):
        WebhookTester(RefusesEverything(), secret=SECRET).assert_all_accepted(signup)


def test_orders_are_the_overtakings_stripe_documents(signup: list[dict[str, JSON]]) -> None:
    """Each order is a permutation of the events in which exactly one event about an object
    moved ahead of an earlier event about the same object (or, last, all reversed)."""
    orders = stripe_orders(signup)
    ids = [e["id"] for e in signup]
    labels = [o.label for o in orders]
    assert labels[-1] == "every event newest first"
    assert [e["id"] for e in orders[-1].events] == ids[::-1]
    types = {e["id"]: e["type"] for e in signup}
    for order in orders[:-1]:
        got = [e["id"] for e in order.events]
        assert sorted(got) == sorted(ids) and got != ids
        moved = next(i for i, (a, b) in enumerate(zip(got, ids, strict=True)) if a != b)
        event = next(e for e in signup if e["id"] == got[moved])
        overtaken = signup[moved]
        assert event["data"]["object"]["id"] == overtaken["data"]["object"]["id"]
        assert ids.index(event["id"]) > moved
        assert order.label.startswith(f"{types[event['id']]} ({event['id']}) before")
    assert len({tuple(e["id"] for e in o.events) for o in orders}) == len(orders)
    kinds = {re.sub(r" \(evt_\w+\)", "", label) for label in labels}
    assert "invoice.paid before invoice.finalized" in kinds
    assert "customer.subscription.updated before customer.subscription.created" in kinds
