"""A second subscription for the same customer (issue 15): its own objects and events on the
customer's clock, entitlements summed over the subscriptions, steps that name a subscription.

Oracles: the catalog file (which product grants which feature lookup keys), Stripe's docs
(entitlements belong to the customer, https://docs.stripe.com/billing/entitlements; a monthly
subscription renews a month after its billing cycle anchor,
https://docs.stripe.com/billing/subscriptions/billing-cycle), the specs (strict validation on
all three), and stripe-python's signature check.
"""

from __future__ import annotations

import calendar
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import stripe

from conftest import EXCERPT, SHARED, bundle_events, bundle_objects, spec_for
from stripe_contracts.cassettes._vcr import open_cassette
from stripe_contracts.cassettes.files import Interaction, read_cassette
from stripe_contracts.cassettes.form import decode_form
from stripe_contracts.cli import main
from stripe_contracts.scenarios import build_events
from stripe_contracts.scenarios.files import (
    UserFileError,
    load_catalog,
    load_scenario_file,
    run_scenario_file,
)
from stripe_contracts.scenarios.steps import ScenarioSteps
from stripe_contracts.scenarios.timeline import Scenario
from stripe_contracts.spec import Spec, load_spec
from stripe_contracts.validation import validate

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "scenario_files"
TWO = EXAMPLES / "two_subscriptions.yaml"
SUMMARY = "entitlements.active_entitlement_summary.updated"
#: Objects that belong to one subscription (their ids must differ between the two).
OWN_TYPES = ("subscription", "subscription_item", "invoice", "payment_intent", "charge")


def _spec(version: str) -> Spec:
    return load_spec() if version == "builtin" else spec_for(version)


def _run(spec: Spec, path: Path = TWO, seed: int = 0) -> Scenario:
    return run_scenario_file(load_scenario_file(path), spec, seed=seed)


def _features_of(price_lookup_key: str) -> set[str]:
    """The feature lookup keys a catalog price's product grants, read from the catalog file."""
    catalog = load_catalog(EXAMPLES / "catalog.yaml")
    price = next(p for p in catalog["prices"] if p["lookup_key"] == price_lookup_key)
    product = next(p for p in catalog["products"] if p["key"] == price["product"])
    return set(product["features"])


def _subscription_of(invoice: dict[str, Any]) -> str:
    """The invoice's subscription: a top-level field before basil, under `parent` after."""
    if "subscription" in invoice:
        return str(invoice["subscription"])
    return str(invoice["parent"]["subscription_details"]["subscription"])


