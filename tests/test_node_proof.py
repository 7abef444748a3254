"""Bundles checked from Node with the official `stripe` npm package (tests/node/).

`tests/node/verify_bundle.mjs` runs `stripe.webhooks.constructEvent` over every event's exact
bytes and its manifest `Stripe-Signature`, proves stale, tampered and wrong-secret deliveries are
rejected, parses every object file and resolves every Stripe id the bundle mentions. These tests
never skip: without Node or `tests/node/node_modules` they fail and say how to install them.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import EXCERPT, SHARED
from stripe_contracts.cli import main

NODE_DIR = Path(__file__).resolve().parent / "node"
SCRIPT = NODE_DIR / "verify_bundle.mjs"
SECRET = "whsec_node_proof_secret"
INSTALL = "run `npm ci --prefix tests/node` (Node >= 20) from the repository root"

Verify = Callable[..., tuple[int, dict[str, Any]]]


def _missing(node: str | None, pinned: str) -> str | None:
    """Why the Node checker cannot run, or None."""
    if node is None:
        return f"`node` is not on PATH: install Node >= 20, then {INSTALL}"
    installed = NODE_DIR / "node_modules" / "stripe" / "package.json"
    if not installed.is_file():
        return f"the stripe npm package is not installed in tests/node: {INSTALL}"
    if json.loads(installed.read_text())["version"] != pinned:
        return f"tests/node/node_modules holds another stripe than the pinned {pinned}: {INSTALL}"
    return None


@pytest.fixture(scope="module")
def verify() -> Verify:
    """Run verify_bundle.mjs; a missing Node or npm install fails the test (never skips)."""
    node = shutil.which("node")
    pinned = json.loads((NODE_DIR / "package.json").read_text())["dependencies"]["stripe"]
    problem = _missing(node, pinned)

    def run(bundle: Path, secret: str = SECRET) -> tuple[int, dict[str, Any]]:
        if problem is not None or node is None:
            pytest.fail(problem, pytrace=False)
        done = subprocess.run(
            [node, str(SCRIPT), str(bundle), secret],
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        assert done.returncode in (0, 1), done.stderr
        summary: dict[str, Any] = json.loads(done.stdout)
        assert summary["stripe_node"] == pinned
        return done.returncode, summary

    return run


def generate(out: Path, scenario: str, version: str = "2023-08-16", seed: int = 0) -> Path:
    spec = ["--spec", str(SHARED / f"spec3.{version}.json"), "--spec", str(EXCERPT)]
    args = ["generate", scenario, *spec, "--seed", str(seed), "--webhook-secret", SECRET]
    assert main([*args, "--out", str(out)]) == 0
    return out


def manifest_of(bundle: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((bundle / "manifest.json").read_text())
    return data


CASES = [
    *(
        pytest.param(name, "2023-08-16", id=name)
        for name in (
            "signup",
            "signup-3ds",
            "signup-declined",
            "renewal",
            "renewal-failed-unpaid",
            "renewal-failed-recovered",
            "trial",
            "upgrade",
            "downgrade",
            "cancel-at-period-end",
            "one-off-invoice",
        )
    ),
    *(
        pytest.param(name, version, id=f"{name}-{version}")
        for name in ("signup", "renewal-failed-unpaid", "upgrade", "trial")
        for version in ("2020-08-27", "2026-05-27.dahlia")
    ),
]


@pytest.mark.parametrize(("scenario", "version"), CASES)
def test_stripe_node_accepts_every_event_and_resolves_every_id(
    verify: Verify, tmp_path: Path, scenario: str, version: str
) -> None:
    bundle = generate(tmp_path / "bundle", scenario, version)
    manifest = manifest_of(bundle)
    code, summary = verify(bundle)
    assert code == 0 and summary["ok"], summary["failures"]
    assert (summary["scenario"], summary["api_version"]) == (scenario, version)
    assert summary["objects"] == {
        "files": len(manifest["objects"]),
        "parsed": len(manifest["objects"]),
    }
    n = len(manifest["events"])
    assert n > 0
    assert summary["events"] == {
        "count": n,
        "accepted": n,
        "stale_rejected": n,
        "tampered_rejected": n,
        "wrong_secret_rejected": n,
    }
    refs = summary["references"]
    assert refs["unresolved"] == 0 and refs["checked"] > len(manifest["objects"])
    assert refs["checked"] == refs["to_objects"] + refs["to_event_objects"]
    assert {"cus", "in", "pi", "ch"} <= set(summary["prefixes"])


def test_every_reference_of_a_renewal_resolves_to_a_bundle_object(
    verify: Verify, tmp_path: Path
) -> None:
    # A handler re-fetches by id: the paid first invoice of a renewal, its PaymentIntent and
    # the charges of declined retries are objects of the bundle, not only event payloads.
    _, summary = verify(generate(tmp_path / "b", "renewal-failed-unpaid"))
    references = summary["references"]
    assert summary["ok"] and references["to_objects"] == references["checked"] > 0


def test_the_wrong_secret_fails_every_event(verify: Verify, tmp_path: Path) -> None:
    bundle = generate(tmp_path / "b", "signup")
    code, summary = verify(bundle, "whsec_not_the_bundle_secret")
    assert code == 1 and not summary["ok"]
    assert summary["events"]["accepted"] == 0
    failed = {f["file"] for f in summary["failures"] if f["check"] == "constructEvent"}
    assert failed == {e["file"] for e in manifest_of(bundle)["events"]}
    assert all("No signatures found matching" in f["message"] for f in summary["failures"])


def test_an_edited_event_file_is_caught(verify: Verify, tmp_path: Path) -> None:
    bundle = generate(tmp_path / "b", "signup")
    first = manifest_of(bundle)["events"][0]["file"]
    raw = (bundle / first).read_bytes()
    (bundle / first).write_bytes(raw.replace(b'"livemode": false', b'"livemode": true '))
    code, summary = verify(bundle)
    assert code == 1
    assert [(f["file"], f["check"]) for f in summary["failures"]] == [(first, "constructEvent")]
    assert summary["events"]["accepted"] == summary["events"]["count"] - 1


def test_a_dangling_id_and_an_unparsable_object_are_caught(verify: Verify, tmp_path: Path) -> None:
    bundle = generate(tmp_path / "b", "signup")
    manifest = manifest_of(bundle)
    [charge] = [e for e in manifest["objects"] if e["object"] == "charge"]
    [customer] = [e for e in manifest["objects"] if e["object"] == "customer"]
    manifest["objects"].remove(charge)
    (bundle / "manifest.json").write_text(json.dumps(manifest))
    (bundle / customer["file"]).write_text("{not json")
    code, summary = verify(bundle)
    assert code == 1
    checks = {f["check"] for f in summary["failures"]}
    assert checks == {"parse", "reference"}
    dangling = [f for f in summary["failures"] if f["check"] == "reference"]
    assert all(charge["id"] in f["message"] for f in dangling)
    assert any(f["file"].startswith("objects/") for f in dangling)
    assert summary["objects"]["parsed"] == summary["objects"]["files"] - 1


def test_stripe_node_accepts_a_scenario_files_bundle(verify: Verify, tmp_path: Path) -> None:
    scenario = Path(__file__).resolve().parent.parent / "examples/scenario_files/scenario.yaml"
    out = tmp_path / "bundle"
    spec = ["--spec", str(SHARED / "spec3.2026-05-27.dahlia.json")]
    args = ["generate", "--scenario-file", str(scenario), *spec, "--webhook-secret", SECRET]
    assert main([*args, "--out", str(out)]) == 0
    code, summary = verify(out)
    references = summary["references"]
    # every id resolves to a bundle object but an upcoming-invoice preview's own id: a
    # preview is not an object Stripe returns by id (the create-preview response)
    previews = [e for e in manifest_of(out)["events"] if e["type"] == "invoice.upcoming"]
    assert code == 0 and summary["ok"] and references["unresolved"] == 0
    assert references["to_event_objects"] == len(previews) == 1
    assert references["to_objects"] == references["checked"] - len(previews) > 0


def test_stripe_node_accepts_a_bundle_of_two_subscriptions(verify: Verify, tmp_path: Path) -> None:
    scenario = Path(__file__).resolve().parent.parent / "examples/scenario_files"
    out = tmp_path / "bundle"
    spec = ["--spec", str(SHARED / "spec3.2026-05-27.dahlia.json")]
    args = ["generate", "--scenario-file", str(scenario / "two_subscriptions.yaml"), *spec]
    assert main([*args, "--webhook-secret", SECRET, "--out", str(out)]) == 0
    code, summary = verify(out)
    references = summary["references"]
    previews = [e for e in manifest_of(out)["events"] if e["type"] == "invoice.upcoming"]
    assert code == 0 and summary["ok"] and references["unresolved"] == 0
    assert references["to_event_objects"] == len(previews) == 2  # one per subscription
    kinds = [o["object"] for o in manifest_of(out)["objects"]]
    assert kinds.count("subscription") == 2
