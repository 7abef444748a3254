"""Versions as a set: additive fields are notes, unknown fields violations; events checked through.

Oracles: Stripe's specs read as plain JSON here (which version's schema defines which
property), Stripe's example objects of each era, and the issue's own acceptance cases.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from test_validation import BILLING_TYPES

from conftest import SHARED, fixtures_for, spec_for
from stripe_contracts.cli import main
from stripe_contracts.errors import ContractViolation
from stripe_contracts.scenarios import build_events, run_flow
from stripe_contracts.spec import VersionSet, load_spec
from stripe_contracts.validation import Violation, assert_valid, validate
from stripe_contracts.webhooks.tester import WebhookAssertionError, WebhookTester

pytest_plugins = ["pytester"]
DAHLIA = "2026-05-27.dahlia"
SPEC_2023 = SHARED / "spec3.2023-08-16.json"


@cache
def raw_schemas(version: str) -> dict[str, Any]:
    """Stripe's spec read as plain JSON: the oracle for which version defines what."""
    data = json.loads((SHARED / f"spec3.{version}.json").read_text())
    schemas: dict[str, Any] = data["components"]["schemas"]
    return schemas


def real_2023_subscription() -> dict[str, Any]:
    """Stripe's 2023 example subscription with what a real 2023 account receives today."""
    sub = copy.deepcopy(fixtures_for("2023-08-16")["subscription"])
    sub["billing_mode"] = {"type": "classic"}
    for item in sub["items"]["data"]:
        item["current_period_start"] = sub["current_period_start"]
        item["current_period_end"] = sub["current_period_end"]
    return sub


def test_the_fields_of_the_acceptance_case_are_dahlias_not_2023s() -> None:
    old, new = raw_schemas("2023-08-16"), raw_schemas(DAHLIA)
    assert "billing_mode" not in old["subscription"]["properties"]
    assert "billing_mode" in new["subscription"]["properties"]
    for name in ("current_period_start", "current_period_end"):
        assert name not in old["subscription_item"]["properties"]
        assert name in new["subscription_item"]["properties"]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["validate", "--spec", str(SPEC_2023), *args])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out


