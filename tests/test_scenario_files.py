"""Your own catalog and scenario files: the two example files work as written, bad files are
clear errors that write nothing, and the expectations of a file are checked."""

from __future__ import annotations

from pathlib import Path

import pytest
import stripe
import yaml

from conftest import SHARED, bundle_events, bundle_objects, spec_for
from stripe_contracts.cassettes._vcr import open_cassette
from stripe_contracts.cassettes.synthesize import cassette_for, write_cassette
from stripe_contracts.cli import main
from stripe_contracts.graph.builder import GraphBuilder
from stripe_contracts.scenarios import build_events
from stripe_contracts.scenarios.files import (
    StepExpectationFailed,
    UserFileError,
    load_catalog,
    load_scenario_file,
    run_scenario_file,
)
from stripe_contracts.validation import validate

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "scenario_files"
DAHLIA = str(SHARED / "spec3.2026-05-27.dahlia.json")


@pytest.mark.parametrize("version", ["2023-08-16", "2026-05-27.dahlia"])
def test_the_example_scenario_file_becomes_a_bundle_with_the_files_values(
    version: str, tmp_path: Path
) -> None:
    spec = str(SHARED / f"spec3.{version}.json")
    out = tmp_path / "b"
    args = ["generate", "--scenario-file", str(EXAMPLES / "scenario.yaml"), "--spec", spec]
    assert main([*args, "--out", str(out)]) == 0
    objects, events = bundle_objects(out), bundle_events(out)
    lookup = {o["lookup_key"] for o in objects if o["object"] == "price"}
    assert lookup == {"standard_monthly", "advanced_monthly", "advanced_yearly"}
    customer = next(o for o in objects if o["object"] == "customer")
    assert (customer["email"], customer["name"]) == ("jenny.rosen@example.com", "Jenny Rosen")
    assert customer["metadata"] == {"account_id": "42"}
    # the failed renewal carries Stripe's insufficient_funds decline code
    failed = next(e for e in events if e["type"] == "charge.failed")["data"]["object"]
    assert failed["outcome"]["reason"] == "insufficient_funds"
    # the subscription ends canceled
    deleted = next(e for e in events if e["type"] == "customer.subscription.deleted")
    assert deleted["data"]["object"]["status"] == "canceled"
    for obj in objects:
        if obj.get("object") != "entitlements.active_entitlement_summary":
            assert validate(obj, spec_for(version)) == [], obj.get("id")


def test_the_upgrade_grants_the_catalogs_extended_features() -> None:
    spec = spec_for("2023-08-16")
    scenario = run_scenario_file(load_scenario_file(EXAMPLES / "scenario.yaml"), spec, seed=1)
    summaries = [
        [x["lookup_key"] for x in e["data"]["object"]["entitlements"]["data"]]
        for e in build_events(scenario.states, spec)
        if e["type"] == "entitlements.active_entitlement_summary.updated"
    ]
    assert summaries == [
        ["basic_features"],
        ["basic_features", "extended_features"],
        [],
    ]


