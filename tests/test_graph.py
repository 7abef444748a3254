from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from conftest import STRIPE_ID_PREFIXES, VERSIONS, period_of, referenced_ids, spec_for, taxes_of
from stripe_contracts.errors import InvalidArgument
from stripe_contracts.graph.builder import Graph, GraphBuilder
from stripe_contracts.validation import validate

ALL_STATUSES = (
    "active",
    "trialing",
    "incomplete",
    "incomplete_expired",
    "past_due",
    "unpaid",
    "canceled",
    "paused",
)


def statuses(version: str) -> list[str]:
    return list(GraphBuilder(spec=spec_for(version)).statuses)


CASES = [(v, s) for v in VERSIONS for s in statuses(v)]


def build(version: str, status: str = "active", **kwargs: Any) -> Graph:
    return GraphBuilder(spec=spec_for(version), seed=11).subscription(status=status, **kwargs)


@pytest.mark.parametrize(("version", "status"), CASES)
def test_every_object_validates_strictly_against_its_version(version: str, status: str) -> None:
    graph = build(version, status)
    for obj in graph.objects.values():
        assert validate(obj, spec_for(version)) == [], obj["object"]


@pytest.mark.parametrize(("version", "status"), CASES)
def test_every_referenced_id_exists_with_the_right_type_and_prefix(
    version: str, status: str
) -> None:
    graph = build(version, status)
    by_prefix = {prefix: kind for kind, prefix in STRIPE_ID_PREFIXES.items()}
    for object_id, obj in graph.objects.items():
        assert obj["id"] == object_id
        assert by_prefix[object_id.split("_")[0]] == obj["object"]
        for field, ref in referenced_ids(obj):
            if field == "client_secret":
                continue
            assert ref in graph.objects, f"{obj['object']}.{field} -> {ref} is dangling"


def test_ids_are_stripe_shaped_and_deterministic_from_the_seed() -> None:
    first, again = build("2023-08-16"), build("2023-08-16")
    assert list(first.objects) == list(again.objects)
    assert json.dumps(first.objects, sort_keys=True) == json.dumps(again.objects, sort_keys=True)
    other = GraphBuilder(spec=spec_for("2023-08-16"), seed=12).subscription()
    assert not set(other.objects) & set(first.objects)
    assert all(len(i.split("_", 1)[1]) == 24 for i in first.objects)


# -- money -------------------------------------------------------------------------------


def test_line_amounts_and_invoice_totals_agree() -> None:
    graph = build(
        "2023-08-16",
        items=[
            {"price": {"unit_amount": 1500}, "quantity": 3},
            {"price": {"unit_amount": 999}},
        ],
    )
    lines = graph.invoice["lines"]["data"]
    assert [line["amount"] for line in lines] == [4500, 999]
    invoice = graph.invoice
    assert invoice["subtotal"] == invoice["total"] == invoice["amount_due"] == 5499
    assert invoice["amount_paid"] == 5499 and invoice["amount_remaining"] == 0
    assert graph.payment_intent is not None and graph.charge is not None
    assert graph.payment_intent["amount"] == invoice["amount_due"] == graph.charge["amount"]
    currencies = {o.get("currency") for o in graph.objects.values()} - {None}
    assert currencies == {"usd"}


@pytest.mark.parametrize(
    ("mode", "quantity", "expected"),
    [
        ("graduated", 15, 10 * 500 + 5 * 400 + 100),
        ("volume", 15, 15 * 400 + 100),
        ("graduated", 10, 10 * 500),
        ("volume", 3, 3 * 500),
    ],
)
def test_tiered_prices(mode: str, quantity: int, expected: int) -> None:
    tiers = [
        {"up_to": 10, "unit_amount": 500},
        {"up_to": "inf", "unit_amount": 400, "flat_amount": 100},
    ]
    graph = build(
        "2023-08-16", items=[{"price": {"tiers": tiers, "tiers_mode": mode}, "quantity": quantity}]
    )
    assert graph.invoice["lines"]["data"][0]["amount"] == expected
    assert graph.invoice["total"] == expected
    assert graph.prices[0]["billing_scheme"] == "tiered"