def test_additive_fields_are_notes_and_strict_makes_them_violations(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "sub.json"
    path.write_text(json.dumps(real_2023_subscription()))
    code, out = run(capsys, str(path))  # newer spec on hand: the built-in dahlia
    assert code == 0, out
    assert "all valid, 3 notes" in out and f"newer specs on hand: {DAHLIA}" in out
    assert "note: subscription sub_" in out and f"added in {DAHLIA}" in out
    code, out = run(capsys, "--format", "json", str(path))
    [obj] = json.loads(out)["files"][0]["objects"]
    assert code == 0 and obj["violations"] == []
    assert {(n["pointer"], n["rule"], n["added_in"]) for n in obj["notes"]} == {
        ("/billing_mode", "added-property", DAHLIA),
        ("/items/data/0/current_period_start", "added-property", DAHLIA),
        ("/items/data/0/current_period_end", "added-property", DAHLIA),
    }
    assert all(set(n) == {"pointer", "rule", "message", "added_in"} for n in obj["notes"])
    code, out = run(capsys, "--strict", str(path))
    assert code == 1 and "3 violations" in out and "--strict" in out


def test_a_field_no_version_defines_fails_either_way(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sub = real_2023_subscription()
    sub["cancel_at_period_ends"] = False  # a typo
    sub["billing_mode"]["tpye"] = "classic"  # a typo inside an additive hash
    path = tmp_path / "sub.json"
    path.write_text(json.dumps(sub))
    for extra in ((), ("--strict",)):
        code, out = run(capsys, *extra, str(path))
        assert code == 1 and "/cancel_at_period_ends: property 'cancel_at_period_ends'" in out
    code, out = run(capsys, str(path))
    assert "/billing_mode/tpye: property 'tpye' is not defined" in out and DAHLIA in out


def test_an_enum_value_of_a_newer_version_is_a_note() -> None:
    old = raw_schemas("2020-08-27")["subscription"]["properties"]["status"]["enum"]
    new = raw_schemas("2023-08-16")["subscription"]["properties"]["status"]["enum"]
    assert "paused" in new and "paused" not in old
    sub = dict(fixtures_for("2020-08-27")["subscription"], status="paused")
    versions = VersionSet(spec_for("2020-08-27"), [spec_for("2023-08-16")])
    [note] = validate(sub, versions)
    assert (note.pointer, note.rule, note.severity, note.added_in) == (
        "/status",
        "added-enum-value",
        "note",
        "2023-08-16",
    )
    [error] = validate(sub, versions, strict=True)
    assert (error.rule, error.severity) == ("enum", "error")
    assert [v.rule for v in validate(dict(sub, status="bogus"), versions)] == ["enum"]


def event_of(obj: dict[str, Any], previous: dict[str, Any] | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"object": obj}
    if previous is not None:
        data["previous_attributes"] = previous
    return {
        "id": "evt_1",
        "object": "event",
        "api_version": "2023-08-16",
        "created": 1700000000,
        "data": data,
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": "customer.subscription.updated",
    }


def test_an_event_with_a_bad_data_object_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = dict(fixtures_for("2023-08-16")["subscription"], status="bogus")
    path = tmp_path / "event.json"
    path.write_text(json.dumps(event_of(bad)))
    code, out = run(capsys, str(path))
    assert code == 1 and "event evt_1 at /data/object/status: 'bogus' is not one of" in out
    path.write_text(json.dumps(event_of(real_2023_subscription())))
    code, out = run(capsys, str(path))
    assert code == 0 and "3 notes" in out
    with pytest.raises(ContractViolation, match="/data/object/status"):
        assert_valid(event_of(bad), spec_for("2023-08-16"))


def test_previous_attributes_keys_are_checked_against_the_objects_type() -> None:
    sub = fixtures_for("2023-08-16")["subscription"]
    versions = VersionSet(spec_for("2023-08-16"), [spec_for(DAHLIA)])
    event = event_of(sub, {"status": "trialing", "billing_mode": {"type": "classic"}, "stauts": 1})
    found = {(v.pointer, v.rule, v.severity) for v in validate(event, versions)}
    assert found == {
        ("/data/previous_attributes/billing_mode", "added-property", "note"),
        ("/data/previous_attributes/stauts", "previous-attributes", "error"),
    }
    strict = {(v.pointer, v.severity) for v in validate(event, versions, strict=True)}
    assert ("/data/previous_attributes/billing_mode", "error") in strict


def test_every_event_of_our_flows_checks_through_cleanly() -> None:
    spec = spec_for("2023-08-16")
    events = build_events(run_flow("renewal-failed-unpaid", spec, seed=3).states, spec)
    assert events and all(validate(e, spec, strict=True) == [] for e in events)


def test_the_webhook_tester_refuses_to_deliver_an_invalid_event() -> None:
    delivered: list[bytes] = []

    def handler(payload: bytes, headers: dict[str, str]) -> int:
        delivered.append(payload)
        return 200

    spec = spec_for("2023-08-16")
    tester = WebhookTester(handler, secret="whsec_x", spec=spec)
    bad = event_of(dict(fixtures_for("2023-08-16")["subscription"], status="bogus"))
    with pytest.raises(WebhookAssertionError, match="/data/object/status"):
        tester.assert_all_accepted([bad])
    assert delivered == []
    good = event_of(fixtures_for("2023-08-16")["subscription"])
    tester.assert_all_accepted([good])
    assert len(delivered) == 1


# -- Stripe's example objects of one era against another era's spec -----------------------------


def top_level_notes(found: list[Violation]) -> set[str]:
    return {v.pointer[1:] for v in found if v.severity == "note" and v.pointer.count("/") == 1}


@pytest.mark.parametrize("object_type", BILLING_TYPES)
def test_2023_examples_pass_a_2020_pin_with_notes_for_exactly_what_2023_added(
    object_type: str,
) -> None:
    versions = VersionSet(spec_for("2020-08-27"), [spec_for("2023-08-16"), spec_for(DAHLIA)])
    example = fixtures_for("2023-08-16")[object_type]
    found = validate(example, versions)
    assert [v for v in found if v.severity != "note"] == []
    schema = versions.pinned.schema_name_for(object_type)
    old = set(raw_schemas("2020-08-27")[schema]["properties"])
    new = set(raw_schemas("2023-08-16")[schema]["properties"])
    assert top_level_notes(found) == (set(example) - old) & new
    assert all(v.added_in == "2023-08-16" for v in found)


#: What a 2026 example breaks of the 2023-08-16 spec even with dahlia on hand, by kind:
#: required 2023 fields basil removed, and fields neither spec defines (docs/fidelity.md lists
#: the latter: Stripe's 2026 examples were taken three months after the dahlia spec).
UNDEFINED_IN_BOTH = {
    ("product", "/type"),
    ("price", "/recurring/trial_period_days"),
    ("subscription", "/items/data/0/plan"),
    ("subscription", "/items/data/0/price/recurring/trial_period_days"),
    ("subscription", "/invoice_settings/custom_fields"),
    ("subscription", "/invoice_settings/description"),
    ("subscription", "/invoice_settings/footer"),
    ("subscription_item", "/plan"),
    ("subscription_item", "/price/recurring/trial_period_days"),
    ("payment_intent", "/source"),
    ("charge", "/source"),
    ("charge", "/payment_method_details/card/transaction_link_id"),
}


def test_2026_examples_against_2023_with_dahlia_on_hand() -> None:
    versions = VersionSet(spec_for("2023-08-16"), [spec_for(DAHLIA)])
    old, new = raw_schemas("2023-08-16"), raw_schemas(DAHLIA)
    unknown, notes = set(), 0
    for object_type in BILLING_TYPES:
        example = fixtures_for("2026")[object_type]
        schema = versions.pinned.schema_name_for(object_type)
        for v in validate(example, versions):
            if v.severity == "note":
                notes += 1
                assert v.added_in == DAHLIA
                if v.pointer.count("/") == 1:  # a top-level field: dahlia's, not 2023's
                    field = v.pointer[1:]
                    assert field in new[schema]["properties"]
                    assert field not in old[schema]["properties"]
            elif v.rule == "required" and v.pointer.count("/") == 1:
                # a field 2023 requires and dahlia no longer defines
                field = v.pointer[1:]
                assert field in old[schema]["required"]
                assert field not in new[schema]["properties"]
            elif v.rule == "unknown-property":
                unknown.add((object_type, v.pointer))
            else:
                assert v.rule == "required", v
    assert unknown == UNDEFINED_IN_BOTH
    assert notes >= 50


def test_our_own_objects_are_checked_strictly_against_their_own_version() -> None:
    # A note never hides a field of another version in what we generate: our bundles are
    # checked with strict=True, where a dahlia field on a 2023 object is a violation.
    spec = spec_for("2023-08-16")
    versions = VersionSet(spec, [spec_for(DAHLIA)])
    sub = real_2023_subscription()
    assert [v.severity for v in validate(sub, versions)] == ["note"] * 3
    assert [v.severity for v in validate(sub, versions, strict=True)] == ["error"] * 3


def test_a_newer_spec_that_is_not_newer_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "sub.json"
    path.write_text(json.dumps(fixtures_for("2023-08-16")["subscription"]))
    older = SHARED / "spec3.2020-08-27.json"
    assert main(["validate", "--spec", str(SPEC_2023), "--newer-spec", str(older), str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{older} is Stripe API 2020-08-27, not newer than the pinned 2023-08-16" in err
    assert "Traceback" not in err


def test_on_hand_counts_the_other_versions_of_a_spec_directory() -> None:
    pinned = load_spec(SHARED, api_version="2020-08-27")
    versions = VersionSet.on_hand(pinned, sources=[SHARED])
    assert versions.versions == ("2020-08-27", "2023-08-16", DAHLIA)


def test_assert_stripe_valid_passes_notes_unless_strict(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTEST_ADDOPTS", "-p no:xdist -p no:benchmark -p no:cacheprovider")
    pytester.makepyfile(
        f"""
        import copy, json

        SUB = json.loads({json.dumps(json.dumps(real_2023_subscription()))})

        def test_notes_pass(assert_stripe_valid):
            assert_stripe_valid(SUB)

        def test_strict_fails(assert_stripe_valid):
            assert_stripe_valid(SUB, strict=True)

        def test_typo_fails(assert_stripe_valid):
            assert_stripe_valid(dict(SUB, cancel_at_period_ends=True))
        """
    )
    result = pytester.runpytest(f"--stripe-spec={SPEC_2023}")
    result.assert_outcomes(passed=1, failed=2)
    result.stdout.fnmatch_lines(["*billing_mode*is not defined by this API version*"])


def test_an_event_is_checked_against_the_version_that_rendered_it() -> None:
    # The event schema: api_version is "The Stripe API version used to render `data`".
    text = raw_schemas("2023-08-16")["event"]["properties"]["api_version"]["description"]
    assert "render" in text
    dahlia_sub = fixtures_for("2026")["subscription"]
    event = dict(event_of(dahlia_sub), api_version=DAHLIA)
    versions = VersionSet(spec_for("2023-08-16"), [spec_for(DAHLIA)])
    rendered = {v.pointer for v in validate(event, versions) if v.severity == "error"}
    pinned = {v.pointer for v in validate(dict(event, api_version="2023-08-16"), versions)}
    assert "/data/object/current_period_end" in pinned  # required by 2023, absent in dahlia
    assert "/data/object/current_period_end" not in rendered


def test_an_event_rendered_in_a_version_not_on_hand_is_a_note_not_a_false_verdict() -> None:
    event = dict(event_of(fixtures_for("2023-08-16")["subscription"]), api_version="2024-09-30")
    [note] = validate(event, spec_for("2023-08-16"))
    assert (note.pointer, note.rule, note.severity) == ("/data/object", "not-checked", "note")
    assert "rendered in Stripe API 2024-09-30" in note.message
