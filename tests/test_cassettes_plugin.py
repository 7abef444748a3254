"""The stripe_cassette marker and fixtures, exercised through pytester only.

Inner test runs call stripe-python against a fake Stripe on 127.0.0.1 started here; the
fake's URL and the test key reach them through environment variables, so no file in the
inner project contains the key - which lets the tests scan every file for secrets.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import stripe
import vcr
from cassettes_support.fake_stripe import FakeStripe

from conftest import spec_for
from stripe_contracts.cassettes.scrub import find_secrets

pytest_plugins = ["pytester"]
# In-process pytester runs drop modules an inner run imported first; importing these here keeps
# one copy of stripe, requests and vcrpy for every inner run.
SHARED_MODULES = (stripe, vcr)

KEY = "sk_test_" + "51PluginTestsKey00000000"
LIVE_KEY = "sk_live_" + "51PluginTestsLive0000000"

CONFTEST = """
import os

import pytest
import stripe


@pytest.fixture(autouse=True)
def _fake_stripe(monkeypatch):
    monkeypatch.setattr(stripe, "api_base", os.environ["FAKE_STRIPE_URL"])
    monkeypatch.setattr(stripe, "api_key", os.environ.get("FAKE_STRIPE_KEY"))
    monkeypatch.setattr(stripe, "api_version", "2023-08-16")
    monkeypatch.setattr(stripe, "default_http_client", None)
"""

TESTS = """
import pytest
import stripe


@pytest.mark.stripe_cassette("signup")
def test_signup():
    assert stripe.max_network_retries == 0
    customer = stripe.Customer.create(email="{email}", name="Jane Doe")
    assert customer.email.endswith("@example.com")
    assert customer.id in [c.id for c in stripe.Customer.list(limit=2).auto_paging_iter()]


def test_named_after_the_test(stripe_cassette):
    assert stripe_cassette.path.name == "test_named_after_the_test.yaml"
    assert stripe_cassette.path.parent.name == "test_flow"
    assert stripe.Invoice.retrieve("{invoice}").status == "paid"


def test_retries_are_restored_after_a_cassette():
    assert stripe.max_network_retries == 2
"""


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeStripe]:
    with FakeStripe(spec_for("2023-08-16")).running() as server:
        yield server


@pytest.fixture(autouse=True)
def _inner_environment(
    fake: FakeStripe, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Inner runs see only this plugin: not xdist, nor a benchmark plugin the machine has."""
    fake.reset()
    monkeypatch.setenv("PYTEST_ADDOPTS", "-p no:xdist -p no:benchmark -p no:cacheprovider")
    monkeypatch.setenv("FAKE_STRIPE_URL", fake.url)
    monkeypatch.setenv("FAKE_STRIPE_KEY", KEY)
    pytester.makeconftest(CONFTEST)


def flow(pytester: pytest.Pytester, fake: FakeStripe, email: str = "jane@example.com") -> None:
    invoice = next(i for i, o in fake.objects.items() if o["object"] == "invoice")
    pytester.makepyfile(test_flow=TESTS.format(email=email, invoice=invoice))


def written(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): path.read_text()
        for path in sorted(root.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }


def test_help_lists_the_cassette_options_and_the_marker(pytester: pytest.Pytester) -> None:
    pytester.runpytest("--help").stdout.fnmatch_lines(
        [
            "*--stripe-record-mode={none,once,new_episodes,all}*",
            "*stripe_contracts_cassette_dir*",
        ]
    )
    pytester.runpytest("--markers").stdout.fnmatch_lines(
        ["@pytest.mark.stripe_cassette(name=None, **vcr_options): *"]
    )


def test_record_once_then_replay_offline(pytester: pytest.Pytester, fake: FakeStripe) -> None:
    flow(pytester, fake)
    pytester.runpytest("--stripe-record-mode=once").assert_outcomes(passed=3)
    assert len(fake.received) == 4
    files = written(pytester.path)
    assert {"cassettes/signup.yaml", "cassettes/test_flow/test_named_after_the_test.yaml"} < set(
        files
    )
    for name, text in files.items():
        assert KEY not in text and find_secrets(text) == [], name
        assert "secret-cookie" not in text, name

    fake.reset()
    pytester.runpytest().assert_outcomes(passed=3)  # default: --stripe-record-mode=none
    assert fake.received == []
    assert written(pytester.path) == files


