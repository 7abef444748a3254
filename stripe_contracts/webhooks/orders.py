"""The delivery orders Stripe really produces for one flow's events, each with a label.

Stripe does not guarantee that events arrive in the order they were generated: "creating a
subscription might generate ... customer.subscription.created, invoice.created, invoice.paid
... Your endpoint shouldn't expect delivery of these events in this order"
(https://docs.stripe.com/webhooks#event-ordering). What a handler meets in practice is a
*later* event about an object overtaking an earlier one about the same object (an `updated`
before its `created`, `invoice.paid` before `invoice.finalized`), since each event is its own
request, retried on its own schedule. So the orders here are, for every pair of events about
one object, the later one moved to just before the earlier one; and last, every event newest
first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

JSON = Any


@dataclass(frozen=True)
class Order:
    """One delivery order: what overtook what, and the events in that order."""

    label: str
    events: tuple[Mapping[str, JSON], ...]


def stripe_orders(events: Sequence[Mapping[str, JSON]]) -> list[Order]:
    """Every order of `events` in which one later event about an object arrives just before
    an earlier one about it, then all of them newest first; no order twice, never the
    original."""
    original = [_key(e) for e in events]
    seen = {tuple(original)}
    orders = []
    earlier: dict[str, list[int]] = {}
    for index, event in enumerate(events):
        object_id = _object_id(event)
        if object_id is None:
            continue
        for before in earlier.setdefault(object_id, []):
            moved = [*events[:before], event, *events[before:index], *events[index + 1 :]]
            orders.append((f"{_name(event)} before {_name(events[before])}", moved))
        earlier[object_id].append(index)
    orders.append(("every event newest first", list(events)[::-1]))
    result = []
    for label, moved in orders:
        keys = tuple(_key(e) for e in moved)
        if keys not in seen:
            seen.add(keys)
            result.append(Order(label, tuple(moved)))
    return result


def _object_id(event: Mapping[str, JSON]) -> str | None:
    data = event.get("data")
    obj = data.get("object") if isinstance(data, Mapping) else None
    object_id = obj.get("id") if isinstance(obj, Mapping) else None
    return object_id if isinstance(object_id, str) else None


def _key(event: Mapping[str, JSON]) -> str:
    return str(event.get("id"))


def _name(event: Mapping[str, JSON]) -> str:
    return f"{event.get('type')} ({event.get('id')})"
