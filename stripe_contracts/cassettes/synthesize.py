"""Synthesize a cassette from a scenario: the API calls a typical integration makes, with
the responses taken from the scenario's states, in vcrpy's format.

So client code that has never talked to Stripe can run against `stripe_cassette` replay. The
calls are the ones listed in `CALLS` for each scenario action; after the flow the integration
retrieves its latest invoice and lists the customer's active entitlements (when the spec
describes entitlements). Every synthesized interaction passes `cassette check`.

A customer with several subscriptions (`scenarios.customer`; Stripe's customers hold several
since https://docs.stripe.com/changelog/2014-01-31/customers-support-multiple-subscriptions):
each `subscribe` step is its own `POST /v1/subscriptions` with that subscription's items, and a
step on one subscription is a call at its id answered with its object
(`State.subject_model`); after the flow the latest invoice of every subscription is retrieved.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from stripe_contracts import _yaml
from stripe_contracts.cassettes.files import write_atomic
from stripe_contracts.cassettes.form import encode_form
from stripe_contracts.cassettes.origin import origin_metadata
from stripe_contracts.errors import StripeContractsError
from stripe_contracts.graph.expand import expand_paths, payment_expand_path
from stripe_contracts.graph.model import BillingModel
from stripe_contracts.scenarios import run_flow
from stripe_contracts.scenarios.timeline import Scenario, State
from stripe_contracts.spec import Spec
from stripe_contracts.spec.requests import invoice_item_price, subscription_coupon

JSON = Any
API = "https://api.stripe.com"
Call = tuple[str, str, dict[str, JSON], dict[str, JSON]]  # method, path (+query), params, body


def synthesize(flow: str, spec: Spec, *, seed: int = 0, **options: JSON) -> dict[str, JSON]:
    """The cassette (vcrpy's dict: `{"interactions": [...], "version": 1}`) for a flow."""
    return cassette_for(run_flow(flow, spec, seed=seed, **options))


def cassette_for(scenario: Scenario, *, scenario_file: str | None = None) -> dict[str, JSON]:
    """The cassette of the scenario's API calls; `scenario_file` (its name) is noted in the
    cassette's `metadata` when the scenario comes from one, so a replay mismatch can say where
    in that file a parameter comes from (`cassettes.origin`)."""
    spec = scenario.spec
    calls: list[tuple[Call, JSON, State]] = []
    seen: set[str] = set()
    finals = _final_state_per_request(scenario.states)
    for state in finals:
        if state.request in seen or state.action is None:
            continue
        seen.add(state.request or "")
        make = CALLS.get(state.action)
        if make is None:
            raise StripeContractsError(
                f"no API call is known for the scenario step {state.action!r}",
                hint="add one to stripe_contracts.cassettes.synthesize.CALLS",
            )
        for call, response in make(scenario, state):
            calls.append((call, response, state))
    last = scenario.current
    for call, response in _follow_ups(scenario, last):
        calls.append((call, response, last))
    cassette: dict[str, JSON] = {
        "interactions": [
            _interaction(call, response, state, spec) for call, response, state in calls
        ],
        "version": 1,
    }
    if scenario_file is not None:
        cassette["metadata"] = origin_metadata(scenario_file)
    return cassette


def write_cassette(cassette: dict[str, JSON], path: Path, *, force: bool = False) -> None:
    """Write atomically; an existing cassette is replaced only with `force`."""
    text = (
        json.dumps(cassette, indent=2, sort_keys=True) + "\n"
        if path.suffix == ".json"
        else _yaml.dump(cassette, sort_keys=True, allow_unicode=True)
    )
    try:
        write_atomic(path, text, replace=force)
    except FileExistsError:
        raise StripeContractsError(
            f"{path} exists; refusing to overwrite a cassette",
            hint="choose another --out, or pass --force",
        ) from None


def _final_state_per_request(states: list[State]) -> list[State]:
    """For each API request, the last state it produced (what its response returns)."""
    last: dict[str, State] = {}
    for state in states:
        if state.request:
            last[state.request] = state
    return [s for s in states if s.request and last[s.request] is s]


def _subject(state: State) -> BillingModel:
    """The model of the subscription the state's request acted on: with several subscriptions
    for the customer (`scenarios.customer`) it is that subscription's own, since the state's
    `model` is the first subscription's."""
    return state.subject_model or state.model


def _customer(scenario: Scenario, state: State) -> list[tuple[Call, JSON]]:
    customer = state.objects[scenario.plan.customer_id]
    params = {"email": customer["email"], "name": customer["name"]}
    for given in ("phone", "address"):  # sent when the scenario file gives them
        if given in (scenario.customer or {}) and customer.get(given):
            params[given] = customer[given]
    if customer.get("metadata"):
        params["metadata"] = customer["metadata"]
    return [(("POST", "/v1/customers", {}, params), customer)]


def _attach(scenario: Scenario, state: State) -> list[tuple[Call, JSON]]:
    cus = scenario.plan.customer_id
    pm_id = state.model.payment_method_id or scenario.plan.payment_method_id
    return [
        (
            ("POST", f"/v1/payment_methods/{pm_id}/attach", {}, {"customer": cus}),
            state.objects[pm_id],
        ),
        (
            (
                "POST",
                f"/v1/customers/{cus}",
                {},
                {"invoice_settings": {"default_payment_method": pm_id}},
            ),
            state.objects[cus],
        ),
    ]


def _subscribe(scenario: Scenario, state: State) -> list[tuple[Call, JSON]]:
    model = _subject(state)
    plan = model.plan
    body: dict[str, JSON] = {
        "customer": plan.customer_id,
        "items": [{"price": i.price.id, "quantity": i.quantity} for i in plan.items],
        "expand": [payment_expand_path(scenario.spec)],
    }
    if plan.trial:
        body["trial_period_days"] = (plan.trial[1] - plan.trial[0]) // 86_400
    if plan.collection_method == "send_invoice":
        body.update(collection_method="send_invoice", days_until_due=30)
    else:
        body["payment_behavior"] = plan.settings.payment_behavior
    sub = state.objects[plan.subscription_id]
    if plan.coupon is not None:
        body.update(subscription_coupon(scenario.spec, "/v1/subscriptions", plan.coupon.id))
    if sub.get("metadata"):
        body["metadata"] = sub["metadata"]
    if plan.tax_rate is not None:
        body["default_tax_rates"] = [plan.tax_rate.id]
    response = _expanded(scenario, state, sub)
    return [(("POST", "/v1/subscriptions", {}, body), response)]


def _expanded(scenario: Scenario, state: State, sub: dict[str, JSON]) -> dict[str, JSON]:
    path = payment_expand_path(scenario.spec)
    return expand_paths(sub, [path], state.objects, scenario.spec, _subject(state))


def _retrieve_subscription(scenario: Scenario, state: State) -> list[tuple[Call, JSON]]:
    sub_id = _subject(state).plan.subscription_id
    response = _expanded(scenario, state, state.objects[sub_id])
    query = {"expand": [payment_expand_path(scenario.spec)]}
    return [(("GET", f"/v1/subscriptions/{sub_id}", query, {}), response)]


def _update_items(scenario: Scenario, state: State) -> list[tuple[Call, JSON]]:
    return _items_update(state, "create_prorations")


def _update_items_unprorated(scenario: Scenario, state: State) -> list[tuple[Call, JSON]]:
    return _items_update(state, "none")


def _items_update(state: State, proration_behavior: str) -> list[tuple[Call, JSON]]:
    sub = _subject(state).subscription
    assert sub is not None
    body = {
        "items": [{"id": i.id, "price": i.price.id, "quantity": i.quantity} for i in sub.items],
        "proration_behavior": proration_behavior,
    }
    return [(("POST", f"/v1/subscriptions/{sub.id}", {}, body), state.objects[sub.id])]


def _apply_coupon(scenario: Scenario, state: State) -> list[tuple[Call, JSON]]:
    plan = _subject(state).plan
    sub_id, coupon = plan.subscription_id, plan.coupon
    assert coupon is not None
    path = "/v1/subscriptions/{subscription_exposed_id}"
    body = subscription_coupon(scenario.spec, path, coupon.id)
    return [(("POST", f"/v1/subscriptions/{sub_id}", {}, body), state.objects[sub_id])]


def _pause_collection(scenario: Scenario, state: State) -> list[tuple[Call, JSON]]:
    phase = _subject(state).phase
    value: dict[str, JSON] = {"behavior": phase.pause_collection}
    if phase.pause_resumes_at is not None:  # pause_collection[resumes_at], a Unix time
        value["resumes_at"] = phase.pause_resumes_at
    return _update_pause(scenario, state, value)


def _resume_collection(scenario: Scenario, state: State) -> list[tuple[Call, JSON]]:
    return _update_pause(scenario, state, "")  # "" unsets it (the spec's anyOf: an object or "")


def _update_pause(scenario: Scenario, state: State, value: JSON) -> list[tuple[Call, JSON]]:
    sub_id = _subject(state).plan.subscription_id
    body = {"pause_collection": value}
    return [(("POST", f"/v1/subscriptions/{sub_id}", {}, body), state.objects[sub_id])]


def _cancel(scenario: Scenario, state: State) -> list[tuple[Call, JSON]]:
    sub_id = _subject(state).plan.subscription_id
    return [(("DELETE", f"/v1/subscriptions/{sub_id}", {}, {}), state.objects[sub_id])]


def _cancel_at_period_end(scenario: Scenario, state: State) -> list[tuple[Call, JSON]]:
    sub_id = _subject(state).plan.subscription_id
    return [
        (
            ("POST", f"/v1/subscriptions/{sub_id}", {}, {"cancel_at_period_end": True}),
            state.objects[sub_id],
        )
    ]


def _invoice_item(scenario: Scenario, state: State) -> list[tuple[Call, JSON]]:
    model = _subject(state)
    calls: list[tuple[Call, JSON]] = []
    for line in model.phase.pending:
        assert line.invoice_item
        body = {
            "customer": model.plan.customer_id,
            **invoice_item_price(scenario.spec, line.item.price.id),
            "quantity": line.item.quantity,
        }
        calls.append((("POST", "/v1/invoiceitems", {}, body), state.objects[line.invoice_item]))
    return calls


def _create_invoice(scenario: Scenario, state: State) -> list[tuple[Call, JSON]]:
    invoice = _subject(state).invoice
    assert invoice is not None
    body = {
        "customer": scenario.plan.customer_id,
        "auto_advance": False,
        "pending_invoice_items_behavior": "include",
    }
    return [(("POST", "/v1/invoices", {}, body), state.objects[invoice.id])]


def _pay_invoice(scenario: Scenario, state: State) -> list[tuple[Call, JSON]]:
    [(call, invoice)] = _invoice_action(state, "pay")
    model = _subject(state)
    if model.phase.declined_manually_at != state.time:
        return [(call, invoice)]
    # declined: Stripe answers with the card error, not the invoice ("402 Request Failed",
    # the error object of https://docs.stripe.com/api/errors: type, code, decline_code,
    # message, charge, doc_url), the same error as the PaymentIntent's last_payment_error
    intent = model.payment_intent
    assert intent is not None
    error = state.objects[intent.id]["last_payment_error"]
    return [(call, {"error": {k: v for k, v in error.items() if v is not None}})]


def _void_invoice(scenario: Scenario, state: State) -> list[tuple[Call, JSON]]:
    return _invoice_action(state, "void")


def _mark_uncollectible(scenario: Scenario, state: State) -> list[tuple[Call, JSON]]:
    return _invoice_action(state, "mark_uncollectible")


def _invoice_action(state: State, action: str) -> list[tuple[Call, JSON]]:
    invoice = _subject(state).invoice
    assert invoice is not None
    return [(("POST", f"/v1/invoices/{invoice.id}/{action}", {}, {}), state.objects[invoice.id])]


#: Scenario action -> the calls a typical integration makes for it.
CALLS: dict[str, Callable[[Scenario, State], list[tuple[Call, JSON]]]] = {
    "create_customer": _customer,
    "attach_payment_method": _attach,
    "create_subscription": _subscribe,
    "confirm_payment": _retrieve_subscription,  # the client confirmed; the server looks again
    "update_items": _update_items,
    "update_items_unprorated": _update_items_unprorated,
    "apply_coupon": _apply_coupon,
    "pause_collection": _pause_collection,
    "resume_collection": _resume_collection,
    "cancel": _cancel,
    "cancel_at_period_end": _cancel_at_period_end,
    "create_invoice_item": _invoice_item,
    "create_invoice": _create_invoice,
    "pay_invoice": _pay_invoice,
    "void_invoice": _void_invoice,
    "mark_uncollectible": _mark_uncollectible,
}


def _follow_ups(scenario: Scenario, state: State) -> list[tuple[Call, JSON]]:
    calls: list[tuple[Call, JSON]] = []
    invoice = state.model.invoice
    if invoice is not None:
        calls.append((("GET", f"/v1/invoices/{invoice.id}", {}, {}), state.objects[invoice.id]))
    for later in _later_subscriptions(scenario, state):  # each one's latest invoice, too
        latest = later.get("latest_invoice")
        if isinstance(latest, str) and latest in state.objects:
            calls.append((("GET", f"/v1/invoices/{latest}", {}, {}), state.objects[latest]))
    if state.summary is not None and "/v1/entitlements/active_entitlements" in scenario.spec.paths:
        customer = scenario.plan.customer_id
        listing = dict(state.summary["entitlements"])
        listing["url"] = "/v1/entitlements/active_entitlements"
        calls.append(
            (("GET", "/v1/entitlements/active_entitlements", {"customer": customer}, {}), listing)
        )
    return calls


def _later_subscriptions(scenario: Scenario, state: State) -> list[dict[str, JSON]]:
    """The customer's subscriptions after the first (`scenarios.customer`), in the order they
    were created."""
    first = scenario.plan.subscription_id
    subs = [o for o in state.objects.values() if o.get("object") == "subscription"]
    return [s for s in subs if s["id"] != first]


def _interaction(call: Call, response: JSON, state: State, spec: Spec) -> dict[str, JSON]:
    method, path, query, body = call
    uri = API + path + (f"?{encode_form(query)}" if query else "")
    request_id = state.request or "req_synthesized"
    # a card error's status (https://docs.stripe.com/api/errors); every other response is 200
    status = {"code": 402, "message": "Payment Required"} if set(response) == {"error"} else None
    return {
        "request": {
            "method": method,
            "uri": uri,
            "body": encode_form(body) if body else None,
            "headers": {
                "Content-Type": ["application/x-www-form-urlencoded"],
                "Stripe-Version": [spec.api_version],
            },
        },
        "response": {
            "status": status or {"code": 200, "message": "OK"},
            "headers": {
                "Content-Type": ["application/json"],
                "Request-Id": [request_id],
                "Stripe-Version": [spec.api_version],
            },
            "body": {"string": json.dumps(response, indent=2, sort_keys=True)},
        },
    }
