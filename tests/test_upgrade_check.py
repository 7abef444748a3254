"""upgrade-check: what moving to another API version breaks in the payloads a team holds.

Oracles: Stripe's specs read as plain JSON here (which version defines which path), Stripe's
list of event types, the changelog statements quoted in `KNOWN_MOVES` (the derivation from the
specs alone must agree with every one it can place), and the issue's acceptance list.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from conftest import SHARED, fixtures_for, spec_for
from stripe_contracts.cli import main
from stripe_contracts.errors import StripeContractsError
from stripe_contracts.export import flow_files, write_bundle
from stripe_contracts.scenarios import run_flow
from stripe_contracts.spec import load_spec
from stripe_contracts.upgrade import KNOWN_MOVES, derive_move, upgrade_check

DAHLIA = "2026-05-27.dahlia"
SPEC = {v: SHARED / f"spec3.{v}.json" for v in ("2020-08-27", "2023-08-16", DAHLIA)}
REPO = Path(__file__).resolve().parent.parent

#: The issue's acceptance list: field -> where the basil changelog says it went.
ISSUE_MOVES = {
    ("invoice", "subscription"): "parent.subscription_details.subscription",
    ("invoice", "payment_intent"): "payments.data[].payment.payment_intent",
    ("invoice", "charge"): "payments.data[].payment.charge",
    ("subscription", "current_period_start"): "items.data[].current_period_start",
    ("subscription", "current_period_end"): "items.data[].current_period_end",
    ("line_item", "price"): "pricing.price_details.price",
    ("payment_intent", "invoice"): "invoice_payment.invoice",
}


@cache
def raw_schemas(version: str) -> dict[str, Any]:
    data = json.loads(SPEC[version].read_text())
    schemas: dict[str, Any] = data["components"]["schemas"]
    return schemas


def defined(version: str, schema: str, dotted: str) -> bool:
    """Whether Stripe's spec of `version`, read as plain JSON, defines the path `dotted`
    ('items.data[].current_period_end') in schema `schema`, along any alternative."""
    schemas = raw_schemas(version)

    def nodes(node: Any) -> list[dict[str, Any]]:
        if "$ref" in node:
            return nodes(schemas[node["$ref"].rsplit("/", 1)[-1]])
        found = [node]
        for alternative in node.get("anyOf") or []:
            found.extend(nodes(alternative))
        return found

    current = [schemas[schema]]
    for part in dotted.split("."):
        name, lists = part.rstrip("[]"), part.count("[]")
        current = [n for c in current for n in nodes(c) if name in (n.get("properties") or {})]
        current = [n["properties"][name] for n in current]
        for _ in range(lists):
            current = [n["items"] for c in current for n in nodes(c) if "items" in n]
        if not current:
            return False
    return True


def bundle(tmp: Path, version: str) -> Path:
    """Our bundle of a failed-then-recovered renewal, as `generate` writes it for `version`."""
    out = tmp / f"bundle-{version}"
    flow = run_flow("renewal-failed-recovered", spec_for(version))
    write_bundle(flow_files(flow, params={}), out)
    return out


def check(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, Any]:
    code = main(["upgrade-check", *args, "--format", "json"])
    out, err = capsys.readouterr()
    return code, json.loads(out) if out else err


@pytest.mark.parametrize("version", ["2020-08-27", "2023-08-16"])
def test_a_bundle_lists_the_issues_moves_with_their_destinations(
    version: str, tmp_path_factory: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    out = bundle(tmp_path_factory.mktemp("b"), version)
    code, report = check(capsys, "--from", str(SPEC[version]), "--to", str(SPEC[DAHLIA]), str(out))
    assert code == 1
    assert (report["from"], report["to"]) == (version, DAHLIA)
    found = {(f["object"], f["field"]): f for f in report["findings"]}
    for key, destination in ISSUE_MOVES.items():
        assert key in found, key
        assert found[key]["change"] == "moved"
        assert found[key]["moved_to"].startswith(destination), found[key]
        assert found[key]["occurrences"] >= len(found[key]["files"]) >= 1
        assert all(Path(f).is_file() and Path(f).is_relative_to(out) for f in found[key]["files"])
    assert set(found["invoice", "subscription"]) == {
        "object",
        "field",
        "change",
        "moved_to",
        "detail",
        "see",
        "occurrences",
        "files",
    }


def test_every_field_reported_gone_is_gone_from_the_target_spec(
    tmp_path_factory: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    """Over our 2023 bundle and Stripe's own 2023 examples: each removed, moved or renamed
    field is defined by the 2023 spec and not by dahlia's, and each in-object destination is
    defined by dahlia's (both read as plain JSON)."""
    examples = tmp_path_factory.mktemp("ex") / "examples.json"
    examples.write_text(json.dumps(list(fixtures_for("2023-08-16").values())))
    out = bundle(tmp_path_factory.mktemp("b"), "2023-08-16")
    code, report = check(
        capsys,
        "--from",
        str(SPEC["2023-08-16"]),
        "--to",
        str(SPEC[DAHLIA]),
        str(out),
        str(examples),
    )
    assert code == 1
    gone = [f for f in report["findings"] if f["change"] in ("moved", "renamed", "removed")]
    assert len(gone) >= 30
    for finding in gone:
        schema = finding["object"].replace(".", "_")
        if schema not in raw_schemas(DAHLIA):
            continue  # a type under another schema name; its presence is checked elsewhere
        field = finding["field"]
        assert defined("2023-08-16", schema, field), finding
        assert not defined(DAHLIA, schema, field), finding
        destination = finding["moved_to"]
        if destination and " " not in destination and not destination.startswith("invoice_pay"):
            assert defined(DAHLIA, schema, destination), finding


