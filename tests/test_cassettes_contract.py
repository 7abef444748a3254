"""Contract checks of cassettes: `check_cassette` and `stripe-contracts cassette check`."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import stripe
import yaml
from cassettes_support.fake_stripe import FakeStripe, billing_flow

from conftest import SHARED, spec_for
from stripe_contracts.cassettes._vcr import open_cassette
from stripe_contracts.cassettes.contract import check_cassette, find_operation, format_text
from stripe_contracts.cassettes.files import CassetteError
from stripe_contracts.cli import main
from stripe_contracts.spec import Spec, VersionSet, load_spec
from stripe_contracts.validation import Violation

SPEC_2023 = SHARED / "spec3.2023-08-16.json"
DAHLIA = "2026-05-27.dahlia"
VERSIONS = ("2023-08-16", DAHLIA)
SPEC_2020 = SHARED / "spec3.2020-08-27.json"
FLOW_OPERATIONS = [
    "POST /v1/customers",
    "GET /v1/customers",
    "GET /v1/customers",
    "POST /v1/subscriptions",
    "GET /v1/invoices/{invoice}",
    "POST /v1/webhook_endpoints",
    "GET /v1/customers/{customer}",
]


@pytest.fixture(scope="module")
def spec_2023() -> Spec:
    return load_spec(SPEC_2023)


@pytest.fixture(scope="module")
def spec_2020() -> Spec:
    return load_spec(SPEC_2020)


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A cassette of real stripe-python calls (recorded against the loopback fake)."""
    path = tmp_path_factory.mktemp("contract") / "flow.yaml"
    saved = (stripe.api_base, stripe.api_key, stripe.api_version, stripe.default_http_client)
    with FakeStripe(spec_for("2023-08-16")).running() as fake:
        stripe.api_base, stripe.api_key = fake.url, "sk_test_" + "51ContractTests000000"
        stripe.api_version, stripe.default_http_client = "2023-08-16", None
        try:
            with open_cassette(path, record_mode="once"):
                billing_flow()
                stripe.WebhookEndpoint.create(url="https://example.com/h", enabled_events=["*"])
                with pytest.raises(stripe.InvalidRequestError):
                    stripe.Customer.retrieve("cus_missing")
        finally:
            stripe.api_base, stripe.api_key, stripe.api_version = saved[:3]
            stripe.default_http_client = saved[3]
    yield yaml.safe_load(path.read_text())


def write(tmp_path: Path, data: dict[str, Any], name: str = "c.yaml") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data) if path.suffix == ".json" else yaml.safe_dump(data))
    return path


def interaction(
    method: str,
    uri: str,
    *,
    body: str | None = None,
    status: int = 200,
    response: Any = None,
    version: str | None = "2023-08-16",
) -> dict[str, Any]:
    headers = {"Stripe-Version": [version]} if version else {}
    return {
        "request": {"method": method, "uri": uri, "body": body, "headers": headers},
        "response": {
            "status": {"code": status, "message": "OK"},
            "headers": {"Content-Type": ["application/json"]},
            "body": {"string": json.dumps(response if response is not None else {})},
        },
    }