def _by_type(objects: dict[str, dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [o for o in objects.values() if o.get("object") == kind]


def _by_type_list(objects: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [o for o in objects if o.get("object") == kind]


def _summaries(events: list[dict[str, Any]]) -> list[set[str]]:
    return [
        {e["lookup_key"] for e in event["data"]["object"]["entitlements"]["data"]}
        for event in events
        if event["type"] == SUMMARY
    ]


def _month_after(timestamp: int) -> int:
    """The same day next month (the month's last day when it is shorter), as a monthly
    subscription's first period ends (https://docs.stripe.com/billing/subscriptions/billing-cycle)."""
    moment = datetime.fromtimestamp(timestamp, UTC)
    year, month = (moment.year, moment.month + 1) if moment.month < 12 else (moment.year + 1, 1)
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return int(moment.replace(year=year, month=month, day=day).timestamp())


def _write(tmp_path: Path, steps: str) -> Path:
    (tmp_path / "catalog.yaml").write_text((EXAMPLES / "catalog.yaml").read_text())
    path = tmp_path / "scenario.yaml"
    path.write_text("catalog: catalog.yaml\nsteps:\n" + steps)
    return path


@pytest.mark.parametrize("version", ["2020-08-27", "2023-08-16", "builtin"])
def test_two_subscriptions_have_their_own_objects_which_validate_strictly(version: str) -> None:
    spec = _spec(version)
    scenario = _run(spec)
    objects = scenario.latest_objects()
    subscriptions = _by_type(objects, "subscription")
    assert len(subscriptions) == 2
    first, second = sorted(subscriptions, key=lambda s: s["created"])
    assert first["id"] != second["id"] and first["customer"] == second["customer"]
    # the customer's cards and catalog are shared: one customer, one card, three prices
    assert len(_by_type(objects, "customer")) == 1
    assert len(_by_type(objects, "payment_method")) == 1
    assert len(_by_type(objects, "price")) == 3
    # every invoice points to its own subscription, and bills that subscription's price
    prices = {s["id"]: {i["price"]["id"] for i in s["items"]["data"]} for s in (first, second)}
    invoices = _by_type(objects, "invoice")
    assert {_subscription_of(i) for i in invoices} == {first["id"], second["id"]}
    for invoice in invoices:
        for line in invoice["lines"]["data"]:
            price = line.get("price") or line["pricing"]["price_details"]["price"]
            price_id = price if isinstance(price, str) else price["id"]
            assert price_id in prices[_subscription_of(invoice)]
    # Stripe numbers a customer's invoices in one sequence (customer.next_invoice_sequence)
    numbers = sorted(i["number"] for i in invoices if i["number"])
    assert len(numbers) == len(set(numbers)) == 4
    customer = _by_type(scenario.current.objects, "customer")[0]
    if "next_invoice_sequence" in customer:
        assert customer["next_invoice_sequence"] == len(numbers) + 1
    for obj in objects.values():
        assert validate(obj, spec, strict=True) == [], obj["id"]
    for event in build_events(scenario.states, spec):
        assert validate(event, spec, strict=True) == [], event["type"]


def test_the_second_subscriptions_ids_are_its_own_and_the_first_keeps_its_ids(
    tmp_path: Path,
) -> None:
    spec = spec_for("2023-08-16")
    objects = _run(spec).latest_objects()
    owner: dict[str, set[str]] = {}
    for sub in sorted(_by_type(objects, "subscription"), key=lambda s: s["created"]):
        owner[sub["id"]] = {sub["id"], *(i["id"] for i in sub["items"]["data"])}
    for invoice in _by_type(objects, "invoice"):
        owner[_subscription_of(invoice)].add(invoice["id"])
    for intent in _by_type(objects, "payment_intent"):
        owner[_subscription_of(objects[intent["invoice"]])].add(intent["id"])
    first, second = owner.values()
    assert first.isdisjoint(second) and len(second) == 6  # sub, item, 2 invoices, 2 intents
    # the first subscription is the one a file without the second subscribe step creates
    text = TWO.read_text()
    alone = _write(
        tmp_path, text[text.index("  - attach") : text.index("  - subscribe: {key: pro")]
    )
    single = _run(spec, alone).latest_objects()
    assert {i for i, o in single.items() if o["object"] in OWN_TYPES} <= set(objects)
    assert {i for i, o in single.items() if o["object"] == "subscription"} == {next(iter(owner))}


def test_entitlements_are_the_union_over_subscriptions_in_good_standing() -> None:
    """Stripe entitles the customer (docs.stripe.com/billing/entitlements): with Standard and
    Advanced, the customer has the features of both; canceling Advanced keeps Standard's."""
    spec = spec_for("2023-08-16")
    events = build_events(_run(spec).states, spec)
    standard, advanced = _features_of("standard_monthly"), _features_of("advanced_monthly")
    assert _summaries(events) == [standard, standard | advanced, standard]
    # the summary is sent when the union changes, not for a renewal that leaves it as it is
    renewals = [e for e in events if e["type"] == "invoice.paid"]
    assert len(renewals) == 4 and len(_summaries(events)) == 3


def test_a_second_subscription_within_the_features_the_customer_has_sends_no_summary(
    tmp_path: Path,
) -> None:
    path = _write(
        tmp_path,
        "  - attach_payment_method: {card: success}\n"
        "  - subscribe: {items: [{price: advanced_monthly}]}\n"
        "  - advance: {days: 3}\n"
        "  - subscribe: {items: [{price: standard_monthly}]}\n"
        "  - cancel: {subscription: 1}\n",
    )
    spec = spec_for("2023-08-16")
    events = build_events(_run(spec, path).states, spec)
    advanced, standard = _features_of("advanced_monthly"), _features_of("standard_monthly")
    # Standard adds nothing to Advanced; canceling Advanced leaves Standard's features
    assert _summaries(events) == [advanced, standard]
    deleted = [e["data"]["object"] for e in events if e["type"] == "customer.subscription.deleted"]
    assert len(deleted) == 1 and deleted[0]["items"]["data"][0]["price"]["lookup_key"] == (
        "advanced_monthly"
    )


def test_each_subscription_renews_at_its_own_period_end() -> None:
    """A monthly subscription's period ends a month after its billing cycle anchor, the day it
    was created (https://docs.stripe.com/billing/subscriptions/billing-cycle)."""
    spec = spec_for("2023-08-16")
    objects = _run(spec).latest_objects()
    for sub in _by_type(objects, "subscription"):
        period_end = _month_after(sub["created"])
        cycle = [
            i
            for i in _by_type(objects, "invoice")
            if _subscription_of(i) == sub["id"] and i["billing_reason"] == "subscription_cycle"
        ]
        assert [i["created"] for i in cycle] == [period_end], sub["id"]
    first, second = sorted(_by_type(objects, "subscription"), key=lambda s: s["created"])
    # subscribed ten days after the first one's request settled (`advance: {days: 10}`)
    assert 10 * 86_400 <= second["created"] - first["created"] < 10 * 86_400 + 60


def test_a_new_card_is_the_customers_for_both_subscriptions(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "  - attach_payment_method: {card: success}\n"
        "  - subscribe: {key: a, items: [{price: standard_monthly}]}\n"
        "  - advance: {days: 5}\n"
        "  - subscribe: {key: b, items: [{price: advanced_monthly}]}\n"
        "  - attach_payment_method: {card: insufficient_funds}\n"
        "  - advance: {to: period_end, subscription: a}\n"
        "  - expect: {subscription: {status: past_due}}\n"
        "  - advance: {to: period_end, subscription: b}\n",
    )
    spec = spec_for("2023-08-16")
    scenario = _run(spec, path)
    subs = _by_type(scenario.current.objects, "subscription")
    assert sorted(s["status"] for s in subs) == ["past_due", "past_due"]
    failed = [e["data"]["object"] for e in build_events(scenario.states, spec)]
    charges = [o for o in failed if o.get("object") == "charge" and o["status"] == "failed"]
    # both renewals were attempted on the card attached last, and declined as it declines
    assert len({c["payment_method"] for c in charges}) == 1
    assert {c["outcome"]["reason"] for c in charges} == {"insufficient_funds"}
    assert len({c["payment_intent"] for c in charges}) == 2
    customer = _by_type(scenario.current.objects, "customer")[0]
    assert customer["delinquent"] is True
    assert customer["invoice_settings"]["default_payment_method"] == charges[0]["payment_method"]


@pytest.mark.parametrize(
    ("step", "message"),
    [
        ("  - cancel: {subscription: 3}\n", "step 5 (cancel): subscription: 3 *subscriptions so"),
        ("  - cancel: {subscription: tema}\n", "step 5 (cancel): subscription*did you mean 'team'"),
        (
            "  - advance: {to: period_end, subscription: pr}\n",
            "step 5 (advance): subscription: 'pr'*did you mean 'pro'",
        ),
        (
            "  - subscribe: {key: team, items: [{price: standard_monthly}]}\n",
            "step 5 (subscribe): key: 'team' already names a subscription",
        ),
    ],
)
def test_a_step_naming_no_subscription_of_the_customer_exits_2_and_writes_nothing(
    step: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(
        tmp_path,
        "  - attach_payment_method: {card: success}\n"
        "  - subscribe: {key: team, items: [{price: standard_monthly}]}\n"
        "  - advance: {days: 1}\n"
        "  - subscribe: {key: pro, items: [{price: advanced_monthly}]}\n" + step,
    )
    out = tmp_path / "out"
    spec = str(SHARED / "spec3.2026-05-27.dahlia.json")
    args = ["generate", "--scenario-file", str(path), "--spec", spec, "--out", str(out)]
    assert main(args) == 2
    err = capsys.readouterr().err.replace("\n", " ")
    import fnmatch

    assert fnmatch.fnmatch(err, f"*{path}: {message}*"), err
    assert "Traceback" not in err and not out.exists()


def test_a_subscription_named_before_it_exists_is_an_error_before_any_step_runs(
    tmp_path: Path,
) -> None:
    """Names are checked when the file is read: `run-scenario` delivers nothing to the app."""
    path = _write(
        tmp_path,
        "  - subscribe: {items: [{price: standard_monthly}], trial_days: 7}\n"
        "  - subscribe: {key: b, items: [{price: advanced_monthly}], trial_days: 7}\n"
        "  - cancel: {subscription: 3}\n",
    )
    with pytest.raises(
        UserFileError,
        match=r"(?s)step 3 \(cancel\): subscription: 3 .*subscriptions so far: 1, 2, b",
    ):
        load_scenario_file(path)
    # the same name after the third subscribe step is good
    path.write_text(
        path.read_text().replace(
            "  - cancel:", "  - subscribe: {items: [{price: standard_monthly}]}\n  - cancel:"
        )
    )
    load_scenario_file(path)


@pytest.mark.parametrize("version", ["2020-08-27", "2023-08-16", "builtin"])
def test_the_bundle_holds_both_subscriptions_and_its_events_verify(
    version: str, tmp_path: Path
) -> None:
    spec = [] if version == "builtin" else ["--spec", str(SHARED / f"spec3.{version}.json")]
    spec += [] if version == "builtin" else ["--spec", str(EXCERPT)]
    args = ["generate", "--scenario-file", str(TWO), *spec, "--webhook-secret", "whsec_2"]
    assert main([*args, "--out", str(tmp_path / "b")]) == 0
    assert main([*args, "--out", str(tmp_path / "again")]) == 0
    out = tmp_path / "b"
    manifest = json.loads((out / "manifest.json").read_text())
    kinds = [o["object"] for o in manifest["objects"]]
    assert kinds.count("subscription") == 2
    objects = [json.loads((out / o["file"]).read_text()) for o in manifest["objects"]]
    [summary] = [o for o in objects if o["object"] == "entitlements.active_entitlement_summary"]
    keys = {e["lookup_key"] for e in summary["entitlements"]["data"]}
    assert keys == _features_of("standard_monthly")  # Advanced was canceled, Standard is active
    created = [e for e in manifest["events"] if e["type"] == "customer.subscription.created"]
    assert len(created) == 2
    for entry in manifest["events"]:
        payload = (out / entry["file"]).read_text()
        assert stripe.WebhookSignature.verify_header(
            payload, entry["stripe_signature"], "whsec_2", tolerance=None
        )
    assert [e["timestamp"] for e in manifest["events"]] == sorted(
        e["timestamp"] for e in manifest["events"]
    )
    # deterministic: the same file, spec and seed give the same bytes
    files = sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file())
    assert all((out / f).read_bytes() == (tmp_path / "again" / f).read_bytes() for f in files)


def test_scenario_steps_take_a_key_and_name_a_subscription() -> None:
    spec = spec_for("2023-08-16")
    steps = ScenarioSteps(spec, name="two")
    steps.attach_payment_method().subscribe(items=[{"price": "standard_monthly"}], key="team")
    steps.advance(days=2).subscribe(items=[{"price": "advanced_monthly"}], key="pro")
    steps.cancel(subscription="pro")
    statuses = {
        s["items"]["data"][0]["price"]["lookup_key"]: s["status"]
        for s in _by_type(steps.objects, "subscription")
    }
    assert statuses == {"standard_monthly": "active", "advanced_monthly": "canceled"}
    assert [e["type"] for e in steps.events].count("customer.subscription.created") == 2
    assert _summaries(steps.events)[-1] == _features_of("standard_monthly")
    with pytest.raises(UserFileError, match=r"(?s)<two>: step 6 \(cancel\).*did you mean 'team'"):
        _ = steps.cancel(subscription="teem").events


#: Two subscriptions with their own items, coupon, tax rate and metadata, each updated, paused
#: or canceled by name (catalog_offers.yaml has the coupon and the tax rate).
TWO_CHANGED = """\
catalog: catalog_offers.yaml
customer:
  email: ada@example.com
  name: Ada Lovelace
  metadata: {account_id: "7"}
steps:
  - attach_payment_method: {card: success}
  - subscribe: {key: team, items: [{price: standard_monthly, quantity: 2}]}
  - advance: {days: 3}
  - subscribe: {key: pro, items: [{price: advanced_monthly, quantity: 1}], metadata: {seat: b},
      coupon: loyalty_20, tax_rates: [vat]}
  - update_items: {subscription: team, items: [{price: advanced_monthly, quantity: 3}]}
  - change_quantity: {subscription: pro, quantity: 2}
  - pause_collection: {subscription: team, behavior: void}
  - resume_collection: {subscription: team}
  - advance: {to: period_end, subscription: team}
  - cancel: {subscription: pro, at_period_end: true}
  - cancel: {subscription: team}
"""


def _two_changed(tmp_path: Path) -> Path:
    (tmp_path / "catalog_offers.yaml").write_text((EXAMPLES / "catalog_offers.yaml").read_text())
    path = tmp_path / "two.yaml"
    path.write_text(TWO_CHANGED)
    return path


def _synthesized_and_bundle(tmp_path: Path, version: str) -> tuple[Path, Path, list[str]]:
    """The cassette `cassette synthesize --scenario-file` writes, and the bundle `generate
    --scenario-file` writes for the same file (the oracle of its responses)."""
    path = _two_changed(tmp_path)
    specs = ["--spec", str(SHARED / f"spec3.{version}.json"), "--spec", str(EXCERPT)]
    cassette, bundle = tmp_path / "two-cassette.yaml", tmp_path / "bundle"
    common = ["--scenario-file", str(path), *specs]
    assert main(["cassette", "synthesize", *common, "--out", str(cassette)]) == 0
    assert main(["generate", *common, "--out", str(bundle)]) == 0
    return cassette, bundle, specs


SUBSCRIPTIONS = "/v1/subscriptions"


def _path(interaction: Interaction) -> str:
    return urlsplit(interaction.request.uri).path


def _collapsed(response: dict[str, Any]) -> dict[str, Any]:
    """A response as its event's `data.object` has it: the expanded latest invoice as its id."""
    latest = response.get("latest_invoice")
    return {**response, "latest_invoice": latest["id"]} if isinstance(latest, dict) else response


@pytest.mark.parametrize("version", ["2020-08-27", "2023-08-16", "2026-05-27.dahlia"])
def test_a_cassette_for_two_subscriptions_answers_as_the_bundle_and_checks_against_the_spec(
    version: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cassette, bundle, specs = _synthesized_and_bundle(tmp_path, version)
    assert main(["cassette", "check", "--strict", *specs, str(cassette)]) == 0, capsys.readouterr()
    interactions = read_cassette(cassette)
    events, objects = bundle_events(bundle), {o.get("id"): o for o in bundle_objects(bundle)}
    subs = sorted(_by_type(objects, "subscription"), key=lambda s: s["created"])
    created = [i for i in interactions if (i.request.method, _path(i)) == ("POST", SUBSCRIPTIONS)]
    assert len(created) == 2
    for interaction in interactions:
        response = json.loads(str(interaction.response.body))
        request_id = interaction.response.headers["Request-Id"][0]
        if interaction.request.method == "GET":  # after the flow: as the bundle has it last
            if response.get("object") != "list":
                assert response == objects[response["id"]]
            continue
        # what the request returned is what its own event carries (the request's id in
        # `event.request.id`): the object of that subscription at that moment
        carried = [
            e["data"]["object"]
            for e in events
            if (e.get("request") or {}).get("id") == request_id
            and e["data"]["object"].get("id") == response["id"]
        ]
        assert carried and carried[-1] == _collapsed(response), interaction.request.uri
    # each subscription was created by its own request, answered with its own object, and
    # updates reach each one at its own id
    bodies = [decode_form(str(i.request.body)) for i in created]
    assert [json.loads(str(i.response.body))["id"] for i in created] == [s["id"] for s in subs]
    assert [[int(x["quantity"]) for x in b["items"]] for b in bodies] == [[2], [1]]
    prices = {o["id"]: o["lookup_key"] for o in _by_type(objects, "price")}
    assert [prices[b["items"][0]["price"]] for b in bodies] == [
        "standard_monthly",
        "advanced_monthly",
    ]
    assert "metadata" not in bodies[0] and bodies[1]["metadata"] == {"seat": "b"}
    at = {_path(i) for i in interactions if i.request.method in ("POST", "DELETE")}
    assert {f"/v1/subscriptions/{s['id']}" for s in subs} <= at


def test_code_that_creates_two_subscriptions_with_the_files_values_replays(
    tmp_path: Path,
) -> None:
    """stripe-python code written from the scenario file (its customer, lookup keys,
    quantities, coupon, tax rate, metadata) replays the synthesized cassette; the ids it needs
    are the bundle's (what `Price.list(lookup_keys=...)` would return)."""
    cassette, bundle, _ = _synthesized_and_bundle(tmp_path, "2023-08-16")
    objects = bundle_objects(bundle)
    price = {o["lookup_key"]: o["id"] for o in _by_type_list(objects, "price")}
    [coupon] = _by_type_list(objects, "coupon")
    [tax_rate] = _by_type_list(objects, "tax_rate")
    [pm] = _by_type_list(objects, "payment_method")
    with open_cassette(cassette):  # replay only: a request not in the cassette fails
        customer = stripe.Customer.create(
            email="ada@example.com", name="Ada Lovelace", metadata={"account_id": "7"}
        )
        stripe.PaymentMethod.attach(pm["id"], customer=customer.id)
        stripe.Customer.modify(customer.id, invoice_settings={"default_payment_method": pm["id"]})
        expand = ["latest_invoice.payment_intent"]
        team = stripe.Subscription.create(
            customer=customer.id,
            items=[{"price": price["standard_monthly"], "quantity": 2}],
            expand=expand,
            payment_behavior="allow_incomplete",
        )
        pro = stripe.Subscription.create(
            customer=customer.id,
            items=[{"price": price["advanced_monthly"], "quantity": 1}],
            expand=expand,
            payment_behavior="allow_incomplete",
            coupon=coupon["id"],
            default_tax_rates=[tax_rate["id"]],
            metadata={"seat": "b"},
        )
        upgraded = stripe.Subscription.modify(
            team.id,
            items=[
                {"id": team["items"].data[0].id, "price": price["advanced_monthly"], "quantity": 3}
            ],
            proration_behavior="create_prorations",
        )
        more = stripe.Subscription.modify(
            pro.id,
            items=[
                {"id": pro["items"].data[0].id, "price": price["advanced_monthly"], "quantity": 2}
            ],
            proration_behavior="create_prorations",
        )
        paused = stripe.Subscription.modify(team.id, pause_collection={"behavior": "void"})
        resumed = stripe.Subscription.modify(team.id, pause_collection="")
        ending = stripe.Subscription.modify(pro.id, cancel_at_period_end=True)
        canceled = stripe.Subscription.cancel(team.id)
        invoices = [stripe.Invoice.retrieve(s.latest_invoice) for s in (canceled, ending)]
        entitlements = stripe.entitlements.ActiveEntitlement.list(customer=customer.id)
    assert team.id != pro.id and team.customer == pro.customer == customer.id
    assert (team.status, pro.status) == ("active", "active")
    assert team.latest_invoice.payment_intent.status == "succeeded"
    assert pro.discount.coupon.id == coupon["id"] and pro.metadata["seat"] == "b"
    assert upgraded.id == team.id and upgraded["items"].data[0].quantity == 3
    assert more.id == pro.id and more["items"].data[0].quantity == 2
    assert paused.pause_collection.behavior == "void" and resumed.pause_collection is None
    assert ending.id == pro.id and ending.cancel_at_period_end is True
    assert canceled.id == team.id and canceled.status == "canceled"
    assert [i.subscription for i in invoices] == [team.id, pro.id]
    assert all(i.status == "paid" for i in invoices)
    # Advanced is still the customer's (pro runs to its period end): its features are active
    assert {e.lookup_key for e in entitlements.auto_paging_iter()} == _features_of(
        "advanced_monthly"
    )


def test_a_second_subscribe_takes_the_arguments_of_a_first(tmp_path: Path) -> None:
    """`metadata` is the new subscription's; with `default_incomplete` it waits, incomplete, for
    its PaymentIntent to be confirmed (`payment_behavior` of POST /v1/subscriptions)."""
    path = _write(
        tmp_path,
        "  - attach_payment_method: {card: success}\n"
        "  - subscribe: {items: [{price: standard_monthly}]}\n"
        "  - advance: {hours: 1}\n"
        "  - subscribe: {items: [{price: advanced_monthly}], metadata: {seat: b},"
        " payment_behavior: default_incomplete}\n"
        "  - expect: {subscription: {status: incomplete, metadata: {seat: b}}}\n"
        "  - confirm_payment: {}\n",
    )
    spec = spec_for("2023-08-16")
    scenario = _run(spec, path)
    subs = sorted(_by_type(scenario.current.objects, "subscription"), key=lambda s: s["created"])
    assert [(s["status"], s["metadata"]) for s in subs] == [
        ("active", {}),
        ("active", {"seat": "b"}),
    ]
    events = build_events(scenario.states, spec)
    updated = [
        e["data"]
        for e in events
        if e["type"] == "customer.subscription.updated"
        and e["data"]["object"]["id"] == subs[1]["id"]
    ]
    assert updated[-1]["previous_attributes"]["status"] == "incomplete"
    assert _summaries(events)[-1] == _features_of("advanced_monthly") | _features_of(
        "standard_monthly"
    )


def test_set_card_is_the_customers_card_for_every_subscription(tmp_path: Path) -> None:
    """The card is the customer's: once it declines, each subscription's renewal is declined,
    each at its own period end, with the card's decline code."""
    path = _write(
        tmp_path,
        "  - attach_payment_method: {card: success}\n"
        "  - subscribe: {items: [{price: standard_monthly}]}\n"
        "  - advance: {days: 4}\n"
        "  - subscribe: {items: [{price: advanced_monthly}]}\n"
        "  - set_card: insufficient_funds\n"
        "  - advance: {days: 32}\n",
    )
    spec = spec_for("2023-08-16")
    scenario = _run(spec, path)
    events = build_events(scenario.states, spec)
    failed = [e["data"]["object"] for e in events if e["type"] == "invoice.payment_failed"]
    subs = _by_type(scenario.current.objects, "subscription")
    for sub in subs:  # each renewal was created at its own period end, then declined
        renewals = [i for i in failed if _subscription_of(i) == sub["id"]]
        assert renewals and renewals[0]["created"] == _month_after(sub["created"])
    charges = [e["data"]["object"] for e in events if e["type"] == "charge.failed"]
    assert {c["outcome"]["reason"] for c in charges} == {"insufficient_funds"}
    assert [s["status"] for s in subs] == ["past_due", "past_due"]


def test_paying_one_subscriptions_invoice_leaves_the_others_past_due(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "  - attach_payment_method: {card: success}\n"
        "  - subscribe: {key: a, items: [{price: standard_monthly}]}\n"
        "  - advance: {days: 4}\n"
        "  - subscribe: {key: b, items: [{price: advanced_monthly}]}\n"
        "  - set_card: insufficient_funds\n"
        "  - advance: {days: 32}\n"
        "  - set_card: success\n"
        "  - pay_invoice: {subscription: a}\n",
    )
    spec = spec_for("2023-08-16")
    scenario = _run(spec, path)
    subs = sorted(_by_type(scenario.current.objects, "subscription"), key=lambda s: s["created"])
    assert [s["status"] for s in subs] == ["active", "past_due"]
    invoices = {_subscription_of(i): i for i in _by_type(scenario.current.objects, "invoice")}
    assert invoices[subs[0]["id"]]["status"] == "paid"
    assert invoices[subs[1]["id"]]["status"] == "open"