def test_zero_decimal_currency() -> None:
    graph = build("2023-08-16", currency="jpy", items=[{"price": {"unit_amount": 1500}}])
    assert graph.invoice["total"] == 1500 and graph.invoice["currency"] == "jpy"
    assert "1500 JPY" in graph.invoice["lines"]["data"][0]["description"]
    usd = build("2023-08-16", items=[{"price": {"unit_amount": 1500}}])
    assert "15.00 USD" in usd.invoice["lines"]["data"][0]["description"]


# -- time --------------------------------------------------------------------------------


@pytest.mark.parametrize(("version", "status"), CASES)
def test_one_clock_orders_every_timestamp(version: str, status: str) -> None:
    graph = build(version, status)
    sub, invoice = graph.subscription, graph.invoice
    assert graph.customer["created"] <= sub["created"] <= sub["start_date"]
    start, end = period_of(sub)
    assert sub["start_date"] <= start < end
    assert all(p["created"] <= sub["created"] for p in graph.prices)
    if sub["trial_start"] is not None:
        assert sub["trial_start"] < sub["trial_end"]
    for line in invoice["lines"]["data"]:
        assert line["period"]["start"] < line["period"]["end"]
    transitions = invoice["status_transitions"]
    assert invoice["created"] <= transitions["finalized_at"]
    for later in ("paid_at", "voided_at"):
        if transitions[later] is not None:
            assert transitions["finalized_at"] <= transitions[later]
    if sub["ended_at"] is not None:
        assert sub["start_date"] <= sub["ended_at"]


@pytest.mark.parametrize(
    ("interval", "count", "start", "end"),
    [
        ("month", 1, "2024-01-31", "2024-02-29"),
        ("month", 3, "2024-01-31", "2024-04-30"),
        ("year", 1, "2024-02-29", "2025-02-28"),
        ("week", 2, "2024-01-31", "2024-02-14"),
        ("day", 1, "2024-01-31", "2024-02-01"),
    ],
)
def test_period_matches_the_price_interval_calendar_aware(
    interval: str, count: int, start: str, end: str
) -> None:
    ts = int(datetime.fromisoformat(start).replace(tzinfo=UTC).timestamp())
    graph = build(
        "2023-08-16",
        start=ts,
        items=[{"price": {"recurring": {"interval": interval, "interval_count": count}}}],
    )
    sub = graph.subscription
    day = datetime.fromtimestamp(sub["current_period_end"], UTC).date().isoformat()
    assert (sub["current_period_start"], day) == (ts, end)
    line = graph.invoice["lines"]["data"][0]
    assert (line["period"]["start"], line["period"]["end"]) == (
        sub["current_period_start"],
        sub["current_period_end"],
    )
    # Stripe's spec text for invoice.period_end: the invoice's period "looks back one period
    # for a subscription invoice"; the first invoice has nothing to look back on
    created = graph.invoice["created"]
    assert (graph.invoice["period_start"], graph.invoice["period_end"]) == (created, created)


def test_renewal_statuses_bill_the_second_period() -> None:
    graph = build("2023-08-16", "past_due", start=1_706_659_200)
    assert graph.subscription["current_period_start"] == 1_709_164_800  # 2024-02-29
    assert graph.invoice["billing_reason"] == "subscription_cycle"


# -- status ------------------------------------------------------------------------------


def test_active() -> None:
    g = build("2023-08-16", "active")
    assert g.invoice["status"] == "paid" and g.invoice["paid"] is True
    assert g.payment_intent and g.payment_intent["status"] == "succeeded"
    assert g.charge and g.charge["status"] == "succeeded"
    assert g.payment_intent["latest_charge"] == g.charge["id"]


def test_charges_list_in_2020_latest_charge_in_2023() -> None:
    old, new = build("2020-08-27"), build("2023-08-16")
    assert old.payment_intent and new.payment_intent
    assert old.payment_intent["charges"]["data"][0]["id"] == old.invoice["charge"]
    assert "latest_charge" not in old.payment_intent
    assert "charges" not in new.payment_intent
    assert "cancellation_details" not in old.subscription
    assert "cancellation_details" in new.subscription


