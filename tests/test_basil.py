"""Basil-era shapes with their meaning, on the 2026-05-27.dahlia spec.

Each rule is stated from Stripe's documentation (cited), not from our earlier output: what an
invoice links to, where billing periods live, what a paid invoice's payment looks like.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest

from conftest import SHARED
from stripe_contracts.graph.builder import GraphBuilder
from stripe_contracts.scenarios import FLOWS, Scenario, build_events, run_flow
from stripe_contracts.spec import Spec, load_spec

JSON = Any
DAHLIA = SHARED / "spec3.2026-05-27.dahlia.json"


@cache
def dahlia() -> Spec:
    return load_spec(DAHLIA)


@cache
def flow(name: str) -> tuple[Scenario, list[JSON]]:
    scenario = run_flow(name, dahlia(), seed=3)
    return scenario, build_events(scenario.states, dahlia())


@pytest.mark.parametrize("name", FLOWS)
def test_every_invoice_link_resolves_in_the_same_state(name: str) -> None:
    """invoice.parent.subscription_details.subscription, each line's parent and pricing, and
    each payment's PaymentIntent and charge name objects of the same moment (changelog
    2025-03-31.basil: invoice.parent, line.parent, line.pricing replace invoice.subscription,
    line.subscription_item and line.price)."""
    scenario, _ = flow(name)
    checked = 0
    for state in scenario.states:
        objects = state.objects
        for invoice in (o for o in objects.values() if o["object"] == "invoice"):
            checked += 1
            parent = invoice["parent"]
            if state.model.subscription is not None:
                assert parent["type"] == "subscription_details"
                sub_id = parent["subscription_details"]["subscription"]
                assert objects[sub_id]["object"] == "subscription"
            else:
                assert parent is None
            for line in invoice["lines"]["data"]:
                assert line["invoice"] == invoice["id"]
                details = line["pricing"]["price_details"]
                assert objects[details["price"]]["product"] == details["product"]
                kind = line["parent"]["type"]
                linked = line["parent"][kind]
                if kind == "subscription_item_details":
                    assert linked["subscription"] == sub_id
                    assert objects[linked["subscription_item"]]["object"] == "subscription_item"
                else:
                    assert objects[linked["invoice_item"]]["object"] == "invoiceitem"
                assert line["subtotal"] == line["amount"]  # no discount, no tax in the flows
            payments = [
                o
                for o in objects.values()
                if o["object"] == "invoice_payment" and o["invoice"] == invoice["id"]
            ]
            assert "payments" not in invoice  # includable: only when expanded
            if invoice["status"] == "paid" and invoice["amount_paid"] > 0:
                [payment] = payments
                assert payment["status"] == "paid"
                assert payment["amount_paid"] == invoice["amount_paid"]
                intent = objects[payment["payment"]["payment_intent"]]
                assert intent["status"] == "succeeded"
                assert objects[intent["latest_charge"]]["paid"] is True
    assert checked


@pytest.mark.parametrize("name", FLOWS)
def test_payments_name_no_invoice_and_periods_live_on_items(name: str) -> None:
    """Basil removed `invoice` from PaymentIntents and charges and moved the billing period
    from the subscription to its items (changelog 2025-03-31.basil)."""
    scenario, _ = flow(name)
    for state in scenario.states:
        for obj in state.objects.values():
            if obj["object"] in ("payment_intent", "charge"):
                assert "invoice" not in obj
            if obj["object"] == "subscription":
                assert "current_period_start" not in obj
                for item in obj["items"]["data"]:
                    assert 0 < item["current_period_start"] < item["current_period_end"]


@pytest.mark.parametrize("name", ["renewal", "trial", "renewal-failed-recovered"])
def test_item_periods_agree_with_the_lines_that_bill_them(name: str) -> None:
    scenario, _ = flow(name)
    for state in scenario.states:
        sub = state.model.subscription
        if sub is None or state.model.invoice is None:
            continue
        invoice = state.objects[state.model.invoice.id]
        items = {i["id"]: i for i in state.objects[sub.id]["items"]["data"]}
        for line in invoice["lines"]["data"]:
            details = line["parent"]["subscription_item_details"]
            item = items[details["subscription_item"]]
            if not details["proration"] and state.model.phase.status != "trialing":
                period = (line["period"]["start"], line["period"]["end"])
                assert period == (item["current_period_start"], item["current_period_end"])


@pytest.mark.parametrize("name", FLOWS)
def test_every_paid_invoice_has_an_invoice_payment_paid_event(name: str) -> None:
    """`invoice_payment.paid` is an event type of the dahlia spec (webhook enabled_events)."""
    scenario, events = flow(name)
    paid = {
        inv_id
        for state in scenario.states
        for inv_id, obj in state.objects.items()
        if obj["object"] == "invoice" and obj["status"] == "paid" and obj["amount_paid"] > 0
    }
    announced = [
        e["data"]["object"]["invoice"] for e in events if e["type"] == "invoice_payment.paid"
    ]
    assert sorted(announced) == sorted(paid)


def test_renewal_preview_has_the_create_preview_id() -> None:
    """https://docs.stripe.com/api/invoices/create_preview answers with `upcoming_in_...`."""
    _, events = flow("renewal")
    [upcoming] = [e for e in events if e["type"] == "invoice.upcoming"]
    assert upcoming["data"]["object"]["id"].startswith("upcoming_in_")


