"""Stripe's test cards: each declines with the codes Stripe documents, and a replaced card is a
new PaymentMethod that the next attempts use."""

from __future__ import annotations

import pytest

from conftest import spec_for
from stripe_contracts.scenarios import Scenario, build_events

#: behaviour -> (last4, error code, decline code), written out from
#: https://docs.stripe.com/testing#declined-payments, independently of graph/cards.py
STRIPE_DECLINES = {
    "generic_decline": ("0341", "card_declined", "generic_decline"),
    "insufficient_funds": ("9995", "card_declined", "insufficient_funds"),
    "expired_card": ("0069", "expired_card", "expired_card"),
    "incorrect_cvc": ("0127", "incorrect_cvc", "incorrect_cvc"),
}


@pytest.mark.parametrize("card", sorted(STRIPE_DECLINES))
def test_a_declined_signup_carries_the_cards_codes(card: str) -> None:
    last4, code, decline_code = STRIPE_DECLINES[card]
    spec = spec_for("2023-08-16")
    scenario = Scenario(spec, seed=2)
    scenario.create_customer().attach_payment_method(card).create_subscription()
    events = build_events(scenario.states, spec)
    failed = next(e for e in events if e["type"] == "payment_intent.payment_failed")
    error = failed["data"]["object"]["last_payment_error"]
    assert (error["code"], error["decline_code"]) == (code, decline_code)
    charge = next(e for e in events if e["type"] == "charge.failed")["data"]["object"]
    assert charge["failure_code"] == code and charge["outcome"]["reason"] == decline_code
    assert charge["payment_method_details"]["card"]["last4"] == last4
    # last_payment_error.payment_method: "The PaymentMethod object for errors returned on a
    # request involving a PaymentMethod" (Stripe's SDK reference): the declined card
    declined = error["payment_method"]
    assert declined["object"] == "payment_method" and declined["id"] == charge["payment_method"]
    assert declined["card"]["last4"] == last4


def test_a_replaced_card_is_a_new_default_payment_method_used_by_the_next_retry() -> None:
    spec = spec_for("2023-08-16")
    scenario = Scenario(spec, seed=2)
    scenario.create_customer().attach_payment_method("success").create_subscription()
    scenario.attach_payment_method("insufficient_funds").advance_to_period_end()
    assert scenario.phase.status == "past_due"
    scenario.attach_payment_method("success").advance_to_next_retry()
    assert scenario.phase.status == "active"
    events = build_events(scenario.states, spec)
    attached = [e["data"]["object"] for e in events if e["type"] == "payment_method.attached"]
    assert len({pm["id"] for pm in attached}) == 3
    defaults = [
        e["data"]["object"]["invoice_settings"]["default_payment_method"]
        for e in events
        if e["type"] == "customer.updated"
        and "invoice_settings" in e["data"].get("previous_attributes", {})
    ]
    assert defaults == [pm["id"] for pm in attached]
    failed = next(e for e in events if e["type"] == "charge.failed")["data"]["object"]
    paid = [e for e in events if e["type"] == "charge.succeeded"][-1]["data"]["object"]
    assert failed["payment_method"] == attached[1]["id"]
    assert failed["outcome"]["reason"] == "insufficient_funds"
    assert paid["payment_method"] == attached[2]["id"]
