"""`WebhookTester`: the assertions users make about their webhook handler.

Each assertion delivers real signed events (see `delivery`) and fails with a message naming
the event, the variant and what the handler answered.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from stripe_contracts.webhooks.delivery import Delivery, deliver
from stripe_contracts.webhooks.orders import Order, stripe_orders
from stripe_contracts.webhooks.signing import check_webhook_secret

if TYPE_CHECKING:
    from stripe_contracts.spec import Spec, VersionSet

JSON = Any


class WebhookAssertionError(AssertionError):
    pass


class WebhookTester:
    """Deliver events to one handler and check how it copes."""

    def __init__(
        self,
        to: Any,
        *,
        secret: str,
        timeout: float = 10.0,
        spec: Spec | VersionSet | None = None,
    ) -> None:
        check_webhook_secret(secret, name="secret")
        self.to, self.secret, self.timeout, self.spec = to, secret, timeout, spec
        self.deliveries: list[Delivery] = []

    def send(self, events: Sequence[Mapping[str, JSON]], variant: str = "normal") -> list[Delivery]:
        """Deliver `events`; with a `spec`, each is first checked through (`data.object`,
        `previous_attributes`) and an invalid one fails before anything is sent."""
        if self.spec is not None:
            _check_events(events, self.spec)
        done = deliver(events, self.to, secret=self.secret, variant=variant, timeout=self.timeout)
        self.deliveries.extend(done)
        return done

    def assert_all_accepted(self, events: Sequence[Mapping[str, JSON]]) -> list[Delivery]:
        """Every event, delivered once in order, gets a 2xx."""
        done = self.send(events)
        _expect(done, lambda d: d.ok, "a 2xx")
        return done

    def assert_idempotent(
        self, events: Sequence[Mapping[str, JSON]], probe: Callable[[], Any]
    ) -> None:
        """Delivering every event again (same ids) changes nothing `probe` can see."""
        _expect(self.send(events), lambda d: d.ok, "a 2xx")
        before = probe()
        _expect(self.send(events, variant="duplicate"), lambda d: d.ok, "a 2xx")
        after = probe()
        if before != after:
            raise WebhookAssertionError(
                "redelivering the same events changed the handler's state:\n"
                f"  before: {before!r}\n  after:  {after!r}\n"
                "  hint: record processed event ids and skip ones you have seen"
            )

    def assert_survives_out_of_order(
        self,
        events: Sequence[Mapping[str, JSON]],
        *,
        probe: Callable[[], Any],
        reset: Callable[[], Any],
    ) -> list[Order]:
        """Every order Stripe really produces ends in the state in-order delivery ends in.

        `reset()` empties the handler's store (it runs before each delivery round) and
        `probe()` returns the state to compare. The orders are `stripe_orders(events)`: a later
        event about an object before its first one (an `updated` before its `created`,
        `invoice.paid` before `invoice.finalized`), then all newest first
        (https://docs.stripe.com/webhooks#event-ordering). The first order that ends elsewhere
        fails, named, with both states.
        """
        reset()
        _expect(self.send(events), lambda d: d.ok, "a 2xx in the original order")
        expected = probe()
        orders = stripe_orders(events)
        for order in orders:
            reset()
            wanted = f"a 2xx when {order.label}"
            _expect(self.send(order.events), lambda d: d.ok, wanted)
            got = probe()
            if got != expected:
                sequence = "\n".join(f"    {e.get('type')} {e.get('id')}" for e in order.events)
                raise WebhookAssertionError(
                    f"delivered out of order ({order.label}), the handler ends in another state "
                    "than after in-order delivery:\n"
                    + _state_diff(expected, got)
                    + f"\n  the order:\n{sequence}\n"
                    "  hint: do not trust arrival order: re-fetch the object from Stripe, or "
                    "apply an event only if it is newer than what you hold (event.created)"
                )
        return orders

    def assert_rejects_forgeries(
        self, event: Mapping[str, JSON], *, probe: Callable[[], Any] | None = None
    ) -> list[Delivery]:
        """A bad signature, an expired timestamp and a missing header each get a 4xx and (with
        `probe`) change nothing; the genuine event is then accepted, so a handler that refuses
        everything does not pass."""
        before = probe() if probe is not None else None
        done = []
        for variant in ("bad_signature", "expired_timestamp", "missing_header"):
            done += self.send([event], variant=variant)
        _expect(done, lambda d: d.rejected, "a 4xx (the request must be refused)")
        if probe is not None:
            after = probe()
            if after != before:
                raise WebhookAssertionError(
                    "forged deliveries were refused but still changed the handler's state:\n"
                    + _state_diff(before, after)
                    + "\n  hint: verify the Stripe-Signature header before acting on the event"
                )
        _expect(self.send([event]), lambda d: d.ok, "a 2xx for the genuine, signed event")
        return done


def _check_events(events: Sequence[Mapping[str, JSON]], spec: Spec | VersionSet) -> None:
    from stripe_contracts.validation import validate

    bad = [
        f"  {v.message}"
        for event in events
        for v in validate(dict(event), spec)
        if v.severity == "error"
    ]
    if bad:
        raise WebhookAssertionError(
            f"{len(bad)} contract violations in the events to deliver:\n"
            + "\n".join(bad)
            + "\n  hint: events must be what Stripe sends for the pinned API version"
        )


def _state_diff(expected: Any, got: Any) -> str:
    """The two states as a unified diff of their pretty-printed forms (at most 40 lines)."""
    import difflib
    import pprint

    lines = list(
        difflib.unified_diff(
            pprint.pformat(expected, width=90).splitlines(),
            pprint.pformat(got, width=90).splitlines(),
            "expected (in order)",
            "got",
            lineterm="",
        )
    )
    shown = lines[:40] + ([f"... {len(lines) - 40} more lines"] if len(lines) > 40 else [])
    return "\n".join(f"    {line}" for line in shown)


def _expect(done: list[Delivery], good: Callable[[Delivery], bool], wanted: str) -> None:
    bad = [d for d in done if not good(d)]
    if bad:
        lines = [
            f"  {d.event_type} {d.event_id} ({d.variant}): "
            + (f"raised {d.error}" if d.error else f"answered {d.status} {d.body[:200]!r}")
            for d in bad
        ]
        raise WebhookAssertionError(
            f"{len(bad)} of {len(done)} deliveries did not get {wanted}:\n" + "\n".join(lines)
        )
