"""Properties of every subscription graph, on both full specs.

Each rule of `test_graph.py` stated for arguments drawn by `subscription_arguments`. The
expected values (amounts, tiers, periods, statuses) are computed here from the arguments
alone, with the standard library, never with the package's own helpers.
"""

from __future__ import annotations

import calendar
import json
from datetime import UTC, datetime
from functools import cache
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from conftest import STRIPE_ID_PREFIXES, VERSIONS, period_of, referenced_ids, spec_for
from stripe_contracts.graph.builder import Graph, GraphBuilder
from stripe_contracts.spec import Spec
from stripe_contracts.strategies import (
    EXPAND_PATHS,
    expand_paths_for,
    subscription_arguments,
    subscription_graphs,
)
from stripe_contracts.validation import validate

JSON = Any
Case = tuple[str, dict[str, JSON]]
DAY = 86_400
GRANTING = frozenset({"active", "trialing", "past_due", "paused"})  # docs/events.md
#: the expand path -> the object type it must turn into
EXPANDS_TO = {
    "customer": "customer",
    "latest_invoice": "invoice",
    "latest_invoice.payment_intent": "payment_intent",
    "items.data.price.product": "product",
    "default_payment_method": "payment_method",
}
#: a field holding an id -> the type of object it must name
REFERS_TO = {
    "customer": "customer",
    "subscription": "subscription",
    "subscription_item": "subscription_item",
    "invoice": "invoice",
    "latest_invoice": "invoice",
    "payment_intent": "payment_intent",
    "charge": "charge",
    "latest_charge": "charge",
    "payment_method": "payment_method",
    "default_payment_method": "payment_method",
    "product": "product",
    "default_price": "price",
    "feature": "entitlements.feature",
    "invoice_item": "invoiceitem",
}


def item_of(line: JSON) -> str:
    """The subscription item a line bills: `subscription_item` before basil, its `parent`
    from basil on (changelog 2025-03-31.basil)."""
    if "subscription_item" in line:
        return str(line["subscription_item"])
    return str(line["parent"]["subscription_item_details"]["subscription_item"])


def intents_of(graph: Graph) -> list[str]:
    """The PaymentIntents of the graph's invoice: `invoice.payment_intent` before basil, the
    invoice's `invoice_payment` objects from basil on."""
    invoice = graph.invoice
    if "payment_intent" in invoice:
        return [invoice["payment_intent"]] if invoice["payment_intent"] else []
    return [
        p["payment"]["payment_intent"]
        for p in graph.of_type("invoice_payment")
        if p["invoice"] == invoice["id"]
    ]


# Each example builds and checks a whole graph in a few tens of milliseconds: 40 of them per
# test keeps the file well under 30 s. No health check needs suppressing.
PROPERTY = settings(max_examples=40, deadline=None)


@cache
def _arguments(version: str) -> st.SearchStrategy[dict[str, JSON]]:
    return subscription_arguments(spec_for(version))


# `spec_for` runs at draw time, after conftest has pointed the spec cache at a temp dir.
cases: st.SearchStrategy[Case] = st.sampled_from(VERSIONS).flatmap(
    lambda version: st.tuples(st.just(version), _arguments(version))
)


def arguments(**changes: JSON) -> dict[str, JSON]:
    """A full set of arguments as `subscription_arguments` draws them, for pinned examples."""
    base: dict[str, JSON] = {
        "status": "active",
        "items": [item()],
        "currency": "usd",
        "collection_method": "charge_automatically",
        "trial_days": None,
        "payment_outcome": "declined",
        "start": utc("2024-01-31"),
        "expand": [],
        "seed": 7,
    }
    return {**base, **changes}


def item(
    unit_amount: int | None = 1500,
    quantity: int = 1,
    *,
    interval: str | None = "month",
    interval_count: int = 1,
    features: list[str] | None = None,
    **price: JSON,
) -> dict[str, JSON]:
    recurring = (
        None if interval is None else {"interval": interval, "interval_count": interval_count}
    )
    if unit_amount is not None:
        price["unit_amount"] = unit_amount
    return {
        "price": {"recurring": recurring, **price},
        "quantity": quantity,
        "product": {"features": features or []},
    }


def utc(day: str) -> int:
    return calendar.timegm(datetime.fromisoformat(day).timetuple())


