"""The named flows on your own catalog: `generate NAME --catalog FILE`, `cassette synthesize
NAME --catalog FILE`, `run_flow(..., catalog=)`: the bundle carries the catalog's lookup keys,
and the upgrade / downgrade rule picks the price docs/library.md says."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import SHARED, bundle_events, bundle_objects, spec_for
from stripe_contracts.cli import main
from stripe_contracts.errors import InvalidArgument
from stripe_contracts.scenarios import build_events, run_flow
from stripe_contracts.scenarios.files import UserFileError, neighbour_price
from stripe_contracts.spec import load_spec
from stripe_contracts.validation import validate

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "scenario_files"
CATALOG = EXAMPLES / "catalog.yaml"  # the catalog: standard 1500, advanced 4500 / 45000
SPEC_2023 = str(SHARED / "spec3.2023-08-16.json")


def summaries(events: list[dict[str, Any]]) -> list[list[str]]:
    return [
        [x["lookup_key"] for x in e["data"]["object"]["entitlements"]["data"]]
        for e in events
        if e["type"] == "entitlements.active_entitlement_summary.updated"
    ]


@pytest.mark.parametrize(
    "spec_file", ["spec3.2020-08-27.json", "spec3.2023-08-16.json", "spec3.2026-05-27.dahlia.json"]
)
def test_a_named_flow_on_your_catalog_carries_its_lookup_keys(
    spec_file: str, tmp_path: Path
) -> None:
    out = tmp_path / "b"
    argv = ["generate", "upgrade", "--catalog", str(CATALOG), "--spec", str(SHARED / spec_file)]
    argv += ["--spec", str(SHARED / "entitlements.2026-09-30.json")]
    assert main([*argv, "--out", str(out)]) == 0
    objects = bundle_objects(out)
    prices = {o["lookup_key"]: o for o in objects if o["object"] == "price"}
    assert set(prices) == {"standard_monthly", "advanced_monthly", "advanced_yearly"}
    assert prices["standard_monthly"]["unit_amount"] == 1500
    features = {o["lookup_key"] for o in objects if o["object"] == "entitlements.feature"}
    assert features == {"basic_features", "extended_features"}
    # standard_monthly (1500) moves up to advanced_monthly (4500): the same interval, not the
    # yearly price; Advanced grants extended_features (the catalog's products)
    subscription = next(o for o in objects if o["object"] == "subscription")
    assert subscription["items"]["data"][0]["price"]["lookup_key"] == "advanced_monthly"
    granted = {o["lookup_key"] for o in objects if o["object"] == "entitlements.active_entitlement"}
    assert granted == {"basic_features", "extended_features"}
    assert summaries(bundle_events(out)) == [
        ["basic_features"],
        ["basic_features", "extended_features"],
    ]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["params"]["catalog"] == "catalog.yaml"
    spec = load_spec([SHARED / spec_file, SHARED / "entitlements.2026-09-30.json"])
    for obj in objects:
        if obj["object"] != "entitlements.active_entitlement_summary":
            assert validate(obj, spec, strict=True) == [], obj["id"]


def test_the_subscription_scenario_takes_a_catalog_too(tmp_path: Path) -> None:
    out = tmp_path / "b"
    argv = ["generate", "subscription", "--catalog", str(CATALOG), "--spec", SPEC_2023]
    assert main([*argv, "--out", str(out)]) == 0
    subscription = next(o for o in bundle_objects(out) if o["object"] == "subscription")
    assert subscription["items"]["data"][0]["price"]["lookup_key"] == "standard_monthly"


def test_the_synthesized_cassette_answers_with_the_catalogs_prices(tmp_path: Path) -> None:
    out = tmp_path / "c.yaml"
    argv = ["cassette", "synthesize", "downgrade", "--catalog", str(CATALOG), "--spec", SPEC_2023]
    catalog = tmp_path / "catalog.yaml"
    data = yaml.safe_load(CATALOG.read_text())
    data["prices"].append(
        {
            "lookup_key": "basic_monthly",
            "product": "standard",
            "currency": "usd",
            "unit_amount": 900,
            "recurring": {"interval": "month"},
        }
    )
    catalog.write_text(yaml.safe_dump(data))
    argv[4] = str(catalog)
    assert main([*argv, "--out", str(out)]) == 0
    bodies = [
        json.loads(i["response"]["body"]["string"])
        for i in yaml.safe_load(out.read_text())["interactions"]
    ]
    keys = [
        item["price"]["lookup_key"]
        for body in bodies
        if body.get("object") == "subscription"
        for item in body["items"]["data"]
    ]
    assert keys[0] == "standard_monthly" and keys[-1] == "basic_monthly"


@pytest.mark.parametrize(
    ("flow", "says"),
    [
        ("downgrade", "no recurring price lower than 'standard_monthly' (1500 usd per month)"),
        ("one-off-invoice", "has no one-time (no `recurring`) price to bill"),
    ],
)
def test_a_catalog_without_the_price_a_flow_needs_exits_2_with_the_fix(
    flow: str, says: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "b"
    argv = ["generate", flow, "--catalog", str(CATALOG), "--spec", SPEC_2023, "--out", str(out)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert says in err and str(CATALOG) in err and "add a" in err
    assert not out.exists()


def test_run_flow_takes_a_catalog_and_lookup_key_items() -> None:
    spec = spec_for("2023-08-16")
    data = yaml.safe_load(CATALOG.read_text())
    s = run_flow("downgrade", spec, catalog=data, items=[{"price": "advanced_monthly"}])
    item = s.current.objects[s.plan.subscription_id]["items"]["data"][0]
    assert item["price"]["lookup_key"] == "standard_monthly"  # advanced_monthly's next down
    events = build_events(s.states, spec)
    assert summaries(events) == [["basic_features", "extended_features"], ["basic_features"]]
    with pytest.raises(InvalidArgument, match="does not apply with a catalog"):
        run_flow("signup", spec, catalog=data, currency="eur")
    with pytest.raises(InvalidArgument, match="did you mean 'standard_monthly'"):
        run_flow("signup", spec, catalog=data, items=[{"price": "standard_monthy"}])


def test_the_neighbour_rule() -> None:
    """docs/library.md: the recurring price of the same currency, interval and interval_count
    with the next higher / lower unit_amount, the first in the file on a tie."""

    def price(key: str, amount: int, currency: str = "usd", **recurring: Any) -> dict[str, Any]:
        return {
            "lookup_key": key,
            "product": "p",
            "currency": currency,
            "unit_amount": amount,
            "recurring": {"interval": "month", **recurring},
        }

    catalog = {
        "prices": [
            price("base", 1000),
            price("eur", 1100, "eur"),
            price("yearly", 1200, interval="year"),
            price("quarterly", 1300, interval_count=3),
            price("pro", 2000),
            price("pro_again", 2000),
            price("max", 5000),
            price("mini", 500),
            {"lookup_key": "once", "product": "p", "currency": "usd", "unit_amount": 1500},
        ]
    }
    assert neighbour_price(catalog, "base", "higher")["lookup_key"] == "pro"
    assert neighbour_price(catalog, "pro", "higher")["lookup_key"] == "max"
    assert neighbour_price(catalog, "base", "lower")["lookup_key"] == "mini"
    assert neighbour_price(catalog, "mini", "lower") is None
    assert neighbour_price(catalog, "eur", "higher") is None
    assert neighbour_price(catalog, "once", "higher") is None


def test_an_error_of_a_flow_on_a_catalog_is_a_user_file_error() -> None:
    spec = spec_for("2023-08-16")
    with pytest.raises(UserFileError, match=r"downgrade.yaml: step 5 \(change_price\)"):
        run_flow("downgrade", spec, catalog=CATALOG)


def test_a_one_off_invoice_bills_the_catalogs_one_time_price() -> None:
    """A catalog with a one-time price (no `recurring`): one-off-invoice bills it, once."""
    spec = spec_for("2023-08-16")
    data = yaml.safe_load(CATALOG.read_text())
    data["products"].append({"key": "onboarding", "name": "Onboarding"})
    data["prices"].append(
        {
            "lookup_key": "onboarding_fee",
            "product": "onboarding",
            "currency": "usd",
            "unit_amount": 9900,
        }
    )
    s = run_flow("one-off-invoice", spec, catalog=data)
    invoices = [o for o in s.current.objects.values() if o["object"] == "invoice"]
    [invoice] = invoices
    [line] = invoice["lines"]["data"]
    assert line["price"]["lookup_key"] == "onboarding_fee"
    assert (invoice["status"], invoice["amount_paid"]) == ("paid", 9900)
    assert not [o for o in s.current.objects.values() if o["object"] == "subscription"]