def test_every_known_move_is_a_real_removal_with_a_real_destination() -> None:
    for (owner, field), move in KNOWN_MOVES.items():
        if " " in owner:
            continue  # an operation's parameter: the next test
        assert defined("2020-08-27", owner, field) or defined("2023-08-16", owner, field)
        assert not defined(DAHLIA, owner, field), (owner, field)
        assert move.page.startswith("https://docs.stripe.com/"), move
        target = move.moved_to
        if target is None:
            continue
        if target.startswith("invoice_payment."):
            assert defined(DAHLIA, "invoice_payment", target.split(" ")[0].split(".", 1)[1])
        else:
            assert defined(DAHLIA, owner, target), (owner, target)


@cache
def raw_paths(version: str) -> dict[str, Any]:
    paths: dict[str, Any] = json.loads(SPEC[version].read_text())["paths"]
    return paths


def parameter_defined(version: str, operation: str, dotted: str) -> bool:
    """Whether Stripe's spec of `version`, read as plain JSON, lets `operation` ('POST
    /v1/subscriptions') take the parameter `dotted` ('discounts[].coupon')."""
    method, path = operation.split(" ")
    item = raw_paths(version).get(path, {}).get(method.lower())
    if item is None:
        return False
    content = item.get("requestBody", {}).get("content", {})
    body = content.get("application/x-www-form-urlencoded", {}).get("schema", {})
    query = {p["name"]: p.get("schema", {}) for p in item.get("parameters", [])}
    root = {"properties": {**query, **body.get("properties", {})}}
    schemas = raw_schemas(version)

    def nodes(node: Any) -> list[dict[str, Any]]:
        if "$ref" in node:
            return nodes(schemas[node["$ref"].rsplit("/", 1)[-1]])
        return [node, *(n for alt in node.get("anyOf") or [] for n in nodes(alt))]

    current = [root]
    for part in dotted.split("."):
        name, lists = part.rstrip("[]"), part.count("[]")
        current = [
            n["properties"][name]
            for c in current
            for n in nodes(c)
            if name in (n.get("properties") or {})
        ]
        for _ in range(lists):
            current = [n["items"] for c in current for n in nodes(c) if "items" in n]
    return bool(current)


def test_every_known_parameter_move_is_real() -> None:
    operations = [(o, f, m) for (o, f), m in KNOWN_MOVES.items() if " " in o]
    assert len(operations) >= 10
    for operation, field, move in operations:
        assert parameter_defined("2023-08-16", operation, field), (operation, field)
        assert not parameter_defined(DAHLIA, operation, field), (operation, field)
        if move.moved_to is not None:
            assert parameter_defined(DAHLIA, operation, move.moved_to), move