def build(case: Case, *, validate_objects: bool = False) -> Graph:
    version, kwargs = case
    builder = GraphBuilder(spec=spec_for(version), validate=validate_objects)
    return builder.subscription(**kwargs)


# -- independent arithmetic ----------------------------------------------------------------


def add_intervals(timestamp: int, interval: str, count: int) -> int:
    """`count` intervals after `timestamp`; months keep the day, clamped to short months."""
    if interval in ("day", "week"):
        return timestamp + count * (7 if interval == "week" else 1) * DAY
    moment = datetime.fromtimestamp(timestamp, UTC)
    months = moment.month - 1 + count * (12 if interval == "year" else 1)
    year, month = moment.year + months // 12, months % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return calendar.timegm((year, month, day, moment.hour, moment.minute, moment.second))


def tiered_amount(tiers: list[dict[str, JSON]], mode: str, quantity: int) -> int:
    """Stripe's tier formula: volume prices every unit at the one tier the quantity falls in;
    graduated prices each tier's units at that tier, plus the flat fee of every tier reached."""
    total, below = 0, 0
    for tier in tiers:
        up_to = quantity if tier["up_to"] == "inf" else tier["up_to"]
        unit, flat = tier.get("unit_amount", 0), tier.get("flat_amount", 0)
        if mode == "volume":
            if quantity <= up_to:
                return int(unit * quantity + flat)
            continue
        units = min(quantity, up_to) - below
        if units > 0:
            total += unit * units + flat
        below = max(below, up_to)
    assert mode == "graduated", mode
    return total


def expected_amount(request: dict[str, JSON]) -> int:
    price, quantity = request["price"], request["quantity"]
    if "tiers" in price:
        return tiered_amount(price["tiers"], price["tiers_mode"], quantity)
    return int(price["unit_amount"]) * int(quantity)


def trial_days_of(kwargs: dict[str, JSON]) -> int | None:
    """Trialing and paused subscriptions always had a trial (the builder's default is 14)."""
    days = kwargs["trial_days"]
    if days is None and kwargs["status"] in ("trialing", "paused"):
        return 14
    return int(days) if days is not None else None


def bills_the_trial(kwargs: dict[str, JSON]) -> bool:
    """The latest invoice is the trial's own $0 invoice (still trialing, or paused after it)."""
    return kwargs["status"] in ("trialing", "paused")


def is_renewal(kwargs: dict[str, JSON]) -> bool:
    """The latest invoice bills a later period: after a failed renewal or an ended trial."""
    ended_trial = trial_days_of(kwargs) is not None and not bills_the_trial(kwargs)
    return kwargs["status"] in ("past_due", "unpaid") or ended_trial


def expected_currency(kwargs: dict[str, JSON]) -> str:
    named = {r["price"]["currency"] for r in kwargs["items"] if "currency" in r["price"]}
    return str(kwargs["currency"] or (sorted(named)[0] if named else "usd"))


def walk(node: JSON, key: str) -> list[JSON]:
    """Every value stored under `key` anywhere in `node`."""
    found: list[JSON] = []
    if isinstance(node, dict):
        for k, value in node.items():
            if k == key:
                found.append(value)
            found.extend(walk(value, key))
    elif isinstance(node, list):
        for value in node:
            found.extend(walk(value, key))
    return found


def embedded_objects(node: JSON) -> list[dict[str, JSON]]:
    """Every nested dict that is a Stripe object (has `id` and `object`), outermost excluded."""
    found: list[dict[str, JSON]] = []
    children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else []
    for child in children:
        if isinstance(child, dict) and "id" in child and "object" in child:
            found.append(child)
        found.extend(embedded_objects(child))
    return found


def leaves(node: JSON, steps: list[str]) -> list[JSON]:
    """The values an expand path leads to (walking through lists' `data`)."""
    if not steps:
        return [node]
    if node is None or isinstance(node, str):
        return []
    if node.get("object") == "list" and steps[0] == "data":
        return [leaf for entry in node["data"] for leaf in leaves(entry, steps[1:])]
    return leaves(node.get(steps[0]), steps[1:])


# -- pinned examples -------------------------------------------------------------------------

