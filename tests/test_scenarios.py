from __future__ import annotations

import json
from itertools import pairwise
from typing import Any

import pytest

from conftest import SHARED, VERSIONS, spec_for
from stripe_contracts.errors import InvalidArgument
from stripe_contracts.scenarios import EVENT_ORDER, FLOWS, Scenario, build_events, run_flow
from stripe_contracts.validation import validate

KNOWN_TYPES = set(json.loads((SHARED / "event-types.2026-09-30.json").read_text()))
CASES = [
    (version, name)
    for version in VERSIONS
    for name in FLOWS
    if not (version == "2020-08-27" and name == "trial-no-payment-method")
]


def events_of(name: str, version: str = "2023-08-16", **options: Any) -> list[dict[str, Any]]:
    spec = spec_for(version)
    return build_events(run_flow(name, spec, seed=3, **options).states, spec)


def types_of(name: str, **options: Any) -> list[str]:
    return [e["type"] for e in events_of(name, **options)]


def after(types: list[str], first: str, then: str) -> bool:
    return types.index(first) < types.index(then)


@pytest.mark.parametrize(("version", "name"), CASES)
def test_every_event_and_its_object_validate_strictly(version: str, name: str) -> None:
    spec = spec_for(version)
    events = events_of(name, version)
    assert events
    for event in events:
        assert validate(event, spec) == []
        assert validate(event["data"]["object"], spec) == [], event["type"]
        assert event["type"] in KNOWN_TYPES
        assert event["api_version"] == spec.api_version
        assert event["id"].startswith("evt_")
    assert len({e["id"] for e in events}) == len(events)
    created = [e["created"] for e in events]
    assert created == sorted(created)


def test_signup_emits_stripes_sequence() -> None:
    """With Stripe's default `payment_behavior=allow_incomplete` and a working card, the
    subscription is created active: no `customer.subscription.updated` follows
    (https://docs.stripe.com/billing/subscriptions/overview#subscription-events)."""
    assert types_of("signup") == [
        "customer.created",
        "payment_method.attached",
        "customer.updated",
        "customer.subscription.created",
        "invoice.created",
        "invoice.finalized",
        "payment_intent.created",
        "charge.succeeded",
        "payment_intent.succeeded",
        "invoice.updated",
        "invoice.paid",
        "invoice.payment_succeeded",
        "entitlements.active_entitlement_summary.updated",
    ]


def test_3ds_flows() -> None:
    done = types_of("signup-3ds")
    assert after(done, "payment_intent.requires_action", "invoice.payment_action_required")
    assert after(done, "invoice.payment_action_required", "payment_intent.succeeded")
    abandoned = events_of("signup-3ds-abandoned")
    last = {e["type"]: e for e in abandoned}
    assert last["invoice.voided"]["data"]["object"]["status"] == "void"
    assert last["payment_intent.canceled"]["data"]["object"]["status"] == "canceled"
    sub = last["customer.subscription.updated"]
    assert sub["data"]["object"]["status"] == "incomplete_expired"
    assert sub["data"]["previous_attributes"]["status"] == "incomplete"
    assert sub["created"] - abandoned[0]["created"] >= 23 * 3600
    assert sub["request"]["id"] is None  # automatic, not caused by an API call


def test_renewal_invoice_is_created_as_a_draft_and_finalized_an_hour_later() -> None:
    events = events_of("renewal")
    created = [e for e in events if e["type"] == "invoice.created"][-1]
    finalized = [e for e in events if e["type"] == "invoice.finalized"][-1]
    assert created["data"]["object"]["status"] == "draft"
    assert created["data"]["object"]["number"] is None
    assert finalized["created"] - created["created"] == 3600
    assert finalized["data"]["object"]["status_transitions"]["finalized_at"] == finalized["created"]


def test_declined_signup_stays_incomplete() -> None:
    declined = events_of("signup-declined")
    customer = [e for e in declined if e["type"] == "customer.updated"][-1]
    assert customer["data"]["previous_attributes"] == {"delinquent": False}
    types = [e["type"] for e in declined]
    assert "charge.failed" in types and "payment_intent.payment_failed" in types
    assert "invoice.payment_failed" in types
    assert "entitlements.active_entitlement_summary.updated" not in types