def test_an_unmatched_request_fails_with_the_difference(
    pytester: pytest.Pytester, fake: FakeStripe
) -> None:
    flow(pytester, fake)
    pytester.runpytest("--stripe-record-mode=once").assert_outcomes(passed=3)
    before = written(pytester.path)
    fake.reset()
    flow(pytester, fake, email="other@example.com")
    for mode in ("none", "once"):
        result = pytester.runpytest(f"--stripe-record-mode={mode}")
        result.assert_outcomes(passed=2, failed=1)
        result.stdout.fnmatch_lines(
            [
                "*no recorded interaction matches it*",
                "*body_params differs: email: 'other@example.com' (recorded 'jane@example.com')*",
                "*stripe-contracts*",
                "a request is not in the cassette: record it with "
                "--stripe-record-mode=new_episodes (or =all to re-record)",
            ]
        )
    assert fake.received == []
    after = written(pytester.path)
    assert after.pop("test_flow.py") != before.pop("test_flow.py")
    assert after == before  # the existing cassettes were not touched


def test_a_failing_test_writes_no_cassette(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest
        import stripe

        @pytest.mark.stripe_cassette("half")
        def test_fails_after_a_request():
            stripe.Customer.create(email="a@example.com")
            assert False, "the code under test is broken"
        """
    )
    pytester.runpytest("--stripe-record-mode=once").assert_outcomes(failed=1)
    assert not (pytester.path / "cassettes").exists()


def test_recording_with_a_live_key_is_refused(
    pytester: pytest.Pytester, fake: FakeStripe, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_STRIPE_KEY", LIVE_KEY)
    flow(pytester, fake)
    result = pytester.runpytest("--stripe-record-mode=once")
    result.assert_outcomes(passed=1, errors=2)
    result.stdout.fnmatch_lines(["*LiveKeyRefused: refusing to record*stripe.api_key*"])
    assert fake.received == []
    assert not (pytester.path / "cassettes").exists()


def test_ini_directory_and_a_user_config_fixture(
    pytester: pytest.Pytester, fake: FakeStripe
) -> None:
    pytester.makeini("[pytest]\nstripe_contracts_cassette_dir = recordings/stripe\n")
    pytester.makeconftest(
        CONFTEST
        + """

@pytest.fixture
def stripe_vcr_config():
    return {"scrub_pii": True}
"""
    )
    flow(pytester, fake)
    pytester.runpytest("--stripe-record-mode=once").assert_outcomes(passed=3)
    text = (pytester.path / "recordings/stripe/signup.yaml").read_text()
    assert "jane@example.com" not in text and "Jane Doe" not in text
    fake.reset()
    pytester.runpytest().assert_outcomes(passed=3)
    assert fake.received == []


def test_replay_under_xdist(
    pytester: pytest.Pytester, fake: FakeStripe, monkeypatch: pytest.MonkeyPatch
) -> None:
    flow(pytester, fake)
    pytester.runpytest("--stripe-record-mode=once").assert_outcomes(passed=3)
    fake.reset()
    monkeypatch.setenv("PYTEST_ADDOPTS", "-p no:benchmark -p no:cacheprovider")
    pytester.runpytest("-n", "2").assert_outcomes(passed=3)
    assert fake.received == []


def test_marker_options_reach_vcrpy(pytester: pytest.Pytester, fake: FakeStripe) -> None:
    pytester.makepyfile(
        """
        import pytest
        import stripe

        @pytest.mark.stripe_cassette("twice", allow_playback_repeats=True)
        def test_same_request_twice(stripe_cassette):
            first = stripe.Customer.retrieve("{customer}")
            assert stripe.Customer.retrieve("{customer}").id == first.id
            assert stripe_cassette.requests == [("GET", "{url}/v1/customers/{customer}")]
        """.replace("{customer}", fake.customers[0]["id"]).replace("{url}", fake.url)
    )
    pytester.runpytest("--stripe-record-mode=once").assert_outcomes(passed=1)
    assert len(fake.received) == 1
    pytester.runpytest().assert_outcomes(passed=1)
    assert len(fake.received) == 1