MONTH_END_DUNNING = arguments(
    status="past_due",
    currency="jpy",
    items=[
        item(1500, 3, features=["basic_features"]),
        item(
            None,
            15,
            tiers_mode="graduated",
            tiers=[
                {"up_to": 10, "unit_amount": 500},
                {"up_to": "inf", "unit_amount": 400, "flat_amount": 100},
            ],
            features=["basic_features", "extended_features"],
        ),
    ],
    expand=list(EXPAND_PATHS),
)


# -- the rules ----------------------------------------------------------------------------


@PROPERTY
@given(case=cases)
@example(case=("2023-08-16", MONTH_END_DUNNING))
@example(case=("2020-08-27", arguments(status="incomplete_expired", expand=list(EXPAND_PATHS))))
def test_every_object_validates_strictly_against_its_version(case: Case) -> None:
    graph = build(case)
    spec = spec_for(case[0])
    for obj in [*graph.objects.values(), graph.subscription]:
        assert validate(obj, spec) == [], obj["id"]
    assert validate(graph.active_entitlement_summary, spec) == []


@PROPERTY
@given(case=cases)
@example(case=("2023-08-16", MONTH_END_DUNNING))
def test_every_referenced_id_exists_with_the_right_prefix_and_type(case: Case) -> None:
    _, kwargs = case
    graph = build(case)
    items = graph.objects[graph.subscription["id"]]["items"]["data"]
    for kind in (graph.products, graph.prices, items):
        assert len({obj["id"] for obj in kind}) == len(kwargs["items"])  # one each, no clash
    type_of_prefix = {prefix: kind for kind, prefix in STRIPE_ID_PREFIXES.items()}
    for object_id, obj in graph.objects.items():
        assert obj["id"] == object_id
        assert type_of_prefix[object_id.split("_")[0]] == obj["object"], object_id
        for field, ref in referenced_ids(obj):
            if field == "client_secret":
                continue
            assert ref in graph.objects, f"{obj['object']}.{field} -> {ref} is dangling"
            target = graph.objects[ref]["object"]
            assert target == type_of_prefix[ref.split("_")[0]]
            assert REFERS_TO.get(field, target) == target, f"{obj['object']}.{field} -> {ref}"
        for nested in embedded_objects(obj):
            # an embedded object is one of the graph's, byte for byte; only an invoice's
            # lines live inside it, and a legacy `plan` mirrors its price under the same id
            where = f"{obj['id']} embeds {nested['object']} {nested['id']!r}"
            if nested["object"] == "line_item":
                assert obj["object"] == "invoice" and nested["id"].startswith("il_"), where
            elif nested["object"] == "plan":
                assert graph.objects[nested["id"]]["object"] == "price", where
            else:
                assert graph.objects.get(nested["id"]) == nested, where


@PROPERTY
@given(case=cases)
@example(case=("2023-08-16", MONTH_END_DUNNING))
@example(
    case=(
        "2023-08-16",
        arguments(
            items=[
                item(
                    None,
                    10,
                    tiers_mode="volume",
                    tiers=[{"up_to": 10, "flat_amount": 900}, {"up_to": "inf", "unit_amount": 7}],
                ),
                item(2500, 2, interval=None),
            ],
            trial_days=5,
        ),
    )
)
def test_line_amounts_follow_the_price(case: Case) -> None:
    _, kwargs = case
    graph = build(case)
    renewal, trial_invoice = is_renewal(kwargs), bills_the_trial(kwargs)
    # a renewal bills recurring prices only; one-time prices rode on the first invoice
    billed = [
        index
        for index, request in enumerate(kwargs["items"])
        if request["price"]["recurring"] is not None or not renewal
    ]
    items = graph.subscription["items"]["data"]
    lines = graph.invoice["lines"]["data"]
    assert [item_of(line) for line in lines] == [items[index]["id"] for index in billed]
    for index, line in zip(billed, lines, strict=True):
        request = kwargs["items"][index]
        assert line["quantity"] == request["quantity"]
        assert line["amount"] == (0 if trial_invoice else expected_amount(request)), index


