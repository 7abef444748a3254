"""The scenario-file steps that change a running subscription (quantity, coupon, an invoice's
fate, paused collection): each gives the objects and events Stripe documents for its API call.
Every expected value comes from a Stripe page (cited) or from Stripe's spec, never from our
earlier output; every object and event validates against all three specs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest

from conftest import SHARED, VERSIONS, fixtures_for, spec_for
from stripe_contracts.cassettes.contract import check_cassette, format_text
from stripe_contracts.cassettes.synthesize import cassette_for, write_cassette
from stripe_contracts.cli import main
from stripe_contracts.scenarios.events import SUMMARY_EVENT
from stripe_contracts.scenarios.files import (
    StepExpectationFailed,
    load_scenario_file,
    run_scenario_file,
)
from stripe_contracts.scenarios.steps import DEFAULT_CATALOG, ScenarioSteps
from stripe_contracts.validation import validate, validate_as

JSON = Any
DAHLIA = str(SHARED / "spec3.2026-05-27.dahlia.json")
#: A 10 USD monthly price, the amount of the example on Stripe's prorations page.
CATALOG: dict[str, JSON] = {
    **DEFAULT_CATALOG,
    "prices": [
        {
            "lookup_key": "seat_monthly",
            "product": "standard",
            "currency": "usd",
            "unit_amount": 1000,
            "recurring": {"interval": "month"},
        },
        *DEFAULT_CATALOG["prices"],
    ],
}
CATALOG["coupons"] = [
    {"key": "quarter_off", "percent_off": 25, "name": "25% off"},
    {"key": "five_off", "id": "FIVEOFF", "amount_off": 500, "currency": "usd"},
]
CATALOG["tax_rates"] = [
    {"key": "vat", "display_name": "VAT", "percentage": 20, "inclusive": False},
    {
        "key": "vat_included",
        "id": "txr_vat_inc",
        "display_name": "VAT",
        "percentage": 20,
        "inclusive": True,
    },
]
#: The first billing period of seed 0 runs 2024-01-31 to 2024-02-29: 29 days, so its middle is
#: 14.5 days in (the month-end anchor, https://docs.stripe.com/billing/subscriptions/billing-cycle).
HALF_PERIOD_HOURS = 29 * 24 / 2


def subscribed(version: str = "2023-08-16", quantity: int = 1, **settings: JSON) -> ScenarioSteps:
    steps = ScenarioSteps(spec_for(version), catalog=CATALOG, settings=settings or None)
    steps.attach_payment_method()
    return steps.subscribe(items=[{"price": "seat_monthly", "quantity": quantity}])


def events_after(steps: ScenarioSteps, build: Callable[[ScenarioSteps], object]) -> list[JSON]:
    before = len(steps.events)
    build(steps)
    return steps.events[before:]


def types(events: list[JSON]) -> list[str]:
    return [e["type"] for e in events]


def assert_all_valid(steps: ScenarioSteps) -> None:
    """Every object of every moment and every event validates against the steps' spec."""
    spec = steps.spec
    for state in steps.scenario.states:
        for obj in state.objects.values():
            assert validate(obj, spec, strict=True) == [], (spec.api_version, obj["id"])
    for event in steps.events:
        if event["type"] != SUMMARY_EVENT:  # its object has no schema in Stripe's spec
            assert validate(event, spec, strict=True) == [], (spec.api_version, event["type"])


def renewal(steps: ScenarioSteps) -> JSON:
    steps.advance(to="period_end")
    [created] = [e for e in steps.events if e["type"] == "invoice.created"][-1:]
    return created["data"]["object"]


@cache
def raw_spec(version: str) -> JSON:
    return json.loads((SHARED / f"spec3.{version}.json").read_text())


