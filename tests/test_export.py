from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from conftest import EXCERPT, SHARED
from stripe_contracts.cli import main

ROOT = Path(__file__).resolve().parent.parent
MANIFEST_SCHEMA = json.loads((ROOT / "schemas" / "manifest.schema.json").read_text())
SPEC_ARGS = ["--spec", str(SHARED / "spec3.2023-08-16.json"), "--spec", str(EXCERPT)]


def generate(out: Path, *extra: str) -> int:
    return main(["generate", "subscription", *SPEC_ARGS, "--out", str(out), *extra])


def tree(directory: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(directory)): p.read_bytes()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


def test_bundle_has_a_valid_manifest_and_one_file_per_object(tmp_path: Path) -> None:
    assert generate(tmp_path / "b", "--status", "past_due", "--seed", "3") == 0
    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text())
    jsonschema.validate(manifest, MANIFEST_SCHEMA)
    assert manifest["api_version"] == "2023-08-16" and manifest["seed"] == 3
    assert manifest["params"]["status"] == "past_due"
    files = {e["file"] for e in manifest["objects"]}
    assert files == {
        str(p.relative_to(tmp_path / "b")) for p in (tmp_path / "b").rglob("objects/*")
    }
    by_type = {e["object"]: e for e in manifest["objects"]}
    subscription = json.loads((tmp_path / "b" / by_type["subscription"]["file"]).read_text())
    assert isinstance(subscription["latest_invoice"], str)  # ids unless --expand
    assert main(["validate", *SPEC_ARGS, str(tmp_path / "b" / "objects")]) == 0


def test_same_command_twice_is_byte_identical(tmp_path: Path) -> None:
    generate(tmp_path / "one", "--seed", "9", "--expand", "latest_invoice.payment_intent")
    generate(tmp_path / "two", "--seed", "9", "--expand", "latest_invoice.payment_intent")
    assert tree(tmp_path / "one") == tree(tmp_path / "two")
    generate(tmp_path / "three", "--seed", "10")
    assert tree(tmp_path / "one") != tree(tmp_path / "three")


def test_expand_renders_nested_objects_in_the_subscription_file(tmp_path: Path) -> None:
    generate(tmp_path / "b", "--expand", "latest_invoice.payment_intent")
    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text())
    [entry] = [e for e in manifest["objects"] if e["object"] == "subscription"]
    subscription = json.loads((tmp_path / "b" / entry["file"]).read_text())
    assert subscription["latest_invoice"]["payment_intent"]["object"] == "payment_intent"


def test_non_empty_directory_is_never_overwritten_without_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "b"
    out.mkdir()
    (out / "mine.txt").write_text("user data")
    assert generate(out) == 2
    assert "is not empty" in capsys.readouterr().err
    assert (out / "mine.txt").read_text() == "user data"
    assert generate(out, "--force") == 2  # --force replaces bundles only
    assert "is not a bundle" in capsys.readouterr().err
    assert (out / "mine.txt").read_text() == "user data"
    bundle = tmp_path / "bundle"
    assert generate(bundle) == 0
    (bundle / "stale.txt").write_text("from an older run")
    assert generate(bundle, "--seed", "4", "--force") == 0
    assert not (bundle / "stale.txt").exists() and (bundle / "manifest.json").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b", "bundle"]  # no staging left


def test_bad_arguments_leave_nothing_behind(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert generate(tmp_path / "b", "--status", "sleeping") == 2
    err = capsys.readouterr().err
    assert "status='sleeping' is not allowed" in err and "'past_due'" in err
    assert generate(tmp_path / "b", "--expand", "status") == 2
    assert "not expandable" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_help_says_what_generate_writes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["generate", "--help"])
    assert "manifest.json" in capsys.readouterr().out


# -- scenario bundles with signed events ---------------------------------------------------