@PROPERTY
@given(case=cases)
@example(case=("2023-08-16", MONTH_END_DUNNING))
@example(case=("2020-08-27", arguments(collection_method="send_invoice")))
@example(case=("2023-08-16", arguments(status="incomplete_expired")))
def test_invoice_amounts_agree_with_its_lines_status_and_payment(case: Case) -> None:
    _, kwargs = case
    status, send_invoice = kwargs["status"], kwargs["collection_method"] == "send_invoice"
    graph = build(case)
    invoice = graph.invoice
    total = sum(line["amount"] for line in invoice["lines"]["data"])
    assert invoice["subtotal"] == invoice["total"] == invoice["amount_due"] == total
    expected_status = {
        "incomplete_expired": "void",
        "incomplete": "open",
        "past_due": "open",
        "unpaid": "open",
        "active": "open" if send_invoice else "paid",
    }.get(status, "paid")  # trialing, canceled, paused: the latest invoice was paid
    assert invoice["status"] == expected_status
    if "paid" in invoice:  # removed by basil in favour of status (changelog 2025-03-31)
        assert invoice["paid"] is (expected_status == "paid")
    paid, remaining = {
        "paid": (total, 0),
        "open": (0, total),
        "void": (0, 0),
    }[expected_status]
    assert (invoice["amount_paid"], invoice["amount_remaining"]) == (paid, remaining)

    payment_intent, charge = graph.payment_intent, graph.charge
    assert (payment_intent is None) == (total == 0)  # nothing to pay, nothing to collect
    assert intents_of(graph) == ([payment_intent["id"]] if payment_intent else [])
    if payment_intent is not None:
        assert payment_intent["amount"] == invoice["amount_due"]
        assert payment_intent["amount_received"] == invoice["amount_paid"]
        assert payment_intent.get("invoice", invoice["id"]) == invoice["id"]
    assert invoice.get("charge", charge and charge["id"]) == (charge["id"] if charge else None)
    if charge is not None:
        assert payment_intent is not None and charge["amount"] == payment_intent["amount"]
        assert charge["paid"] is (expected_status == "paid")


@PROPERTY
@given(case=cases)
@example(case=("2023-08-16", MONTH_END_DUNNING))
@example(
    case=(
        "2020-08-27",
        arguments(currency=None, items=[item(currency="eur"), item(currency="eur")]),
    )
)
def test_one_currency_across_the_graph(case: Case) -> None:
    _, kwargs = case
    graph = build(case)
    everything = [*graph.objects.values(), graph.subscription]
    currencies = {c for c in walk(everything, "currency") if c is not None}
    assert currencies == {expected_currency(kwargs)}


@PROPERTY
@given(case=cases)
@example(case=("2023-08-16", MONTH_END_DUNNING))
@example(case=("2023-08-16", arguments(status="paused", trial_days=30)))
@example(case=("2020-08-27", arguments(status="canceled", trial_days=3)))
def test_one_clock_orders_every_timestamp(case: Case) -> None:
    _, kwargs = case
    graph = build(case)
    sub, invoice, customer = graph.subscription, graph.invoice, graph.customer
    customer_id = sub["customer"] if isinstance(sub["customer"], str) else sub["customer"]["id"]
    assert customer_id == customer["id"]
    if kwargs["start"] is not None:
        assert sub["start_date"] == kwargs["start"]
    assert customer["created"] <= sub["created"] <= sub["start_date"]
    assert sub["start_date"] <= period_of(sub)[0] < period_of(sub)[1]
    assert sub["billing_cycle_anchor"] >= sub["start_date"]
    for catalog in [*graph.products, *graph.prices]:
        assert catalog["created"] <= sub["created"]
    if graph.payment_method is not None:
        assert customer["created"] <= graph.payment_method["created"] <= sub["created"]
    trial = trial_days_of(kwargs)
    if trial is None:
        assert sub["trial_start"] is None and sub["trial_end"] is None
    else:
        assert (sub["trial_start"], sub["trial_end"]) == (
            sub["start_date"],
            sub["start_date"] + trial * DAY,
        )
    # the lines bill the invoice's period: the trial's while the latest invoice is the
    # trial's own (trialing, paused), the subscription's current period otherwise
    billed = (sub["trial_start"], sub["trial_end"]) if bills_the_trial(kwargs) else period_of(sub)
    if kwargs["status"] == "trialing":
        assert billed == period_of(sub)
    # the invoice's own period looks back (Stripe's spec text for invoice.period_end): empty
    # at the creation of a first invoice, the period just ended on a renewal
    if invoice["billing_reason"] == "subscription_cycle":
        assert invoice["period_start"] < invoice["period_end"] == invoice["created"]
    else:
        assert invoice["period_start"] == invoice["period_end"] == invoice["created"]
    for line in invoice["lines"]["data"]:
        assert (line["period"]["start"], line["period"]["end"]) == billed
    transitions = invoice["status_transitions"]
    assert sub["start_date"] <= invoice["created"] <= transitions["finalized_at"]
    for later in ("paid_at", "voided_at"):
        if transitions[later] is not None:
            assert transitions["finalized_at"] <= transitions[later]
    if graph.payment_intent is not None:
        assert invoice["created"] <= graph.payment_intent["created"]
        if graph.charge is not None:
            assert graph.payment_intent["created"] <= graph.charge["created"]
    for moment in ("canceled_at", "ended_at"):
        if sub[moment] is not None:
            assert sub["start_date"] <= sub[moment]