def test_renewal_sends_item_periods_in_previous_attributes() -> None:
    _, events = flow("renewal")
    renewed = [
        e
        for e in events
        if e["type"] == "customer.subscription.updated"
        and "items" in e["data"].get("previous_attributes", {})
    ]
    assert renewed
    for event in renewed:
        old_items = event["data"]["previous_attributes"]["items"]["data"]
        new_items = event["data"]["object"]["items"]["data"]
        assert old_items[0]["current_period_end"] == new_items[0]["current_period_start"]
        assert "current_period_start" not in event["data"]["previous_attributes"]


def test_includables_appear_only_when_expanded() -> None:
    builder = GraphBuilder(spec=dahlia(), seed=4)
    plain = builder.subscription(status="active")
    assert "payments" not in plain.invoice and "subscriptions" not in plain.customer
    expanded = builder.subscription(
        status="active", expand=["latest_invoice.payments", "customer.subscriptions"]
    ).subscription
    assert expanded is not None
    [payment] = expanded["latest_invoice"]["payments"]["data"]
    assert payment["payment"]["payment_intent"] == plain.payment_intent["id"]  # type: ignore[index]
    assert [s["id"] for s in expanded["customer"]["subscriptions"]["data"]] == [expanded["id"]]
    secret = builder.subscription(
        status="incomplete",
        payment_outcome="requires_action",
        expand=["latest_invoice.confirmation_secret"],
    ).subscription
    assert secret is not None
    confirmation = secret["latest_invoice"]["confirmation_secret"]
    assert confirmation["type"] == "payment_intent"
    assert confirmation["client_secret"].startswith("pi_")


def test_subscriptions_created_by_the_api_are_flexible() -> None:
    """https://docs.stripe.com/changelog/clover/2025-09-30/billing-mode-default-flexible"""
    sub = GraphBuilder(spec=dahlia(), seed=4).subscription().subscription
    assert sub is not None and sub["billing_mode"]["type"] == "flexible"


@pytest.mark.parametrize("name", ["upgrade", "downgrade"])
def test_every_line_and_item_is_priced_at_its_amount_per_unit(name: str) -> None:
    """A line's amount is its unit amount times its quantity (the spec's descriptions of
    `amount` and `pricing.unit_amount_decimal`), prorations included."""
    from decimal import Decimal

    scenario, _ = flow(name)
    checked = 0
    for obj in scenario.latest_objects().values():
        lines = obj["lines"]["data"] if obj["object"] == "invoice" else []
        if obj["object"] == "invoiceitem":
            lines = [obj]
        for line in lines:
            unit = Decimal(line["pricing"]["unit_amount_decimal"])
            assert unit * line["quantity"] == line["amount"], line["id"]
            checked += 1
    assert checked >= 4