def test_scenario_bundle_lists_signed_events_in_delivery_order(tmp_path: Path) -> None:
    import stripe

    out = tmp_path / "b"
    assert (
        main(
            [
                "generate",
                "renewal-failed-recovered",
                *SPEC_ARGS,
                "--seed",
                "4",
                "--webhook-secret",
                "whsec_abc",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    manifest = json.loads((out / "manifest.json").read_text())
    jsonschema.validate(manifest, MANIFEST_SCHEMA)
    events = manifest["events"]
    assert [e["file"] for e in events] == sorted(e["file"] for e in events)
    assert [e["timestamp"] for e in events] == sorted(e["timestamp"] for e in events)
    for entry in events:
        payload = (out / entry["file"]).read_bytes()
        event = json.loads(payload)
        assert (event["id"], event["type"], event["created"]) == (
            entry["id"],
            entry["type"],
            entry["timestamp"],
        )
        # the official library accepts the exact bytes with the manifest's header
        assert stripe.WebhookSignature.verify_header(
            payload.decode(), entry["stripe_signature"], "whsec_abc", tolerance=None
        )
    final = {e["object"]: e for e in manifest["objects"]}
    subscription = json.loads((out / final["subscription"]["file"]).read_text())
    assert subscription["status"] == "active"


def test_scenario_bundles_are_byte_identical(tmp_path: Path) -> None:
    for name in ("one", "two"):
        main(["generate", "upgrade", *SPEC_ARGS, "--seed", "2", "--out", str(tmp_path / name)])
    assert tree(tmp_path / "one") == tree(tmp_path / "two")


def test_unknown_scenario_and_status_on_a_flow_are_usage_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["generate", "signup-twice", *SPEC_ARGS, "--out", str(tmp_path / "b")]) == 2
    assert "unknown scenario 'signup-twice'" in capsys.readouterr().err
    assert (
        main(
            ["generate", "signup", *SPEC_ARGS, "--status", "past_due", "--out", str(tmp_path / "b")]
        )
        == 2
    )
    assert "--status applies to the 'subscription' scenario" in capsys.readouterr().err
    assert not (tmp_path / "b").exists()


def test_scenarios_lists_names_and_options_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scenarios", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)["scenarios"]
    names = [r["name"] for r in rows]
    assert names[0] == "subscription" and "renewal-failed-canceled" in names
    assert len(names) == 17 and "one-off-invoice" in names
    assert all(r["description"] and "--seed" in r["options"] for r in rows)


def test_sign_and_verify_commands_round_trip_and_reject_tampering(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    payload = tmp_path / "event.json"
    payload.write_bytes(b'{"id": "evt_1", "object": "event"}\n')
    assert main(["sign", "--secret", "whsec_x", "--timestamp", "1700000000", str(payload)]) == 0
    header = capsys.readouterr().out.strip()
    assert header.startswith("t=1700000000,v1=")
    verify = ["verify", "--secret", "whsec_x", "--header", header, "--now", "1700000100"]
    assert main([*verify, str(payload)]) == 0
    assert "valid: signed at 1700000000" in capsys.readouterr().out
    payload.write_bytes(b'{"id": "evt_2", "object": "event"}\n')
    assert main([*verify, str(payload)]) == 1
    assert "invalid:" in capsys.readouterr().out
    assert main([*verify, str(tmp_path / "missing.json")]) == 2


def test_ndjson_bundles_stream_one_record_per_line(tmp_path: Path) -> None:
    import stripe

    out = tmp_path / "b"
    assert main(["generate", "renewal", *SPEC_ARGS, "--format", "ndjson", "--out", str(out)]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    jsonschema.validate(manifest, MANIFEST_SCHEMA)
    assert manifest["encoding"] == "ndjson"
    lines = (out / "objects.ndjson").read_bytes().splitlines()
    assert len(lines) == len(manifest["objects"])
    for entry in manifest["objects"]:
        record = json.loads(lines[entry["line"] - 1])
        assert (record.get("id"), record["object"]) == (entry["id"], entry["object"])
    events = (out / "events.ndjson").read_bytes().splitlines()
    for entry in manifest["events"]:
        payload = events[entry["line"] - 1]
        assert json.loads(payload)["id"] == entry["id"]
        assert stripe.WebhookSignature.verify_header(
            payload.decode(), entry["stripe_signature"], "whsec_test_secret", tolerance=None
        )


def test_all_writes_every_scenario_and_status_with_progress(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "all"
    args = [
        "generate",
        "--all",
        "--spec",
        str(SHARED / "spec3.2020-08-27.json"),
        "--spec",
        str(EXCERPT),
        "--skip-unsupported",
        "--out",
        str(out),
    ]
    assert main(args) == 0
    err = capsys.readouterr().err.splitlines()
    progress = [line for line in err if line.startswith("[")]
    index = json.loads((out / "index.json").read_text())
    assert len(progress) == len(index["bundles"]) and progress[-1].startswith("[23/23]")
    assert err[-1].startswith("skipped trial-no-payment-method: ")
    skipped = [b for b in index["bundles"] if b["bundle"] is None]
    assert [b["scenario"] for b in skipped] == ["trial-no-payment-method"]
    assert "paused" in skipped[0]["skipped"]
    made = [b for b in index["bundles"] if b["bundle"]]
    assert {b["status"] for b in made if b["scenario"] == "subscription"} == {
        "active",
        "canceled",
        "incomplete",
        "incomplete_expired",
        "past_due",
        "trialing",
        "unpaid",
    }
    for bundle in made:
        manifest = json.loads((out / bundle["bundle"] / "manifest.json").read_text())
        jsonschema.validate(manifest, MANIFEST_SCHEMA)
    assert (
        main(
            [
                "validate",
                "--spec",
                str(SHARED / "spec3.2020-08-27.json"),
                "--spec",
                str(EXCERPT),
                str(out / "signup" / "objects"),
            ]
        )
        == 0
    )
    assert main([*args[:-1], str(tmp_path / "again")]) == 0
    assert tree(out) == tree(tmp_path / "again")


def test_all_refuses_to_skip_silently(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """2020-08-27 has no 'paused' status: without --skip-unsupported nothing is written."""
    out = tmp_path / "all"
    args = ["generate", "--all", "--spec", str(SHARED / "spec3.2020-08-27.json")]
    assert main([*args, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "trial-no-payment-method" in err and "--skip-unsupported" in err
    assert not out.exists()


def test_all_writes_every_bundle_on_dahlia(tmp_path: Path) -> None:
    out = tmp_path / "all"
    spec = str(SHARED / "spec3.2026-05-27.dahlia.json")
    assert main(["generate", "--all", "--spec", spec, "--out", str(out)]) == 0
    index = json.loads((out / "index.json").read_text())
    assert len(index["bundles"]) == 24 and all(b["bundle"] for b in index["bundles"])
    assert main(["validate", "--spec", spec, *(str(p) for p in sorted(out.glob("*/objects")))]) == 0
