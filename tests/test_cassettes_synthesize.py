"""Synthesized cassettes: they pass `cassette check` and replay under the real stripe client."""

from __future__ import annotations

from pathlib import Path

import pytest
import stripe

from conftest import EXCERPT, SHARED, spec_for
from stripe_contracts.cassettes._vcr import open_cassette
from stripe_contracts.cassettes.contract import check_interactions
from stripe_contracts.cassettes.files import read_cassette
from stripe_contracts.cassettes.synthesize import synthesize, write_cassette
from stripe_contracts.cli import main
from stripe_contracts.errors import StripeContractsError
from stripe_contracts.scenarios import FLOWS

CASES = [
    (v, f)
    for v in ("2020-08-27", "2023-08-16", "2026-05-27.dahlia")
    for f in FLOWS
    if not (v == "2020-08-27" and f == "trial-no-payment-method")
]


@pytest.mark.parametrize(("version", "flow"), CASES)
def test_every_synthesized_cassette_passes_the_contract_check(
    version: str, flow: str, tmp_path: Path
) -> None:
    path = tmp_path / f"{flow}.yaml"
    write_cassette(synthesize(flow, spec_for(version), seed=5), path)
    report = check_interactions(read_cassette(path), [spec_for(version)])
    assert report.valid, report.as_dict()
    assert len(report.interactions) >= 2


def test_a_synthesized_signup_replays_under_the_real_stripe_client(tmp_path: Path) -> None:
    spec = spec_for("2023-08-16")
    path = tmp_path / "signup.yaml"
    cassette = synthesize("signup", spec, seed=5)
    write_cassette(cassette, path)
    created = next(
        i for i in cassette["interactions"] if i["request"]["uri"].endswith("/v1/subscriptions")
    )
    import json

    expected = json.loads(created["response"]["body"]["string"])
    plan_items = expected["items"]["data"]
    with open_cassette(path):  # replay only: any request not in the cassette fails
        customer = stripe.Customer.create(
            email=expected["latest_invoice"]["customer_email"],
            name=expected["latest_invoice"]["customer_name"],
        )
        attach = next(i for i in cassette["interactions"] if "/attach" in i["request"]["uri"])
        pm = attach["request"]["uri"].split("/payment_methods/")[1].split("/")[0]
        stripe.PaymentMethod.attach(pm, customer=customer.id)
        stripe.Customer.modify(customer.id, invoice_settings={"default_payment_method": pm})
        subscription = stripe.Subscription.create(
            customer=customer.id,
            items=[{"price": i["price"]["id"], "quantity": i["quantity"]} for i in plan_items],
            expand=["latest_invoice.payment_intent"],
            payment_behavior="allow_incomplete",  # Stripe's default, and the flow's
        )
        invoice = stripe.Invoice.retrieve(subscription.latest_invoice.id)
        entitlements = stripe.entitlements.ActiveEntitlement.list(customer=customer.id)
    assert subscription.status == "active"
    assert subscription.latest_invoice.payment_intent.status == "succeeded"
    assert invoice.status == "paid" and invoice.amount_paid == invoice.total
    assert [e.lookup_key for e in entitlements.auto_paging_iter()] == ["basic_features"]


def test_a_synthesized_cancel_replays_the_delete(tmp_path: Path) -> None:
    spec = spec_for("2023-08-16")
    path = tmp_path / "cancel.json"
    cassette = synthesize("cancel-now", spec, seed=2)
    write_cassette(cassette, path)
    sub_id = next(i for i in cassette["interactions"] if i["request"]["method"] == "DELETE")[
        "request"
    ]["uri"].rsplit("/", 1)[1]
    with open_cassette(path):
        canceled = stripe.Subscription.cancel(sub_id)
    assert canceled.status == "canceled" and canceled.canceled_at


def test_cli_synthesize_then_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "renewal.yaml"
    specs = ["--spec", str(SHARED / "spec3.2023-08-16.json"), "--spec", str(EXCERPT)]
    assert (
        main(["cassette", "synthesize", "renewal-failed-recovered", *specs, "--out", str(out)]) == 0
    )
    assert "interactions" in capsys.readouterr().out
    assert main(["cassette", "check", *specs, str(out)]) == 0
    before = out.read_bytes()
    assert main(["cassette", "synthesize", "signup", *specs, "--out", str(out)]) == 2
    assert "refusing to overwrite" in capsys.readouterr().err
    assert out.read_bytes() == before
    assert main(["cassette", "synthesize", "signup", *specs, "--out", str(out), "--force"]) == 0
    assert out.read_bytes() != before


def test_unknown_flow_is_a_clear_error() -> None:
    with pytest.raises(StripeContractsError, match="scenario='nope' is not allowed"):
        synthesize("nope", spec_for("2023-08-16"))