def test_a_cassettes_requests_are_checked_per_operation(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """What a 2023 integration sends: a coupon on a new subscription, a price and unit_amount
    on an invoice item, the upcoming-invoice preview (gone from dahlia's paths)."""
    assert "/v1/invoices/upcoming" in raw_paths("2023-08-16")
    assert "/v1/invoices/upcoming" not in raw_paths(DAHLIA)

    def call(method: str, uri: str, body: str | None = None) -> dict[str, Any]:
        headers = {"Content-Type": ["application/x-www-form-urlencoded"]}
        return {
            "request": {"method": method, "uri": uri, "body": body, "headers": headers},
            "response": {"status": {"code": 200}, "body": {"string": "{}"}},
        }

    api = "https://api.stripe.com/v1"
    cassette = {
        "version": 1,
        "interactions": [
            call(
                "POST",
                f"{api}/subscriptions",
                "customer=cus_1&items[0][price]=p&coupon=SAVE"
                "&expand[0]=latest_invoice.payment_intent",
            ),
            call("POST", f"{api}/invoiceitems", "customer=cus_1&price=p&quantity=2"),
            call("POST", f"{api}/invoiceitems", "customer=cus_1&unit_amount=500&currency=usd"),
            call("GET", f"{api}/invoices/upcoming?customer=cus_1"),
        ],
    }
    path = tmp_path / "recorded.json"
    path.write_text(json.dumps(cassette))
    code, report = check(
        capsys, "--from", str(SPEC["2023-08-16"]), "--to", str(SPEC[DAHLIA]), str(path)
    )
    assert code == 1
    found = {(f["object"], f["field"]): (f["change"], f["moved_to"]) for f in report["findings"]}
    # "accessible through the underlying PaymentIntent by expanding
    # payments.data.payment.payment_intent on the Invoice object" (the basil changelog)
    assert found.pop(("POST /v1/subscriptions", "expand")) == (
        "moved",
        "latest_invoice.payments.data.payment.payment_intent",
    )
    assert defined(DAHLIA, "invoice", "payments.data[].payment.payment_intent")
    assert not defined(DAHLIA, "invoice", "payment_intent")
    assert found == {
        ("POST /v1/subscriptions", "coupon"): ("moved", "discounts[].coupon"),
        ("POST /v1/invoiceitems", "price"): ("moved", "pricing.price"),
        ("POST /v1/invoiceitems", "unit_amount"): ("renamed", "unit_amount_decimal"),
        ("GET /v1/invoices/upcoming", "(operation)"): ("operation_removed", None),
    }
    for (operation, field), (change, _) in found.items():
        if change != "operation_removed":
            assert parameter_defined("2023-08-16", operation, field)
            assert not parameter_defined(DAHLIA, operation, field)


def test_the_specs_alone_place_moves_where_the_changelog_does() -> None:
    """Derived from dahlia's spec with no table: agrees with every changelog entry it places,
    and places the issue's in-object moves."""
    dahlia = load_spec(SPEC[DAHLIA])
    examples = fixtures_for("2023-08-16")
    placed = {}
    for (owner, field), move in KNOWN_MOVES.items():
        if " " in owner:
            continue  # an operation's parameter: not an object the spec has a schema for
        value = examples.get(owner, {}).get(field) if "." not in field else 1
        derived = derive_move(dahlia, owner, field, "x" if value is None else value)
        assert derived in (None, move.moved_to), (owner, field, derived)
        placed[owner, field] = derived
    for key in [k for k in ISSUE_MOVES if k[0] != "payment_intent"]:
        assert placed[key] == ISSUE_MOVES[key], key


def test_stripes_target_examples_use_nothing_the_target_removed() -> None:
    """Stripe's own objects of the dahlia era, checked from 2023: whatever is reported is a
    path dahlia's spec does not define (the examples keep a few legacy nulls)."""
    report = upgrade_check(
        load_spec(SPEC["2023-08-16"]),
        load_spec(SPEC[DAHLIA]),
        [("fixtures3.2026.json", list(fixtures_for("2026").values()))],
    )
    assert report.objects > 100
    for finding in report.findings:
        schema = finding.object.replace(".", "_")
        assert not defined(DAHLIA, schema, finding.field), finding
    assert len(report.findings) <= 5


def test_event_types_and_previous_attributes(tmp_path: Path) -> None:
    """`sku.created` is in 2023's list of event types and not in dahlia's (nor in Stripe's
    2026-09-30 list); previous_attributes are fields of data.object's type."""
    all_types = json.loads((SHARED / "event-types.2026-09-30.json").read_text())
    assert "sku.created" not in all_types
    subscription = fixtures_for("2023-08-16")["subscription"]
    events = [
        {
            "id": "evt_1",
            "object": "event",
            "type": "customer.subscription.updated",
            "data": {"object": subscription, "previous_attributes": {"current_period_end": 1}},
        },
        {"id": "evt_2", "object": "event", "type": "sku.created", "data": {"object": {}}},
    ]
    report = upgrade_check(
        load_spec(SPEC["2023-08-16"]), load_spec(SPEC[DAHLIA]), [("events.json", events)]
    )
    found = {(f.object, f.field, f.change): f for f in report.findings}
    assert found["event", "type", "event_type_removed"].detail == "'sku.created'"
    assert found["subscription", "current_period_end", "moved"].occurrences == 2


def test_charge_refunds_are_no_longer_sent_unless_expanded() -> None:
    """Required on a 2020 charge; includable from 2022-11-15 (spec/presence.py's page)."""
    assert "refunds" in raw_schemas("2020-08-27")["charge"]["required"]
    assert "refunds" not in raw_schemas(DAHLIA)["charge"].get("required", [])
    charge = fixtures_for("2020-08-27")["charge"]
    report = upgrade_check(
        load_spec(SPEC["2020-08-27"]), load_spec(SPEC[DAHLIA]), [("charge.json", charge)]
    )
    found = {(f.field, f.change): f for f in report.findings}
    assert found["refunds", "includable"].detail == "expand[]=refunds to receive it"


def _widget_spec(version: str, status: list[str], size: str) -> dict[str, Any]:
    return {
        "openapi": "3.0.0",
        "info": {"version": version},
        "paths": {},
        "components": {
            "schemas": {
                "widget": {
                    "type": "object",
                    "required": ["id", "object"],
                    "properties": {
                        "id": {"type": "string"},
                        "object": {"type": "string", "enum": ["widget"]},
                        "status": {"type": "string", "enum": status},
                        "size": {"type": size, "nullable": True},
                    },
                }
            }
        },
    }


def test_type_and_enum_changes() -> None:
    source = load_spec(_widget_spec("2024-01-01", ["on", "off"], "integer"))
    target = load_spec(_widget_spec("2025-01-01", ["on"], "string"))
    widgets = [
        {"id": "w1", "object": "widget", "status": "off", "size": 3},
        {"id": "w2", "object": "widget", "status": "on", "size": None},
    ]
    report = upgrade_check(source, target, [("w.json", widgets)])
    assert [(f.field, f.change, f.detail, f.occurrences) for f in report.findings] == [
        ("size", "type_changed", "integer | null -> string | null", 1),
        ("status", "enum_value_removed", "'off'", 1),
    ]


def test_nothing_breaks_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    customer = copy.deepcopy(fixtures_for("2023-08-16")["customer"])
    path = tmp_path / "customer.json"
    path.write_text(json.dumps(customer))
    code = main(["upgrade-check", "--from", str(SPEC["2023-08-16"]), str(path)])
    out = capsys.readouterr().out
    assert code == 0
    assert f"2023-08-16 -> {DAHLIA}: nothing breaks in 1 objects of 1 files" in out


def test_text_report_and_cassettes(capsys: pytest.CaptureFixture[str]) -> None:
    """The shipped cassettes (recorded as 2023-08-16 responses) are read through."""
    cassettes = REPO / "cassettes"
    code = main(["upgrade-check", "--from", str(SPEC["2023-08-16"]), str(cassettes)])
    out = capsys.readouterr().out
    assert code == 1
    assert "invoice\n" in out
    assert "  subscription: moved -> parent.subscription_details.subscription;" in out
    assert "adds-new-parent-field-to-invoicing-objects" in out
    assert f"in {len(list(cassettes.glob('*.yaml')))} files" in out


def test_the_same_version_twice_is_refused() -> None:
    spec = load_spec(SPEC["2023-08-16"])
    with pytest.raises(StripeContractsError, match="same API version"):
        upgrade_check(spec, spec, [])


def test_help_says_what_it_does(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["upgrade-check", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for words in (
        "--from SPEC",
        "--to SPEC",
        "removes, moves, renames",
        "Exit 0 when nothing",
        "1 when something does, 2 on unreadable",
        "changelog page",
        "event types",
    ):
        assert words in text, words