def test_trialing() -> None:
    g = build("2023-08-16", "trialing", trial_days=7)
    sub = g.subscription
    assert sub["trial_end"] - sub["trial_start"] == 7 * 86_400
    assert (sub["current_period_start"], sub["current_period_end"]) == (
        sub["trial_start"],
        sub["trial_end"],
    )
    assert g.invoice["total"] == 0 and g.invoice["status"] == "paid"
    assert g.invoice["payment_intent"] is None and g.payment_intent is None


@pytest.mark.parametrize("outcome", ["declined", "requires_action"])
def test_incomplete(outcome: str) -> None:
    g = build("2023-08-16", "incomplete", payment_outcome=outcome)
    assert g.invoice["status"] == "open"
    assert g.payment_intent is not None
    if outcome == "declined":
        assert g.payment_intent["status"] == "requires_payment_method"
        assert g.payment_intent["last_payment_error"]["code"] == "card_declined"
        assert g.charge and g.charge["status"] == "failed"
    else:
        assert g.payment_intent["status"] == "requires_action"
        assert g.payment_intent["next_action"]["type"] == "use_stripe_sdk"
        assert g.charge is None


def test_incomplete_expired() -> None:
    g = build("2023-08-16", "incomplete_expired")
    assert g.invoice["status"] == "void" and g.payment_intent
    assert g.payment_intent["status"] == "canceled"
    assert g.subscription["ended_at"] - g.subscription["created"] == 23 * 3600


@pytest.mark.parametrize(
    ("status", "settings", "attempts"),
    [
        ("past_due", None, 1),
        # Smart Retries, Stripe's default: its recommended policy is 8 tries within 2 weeks
        # (https://docs.stripe.com/billing/revenue-recovery/smart-retries)
        ("unpaid", None, 8),
        # a custom schedule of three retries: four attempts in all
        ("unpaid", {"retries": [3, 5, 7]}, 4),
    ],
)
def test_dunning(status: str, settings: dict[str, Any] | None, attempts: int) -> None:
    g = build("2023-08-16", status, settings=settings)
    invoice = g.invoice
    assert invoice["status"] == "open" and invoice["attempt_count"] == attempts
    assert g.payment_intent and g.payment_intent["last_payment_error"]["code"] == "card_declined"
    assert g.customer["delinquent"] is True
    if status == "past_due":
        assert invoice["next_payment_attempt"] > invoice["status_transitions"]["finalized_at"]
        assert invoice["auto_advance"] is True
    else:  # every retry failed: nothing more is attempted
        assert invoice["next_payment_attempt"] is None and invoice["auto_advance"] is False


def test_canceled() -> None:
    g = build("2023-08-16", "canceled")
    sub = g.subscription
    assert sub["canceled_at"] == sub["ended_at"] is not None
    assert sub["cancellation_details"]["reason"] == "cancellation_requested"
    assert g.active_entitlements == []


def test_paused_is_a_trial_that_ended_without_a_payment_method() -> None:
    g = build("2023-08-16", "paused")
    assert g.payment_method is None and g.subscription["default_payment_method"] is None
    assert g.subscription["trial_settings"]["end_behavior"]["missing_payment_method"] == "pause"
    assert g.subscription["current_period_start"] == g.subscription["trial_end"]
    with pytest.raises(InvalidArgument, match=r"status='paused' is not allowed"):
        build("2020-08-27", "paused")


def test_send_invoice_collection() -> None:
    g = build("2023-08-16", collection_method="send_invoice")
    invoice = g.invoice
    assert invoice["collection_method"] == "send_invoice" and invoice["status"] == "open"
    assert invoice["due_date"] == invoice["status_transitions"]["finalized_at"] + 30 * 86_400
    assert g.subscription["days_until_due"] == 30
    assert g.charge is None


# -- entitlements ------------------------------------------------------------------------


