"""A replay mismatch on a cassette synthesized from a scenario file says which parameter
differs and where the scenario file gives it (issue 15, item 4)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import stripe
import yaml

from conftest import SHARED
from stripe_contracts.cassettes._vcr import open_cassette
from stripe_contracts.cassettes.form import decode_form
from stripe_contracts.cassettes.origin import scenario_field, scenario_file_of
from stripe_contracts.cli import main

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "scenario_files"
SPEC = str(SHARED / "spec3.2023-08-16.json")


def synthesize(tmp_path: Path, *source: str) -> Path:
    out = tmp_path / "story.yaml"
    assert main(["cassette", "synthesize", *source, "--spec", SPEC, "--out", str(out)]) == 0
    return out


def first_request(cassette: Path, path: str) -> str:
    for interaction in yaml.safe_load(cassette.read_text())["interactions"]:
        if interaction["request"]["uri"].endswith(path):
            return str(interaction["request"]["uri"])
    raise AssertionError(path)


def test_a_customer_value_names_its_field_in_the_scenario_file(tmp_path: Path) -> None:
    cassette = synthesize(tmp_path, "--scenario-file", str(EXAMPLES / "scenario.yaml"))
    assert scenario_file_of(cassette) == "scenario.yaml"
    with open_cassette(cassette), pytest.raises(stripe.APIConnectionError) as failure:
        stripe.Customer.create(
            email="x@y.example", name="Jenny Rosen", metadata={"account_id": "42"}
        )
    message = str(failure.value)
    assert (
        "body_params differs: email: 'x@y.example' (recorded 'jenny.rosen@example.com'); set "
        "customer.email in scenario.yaml to what your code sends, then synthesize again"
    ) in message


def test_a_quantity_names_the_subscribe_step(tmp_path: Path) -> None:
    cassette = synthesize(tmp_path, "--scenario-file", str(EXAMPLES / "scenario.yaml"))
    interactions = yaml.safe_load(cassette.read_text())["interactions"]
    create = next(i for i in interactions if i["request"]["uri"].endswith("/v1/subscriptions"))
    price = decode_form(create["request"]["body"].encode())["items"][0]["price"]
    with open_cassette(cassette), pytest.raises(stripe.APIConnectionError) as failure:
        customer = stripe.Customer.create(
            email="jenny.rosen@example.com", name="Jenny Rosen", metadata={"account_id": "42"}
        )
        attach = first_request(cassette, "/attach")
        pm = attach.split("/payment_methods/")[1].split("/")[0]
        stripe.PaymentMethod.attach(pm, customer=customer.id)
        stripe.Customer.modify(customer.id, invoice_settings={"default_payment_method": pm})
        stripe.Subscription.create(
            customer=customer.id,
            items=[{"price": price, "quantity": 3}],
            expand=["latest_invoice.payment_intent"],
            payment_behavior="allow_incomplete",
        )
    assert (
        "body_params differs: items[0][quantity]: '3' (recorded '1'); set the subscribe step's "
        "items[0].quantity in scenario.yaml"
    ) in str(failure.value)


def test_a_cassette_of_a_named_flow_or_a_recording_gets_no_scenario_file_advice(
    tmp_path: Path,
) -> None:
    cassette = synthesize(tmp_path, "signup")
    assert scenario_file_of(cassette) is None
    with open_cassette(cassette), pytest.raises(stripe.APIConnectionError) as failure:
        stripe.Customer.create(email="x@y.example", name="Someone")
    message = str(failure.value)
    assert "email: 'x@y.example' (recorded" in message and "scenario" not in message


def test_the_customers_phone_and_address_from_the_file_are_sent(tmp_path: Path) -> None:
    data = yaml.safe_load((EXAMPLES / "scenario.yaml").read_text())
    data["customer"]["phone"] = "+15555550100"
    data["customer"]["address"] = {"line1": "1 Main St", "city": "Springfield", "country": "US"}
    shutil.copy(EXAMPLES / "catalog.yaml", tmp_path / "catalog.yaml")
    (tmp_path / "scenario.yaml").write_text(yaml.safe_dump(data))
    cassette = synthesize(tmp_path, "--scenario-file", str(tmp_path / "scenario.yaml"))
    with open_cassette(cassette), pytest.raises(stripe.APIConnectionError) as failure:
        stripe.Customer.create(
            email="jenny.rosen@example.com",
            name="Jenny Rosen",
            phone="+15555550199",
            address={"line1": "1 Main St", "city": "Springfield", "country": "US"},
            metadata={"account_id": "42"},
        )
    assert (
        "phone: '+15555550199' (recorded '+15555550100'); set customer.phone in scenario.yaml"
    ) in str(failure.value)
    # the requests, phone and address included, are ones Stripe's spec accepts
    assert main(["cassette", "check", "--spec", SPEC, str(cassette)]) == 0


@pytest.mark.parametrize(
    ("method", "path", "parameter", "field"),
    [
        ("POST", "/v1/customers", "metadata[account_id]", "customer.metadata.account_id"),
        ("POST", "/v1/subscriptions", "items[1][price]", "the subscribe step's items[1].price"),
        ("POST", "/v1/subscriptions", "trial_period_days", "the subscribe step's trial_days"),
        ("POST", "/v1/subscriptions/sub_1", "cancel_at_period_end", "the cancel step's"),
        ("POST", "/v1/subscriptions/sub_1", "items[0][price]", "update_items / change_price"),
        ("GET", "/v1/customers", "email", None),
        ("POST", "/v1/customers/cus_1", "email", None),
    ],
)
def test_the_fields_table(method: str, path: str, parameter: str, field: str | None) -> None:
    found = scenario_field(method, path, parameter)
    assert (found is None) if field is None else (found is not None and field in found)
