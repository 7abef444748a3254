"""Recording and replaying real stripe-python traffic through `cassettes._vcr.open_cassette`.

The cassettes are recorded against a fake Stripe on 127.0.0.1 (`cassettes_support`); nothing
here reaches any other host. Replay runs with that server still up, so "no request left" is
checked by the server itself.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import stripe
import yaml
from cassettes_support.fake_stripe import WEBHOOK_SECRET, FakeStripe, billing_flow

from conftest import spec_for
from stripe_contracts._files import UnwritableOutput
from stripe_contracts.cassettes._vcr import REPLAY_KEY, open_cassette
from stripe_contracts.cassettes.files import CassetteError
from stripe_contracts.cassettes.scrub import LiveKeyRefused, SecretFound, find_secrets
from stripe_contracts.errors import InvalidArgument, StripeContractsError

KEY = "sk_test_" + "51FakeKeyForCassetteTests0000"
LIVE_KEYS = ["sk_live_" + "51FakeLiveKey0000000000", "rk_live_" + "51FakeRestricted00000000"]
CLIENTS = {"requests": stripe.RequestsClient, "urllib": stripe.UrllibClient}


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeStripe]:
    with FakeStripe(spec_for("2023-08-16")).running() as server:
        yield server


@pytest.fixture(autouse=True)
def stripe_globals(fake: FakeStripe, monkeypatch: pytest.MonkeyPatch) -> None:
    fake.reset()
    monkeypatch.setattr(stripe, "api_base", fake.url)
    monkeypatch.setattr(stripe, "api_key", KEY)
    monkeypatch.setattr(stripe, "api_version", "2023-08-16")
    monkeypatch.setattr(stripe, "max_network_retries", 2)
    monkeypatch.setattr(stripe, "default_http_client", None)


def record(path: Path, config: dict[str, Any] | None = None, **kwargs: Any) -> dict[str, Any]:
    with open_cassette(path, record_mode="once", config=config):
        return billing_flow(**kwargs)


def test_stripe_16_sends_through_requests_by_default() -> None:
    assert isinstance(stripe.new_default_http_client(), stripe.RequestsClient)


@pytest.mark.parametrize("client", sorted(CLIENTS))
def test_record_then_replay_the_billing_flow_without_the_network(
    client: str, fake: FakeStripe, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stripe, "default_http_client", CLIENTS[client]())
    path = tmp_path / "flow.yaml"
    recorded = record(path)
    assert recorded["first_page_has_more"] is True  # the list really spans two pages
    assert len(recorded["listed"]) == 4
    sent = [(r.method, r.path) for r in fake.received]
    assert sent == [
        ("POST", "/v1/customers"),
        ("GET", "/v1/customers"),
        ("GET", "/v1/customers"),
        ("POST", "/v1/subscriptions"),
        ("GET", f"/v1/invoices/{recorded['invoice']}"),
    ]
    assert path.is_file()

    fake.reset()
    stripe.set_app_info("a-different-user-agent")  # volatile headers are not matched
    try:
        with open_cassette(path) as cassette:  # default: record mode "none"
            assert billing_flow() == recorded
            assert cassette.play_count == len(cassette) == 5 and cassette.all_played
    finally:
        stripe.app_info = None
    assert fake.received == []


def test_parameter_order_does_not_matter(tmp_path: Path) -> None:
    path = tmp_path / "order.yaml"
    with open_cassette(path, record_mode="once"):
        stripe.Customer.create(email="a@example.com", name="A", metadata={"x": "1", "y": "2"})
    with open_cassette(path):
        stripe.Customer.create(metadata={"y": "2", "x": "1"}, name="A", email="a@example.com")


def test_an_unmatched_request_names_the_closest_recording_and_the_difference(
    fake: FakeStripe, tmp_path: Path
) -> None:
    path = tmp_path / "flow.yaml"
    record(path)
    fake.reset()
    with open_cassette(path), pytest.raises(stripe.APIConnectionError) as failure:
        billing_flow(email="someone.else@example.com")
    message = str(failure.value)
    assert "no recorded interaction matches it" in message
    assert f"POST {fake.url}/v1/customers" in message
    assert (
        "body_params differs: email: 'someone.else@example.com' (recorded 'jane@example.com')"
        in message
    )
    assert fake.received == []


def test_replay_turns_retries_off_and_restores_them(tmp_path: Path) -> None:
    with open_cassette(tmp_path / "none.yaml"):
        assert stripe.max_network_retries == 0
    assert stripe.max_network_retries == 2


def test_pure_replay_needs_no_api_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "flow.yaml"
    record(path)
    monkeypatch.setattr(stripe, "api_key", None)
    with open_cassette(path):
        assert stripe.api_key == REPLAY_KEY
        billing_flow()
    assert stripe.api_key is None


@pytest.mark.parametrize("live", LIVE_KEYS)
def test_recording_with_a_live_key_is_refused_before_anything_is_sent(
    live: str, fake: FakeStripe, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "live.yaml"
    monkeypatch.setattr(stripe, "api_key", live)
    with pytest.raises(LiveKeyRefused, match="refusing to record"):
        record(path)
    monkeypatch.setattr(stripe, "api_key", KEY)
    with (
        open_cassette(path, record_mode="all"),
        pytest.raises(stripe.APIConnectionError, match="refusing to record"),
    ):
        stripe.Customer.create(email="x@example.com", api_key=live)  # per-request key
    assert fake.received == []
    assert list(tmp_path.iterdir()) == []


def test_no_secret_or_credential_reaches_the_disk(
    fake: FakeStripe, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "secrets.yaml"
    with open_cassette(path, record_mode="once"):
        billing_flow()
        stripe.Customer.create(
            description=f"key={KEY} hook={WEBHOOK_SECRET}", stripe_account="acct_1Secret"
        )
        endpoint = stripe.WebhookEndpoint.create(
            url="https://example.com/hook", enabled_events=["invoice.paid"]
        )
        assert endpoint.secret == WEBHOOK_SECRET  # the test itself sees the real response
    received = {name.lower(): value for r in fake.received for name, value in r.headers.items()}
    assert received["authorization"] == f"Bearer {KEY}"
    assert "cookie" in received and received["stripe-account"] == "acct_1Secret"
    for written in tmp_path.rglob("*"):
        text = written.read_text()
        assert find_secrets(text) == []
        for secret in (KEY, WEBHOOK_SECRET, "acct_1Secret", "secret-cookie"):
            assert secret not in text
    interactions = yaml.safe_load(path.read_text())["interactions"]
    for interaction in interactions:
        assert interaction["request"]["headers"]["Authorization"] == ["Bearer <scrubbed>"]
        assert interaction["response"]["headers"]["Set-Cookie"] == ["<scrubbed>"]
    assert interactions[-1]["response"]["body"]["string"].count("whsec-scrubbed") == 1
    assert "key%3Dsk-test-scrubbed+hook%3Dwhsec-scrubbed" in interactions[-2]["request"]["body"]


def test_keys_tokens_card_data_and_tax_ids_never_reach_the_disk(
    fake: FakeStripe, tmp_path: Path
) -> None:
    """What the issue found kept even with scrub_pii: sent as parameters and echoed back."""
    values = {
        "ephemeral": "ek_test_" + "YWNjdF8xTTJKVGtMa2RJd0h1N2l4_00Dd4Z7MVo",
        "client_secret": "pi_3MtwBwLkdIwHu7ix28a3tqPa_secret_YrKJUKribcBjcG8HVhfZluoGH",
        "refresh": "rt_" + "IyIl3HqSdXlQNTvTi5cRUDhhJRM2NalsmEJnA2iFQQLLZbfk",
        "card": "4242424242424242",
        "cvc": "314",
        "account_number": "000123456789",
        "iban": "DE89370400440532013000",
        "tax_id": "DE123456789",
    }
    path = tmp_path / "secrets.yaml"
    with open_cassette(path, record_mode="once", config={"scrub_pii": True}):
        created = stripe.Customer.create(metadata=values)
        assert created["metadata"]["cvc"] == "314"  # the test itself sees the real response
    text = path.read_text()
    assert find_secrets(text) == []
    for value in values.values():
        assert value not in text, value


def test_personal_data_is_faked_consistently_and_still_replays(
    fake: FakeStripe, tmp_path: Path
) -> None:
    path = tmp_path / "pii.yaml"
    config = {"scrub_pii": True}
    record(path, config)
    text = path.read_text()
    people = [
        value
        for customer in fake.customers
        for value in (customer["email"], customer["name"], customer["address"]["line1"])
    ]
    for value in [*people, "jane@example.com", "Jane Doe", "1 Main Street", "4155550123"]:
        assert value not in text
    interactions = yaml.safe_load(text)["interactions"]
    sent = interactions[0]["request"]["body"]
    returned = json.loads(interactions[0]["response"]["body"]["string"])
    fake_email = returned["email"]
    assert fake_email.endswith("@example.com") and f"email={fake_email}".replace("@", "%40") in sent
    fake.reset()
    with open_cassette(path, config=config):
        assert billing_flow()["email"] == fake_email  # same email -> same fake, so it matches
    assert fake.received == []


def test_gzip_responses_are_decoded_before_scrubbing(fake: FakeStripe, tmp_path: Path) -> None:
    path = tmp_path / "flow.yaml"
    record(path)
    invoice = yaml.safe_load(path.read_text())["interactions"][-1]["response"]
    assert "Content-Encoding" not in invoice["headers"]
    assert json.loads(invoice["body"]["string"])["object"] == "invoice"


def test_once_never_overwrites_an_existing_cassette(fake: FakeStripe, tmp_path: Path) -> None:
    path = tmp_path / "flow.yaml"
    record(path)
    before = path.read_bytes()
    fake.reset()
    record(path)  # everything is in the cassette: replayed, nothing written
    with (
        open_cassette(path, record_mode="once"),
        pytest.raises(stripe.APIConnectionError, match="no recorded interaction matches"),
    ):
        stripe.Customer.create(email="new@example.com")
    assert path.read_bytes() == before
    assert fake.received == []


def test_a_cassette_that_appears_while_recording_is_not_clobbered(tmp_path: Path) -> None:
    path = tmp_path / "race.yaml"
    with (
        pytest.raises(CassetteError, match="already exists"),
        open_cassette(path, record_mode="once"),
    ):
        stripe.Customer.create(email="a@example.com")
        path.write_text("written by another xdist worker\n")
    assert path.read_text() == "written by another xdist worker\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["race.yaml"]


def test_new_episodes_adds_and_all_rerecords(fake: FakeStripe, tmp_path: Path) -> None:
    path = tmp_path / "grow.yaml"
    with open_cassette(path, record_mode="once"):
        stripe.Customer.create(email="a@example.com")
    with open_cassette(path, config={"record_mode": "new_episodes"}) as cassette:
        stripe.Customer.create(email="a@example.com")  # replayed
        stripe.Customer.create(email="b@example.com")  # recorded
        assert cassette.record_mode == "new_episodes"
    assert len(yaml.safe_load(path.read_text())["interactions"]) == 2
    assert len(fake.received) == 2
    with open_cassette(path, record_mode="all", config={"drop_unused_requests": True}):
        stripe.Customer.create(email="c@example.com")
    assert len(yaml.safe_load(path.read_text())["interactions"]) == 1


def test_a_discarded_session_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "failed.yaml"
    with open_cassette(path, record_mode="once") as cassette:
        stripe.Customer.create(email="a@example.com")
        cassette.discard()
    assert list(tmp_path.iterdir()) == []


def test_an_exception_in_the_block_writes_nothing(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError), open_cassette(tmp_path / "x.yaml", record_mode="once"):
        stripe.Customer.create(email="a@example.com")
        raise RuntimeError("the test failed")
    assert list(tmp_path.iterdir()) == []


def test_a_failed_write_keeps_the_old_cassette_and_leaves_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "flow.yaml"
    with open_cassette(path, record_mode="once"):
        stripe.Customer.create(email="a@example.com")
    before = path.read_bytes()

    def disk_full(*args: Any) -> None:
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as patched:
        patched.setattr(os, "replace", disk_full)
        with (
            pytest.raises(UnwritableOutput, match="No space left on device"),
            open_cassette(path, record_mode="new_episodes"),
        ):
            stripe.Customer.create(email="b@example.com")
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["flow.yaml"]
    with open_cassette(tmp_path / "next.yaml", record_mode="once") as cassette:
        stripe.Customer.create(email="c@example.com")  # recorded here, not in the old one
        assert len(cassette) == 1
    assert (tmp_path / "next.yaml").is_file()


def test_a_secret_put_back_by_a_save_hook_stops_the_write(tmp_path: Path) -> None:
    def leak(request: Any, response: Any, cassette: Any) -> Any:
        response["body"]["string"] = f'{{"key": "{KEY}"}}'.encode()
        return request, response

    path = tmp_path / "leak.yaml"
    with (
        pytest.raises(SecretFound, match="sk_test") as failure,
        open_cassette(path, record_mode="once", config={"before_save_interaction": leak}),
    ):
        stripe.Customer.create(email="a@example.com")
    assert KEY not in str(failure.value)
    assert list(tmp_path.iterdir()) == []


def test_a_broken_cassette_is_reported_not_recorded_over(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("interactions: [\n")
    with (
        pytest.raises(CassetteError, match="cannot read cassette"),
        open_cassette(path, record_mode="once"),
    ):
        pass
    assert path.read_text() == "interactions: [\n"


def test_config_mistakes_are_reported(tmp_path: Path) -> None:
    with (
        pytest.raises(InvalidArgument, match="record_mode='sometimes'"),
        open_cassette(tmp_path / "x.yaml", record_mode="sometimes"),
    ):
        pass
    with (
        pytest.raises(StripeContractsError, match="must not set persister"),
        open_cassette(tmp_path / "x.yaml", config={"persister": object()}),
    ):
        pass
