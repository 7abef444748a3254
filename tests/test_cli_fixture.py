"""`export-cli-fixture`: scenarios as Stripe CLI fixture files, checked against Stripe's spec."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import EXCERPT, SHARED, spec_for
from stripe_contracts.cassettes.contract import find_operation, parameters_schema
from stripe_contracts.cli import main
from stripe_contracts.cli_fixture import REFERENCE, cli_fixture, cli_fixture_notes
from stripe_contracts.errors import StripeContractsError
from stripe_contracts.scenarios import FLOWS, Scenario, files, run_flow
from stripe_contracts.validation import Violation, validate_schema

VERSION = "2023-08-16"
SPEC_ARGS = ["--spec", str(SHARED / f"spec3.{VERSION}.json"), "--spec", str(EXCERPT)]
STEP_KEYS = {"name", "path", "method", "params", "expected_error_type"}
PLACEHOLDER = "ref_placeholder_id"
EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "scenario_files"
MARKER = "stripe_contracts_product"  # the product's id offline, in its metadata


def fixture_for(flow: str, version: str = VERSION, **options: Any) -> dict[str, Any]:
    return cli_fixture(flow, spec_for(version), **options)


def strings(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)
    elif isinstance(value, str):
        yield value


def resolved(value: Any) -> Any:
    """`value` with every `${name:path}` replaced as the CLI would, by a placeholder id."""
    if isinstance(value, dict):
        return {key: resolved(item) for key, item in value.items()}
    if isinstance(value, list):
        return [resolved(item) for item in value]
    if isinstance(value, str):
        return REFERENCE.sub(PLACEHOLDER, value)
    return value


def step(fixture: dict[str, Any], name: str) -> dict[str, Any]:
    [found] = [s for s in fixture["fixtures"] if s["name"] == name]
    return found


ALL = [pytest.param(flow, id=flow) for flow in FLOWS]


@pytest.mark.parametrize("flow", ALL)
def test_every_flow_is_a_well_formed_fixture_file(flow: str) -> None:
    fixture = fixture_for(flow)
    assert list(fixture) == ["_meta", "fixtures", "env"]
    assert fixture["_meta"] == {"template_version": 0}
    steps = fixture["fixtures"]
    assert steps
    names = [s["name"] for s in steps]
    assert len(names) == len(set(names))
    for s in steps:
        assert set(s) <= STEP_KEYS and {"name", "path", "method", "params"} <= set(s)
        assert s["method"] in ("post", "get", "delete")
        assert s["path"].startswith("/v1/") and isinstance(s["params"], dict)
    assert fixture["env"]["STRIPE_CONTRACTS_CUSTOMER"] == "${customer:id}"
    assert all(REFERENCE.fullmatch(value) for value in fixture["env"].values())
    json.dumps(fixture)  # plain JSON all the way down


@pytest.mark.parametrize("flow", ALL)
def test_every_reference_names_an_earlier_step(flow: str) -> None:
    fixture = fixture_for(flow, entitlements=True)
    seen: set[str] = set()
    for s in fixture["fixtures"]:
        for text in [s["path"], *strings(s["params"])]:
            for name, path in REFERENCE.findall(text):
                assert name in seen, f"step {s['name']} refers to {name!r} before it runs"
                assert path and " " not in path
        seen.add(s["name"])
    for value in fixture["env"].values():
        [(name, _)] = REFERENCE.findall(value)
        assert name in seen


@pytest.mark.parametrize("flow", ALL)
@pytest.mark.parametrize("entitlements", [False, True], ids=["plain", "entitlements"])
@pytest.mark.parametrize("version", [VERSION, "2026-05-27.dahlia"])
def test_every_request_is_an_operation_of_the_spec_with_valid_params(
    flow: str, entitlements: bool, version: str
) -> None:
    spec = spec_for(version)
    for s in fixture_for(flow, version, entitlements=entitlements)["fixtures"]:
        found = find_operation(spec, s["method"], resolved(s["path"]))
        assert not isinstance(found, Violation), found.message
        template, operation = found
        params = resolved(s["params"])
        label = f"{s['method'].upper()} {template} params"
        problems = validate_schema(params, parameters_schema(operation), spec, label=label)
        assert not problems, [p.message for p in problems]


def test_the_params_check_catches_what_stripe_would_reject() -> None:
    spec = spec_for(VERSION)
    found = find_operation(spec, "post", "/v1/subscriptions")
    assert not isinstance(found, Violation)
    schema = parameters_schema(found[1])
    good = resolved(step(fixture_for("trial"), "subscription")["params"])
    assert validate_schema(good, schema, spec, label="ok") == []
    for bad in ({"trial_days": 14}, {"payment_behavior": "sometimes"}, {"items": "price_1"}):
        assert validate_schema({**good, **bad}, schema, spec, label="bad"), bad


def test_same_flow_and_options_give_the_same_file(tmp_path: Path) -> None:
    assert fixture_for("upgrade", seed=3) == fixture_for("upgrade", seed=3)
    assert fixture_for("upgrade", seed=3) != fixture_for("upgrade", seed=4)
    for name in ("one.json", "two.json"):
        args = ["export-cli-fixture", "renewal", *SPEC_ARGS, "--seed", "5"]
        assert main([*args, "--out", str(tmp_path / name)]) == 0
    assert (tmp_path / "one.json").read_bytes() == (tmp_path / "two.json").read_bytes()
    assert json.loads((tmp_path / "one.json").read_text()) == fixture_for("renewal", seed=5)


# -- what the requests are ---------------------------------------------------------------------


def test_signup_is_customer_card_default_catalog_and_subscription_without_a_clock() -> None:
    fixture = fixture_for("signup")
    assert [(s["method"], s["path"]) for s in fixture["fixtures"]] == [
        ("post", "/v1/products"),
        ("post", "/v1/prices"),
        ("post", "/v1/customers"),
        ("post", "/v1/payment_methods/pm_card_visa/attach"),
        ("post", "/v1/customers/${customer:id}"),
        ("post", "/v1/subscriptions"),
    ]
    assert step(fixture, "default_payment_method")["params"] == {
        "invoice_settings": {"default_payment_method": "${payment_method:id}"}
    }
    subscription = step(fixture, "subscription")["params"]
    assert subscription["items"] == [{"price": "${price:id}"}]
    assert subscription["customer"] == "${customer:id}"
    assert "latest_invoice.payment_intent" in subscription["expand"]
    assert step(fixture, "price")["params"]["unit_amount"] == 2000
    assert "test_clock" not in step(fixture, "customer")["params"]


@pytest.mark.parametrize(
    ("flow", "token"),
    [
        ("signup-declined", "pm_card_chargeCustomerFail"),
        ("signup-3ds", "pm_card_authenticationRequired"),
        ("one-off-invoice", "pm_card_visa"),
    ],
)
def test_the_card_behaviour_picks_stripes_test_payment_method(flow: str, token: str) -> None:
    assert step(fixture_for(flow), "payment_method")["path"] == (
        f"/v1/payment_methods/{token}/attach"
    )


def test_3ds_is_confirmed_through_the_expanded_payment_intent() -> None:
    fixture = fixture_for("signup-3ds")
    assert step(fixture, "confirm_payment")["path"] == (
        "/v1/payment_intents/${subscription:latest_invoice.payment_intent.id}/confirm"
    )
    assert not any(s["name"].startswith("advance") for s in fixture["fixtures"])


@pytest.mark.parametrize("flow", ["renewal", "renewal-failed-unpaid", "trial", "upgrade"])
def test_time_based_flows_move_a_test_clock_to_where_the_offline_timeline_ends(
    flow: str,
) -> None:
    spec = spec_for(VERSION)
    fixture = cli_fixture(flow, spec)
    offline = run_flow(flow, spec)
    clock = step(fixture, "clock")
    assert clock["params"]["frozen_time"] == offline.plan.t0
    assert step(fixture, "customer")["params"]["test_clock"] == "${clock:id}"
    advances = [s for s in fixture["fixtures"] if s["name"].startswith("advance")]
    assert advances and all(
        a["path"] == "/v1/test_helpers/test_clocks/${clock:id}/advance" for a in advances
    )
    times = [a["params"]["frozen_time"] for a in advances]
    assert times == sorted(times) and times[0] > offline.plan.t0
    assert times[-1] == offline.now


def test_a_failed_renewal_switches_to_a_failing_card_before_one_clock_move() -> None:
    fixture = fixture_for("renewal-failed-unpaid")
    names = [s["name"] for s in fixture["fixtures"]]
    assert step(fixture, "payment_method_2")["path"] == (
        "/v1/payment_methods/pm_card_chargeCustomerFail/attach"
    )
    assert step(fixture, "default_payment_method_2")["params"] == {
        "invoice_settings": {"default_payment_method": "${payment_method_2:id}"}
    }
    # the renewal and every retry happen in one advance: nothing waits on a moving clock
    assert names[-1] == "advance" and names.count("advance") == 1
    notes = " ".join(cli_fixture_notes("renewal-failed-unpaid", spec_for(VERSION)))
    assert "Revenue recovery" in notes and "'unpaid'" in notes


def test_an_upgrade_swaps_the_item_price_with_prorations() -> None:
    fixture = fixture_for("upgrade")
    update = step(fixture, "subscription_update")
    assert update["path"] == "/v1/subscriptions/${subscription:id}"
    [item] = update["params"]["items"]
    assert item["id"] == "${subscription:items.data.0.id}"
    [new_price] = [s for s in fixture["fixtures"] if f"${{{s['name']}:id}}" == item["price"]]
    assert new_price["params"]["unit_amount"] == 5000
    assert update["params"]["proration_behavior"] == "create_prorations"
    notes = cli_fixture_notes("upgrade", spec_for(VERSION))
    assert any("subscription_update run after a clock advance" in n for n in notes)


def test_cancels_and_one_off_invoices() -> None:
    now = step(fixture_for("cancel-now"), "subscription_cancel")
    assert (now["method"], now["params"]) == ("delete", {})
    later = step(fixture_for("cancel-at-period-end"), "subscription_cancel")
    assert (later["method"], later["params"]) == ("post", {"cancel_at_period_end": True})
    paid = fixture_for("one-off-invoice")
    assert "expected_error_type" not in step(paid, "invoice_pay")
    assert step(paid, "invoiceitem")["params"]["price"] == "${price:id}"
    assert "recurring" not in step(paid, "price")["params"]
    declined = fixture_for("one-off-invoice-declined")
    assert step(declined, "invoice_pay")["expected_error_type"] == "card_error"


def test_entitlements_create_features_and_attach_them_to_products() -> None:
    fixture = fixture_for("signup", entitlements=True)
    feature = step(fixture, "feature")
    assert feature["path"] == "/v1/entitlements/features"
    assert feature["params"]["lookup_key"] == "basic_features"
    attached = step(fixture, "product_feature")
    assert attached["path"] == "/v1/products/${product:id}/features"
    assert attached["params"] == {"entitlement_feature": "${feature:id}"}
    assert "feature" not in {s["name"] for s in fixture_for("signup")["fixtures"]}


#: The issue's catalog, with what a team adds to it: product metadata, a price's nickname,
#: tax behavior and metadata.
CATALOG = (
    (EXAMPLES / "catalog.yaml")
    .read_text()
    .replace(
        "    name: Standard\n",
        "    name: Standard\n    metadata: {tier: s}\n",
    )
    .replace(
        "  - lookup_key: advanced_monthly\n",
        "  - lookup_key: advanced_monthly\n    nickname: Advanced monthly\n"
        "    tax_behavior: exclusive\n    metadata: {plan: adv}\n",
    )
)


def _catalog_file(tmp_path: Path) -> Path:
    path = tmp_path / "catalog.yaml"
    path.write_text(CATALOG)
    return path


@pytest.mark.parametrize("flow", ["signup", "upgrade", "renewal-failed-recovered", "cancel-now"])
@pytest.mark.parametrize("version", ["2020-08-27", VERSION, "2026-05-27.dahlia"])
def test_a_catalog_files_products_and_prices_are_created_with_its_lookup_keys_and_amounts(
    flow: str, version: str, tmp_path: Path
) -> None:
    """Read against the catalog file itself (YAML, not our parse of it) and the spec."""
    path = _catalog_file(tmp_path)
    spec = spec_for(version)
    fixture = cli_fixture(flow, spec, catalog=path, entitlements=True)
    catalog = yaml.safe_load(CATALOG)
    products = [s for s in fixture["fixtures"] if s["path"] == "/v1/products"]
    assert [p["params"]["name"] for p in products] == [p["name"] for p in catalog["products"]]
    for entry, product in zip(catalog["products"], products, strict=True):
        mine = {k: v for k, v in product["params"]["metadata"].items() if k != MARKER}
        assert mine == entry.get("metadata", {})
    created = {s["name"]: s["params"] for s in fixture["fixtures"] if s["path"] == "/v1/prices"}
    by_key = {p["lookup_key"]: p for p in created.values()}
    assert set(by_key) == {p["lookup_key"] for p in catalog["prices"]}
    product_step = {e["key"]: p["name"] for e, p in zip(catalog["products"], products, strict=True)}
    for entry in catalog["prices"]:
        params = by_key[entry["lookup_key"]]
        assert params["unit_amount"] == entry["unit_amount"]
        assert params["currency"] == entry["currency"]
        assert params["recurring"]["interval"] == entry["recurring"]["interval"]
        assert params["product"] == f"${{{product_step[entry['product']]}:id}}"
        assert params["transfer_lookup_key"] is True  # a second run moves the key
        for key in ("nickname", "tax_behavior", "metadata"):
            assert params.get(key) == entry.get(key), key
    features = [s["params"] for s in fixture["fixtures"] if s["name"].startswith("feature")]
    assert features == [
        {"name": f["name"], "lookup_key": f["lookup_key"]} for f in catalog["features"]
    ]
    # the flow subscribes to the catalog's first recurring price, by its step
    [subscribe] = [s for s in fixture["fixtures"] if s["path"] == "/v1/subscriptions"]
    [first] = subscribe["params"]["items"]
    standard = next(n for n, p in created.items() if p["lookup_key"] == "standard_monthly")
    assert first["price"] == f"${{{standard}:id}}"
    # every request is an operation of the spec, its params valid
    for s in fixture["fixtures"]:
        found = find_operation(spec, s["method"], resolved(s["path"]))
        assert not isinstance(found, Violation), found.message
        problems = validate_schema(
            resolved(s["params"]), parameters_schema(found[1]), spec, label=s["name"]
        )
        assert not problems, [p.message for p in problems]


def test_an_upgrade_on_a_catalog_moves_to_its_next_higher_price(tmp_path: Path) -> None:
    """As `generate upgrade --catalog` does: the recurring price of the same currency and
    interval with the next higher unit_amount (advanced_monthly, 4500, in the file)."""
    fixture = cli_fixture("upgrade", spec_for(VERSION), catalog=_catalog_file(tmp_path))
    created = {s["name"]: s["params"] for s in fixture["fixtures"] if s["path"] == "/v1/prices"}
    [item] = step(fixture, "subscription_update")["params"]["items"]
    name = REFERENCE.fullmatch(item["price"])
    assert name is not None
    assert created[name.group(1)]["lookup_key"] == "advanced_monthly"
    assert created[name.group(1)]["unit_amount"] == 4500


def test_cli_export_with_a_catalog_writes_the_same_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _catalog_file(tmp_path)
    out = tmp_path / "fixture.json"
    args = ["export-cli-fixture", "signup", "--catalog", str(path), *SPEC_ARGS, "--seed", "2"]
    assert main([*args, "--out", str(out)]) == 0
    assert f"stripe fixtures {out}" in capsys.readouterr().out
    expected = cli_fixture("signup", spec_for(VERSION), seed=2, catalog=path)
    assert json.loads(out.read_text()) == expected
    # without --catalog, the generator's catalog: no lookup keys are sent
    plain = fixture_for("signup")
    assert not any("lookup_key" in s["params"] for s in plain["fixtures"] if s["name"] == "price")


def test_a_trial_without_a_card_pauses_when_it_ends() -> None:
    params = step(fixture_for("trial-no-payment-method"), "subscription")["params"]
    assert params["trial_period_days"] == 14
    assert params["trial_settings"] == {"end_behavior": {"missing_payment_method": "pause"}}
    assert "trial_settings" not in step(fixture_for("trial"), "subscription")["params"]


def test_a_flow_step_it_cannot_translate_is_an_error_not_a_silent_gap(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def unrecorded(s: Scenario, arguments: object) -> None:
        Scenario.create_customer(s)  # past the recording override, like an unknown new call

    monkeypatch.setitem(files._STEPS, "advance", unrecorded)  # a step a flow file holds
    with pytest.raises(StripeContractsError, match="Scenario call export-cli-fixture"):
        fixture_for("renewal")


# -- the command -------------------------------------------------------------------------------


def test_an_existing_file_is_kept_without_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "fixture.json"
    out.write_text("mine")
    args = ["export-cli-fixture", "trial", *SPEC_ARGS, "--out", str(out)]
    assert main(args) == 2
    assert "exists; refusing to overwrite" in capsys.readouterr().err
    assert out.read_text() == "mine"
    assert main([*args, "--force"]) == 0
    printed = capsys.readouterr().out
    assert f"stripe fixtures {out} --api-version {VERSION}" in printed
    assert "note: test clock" in printed
    assert json.loads(out.read_text())["fixtures"][0]["name"] == "clock"
    assert [p.name for p in tmp_path.iterdir()] == ["fixture.json"]  # no temporary left


def test_bad_arguments_write_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "f.json"
    assert main(["export-cli-fixture", "sleeping", *SPEC_ARGS, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "unknown scenario 'sleeping'" in err and "renewal-failed-unpaid" in err
    assert main(["export-cli-fixture", "signup", *SPEC_ARGS, "--out", str(tmp_path)]) == 2
    assert "is a directory" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_help_says_how_to_run_the_file(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["export-cli-fixture", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "stripe fixtures FILE" in out and "test clock" in out