@PROPERTY
@given(case=cases)
@example(case=("2023-08-16", arguments(status="canceled")))
@example(case=("2023-08-16", arguments(status="incomplete_expired")))
def test_nothing_happens_after_the_subscription_ended(case: Case) -> None:
    """An ended subscription ended inside its current period (had that period ended, Stripe
    would have renewed it), and its latest invoice and payment came before the end."""
    graph = build(case)
    sub, invoice = graph.subscription, graph.invoice
    ended = sub["ended_at"]
    if ended is None:
        return
    assert period_of(sub)[0] <= ended <= period_of(sub)[1]
    assert sub["canceled_at"] is None or sub["canceled_at"] <= ended
    transitions = invoice["status_transitions"]
    moments = [invoice["created"], transitions["finalized_at"], transitions["paid_at"]]
    if graph.payment_intent is not None:
        moments.append(graph.payment_intent["created"])
    if graph.charge is not None:
        moments.append(graph.charge["created"])
    assert all(moment <= ended for moment in moments if moment is not None)


@PROPERTY
@given(case=cases)
@example(case=("2023-08-16", MONTH_END_DUNNING))
@example(
    case=(
        "2020-08-27",
        arguments(start=utc("2024-02-29"), items=[item(interval="year", interval_count=3)]),
    )
)
@example(
    case=(
        "2023-08-16",
        arguments(
            status="unpaid",
            start=utc("2023-08-31"),
            trial_days=30,
            items=[item(interval="month", interval_count=2)],
        ),
    )
)
def test_the_period_is_interval_times_count_on_the_calendar(case: Case) -> None:
    _, kwargs = case
    graph = build(case)
    sub = graph.subscription
    recurring = kwargs["items"][0]["price"]["recurring"]
    interval, count = recurring["interval"], recurring["interval_count"]
    start = sub["start_date"] if kwargs["start"] is None else kwargs["start"]
    trial = trial_days_of(kwargs)
    anchor = start + (trial or 0) * DAY  # billing starts when the trial ends
    assert sub["billing_cycle_anchor"] == anchor
    if kwargs["status"] == "trialing":
        expected = (start, anchor)
    else:
        # periods count from the anchor (31 Jan -> 29 Feb -> 31 Mar), never from each other
        cycle = 1 if kwargs["status"] in ("past_due", "unpaid") else 0
        expected = (
            add_intervals(anchor, interval, cycle * count),
            add_intervals(anchor, interval, (cycle + 1) * count),
        )
    assert period_of(sub) == expected
    assert graph.invoice["billing_reason"] == (
        "subscription_cycle" if is_renewal(kwargs) else "subscription_create"
    )


@PROPERTY
@given(case=cases)
@example(case=("2023-08-16", MONTH_END_DUNNING))
@example(
    case=(
        "2020-08-27",
        arguments(
            status="unpaid",
            items=[item(features=["sso", "sso"]), item(features=["sso", "api_access"])],
        ),
    )
)
def test_active_entitlements_are_the_deduplicated_features_iff_access_is_granted(
    case: Case,
) -> None:
    _, kwargs = case
    graph = build(case)
    wanted = list(dict.fromkeys(k for r in kwargs["items"] for k in r["product"]["features"]))
    features = {f["id"]: f for f in graph.features}
    assert sorted(f["lookup_key"] for f in features.values()) == sorted(wanted)
    for request, product in zip(kwargs["items"], graph.model.products, strict=True):
        keys = {
            graph.objects[i]["entitlement_feature"]["lookup_key"]
            for i in product.product_feature_ids.values()
        }
        assert keys == set(request["product"]["features"])
    active = graph.active_entitlements
    granted = kwargs["status"] in GRANTING
    assert sorted(e["lookup_key"] for e in active) == (sorted(wanted) if granted else [])
    for entitlement in active:
        assert features[entitlement["feature"]]["lookup_key"] == entitlement["lookup_key"]
    summary = graph.active_entitlement_summary
    assert summary["customer"] == graph.customer["id"]
    assert summary["entitlements"]["data"] == active


