"""`WebhookTester`: the assertions users make about their webhook handler.

Each assertion delivers real signed events (see `delivery`) and fails with a message naming
the event, the variant and what the handler answered.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from stripe_contracts.webhooks.delivery import Delivery, deliver, out_of_order

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
        self, events: Sequence[Mapping[str, JSON]], *, seed: int = 0
    ) -> list[Delivery]:
        """Events in another order (e.g. invoice.paid before subscription.created) get 2xx."""
        done = self.send(out_of_order(events, seed=seed))
        _expect(done, lambda d: d.ok, "a 2xx despite the order")
        return done

    def assert_rejects_forgeries(self, event: Mapping[str, JSON]) -> list[Delivery]:
        """A bad signature, an expired timestamp and a missing header each get a 4xx."""
        done = []
        for variant in ("bad_signature", "expired_timestamp", "missing_header"):
            done += self.send([event], variant=variant)
        _expect(done, lambda d: d.rejected, "a 4xx (the request must be refused)")
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