def test_the_scenario_files_cassette_replays_code_that_uses_the_files_values(
    tmp_path: Path,
) -> None:
    spec = spec_for("2023-08-16")
    scenario = run_scenario_file(load_scenario_file(EXAMPLES / "scenario.yaml"), spec, seed=3)
    cassette = cassette_for(scenario)
    path = tmp_path / "scenario.yaml"
    write_cassette(cassette, path)
    standard = next(p for p in scenario.plan.prices if p.lookup_key == "standard_monthly")
    attach = next(i for i in cassette["interactions"] if "/attach" in i["request"]["uri"])
    pm = attach["request"]["uri"].split("/payment_methods/")[1].split("/")[0]
    with open_cassette(path):
        customer = stripe.Customer.create(
            email="jenny.rosen@example.com", name="Jenny Rosen", metadata={"account_id": "42"}
        )
        stripe.PaymentMethod.attach(pm, customer=customer.id)
        stripe.Customer.modify(customer.id, invoice_settings={"default_payment_method": pm})
        subscription = stripe.Subscription.create(
            customer=customer.id,
            items=[{"price": standard.id, "quantity": 1}],
            expand=["latest_invoice.payment_intent"],
            payment_behavior="allow_incomplete",
        )
    assert subscription.status == "active"
    assert subscription.items.data[0].price.lookup_key == "standard_monthly"


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (("subscribe:", "subscrbe:"), "step 2: unknown step 'subscrbe'*did you mean 'subscribe'"),
        (
            ("advanced_monthly, quantity", "advanced_monthy, quantity"),
            "step 4 (update_items)*'advanced_monthy'*did you mean 'advanced_monthly'",
        ),
        (("card: insufficient_funds", "card: insufficent_funds"), "step 5*card*"),
        (("to: next_retry", "too: next_retry"), "step 8*unknown key 'too'*did you mean 'to'"),
    ],
)
def test_a_bad_scenario_file_exits_2_naming_the_step_and_writes_nothing(
    edit: tuple[str, str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (EXAMPLES / "scenario.yaml").read_text()
    assert edit[0] in text
    (tmp_path / "catalog.yaml").write_text((EXAMPLES / "catalog.yaml").read_text())
    (tmp_path / "scenario.yaml").write_text(text.replace(edit[0], edit[1]))
    out = tmp_path / "out"
    args = ["generate", "--scenario-file", str(tmp_path / "scenario.yaml"), "--spec", DAHLIA]
    assert main([*args, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    import fnmatch

    assert fnmatch.fnmatch(err.replace("\n", " "), f"*{message}*"), err
    assert "Traceback" not in err and not out.exists()


def test_a_catalog_with_a_misspelt_feature_names_the_nearest(tmp_path: Path) -> None:
    bad = (
        (EXAMPLES / "catalog.yaml")
        .read_text()
        .replace("features: [basic_features]", "features: [basic_feature]")
    )
    (tmp_path / "catalog.yaml").write_text(bad)
    with pytest.raises(UserFileError, match=r"catalog\.yaml: products\[0\]\.features.*"):
        load_catalog(tmp_path / "catalog.yaml")
    with pytest.raises(Exception, match="did you mean 'basic_features'"):
        GraphBuilder(spec=spec_for("2023-08-16"), catalog=yaml.safe_load(bad)).subscription()
    (tmp_path / "catalog.yaml").write_text(bad.replace("lookup_key: standard_monthly", "lookup: x"))
    with pytest.raises(UserFileError, match=r"prices\[0\]"):
        load_catalog(tmp_path / "catalog.yaml")


def test_graph_builder_takes_a_catalog_and_lookup_keys() -> None:
    data = load_catalog(EXAMPLES / "catalog.yaml")
    graph = GraphBuilder(spec=spec_for("2023-08-16"), catalog=data, seed=4).subscription(
        items=[{"price": "advanced_yearly", "quantity": 2}]
    )
    [item] = graph.subscription["items"]["data"]  # type: ignore[index]
    assert item["price"]["lookup_key"] == "advanced_yearly" and item["quantity"] == 2
    assert graph.invoice["amount_due"] == 90000
    keys = sorted(e["lookup_key"] for e in graph.active_entitlements)
    assert keys == ["basic_features", "extended_features"]


def _with_steps(tmp_path: Path, extra: str) -> Path:
    (tmp_path / "catalog.yaml").write_text((EXAMPLES / "catalog.yaml").read_text())
    text = (EXAMPLES / "scenario.yaml").read_text()
    anchor = "  - advance: {to: period_end}\n  - attach_payment_method: {card: success}\n"
    assert anchor in text
    (tmp_path / "scenario.yaml").write_text(
        text.replace(anchor, anchor.split("\n")[0] + "\n" + extra + anchor.split("\n", 1)[1])
    )
    return tmp_path / "scenario.yaml"


def test_expectations_pass_when_true_and_name_the_step_when_not(tmp_path: Path) -> None:
    spec = spec_for("2023-08-16")
    good = _with_steps(
        tmp_path,
        "  - expect_event: invoice.payment_failed\n"
        "  - expect: {subscription: {status: past_due}}\n",
    )
    run_scenario_file(load_scenario_file(good), spec)
    bad = _with_steps(tmp_path, "  - expect: {subscription: {status: active}}\n")
    with pytest.raises(StepExpectationFailed, match=r"step 7 \(expect\): subscription has"):
        run_scenario_file(load_scenario_file(bad), spec)
    missing = _with_steps(tmp_path, "  - expect_event: invoice.paid\n")
    with pytest.raises(StepExpectationFailed, match=r"step 7 .*no invoice\.paid event"):
        run_scenario_file(load_scenario_file(missing), spec)
