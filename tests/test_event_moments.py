"""Each event carries the object as it was when the event happened, and the account's billing
settings shape the flows. Every rule is stated from Stripe's documentation (cited), not from
our earlier output.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import cache
from typing import Any

import pytest

from conftest import SHARED, VERSIONS, spec_for
from stripe_contracts.cassettes.synthesize import synthesize
from stripe_contracts.cli_fixture import cli_fixture
from stripe_contracts.graph.settings import BillingSettings
from stripe_contracts.scenarios import FLOWS, build_events, run_flow

pytest_plugins = ["pytester"]
JSON = Any
FLOW_CASES = [
    (version, name)
    for version in VERSIONS
    for name in FLOWS
    if not (version == "2020-08-27" and name == "trial-no-payment-method")
]


@cache
def events_of(name: str, version: str = "2023-08-16", **settings: Any) -> list[JSON]:
    spec = spec_for(version)
    options = {"settings": settings} if settings else {}
    return build_events(run_flow(name, spec, seed=3, **options).states, spec)


def of_type(events: list[JSON], kind: str) -> list[JSON]:
    return [e["data"]["object"] for e in events if e["type"] == kind]


#: event type -> what its object must show at that moment, and the Stripe page saying so.
MOMENTS: dict[str, Callable[[JSON], bool]] = {
    # "invoice.created": a subscription invoice is created as a draft and finalized later
    # (https://docs.stripe.com/billing/subscriptions/overview#subscription-lifecycle)
    "invoice.created": lambda o: o["status"] == "draft" and o["number"] is None,
    # "invoice.finalized": open, nothing attempted yet (an invoice with nothing to pay is
    # paid at once: https://docs.stripe.com/invoicing/overview#invoice-lifecycle)
    "invoice.finalized": lambda o: (
        (o["status"] == "open" and o["attempt_count"] == 0)
        or (o["status"] == "paid" and o["amount_due"] == 0)
    ),
    "invoice.paid": lambda o: o["status"] == "paid" and o["amount_remaining"] == 0,
    "invoice.payment_failed": lambda o: o["status"] != "paid" and o["attempt_count"] >= 1,
    "invoice.voided": lambda o: o["status"] == "void",
    "invoice.marked_uncollectible": lambda o: o["status"] == "uncollectible",
    # a PaymentIntent is created before anything is charged
    "payment_intent.created": lambda o: (
        o["status"] not in ("succeeded", "canceled")
        and o.get("latest_charge") is None
        and not (o.get("charges") or {}).get("data")
    ),
    "payment_intent.succeeded": lambda o: o["status"] == "succeeded",
    "payment_intent.payment_failed": lambda o: (
        o["status"] == "requires_payment_method" and o["last_payment_error"] is not None
    ),
    "charge.succeeded": lambda o: o["status"] == "succeeded" and o["paid"] is True,
    "charge.failed": lambda o: o["status"] == "failed" and o["paid"] is False,
    "customer.subscription.deleted": lambda o: o["status"] == "canceled",
    "customer.subscription.paused": lambda o: o["status"] == "paused",
}


@pytest.mark.parametrize(("version", "name"), FLOW_CASES)
def test_every_event_object_is_the_object_of_its_moment(version: str, name: str) -> None:
    events = events_of(name, version)
    checked = 0
    for event in events:
        rule = MOMENTS.get(event["type"])
        if rule is not None:
            checked += 1
            assert rule(event["data"]["object"]), (event["type"], event["created"])
    assert checked


def test_a_paid_signup_with_the_default_payment_behavior_is_never_incomplete() -> None:
    """payment_behavior defaults to allow_incomplete: with a working card the subscription is
    created active (the parameter's description in Stripe's spec)."""
    events = events_of("signup")
    [created] = of_type(events, "customer.subscription.created")
    assert created["status"] == "active"
    assert not any(e["data"]["object"].get("status") == "incomplete" for e in events)


def test_default_incomplete_waits_for_the_client_to_confirm() -> None:
    events = events_of("signup", payment_behavior="default_incomplete")
    [created] = of_type(events, "customer.subscription.created")
    assert created["status"] == "incomplete"
    [intent] = of_type(events, "payment_intent.created")
    assert intent["status"] == "requires_payment_method"
    updated = of_type(events, "customer.subscription.updated")
    assert updated[-1]["status"] == "active"
    confirmed = next(e for e in events if e["type"] == "payment_intent.succeeded")
    created_event = next(e for e in events if e["type"] == "customer.subscription.created")
    assert confirmed["request"]["id"] != created_event["request"]["id"]  # the client's call


def test_invoice_updated_accompanies_every_payment_outcome() -> None:
    """Stripe sends invoice.updated when a payment succeeds or fails (attempt_count and
    next_payment_attempt change) and when retries stop (auto_advance turns false)."""
    events = events_of("renewal-failed-recovered")
    by_moment: dict[int, list[str]] = {}
    for event in events:
        by_moment.setdefault(event["created"], []).append(event["type"])
    outcomes = [
        kinds
        for kinds in by_moment.values()
        if {"invoice.paid", "invoice.payment_failed"} & set(kinds)
    ]
    assert len(outcomes) == 4  # signup paid, renewal declined, a retry declined, a retry paid
    assert all("invoice.updated" in kinds for kinds in outcomes)


@pytest.mark.parametrize(
    ("retries", "attempt_days"),
    [("smart", (0, 1, 2, 4, 6, 8, 11, 14)), ((2, 5), (0, 2, 5))],
)
def test_dunning_follows_the_configured_schedule(
    retries: Any, attempt_days: tuple[int, ...]
) -> None:
    """Smart Retries by default (Stripe's recommended 8 tries within 2 weeks,
    https://docs.stripe.com/billing/revenue-recovery/smart-retries), or a custom list of
    days after the first failure."""
    events = events_of("renewal-failed-unpaid", retries=retries)
    failures = of_type(events, "invoice.payment_failed")
    finalized = failures[0]["status_transitions"]["finalized_at"]
    charges = of_type(events, "charge.failed")
    days = tuple(round((c["created"] - finalized) / 86_400) for c in charges)
    assert days == attempt_days
    assert [f["attempt_count"] for f in failures] == list(range(1, len(attempt_days) + 1))
    assert failures[-1]["next_payment_attempt"] is None
    assert all(f["next_payment_attempt"] for f in failures[:-1])


@pytest.mark.parametrize(
    ("subscription_after", "invoice_after", "sub_status", "invoice_event"),
    [
        ("cancel", "open", "canceled", None),
        ("unpaid", "uncollectible", "unpaid", "invoice.marked_uncollectible"),
        ("past_due", "void", "past_due", "invoice.voided"),
    ],
)
def test_retries_end_as_the_account_says(
    subscription_after: str, invoice_after: str, sub_status: str, invoice_event: str | None
) -> None:
    """When every retry failed, the subscription is canceled, marked unpaid or left past_due
    and the invoice left open, marked uncollectible or voided (Dashboard: Billing > Revenue
    recovery); collection stops either way."""
    from stripe_contracts.scenarios import Scenario

    spec = spec_for("2023-08-16")
    settings = BillingSettings(
        retries=(3,),
        subscription_after_retries=subscription_after,
        invoice_after_retries=invoice_after,
    )
    scenario = Scenario(spec, seed=3, settings=settings)
    scenario.create_customer().attach_payment_method().create_subscription()
    scenario.set_card("declined").advance_to_period_end().advance_until_retries_end()
    events = build_events(scenario.states, spec)
    last_sub = [
        e["data"]["object"] for e in events if e["type"].startswith("customer.subscription.")
    ]
    assert last_sub[-1]["status"] == sub_status
    if sub_status == "canceled":
        assert last_sub[-1]["cancellation_details"]["reason"] == "payment_failed"
    invoices = [
        e for e in events if e["type"].startswith("invoice.") and e["type"] != "invoice.upcoming"
    ]
    final = invoices[-1]["data"]["object"]
    assert (
        final["status"]
        == {"open": "open", "uncollectible": "uncollectible", "void": "void"}[invoice_after]
    )
    assert final["auto_advance"] is False and final["next_payment_attempt"] is None
    last_moment = [e["type"] for e in events if e["created"] == invoices[-1]["created"]]
    assert "invoice.updated" in last_moment
    if invoice_event:
        assert invoice_event in last_moment


def test_canceling_a_past_due_subscription_stops_collection_of_its_invoice() -> None:
    """ "Upon subscription cancellation, Stripe stops automatic collection of all finalized
    invoices" (the spec's description of DELETE /v1/subscriptions/{id})."""
    from stripe_contracts.scenarios import Scenario

    spec = spec_for("2023-08-16")
    scenario = Scenario(spec, seed=4)
    scenario.create_customer().attach_payment_method().create_subscription()
    scenario.set_card("declined").advance_to_period_end()
    assert scenario.phase.status == "past_due"
    scenario.cancel()
    events = build_events(scenario.states, spec)
    last = [e for e in events if e["created"] == events[-1]["created"]]
    updated = next(e for e in last if e["type"] == "invoice.updated")
    assert updated["data"]["object"]["auto_advance"] is False
    assert updated["data"]["previous_attributes"]["auto_advance"] is True


def test_previews_come_before_every_automatic_invoice_and_do_not_know_the_future() -> None:
    """invoice.upcoming: "X number of days before a subscription is scheduled to create an
    invoice that is automatically charged" (the event's description), the first invoice
    after a trial included; X is an account setting."""
    trial = events_of("trial")
    [preview] = of_type(trial, "invoice.upcoming")
    first_paid = of_type(trial, "invoice.paid")[-1]
    assert preview["amount_due"] == first_paid["amount_due"] > 0
    notice = next(e for e in trial if e["type"] == "invoice.upcoming")
    created = [e for e in trial if e["type"] == "invoice.created"][-1]
    assert created["created"] - notice["created"] == 3 * 86_400
    week = events_of("renewal", upcoming_days=7)
    notice = next(e for e in week if e["type"] == "invoice.upcoming")
    created = [e for e in week if e["type"] == "invoice.created"][-1]
    assert created["created"] - notice["created"] == 7 * 86_400
    # the same renewal previewed before a successful and before a declined payment
    ok = of_type(events_of("renewal"), "invoice.upcoming")
    declined = of_type(events_of("renewal-failed-unpaid"), "invoice.upcoming")
    assert json.dumps(ok, sort_keys=True) == json.dumps(declined, sort_keys=True)


def test_the_finalization_grace_period_is_a_setting() -> None:
    """Stripe finalizes a subscription's draft an hour after creating it by default
    (https://docs.stripe.com/invoicing/integration/automatic-advancement-collection)."""
    for hours in (1, 2):
        events = events_of("renewal", finalization_grace_hours=hours)
        created = [e for e in events if e["type"] == "invoice.created"][-1]
        finalized = [e for e in events if e["type"] == "invoice.finalized"][-1]
        assert finalized["created"] - created["created"] == hours * 3600


@pytest.mark.parametrize("name", ["one-off-invoice", "one-off-invoice-declined"])
def test_one_off_invoices_are_drafted_in_their_own_request(name: str) -> None:
    """POST /v1/invoices creates a draft that API invoices do not advance by themselves
    (auto_advance defaults to false); POST /v1/invoices/{id}/pay finalizes and charges it."""
    events = events_of(name)
    created = next(e for e in events if e["type"] == "invoice.created")
    finalized = next(e for e in events if e["type"] == "invoice.finalized")
    assert created["data"]["object"]["status"] == "draft"
    assert created["data"]["object"]["auto_advance"] is False
    assert created["request"]["id"] and finalized["request"]["id"]
    assert created["request"]["id"] != finalized["request"]["id"]


def test_pausing_keeps_entitlements() -> None:
    """A paused subscription keeps its entitlements: no summary event on pause (Stripe's
    answer quoted in a user's report; docs/events.md)."""
    events = events_of("trial-no-payment-method")
    paused_at = next(e for e in events if e["type"] == "customer.subscription.paused")["created"]
    after = [e["type"] for e in events if e["created"] >= paused_at]
    assert "entitlements.active_entitlement_summary.updated" not in after


def _calls_of_cassette(name: str, settings: BillingSettings) -> list[str]:
    cassette = synthesize(name, spec_for("2023-08-16"), seed=3, settings=settings)
    return [
        f"{i['request']['method']} {_template(i['request']['uri'])}"
        for i in cassette["interactions"]
        if i["request"]["method"] != "GET"
    ]


def _calls_of_fixture(name: str, settings: BillingSettings) -> list[str]:
    fixture = cli_fixture(name, spec_for("2023-08-16"), seed=3, settings=settings)
    return [
        f"{s['method'].upper()} {_template(s['path'])}"
        for s in fixture["fixtures"]
        if not s["path"].startswith(("/v1/products", "/v1/prices", "/v1/test_helpers"))
    ]


def _template(path: str) -> str:
    path = path.split("https://api.stripe.com", 1)[-1].split("?", 1)[0]
    # an id (`cus_NffrFeUfNV2Hib`), a test token (`pm_card_visa`) or a fixture reference
    ident = r"\$\{[^}]+\}|pm_card_\w+|[a-z]{2,8}_(?=[A-Za-z0-9]*[A-Z0-9])[A-Za-z0-9]+"
    return re.sub(rf"/({ident})(?=/|$)", "/{id}", path)


@pytest.mark.parametrize("behavior", ["allow_incomplete", "default_incomplete"])
@pytest.mark.parametrize("name", ["signup", "signup-3ds", "signup-declined", "one-off-invoice"])
def test_events_cassette_and_cli_fixture_describe_the_same_integration(
    name: str, behavior: str
) -> None:
    """The synthesized cassette's writes are the CLI fixture's (which also builds the
    catalog), in the same order and with the same payment behavior, and the events come
    from as many requests."""
    settings = BillingSettings(payment_behavior=behavior)
    cassette = _calls_of_cassette(name, settings)
    fixture = _calls_of_fixture(name, settings)
    assert cassette == [c for c in fixture if c in cassette], (cassette, fixture)
    assert set(fixture) - set(cassette) <= {"POST /v1/payment_intents/{id}/confirm"}
    spec = spec_for("2023-08-16")
    scenario = run_flow(name, spec, seed=3, settings=settings)
    requests = {e["request"]["id"] for e in build_events(scenario.states, spec)} - {None}
    actions = {s.request: s.action for s in scenario.states if s.request}
    assert set(actions) == requests
    sent = synthesize(name, spec, seed=3, settings=settings)
    for interaction in sent["interactions"]:
        body = interaction["request"]["body"] or ""
        if "payment_behavior" in body:
            assert f"payment_behavior={behavior}" in body
    for step in cli_fixture(name, spec, seed=3, settings=settings)["fixtures"]:
        if "payment_behavior" in step["params"]:
            assert step["params"]["payment_behavior"] == behavior


def test_the_pytest_fixture_takes_the_accounts_settings(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_settings(stripe_events):
            events = stripe_events(
                "renewal-failed-unpaid",
                settings={"retries": [2, 4], "invoice_after_retries": "uncollectible"},
            )
            types = [e["type"] for e in events]
            assert types.count("invoice.payment_failed") == 3
            assert "invoice.marked_uncollectible" in types
            waiting = stripe_events("signup", settings={"payment_behavior": "default_incomplete"})
            created = next(e for e in waiting if e["type"] == "customer.subscription.created")
            assert created["data"]["object"]["status"] == "incomplete"
        """
    )
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setenv("PYTEST_ADDOPTS", "-p no:xdist -p no:benchmark -p no:cacheprovider")
    try:
        spec = SHARED / "spec3.2023-08-16.json"
        result = pytester.runpytest("-p", "stripe_contracts", f"--stripe-spec={spec}")
    finally:
        monkeypatch.undo()
    result.assert_outcomes(passed=1)


def test_cli_settings_reach_the_bundle_and_bad_ones_are_usage_errors(
    tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from stripe_contracts.cli import main

    spec = str(SHARED / "spec3.2023-08-16.json")
    out = tmp_path / "b"
    args = ["generate", "renewal-failed-unpaid", "--spec", spec, "--retries", "2,4"]
    assert main([*args, "--invoice-after-retries", "void", "--out", str(out)]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["params"]["settings"] == {"retries": [2, 4], "invoice_after_retries": "void"}
    types = [e["type"] for e in manifest["events"]]
    assert types.count("invoice.payment_failed") == 3 and "invoice.voided" in types
    assert main([*args[:-2], "--retries", "soon", "--out", str(tmp_path / "c")]) == 2
    assert "--retries 'soon'" in capsys.readouterr().err
    assert main([*args[:-2], "--retries", "5,3", "--out", str(tmp_path / "d")]) == 2
    assert not (tmp_path / "c").exists() and not (tmp_path / "d").exists()


def test_a_notice_is_sent_when_the_clock_reaches_it_however_the_clock_is_moved() -> None:
    """Moving the clock in two steps (10 days, then to period end) sends the renewal's
    invoice.upcoming once, as one move does: a notice beyond the first move is not lost."""
    from stripe_contracts.scenarios import Scenario

    spec = spec_for("2023-08-16")
    counts = []
    for moves in ([None], [10, None]):
        scenario = Scenario(spec, seed=6)
        scenario.create_customer().attach_payment_method().create_subscription()
        for days in moves:
            if days is None:
                scenario.advance_to_period_end()
            else:
                scenario.advance(days=days)
        types = [e["type"] for e in build_events(scenario.states, spec)]
        counts.append(types.count("invoice.upcoming"))
        assert types.index("invoice.upcoming") < len(types) - types[::-1].index("invoice.created")
    assert counts == [1, 1]
