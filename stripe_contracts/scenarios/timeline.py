"""`Scenario`: one subscription's life as a timeline of graph states on one clock.

API calls (`create_customer`, `create_subscription`, `cancel`, ...) add states caused by a
request; `advance` moves the clock like a Stripe test clock and adds the states Stripe reaches
by itself on the way: trial ends, renewals, payment retries, expiry of incomplete
subscriptions, cancellations at period end. Events are derived from consecutive states
(`scenarios.events`), never listed by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from stripe_contracts.errors import InvalidArgument
from stripe_contracts.graph.builder import GraphBuilder
from stripe_contracts.graph.catalog import Item
from stripe_contracts.graph.clock import DAY, HOUR, MINUTE
from stripe_contracts.graph.invoicing import (
    FINALIZE_DELAY,
    INCOMPLETE_EXPIRY,
    RETRY_DAYS,
    Line,
    one_off_lines,
)
from stripe_contracts.graph.model import (
    BillingModel,
    Phase,
    Plan,
    add_catalog_entry,
    make_plan,
    snapshot,
)
from stripe_contracts.graph.money import format_money
from stripe_contracts.graph.render import render, render_entitlement_summary
from stripe_contracts.spec import Spec

JSON = Any
#: Days before a trial ends that Stripe sends `customer.subscription.trial_will_end`
#: (https://docs.stripe.com/billing/subscriptions/trials#webhooks).
TRIAL_WILL_END_DAYS = 3
#: Days before a renewal that `invoice.upcoming` is sent (a Dashboard setting; 3 here).
UPCOMING_DAYS = 3
DUNNING_ENDINGS = ("unpaid", "canceled")
CARD_BEHAVIOURS = ("ok", "declined", "requires_action")


@dataclass(frozen=True)
class State:
    """The world at one moment: every object as the API would return it then."""

    time: int
    model: BillingModel
    objects: dict[str, dict[str, JSON]]
    summary: dict[str, JSON] | None
    request: str | None = None  # `req_` id when an API call caused this state
    idempotency_key: str | None = None
    notices: tuple[str, ...] = ()  # time-based events with no change of state
    previews: dict[str, dict[str, JSON]] = field(default_factory=dict)  # e.g. upcoming invoice
    action: str | None = None  # the API call behind `request`, e.g. "create_subscription"


@dataclass
class Scenario:
    """A subscription's timeline for one spec, deterministic from `seed`."""

    spec: Spec
    seed: int = 0
    name: str = "custom"
    items: list[dict[str, JSON]] | None = None
    currency: str | None = None
    collection_method: str = "charge_automatically"
    trial_days: int | None = None
    card: str = "ok"
    dunning_ending: str = "unpaid"
    start: int | None = None
    states: list[State] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.card not in CARD_BEHAVIOURS:
            raise InvalidArgument.choice("card", self.card, CARD_BEHAVIOURS)
        if self.dunning_ending not in DUNNING_ENDINGS:
            raise InvalidArgument.choice("dunning_ending", self.dunning_ending, DUNNING_ENDINGS)
        self._builder = GraphBuilder(spec=self.spec, seed=self.seed)
        self.plan: Plan = make_plan(
            seed=self.seed,
            items=self.items,
            currency=self.currency,
            collection_method=self.collection_method,
            trial_days=self.trial_days,
            card_outcome="ok" if self.card == "ok" else self.card,
            start=self.start,
            intervals_allowed=self._builder.intervals,
            overrides={},
        )
        self._requests = 0
        self._action: str | None = None
        self._push(self.plan.t0 - 10 * MINUTE, Phase(stage="catalog"), request=False)

    # -- reading -------------------------------------------------------------------------

    @property
    def now(self) -> int:
        return self.states[-1].time

    @property
    def phase(self) -> Phase:
        return self.states[-1].model.phase

    @property
    def current(self) -> State:
        return self.states[-1]

    def latest_objects(self) -> dict[str, dict[str, JSON]]:
        """Every object the timeline ever held, as the last state holding it has it: what a
        handler re-fetching any id an event names gets back (a first invoice, the charge of a
        declined attempt)."""
        latest: dict[str, dict[str, JSON]] = {}
        for state in self.states:
            latest.update(state.objects)
        return latest

    # -- API calls -----------------------------------------------------------------------

    def create_customer(self) -> Scenario:
        self._action = "create_customer"
        self._push(self.plan.t0 - 2 * MINUTE, Phase(stage="customer"))
        return self

    def attach_payment_method(self) -> Scenario:
        self._action = "attach_payment_method"
        self._require_stage("customer", "attach_payment_method")
        self._push(self.plan.t0 - MINUTE, Phase(stage="payment_method"))
        return self

    def create_subscription(self) -> Scenario:
        """Subscribe: the first invoice is finalized, then its payment is attempted at once."""
        self._action = "create_subscription"
        has_pm = self.phase.stage == "payment_method"
        if self.phase.stage not in ("customer", "payment_method"):
            raise InvalidArgument(
                "create_subscription needs a customer and no subscription yet",
                hint="call create_customer() first, once",
            )
        self.plan.require_recurring()
        request = self._new_request()
        if self.plan.trial:
            self._push(
                self.plan.t0,
                Phase(
                    "trialing",
                    trial_invoice=True,
                    payment="none",
                    attempts=0,
                    has_payment_method=has_pm,
                ),
                request=request,
            )
            return self
        if not has_pm and self.collection_method == "charge_automatically":
            raise InvalidArgument(
                "charging automatically without a trial needs a payment method",
                hint="call attach_payment_method() first, or pass trial_days / send_invoice",
            )
        if self.collection_method == "send_invoice":
            self._push(
                self.plan.t0,
                Phase("active", payment="pending", attempts=0, has_payment_method=has_pm),
                request=request,
            )
            return self
        self._push(
            self.plan.t0, Phase("incomplete", payment="processing", attempts=0), request=request
        )
        outcome = {"ok": "succeeded", "declined": "declined", "requires_action": "requires_action"}[
            self.card
        ]
        status = "active" if outcome == "succeeded" else "incomplete"
        self._push(
            self.plan.t0 + 2,
            replace(self.phase, status=status, payment=outcome, attempts=1),
            request=request,
        )
        return self

    def create_invoice_item(self) -> Scenario:
        """One-off billing: the plan's items become pending invoice items (no subscription)."""
        self._action = "create_invoice_item"
        self._require_stage("payment_method", "create_invoice_item")
        self._push(self.plan.t0, Phase(stage="invoice_item", pending=one_off_lines(self.plan)))
        return self

    def create_and_pay_invoice(self) -> Scenario:
        """Invoice the pending items, finalize, and charge the card as it behaves now.

        This is the flow Stripe's CLI triggers for `invoice.paid` / `invoice.payment_failed`:
        invoice item -> invoice -> pay, with no subscription involved.
        """
        self._action = "create_and_pay_invoice"
        self._require_stage("invoice_item", "create_and_pay_invoice")
        request = self._new_request()
        self._push(
            self.plan.t0 + 1,
            Phase("active", stage="invoice", payment="processing", attempts=0),
            request=request,
        )
        outcome = "succeeded" if self.card == "ok" else "declined"
        self._push(
            self.plan.t0 + 3,
            Phase("active", stage="invoice", payment=outcome, attempts=1),
            request=request,
        )
        return self

    def confirm_payment(self) -> Scenario:
        """The customer completes 3-D Secure (or pays with a working card) from the client."""
        self._action = "confirm_payment"
        if self.phase.status != "incomplete":
            raise InvalidArgument(
                f"confirm_payment needs an incomplete subscription, not {self.phase.status!r}",
                hint="use it after create_subscription() with card='requires_action'",
            )
        self.card = "ok"
        self._push(
            self.now + 2 * MINUTE,
            replace(self.phase, status="active", payment="succeeded", attempts=1),
        )
        return self

    def update_items(self, items: list[dict[str, JSON]]) -> Scenario:
        """Change prices mid-period (upgrade/downgrade): prorations wait for the next invoice.

        https://docs.stripe.com/billing/subscriptions/prorations
        """
        self._action = "update_items"
        phase = self._require_status(("active", "trialing", "past_due"), "update_items")
        current = list(phase.items or self.plan.items)
        if len(items) != len(current):
            raise InvalidArgument(
                f"update_items got {len(items)} items for a subscription with {len(current)}",
                hint="pass one new {'price': ...} per existing item, in order",
            )
        start, end = self.current.model.subscription.period  # type: ignore[union-attr]
        now = self.now
        fraction = (end - now) / (end - start)
        changed: list[Item] = []
        pending = list(phase.pending)
        for index, (old, request) in enumerate(zip(current, items, strict=True)):
            _, price = add_catalog_entry(
                self.plan, f"item-{index}-v{len(self.states)}", request, self._builder.intervals
            )
            quantity = int(request.get("quantity", old.quantity))
            new = Item(old.id, price, quantity, old.created)
            changed.append(new)
            if phase.status == "trialing":
                continue  # nothing was paid for the trial, so nothing is prorated
            for sign, item, label in ((-1, old, "Unused"), (1, new, "Remaining")):
                amount = sign * round(item.price.amount_for(item.quantity) * fraction)
                key = f"proration-{len(self.states)}-{index}-{label}"
                when = format_money(abs(amount), self.plan.currency)
                pending.append(
                    Line(
                        id=self.plan.ids.named("line_item", key),
                        item=item,
                        amount=amount,
                        description=f"{label} time on {item.price.product.name} ({when})",
                        period=(now, end),
                        proration=True,
                        invoice_item=self.plan.ids.named("invoiceitem", key),
                    )
                )
        self._push(now, replace(phase, items=tuple(changed), pending=tuple(pending)))
        return self

    def cancel(self, *, at_period_end: bool = False) -> Scenario:
        phase = self._require_status(("active", "trialing", "past_due", "unpaid"), "cancel")
        reason = "cancellation_requested"
        self._action = "cancel_at_period_end" if at_period_end else "cancel"
        if at_period_end:  # canceled_at records the request; ended_at comes at period end
            self._push(
                self.now,
                replace(
                    phase, cancel_at_period_end=True, canceled_at=self.now, cancel_reason=reason
                ),
            )
        else:
            self._push(
                self.now,
                replace(
                    phase,
                    status="canceled",
                    canceled_at=self.now,
                    ended_at=self.now,
                    cancel_reason=reason,
                ),
            )
        return self

    def set_card(self, behaviour: str) -> Scenario:
        """How the card behaves on the next payment attempts (no API call, no event)."""
        if behaviour not in CARD_BEHAVIOURS:
            raise InvalidArgument.choice("behaviour", behaviour, CARD_BEHAVIOURS)
        self.card = behaviour
        return self

    # -- the clock -----------------------------------------------------------------------

    def advance(self, *, days: float = 0, hours: float = 0, minutes: float = 0) -> Scenario:
        """Move the clock, adding every state Stripe reaches by itself on the way."""
        target = self.now + int(days * DAY + hours * HOUR + minutes * MINUTE)
        if target < self.now:
            raise InvalidArgument(
                "advance() cannot move the clock backwards",
                hint="pass a positive days=, hours= or minutes=",
            )
        while True:
            step = self._next_automatic()
            if step is None or step[0] > target:
                break
            when, phase, notices = step
            self._push(when, phase, request=False, notices=notices)
        if self.now < target:
            self.states.append(
                replace(self.current, time=target, request=None, idempotency_key=None, notices=())
            )
        return self

    def advance_to_period_end(self, *, plus_hours: float = 2) -> Scenario:
        sub = self.current.model.subscription
        if sub is None:
            raise InvalidArgument("no subscription yet", hint="call create_subscription() first")
        return self.advance(minutes=(sub.period[1] - self.now) / MINUTE + plus_hours * 60)

    def _next_automatic(self) -> tuple[int, Phase, tuple[str, ...]] | None:
        """The next state Stripe would reach on its own, with when, or None."""
        model = self.current.model
        phase, sub, invoice = model.phase, model.subscription, model.invoice
        if sub is None or invoice is None or phase.status in ("canceled", "incomplete_expired"):
            return None
        now = self.now
        if phase.status == "incomplete":
            expiry = self.plan.t0 + INCOMPLETE_EXPIRY
            return (
                expiry,
                replace(
                    phase,
                    status="incomplete_expired",
                    voided=True,
                    canceled_at=expiry,
                    ended_at=expiry,
                ),
                (),
            )
        end = sub.period[1]
        if phase.status == "trialing":
            warn = end - TRIAL_WILL_END_DAYS * DAY
            if now < warn:
                return warn, phase, ("customer.subscription.trial_will_end",)
            if not phase.has_payment_method:
                return end, replace(phase, status="paused"), ()
            return end, self._draft(phase, cycle=0), ()
        if phase.status == "paused":
            return None
        if phase.payment == "draft":  # finalized and charged an hour after it was created
            return invoice.created + FINALIZE_DELAY, self._charge(phase), ()
        if phase.status in ("past_due",) and invoice.next_payment_attempt:
            when = invoice.next_payment_attempt
            return when, self._retry(phase, when), ()
        if phase.status == "unpaid":
            return None
        if phase.cancel_at_period_end:
            return end, replace(phase, status="canceled", ended_at=end), ()
        upcoming = end - UPCOMING_DAYS * DAY
        if now < upcoming and self.collection_method == "charge_automatically":
            return upcoming, phase, ("invoice.upcoming",)
        return end, self._draft(phase, cycle=phase.cycle + 1), ()

    def _draft(self, phase: Phase, *, cycle: int) -> Phase:
        """The renewal invoice (or the first after a trial) as created: a draft, not yet paid.

        https://docs.stripe.com/billing/subscriptions/overview#subscription-lifecycle
        """
        return replace(
            phase,
            status="active",
            cycle=cycle,
            trial_invoice=False,
            prorations=phase.pending,
            pending=(),
            billed=phase.items,
            payment="draft",
            attempts=0,
        )

    def _bill(self, phase: Phase, *, cycle: int) -> Phase:
        """The next invoice, finalized and paid by the card as it behaves now (a preview)."""
        return self._charge(self._draft(phase, cycle=cycle))

    def _charge(self, base: Phase) -> Phase:
        """Finalize a draft and attempt its payment."""
        if self.collection_method == "send_invoice":
            return replace(base, status="active", payment="pending", attempts=0)
        if self.card == "ok":
            return replace(base, status="active", payment="succeeded", attempts=1)
        return replace(base, status="past_due", payment="declined", attempts=1, retrying=True)

    def _retry(self, phase: Phase, when: int) -> Phase:
        attempts = phase.attempts + 1
        if self.card == "ok":
            return replace(
                phase, status="active", payment="succeeded", attempts=attempts, retrying=False
            )
        if attempts < len(RETRY_DAYS):
            return replace(phase, attempts=attempts)
        if self.dunning_ending == "canceled":
            return replace(
                phase,
                status="canceled",
                attempts=attempts,
                retrying=False,
                canceled_at=when,
                ended_at=when,
                cancel_reason="payment_failed",
            )
        return replace(phase, status="unpaid", attempts=attempts, retrying=False)

    # -- bookkeeping ---------------------------------------------------------------------

    def _require_stage(self, stage: str, action: str) -> None:
        if self.phase.stage != stage:
            raise InvalidArgument(
                f"{action} cannot run at stage {self.phase.stage!r}",
                hint=f"it needs stage {stage!r}",
            )

    def _require_status(self, allowed: tuple[str, ...], action: str) -> Phase:
        if self.phase.stage != "subscription" or self.phase.status not in allowed:
            raise InvalidArgument(
                f"{action} needs a subscription in status {', '.join(allowed)}; it is "
                f"{self.phase.status if self.phase.stage == 'subscription' else 'not created'}",
                hint="create and pay the subscription first",
            )
        return self.phase

    def _new_request(self) -> str:
        self._requests += 1
        return self.plan.ids.named("request", f"request-{self._requests}")

    def _push(
        self,
        when: int,
        phase: Phase,
        *,
        request: str | bool = True,
        notices: tuple[str, ...] = (),
    ) -> None:
        if phase.stage == "subscription" and phase.status not in self._builder.statuses:
            raise InvalidArgument(
                f"scenario {self.name!r} reaches status {phase.status!r}, which Stripe API "
                f"{self.spec.api_version} does not have",
                hint=f"its subscription statuses are {', '.join(self._builder.statuses)}; "
                "use a spec of a newer API version",
            )
        if request is True:
            request = self._new_request()
        model = snapshot(self.plan, phase)
        objects = render(model, self.spec)
        summary = None
        if model.subscription is not None:
            summary = render_entitlement_summary(model, objects, self.spec)
        previews = {}
        if "invoice.upcoming" in notices:
            previews["invoice.upcoming"] = self._upcoming_invoice(phase)
        if self._builder.validate:
            extras = [summary, *previews.values()]
            self._builder.check({**objects, **{str(i): e for i, e in enumerate(extras) if e}})
        key = None
        if request:
            digest = self.plan.ids.named("request", f"idempotency/{request}")[4:]
            key = f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:24]}"
        action = self._action if request else None
        self.states.append(
            State(when, model, objects, summary, request or None, key, notices, previews, action)
        )

    def _upcoming_invoice(self, phase: Phase) -> dict[str, JSON]:
        """The next renewal's invoice as a preview. It is not an invoice yet: versions whose
        invoice schema does not require an id send it without one; from basil on a preview has
        an `upcoming_in_...` id (the create-preview response of
        https://docs.stripe.com/api/invoices/create_preview)."""
        model = snapshot(self.plan, self._bill(phase, cycle=phase.cycle + 1))
        assert model.invoice is not None
        preview = render(model, self.spec)[model.invoice.id]
        invoice_schema = self.spec.schema(self.spec.schema_name_for("invoice"))
        if "id" in (invoice_schema.get("required") or ()):
            preview["id"] = f"upcoming_{preview['id']}"
        else:
            preview.pop("id")
        not_yet = {
            "billing_reason": "upcoming",
            "status": "draft",
            "paid": False,
            "amount_paid": 0,
            "amount_remaining": preview["amount_due"],
            "attempt_count": 0,
            "attempted": False,
            "payment_intent": None,
            "charge": None,
            "hosted_invoice_url": None,
            "invoice_pdf": None,
            "number": None,
            # as in the create-preview response of the API reference: a preview is never
            # collected and has no balance after it yet; its webhooks count as delivered
            "auto_advance": False,
            "ending_balance": None,
            "webhooks_delivered_at": preview["created"],
        }
        preview.update((k, v) for k, v in not_yet.items() if k in preview)  # no new fields
        preview["status_transitions"] = dict.fromkeys(preview["status_transitions"])
        return preview