def edited(recorded: dict[str, Any], index: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """A copy of the recorded cassette holding only interaction `index`, and that one."""
    data = copy.deepcopy(recorded)
    data["interactions"] = [data["interactions"][index]]
    return data, data["interactions"][0]


def response_of(item: dict[str, Any]) -> Any:
    return json.loads(item["response"]["body"]["string"])


def set_response(item: dict[str, Any], value: Any) -> None:
    item["response"]["body"]["string"] = json.dumps(value)


def test_a_recorded_stripe_python_flow_is_valid(
    recorded: dict[str, Any], spec_2023: Spec, tmp_path: Path
) -> None:
    report = check_cassette(write(tmp_path, recorded), spec_2023)
    assert [i.operation for i in report.interactions] == FLOW_OPERATIONS
    assert [i.status for i in report.interactions][-1] == 404  # checked against `error`
    assert report.valid and not report.warnings, format_text([report])
    assert {i.api_version for i in report.interactions} == {"2023-08-16"}


def test_unknown_and_mistyped_request_parameters_are_violations(
    recorded: dict[str, Any], spec_2023: Spec, tmp_path: Path
) -> None:
    data, create = edited(recorded, 0)
    create["request"]["body"] += "&emial=jane%40example.com&balance=lots"
    listing = copy.deepcopy(recorded["interactions"][1])
    listing["request"]["uri"] += "&created[gte]=yesterday"
    data["interactions"].append(listing)
    report = check_cassette(write(tmp_path, data), spec_2023)
    found = [(p.part, p.violation.pointer, p.violation.rule) for p in report.errors]
    assert found == [
        ("request", "/balance", "type"),
        ("request", "/emial", "unknown-property"),
        ("request", "/created/gte", "type"),
    ]
    assert "POST /v1/customers params at /emial" in report.errors[1].message


def test_response_violations_and_bypassed_enums(
    recorded: dict[str, Any], spec_2023: Spec, tmp_path: Path
) -> None:
    data, retrieve = edited(recorded, 4)
    invoice = response_of(retrieve)
    invoice["status"] = "in_review"  # x-stripeBypassValidation: a warning for recorded traffic
    invoice["colour"] = "blue"
    invoice["amount_due"] = "2000"
    set_response(retrieve, invoice)
    report = check_cassette(write(tmp_path, data), spec_2023)
    assert [(p.violation.pointer, p.severity) for p in report.interactions[0].problems] == [
        ("/amount_due", "error"),
        ("/colour", "error"),
        ("/status", "warning"),
    ]
    assert not report.valid


def test_response_fields_of_a_newer_version_are_notes(
    recorded: dict[str, Any], spec_2023: Spec, tmp_path: Path
) -> None:
    # Stripe's dahlia spec defines invoice.parent, 2023-08-16's does not (read from the files).
    raw = {v: json.loads((SHARED / f"spec3.{v}.json").read_text()) for v in VERSIONS}
    invoice_props = {v: raw[v]["components"]["schemas"]["invoice"]["properties"] for v in raw}
    assert "parent" in invoice_props[DAHLIA] and "parent" not in invoice_props["2023-08-16"]
    data, retrieve = edited(recorded, 4)
    invoice = response_of(retrieve)
    invoice["parent"] = None
    invoice["colour"] = "blue"
    set_response(retrieve, invoice)
    versions = VersionSet(spec_2023, [spec_for(DAHLIA)])
    report = check_cassette(write(tmp_path, data), versions)
    problems = [(p.violation.pointer, p.severity) for p in report.interactions[0].problems]
    assert problems == [("/colour", "error"), ("/parent", "note")]
    assert report.notes[0].violation.added_in == DAHLIA
    strict = check_cassette(write(tmp_path, data), versions, strict=True)
    assert [p.violation.pointer for p in strict.errors] == ["/colour", "/parent"]


def test_list_responses_are_checked_item_by_item(
    recorded: dict[str, Any], spec_2023: Spec, tmp_path: Path
) -> None:
    data, listing = edited(recorded, 1)
    page = response_of(listing)
    page["data"][1]["object"] = "invoice"
    set_response(listing, page)
    [problem] = check_cassette(write(tmp_path, data), spec_2023).errors
    assert problem.violation.pointer == "/data/1/object"


def test_operations_are_found_by_template_with_literal_segments_first(spec_2023: Spec) -> None:
    def template(method: str, path: str) -> str:
        found = find_operation(spec_2023, method, path)
        assert not isinstance(found, Violation), found
        return found[0]

    assert template("GET", "/v1/customers/search") == "/v1/customers/search"
    assert template("GET", "/v1/customers/cus_1") == "/v1/customers/{customer}"
    assert template("DELETE", "/v1/customers/cus_1/tax_ids/txi_1") == (
        "/v1/customers/{customer}/tax_ids/{id}"
    )
    wrong = find_operation(spec_2023, "PUT", "/v1/customers")
    assert isinstance(wrong, Violation) and wrong.rule == "method"
    assert "the spec allows GET, POST" in wrong.detail
    unknown = find_operation(spec_2023, "GET", "/v1/customerz")
    assert isinstance(unknown, Violation) and unknown.rule == "operation"


def test_delete_parameters_sent_in_the_query_string(spec_2023: Spec, tmp_path: Path) -> None:
    ok = "https://api.stripe.com/v1/subscriptions/sub_1?invoice_now=true&prorate=false"
    bad = "https://api.stripe.com/v1/subscriptions/sub_1?invoice_now=maybe"
    error = {"error": {"type": "invalid_request_error"}}
    data = {
        "interactions": [
            interaction("DELETE", ok, status=400, response=error),
            interaction("DELETE", bad, status=400, response=error),
        ]
    }
    report = check_cassette(write(tmp_path, data), spec_2023)
    assert report.interactions[0].problems == ()
    assert [p.violation.pointer for p in report.errors] == ["/invoice_now"]


def test_undecodable_forms_and_non_json_responses(spec_2023: Spec, tmp_path: Path) -> None:
    item = interaction("POST", "https://api.stripe.com/v1/customers", body="a[=1")
    item["response"]["body"]["string"] = "<html>"
    report = check_cassette(write(tmp_path, {"interactions": [item]}), spec_2023)
    assert [(p.part, p.violation.rule) for p in report.errors] == [
        ("request", "form"),
        ("response", "json"),
    ]


def test_the_stripe_version_header_picks_the_spec(
    recorded: dict[str, Any], spec_2023: Spec, spec_2020: Spec, tmp_path: Path
) -> None:
    data, create = edited(recorded, 0)
    old = copy.deepcopy(create)
    old["request"]["headers"]["Stripe-Version"] = ["2020-08-27"]
    beta = copy.deepcopy(create)
    beta["request"]["headers"]["Stripe-Version"] = ["2023-08-16; embedded_connect_beta=v1"]
    data["interactions"] += [old, beta]
    path = write(tmp_path, data)
    both = check_cassette(path, [spec_2020, spec_2023])
    assert [i.api_version for i in both.interactions] == ["2023-08-16", "2020-08-27", "2023-08-16"]
    assert not both.unchecked
    # the 2023 customer has fields 2020 does not know: checked against 2020, it shows
    assert {p.violation.api_version for p in both.interactions[1].errors} == {"2020-08-27"}

    only_2023 = check_cassette(path, spec_2023)
    [skipped] = only_2023.unchecked
    assert skipped.index == 1 and not skipped.problems and not only_2023.valid
    assert skipped.not_checked is not None
    assert "recorded with Stripe API 2020-08-27" in skipped.not_checked
    assert "(loaded: 2023-08-16)" in skipped.not_checked


def test_without_a_stripe_version_header_only_a_single_spec_is_used(
    spec_2023: Spec, spec_2020: Spec, tmp_path: Path
) -> None:
    error = {"error": {"type": "api_error"}}
    item = interaction(
        "GET", "https://api.stripe.com/v1/balance", status=500, response=error, version=None
    )
    path = write(tmp_path, {"interactions": [item]})
    assert check_cassette(path, spec_2023).valid
    [skipped] = check_cassette(path, [spec_2023, spec_2020]).unchecked
    assert "no Stripe-Version header was recorded" in str(skipped.not_checked)


def test_unreadable_cassettes_raise(spec_2023: Spec, tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("interactions: {")
    with pytest.raises(CassetteError, match="cannot read cassette"):
        check_cassette(path, spec_2023)


# -- CLI ---------------------------------------------------------------------------------------


def test_cli_checks_cassettes(
    recorded: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, recorded)
    assert main(["cassette", "check", str(path), "--spec", str(SPEC_2023)]) == 0
    out = capsys.readouterr().out
    assert "#4 GET /v1/invoices/in_" in out
    assert "[GET /v1/invoices/{invoice}, Stripe API 2023-08-16]: ok" in out
    assert out.rstrip().endswith("7 interactions in 1 cassette: all valid")


def test_cli_exit_codes_and_json(
    recorded: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data, create = edited(recorded, 0)
    create["request"]["body"] += "&emial=x"
    (tmp_path / "sub").mkdir()
    bad = write(tmp_path / "sub", data, "bad.yaml")
    write(tmp_path / "sub", recorded, "good.json")
    args = ["cassette", "check", str(tmp_path / "sub"), "--spec", str(SPEC_2023)]
    assert main([*args, "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["valid"] is False and report["specs"] == ["2023-08-16"]
    assert [c["path"] for c in report["cassettes"]] == [str(bad), str(tmp_path / "sub/good.json")]
    [problem] = report["cassettes"][0]["interactions"][0]["problems"]
    assert (problem["part"], problem["pointer"], problem["rule"]) == (
        "request",
        "/emial",
        "unknown-property",
    )

    data["interactions"][0]["request"]["headers"]["Stripe-Version"] = ["2020-08-27"]
    write(tmp_path / "sub", data, "bad.yaml")
    assert main(args) == 2
    assert "NOT CHECKED: recorded with Stripe API 2020-08-27" in capsys.readouterr().out

    (tmp_path / "broken.yaml").write_text("interactions: [")
    assert main(["cassette", "check", str(tmp_path / "broken.yaml")]) == 2
    assert "cannot read cassette" in capsys.readouterr().err


def test_cli_picks_each_recorded_version_from_a_spec_directory(
    recorded: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data, create = edited(recorded, 1)
    old = copy.deepcopy(create)
    old["request"]["headers"]["Stripe-Version"] = ["2020-08-27"]
    data["interactions"].append(old)
    path = write(tmp_path, data)
    # The 2020 response carries invoice_settings.rendering_options, which the 2023 spec of the
    # same directory defines: notes (exit 0), violations with --strict.
    assert main(["cassette", "check", str(path), "--spec", str(SHARED)]) == 0
    out = capsys.readouterr().out
    assert "Stripe API 2023-08-16]: ok" in out and "Stripe API 2020-08-27]: 2 notes" in out
    assert "rendering_options' is not in this version's schema; added in 2023-08-16" in out
    assert main(["cassette", "check", str(path), "--spec", str(SHARED), "--strict"]) == 1
    out = capsys.readouterr().out
    assert "Stripe API 2020-08-27]: 2 violations" in out


def test_cli_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["cassette", "check", "--help"])
    out = capsys.readouterr().out
    for text in (
        "--spec PATH",
        "--format {text,json}",
        "--strict",
        "--newer-spec",
        "Stripe-Version",
    ):
        assert text in out


def test_cli_spec_errors_name_the_cli_flag(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, {"interactions": [], "version": 1})
    assert main(["cassette", "check", str(path), "--spec", str(tmp_path / "none.json")]) == 2
    err = capsys.readouterr().err
    assert "--spec PATH" in err and "--stripe-spec" not in err and "load_spec(" not in err
