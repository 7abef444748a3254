"""The examples' billing "database": what a Stripe Billing webhook handler keeps, with no web
framework in sight. `flask_app/app.py` and `fastapi_app/app.py` verify the request and hand the
verified event to `Billing.apply`; everything below is plain Python.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

JSON = Any


@dataclass
class Customer:
    """What the app knows about one Stripe customer, in Stripe's own words."""

    subscriptions: dict[str, str] = field(default_factory=dict)  # sub_... -> Stripe status
    invoices: dict[str, str] = field(default_factory=dict)  # in_... -> "paid" | "payment_failed"
    entitlements: list[str] = field(default_factory=list)  # active features' lookup_keys


class Billing:
    """A tiny in-memory database fed by verified webhook events.

    - Idempotent: an event id seen before changes nothing (Stripe retries, and may send twice).
    - Order-proof: Stripe does not promise order, so each object remembers the `created` time of
      the newest event applied to it and ignores older ones; any event may be the first one to
      mention a customer, so records are made on demand, never looked up with `[...]`.
    - Honest about has_more: an entitlement summary carries only its first page of entitlements;
      when there are more, the customer lands in `needs_full_entitlement_fetch`, where a real app
      would call `stripe.entitlements.ActiveEntitlement.list(customer=...)` (no Stripe here).
    """

    def __init__(self) -> None:
        self.processed_event_ids: set[str] = set()
        self.customers: dict[str, Customer] = {}
        self.needs_full_entitlement_fetch: set[str] = set()
        self._newest: dict[str, int] = {}  # object key -> `created` of the newest event applied
        self._lock = threading.Lock()  # threaded servers deliver concurrently

    def reset(self) -> None:
        """Forget everything, as truncating the tables would (tests start each round empty)."""
        with self._lock:
            self.processed_event_ids.clear()
            self.customers.clear()
            self.needs_full_entitlement_fetch.clear()
            self._newest.clear()

    def apply(self, event: dict[str, JSON]) -> bool:
        """Apply one verified event (plain dicts); False if it was processed before."""
        with self._lock:
            if event["id"] in self.processed_event_ids:
                return False
            handle = HANDLERS.get(event["type"])
            if handle is not None:  # other event types are acknowledged and ignored
                handle(self, event["data"]["object"], event["created"])
            self.processed_event_ids.add(event["id"])
            return True

    def has_entitlement(self, customer: str, lookup_key: str) -> bool:
        record = self.customers.get(customer)
        return record is not None and lookup_key in record.entitlements

    def snapshot(self) -> dict[str, JSON]:
        """The state a test compares: customers and pending fetches (not the processed ids)."""
        return {
            "customers": {cid: asdict(c) for cid, c in sorted(self.customers.items())},
            "needs_full_entitlement_fetch": sorted(self.needs_full_entitlement_fetch),
        }

    def _customer(self, obj: dict[str, JSON]) -> tuple[str, Customer]:
        customer = obj["customer"]
        cid = customer if isinstance(customer, str) else customer["id"]
        return cid, self.customers.setdefault(cid, Customer())

    def _is_stale(self, key: str, created: int) -> bool:
        """True if a newer event about `key` was applied already; else remember this one."""
        if created < self._newest.get(key, created):
            return True
        self._newest[key] = created
        return False

    def _subscription(self, obj: dict[str, JSON], created: int) -> None:
        if not self._is_stale(obj["id"], created):
            self._customer(obj)[1].subscriptions[obj["id"]] = obj["status"]

    def _invoice_paid(self, obj: dict[str, JSON], created: int) -> None:
        if not self._is_stale(obj["id"], created):
            self._customer(obj)[1].invoices[obj["id"]] = "paid"

    def _invoice_payment_failed(self, obj: dict[str, JSON], created: int) -> None:
        if not self._is_stale(obj["id"], created):
            self._customer(obj)[1].invoices[obj["id"]] = "payment_failed"

    def _entitlement_summary(self, obj: dict[str, JSON], created: int) -> None:
        cid, record = self._customer(obj)
        if self._is_stale(f"entitlements:{cid}", created):
            return
        page = obj["entitlements"]
        record.entitlements = sorted(e["lookup_key"] for e in page["data"])
        if page["has_more"]:
            self.needs_full_entitlement_fetch.add(cid)
        else:
            self.needs_full_entitlement_fetch.discard(cid)


HANDLERS: dict[str, Callable[[Billing, dict[str, JSON], int], None]] = {
    "customer.subscription.created": Billing._subscription,
    "customer.subscription.updated": Billing._subscription,
    "customer.subscription.deleted": Billing._subscription,
    "invoice.paid": Billing._invoice_paid,
    "invoice.payment_failed": Billing._invoice_payment_failed,
    "entitlements.active_entitlement_summary.updated": Billing._entitlement_summary,
}
