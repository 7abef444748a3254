"""Derive the webhook events Stripe sends from two consecutive states of a timeline.

The event type comes from what changed (a new invoice, an invoice that became paid, a
PaymentIntent whose attempt failed), `data.object` is the object in the new state, and
`data.previous_attributes` of `*.updated` events holds the old values of the top-level fields
that changed. Events of one transition are sent in Stripe's order (`EVENT_ORDER`); see
docs/events.md for which transition emits what and the Stripe pages it comes from.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from itertools import pairwise
from typing import Any

from stripe_contracts.graph.fill import fill
from stripe_contracts.scenarios.timeline import State
from stripe_contracts.spec import Spec

JSON = Any
Obj = dict[str, JSON]
SUMMARY_EVENT = "entitlements.active_entitlement_summary.updated"

#: Stripe's delivery order within one change, e.g. for a paid signup:
#: https://docs.stripe.com/billing/subscriptions/overview#subscription-events
EVENT_ORDER = (
    "customer.created",
    "payment_method.attached",
    "customer.updated",
    "customer.subscription.created",
    "customer.discount.created",
    "invoiceitem.created",
    "invoice.created",
    "invoice.finalized",
    "payment_intent.created",
    "payment_intent.requires_action",
    "invoice.payment_action_required",
    "charge.succeeded",
    "charge.failed",
    "payment_intent.succeeded",
    "payment_intent.payment_failed",
    "payment_intent.canceled",
    "invoice.updated",
    "invoice.paid",
    "invoice.payment_succeeded",
    "invoice_payment.paid",
    "invoice.payment_failed",
    "invoice.voided",
    "invoice.marked_uncollectible",
    "invoice.upcoming",
    "customer.subscription.trial_will_end",
    "customer.subscription.updated",
    "customer.subscription.paused",
    "customer.subscription.deleted",
    SUMMARY_EVENT,
)
_RANK = {name: rank for rank, name in enumerate(EVENT_ORDER)}


#: Fields Stripe changes without an event of their own (the invoice counter moves on every
#: finalized invoice; a `customer.updated` for it alone is not sent).
SILENT_FIELDS = {"customer": frozenset({"next_invoice_sequence"})}


def _customer(old: Obj | None, new: Obj, objects: dict[str, Obj]) -> list[str]:
    if old is None:
        return ["customer.created"]
    silent = SILENT_FIELDS["customer"]
    return ["customer.updated"] if set(previous_attributes(old, new)) - silent else []


def _payment_method(old: Obj | None, new: Obj, objects: dict[str, Obj]) -> list[str]:
    return ["payment_method.attached"] if old is None else []


def _subscription(old: Obj | None, new: Obj, objects: dict[str, Obj]) -> list[str]:
    if old is None:
        return ["customer.subscription.created"]
    became = new["status"] if new["status"] != old["status"] else None
    if became == "canceled":
        return ["customer.subscription.deleted"]
    if became == "paused":
        return ["customer.subscription.updated", "customer.subscription.paused"]
    return ["customer.subscription.updated"]


#: Invoice fields whose change Stripe announces with `invoice.updated` even when another
#: event of the same change says more (a payment succeeded or failed, retries stopped).
COLLECTION_FIELDS = ("attempt_count", "next_payment_attempt", "auto_advance")


def _invoice(old: Obj | None, new: Obj, objects: dict[str, Obj]) -> list[str]:
    types = []
    if old is None:
        types.append("invoice.created")
        if new["status"] != "draft":
            types.append("invoice.finalized")
    before = old["status"] if old else "draft"
    if old is not None and before == "draft" and new["status"] != "draft":
        types.append("invoice.finalized")
    if new["status"] != before:
        types += {
            "paid": ["invoice.paid", "invoice.payment_succeeded"],
            "void": ["invoice.voided"],
            "uncollectible": ["invoice.marked_uncollectible"],
        }.get(new["status"], [])
    attempted = new["attempt_count"] > (old["attempt_count"] if old else 0)
    if attempted and new["status"] != "paid":
        payment = _intent_of(new, objects)
        if payment.get("status") == "requires_action":
            types.append("invoice.payment_action_required")
        else:
            types.append("invoice.payment_failed")
    if old is not None and (not types or any(old.get(f) != new.get(f) for f in COLLECTION_FIELDS)):
        types.append("invoice.updated")
    return types


def _intent_of(invoice: Obj, objects: dict[str, Obj]) -> Obj:
    """The invoice's PaymentIntent: named by the invoice before basil, by its invoice
    payment from basil on."""
    if "payment_intent" in invoice:
        found: Obj = objects.get(str(invoice["payment_intent"]), {})
        return found
    for obj in objects.values():
        if obj.get("object") == "invoice_payment" and obj.get("invoice") == invoice["id"]:
            intent: Obj = objects.get(str(obj["payment"].get("payment_intent")), {})
            return intent
    return {}


def _payment_intent(old: Obj | None, new: Obj, objects: dict[str, Obj]) -> list[str]:
    types = ["payment_intent.created"] if old is None else []
    changed_status = old is None or old["status"] != new["status"]
    failed_again = (
        old is not None and new.get("last_payment_error") and (_charge_id(old) != _charge_id(new))
    )
    if changed_status or failed_again:
        types += {
            "succeeded": ["payment_intent.succeeded"],
            "requires_action": ["payment_intent.requires_action"],
            "canceled": ["payment_intent.canceled"],
        }.get(new["status"], [])
        if new["status"] == "requires_payment_method" and new.get("last_payment_error"):
            types.append("payment_intent.payment_failed")
    return types


def _charge_id(payment_intent: Obj) -> JSON:
    charges = payment_intent.get("charges") or {}
    data = charges.get("data") or [{}]
    return payment_intent.get("latest_charge") or data[-1].get("id")


def _charge(old: Obj | None, new: Obj, objects: dict[str, Obj]) -> list[str]:
    if old is not None:
        return []
    return ["charge.succeeded" if new["status"] == "succeeded" else "charge.failed"]


def _invoice_item(old: Obj | None, new: Obj, objects: dict[str, Obj]) -> list[str]:
    return ["invoiceitem.created"] if old is None else []


def _invoice_payment(old: Obj | None, new: Obj, objects: dict[str, Obj]) -> list[str]:
    """`invoice_payment.paid` (an event type of specs that define invoice payments, e.g. the
    enabled_events of 2026-05-27.dahlia) when the payment of an invoice is paid."""
    paid_now = new["status"] == "paid" and (old is None or old["status"] != "paid")
    return ["invoice_payment.paid"] if paid_now else []


def _discount(old: Obj | None, new: Obj, objects: dict[str, Obj]) -> list[str]:
    """`customer.discount.created`: "Occurs whenever a coupon is attached to a customer"
    (https://docs.stripe.com/api/events/types), also when it is attached to one of its
    subscriptions (the discount's `subscription`)."""
    return ["customer.discount.created"] if old is None else []


#: object type -> (old or None, new) -> event types. Types not listed emit nothing.
RULES: dict[str, Callable[[Obj | None, Obj, dict[str, Obj]], list[str]]] = {
    "customer": _customer,
    "payment_method": _payment_method,
    "subscription": _subscription,
    "invoice": _invoice,
    "payment_intent": _payment_intent,
    "charge": _charge,
    "invoiceitem": _invoice_item,
    "invoice_payment": _invoice_payment,
    "discount": _discount,
}


def changes(before: State, after: State) -> list[tuple[str, Obj, Obj | None]]:
    """(event type, object now, object before) for every change, in Stripe's order."""
    found: list[tuple[str, Obj, Obj | None]] = []
    for object_id, new in after.objects.items():
        old = before.objects.get(object_id)
        rule = RULES.get(new["object"])
        if rule is None or old == new:
            continue
        found.extend((kind, new, old) for kind in rule(old, new, after.objects))
    subject = after.subject or (after.model.subscription.id if after.model.subscription else None)
    for notice in after.notices:
        if notice in after.previews:
            found.append((notice, after.previews[notice], None))
        elif subject:
            found.append((notice, after.objects[subject], None))
    found.extend(_invoice_attempts_failed(found, after.objects))
    if _entitlements(before) != _entitlements(after) and after.summary is not None:
        found.append((SUMMARY_EVENT, after.summary, None))
    for kind, _, _ in found:
        assert kind in _RANK, f"event type {kind} has no place in EVENT_ORDER"
    return sorted(found, key=lambda change: _RANK[change[0]])


def _invoice_attempts_failed(
    found: list[tuple[str, Obj, Obj | None]], objects: dict[str, Obj]
) -> list[tuple[str, Obj, Obj | None]]:
    """`invoice.payment_failed` "Occurs whenever an invoice payment attempt fails"
    (https://docs.stripe.com/api/events/types), a manual one too (POST
    /v1/invoices/{id}/pay), which after the first does not change `attempt_count` (the
    spec's description of it) and, from basil on, leaves the invoice as it was: the failed
    attempt shows as `payment_intent.payment_failed` of the invoice's PaymentIntent."""
    told = {obj["id"] for kind, obj, _ in found if kind.startswith("invoice.payment_")}
    failed = {obj["id"] for kind, obj, _ in found if kind == "payment_intent.payment_failed"}
    extra: list[tuple[str, Obj, Obj | None]] = []
    for invoice in objects.values():
        if invoice.get("object") != "invoice" or invoice["id"] in told:
            continue
        if _intent_of(invoice, objects).get("id") in failed:
            extra.append(("invoice.payment_failed", invoice, None))
    return extra


def _entitlements(state: State) -> list[str]:
    """The customer's active entitlements: over all its subscriptions when it has several."""
    if state.granted is not None:
        return sorted(state.granted)
    return sorted(state.model.entitlement_ids.values())


def previous_attributes(old: Obj, new: Obj) -> Obj:
    """Old values of the top-level fields that changed, as Stripe sends in `*.updated`."""
    return {key: old.get(key) for key in new if old.get(key) != new.get(key)}


def build_events(states: list[State], spec: Spec) -> list[Obj]:
    """Every event of the timeline, in delivery order, each a complete `event` object."""
    return list(_iter_events(states, spec))


def _iter_events(states: list[State], spec: Spec) -> Iterator[Obj]:
    if not states:
        return
    plan = states[0].model.plan
    count = 0
    for before, after in pairwise(states):
        for kind, obj, old in changes(before, after):
            count += 1
            data: Obj = {"object": copy.deepcopy(obj)}  # each event owns its object
            if kind.endswith(".updated") and old is not None:
                data["previous_attributes"] = copy.deepcopy(previous_attributes(old, obj))
            yield fill(
                spec,
                "event",
                {
                    "id": plan.ids.named("event", f"event-{count}-{kind}"),
                    "api_version": spec.api_version,
                    "created": after.time,
                    "data": data,
                    "livemode": False,
                    "pending_webhooks": 1,
                    "request": {"id": after.request, "idempotency_key": after.idempotency_key},
                    "type": kind,
                },
            )
