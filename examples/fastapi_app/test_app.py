"""The FastAPI example under test: stripe-contracts' fixtures deliver whole billing flows to the
ASGI app, and FastAPI's own TestClient posts single events the way a unit test would.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from examples.billing import Billing
from examples.fastapi_app.app import create_app
from stripe_contracts.webhooks import sign_payload
from stripe_contracts.webhooks.tester import WebhookTester

Events = Callable[..., list[dict[str, Any]]]
Webhooks = Callable[..., WebhookTester]

SECRET = "whsec_fastapi_example"
#: flow -> what the database holds for its customer once every event is in
OUTCOMES = {
    "renewal-failed-unpaid": ("unpaid", ["paid", "payment_failed"], []),
    "upgrade": ("active", ["paid", "paid"], ["basic_features", "extended_features"]),
    "cancel-now": ("canceled", ["paid"], []),
    "trial-no-payment-method": ("paused", ["paid"], ["basic_features"]),  # paused keeps access
}
#: twelve features: more than the ten an entitlement summary event carries
ENTERPRISE = [
    {
        "price": {"unit_amount": 9900},
        "product": {"name": "Enterprise", "features": [f"feature_{n:02}" for n in range(12)]},
    }
]


@pytest.fixture
def app() -> FastAPI:
    return create_app(webhook_secret=SECRET)


def billing_of(app: FastAPI) -> Billing:
    billing: Billing = app.state.billing
    return billing


def signed(event: dict[str, Any], secret: str = SECRET) -> tuple[bytes, dict[str, str]]:
    """The body and headers of a webhook POST, signed now (the app checks the real clock)."""
    payload = json.dumps(event).encode()
    signature = sign_payload(payload, secret, int(time.time()))
    return payload, {"Stripe-Signature": signature, "Content-Type": "application/json"}


@pytest.mark.parametrize("flow", sorted(OUTCOMES))
def test_every_event_is_accepted_and_the_database_follows_the_flow(
    flow: str, app: FastAPI, stripe_events: Events, stripe_webhooks: Webhooks
) -> None:
    events = stripe_events(flow)
    stripe_webhooks(to=app, secret=SECRET).assert_all_accepted(events)

    billing = billing_of(app)
    assert billing.processed_event_ids == {e["id"] for e in events}
    [(customer, record)] = billing.customers.items()
    status, invoices, entitlements = OUTCOMES[flow]
    assert list(record.subscriptions.values()) == [status]
    assert sorted(record.invoices.values()) == invoices
    assert record.entitlements == entitlements
    assert billing.has_entitlement(customer, "basic_features") == bool(entitlements)
    assert not billing.needs_full_entitlement_fetch


@pytest.mark.parametrize("flow", sorted(OUTCOMES))
def test_redelivered_events_change_nothing(
    flow: str, app: FastAPI, stripe_events: Events, stripe_webhooks: Webhooks
) -> None:
    events = stripe_events(flow)
    hooks = stripe_webhooks(to=app, secret=SECRET)
    hooks.assert_idempotent(events, probe=billing_of(app).snapshot)
    answers = [json.loads(d.body)["duplicate"] for d in hooks.deliveries]
    assert answers == [False] * len(events) + [True] * 2 * len(events)  # each redelivered twice


@pytest.mark.parametrize("flow", sorted(OUTCOMES))
def test_events_out_of_order_end_in_the_same_state(
    flow: str, app: FastAPI, stripe_events: Events, stripe_webhooks: Webhooks
) -> None:
    billing = billing_of(app)
    hooks = stripe_webhooks(to=app, secret=SECRET)
    orders = hooks.assert_survives_out_of_order(
        stripe_events(flow), probe=billing.snapshot, reset=billing.reset
    )
    assert any(o.label.startswith("invoice.paid") for o in orders)


def test_forged_deliveries_are_refused(
    app: FastAPI, stripe_events: Events, stripe_webhooks: Webhooks
) -> None:
    [first, *_] = stripe_events("signup")
    done = stripe_webhooks(to=app, secret=SECRET).assert_rejects_forgeries(first)
    assert {d.status for d in done} == {400}
    assert billing_of(app).processed_event_ids == {first["id"]}  # the genuine one, sent last


@pytest.mark.parametrize(("flow", "pending"), [("signup", True), ("cancel-now", False)])
def test_a_truncated_entitlement_summary_is_remembered_until_a_complete_one(
    flow: str, pending: bool, app: FastAPI, stripe_events: Events, stripe_webhooks: Webhooks
) -> None:
    events = stripe_events(flow, items=ENTERPRISE)
    stripe_webhooks(to=app, secret=SECRET).assert_all_accepted(events)
    [(customer, record)] = billing_of(app).customers.items()
    assert (customer in billing_of(app).needs_full_entitlement_fetch) is pending
    assert len(record.entitlements) == (10 if pending else 0)


def test_the_test_client_posts_invoice_paid_before_the_subscription_exists(
    app: FastAPI, stripe_events: Events
) -> None:
    paid = next(e for e in stripe_events("signup") if e["type"] == "invoice.paid")
    payload, headers = signed(paid)
    client = TestClient(app)

    response = client.post("/webhooks/stripe", content=payload, headers=headers)
    assert response.status_code == 200
    assert response.json() == {"received": True, "duplicate": False}
    invoice = paid["data"]["object"]
    record = billing_of(app).customers[invoice["customer"]]
    assert record.invoices == {invoice["id"]: "paid"} and record.subscriptions == {}

    again = client.post("/webhooks/stripe", content=payload, headers=headers)
    assert again.status_code == 200 and again.json()["duplicate"] is True


def test_the_test_client_gets_400_for_a_bad_signature_or_body(
    app: FastAPI, stripe_events: Events
) -> None:
    client = TestClient(app)
    payload, headers = signed(stripe_events("signup")[0], secret="whsec_someone_else")
    response = client.post("/webhooks/stripe", content=payload, headers=headers)
    assert response.status_code == 400 and "bad signature" in response.json()["error"]

    garbage = b"not json"
    headers["Stripe-Signature"] = sign_payload(garbage, SECRET, int(time.time()))
    response = client.post("/webhooks/stripe", content=garbage, headers=headers)
    assert response.status_code == 400 and "bad payload" in response.json()["error"]
    assert not billing_of(app).processed_event_ids


def test_the_secret_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", "whsec_from_env")
    assert create_app().state.stripe_webhook_secret == "whsec_from_env"
    monkeypatch.delenv("STRIPE_WEBHOOK_SECRET")
    with pytest.raises(RuntimeError, match="set STRIPE_WEBHOOK_SECRET"):
        create_app()