def test_dunning_endings_and_recovery() -> None:
    recovered = types_of("renewal-failed-recovered")
    assert recovered.count("invoice.payment_failed") == 2
    assert recovered[-5:] == [
        "payment_intent.succeeded",
        "invoice.updated",
        "invoice.paid",
        "invoice.payment_succeeded",
        "customer.subscription.updated",
    ]
    unpaid = events_of("renewal-failed-unpaid")
    # Smart Retries: Stripe's recommended 8 tries within 2 weeks
    assert [e["type"] for e in unpaid].count("invoice.payment_failed") == 8
    final = [e for e in unpaid if e["type"] == "customer.subscription.updated"][-1]
    assert final["data"]["object"]["status"] == "unpaid"
    failing = [e for e in unpaid if e["type"] == "invoice.payment_failed"]
    assert failing[-1]["data"]["object"]["next_payment_attempt"] is None
    assert failing[0]["data"]["object"]["next_payment_attempt"] is not None
    canceled = events_of("renewal-failed-canceled")
    deleted = next(e for e in canceled if e["type"] == "customer.subscription.deleted")
    sub = deleted["data"]["object"]
    assert sub["ended_at"] == sub["canceled_at"] == deleted["created"]
    assert sub["cancellation_details"]["reason"] == "payment_failed"
    customer = [e for e in canceled if e["type"] == "customer.updated"][-1]["data"]["object"]
    assert customer["delinquent"] is True  # dunning does not reset it


def test_trial_flows() -> None:
    trial = events_of("trial")
    warning = next(e for e in trial if e["type"] == "customer.subscription.trial_will_end")
    trial_end = warning["data"]["object"]["trial_end"]
    assert trial_end - warning["created"] == 3 * 86_400
    paid = [e for e in trial if e["type"] == "invoice.paid"]
    assert [e["data"]["object"]["total"] for e in paid] == [0, 2000]
    paused = types_of("trial-no-payment-method")
    # a paused subscription keeps its entitlements: no summary event (docs/events.md)
    assert paused[-2:] == ["customer.subscription.updated", "customer.subscription.paused"]
    with pytest.raises(InvalidArgument, match="'paused', which Stripe API 2020-08-27 does not"):
        run_flow("trial-no-payment-method", spec_for("2020-08-27"))


@pytest.mark.parametrize(("name", "sign"), [("upgrade", 1), ("downgrade", -1)])
def test_prorations_land_on_the_next_invoice(name: str, sign: int) -> None:
    events = events_of(name)
    items = [e["data"]["object"] for e in events if e["type"] == "invoiceitem.created"]
    assert len(items) == 2 and all(i["proration"] and i["invoice"] is None for i in items)
    invoice = [e for e in events if e["type"] == "invoice.paid"][-1]["data"]["object"]
    prorations = [line for line in invoice["lines"]["data"] if line["proration"]]
    assert sorted(p["invoice_item"] for p in prorations) == sorted(i["id"] for i in items)
    net = sum(p["amount"] for p in prorations)
    assert (net > 0) == (sign > 0)
    assert invoice["total"] == sum(line["amount"] for line in invoice["lines"]["data"])
    update = next(
        e
        for e in events
        if e["type"] == "customer.subscription.updated"
        and "items" in e["data"].get("previous_attributes", {})
    )
    assert update["request"]["id"] is not None


@pytest.mark.parametrize(
    ("name", "paid"), [("one-off-invoice", True), ("one-off-invoice-declined", False)]
)
def test_one_off_invoices_have_no_subscription(name: str, paid: bool) -> None:
    events = events_of(name)
    types = [e["type"] for e in events]
    assert not any(t.startswith("customer.subscription.") for t in types)
    assert after(types, "invoiceitem.created", "invoice.created")
    assert ("invoice.paid" in types) == paid and ("invoice.payment_failed" in types) != paid
    invoice = [e for e in events if e["type"].startswith("invoice.")][-1]["data"]["object"]
    assert invoice["subscription"] is None and invoice["billing_reason"] == "manual"
    assert [line["type"] for line in invoice["lines"]["data"]] == ["invoiceitem"]
    assert invoice["lines"]["data"][0]["subscription"] is None


def test_cancel_flows() -> None:
    later = events_of("cancel-at-period-end")
    update = [e for e in later if e["type"] == "customer.subscription.updated"][-1]
    assert update["data"]["previous_attributes"] == {
        "cancel_at": None,
        "cancel_at_period_end": False,
        "canceled_at": None,
        "cancellation_details": {"comment": None, "feedback": None, "reason": None},
    }
    assert update["data"]["object"]["canceled_at"] == update["created"]  # when it was asked
    deleted = later[-2]
    assert deleted["type"] == "customer.subscription.deleted"
    assert deleted["data"]["object"]["ended_at"] == update["data"]["object"]["cancel_at"]
    now = types_of("cancel-now")
    assert now[-2:] == [
        "customer.subscription.deleted",
        "entitlements.active_entitlement_summary.updated",
    ]


def test_upcoming_invoice_has_no_id_and_previews_the_renewal() -> None:
    events = events_of("renewal")
    upcoming = next(e for e in events if e["type"] == "invoice.upcoming")
    preview = upcoming["data"]["object"]
    renewal = [e for e in events if e["type"] == "invoice.created"][-1]["data"]["object"]
    assert "id" not in preview and preview["status"] == "draft"
    assert preview["period_start"] == renewal["period_start"]
    assert preview["amount_due"] == renewal["amount_due"]


