"""A tiny fake of Stripe's v1 API on 127.0.0.1, for recording test cassettes offline.

It answers the handful of endpoints the cassette tests call with objects from the graph
builder (so they validate against the spec) and remembers every request it received.
Loopback only, short socket timeouts, shut down by the context manager.
"""

from __future__ import annotations

import copy
import gzip
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from stripe_contracts.cassettes.form import decode_form
from stripe_contracts.graph.builder import GraphBuilder
from stripe_contracts.spec import Spec
from stripe_contracts.spec.skeleton import skeleton

WEBHOOK_SECRET = "whsec_" + "Fake0Webhook0Secret0For0Tests"


@dataclass
class Received:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes


@dataclass
class FakeStripe:
    spec: Spec
    url: str = ""
    received: list[Received] = field(default_factory=list)
    customers: list[dict[str, Any]] = field(default_factory=list)
    objects: dict[str, dict[str, Any]] = field(default_factory=dict)

    def handle(self, request: Received) -> tuple[int, dict[str, Any]]:
        params = decode_form(request.body or request.query)
        parts = request.path.strip("/").split("/")
        if request.method == "POST" and parts == ["v1", "customers"]:
            customer = copy.deepcopy(self.customers[0])
            customer["id"] = f"cus_created{len(self.customers)}"
            for name in ("email", "name", "phone", "description"):
                if isinstance(params.get(name), str):
                    customer[name] = params[name]
            if isinstance(params.get("address"), dict):
                customer["address"] = {**customer["address"], **params["address"]}
            if isinstance(params.get("metadata"), dict):
                customer["metadata"] = params["metadata"]
            self.customers.append(customer)
            return 200, customer
        if request.method == "GET" and parts == ["v1", "customers"]:
            limit = int(params.get("limit", 10))
            after = params.get("starting_after")
            ids = [c["id"] for c in self.customers]
            start = ids.index(after) + 1 if after in ids else 0
            page = self.customers[start : start + limit]
            more = start + limit < len(self.customers)
            return 200, {"object": "list", "data": page, "has_more": more, "url": "/v1/customers"}
        if request.method == "GET" and len(parts) == 3 and parts[2] in self.objects:
            return 200, self.objects[parts[2]]
        if request.method == "POST" and parts == ["v1", "subscriptions"]:
            expand = params.get("expand") or []
            graph = GraphBuilder(spec=self.spec, seed=3).subscription(expand=expand)
            self.objects.update(graph.objects)
            return 200, graph.subscription
        if request.method == "POST" and parts == ["v1", "webhook_endpoints"]:
            endpoint = skeleton(self.spec, "webhook_endpoint")
            endpoint.update(
                id="we_1", url=params.get("url", ""), status="enabled", secret=WEBHOOK_SECRET
            )
            endpoint["enabled_events"] = params.get("enabled_events", [])
            return 200, endpoint
        error = {
            "type": "invalid_request_error",
            "message": f"Unrecognized request URL ({request.method}: {request.path})",
        }
        return 404, {"error": error}

    def reset(self) -> None:
        """Forget requests and created customers: three seeded customers again."""
        self.received.clear()
        del self.customers[3:]

    @contextmanager
    def running(self) -> Iterator[FakeStripe]:
        builder = GraphBuilder(spec=self.spec, seed=11)
        for seed in range(3):
            graph = builder.subscription(seed=seed)
            self.customers.append(graph.customer)
            self.objects.update(graph.objects)
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        server.timeout = 5
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
        thread.daemon = True
        thread.start()
        self.url = f"http://127.0.0.1:{server.server_address[1]}"
        try:
            yield self
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)


def _handler(fake: FakeStripe) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        timeout = 5

        def _serve(self) -> None:
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            received = Received(
                method=self.command,
                path=url.path,
                query=url.query,
                headers=dict(self.headers.items()),
                body=self.rfile.read(length),
            )
            fake.received.append(received)
            status, payload = fake.handle(received)
            body = json.dumps(payload, indent=2).encode()
            gzipped = "gzip" in (self.headers.get("Accept-Encoding") or "") and url.path.startswith(
                "/v1/invoices"
            )
            if gzipped:
                body = gzip.compress(body)
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Request-Id", f"req_{len(fake.received)}")
            self.send_header("Set-Cookie", "__stripe_orig_props=secret-cookie; path=/")
            if gzipped:
                self.send_header("Content-Encoding", "gzip")
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_DELETE = _serve

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


def billing_flow(email: str = "jane@example.com") -> dict[str, Any]:
    """Real stripe-python calls: create, list across two pages, create expanded, retrieve."""
    import stripe

    customer = stripe.Customer.create(
        email=email,
        name="Jane Doe",
        phone="+14155550123",
        address={"line1": "1 Main Street", "city": "Springfield", "postal_code": "97477"},
        metadata={"plan": "pro"},
    )
    pages = stripe.Customer.list(limit=2)
    listed = [c.id for c in pages.auto_paging_iter()]
    subscription = stripe.Subscription.create(
        customer=customer.id,
        items=[{"price": "price_1"}],
        expand=["latest_invoice.payment_intent"],
    )
    invoice = stripe.Invoice.retrieve(subscription.latest_invoice.id)
    return {
        "customer": customer.id,
        "email": customer.email,
        "listed": listed,
        "first_page_has_more": pages.has_more,
        "subscription": subscription.id,
        "payment_intent": subscription.latest_invoice.payment_intent.id,
        "invoice": invoice.id,
        "invoice_status": invoice.status,
    }