def post_parameter_enum(version: str, path: str, name: str) -> set[str]:
    """The values Stripe's spec allows for a form parameter of a POST request."""
    operation = raw_spec(version)["paths"][path]["post"]
    schema = operation["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]
    return set(schema["properties"][name]["enum"])


def schema_enum(*pointer: str) -> set[str]:
    schema = json.loads(
        (Path(__file__).parent.parent / "stripe_contracts/schemas/scenario.schema.json").read_text()
    )
    node = schema
    for part in pointer:
        node = node[part]
    return set(node["enum"])


# -- change quantity ----------------------------------------------------------------------------


def test_a_quantity_doubled_mid_period_bills_the_remaining_half_on_the_next_invoice() -> None:
    # Stripe's example (https://docs.stripe.com/billing/subscriptions/prorations): from a
    # 10 USD plan to 20 USD halfway through the period credits 5 USD of unused time and
    # charges 10 USD of remaining time; a quantity change prorates the same way
    # (https://docs.stripe.com/billing/subscriptions/quantities), and the next invoice bills
    # the new quantity plus the prorations (https://docs.stripe.com/api/subscriptions/update:
    # "on June 1 they'll be billed 250 USD").
    steps = subscribed().advance(hours=HALF_PERIOD_HOURS)
    events = events_after(steps, lambda s: s.change_quantity(2))
    assert types(events) == [
        "invoiceitem.created",
        "invoiceitem.created",
        "customer.subscription.updated",
    ]
    assert sorted(e["data"]["object"]["amount"] for e in events[:2]) == [-500, 1000]
    assert all(e["data"]["object"]["proration"] for e in events[:2])
    updated = events[2]["data"]
    assert updated["object"]["items"]["data"][0]["quantity"] == 2
    assert updated["previous_attributes"]["items"]["data"][0]["quantity"] == 1
    invoice = renewal(steps)
    assert invoice["amount_due"] == 2000 + 500
    assert sorted(line["amount"] for line in invoice["lines"]["data"]) == [-500, 1000, 2000]


def test_proration_lines_are_described_as_stripe_describes_them() -> None:
    # Stripe's responses: "Unused time on Base after 16 May 2018" (quantity 1) and "Remaining
    # time on 2 \u00d7 Mirror Subscription after 14 Jan 2019" (quantity 2): see
    # timeline.proration_description for where they were recorded
    steps = subscribed().advance(hours=HALF_PERIOD_HOURS)
    events = events_after(steps, lambda s: s.change_quantity(2))
    when = datetime.fromtimestamp(events[0]["created"], tz=UTC).strftime("%d %b %Y")
    [name] = [p["name"] for p in DEFAULT_CATALOG["products"] if p["key"] == "standard"]
    descriptions = sorted(e["data"]["object"]["description"] for e in events[:2])
    assert descriptions == [
        f"Remaining time on 2 \u00d7 {name} after {when}",
        f"Unused time on {name} after {when}",
    ]
    assert re.fullmatch(r"\d\d [A-Z][a-z]{2} \d{4}", when)


def test_without_prorations_the_next_invoice_bills_only_the_new_quantity() -> None:
    # proration_behavior=none: "Disable creating prorations in this request"
    # (https://docs.stripe.com/api/subscriptions/update#update_subscription-proration_behavior)
    steps = subscribed().advance(hours=HALF_PERIOD_HOURS)
    events = events_after(steps, lambda s: s.change_quantity(3, proration_behavior="none"))
    assert types(events) == ["customer.subscription.updated"]
    assert renewal(steps)["amount_due"] == 3000


@pytest.mark.parametrize("version", VERSIONS)
def test_quantity_changes_validate_in_every_version(version: str) -> None:
    steps = subscribed(version).advance(days=5).change_quantity(4).advance(days=3)
    steps.change_quantity(1, price="seat_monthly", proration_behavior="none")
    steps.advance(to="period_end")
    assert_all_valid(steps)


@pytest.mark.parametrize("version", VERSIONS)
def test_the_files_proration_behaviors_are_values_stripe_takes(version: str) -> None:
    allowed = post_parameter_enum(
        version, "/v1/subscriptions/{subscription_exposed_id}", "proration_behavior"
    )
    assert schema_enum("$defs", "proration_behavior") <= allowed


# -- coupons ----------------------------------------------------------------------------------


def form_properties(version: str, path: str) -> set[str]:
    operation = raw_spec(version)["paths"][path]["post"]
    return set(
        operation["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"][
            "properties"
        ]
    )


def test_a_coupon_applied_mid_period_discounts_the_next_invoice_not_the_issued_one() -> None:
    # Stripe: "Once an invoice is finalized, monetary values ... become uneditable" (the spec's
    # description of POST /v1/invoices/{invoice}); the coupon reduces invoices by a
    # percentage (https://docs.stripe.com/billing/subscriptions/coupons)
    description = raw_spec("2023-08-16")["paths"]["/v1/invoices/{invoice}"]["post"]["description"]
    assert "become uneditable" in description
    steps = subscribed().advance(days=10)
    paid_before = steps.graph.invoice["amount_paid"]
    events = events_after(steps, lambda s: s.apply_coupon("quarter_off"))
    assert types(events) == ["customer.discount.created", "customer.subscription.updated"]
    assert steps.graph.invoice["amount_paid"] == paid_before == 1000
    assert steps.graph.invoice["discount"] is None
    discount = events[0]["data"]["object"]
    subscription = events[1]["data"]
    assert (
        discount["object"] == "discount"
        and discount["subscription"] == subscription["object"]["id"]
    )
    assert discount["start"] == events[0]["created"] and discount["coupon"]["percent_off"] == 25
    assert subscription["object"]["discount"]["id"] == discount["id"]
    assert subscription["previous_attributes"] == {"discount": None}
    invoice = renewal(steps)
    assert (invoice["subtotal"], invoice["total"]) == (1000, 750)
    assert invoice["total_discount_amounts"] == [{"amount": 250, "discount": discount["id"]}]


def test_the_discount_event_is_one_stripe_sends_in_every_version() -> None:
    for version in VERSIONS:
        events = raw_spec(version)["paths"]["/v1/webhook_endpoints"]["post"]["requestBody"]
        assert "customer.discount.created" in json.dumps(events), version


def test_a_coupon_at_signup_discounts_the_first_invoice_with_the_catalogs_id() -> None:
    # a coupon id is a "Unique string of your choice" (POST /v1/coupons `id` in the spec)
    steps = ScenarioSteps(spec_for("2023-08-16"), catalog=CATALOG).attach_payment_method()
    steps.subscribe(items=[{"price": "seat_monthly"}], coupon="five_off", metadata={"plan": "x"})
    assert "customer.discount.created" in types(steps.events)
    invoice, subscription = steps.graph.invoice, steps.graph.subscription
    assert invoice["amount_paid"] == 1000 - 500
    assert subscription is not None and subscription["discount"]["coupon"]["id"] == "FIVEOFF"
    assert subscription["metadata"] == {"plan": "x"}


@pytest.mark.parametrize("version", VERSIONS)
def test_coupon_steps_validate_and_their_cassette_sends_parameters_the_spec_takes(
    version: str,
) -> None:
    steps = subscribed(version).advance(days=4).apply_coupon("quarter_off")
    steps.advance(to="period_end").change_quantity(2).advance(to="period_end")
    assert_all_valid(steps)
    posts = [
        i["request"]
        for i in cassette_for(steps.scenario)["interactions"]
        if i["request"]["method"] == "POST" and "coupon" in i["request"]["body"]
    ]
    [applied] = posts
    allowed = form_properties(version, "/v1/subscriptions/{subscription_exposed_id}")
    keys = {key.split("[")[0] for key in parse_qs(applied["body"])}
    assert keys <= allowed and keys & {"coupon", "discounts"}


def test_payment_behavior_on_subscribe_leaves_the_subscription_incomplete() -> None:
    # default_incomplete: "the subscription is created in `incomplete` status" until the
    # first payment is confirmed (the parameter's description in the spec)
    properties = raw_spec("2023-08-16")["paths"]["/v1/subscriptions"]["post"]["requestBody"]
    assert "default_incomplete" in json.dumps(properties)
    steps = ScenarioSteps(spec_for("2023-08-16"), catalog=CATALOG).attach_payment_method()
    steps.subscribe(items=[{"price": "seat_monthly"}], payment_behavior="default_incomplete")
    assert steps.graph.subscription is not None
    assert steps.graph.subscription["status"] == "incomplete"


# -- tax rates ----------------------------------------------------------------------------------


def test_the_catalogs_tax_rates_need_what_stripe_requires_to_create_one() -> None:
    for version in VERSIONS:
        form = raw_spec(version)["paths"]["/v1/tax_rates"]["post"]["requestBody"]["content"]
        required = set(form["application/x-www-form-urlencoded"]["schema"]["required"])
        catalog = json.loads(
            (
                Path(__file__).parent.parent / "stripe_contracts/schemas/catalog.schema.json"
            ).read_text()
        )
        assert required <= set(catalog["properties"]["tax_rates"]["items"]["required"])


@pytest.mark.parametrize(
    ("key", "tax", "total"),
    [
        # exclusive: added on top; inclusive: carved out of the amount, 1000 = 833 + 167
        # (https://docs.stripe.com/billing/taxes/tax-rates; `inclusive` of the tax rate)
        ("vat", 200, 1200),
        ("vat_included", 167, 1000),
    ],
)
def test_a_subscription_with_a_tax_rate_taxes_each_invoice(key: str, tax: int, total: int) -> None:
    steps = ScenarioSteps(spec_for("2023-08-16"), catalog=CATALOG).attach_payment_method()
    steps.subscribe(items=[{"price": "seat_monthly"}], tax_rates=[key])
    for invoice in (steps.graph.invoice, renewal(steps)):
        assert (invoice["tax"], invoice["total"], invoice["amount_due"]) == (tax, total, total)
        [amount] = invoice["total_tax_amounts"]
        assert amount["amount"] == tax and amount["inclusive"] is (key == "vat_included")
    assert steps.graph.subscription is not None
    [rate] = steps.graph.subscription["default_tax_rates"]
    assert rate["percentage"] == 20 and rate["display_name"] == "VAT"
    if key == "vat_included":
        assert rate["id"] == "txr_vat_inc"


@pytest.mark.parametrize("version", VERSIONS)
def test_taxed_and_discounted_subscriptions_validate_and_send_their_tax_rate(version: str) -> None:
    steps = ScenarioSteps(spec_for(version), catalog=CATALOG).attach_payment_method()
    steps.subscribe(items=[{"price": "seat_monthly"}], tax_rates=["vat"], coupon="quarter_off")
    steps.advance(to="period_end")
    assert_all_valid(steps)
    [create] = [
        parse_qs(i["request"]["body"])
        for i in cassette_for(steps.scenario)["interactions"]
        if i["request"]["uri"].endswith("/v1/subscriptions") and i["request"]["method"] == "POST"
    ]
    assert create["default_tax_rates[0]"] == [steps.scenario.plan.tax_rate.id]  # type: ignore[union-attr]
    assert {k.split("[")[0] for k in create} <= form_properties(version, "/v1/subscriptions")


# -- the latest invoice: pay, void, mark uncollectible ---------------------------------------------


def past_due(version: str = "2023-08-16", **settings: JSON) -> ScenarioSteps:
    """A renewal declined for insufficient funds: the subscription past_due, its invoice open."""
    steps = subscribed(version, **settings).attach_payment_method(card="insufficient_funds")
    steps.advance(to="period_end").advance(days=1)
    assert steps.graph.subscription is not None
    assert (steps.graph.subscription["status"], steps.graph.invoice["status"]) == (
        "past_due",
        "open",
    )
    return steps


def spec_text(version: str, *pointer: str) -> str:
    node = raw_spec(version)
    for part in pointer:
        node = node[part]
    return json.dumps(node)


def test_paying_the_open_invoice_with_the_default_card_settles_the_past_due_subscription() -> None:
    # POST /v1/invoices/{id}/pay charges the default card unless paid_out_of_band ("This will
    # result in no charge being made. Defaults to `false`"); "Paying an invoice ... via the
    # API will set [customer.delinquent] to false"; manual attempts after the first "do not
    # affect the retry schedule" (all three: the dahlia spec's descriptions)
    pay = spec_text("2026-05-27.dahlia", "paths", "/v1/invoices/{invoice}/pay")
    assert "result in no charge being made. Defaults to `false`" in pay
    customer = spec_text("2026-05-27.dahlia", "components", "schemas", "customer")
    assert "Paying an invoice or marking it uncollectible via the API will set this" in customer
    steps = past_due().attach_payment_method(card="success")
    attempts = steps.graph.invoice["attempt_count"]
    events = events_after(steps, lambda s: s.pay_invoice())
    assert types(events) == [
        "customer.updated",
        "charge.succeeded",
        "payment_intent.succeeded",
        "invoice.updated",
        "invoice.paid",
        "invoice.payment_succeeded",
        "customer.subscription.updated",
    ]
    assert events[0]["data"]["previous_attributes"] == {"delinquent": True}
    invoice = events[4]["data"]["object"]
    assert (invoice["status"], invoice["attempt_count"]) == ("paid", attempts)
    assert invoice["next_payment_attempt"] is None and invoice["paid_out_of_band"] is False
    assert events[1]["data"]["object"]["amount"] == invoice["amount_paid"] > 0
    assert all(e["request"]["id"] for e in events)  # caused by the API call
    subscription = events[-1]["data"]
    assert subscription["object"]["status"] == "active"
    assert subscription["previous_attributes"]["status"] == "past_due"


def test_voiding_the_latest_invoice_of_a_past_due_subscription_makes_it_active() -> None:
    # "Mark a finalized invoice as void. This cannot be undone" (the spec, POST .../void);
    # the subscription of a voided latest invoice is active again
    # (https://docs.stripe.com/billing/subscriptions/overview#voiding-invoice)
    assert "Mark a finalized invoice as void" in spec_text(
        "2023-08-16", "paths", "/v1/invoices/{invoice}/void"
    )
    steps = past_due()
    events = events_after(steps, lambda s: s.void_invoice())
    assert types(events) == [
        "payment_intent.canceled",
        "invoice.updated",
        "invoice.voided",
        "customer.subscription.updated",
    ]
    invoice = events[2]["data"]["object"]
    assert invoice["status"] == "void" and invoice["auto_advance"] is False
    assert invoice["status_transitions"]["voided_at"] == events[2]["created"]
    assert invoice["next_payment_attempt"] is None
    assert events[-1]["data"]["object"]["status"] == "active"


def test_marking_it_uncollectible_clears_delinquency_and_it_can_still_be_paid() -> None:
    # "Marking an invoice as uncollectible is useful for keeping track of bad debts" (the
    # spec); the past_due subscription becomes active: a Stripe engineer's answer to a user
    # who saw it (the link in Scenario.mark_uncollectible); delinquent resets as the dahlia
    # spec says. Stripe support: invoices can be voided "only when they are in either the
    # open or the uncollectible status" (quoted on metacpan, Net::API::Stripe), and an
    # uncollectible invoice can still be paid: POST .../pay takes it.
    steps = past_due("2026-05-27.dahlia")
    events = events_after(steps, lambda s: s.mark_uncollectible())
    assert types(events) == [
        "customer.updated",
        "invoice.updated",
        "invoice.marked_uncollectible",
        "customer.subscription.updated",
    ]
    assert events[0]["data"]["object"]["delinquent"] is False
    invoice = events[2]["data"]["object"]
    assert invoice["status"] == "uncollectible" and invoice["auto_advance"] is False
    assert invoice["status_transitions"]["marked_uncollectible_at"] == events[2]["created"]
    assert events[-1]["data"]["object"]["status"] == "active"
    steps.attach_payment_method(card="success")
    paid = events_after(steps, lambda s: s.pay_invoice())
    assert "invoice.paid" in types(paid)
    assert steps.graph.invoice["status"] == "paid"


def test_an_unpaid_subscription_paid_by_request_grants_its_features_again() -> None:
    # "unpaid" grants nothing, "active" does: Stripe provisions by subscription status
    # (https://docs.stripe.com/billing/entitlements); paying the latest invoice makes it active
    steps = past_due(subscription_after_retries="unpaid").advance(to="retries_end")
    assert steps.graph.subscription is not None
    assert steps.graph.subscription["status"] == "unpaid"
    steps.attach_payment_method(card="success")
    events = events_after(steps, lambda s: s.pay_invoice())
    [summary] = [e for e in events if e["type"] == SUMMARY_EVENT]
    keys = [x["lookup_key"] for x in summary["data"]["object"]["entitlements"]["data"]]
    assert keys == ["basic_features"]


# -- a manual payment that is declined ------------------------------------------------------


def intent_and_charge(steps: ScenarioSteps) -> tuple[JSON, JSON]:
    objects = steps.scenario.current.objects
    [intent] = [o for o in objects.values() if o["object"] == "payment_intent"]
    charge = objects[intent["last_payment_error"]["charge"]]
    return intent, charge


@pytest.mark.parametrize("version", VERSIONS)
def test_a_declined_manual_payment_fails_the_attempt_and_leaves_the_invoice_open(
    version: str,
) -> None:
    # invoice.payment_failed "Occurs whenever an invoice payment attempt fails"
    # (https://docs.stripe.com/api/events/types); "manual payment attempts after the first
    # attempt do not affect the retry schedule" (invoice.attempt_count in every spec); the
    # card 4000 0000 0000 9995 declines with decline_code `insufficient_funds`, error code
    # `card_declined` (https://docs.stripe.com/testing#declined-payments)
    attempt_count = raw_spec(version)["components"]["schemas"]["invoice"]["properties"][
        "attempt_count"
    ]["description"]
    assert "manual payment attempts after the first attempt do not affect" in attempt_count
    steps = past_due(version)
    before = steps.graph.invoice
    delinquent = steps.graph.customer["delinquent"]
    events = events_after(steps, lambda s: s.pay_invoice())
    found = types(events)
    for kind in ("charge.failed", "payment_intent.payment_failed", "invoice.payment_failed"):
        assert found.count(kind) == 1, (kind, found)
    assert found.index("charge.failed") < found.index("invoice.payment_failed")
    assert "customer.subscription.updated" not in found and "customer.updated" not in found
    assert steps.graph.customer["delinquent"] is delinquent is True
    invoice = steps.graph.invoice
    assert invoice["status"] == "open" and invoice["amount_paid"] == 0
    assert invoice["attempt_count"] == before["attempt_count"] >= 1
    assert invoice["next_payment_attempt"] == before["next_payment_attempt"] is not None
    intent, charge = intent_and_charge(steps)
    error = intent["last_payment_error"]
    assert (error["type"], error["code"], error["decline_code"]) == (
        "card_error",
        "card_declined",
        "insufficient_funds",
    )
    assert intent["status"] == "requires_payment_method"
    assert (charge["status"], charge["failure_code"], charge["outcome"]["reason"]) == (
        "failed",
        "card_declined",
        "insufficient_funds",
    )
    assert charge["created"] == events[0]["created"] and all(e["request"]["id"] for e in events)
    failed = next(e for e in events if e["type"] == "charge.failed")["data"]["object"]
    assert failed["id"] == charge["id"]
    if "charge" in invoice:  # before basil the invoice names its latest charge
        [updated] = [e for e in events if e["type"] == "invoice.updated"]
        assert updated["data"]["previous_attributes"] == {"charge": before["charge"]}
        assert invoice["charge"] == charge["id"] != before["charge"]
    [subscription] = [
        o for o in steps.scenario.current.objects.values() if o["object"] == "subscription"
    ]
    assert subscription["status"] == "past_due"
    assert_all_valid(steps)


def test_the_first_attempt_made_by_hand_counts_as_attempt_one() -> None:
    # "Any payment attempt counts as the first attempt" (invoice.attempt_count); an incomplete
    # subscription waits for its first payment (payment_behavior default_incomplete in the
    # spec) and Stripe schedules no retries of it: next_payment_attempt stays null
    steps = ScenarioSteps(spec_for("2023-08-16"), catalog=CATALOG)
    steps.attach_payment_method(card="generic_decline")
    steps.subscribe(items=[{"price": "seat_monthly"}], payment_behavior="default_incomplete")
    assert steps.graph.invoice["attempt_count"] == 0
    events = events_after(steps, lambda s: s.pay_invoice())
    [updated] = [e for e in events if e["type"] == "invoice.updated"]
    assert updated["data"]["previous_attributes"]["attempt_count"] == 0
    assert updated["data"]["previous_attributes"]["attempted"] is False
    invoice = updated["data"]["object"]
    assert (invoice["attempt_count"], invoice["attempted"]) == (1, True)
    assert invoice["status"] == "open" and invoice["next_payment_attempt"] is None
    assert "invoice.payment_failed" in types(events)
    intent, charge = intent_and_charge(steps)
    # 4000 0000 0000 0341: generic_decline (https://docs.stripe.com/testing#declined-payments)
    assert intent["last_payment_error"]["decline_code"] == "generic_decline"
    assert charge["payment_method_details"]["card"]["last4"] == "0341"
    # "An automatic payment failure ... will set this field to `true`" (customer.delinquent,
    # dahlia spec): a manual one does not
    assert steps.graph.customer["delinquent"] is False
    assert steps.graph.subscription is not None
    assert steps.graph.subscription["status"] == "incomplete"
    assert_all_valid(steps)


def test_each_declined_attempt_has_its_own_charge_and_retries_keep_their_schedule() -> None:
    steps = past_due()
    retry_at = steps.graph.invoice["next_payment_attempt"]
    steps.pay_invoice()
    first = intent_and_charge(steps)[1]["id"]
    steps.advance(hours=1).pay_invoice()
    second = intent_and_charge(steps)[1]["id"]
    assert first != second
    assert steps.graph.invoice["next_payment_attempt"] == retry_at
    # the next automatic retry happens when it was scheduled, with a charge of its own
    steps.attach_payment_method(card="success").advance(to="next_retry")
    assert steps.graph.invoice["status"] == "paid"
    assert latest_charge(steps) not in (first, second)
    assert_all_valid(steps)


def latest_charge(steps: ScenarioSteps) -> str:
    objects = steps.scenario.current.objects
    [intent] = [o for o in objects.values() if o["object"] == "payment_intent"]
    charges = intent.get("charges") or {"data": [{}]}  # 2020: the list, no latest_charge
    return str(intent.get("latest_charge") or charges["data"][-1].get("id"))


def test_a_declined_payment_of_an_uncollectible_invoice_leaves_it_uncollectible() -> None:
    # POST .../pay takes an uncollectible invoice (Scenario.mark_uncollectible); `paid` is
    # "Whether payment was successfully collected for this invoice" (the spec), so a declined
    # attempt leaves it unpaid, and uncollectible as it was
    paid = raw_spec("2023-08-16")["components"]["schemas"]["invoice"]["properties"]["paid"]
    assert paid["description"].startswith("Whether payment was successfully collected")
    steps = past_due(invoice_after_retries="uncollectible").advance(to="retries_end")
    assert steps.graph.invoice["status"] == "uncollectible"
    attempts = steps.graph.invoice["attempt_count"]
    events = events_after(steps, lambda s: s.pay_invoice())
    assert "invoice.payment_failed" in types(events) and "invoice.paid" not in types(events)
    invoice = steps.graph.invoice
    assert (invoice["status"], invoice["attempt_count"]) == ("uncollectible", attempts)
    assert invoice["paid"] is False
    assert_all_valid(steps)


def test_a_declined_pay_of_a_second_subscription_answers_with_that_invoices_card_error() -> None:
    steps = ScenarioSteps(spec_for("2023-08-16"), catalog=CATALOG).attach_payment_method()
    steps.subscribe(items=[{"price": "seat_monthly"}]).advance(days=2)
    steps.subscribe(items=[{"price": "advanced_monthly"}])
    steps.attach_payment_method(card="insufficient_funds")
    steps.advance(to="period_end", subscription=1).advance(days=1)
    events = events_after(steps, lambda s: s.pay_invoice(subscription=1))
    [failed] = [e for e in events if e["type"] == "invoice.payment_failed"]
    invoice = failed["data"]["object"]
    cassette = cassette_for(steps.scenario)
    [pay] = [i for i in cassette["interactions"] if i["request"]["uri"].endswith("/pay")]
    assert pay["request"]["uri"].endswith(f"/v1/invoices/{invoice['id']}/pay")
    assert pay["response"]["status"]["code"] == 402
    error = json.loads(pay["response"]["body"]["string"])["error"]
    assert error["charge"] == invoice["charge"]  # the failed charge of that invoice


@pytest.mark.parametrize("version", VERSIONS)
def test_the_synthesized_cassette_answers_the_declined_pay_with_a_402_card_error(
    version: str, tmp_path: Path
) -> None:
    # a declined card is a 402 "Request Failed" with a `card_error` carrying `code`,
    # `decline_code` and the failed `charge` (https://docs.stripe.com/api/errors); the body
    # validates against the spec's `error` schema, the default response of the operation
    operation = raw_spec(version)["paths"]["/v1/invoices/{invoice}/pay"]["post"]
    assert operation["responses"]["default"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/error"
    }
    spec = spec_for(version)
    steps = past_due(version).pay_invoice()
    cassette = cassette_for(steps.scenario)
    [pay] = [i for i in cassette["interactions"] if i["request"]["uri"].endswith("/pay")]
    assert pay["response"]["status"]["code"] == 402
    body = json.loads(pay["response"]["body"]["string"])
    assert validate_as(body, "error", spec, strict=True) == []
    error = body["error"]
    assert (error["type"], error["code"], error["decline_code"]) == (
        "card_error",
        "card_declined",
        "insufficient_funds",
    )
    assert error["charge"] == intent_and_charge(steps)[1]["id"]
    write_cassette(cassette, tmp_path / "pay.json")
    report = check_cassette(tmp_path / "pay.json", spec, strict=True)
    assert report.errors == [] and not report.unchecked, format_text([report])


def test_a_scenario_file_expects_invoice_payment_failed_after_a_declined_pay(
    tmp_path: Path,
) -> None:
    steps = [
        *SUBSCRIBE,
        {"attach_payment_method": {"card": "insufficient_funds"}},
        {"advance": {"to": "period_end"}},
        {"pay_invoice": {}},
        {"expect_event": "invoice.payment_failed"},
        {"expect": {"invoice": {"status": "open"}, "subscription": {"status": "past_due"}}},
    ]
    path = write_files(tmp_path, steps)
    out = tmp_path / "out"
    args = ["generate", "--scenario-file", str(path), "--spec", DAHLIA, "--out", str(out)]
    assert main(args) == 0
    paid = write_files(tmp_path, [*steps[:5], {"expect_event": "invoice.paid"}])
    with pytest.raises(StepExpectationFailed, match=r"step 6 .*no invoice\.paid event"):
        run_scenario_file(load_scenario_file(paid), spec_for("2023-08-16"))


@pytest.mark.parametrize("version", VERSIONS)
def test_invoice_steps_validate_in_every_version(version: str) -> None:
    steps = past_due(version).mark_uncollectible().advance(to="period_end").advance(days=1)
    steps.void_invoice().attach_payment_method(card="success").advance(to="period_end")
    steps.advance(days=1).attach_payment_method(card="insufficient_funds")
    steps.advance(to="period_end").advance(days=1).attach_payment_method(card="success")
    steps.pay_invoice().advance(to="period_end")
    assert_all_valid(steps)
    cassette = cassette_for(steps.scenario)
    paths = [i["request"]["uri"].split("/v1/")[1] for i in cassette["interactions"]]
    assert [p.split("/")[-1] for p in paths if p.startswith("invoices/") and "/" in p[9:]] == [
        "mark_uncollectible",
        "void",
        "pay",
    ]


# -- paused collection -------------------------------------------------------------------------


def paused(behavior: str, version: str = "2023-08-16") -> tuple[ScenarioSteps, list[JSON]]:
    """Collection paused mid-period, then one renewal: the events of the pause and after it."""
    steps = subscribed(version).advance(days=3)
    events = events_after(
        steps, lambda s: s.pause_collection(behavior).advance(to="period_end").advance(days=2)
    )
    return steps, events


@pytest.mark.parametrize("version", VERSIONS)
def test_the_files_pause_behaviors_are_stripes(version: str) -> None:
    schema = raw_spec(version)["components"]["schemas"]["subscriptions_resource_pause_collection"]
    assert schema_enum(
        "$defs", "step", "properties", "pause_collection", "properties", "behavior"
    ) == set(schema["properties"]["behavior"]["enum"])


def test_pausing_sets_pause_collection_and_keeps_the_subscription_active() -> None:
    # "Note that the subscription status will be unchanged and will not be updated to
    # `paused`" (pause_collection of POST /v1/subscriptions/{id}, dahlia spec); the customer
    # keeps access and no upcoming-invoice webhook is sent while paused
    # (https://docs.stripe.com/billing/subscriptions/pause-payment); Stripe's example
    # subscription has pause_collection null (fixtures3)
    assert "status will be unchanged" in spec_text(
        "2026-05-27.dahlia", "paths", "/v1/subscriptions/{subscription_exposed_id}"
    )
    assert fixtures_for("2023-08-16")["subscription"]["pause_collection"] is None
    steps = subscribed().advance(days=3)
    assert steps.graph.subscription is not None
    assert steps.graph.subscription["pause_collection"] is None
    steps, events = paused("keep_as_draft")
    pause = events[0]
    assert pause["type"] == "customer.subscription.updated" and pause["request"]["id"]
    assert pause["data"]["object"]["pause_collection"] == {
        "behavior": "keep_as_draft",
        "resumes_at": None,
    }
    assert pause["data"]["previous_attributes"] == {"pause_collection": None}
    assert "invoice.upcoming" not in types(events) and SUMMARY_EVENT not in types(events)
    assert all(
        e["data"]["object"]["status"] == "active"
        for e in events
        if e["type"].startswith("customer.subscription.")
    )


def test_keep_as_draft_leaves_the_renewal_a_draft_that_does_not_advance() -> None:
    # keep_as_draft: invoices are created in `draft` with auto_advance false (pause-payment)
    steps, events = paused("keep_as_draft")
    assert types(events)[1:] == ["invoice.created", "customer.subscription.updated"]
    invoice = steps.graph.invoice
    assert (invoice["status"], invoice["auto_advance"], invoice["attempt_count"]) == (
        "draft",
        False,
        0,
    )


@pytest.mark.parametrize(
    ("behavior", "closing"),
    [("void", "invoice.voided"), ("mark_uncollectible", "invoice.marked_uncollectible")],
)
def test_void_and_mark_uncollectible_close_each_renewal_at_once_without_an_attempt(
    behavior: str, closing: str
) -> None:
    # the invoices of the paused period are voided or marked uncollectible as they are
    # created; nothing is charged (pause-payment)
    _, events = paused(behavior)
    assert "charge.succeeded" not in types(events) and "charge.failed" not in types(events)
    [closed] = [e for e in events if e["type"] == closing]
    [created] = [e for e in events if e["type"] == "invoice.created"]
    assert closed["created"] == created["created"]
    assert closed["data"]["object"]["attempt_count"] == 0
    assert closed["data"]["object"]["auto_advance"] is False
    finalized = next(e for e in events if e["type"] == "invoice.finalized")
    assert finalized["data"]["object"]["status"] == "open"  # as it was when finalized


def test_resumes_at_resumes_collection_by_itself_when_the_clock_passes_it() -> None:
    # "The time after which the subscription will resume collecting payments"
    # (pause_collection.resumes_at in every spec; a Unix time, nullable); a pause lasts
    # indefinitely or ends automatically on a date
    # (https://docs.stripe.com/billing/subscriptions/pause-payment)
    for version in VERSIONS:
        schema = raw_spec(version)["components"]["schemas"][
            "subscriptions_resource_pause_collection"
        ]
        resumes_at = schema["properties"]["resumes_at"]
        assert resumes_at["format"] == "unix-time" and resumes_at["nullable"] is True
        assert "resume collecting payments" in resumes_at["description"]
    for version in VERSIONS:
        steps = subscribed(version).advance(days=3)
        paused_at = steps.scenario.now
        events = events_after(
            steps, lambda s: s.pause_collection("void", resumes_at={"days": 40}).advance(days=60)
        )
        when = paused_at + 40 * 86400
        pause = events[0]["data"]["object"]["pause_collection"]
        assert pause == {"behavior": "void", "resumes_at": when}
        [resumed] = [
            e
            for e in events
            if e["type"] == "customer.subscription.updated"
            and "pause_collection" in e["data"]["previous_attributes"]
            and e["data"]["object"]["pause_collection"] is None
        ]
        assert resumed["created"] == when and resumed["request"]["id"] is None  # no API call
        assert resumed["data"]["previous_attributes"] == {"pause_collection": pause}
        assert resumed["data"]["object"]["status"] == "active"
        found = types(events)
        assert "customer.subscription.resumed" not in found
        # the renewal during the pause was voided; the one after it is collected
        voided = [e for e in events if e["type"] == "invoice.voided"]
        paid = [e for e in events if e["type"] == "invoice.paid"]
        assert len(voided) == 1 and voided[0]["created"] < when
        assert len(paid) == 1 and paid[0]["created"] > when
        assert_all_valid(steps)


def test_resumes_at_period_end_collects_the_renewal_of_that_moment() -> None:
    steps = subscribed().advance(days=3)
    assert steps.graph.subscription is not None
    end = steps.graph.subscription["current_period_end"]
    events = events_after(
        steps,
        lambda s: (
            s.pause_collection("mark_uncollectible", resumes_at={"to": "period_end"})
            .advance(to="period_end")
            .advance(days=1)
        ),
    )
    assert events[0]["data"]["object"]["pause_collection"]["resumes_at"] == end
    assert "invoice.marked_uncollectible" not in types(events)
    assert steps.graph.invoice["status"] == "paid"
    resumed = next(e for e in events[1:] if e["type"] == "customer.subscription.updated")
    assert resumed["created"] == end and resumed["data"]["object"]["pause_collection"] is None


def test_resuming_by_request_before_resumes_at_leaves_nothing_to_resume_later() -> None:
    steps = subscribed().advance(days=3)
    steps.pause_collection("keep_as_draft", resumes_at={"days": 5}).advance(days=1)
    events = events_after(steps, lambda s: s.resume_collection().advance(days=10))
    assert events[0]["data"]["previous_attributes"]["pause_collection"]["resumes_at"] is not None
    later = [e for e in events[1:] if e["type"] == "customer.subscription.updated"]
    assert all("pause_collection" not in e["data"]["previous_attributes"] for e in later)


def test_the_cassette_sends_resumes_at_as_stripe_takes_it(tmp_path: Path) -> None:
    # pause_collection_param of POST /v1/subscriptions/{id}: behavior and resumes_at, a
    # unix-time integer (every spec)
    for version in VERSIONS:
        form = raw_spec(version)["paths"]["/v1/subscriptions/{subscription_exposed_id}"]["post"]
        schema = form["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]
        [param] = [
            a for a in schema["properties"]["pause_collection"]["anyOf"] if a.get("properties")
        ]
        assert param["properties"]["resumes_at"] == {"format": "unix-time", "type": "integer"}
    steps = subscribed().advance(days=3)
    when = steps.scenario.now + 7 * 86400
    steps.pause_collection("void", resumes_at=when).advance(days=10)
    cassette = cassette_for(steps.scenario)
    bodies = [
        parse_qs(i["request"]["body"])
        for i in cassette["interactions"]
        if "pause_collection" in (i["request"]["body"] or "")
    ]
    assert bodies == [
        {"pause_collection[behavior]": ["void"], "pause_collection[resumes_at]": [str(when)]}
    ]
    write_cassette(cassette, tmp_path / "pause.json")
    report = check_cassette(tmp_path / "pause.json", spec_for("2023-08-16"), strict=True)
    assert report.errors == [] and not report.unchecked, format_text([report])


def test_resuming_clears_pause_collection_and_the_next_renewal_is_collected() -> None:
    # customer.subscription.resumed "Only applies when a `status=paused` subscription is
    # resumed, not when payment collection is resumed" (https://docs.stripe.com/api/events/types)
    steps, _ = paused("void")
    events = events_after(steps, lambda s: s.resume_collection())
    assert types(events) == ["customer.subscription.updated"]
    assert events[0]["data"]["object"]["pause_collection"] is None
    assert events[0]["data"]["previous_attributes"] == {
        "pause_collection": {"behavior": "void", "resumes_at": None}
    }
    after = events_after(steps, lambda s: s.advance(to="period_end"))
    assert "invoice.upcoming" in types(after) and "invoice.paid" in types(after)


@pytest.mark.parametrize("version", VERSIONS)
def test_paused_collection_validates_and_its_cassette_sends_what_the_spec_takes(
    version: str,
) -> None:
    for behavior in ("keep_as_draft", "mark_uncollectible", "void"):
        steps, _ = paused(behavior, version)
        steps.resume_collection().advance(to="period_end")
        assert_all_valid(steps)
    bodies = [
        parse_qs(i["request"]["body"], keep_blank_values=True)
        for i in cassette_for(steps.scenario)["interactions"]
        if "pause_collection" in (i["request"]["body"] or "")
    ]
    assert bodies == [{"pause_collection[behavior]": ["void"]}, {"pause_collection": [""]}]
    allowed = form_properties(version, "/v1/subscriptions/{subscription_exposed_id}")
    assert "pause_collection" in allowed


# -- bad input ----------------------------------------------------------------------------------


def write_files(tmp_path: Path, steps: list[JSON]) -> Path:
    (tmp_path / "catalog.json").write_text(json.dumps(CATALOG))
    scenario = {"catalog": "catalog.json", "steps": steps}
    (tmp_path / "scenario.json").write_text(json.dumps(scenario))
    return tmp_path / "scenario.json"


SUBSCRIBE = [
    {"attach_payment_method": {"card": "success"}},
    {"subscribe": {"items": [{"price": "seat_monthly"}]}},
]


@pytest.mark.parametrize(
    ("steps", "says"),
    [
        (
            [*SUBSCRIBE, {"change_quantity": {"quantity": 0}}],
            ["step 3", "quantity", "minimum"],
        ),
        (
            [*SUBSCRIBE, {"change_quantity": {"quantity": 2, "price": "seat_montly"}}],
            ["step 3 (change_quantity)", "'seat_montly'", "did you mean 'seat_monthly'"],
        ),
        (
            [*SUBSCRIBE, {"change_quantity": {"quantity": 2, "proration_behavior": "always"}}],
            ["step 3", "proration_behavior"],
        ),
        (
            [{"change_quantity": {"quantity": 2}}],
            ["step 1 (change_quantity)", "needs a subscription"],
        ),
        (
            [*SUBSCRIBE, {"apply_coupon": {"coupon": "quarter_of"}}],
            ["step 3 (apply_coupon)", "'quarter_of'", "did you mean 'quarter_off'"],
        ),
        (
            [
                *SUBSCRIBE,
                {"apply_coupon": {"coupon": "quarter_off"}},
                {"apply_coupon": {"coupon": "five_off"}},
            ],
            ["step 4 (apply_coupon)", "already has coupon"],
        ),
        (
            [*SUBSCRIBE, {"apply_coupon": {"percent_off": 10}}],
            ["step 3", "unknown key 'percent_off'"],
        ),
        (
            [
                {"attach_payment_method": {"card": "success"}},
                {"subscribe": {"items": [{"price": "seat_monthly"}], "tax_rates": ["vatt"]}},
            ],
            ["step 2 (subscribe)", "'vatt'", "did you mean 'vat'"],
        ),
        (
            [
                {"attach_payment_method": {"card": "success"}},
                {"subscribe": {"items": [{"price": "seat_monthly"}], "tax_rates": ["vat", "vat"]}},
            ],
            ["step 2", "tax_rates"],
        ),
        (
            [*SUBSCRIBE, {"resume_collection": {}}],
            ["step 3 (resume_collection)", "not paused"],
        ),
        (
            [*SUBSCRIBE, {"pause_collection": {"behavior": "pause"}}],
            ["step 3", "behavior"],
        ),
        (
            [*SUBSCRIBE, {"pause_collection": {}}],
            ["step 3", "'behavior' is a required property"],
        ),
        (
            [{"pause_collection": {"behavior": "void"}}],
            ["step 1 (pause_collection)", "needs a subscription"],
        ),
        (
            [*SUBSCRIBE, {"pause_collection": {"behavior": "void", "resumes_at": 1700000000}}],
            ["step 3 (pause_collection)", "resumes_at=1700000000", "is not after"],
        ),
        (
            [*SUBSCRIBE, {"pause_collection": {"behavior": "void", "resumes_at": {"days": 0}}}],
            ["step 3 (pause_collection)", "resumes_at", "is not after"],
        ),
        (
            [*SUBSCRIBE, {"pause_collection": {"behavior": "void", "resumes_at": {"weeks": 2}}}],
            ["step 3", "resumes_at"],
        ),
        (
            [*SUBSCRIBE, {"pause_collection": {"behavior": "void", "resumes_at": "tomorrow"}}],
            ["step 3", "resumes_at"],
        ),
        (
            [*SUBSCRIBE, {"void_invoice": {}}],
            ["step 3 (void_invoice)", "the latest invoice is paid"],
        ),
        (
            [{"pay_invoice": {}}],
            ["step 1 (pay_invoice)", "needs a subscription"],
        ),
        (
            [*SUBSCRIBE, {"mark_uncollectible": {"invoice": "in_1"}}],
            ["step 3", "unknown key 'invoice'"],
        ),
        (
            [
                *SUBSCRIBE,
                {"attach_payment_method": {"card": "generic_decline"}},
                {"advance": {"to": "period_end"}},
                {"attach_payment_method": {"card": "requires_authentication"}},
                {"pay_invoice": {}},
            ],
            ["step 6 (pay_invoice)", "requires authentication"],
        ),
        (
            [
                *SUBSCRIBE,
                {"attach_payment_method": {"card": "generic_decline"}},
                {"advance": {"to": "period_end"}},
                {"mark_uncollectible": {}},
                {"mark_uncollectible": {}},
            ],
            ["step 6 (mark_uncollectible)", "the latest invoice is uncollectible"],
        ),
    ],
)
def test_bad_steps_exit_2_naming_file_step_and_field_and_write_nothing(
    steps: list[JSON], says: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_files(tmp_path, steps)
    out = tmp_path / "out"
    args = ["generate", "--scenario-file", str(path), "--spec", DAHLIA, "--out", str(out)]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert str(path) in err and "Traceback" not in err, err
    for expected in says:
        assert expected in err, (expected, err)
    assert not out.exists()


def test_the_synthesized_cassette_sends_the_quantity_and_proration_behavior() -> None:
    # the request an integration makes: POST /v1/subscriptions/{id} with the item's id and
    # new quantity (https://docs.stripe.com/billing/subscriptions/quantities)
    steps = subscribed().advance(days=3).change_quantity(3, proration_behavior="none")
    updates = [
        i["request"]
        for i in cassette_for(steps.scenario)["interactions"]
        if i["request"]["method"] == "POST" and "proration_behavior" in i["request"]["body"]
    ]
    [update] = updates
    body = parse_qs(update["body"])
    assert body["items[0][quantity]"] == ["3"] and body["proration_behavior"] == ["none"]


def test_a_catalog_coupon_taking_an_amount_off_needs_its_currency(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # POST /v1/coupons `currency`: "(required if `amount_off` is passed)" (the spec)
    properties = raw_spec("2023-08-16")["paths"]["/v1/coupons"]["post"]["requestBody"]
    assert "required if `amount_off` is passed" in json.dumps(properties)
    path = write_files(tmp_path, [*SUBSCRIBE])
    catalog = {**CATALOG, "coupons": [{"key": "five_off", "amount_off": 500}]}
    (tmp_path / "catalog.json").write_text(json.dumps(catalog))
    out = tmp_path / "out"
    args = ["generate", "--scenario-file", str(path), "--spec", DAHLIA, "--out", str(out)]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "catalog.json" in err and "coupons[0]" in err, err
    assert not out.exists()


def test_a_pause_names_the_subscription_it_pauses_when_the_customer_has_two() -> None:
    # pause_collection is a parameter of one subscription (POST /v1/subscriptions/{id})
    steps = subscribed().subscribe(items=[{"price": "standard_monthly"}], key="second")
    steps.pause_collection("void", subscription=1).advance(days=1)
    subscriptions = [o for o in steps.objects.values() if o["object"] == "subscription"]
    paused = {
        o["items"]["data"][0]["price"]["lookup_key"]: o["pause_collection"] for o in subscriptions
    }
    assert paused == {
        "seat_monthly": {"behavior": "void", "resumes_at": None},
        "standard_monthly": None,
    }


# -- the example ---------------------------------------------------------------------------------

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "scenario_files"


@pytest.mark.parametrize("version", VERSIONS)
def test_the_grace_period_example_meets_its_expectations_and_its_cassette_checks(
    version: str, tmp_path: Path
) -> None:
    spec = ["--spec", str(SHARED / f"spec3.{version}.json")]
    example = ["--scenario-file", str(EXAMPLES / "grace_period.yaml")]
    assert main(["generate", *example, *spec, "--out", str(tmp_path / "b")]) == 0
    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text())
    for entry in manifest["objects"]:
        obj = json.loads((tmp_path / "b" / entry["file"]).read_text())
        if obj["object"] != "entitlements.active_entitlement_summary":
            assert validate(obj, spec_for(version)) == [], obj["id"]
    cassette = str(tmp_path / "c.yaml")
    assert main(["cassette", "synthesize", *example, *spec, "--out", cassette]) == 0
    assert main(["cassette", "check", *spec, cassette]) == 0