@PROPERTY
@given(case=cases)
@example(case=("2023-08-16", MONTH_END_DUNNING))
@example(case=("2023-08-16", arguments(status="paused", expand=list(EXPAND_PATHS))))
@example(case=("2020-08-27", arguments(status="trialing", expand=list(EXPAND_PATHS))))
def test_expanded_fields_are_objects_and_the_graph_keeps_ids(case: Case) -> None:
    version, kwargs = case
    graph = build(case)
    own = graph.objects[graph.subscription["id"]]
    for path in kwargs["expand"]:
        steps = path.split(".")
        if path == "latest_invoice.confirmation_secret":  # includable, not an object (basil)
            assert "confirmation_secret" not in graph.invoice
            secret = graph.subscription["latest_invoice"]["confirmation_secret"]
            intent = graph.payment_intent
            assert (secret and secret["client_secret"]) == (intent and intent["client_secret"])
            continue
        ids = leaves(own, steps[:-1])  # the unexpanded parents hold ids, resolved here
        parents = [graph.objects[i] if isinstance(i, str) else i for i in ids]
        wanted = [p[steps[-1]] for p in parents if p is not None]
        got = leaves(graph.subscription, steps)
        assert len(got) == len(wanted), path
        for target_id, value in zip(wanted, got, strict=True):
            if target_id is None:
                assert value is None, path
            else:
                assert isinstance(value, dict), path
                assert (value["object"], value["id"]) == (EXPANDS_TO[path], target_id)
                if not any(p.startswith(f"{path}.") for p in kwargs["expand"]):
                    assert value == graph.objects[target_id], path  # a plain copy
    expanded = set(kwargs["expand"]) | {p.split(".")[0] for p in kwargs["expand"]}
    for field in ("customer", "latest_invoice", "default_payment_method"):
        if field not in expanded:
            assert graph.subscription[field] == own[field]
    # the graph's own objects are untouched: ids, not copies
    assert isinstance(own["customer"], str) and isinstance(own["latest_invoice"], str)
    assert own["default_payment_method"] is None or isinstance(own["default_payment_method"], str)
    assert all(isinstance(i, str) for i in intents_of(graph))
    assert all(isinstance(p["product"], str) for p in graph.prices)
    assert all(isinstance(i["price"]["product"], str) for i in own["items"]["data"])
    assert validate(graph.subscription, spec_for(version)) == []


@PROPERTY
@given(case=cases)
@example(case=("2023-08-16", MONTH_END_DUNNING))
def test_the_same_seed_and_arguments_give_byte_identical_graphs(case: Case) -> None:
    first, again = build(case), build(case, validate_objects=True)
    assert list(first.objects) == list(again.objects)
    for left, right in [
        (first.objects, again.objects),
        (first.subscription, again.subscription),
        (first.active_entitlement_summary, again.active_entitlement_summary),
    ]:
        assert json.dumps(left, sort_keys=True) == json.dumps(right, sort_keys=True)


def test_subscription_graphs_draws_valid_graphs_of_the_asked_statuses(spec: Spec) -> None:
    asked = [s for s in ("past_due", "paused", "trialing") if s in GraphBuilder(spec=spec).statuses]
    pinned = GraphBuilder(spec=spec).subscription(
        **{**MONTH_END_DUNNING, "expand": list(expand_paths_for(spec))}
    )

    @settings(max_examples=20, deadline=None)
    @given(graph=subscription_graphs(spec, statuses=asked, currencies=["jpy"]))
    @example(graph=pinned)
    def check(graph: Graph) -> None:
        assert graph.subscription["status"] in asked
        assert graph.invoice["currency"] == "jpy"
        for obj in graph.objects.values():
            assert validate(obj, spec) == [], obj["id"]

    check()
