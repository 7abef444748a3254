"""`Scenario`: one subscription's life as a timeline of graph states on one clock.

API calls (`create_customer`, `create_subscription`, `cancel`, ...) add states caused by a
request; `advance` moves the clock like a Stripe test clock and adds the states Stripe reaches
by itself on the way: trial ends, renewals, payment retries, expiry of incomplete
subscriptions, cancellations at period end. Events are derived from consecutive states
(`scenarios.events`), never listed by hand.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from stripe_contracts.errors import InvalidArgument
from stripe_contracts.graph.arguments import check_plan_arguments
from stripe_contracts.graph.builder import GraphBuilder
from stripe_contracts.graph.cards import card_behaviour
from stripe_contracts.graph.catalog import Item, nearest_hint
from stripe_contracts.graph.clock import DAY, HOUR, MINUTE
from stripe_contracts.graph.ids import IdFactory
from stripe_contracts.graph.invoicing import INCOMPLETE_EXPIRY, Line, one_off_lines
from stripe_contracts.graph.model import (
    BillingModel,
    Phase,
    Plan,
    add_catalog_entry,
    make_plan,
    snapshot,
)
from stripe_contracts.graph.money import Coupon, parse_coupon
from stripe_contracts.graph.people import fake_card
from stripe_contracts.graph.render import render, render_entitlement_summary
from stripe_contracts.graph.settings import DEFAULT_SETTINGS, BillingSettings
from stripe_contracts.spec import Spec

JSON = Any
#: Days before a trial ends that Stripe sends `customer.subscription.trial_will_end`
#: (https://docs.stripe.com/billing/subscriptions/trials#webhooks).
TRIAL_WILL_END_DAYS = 3
#: Seconds between an invoice's finalization and the outcome of its payment attempt.
ATTEMPT_SECONDS = 2
#: The `proration_behavior` values modeled, of those POST /v1/subscriptions/{id} takes
#: (`always_invoice`, which invoices the prorations at once, is not).
PRORATION_BEHAVIORS = ("create_prorations", "none")
#: `pause_collection.behavior` values (the subscription's schema in the spec).
PAUSE_BEHAVIORS = ("keep_as_draft", "mark_uncollectible", "void")


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
    #: With several subscriptions (`scenarios.customer`): the customer's active entitlement
    #: ids over all of them, and the subscription a time-based notice is about.
    granted: tuple[str, ...] | None = None
    subject: str | None = None
    #: ... and the model of that subscription's own timeline at this moment (`model` is the
    #: first subscription's): what a request acting on `subject` sent and returned.
    subject_model: BillingModel | None = None


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
    start: int | None = None
    settings: BillingSettings = DEFAULT_SETTINGS
    catalog: JSON = None  # a catalog file's data: items then name its prices by lookup key
    customer: JSON = None  # the customer's own values: email, name, phone, address, metadata
    states: list[State] = field(default_factory=list)
    #: A customer's later subscription (`scenarios.customer`): ids of its own, and the first
    #: subscription's start, which dates the shared customer, card and catalog.
    ids: IdFactory | None = None
    origin: int | None = None

    def __post_init__(self) -> None:
        self.card = card_behaviour(self.card).name  # "ok" etc. are the earlier names
        if not isinstance(self.settings, BillingSettings):
            raise InvalidArgument(
                f"settings={self.settings!r} must be a BillingSettings",
                hint="e.g. settings=BillingSettings(retries=(3, 5, 7))",
            )
        items = None if self.catalog is not None else self.items  # lookup keys: the catalog's
        check_plan_arguments(self.spec, items=items, start=self.start, currency=self.currency)
        self._builder = GraphBuilder(spec=self.spec, seed=self.seed)
        self.plan: Plan = make_plan(
            seed=self.seed,
            items=self.items,
            currency=self.currency,
            collection_method=self.collection_method,
            trial_days=self.trial_days,
            card_outcome=self.card,
            start=self.start,
            intervals_allowed=self._builder.intervals,
            overrides={"customer": dict(self.customer)} if self.customer else {},
            settings=self.settings,
            catalog=self.catalog,
            ids=self.ids,
            origin=self.origin,
        )
        #: Told of every state this timeline pushes (the customer's timeline, once it has
        #: several subscriptions).
        self.observer: Callable[[Scenario], None] | None = None
        self._sent: set[tuple[str, int]] = set()  # time-based notices already sent
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

    def configure(self, **settings: JSON) -> Scenario:
        """Change account settings (`BillingSettings` fields) from now on; no API call."""
        self.settings = BillingSettings.from_dict({**self.settings.as_dict(), **settings})
        self.plan = replace(self.plan, settings=self.settings)
        return self

    # -- API calls -----------------------------------------------------------------------

    def create_customer(self) -> Scenario:
        self._action = "create_customer"
        self._push(self.plan.t0 - 2 * MINUTE, Phase(stage="customer"))
        return self

    def attach_payment_method(self, card: str | None = None) -> Scenario:
        """Attach a card and make it the customer's default (as the Dashboard does). The first
        one before subscribing; a later one replaces the default for the next attempts, a new
        PaymentMethod (`card`: a behaviour of `graph.cards`, e.g. "insufficient_funds")."""
        self._action = "attach_payment_method"
        if card is not None:
            self.card = card_behaviour(card).name
        if self.phase.stage in ("customer", "catalog"):
            self._require_stage("customer", "attach_payment_method")
            if self.plan.card_behaviour != self.card:
                self.plan = replace(
                    self.plan,
                    card=fake_card(self.seed, self.card),
                    card_behaviour=self.card,
                )
            self._push(self.plan.t0 - MINUTE, Phase(stage="payment_method"))
            return self
        index = len(self.plan.later_cards) + 1
        self.plan.later_cards.append((self.now, fake_card(self.seed, self.card, index), self.card))
        phase = self.phase
        self._push(self.now, replace(phase, card_index=index, has_payment_method=True))
        return self

    def create_subscription(
        self,
        *,
        coupon: str | dict[str, JSON] | None = None,
        metadata: JSON = None,
        tax_rate: str | None = None,
    ) -> Scenario:
        """Subscribe. The first invoice is created, finalized at once and, with the default
        `allow_incomplete`, paid from the customer's card within the same request: the
        subscription is created in the status that payment gives it. With
        `default_incomplete` it waits, incomplete, for the client to confirm the PaymentIntent
        (the `payment_behavior` parameter of POST /v1/subscriptions in the spec).

        `coupon` (a catalog coupon's key, or `{"percent_off": 20}`) discounts every invoice
        from the first; `metadata` is the subscription's; `tax_rate` (a catalog tax rate's
        key) is its default tax rate, applied to every invoice on the discounted amount
        (https://docs.stripe.com/billing/taxes/tax-rates)."""
        self._action = "create_subscription"
        has_pm = self.phase.stage == "payment_method"
        if self.phase.stage not in ("customer", "payment_method"):
            raise InvalidArgument(
                "create_subscription needs a customer and no subscription yet",
                hint="call create_customer() first, once",
            )
        self.plan.require_recurring()
        if coupon is not None:
            self.plan = replace(self.plan, coupon=self._coupon(coupon, start=self.plan.t0))
        if tax_rate is not None:
            if self.plan.catalog is None:
                raise InvalidArgument(
                    f"tax rate {tax_rate!r} names a catalog tax rate, but there is no catalog",
                    hint="pass catalog=... with tax_rates",
                )
            rate = self.plan.catalog.tax_rate(tax_rate, "tax_rates[0]")
            self.plan = replace(self.plan, tax_rate=rate)
        if metadata:
            subscription = {"metadata": {str(k): str(v) for k, v in metadata.items()}}
            self.plan = replace(
                self.plan, overrides={**self.plan.overrides, "subscription": subscription}
            )
        request = self._new_request()
        t0 = self.plan.t0
        card = self.phase.card_index  # the default card (a later subscription: maybe not the first)
        if self.plan.trial:
            trial = Phase(
                "trialing",
                trial_invoice=True,
                attempts=0,
                has_payment_method=has_pm,
                card_index=card,
            )
            self._push(t0, replace(trial, payment="draft"), request=request)
            self._push(t0, replace(trial, payment="none"), request=request)
            return self
        if self.collection_method == "send_invoice":
            sent = Phase("active", attempts=0, has_payment_method=has_pm, card_index=card)
            self._push(t0, replace(sent, payment="draft"), request=request)
            self._push(t0, replace(sent, payment="pending"), request=request)
            return self
        if not has_pm:
            raise InvalidArgument(
                "charging automatically without a trial needs a payment method",
                hint="call attach_payment_method() first, or pass trial_days / send_invoice",
            )
        if self.settings.payment_behavior == "default_incomplete":
            waiting = Phase("incomplete", attempts=0, card_index=card)
            self._push(t0, replace(waiting, payment="draft"), request=request)
            self._push(t0, replace(waiting, payment="pending"), request=request)
            return self
        outcome = self._card_outcome()
        status = "active" if outcome == "succeeded" else "incomplete"
        self._push(t0, Phase(status, payment="draft", attempts=0, card_index=card), request=request)
        self._push(
            t0, Phase(status, payment="processing", attempts=0, card_index=card), request=request
        )
        self._push(
            t0 + ATTEMPT_SECONDS,
            Phase(status, payment=outcome, attempts=1, card=self.card, card_index=card),
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
        """Invoice the pending items, then pay the invoice: two requests, as an integration
        makes them (Stripe's CLI trigger for `invoice.paid` / `invoice.payment_failed` does the
        same with no subscription involved).

        POST /v1/invoices creates a draft that is not collected automatically
        (`auto_advance` defaults to false for API invoices); POST /v1/invoices/{id}/pay
        finalizes it and charges the card as it behaves now.
        """
        self._require_stage("invoice_item", "create_and_pay_invoice")
        self._action = "create_invoice"
        self._push(self.plan.t0 + 1, Phase("active", stage="invoice", payment="draft", attempts=0))
        self._action = "pay_invoice"
        request = self._new_request()
        paying = Phase("active", stage="invoice", attempts=0)
        self._push(self.plan.t0 + 2, replace(paying, payment="processing"), request=request)
        outcome = "succeeded" if self._card_outcome() == "succeeded" else "declined"
        self._push(
            self.plan.t0 + 2 + ATTEMPT_SECONDS,
            replace(paying, payment=outcome, attempts=1, card=self.card),
            request=request,
        )
        self._action = "create_and_pay_invoice"
        return self

    def confirm_payment(self) -> Scenario:
        """The client confirms the first PaymentIntent: it completes 3-D Secure when the
        PaymentIntent requires an action, or pays with the card as it behaves now (the
        `default_incomplete` flow)."""
        self._action = "confirm_payment"
        if self.phase.status != "incomplete":
            raise InvalidArgument(
                f"confirm_payment needs an incomplete subscription, not {self.phase.status!r}",
                hint="use it after create_subscription() with card='requires_action' or "
                "payment_behavior='default_incomplete'",
            )
        if self.phase.payment == "requires_action":
            self.card = "success"  # the customer authenticated
        outcome = self._card_outcome()
        status = "active" if outcome == "succeeded" else "incomplete"
        attempts = self.phase.attempts + 1
        self._push(
            self.now + 2 * MINUTE,
            replace(
                self.phase,
                status=status,
                payment=outcome,
                attempts=attempts,
                card=self.card,
                declined_manually_at=None,
            ),
        )
        return self

    def update_items(
        self, items: list[dict[str, JSON]], *, proration_behavior: str = "create_prorations"
    ) -> Scenario:
        """Change prices mid-period (upgrade/downgrade): one new `{"price": ..., "quantity": n}`
        per item, in order; prorations wait for the next invoice (see `_change_items`)."""
        phase = self._require_status(("active", "trialing", "past_due"), "update_items")
        current = list(phase.items or self.plan.items)
        if len(items) != len(current):
            raise InvalidArgument(
                f"update_items got {len(items)} items for a subscription with {len(current)}",
                hint="pass one new {'price': ...} per existing item, in order",
            )
        changed: list[Item] = []
        for index, (old, request) in enumerate(zip(current, items, strict=True)):
            if self.plan.catalog is not None:  # the user's catalog: a price by lookup key
                price = self.plan.catalog.price(str(request.get("price")), f"items[{index}].price")
            else:
                _, price = add_catalog_entry(
                    self.plan,
                    f"item-{index}-v{len(self.states)}",
                    request,
                    self._builder.intervals,
                )
            quantity = int(request.get("quantity", old.quantity))
            changed.append(Item(old.id, price, quantity, old.created))
        return self._change_items(phase, changed, proration_behavior)

    def change_quantity(
        self,
        quantity: int,
        *,
        price: str | None = None,
        proration_behavior: str = "create_prorations",
    ) -> Scenario:
        """Set one item's quantity (the item of `price`, a lookup key or price id; needed only
        when the subscription has several items), keeping its price. Stripe prorates a quantity
        change like a price change (https://docs.stripe.com/billing/subscriptions/quantities)."""
        phase = self._require_status(("active", "trialing", "past_due"), "change_quantity")
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
            raise InvalidArgument(
                f"quantity={quantity!r} must be a whole number of at least 1",
                hint="e.g. quantity=3",
            )
        current = list(phase.items or self.plan.items)
        names = [item.price.lookup_key or item.price.id for item in current]
        if price is None and len(current) > 1:
            raise InvalidArgument(
                f"change_quantity: the subscription has {len(current)} items; say which by price",
                hint=f"add price: one of {', '.join(names)}",
            )
        matching = [
            i
            for i, item in enumerate(current)
            if price in (None, item.price.lookup_key, item.price.id)
        ]
        if not matching:
            raise InvalidArgument(
                f"change_quantity: no item of the subscription has price {price!r}",
                hint=nearest_hint(str(price), names, "prices of its items"),
            )
        changed = [
            replace(item, quantity=quantity) if i == matching[0] else item
            for i, item in enumerate(current)
        ]
        return self._change_items(phase, changed, proration_behavior)

    def _change_items(self, phase: Phase, changed: list[Item], proration_behavior: str) -> Scenario:
        """The subscription now bills `changed` (the same items, new prices or quantities).

        With `create_prorations` (Stripe's default) the unused time of each old item is
        credited and the remaining time of the new one charged, as pending invoice items billed
        on the next invoice; `none` changes the items without prorating
        (https://docs.stripe.com/billing/subscriptions/prorations, and `proration_behavior` of
        https://docs.stripe.com/api/subscriptions/update).
        """
        if proration_behavior not in PRORATION_BEHAVIORS:
            raise InvalidArgument.choice(
                "proration_behavior", proration_behavior, PRORATION_BEHAVIORS
            )
        # the same API call as any items update (POST /v1/subscriptions/{id} with `items`)
        prorate = proration_behavior == "create_prorations"
        self._action = "update_items" if prorate else "update_items_unprorated"
        current = list(phase.items or self.plan.items)
        start, end = self.current.model.subscription.period  # type: ignore[union-attr]
        now = self.now
        fraction = (end - now) / (end - start)
        pending = list(phase.pending)
        for index, (old, new) in enumerate(zip(current, changed, strict=True)):
            if not prorate or phase.status == "trialing":  # a trial was not paid for
                continue
            for sign, item, label in ((-1, old, "Unused"), (1, new, "Remaining")):
                amount = sign * round(item.price.amount_for(item.quantity) * fraction)
                key = f"proration-{len(self.states)}-{index}-{label}"
                pending.append(
                    Line(
                        id=self.plan.ids.named("line_item", key),
                        item=item,
                        amount=amount,
                        description=proration_description(label, item, now),
                        period=(now, end),
                        proration=True,
                        invoice_item=self.plan.ids.named("invoiceitem", key),
                    )
                )
        self._push(now, replace(phase, items=tuple(changed), pending=tuple(pending)))
        return self

    def apply_coupon(self, coupon: str | dict[str, JSON]) -> Scenario:
        """Apply a coupon to the running subscription (POST /v1/subscriptions/{id} with the
        coupon, https://docs.stripe.com/billing/subscriptions/coupons): its discount starts
        now and reduces the invoices created from now on. The invoice already issued keeps its
        amounts: "Once an invoice is finalized, monetary values ... become uneditable" (the
        spec's description of POST /v1/invoices/{invoice}), and subscription invoices cannot
        be revised (https://docs.stripe.com/invoicing/invoice-edits).
        `coupon`: a catalog coupon's key, or `{"percent_off": 20}` / `{"amount_off": 500}`."""
        self._action = "apply_coupon"
        phase = self._require_status(("active", "trialing", "past_due", "unpaid"), "apply_coupon")
        if self.plan.coupon is not None:
            raise InvalidArgument(
                f"the subscription already has coupon {self.plan.coupon.id!r}; replacing a "
                "coupon is not modeled",
                hint="apply one coupon per subscription",
            )
        self.plan = replace(self.plan, coupon=self._coupon(coupon, start=self.now))
        self._push(self.now, replace(phase, invoice_discounted=False))
        return self

    def _coupon(self, coupon: str | dict[str, JSON], *, start: int) -> Coupon:
        discount_id = self.plan.ids.named("discount", f"discount-{start}")
        if isinstance(coupon, str):
            if self.plan.catalog is None:
                raise InvalidArgument(
                    f"coupon {coupon!r} names a catalog coupon, but there is no catalog",
                    hint='pass catalog=..., or the coupon itself: {"percent_off": 20}',
                )
            found = self.plan.catalog.coupon(coupon, "coupon", discount_id=discount_id, start=start)
        else:
            coupon_id = self.plan.ids.named("coupon", f"coupon-{start}")
            parsed = parse_coupon(coupon, coupon_id=coupon_id, discount_id=discount_id)
            assert parsed is not None
            found = replace(parsed, start=start)
        if found.currency not in (None, self.plan.currency):
            raise InvalidArgument(
                f"coupon {coupon!r} takes {found.amount_off} {found.currency} off, but the "
                f"subscription bills in {self.plan.currency}",
                hint=f"use a coupon in {self.plan.currency} or a percent_off coupon",
            )
        return found

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

    # -- the latest invoice, by request -------------------------------------------------------

    def pay_invoice(self) -> Scenario:
        """Pay the latest invoice now with the customer's default card (POST
        /v1/invoices/{id}/pay without `paid_out_of_band`, which "Defaults to false": Stripe
        charges the card). An open or uncollectible invoice can be paid. A first attempt
        counts as attempt 1; later manual attempts "do not affect the retry schedule" (the
        spec's description of invoice.attempt_count). Paid, an incomplete subscription is
        active ("Once the first invoice is paid, the subscription moves into an `active`
        state": the subscription's `status` in the spec), and so is a past_due or unpaid one,
        as when a retry pays it (https://docs.stripe.com/billing/subscriptions/overview); the
        customer is no longer delinquent ("Paying an invoice ... via the API will set this
        field to false": customer.delinquent in the dahlia spec). A card that declines fails
        the attempt instead (`_pay_declined`)."""
        self._action = "pay_invoice"
        phase = self._require_open_invoice("pay_invoice", ("open", "uncollectible"))
        outcome = self._card_outcome()
        if outcome == "requires_action":
            raise InvalidArgument(
                f"pay_invoice: the default card ({self.card}) requires authentication; a manual "
                "payment that needs 3-D Secure is not modeled",
                hint="attach another card first (attach_payment_method: {card: success})",
            )
        if outcome == "declined":
            return self._pay_declined(phase)
        self._push(
            self.now,
            replace(
                phase,
                status="active"
                if phase.status in ("past_due", "unpaid", "incomplete")
                else phase.status,
                payment="succeeded",
                attempts=max(phase.attempts, 1),
                retrying=False,
                exhausted=False,
                card=self.card,
                paid_manually_at=self.now,
            ),
        )
        return self

    def _pay_declined(self, phase: Phase) -> Scenario:
        """POST /v1/invoices/{id}/pay with a card that declines: Stripe answers with a card
        error (HTTP 402, https://docs.stripe.com/api/errors: "402 Request Failed") and the
        attempt fails like an automatic one (https://docs.stripe.com/declines/card): the
        invoice stays open (or uncollectible), its PaymentIntent gets `last_payment_error`
        with the card's decline code and a new failed charge, and Stripe sends
        `invoice.payment_failed`, which "Occurs whenever an invoice payment attempt fails"
        (https://docs.stripe.com/api/events/types). "Any payment attempt counts as the first
        attempt, and subsequently only automatic retries increment the attempt count ...
        manual payment attempts after the first attempt do not affect the retry schedule"
        (invoice.attempt_count in the spec): `attempt_count` becomes at least 1 and
        `next_payment_attempt` stays as it was. `customer.delinquent` is set to true by "An
        automatic payment failure or passing the invoice.due_date" (the dahlia spec), not by
        a manual one: it stays as it was. The subscription's status stays too: it changes with
        the retry schedule (https://docs.stripe.com/billing/subscriptions/overview)."""
        was_delinquent = self.current.model.delinquent
        self._push(
            self.now,
            replace(
                phase,
                payment="declined",
                attempts=max(phase.attempts, 1),
                card=self.card,
                declined_manually_at=self.now,
                manual_declines=phase.manual_declines + 1,
                delinquency_cleared=phase.delinquency_cleared or not was_delinquent,
            ),
        )
        return self

    def void_invoice(self) -> Scenario:
        """Void the latest invoice (POST /v1/invoices/{id}/void): "Mark a finalized invoice as
        void. This cannot be undone" (the spec); open and uncollectible invoices can be voided,
        paid ones cannot. Its PaymentIntent is canceled and collection stops. A past_due or
        unpaid subscription whose latest invoice is voided becomes active
        (https://docs.stripe.com/billing/subscriptions/overview#voiding-invoice)."""
        self._action = "void_invoice"
        phase = self._require_open_invoice("void_invoice", ("open", "uncollectible"))
        self._push(self.now, replace(self._settled(phase), voided=True, invoice_closed_at=self.now))
        return self

    def mark_uncollectible(self) -> Scenario:
        """Mark the latest, open invoice uncollectible (POST
        /v1/invoices/{id}/mark_uncollectible, "for keeping track of bad debts"): collection
        stops, it can still be paid or voided, and "marking it uncollectible via the API will
        set [customer.delinquent] to false" (the dahlia spec). A past_due or unpaid
        subscription becomes active: a Stripe engineer's answer to a user who saw exactly this
        (https://doublepost.link/guild/841573134531821608/thread/931630145700245554/p/931630251476402176/,
        pointing to https://stripe.com/docs/billing/subscriptions/overview#voiding-invoice)."""
        self._action = "mark_uncollectible"
        phase = self._require_open_invoice("mark_uncollectible", ("open",))
        closed = replace(self._settled(phase), uncollectible=True, invoice_closed_at=self.now)
        self._push(self.now, replace(closed, delinquency_cleared=True))
        return self

    # -- paused collection ---------------------------------------------------------------------

    def pause_collection(self, behavior: str, *, resumes_at: int | None = None) -> Scenario:
        """Pause payment collection (POST /v1/subscriptions/{id} with `pause_collection`,
        https://docs.stripe.com/billing/subscriptions/pause-payment): the subscription stays
        active and keeps its access, invoices are still created at each renewal but not
        collected, per `behavior`: `keep_as_draft` (left drafts, auto_advance false),
        `mark_uncollectible` or `void` (finalized and at once marked uncollectible or voided).
        The invoice issued before the pause is still retried. No `invoice.upcoming` is sent
        while paused (the same page: no upcoming invoice emails or webhooks).

        `resumes_at` (a Unix time after now): "The time after which the subscription will
        resume collecting payments" (the spec's pause_collection.resumes_at); the same page
        lets a pause last indefinitely or end automatically on a date. When the clock passes
        it, `pause_collection` is cleared as by `resume_collection` (`_resume_automatically`).
        """
        self._action = "pause_collection"
        phase = self._require_status(("active", "trialing", "past_due"), "pause_collection")
        if behavior not in PAUSE_BEHAVIORS:
            raise InvalidArgument.choice("behavior", behavior, PAUSE_BEHAVIORS)
        whole = isinstance(resumes_at, int) and not isinstance(resumes_at, bool)
        if resumes_at is not None and (not whole or resumes_at <= self.now):
            raise InvalidArgument(
                f"resumes_at={resumes_at!r} is not after the time of the pause ({self.now})",
                hint="give a Unix time in the future, or in a scenario file a duration such "
                "as resumes_at: {days: 14}",
            )
        self._push(self.now, replace(phase, pause_collection=behavior, pause_resumes_at=resumes_at))
        return self

    def resume_collection(self) -> Scenario:
        """Resume payment collection (`pause_collection` set to "" on POST
        /v1/subscriptions/{id}): the next renewals are collected again; the invoices of the
        paused period stay as they are (drafts can be finalized by hand)."""
        self._action = "resume_collection"
        phase = self._require_status(
            ("active", "trialing", "past_due", "unpaid"), "resume_collection"
        )
        if phase.pause_collection is None:
            raise InvalidArgument(
                "resume_collection: payment collection is not paused",
                hint="pause it first (pause_collection: {behavior: void})",
            )
        self._push(self.now, replace(phase, pause_collection=None, pause_resumes_at=None))
        return self

    def _resume_automatically(self, phase: Phase) -> tuple[int, Phase, tuple[str, ...]] | None:
        """At `pause_collection.resumes_at` collection resumes by itself: Stripe clears
        `pause_collection` as a request setting it to "" would (a `customer.subscription.updated`
        with no request; no `customer.subscription.resumed`, which "Only applies when a
        `status=paused` subscription is resumed, not when payment collection is resumed",
        https://docs.stripe.com/api/events/types). "The time after which the subscription will
        resume collecting payments" (the spec): a renewal at that same second is collected.
        https://docs.stripe.com/billing/subscriptions/pause-payment"""
        if phase.pause_collection is None or phase.pause_resumes_at is None:
            return None
        resumed = replace(phase, pause_collection=None, pause_resumes_at=None)
        return max(phase.pause_resumes_at, self.now), resumed, ()

    def _settled(self, phase: Phase) -> Phase:
        """The latest invoice is no longer collected: no retries, and a subscription that was
        past_due or unpaid because of it is active again."""
        status = "active" if phase.status in ("past_due", "unpaid") else phase.status
        return replace(phase, status=status, retrying=False, exhausted=False)

    def _require_open_invoice(self, action: str, allowed: tuple[str, ...]) -> Phase:
        phase = self._require_status(("active", "past_due", "unpaid", "incomplete"), action)
        invoice = self.current.model.invoice
        status = invoice.status if invoice else "none"
        if status not in allowed:
            raise InvalidArgument(
                f"{action}: the latest invoice is {status}; it needs an invoice that is "
                f"{' or '.join(allowed)}",
                hint="a draft is finalized an hour after it is created; paid and void "
                "invoices are settled",
            )
        return phase

    def set_card(self, behaviour: str) -> Scenario:
        """How the card behaves on the next payment attempts (no API call, no event)."""
        self.card = card_behaviour(behaviour).name
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
            key = self._cycle_key(self.phase)
            self._push(when, phase, request=False, notices=notices)
            self._sent.update((notice, key) for notice in notices)  # sent once it happened
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

    def advance_to_next_retry(self) -> Scenario:
        """Move the clock to just after the next automatic payment retry."""
        return self.advance(minutes=(self.next_retry_at() - self.now) / MINUTE + 1)

    def next_retry_at(self) -> int:
        """When the latest invoice's next automatic payment attempt is due."""
        invoice = self.current.model.invoice
        retry = invoice.next_payment_attempt if invoice else None
        if retry is None:
            raise InvalidArgument(
                "no payment retry is scheduled now",
                hint="retries follow a declined renewal; see the account's retries setting",
            )
        return retry

    def advance_until_retries_end(self) -> Scenario:
        """Move the clock past the last retry of the account's schedule."""
        while self.current.model.invoice and self.current.model.invoice.next_payment_attempt:
            self.advance_to_next_retry()
        return self

    def _next_automatic(self) -> tuple[int, Phase, tuple[str, ...]] | None:
        """The next state Stripe would reach on its own, with when, or None."""
        model = self.current.model
        phase, sub, invoice = model.phase, model.subscription, model.invoice
        if sub is None or invoice is None or phase.status in ("canceled", "incomplete_expired"):
            return None
        if phase.status == "incomplete":
            if phase.payment == "succeeded":
                return None
            expiry = self.plan.t0 + INCOMPLETE_EXPIRY
            expired = replace(
                phase, status="incomplete_expired", voided=True, canceled_at=expiry, ended_at=expiry
            )
            return expiry, expired, ()
        end = sub.period[1]
        steps: list[tuple[int, Phase, tuple[str, ...]]] = []
        for when, notice in self._notices(phase, end):
            steps.append((when, phase, (notice,)))
        resume = self._resume_automatically(phase)  # before a change of the same moment
        if resume is not None:
            steps.append(resume)
        change = self._next_change(phase, invoice, end)
        if change is not None:
            steps.append((change[0], change[1], ()))
        if not steps:
            return None
        return min(steps, key=lambda step: (step[0], not step[2]))

    def _notices(self, phase: Phase, end: int) -> list[tuple[int, str]]:
        """Time-based events still to come before the next automatic invoice."""
        found: list[tuple[int, str]] = []
        key = self._cycle_key(phase)
        # `invoice.upcoming`: "X number of days before a subscription is scheduled to create an
        # invoice that is automatically charged" (the event's description), the first invoice
        # after a trial included
        automatic = self.collection_method == "charge_automatically" and not (
            phase.cancel_at_period_end
            or phase.pause_collection is not None
            or phase.status not in ("active", "trialing", "past_due")
            or (phase.status == "trialing" and not phase.has_payment_method)
        )
        upcoming = end - self.settings.upcoming_days * DAY
        if automatic and upcoming >= self.now and ("invoice.upcoming", key) not in self._sent:
            found.append((upcoming, "invoice.upcoming"))
        if phase.status == "trialing":
            warn = end - TRIAL_WILL_END_DAYS * DAY
            if warn >= self.now and ("customer.subscription.trial_will_end", key) not in self._sent:
                found.append((warn, "customer.subscription.trial_will_end"))
        return found  # at the same moment, in Stripe's order (`EVENT_ORDER`)

    def _cycle_key(self, phase: Phase) -> int:
        return -1 if phase.status == "trialing" else phase.cycle

    def _next_change(self, phase: Phase, invoice: JSON, end: int) -> tuple[int, Phase] | None:
        if phase.status == "trialing":
            if not phase.has_payment_method:
                return end, replace(phase, status="paused")
            return end, self._draft(phase, cycle=0)
        if phase.status == "paused":
            return None
        closing = phase.invoice_paused in ("void", "mark_uncollectible")
        if closing and phase.payment == "draft":  # finalized at once, then closed
            return invoice.created, replace(phase, payment="pending", attempts=0)
        if closing and phase.payment == "pending" and not (phase.voided or phase.uncollectible):
            return invoice.created, self._close_paused(phase, invoice.created)
        if phase.payment == "draft" and phase.invoice_paused is None:
            # finalized once the grace period has passed (keep_as_draft: never by itself)
            return invoice.created + round(self.settings.finalization_grace_hours * HOUR), (
                self._finalize(phase)
            )
        if phase.payment == "processing":  # attempted as soon as it is finalized
            return (invoice.finalized_at or invoice.created) + ATTEMPT_SECONDS, self._charge(phase)
        if phase.status == "past_due" and invoice.next_payment_attempt:
            when = invoice.next_payment_attempt
            return when, self._retry(phase, when)
        if phase.status == "unpaid":
            # Stripe keeps creating an unpaid subscription's invoices without attempting them
            # (https://docs.stripe.com/billing/subscriptions/overview); not modeled: the
            # timeline of an unpaid subscription ends here
            return None
        if phase.cancel_at_period_end:
            return end, replace(phase, status="canceled", ended_at=end)
        return end, self._draft(phase, cycle=phase.cycle + 1)

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
            invoice_discounted=True,
            # a new invoice: not yet paid by a request, voided or marked uncollectible
            paid_manually_at=None,
            declined_manually_at=None,
            manual_declines=0,
            voided=False,
            uncollectible=False,
            invoice_closed_at=None,
            delinquency_cleared=False,
            invoice_paused=phase.pause_collection,
        )

    def _close_paused(self, phase: Phase, when: int) -> Phase:
        """A renewal of a paused period, finalized and at once voided or marked uncollectible:
        nothing is attempted (https://docs.stripe.com/billing/subscriptions/pause-payment)."""
        closed = replace(phase, invoice_closed_at=when)
        if phase.invoice_paused == "void":
            return replace(closed, voided=True)
        return replace(closed, uncollectible=True)

    def _finalize(self, base: Phase) -> Phase:
        """A draft finalized: open, its PaymentIntent created, no attempt yet (send_invoice:
        sent to the customer)."""
        if self.collection_method == "send_invoice":
            return replace(base, payment="pending", attempts=0)
        return replace(base, payment="processing", attempts=0)

    def _charge(self, base: Phase) -> Phase:
        """The first attempt on a finalized invoice, with the card as it behaves now."""
        if self._card_outcome() == "succeeded":
            return replace(base, status="active", payment="succeeded", attempts=1, card=self.card)
        return replace(
            base,
            status="past_due",
            payment="declined",
            attempts=1,
            retrying=True,
            card=self.card,
        )

    def _card_outcome(self) -> str:
        return card_behaviour(self.card).outcome

    def _retry(self, phase: Phase, when: int) -> Phase:
        attempts = phase.attempts + 1
        if self._card_outcome() == "succeeded":
            return replace(
                phase,
                status="active",
                payment="succeeded",
                attempts=attempts,
                retrying=False,
                card=self.card,
                declined_manually_at=None,
            )
        failed = replace(phase, attempts=attempts, card=self.card, declined_manually_at=None)
        if attempts < len(self.settings.attempt_days):
            return failed
        return self._retries_ended(failed, when)

    def _retries_ended(self, phase: Phase, when: int) -> Phase:
        """Every retry failed: the account's settings decide what becomes of the subscription
        and of the invoice (Dashboard: Billing > Revenue recovery > Retries,
        https://docs.stripe.com/billing/revenue-recovery/smart-retries)."""
        ended = replace(phase, retrying=False, exhausted=True)
        invoice_ending = self.settings.invoice_after_retries
        if invoice_ending == "uncollectible":
            ended = replace(ended, uncollectible=True, invoice_closed_at=when)
        elif invoice_ending == "void":
            ended = replace(ended, voided=True, invoice_closed_at=when)
        ending = self.settings.subscription_after_retries
        if ending == "cancel":
            return replace(
                ended,
                status="canceled",
                canceled_at=when,
                ended_at=when,
                cancel_reason="payment_failed",
            )
        return replace(ended, status="unpaid" if ending == "unpaid" else "past_due")

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
        if self.observer is not None:
            self.observer(self)

    def _upcoming_invoice(self, phase: Phase) -> dict[str, JSON]:
        """The next renewal's invoice as a preview. It is not an invoice yet: versions whose
        invoice schema does not require an id send it without one; from basil on a preview has
        an `upcoming_in_...` id (the create-preview response of
        https://docs.stripe.com/api/invoices/create_preview)."""
        cycle = 0 if phase.status == "trialing" else phase.cycle + 1
        model = snapshot(self.plan, self._draft(phase, cycle=cycle))
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


def proration_description(label: str, item: Item, at: int) -> str:
    """How Stripe describes a proration line: "Unused time on Base after 16 May 2018",
    "Remaining time on 2 <times> Mirror Subscription after 14 Jan 2019" (<times> is U+00D7).
    Both from Stripe responses: one shared at https://pastebin.com/Rxuk5FLW, one an
    invoice.payment_failed event of API 2018-11-08 logged in a public webhook controller. The
    prorations page (https://docs.stripe.com/billing/subscriptions/prorations) names the two
    lines "Unused time on ..." and "Remaining time on ..."."""
    quantity = f"{item.quantity} \N{MULTIPLICATION SIGN} " if item.quantity > 1 else ""
    day = datetime.fromtimestamp(at, tz=UTC).strftime("%d %b %Y")
    return f"{label} time on {quantity}{item.price.product.name} after {day}"
