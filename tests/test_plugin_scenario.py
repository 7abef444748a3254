"""The `stripe_scenario` fixture, `stripe_events` with scenario files and built scenarios, and the
`stripe_contracts_catalog` ini key (issue 15, item 3), through pytester only."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import SHARED

pytest_plugins = ["pytester"]
DAHLIA = SHARED / "spec3.2026-05-27.dahlia.json"
EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "scenario_files"


@pytest.fixture(autouse=True)
def _plain_inner_runs(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """Inner runs see only this plugin: not xdist, nor a benchmark plugin the machine has."""
    monkeypatch.setenv("PYTEST_ADDOPTS", "-p no:xdist -p no:benchmark -p no:cacheprovider")


def test_help_lists_the_catalog_ini_key(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--help")
    result.stdout.fnmatch_lines(["*stripe_contracts_catalog*"])


def test_stripe_scenario_feeds_webhooks_and_validation(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import stripe

        def test_upgrade(stripe_scenario, stripe_webhooks, assert_stripe_valid, stripe_events):
            s = (
                stripe_scenario.customer(email="jenny.rosen@example.com", name="Jenny Rosen")
                .attach_payment_method(card="success")
                .subscribe(items=[{"price": "standard_monthly", "quantity": 2}])
                .advance(days=10)
                .advance(to="period_end")
            )
            s.expect_event("invoice.paid").expect(subscription={"status": "active"})
            kinds = [e["type"] for e in s.events]
            assert kinds.count("invoice.paid") == 2, kinds  # the first invoice and the renewal
            for obj in s.objects.values():
                assert_stripe_valid(obj)
            assert s.graph.customer["email"] == "jenny.rosen@example.com"
            [item] = s.graph.subscription["items"]["data"]
            assert (item["price"]["lookup_key"], item["quantity"]) == ("standard_monthly", 2)
            seen = []

            def handler(payload, headers):
                event = stripe.Webhook.construct_event(
                    payload, headers["Stripe-Signature"], "whsec_x"
                )
                seen.append(event["type"])
                return 200

            stripe_webhooks(to=handler, secret="whsec_x").assert_all_accepted(s.events)
            assert seen == kinds
            assert stripe_events(s) == s.events
            assert stripe_events(s.scenario) == s.events

        def test_a_wrong_expectation_names_its_step(stripe_scenario):
            s = stripe_scenario.attach_payment_method(card="insufficient_funds")
            s.subscribe(items=[{"price": "standard_monthly"}]).expect(
                subscription={"status": "active"}
            )
            s.events

        def test_a_misspelt_price_names_the_nearest(stripe_scenario):
            stripe_scenario.subscribe(items=[{"price": "standard_montly"}]).events
        """
    )
    result = pytester.runpytest(f"--stripe-spec={DAHLIA}")
    result.assert_outcomes(passed=1, failed=2)
    result.stdout.fnmatch_lines(
        [
            "*<test_a_wrong_expectation_names_its_step>: step 3 (expect): subscription has "
            '{"status": "incomplete"}, expected {"status": "active"}*',
            "*<test_a_misspelt_price_names_the_nearest>: step 1 (subscribe): "
            "items?0?.price: no price*",
            "*did you mean 'standard_monthly'*",
        ]
    )


def test_stripe_scenario_takes_a_second_subscription(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_two(stripe_scenario, assert_stripe_valid, stripe_events):
            s = (
                stripe_scenario.attach_payment_method(card="success")
                .subscribe(items=[{"price": "standard_monthly"}], key="team")
                .advance(days=10)
                .subscribe(items=[{"price": "advanced_monthly"}], key="pro")
                .advance(to="period_end", subscription="team")
                .cancel(subscription="pro")
            )
            subs = [o for o in s.objects.values() if o["object"] == "subscription"]
            assert sorted(x["status"] for x in subs) == ["active", "canceled"]
            for obj in s.objects.values():
                assert_stripe_valid(obj)
            kinds = [e["type"] for e in stripe_events(s)]
            assert kinds.count("customer.subscription.created") == 2

        def test_unknown_subscription(stripe_scenario):
            s = stripe_scenario.attach_payment_method()
            s.subscribe(items=[{"price": "standard_monthly"}], key="team")
            s.cancel(subscription="teams").events
        """
    )
    result = pytester.runpytest(f"--stripe-spec={DAHLIA}")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*<test_unknown_subscription>: step 3 (cancel): subscription: 'teams' is not a "
            "subscription of this customer*",
            "*did you mean 'team'*",
        ]
    )


def test_the_ini_catalog_reaches_stripe_scenario_scenario_files_and_named_flows(
    pytester: pytest.Pytester,
) -> None:
    catalog = (EXAMPLES / "catalog.yaml").read_text().replace("standard_monthly", "pro_monthly")
    pytester.makefile(".yaml", catalog=catalog)
    scenario = (EXAMPLES / "scenario.yaml").read_text()
    scenario = scenario.replace("catalog: catalog.yaml\n", "").replace(
        "standard_monthly", "pro_monthly"
    )
    pytester.makefile(".yaml", journey=scenario)
    pytester.makeini(
        f"""
        [pytest]
        stripe_contracts_spec = {DAHLIA}
        stripe_contracts_catalog = catalog.yaml
        """
    )
    pytester.makepyfile(
        """
        from pathlib import Path

        def test_steps(stripe_scenario):
            s = stripe_scenario.attach_payment_method().subscribe(items=[{"price": "pro_monthly"}])
            assert s.graph.subscription["items"]["data"][0]["price"]["lookup_key"] == "pro_monthly"

        def test_file(stripe_events):
            for source in ("journey.yaml", Path("journey.yaml")):
                events = stripe_events(source)
                deleted = [e for e in events if e["type"] == "customer.subscription.deleted"]
                assert deleted[0]["data"]["object"]["status"] == "canceled"
                failed = [e for e in events if e["type"] == "charge.failed"]
                assert failed[0]["data"]["object"]["outcome"]["reason"] == "insufficient_funds"

        def test_named_flows_bill_from_the_ini_catalog(stripe_events):
            events = stripe_events("upgrade")
            assert events[0]["type"] == "customer.created"
            keys = [
                e["data"]["object"]["items"]["data"][0]["price"]["lookup_key"]
                for e in events
                if e["type"].startswith("customer.subscription.")
            ]
            assert keys[0] == "pro_monthly" and keys[-1] == "advanced_monthly", keys
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=3)