def test_entitlements_are_the_deduplicated_features_of_subscribed_products() -> None:
    g = build(
        "2023-08-16",
        items=[
            {
                "price": {"unit_amount": 1000},
                "product": {"name": "Standard", "features": ["basic_features"]},
            },
            {
                "price": {"unit_amount": 3000},
                "product": {
                    "name": "Advanced",
                    "features": ["basic_features", "extended_features"],
                },
            },
        ],
    )
    keys = sorted(e["lookup_key"] for e in g.active_entitlements)
    assert keys == ["basic_features", "extended_features"]
    assert len(g.product_features) == 3
    features = {f["id"]: f for f in g.features}
    for product_feature in g.product_features:
        assert product_feature["entitlement_feature"]["id"] in features
    summary = g.active_entitlement_summary
    assert summary["customer"] == g.customer["id"]
    assert [e["id"] for e in summary["entitlements"]["data"]] == [
        e["id"] for e in g.active_entitlements
    ]
    for entitlement in summary["entitlements"]["data"]:
        assert validate(entitlement, spec_for("2023-08-16")) == []


@pytest.mark.parametrize("status", ALL_STATUSES[:7])
def test_only_good_standing_grants_access(status: str) -> None:
    g = build("2023-08-16", status)
    assert bool(g.active_entitlements) == (status in {"active", "trialing", "past_due"})


# -- expansion and overrides ---------------------------------------------------------------


def test_expand_nests_objects_like_the_api() -> None:
    g = build(
        "2023-08-16",
        expand=["latest_invoice.payment_intent", "customer", "items.data.price.product"],
    )
    sub = g.subscription
    assert sub["latest_invoice"]["id"] == g.invoice["id"]
    assert sub["latest_invoice"]["payment_intent"]["object"] == "payment_intent"
    assert sub["customer"]["object"] == "customer"
    assert sub["items"]["data"][0]["price"]["product"]["object"] == "product"
    assert isinstance(g.objects[sub["id"]]["customer"], str)  # the graph keeps ids
    assert validate(sub, spec_for("2023-08-16")) == []


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("status", "'status' is not expandable on subscription"),
        ("latest_invoice.lines.data.nope", "'nope' is not expandable on line_item"),
        ("a.b.c.d.e", "not a valid expand path"),
    ],
)
def test_unexpandable_paths_are_clear_errors(path: str, message: str) -> None:
    with pytest.raises(InvalidArgument, match=message) as info:
        build("2023-08-16", expand=[path])
    assert "expandable fields of" in str(info.value) or "levels" in str(info.value)


def test_overrides_win_and_flow_through_the_graph() -> None:
    g = build("2023-08-16", customer={"email": "ada@example.com", "metadata": {"crm": "42"}})
    assert g.customer["email"] == "ada@example.com" == g.invoice["customer_email"]
    assert g.customer["metadata"] == {"crm": "42"}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"status": "sleeping"}, "status='sleeping' is not allowed"),
        (
            {"items": [{"price": {"recurring": {"interval": "fortnight"}}}]},
            r"items\[0\].price.recurring.interval='fortnight' is not allowed",
        ),
        (
            {"items": [{"price": {"currency": "usd"}}, {"price": {"currency": "eur"}}]},
            "one subscription bills in one currency",
        ),
        ({"customer": {"balance": "lots"}}, "the customer= override breaks Stripe API"),
        ({"customre": {}}, r"unknown argument\(s\) \['customre'\]"),
        ({"status": "incomplete", "trial_days": 7}, "contradicts"),
    ],
)
def test_bad_arguments_raise_one_clear_error(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidArgument, match=message):
        build("2023-08-16", **kwargs)


