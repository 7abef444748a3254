"""A scenario file as an end-to-end test of the user's app (issue 15, item 5): each step's events
delivered, signed, after the step; `check` steps probe the app between steps; the first failing
step is named. The app is a small Flask app that records subscription status and entitlements."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest
import stripe
from flask import Flask, jsonify, request

from conftest import SHARED, spec_for
from stripe_contracts.cli import main
from stripe_contracts.scenarios import build_events
from stripe_contracts.scenarios.files import (
    StepExpectationFailed,
    UserFileError,
    load_scenario_file,
    run_scenario_file,
)
from stripe_contracts.webhooks.scenario_run import run_against_app

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "scenario_files"
DAHLIA = str(SHARED / "spec3.2026-05-27.dahlia.json")
SECRET = "whsec_e2e_test"


def billing_app(*, ignore: tuple[str, ...] = (), secret: str = SECRET) -> Flask:
    """Records each customer's status (from subscription and invoice events) and entitlements;
    `ignore` lists event types it acknowledges without acting on them."""
    app = Flask("billing")
    state: dict[str, dict[str, Any]] = {}
    app.extensions["state"] = state
    status_of = {"invoice.paid": "active", "invoice.payment_failed": "past_due"}

    @app.post("/webhooks/stripe")
    def webhook() -> Any:
        try:
            event = stripe.Webhook.construct_event(
                request.get_data(), request.headers.get("Stripe-Signature", ""), secret
            ).to_dict()
        except stripe.SignatureVerificationError as exc:
            return jsonify(error=str(exc)), 400
        kind, obj = event["type"], event["data"]["object"]
        if kind in ignore or "customer" not in obj:
            return jsonify(received=True)
        record = state.setdefault(obj["customer"], {})
        if kind == "customer.subscription.created":
            record["status"] = obj["status"]
        elif kind == "customer.subscription.deleted":
            record["status"] = "canceled"
        elif kind in status_of:
            record["status"] = status_of[kind]
        elif kind == "entitlements.active_entitlement_summary.updated":
            record["entitlements"] = sorted(e["lookup_key"] for e in obj["entitlements"]["data"])
        return jsonify(received=True)

    @app.get("/state/<customer>")
    def show(customer: str) -> Any:
        return jsonify(state.get(customer, {}))

    return app


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serving(app: Flask) -> Iterator[str]:
    """The app on real loopback HTTP (a free port) while the block runs; its webhook URL."""
    server = make_server("127.0.0.1", 0, app, handler_class=_Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/webhooks/stripe"
    finally:
        server.shutdown()
        server.server_close()


def run_cli(url: str, path: Path = EXAMPLES / "e2e.yaml", secret: str = SECRET) -> int:
    args = ["run-scenario", str(path), "--deliver-to", url, "--spec", DAHLIA]
    return main([*args, "--webhook-secret", secret])


def test_the_e2e_scenario_passes_against_a_correct_app_over_http(
    capsys: pytest.CaptureFixture[str],
) -> None:
    app = billing_app()
    with serving(app) as url:
        assert run_cli(url) == 0
    out = capsys.readouterr().out
    assert "passed: 21 steps" in out
    assert "step 10 (advance): ok, delivered invoice.upcoming, invoice.created" in out
    [record] = app.extensions["state"].values()
    assert record == {"status": "canceled", "entitlements": []}


def test_an_app_that_ignores_payment_failed_fails_at_the_past_due_check(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with serving(billing_app(ignore=("invoice.payment_failed",))) as url:
        assert run_cli(url) == 1
    out = capsys.readouterr().out
    assert "FAILED" in out and "e2e.yaml: step 13 (check)" in out
    assert '{"status": "active"}, expected {"status": "past_due"}' in out
    assert "passed" not in out


def test_an_app_with_another_secret_fails_at_the_first_step_naming_the_event(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with serving(billing_app()) as url:
        assert run_cli(url, secret="whsec_not_the_apps") == 1
    out = capsys.readouterr().out
    assert "step 1 (attach_payment_method): the app did not accept 3 of 3 events" in out
    assert "customer.created evt_" in out and "answered 400" in out


def _scenario(tmp_path: Path, *steps: str) -> Path:
    (tmp_path / "catalog.yaml").write_text((EXAMPLES / "catalog.yaml").read_text())
    lines = ["catalog: catalog.yaml", "steps:", *(f"  - {s}" for s in steps)]
    (tmp_path / "scenario.yaml").write_text("\n".join(lines) + "\n")
    return tmp_path / "scenario.yaml"


@pytest.mark.parametrize(
    ("deliver_to", "step", "message"),
    [
        ("http://example.com/hook", "advance: {days: 1}", "'http://example.com/hook' is not on"),
        ("APP", 'check: {get: "http://10.0.0.1/state"}', "step 2 (check): check URL*not on"),
        ("APP", "check: {expect: {status: active}}", "step 2 (check)*get*call*found neither"),
        ("APP", "check: {get: /x, call: y}", "step 2 (check)*get*call*not both"),
        ("APP", "check: {get: /x, expct: {}}", "step 2 check*unknown key 'expct'*'expect'"),
    ],
)
def test_unusable_targets_and_checks_exit_2_naming_the_step(
    deliver_to: str,
    step: str,
    message: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import fnmatch

    path = _scenario(tmp_path, "attach_payment_method: {card: success}", step)
    with serving(billing_app()) as url:
        assert run_cli(url if deliver_to == "APP" else deliver_to, path) == 2
    err = capsys.readouterr().err
    assert fnmatch.fnmatch(err.replace("\n", " "), f"*{message}*"), err
    assert "Traceback" not in err


def test_in_python_a_wsgi_app_and_callable_checks(tmp_path: Path) -> None:
    app = billing_app()
    state = app.extensions["state"]

    def status(scenario: Any) -> Any:
        customer = next(o for o in scenario.current.objects.values() if o["object"] == "customer")
        return state.get(customer["id"], {})

    def never(scenario: Any) -> Any:
        raise AssertionError("the app sent no welcome email")

    path = _scenario(
        tmp_path,
        "card: success",
        "subscribe: {items: [{price: advanced_monthly, quantity: 2}]}",
        "check: {call: status, expect: {status: active}}",
        "cancel: {}",
        "check: {call: status, expect: {status: canceled}}",
        "check: {call: welcome_email}",
    )
    spec = spec_for("2026-05-27.dahlia")
    checks = {"status": status, "welcome_email": never}
    scenario_file = load_scenario_file(path)
    with pytest.raises(StepExpectationFailed, match=r"step 6 \(check\).*no welcome email"):
        run_against_app(scenario_file, spec, deliver_to=app, secret=SECRET, checks=checks)
    assert [r["status"] for r in state.values()] == ["canceled"]
    misspelt = {"stats": status}
    wrong = r"(?s)step 3 \(check\).*'status'.*did you mean 'stats'"
    with pytest.raises(UserFileError, match=wrong):
        run_against_app(scenario_file, spec, deliver_to=app, secret=SECRET, checks=misspelt)


def test_each_steps_events_are_delivered_signed_after_it_and_add_up_to_the_whole(
    tmp_path: Path,
) -> None:
    received: list[str] = []

    def handler(payload: bytes, headers: dict[str, str]) -> int:
        event = stripe.Webhook.construct_event(payload, headers["Stripe-Signature"], SECRET)
        received.append(event["id"])
        return 200

    spec = spec_for("2026-05-27.dahlia")
    scenario_file = load_scenario_file(EXAMPLES / "scenario.yaml")
    run = run_against_app(scenario_file, spec, deliver_to=handler, secret=SECRET, seed=5)
    whole = build_events(run_scenario_file(scenario_file, spec, seed=5).states, spec)
    assert received == [e["id"] for e in whole]
    per_step = [[d.event_id for d in step.deliveries] for step in run.steps]
    assert [i for ids in per_step for i in ids] == [e["id"] for e in whole]
    # the renewal that fails (step 6) sends its events then, not before or after
    assert any(
        d.event_type == "invoice.payment_failed" for d in run.steps[5].deliveries
    ) and not any(d.event_type == "invoice.payment_failed" for d in run.steps[4].deliveries)


def test_generate_passes_over_check_steps(tmp_path: Path) -> None:
    out = tmp_path / "b"
    args = ["generate", "--scenario-file", str(EXAMPLES / "e2e.yaml"), "--spec", DAHLIA]
    assert main([*args, "--out", str(out)]) == 0
    assert (out / "manifest.json").is_file()


def test_the_same_file_runs_in_python_against_the_wsgi_app_its_checks_get_from() -> None:
    spec = spec_for("2026-05-27.dahlia")
    scenario_file = load_scenario_file(EXAMPLES / "e2e.yaml")
    run = run_against_app(scenario_file, spec, deliver_to=billing_app(), secret=SECRET)
    assert [s.answer for s in run.steps if s.verb == "check"][-1] == {
        "status": "canceled",
        "entitlements": [],
    }
    ignoring = billing_app(ignore=("invoice.payment_failed",))
    with pytest.raises(StepExpectationFailed, match=r"step 13 \(check\): GET /state/cus_"):
        run_against_app(scenario_file, spec, deliver_to=ignoring, secret=SECRET)

    def handler(payload: bytes, headers: dict[str, str]) -> int:
        return 200

    with pytest.raises(UserFileError, match=r"step 4 \(check\).*plain handler callable"):
        run_against_app(scenario_file, spec, deliver_to=handler, secret=SECRET)


def test_scenario_steps_built_in_python_run_against_the_app() -> None:
    from stripe_contracts.scenarios.steps import ScenarioSteps

    spec = spec_for("2026-05-27.dahlia")
    steps = (
        ScenarioSteps(spec, name="upgrade")
        .attach_payment_method(card="success")
        .subscribe(items=[{"price": "standard_monthly"}])
        .check(get="/state/{customer}", expect={"entitlements": ["basic_features"]})
        .change_price("advanced_monthly")
        .check(get="/state/{customer}", expect={"entitlements": ["basic_features"]})
    )
    with pytest.raises(StepExpectationFailed, match=r"<upgrade>: step 5 \(check\)"):
        run_against_app(steps.as_file(), spec, deliver_to=billing_app(), secret=SECRET)
    assert steps.events[-1]["type"] == "entitlements.active_entitlement_summary.updated"