def test_previous_attributes_hold_only_changed_fields_with_old_values() -> None:
    for event in events_of("renewal-failed-recovered"):
        if not event["type"].endswith(".updated") or "previous_attributes" not in event["data"]:
            continue
        now, before = event["data"]["object"], event["data"]["previous_attributes"]
        assert before, event["type"]
        for key, old in before.items():
            assert now[key] != old


def test_request_is_set_for_api_calls_and_null_for_automatic_events() -> None:
    events = events_of("renewal")
    by_type = {}
    for event in events:
        by_type.setdefault(event["type"], []).append(event["request"]["id"])
    assert all(r is not None for r in by_type["customer.created"])
    assert by_type["invoice.created"][0] is not None and by_type["invoice.created"][1] is None


def test_events_follow_stripes_order_within_each_moment() -> None:
    for name in FLOWS:
        events = events_of(name)
        for first, second in pairwise(events):
            if first["created"] == second["created"]:
                assert EVENT_ORDER.index(first["type"]) <= EVENT_ORDER.index(second["type"])


def test_more_than_ten_entitlements_come_as_one_page_with_has_more() -> None:
    features = [f"feature_{n:02d}" for n in range(12)]
    items = [{"price": {"unit_amount": 1000}, "product": {"name": "Big", "features": features}}]
    events = events_of("signup", items=items)
    summary = next(e for e in events if e["type"].startswith("entitlements."))
    page = summary["data"]["object"]["entitlements"]
    assert len(page["data"]) == 10 and page["has_more"] is True


def test_same_seed_same_events_and_advance_like_a_test_clock() -> None:
    spec = spec_for("2023-08-16")
    one = json.dumps(events_of("renewal"), sort_keys=True)
    assert one == json.dumps(events_of("renewal"), sort_keys=True)
    scenario = Scenario(spec, seed=1)
    scenario.create_customer().attach_payment_method().create_subscription()
    start = scenario.current.model.subscription.period  # type: ignore[union-attr]
    before = scenario.now
    scenario.advance(days=31)
    sub = scenario.current.model.subscription
    assert sub is not None and sub.period[0] == start[1]
    assert scenario.now == before + 31 * 86_400


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda s: s.attach_payment_method(), "cannot run at stage 'catalog'"),
        (lambda s: s.create_customer().create_subscription(), "needs a payment method"),
        (lambda s: s.create_customer().cancel(), "cancel needs a subscription"),
        (lambda s: s.advance(days=-1), "cannot move the clock backwards"),
        (lambda s: s.set_card("stolen"), "card='stolen' is not allowed"),
    ],
)
def test_bad_steps_are_clear_errors(call: Any, message: str) -> None:
    with pytest.raises(InvalidArgument, match=message):
        call(Scenario(spec_for("2023-08-16")))


def test_unknown_flow_names_the_allowed_ones() -> None:
    with pytest.raises(InvalidArgument, match="scenario='signup-twice' is not allowed") as info:
        run_flow("signup-twice", spec_for("2023-08-16"))
    assert "'renewal-failed-unpaid'" in str(info.value)


def test_each_event_owns_its_object() -> None:
    events = events_of("signup")
    paid = next(e for e in events if e["type"] == "invoice.paid")
    succeeded = next(e for e in events if e["type"] == "invoice.payment_succeeded")
    paid["data"]["object"]["status"] = "tampered"
    assert succeeded["data"]["object"]["status"] == "paid"


def test_earlier_states_are_not_changed_by_later_steps() -> None:
    from stripe_contracts.graph.builder import GraphBuilder

    spec = spec_for("2023-08-16")
    scenario = run_flow("upgrade", spec, seed=3)
    before_upgrade = scenario.states[5]
    rerendered = GraphBuilder(spec=spec).render(before_upgrade.model).objects
    assert rerendered == before_upgrade.objects


def test_changing_items_during_a_trial_prorates_nothing() -> None:
    scenario = Scenario(spec_for("2023-08-16"), trial_days=14)
    scenario.create_customer().attach_payment_method().create_subscription().advance(days=2)
    scenario.update_items([{"price": {"unit_amount": 5000}}])
    assert scenario.phase.pending == ()
    scenario.advance(days=13)
    invoice = scenario.current.model.invoice
    assert invoice is not None and invoice.total == 5000


def test_unknown_flow_options_are_named() -> None:
    with pytest.raises(InvalidArgument, match=r"unknown option\(s\) \['colour'\]"):
        run_flow("signup", spec_for("2023-08-16"), colour="blue")