def test_specs_without_entitlements_drop_them_instead_of_inventing_them() -> None:
    from conftest import SHARED
    from stripe_contracts.spec import load_spec

    bare = load_spec(SHARED / "spec3.2023-08-16.json")
    g = GraphBuilder(spec=bare, seed=11).subscription()
    kinds = {o["object"] for o in g.objects.values()}
    assert not any(k.startswith("entitlements.") or k == "product_feature" for k in kinds)
    assert g.active_entitlement_summary is None and g.active_entitlements == []
    assert kinds >= {"customer", "subscription", "invoice", "payment_intent", "charge"}


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize(
    ("coupon", "tax_rate"),
    [
        ({"percent_off": 25}, None),
        (None, {"percentage": 20}),
        ({"amount_off": 700}, {"percentage": 19, "inclusive": True}),
        ({"percent_off": 10}, {"percentage": 7.25, "inclusive": False}),
    ],
)
def test_discounts_and_tax_agree_from_lines_to_payment(
    version: str, coupon: dict[str, Any] | None, tax_rate: dict[str, Any] | None
) -> None:
    items = [{"price": {"unit_amount": 1999}, "quantity": 3}, {"price": {"unit_amount": 500}}]
    g = build(version, items=items, coupon=coupon, tax_rate=tax_rate)
    invoice, lines = g.invoice, g.invoice["lines"]["data"]
    subtotal = sum(line["amount"] for line in lines)
    discount = sum(d["amount"] for d in invoice["total_discount_amounts"])
    assert discount == sum(d["amount"] for line in lines for d in line["discount_amounts"])
    tax = sum(t["amount"] for t in taxes_of(invoice))
    assert tax == sum(t["amount"] for line in lines for t in taxes_of(line))
    inclusive = bool(tax_rate and tax_rate.get("inclusive"))
    assert invoice["subtotal"] == subtotal
    assert invoice["total"] == subtotal - discount + (0 if inclusive else tax)
    assert invoice["amount_due"] == invoice["amount_paid"] == invoice["total"]
    assert g.payment_intent and g.payment_intent["amount"] == invoice["amount_due"]
    if coupon and "percent_off" in coupon:
        assert discount == round(subtotal * coupon["percent_off"] / 100 + 1e-9)
    if coupon and "amount_off" in coupon:
        assert discount == coupon["amount_off"]
    if tax_rate and not inclusive:
        rate = tax_rate["percentage"] / 100
        assert abs(tax - (subtotal - discount) * rate) <= len(lines)
    if coupon:
        [discount_id] = invoice["discounts"]
        discount = g.objects[discount_id]
        coupon_id = (
            discount["coupon"]["id"] if "coupon" in discount else discount["source"]["coupon"]
        )
        assert g.objects[coupon_id]["object"] == "coupon"
        sub = g.subscription
        # basil replaced subscription.discount by the discounts list (changelog 2025-03-31)
        assert (sub.get("discounts") or [sub["discount"]["id"]]) == [discount_id]
    for obj in g.objects.values():
        assert validate(obj, spec_for(version)) == []


def test_bad_coupon_and_tax_rate_are_clear_errors() -> None:
    with pytest.raises(InvalidArgument, match="exactly one of percent_off or amount_off"):
        build("2023-08-16", coupon={"percent_off": 10, "amount_off": 5})
    with pytest.raises(InvalidArgument, match=r"percent_off=150 must be in \(0, 100\]"):
        build("2023-08-16", coupon={"percent_off": 150})
    with pytest.raises(InvalidArgument, match="needs a percentage"):
        build("2023-08-16", tax_rate={"rate": 20})


def test_overriding_an_id_is_refused_because_references_would_dangle() -> None:
    with pytest.raises(InvalidArgument, match=r"customer= overrides \['id'\]"):
        build("2023-08-16", customer={"id": "cus_mine"})


def test_recurring_must_be_a_dict_or_none() -> None:
    with pytest.raises(InvalidArgument, match=r"recurring='month' must be a dict or None"):
        build("2023-08-16", items=[{"price": {"recurring": "month"}}])


def test_validate_refuses_a_non_string_object_clearly() -> None:
    from stripe_contracts.errors import UnknownObjectType

    with pytest.raises(UnknownObjectType, match="`object` must be a string"):
        validate({"object": ["customer"]}, spec_for("2023-08-16"))


def test_embedded_objects_are_copies_not_the_graphs_own() -> None:
    g = build("2023-08-16")
    item = g.subscription["items"]["data"][0]
    assert item["price"] == g.objects[item["price"]["id"]]
    item["price"]["nickname"] = "changed"
    assert g.objects[item["price"]["id"]]["nickname"] is None
    summary = g.active_entitlement_summary
    assert summary is not None
    summary["entitlements"]["data"][0]["lookup_key"] = "changed"
    assert all(e["lookup_key"] != "changed" for e in g.active_entitlements)
