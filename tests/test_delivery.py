from __future__ import annotations

import http.server
import json
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
import stripe

from conftest import EXCERPT, SHARED, loopback_server, spec_for
from stripe_contracts.errors import InvalidArgument
from stripe_contracts.scenarios import build_events, run_flow
from stripe_contracts.webhooks.delivery import deliver, out_of_order
from stripe_contracts.webhooks.tester import WebhookAssertionError, WebhookTester

SECRET = "whsec_delivery_test"
pytest_plugins = ["pytester"]


@pytest.fixture(scope="module")
def events() -> list[dict[str, Any]]:
    spec = spec_for("2023-08-16")
    return build_events(run_flow("signup", spec, seed=8).states, spec)


class Shop:
    """A small, correct handler: verifies with the official library, dedupes by event id, and
    lets no older event overwrite a newer one."""

    def __init__(self) -> None:
        self.seen: set[str] = set()
        self.subscriptions: dict[str, tuple[int, str]] = {}  # id -> (event.created, status)

    def handle(self, payload: bytes, signature: str | None) -> tuple[int, bytes]:
        try:
            event = stripe.Webhook.construct_event(payload.decode(), signature or "", SECRET)
        except (ValueError, stripe.SignatureVerificationError) as exc:
            return 400, str(exc).encode()
        if event["id"] in self.seen:
            return 200, b"duplicate"
        self.seen.add(event["id"])
        obj = event["data"]["object"]
        if event["type"].startswith("customer.subscription."):
            held = self.subscriptions.get(obj["id"], (0, ""))
            if held[0] <= event["created"]:  # an older event arriving late never wins
                self.subscriptions[obj["id"]] = (event["created"], obj["status"])
        return 200, b"ok"

    def reset(self) -> None:
        self.seen.clear()
        self.subscriptions.clear()

    def __call__(self, payload: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        return self.handle(payload, headers.get("Stripe-Signature"))

    def wsgi(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        body = environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"]))
        status, text = self.handle(body, environ.get("HTTP_STRIPE_SIGNATURE"))
        start_response(f"{status} {'OK' if status == 200 else 'Bad Request'}", [])
        return [text]

    async def asgi(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        message = await receive()
        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        status, text = self.handle(message["body"], headers.get("stripe-signature"))
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": text})


@pytest.fixture
def served() -> Iterator[tuple[str, Shop]]:
    shop = Shop()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            status, text = shop.handle(body, self.headers.get("Stripe-Signature"))
            self.send_response(status)
            self.end_headers()
            self.wfile.write(text)

        def log_message(self, *args: object) -> None:
            pass

    with loopback_server(Handler) as base:
        yield f"{base}/webhooks", shop


@pytest.mark.parametrize("kind", ["callable", "wsgi", "asgi", "url"])
def test_every_kind_of_handler_gets_every_event_verified_by_stripe(
    kind: str, events: list[dict[str, Any]], served: tuple[str, Shop]
) -> None:
    shop = Shop()
    to = {"callable": shop, "wsgi": shop.wsgi, "asgi": shop.asgi, "url": served[0]}[kind]
    done = deliver(events, to, secret=SECRET)
    assert [d.status for d in done] == [200] * len(events), done[0]
    seen = served[1].seen if kind == "url" else shop.seen
    assert seen == {e["id"] for e in events}
    assert all(d.seconds >= 0 and d.body == b"ok" for d in done)


@pytest.mark.parametrize("variant", ["bad_signature", "expired_timestamp", "missing_header"])
def test_forged_deliveries_are_refused_by_a_verifying_handler(
    variant: str, events: list[dict[str, Any]]
) -> None:
    shop = Shop()
    [done] = deliver(events[:1], shop, secret=SECRET, variant=variant)
    assert done.status == 400 and done.rejected
    assert not shop.seen


def test_duplicates_are_sent_twice_with_the_same_id(events: list[dict[str, Any]]) -> None:
    shop = Shop()
    done = deliver(events[:3], shop, secret=SECRET, variant="duplicate")
    assert [d.event_id for d in done] == [e["id"] for e in events[:3] for _ in range(2)]
    assert [d.body for d in done[:2]] == [b"ok", b"duplicate"]


def test_out_of_order_really_reorders(events: list[dict[str, Any]]) -> None:
    reordered = out_of_order(events, seed=1)
    assert sorted(e["id"] for e in reordered) == sorted(e["id"] for e in events)
    assert reordered != events
    assert out_of_order(events, seed=1) == reordered


def test_signatures_use_the_delivery_clock(events: list[dict[str, Any]]) -> None:
    headers: list[str] = []
    deliver(
        events[:1],
        lambda p, h: headers.append(h["Stripe-Signature"]),
        secret=SECRET,
        clock=lambda: 1_800_000_000,
    )
    assert headers[0].startswith("t=1800000000,v1=")


def test_a_handler_that_raises_is_a_recorded_failure(events: list[dict[str, Any]]) -> None:
    def broken(payload: bytes, headers: dict[str, str]) -> int:
        raise KeyError("subscription")

    [done] = deliver(events[:1], broken, secret=SECRET)
    assert done.status is None and done.error == "KeyError: 'subscription'" and not done.ok


def test_a_slow_asgi_handler_times_out_instead_of_hanging(events: list[dict[str, Any]]) -> None:
    async def slow(scope: Any, receive: Any, send: Any) -> None:
        import asyncio

        await asyncio.sleep(5)

    started = time.perf_counter()
    [done] = deliver(events[:1], slow, secret=SECRET, timeout=0.2)
    assert done.error and "TimeoutError" in done.error
    assert time.perf_counter() - started < 3


@pytest.mark.parametrize(
    ("to", "message"),
    [
        ("https://127.0.0.1/hook", "must be http://"),
        ("http://example.com/hook", "is not on this machine"),
        (42, "is not a handler"),
    ],
)
def test_bad_targets_are_clear_errors(to: Any, message: str, events: list[Any]) -> None:
    with pytest.raises(InvalidArgument, match=message):
        deliver(events[:1], to, secret=SECRET)
    with pytest.raises(InvalidArgument, match="variant='twice' is not allowed"):
        deliver(events[:1], print, secret=SECRET, variant="twice")


def test_tester_assertions_pass_for_a_good_handler(events: list[dict[str, Any]]) -> None:
    shop = Shop()
    tester = WebhookTester(shop, secret=SECRET)
    tester.assert_all_accepted(events)
    tester.assert_idempotent(events, probe=lambda: dict(shop.subscriptions))
    tester.assert_survives_out_of_order(
        events, probe=lambda: dict(shop.subscriptions), reset=shop.reset
    )
    tester.assert_rejects_forgeries(events[0])


def test_tester_assertions_catch_a_careless_handler(events: list[dict[str, Any]]) -> None:
    calls: list[str] = []

    def careless(payload: bytes, headers: dict[str, str]) -> int:
        calls.append(json.loads(payload)["id"])  # no signature check, no dedupe
        return 200

    tester = WebhookTester(careless, secret=SECRET)
    with pytest.raises(WebhookAssertionError, match="changed the handler's state"):
        tester.assert_idempotent(events, probe=lambda: len(calls))
    with pytest.raises(WebhookAssertionError, match=r"3 of 3 deliveries did not get a 4xx"):
        tester.assert_rejects_forgeries(events[0])


def test_fixtures_drive_a_handler_end_to_end(pytester: pytest.Pytester, monkeypatch: Any) -> None:
    monkeypatch.setenv("PYTEST_ADDOPTS", "-p no:xdist -p no:benchmark -p no:cacheprovider")
    pytester.makepyfile(
        """
        import stripe

        SECRET = "whsec_fixture"
        seen = set()

        def handler(payload, headers):
            try:
                event = stripe.Webhook.construct_event(
                    payload.decode(), headers.get("Stripe-Signature", ""), SECRET)
            except Exception:
                return 400
            seen.add(event["id"])
            return 200

        def test_handler(stripe_events, stripe_webhooks):
            events = stripe_events("renewal-failed-unpaid")
            hooks = stripe_webhooks(to=handler, secret=SECRET)
            hooks.assert_all_accepted(events)
            hooks.assert_idempotent(events, probe=lambda: len(seen))
            hooks.assert_survives_out_of_order(
                events, probe=lambda: sorted(seen), reset=seen.clear)
            hooks.assert_rejects_forgeries(events[0])
            updates = [e for e in events if e["type"] == "customer.subscription.updated"]
            assert updates[-1]["data"]["object"]["status"] == "unpaid"
        """
    )
    result = pytester.runpytest(
        f"--stripe-spec={SHARED / 'spec3.2023-08-16.json'}", f"--stripe-spec={EXCERPT}"
    )
    result.assert_outcomes(passed=1)


def test_asgi_delivery_works_from_async_code(events: list[dict[str, Any]]) -> None:
    import asyncio

    shop = Shop()

    async def from_an_async_test() -> list[Any]:
        return deliver(events[:2], shop.asgi, secret=SECRET)

    done = asyncio.run(from_an_async_test())
    assert [d.status for d in done] == [200, 200]


class Recorder(http.server.BaseHTTPRequestHandler):
    """Answers every POST with `answer` (status, headers) and records its request line."""

    answer: tuple[int, dict[str, str]] = (200, {})
    seen: list[str]

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.do_GET()

    def do_GET(self) -> None:
        self.seen.append(f"{self.command} {self.path}")
        status, headers = self.answer
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def recorder(status: int = 200, **headers: str) -> type[Recorder]:
    return type("Recording", (Recorder,), {"answer": (status, headers), "seen": []})


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_is_the_answer_and_is_never_followed(
    status: int, events: list[dict[str, Any]]
) -> None:
    elsewhere = recorder(200)
    with loopback_server(elsewhere) as other:
        redirecting = recorder(status, Location=f"{other}/stolen")
        with loopback_server(redirecting) as base:
            [delivery] = deliver(events[:1], f"{base}/webhooks", secret=SECRET)
    assert redirecting.seen == ["POST /webhooks"]
    assert elsewhere.seen == []  # the signed payload never reached the Location's host
    assert delivery.status == status and not delivery.ok and not delivery.rejected


def test_delivery_ignores_http_proxy_settings(
    events: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    proxy, target = recorder(200), recorder(204)
    with loopback_server(proxy) as proxy_url, loopback_server(target) as base:
        for name in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"):
            monkeypatch.setenv(name, proxy_url)
        for name in ("no_proxy", "NO_PROXY"):
            monkeypatch.delenv(name, raising=False)
        # urlopen's shared opener reads the proxy settings once; make any such opener re-read.
        monkeypatch.setattr(urllib.request, "_opener", None)
        [delivery] = deliver(events[:1], f"{base}/webhooks", secret=SECRET)
    assert proxy.seen == []
    assert target.seen == ["POST /webhooks"] and delivery.status == 204
