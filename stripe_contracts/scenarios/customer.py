"""`Subscriptions`: a customer's subscriptions on one clock, each its own `Scenario`.

A scenario file's first `subscribe` step subscribes the first timeline, exactly as a
single-subscription scenario does. A later `subscribe` starts another `Scenario` for the same
customer: its own `Plan` and `Phase`s, its ids named inside a namespace of its own
(`graph.ids.SubscriptionIds`: `sub_`, `si_`, `in_`, `pi_`, `ch_`, `req_` differ from the first
subscription's), while the customer, its cards, the catalog and the clock are shared.

From then on the first timeline's `states` are the customer's: each holds every subscription's
objects at that moment, so events keep being derived from consecutive states
(`scenarios.events`) and a bundle holds both subscriptions' objects. Customer-level values are
computed here, over the subscriptions:

- active entitlements are the union of what each subscription grants. Stripe entitles *the
  customer*: "When customers subscribe to your products, Stripe Billing entitles the customer to
  the product's features", one feature may belong to several products, and the active
  entitlements are listed per customer, not per subscription
  (https://docs.stripe.com/billing/entitlements,
  https://docs.stripe.com/api/entitlements/active-entitlement/list). No Stripe page spells out
  the case of two subscriptions granting one feature; one active entitlement per feature the
  customer is entitled to is what those statements give. `entitlements.active_entitlement_summary
  .updated` is sent when that union changes.
- invoice numbers follow one sequence per customer (the customer's `invoice_prefix` and
  `next_invoice_sequence`: "The suffix of the customer's next invoice number", the spec's
  description of `customer.next_invoice_sequence`), in the order the invoices are finalized.
- `customer.delinquent` "Tracks the most recent state change on any invoice belonging to the
  customer" (the spec's description): it is the value of the subscription whose invoice
  changed last.

Later steps act on the latest subscription unless they name one (`subscription: 2`, or the
`key` given at `subscribe`).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from stripe_contracts.errors import InvalidArgument
from stripe_contracts.graph.catalog import nearest_hint
from stripe_contracts.graph.clock import DAY, HOUR, MINUTE
from stripe_contracts.graph.ids import SubscriptionIds
from stripe_contracts.graph.model import Phase
from stripe_contracts.graph.render import render_entitlement_summary
from stripe_contracts.scenarios.timeline import Scenario, State

JSON = Any
#: Step verbs whose arguments do not choose a subscription (`expect: {subscription: ...}` names
#: an object type; the customer's card and a new subscription are not one subscription's).
NOT_CHOOSING = frozenset(
    {
        "attach_payment_method",
        "card",
        "set_card",
        "subscribe",
        "one_off_invoice",
        "expect",
        "expect_event",
        "check",
    }
)


class Subscriptions:
    """The customer's subscriptions: `first` (whose `states` are the customer's timeline) and
    every later one, with the names steps choose them by."""

    def __init__(self, first: Scenario) -> None:
        self.first = first
        self.timelines: list[Scenario] = [first]
        self.keys: list[str | None] = [None]  # the `key` each was given at subscribe
        self._subscribed = False
        self._own: list[State] = []  # each timeline's latest state of its own
        self._numbers: dict[str, int] = {}  # invoice id -> its number's sequence
        self._billing = 0  # the timeline whose invoice changed last

    @property
    def several(self) -> bool:
        return len(self.timelines) > 1

    def names(self) -> list[str]:
        """How steps may name each subscription: its number (1, 2, ...) and its key."""
        found = [str(n) for n in range(1, len(self.timelines) + 1)]
        return found + [k for k in self.keys if k is not None]

    # -- choosing -------------------------------------------------------------------------

    def target(self, verb: str, arguments: JSON) -> Scenario:
        """The timeline a step acts on: the one it names, else the latest one (for `subscribe`,
        the one `step` just started)."""
        if verb == "subscribe":
            return self.timelines[-1]
        if verb in NOT_CHOOSING or not isinstance(arguments, dict):
            return self.first
        name = arguments.get("subscription")
        chosen = self.timelines[-1] if name is None else self._named(name)
        self._sync()
        return chosen

    def _named(self, name: JSON) -> Scenario:
        text = str(name)
        for index, key in enumerate(self.keys):
            if key is not None and key == text:
                return self.timelines[index]
        if text.isdigit() and 1 <= int(text) <= len(self.timelines):
            return self.timelines[int(text) - 1]
        raise InvalidArgument(
            f"subscription: {name!r} is not a subscription of this customer (yet)",
            hint=nearest_hint(text, self.names(), "subscriptions so far"),
        )

    # -- steps that concern the customer --------------------------------------------------

    def step(self, verb: str, arguments: JSON) -> bool:
        """Run a step that concerns several subscriptions; False if it is one timeline's (then
        run it on `target(verb, arguments)`). A later `subscribe` starts the new timeline here;
        the step itself then subscribes it, as the first one."""
        if verb == "subscribe":
            self._subscribe(arguments if isinstance(arguments, dict) else {})
            return False
        if not self.several:
            return False
        if verb in ("attach_payment_method", "card"):
            card = arguments.get("card") if isinstance(arguments, dict) else arguments
            self.attach_payment_method(card or "success")
            return True
        if verb == "set_card":  # the customer's card: every subscription's payments
            for timeline in self.timelines:
                timeline.set_card(str(arguments))
            return True
        if verb == "advance":
            self.advance(arguments, self.target(verb, arguments))
            return True
        return False

    def _subscribe(self, arguments: dict[str, JSON]) -> None:
        key = arguments.get("key")
        if key is not None and str(key) in self.names():
            raise InvalidArgument(
                f"key: {key!r} already names a subscription of this customer",
                hint=f"choose another key (taken: {', '.join(self.names())})",
            )
        if not self._subscribed:  # the first subscription: the scenario's own plan
            self._subscribed = True
            self.keys[0] = None if key is None else str(key)
            return
        self.add(arguments, key=None if key is None else str(key))

    def add(self, arguments: dict[str, JSON], *, key: str | None = None) -> Scenario:
        """A further subscription of the customer, not yet subscribed: a timeline of its own on
        the shared clock, with the customer as it is now (call `create_subscription` on it)."""
        first = self.first
        if first.current.model.subscription is None:
            raise InvalidArgument(
                "a second subscription needs the first one", hint="subscribe once before"
            )
        if first.catalog is None:  # the named flows make their prices per item position
            raise InvalidArgument(
                "a second subscription needs the prices of a catalog file, by lookup key",
                hint="give the scenario a catalog (`catalog:` or --catalog)",
            )
        number = len(self.timelines) + 1
        if not self.several:
            self._own = [first.current]
            self._number_invoices(first.states)
        self._sync()
        later = Scenario(
            first.spec,
            seed=first.seed,
            name=first.name,
            items=arguments.get("items"),
            trial_days=arguments.get("trial_days"),
            collection_method=arguments.get("collection_method", "charge_automatically"),
            card=first.card,
            start=first.now,
            settings=first.settings,
            catalog=first.catalog,
            customer=first.customer,
            ids=SubscriptionIds(first.seed, f"subscription-{number}"),
            origin=first.plan.customer_t0,
        )
        currency, ours = later.plan.currency, first.plan.currency
        if currency != ours:
            raise InvalidArgument(
                f"the items' prices are in {currency}, but this customer is billed in {ours}",
                hint=f"choose prices in {ours}: a customer has one currency, 'the currency the "
                "customer can be charged in for recurring billing purposes' (the spec's "
                "description of customer.currency)",
            )
        # the customer's cards are the first timeline's: the same first card, the same list
        # of later ones (appended as the customer attaches them)
        later.plan = replace(
            later.plan,
            card=first.plan.card,
            card_behaviour=first.plan.card_behaviour,
            later_cards=first.plan.later_cards,
        )
        has_card = first.current.model.payment_method_id is not None
        later._push(
            first.now,
            Phase(
                stage="payment_method" if has_card else "customer",
                card_index=first.phase.card_index,
                has_payment_method=has_card,
            ),
            request=False,
        )
        self.timelines.append(later)
        self.keys.append(key)
        self._own.append(later.current)
        for timeline in self.timelines:
            timeline.observer = self._pushed
        return later

    def attach_payment_method(self, card: str) -> None:
        """A new default card for the customer: every subscription pays with it from now on."""
        self._sync()
        self.first.attach_payment_method(card)
        index = self.first.phase.card_index
        for timeline in self.timelines[1:]:
            timeline.card = self.first.card
            phase = replace(timeline.phase, card_index=index, has_payment_method=True)
            timeline._push(self.first.now, phase, request=False)

    # -- the clock ------------------------------------------------------------------------

    def advance(self, arguments: JSON, chosen: Scenario) -> None:
        """`advance` with several subscriptions: `to` a moment of the chosen subscription, then
        `days` / `hours`; every subscription reaches what Stripe does by itself on the way."""
        to = arguments.get("to")
        model = chosen.current.model
        if to == "period_end":
            assert model.subscription is not None
            self.advance_to(model.subscription.period[1] + 2 * HOUR)
        elif to == "trial_end":
            if chosen.plan.trial is None:
                raise InvalidArgument(
                    "advance to trial_end: the subscription has no trial",
                    hint="name a subscription with a trial (subscription: ...)",
                )
            self.advance_to(chosen.plan.trial[1] + 120 * MINUTE)
        elif to == "next_retry":
            self.advance_to(chosen.next_retry_at() + MINUTE)
        elif to == "retries_end":
            while (invoice := chosen.current.model.invoice) and invoice.next_payment_attempt:
                self.advance_to(invoice.next_payment_attempt + MINUTE)
        days, hours = arguments.get("days", 0), arguments.get("hours", 0)
        later = int(days * DAY + hours * HOUR + arguments.get("minutes", 0) * MINUTE)
        self.advance_to(self.first.now + later)

    def advance_to(self, target: int) -> None:
        """Move the shared clock to `target`: the earliest automatic step of any subscription
        first (renewals at each one's own period end, retries, notices), as
        `Scenario.advance` does for one."""
        first = self.first
        if target < first.now:
            raise InvalidArgument(
                "advance cannot move the clock backwards", hint="pass a positive days or hours"
            )
        while True:
            self._sync()
            chosen: tuple[Scenario, tuple[int, Phase, tuple[str, ...]]] | None = None
            for timeline in self.timelines:
                step = timeline._next_automatic()
                if step is not None and (chosen is None or step[0] < chosen[1][0]):
                    chosen = (timeline, step)
            if chosen is None or chosen[1][0] > target:
                break
            timeline, (when, phase, notices) = chosen
            when = max(when, first.now)  # the shared clock never goes back
            key = timeline._cycle_key(timeline.phase)
            timeline._push(when, phase, request=False, notices=notices)
            timeline._sent.update((notice, key) for notice in notices)
        if first.now < target:
            first.states.append(
                replace(first.current, time=target, request=None, idempotency_key=None, notices=())
            )
        self._sync()

    def _sync(self) -> None:
        """Bring every later timeline's own clock to the customer's (no change, no event)."""
        now = self.first.now
        for index, timeline in enumerate(self.timelines[1:], start=1):
            if timeline.now < now:
                idle = replace(
                    timeline.current, time=now, request=None, idempotency_key=None, notices=()
                )
                timeline.states.append(idle)
                self._own[index] = idle

    # -- the customer's states ------------------------------------------------------------

    def _pushed(self, timeline: Scenario) -> None:
        """A timeline pushed a state: the customer's state of that moment joins the first
        timeline's states (replacing the first timeline's own state when it pushed)."""
        index = next(i for i, t in enumerate(self.timelines) if t is timeline)
        own = timeline.states[-1]
        before = self._own[index]
        self._own[index] = own
        invoice = own.model.invoice
        if invoice is not None and before.objects.get(invoice.id) != own.objects.get(invoice.id):
            self._billing = index
        merged = self._merge(own)
        if timeline is self.first:
            self.first.states[-1] = merged
        else:
            self.first.states.append(merged)

    def _merge(self, own: State) -> State:
        objects: dict[str, dict[str, JSON]] = {}
        for state in self._own:
            objects.update(state.objects)
        self._number_invoices_in(objects)
        customer_id = self.first.plan.customer_id
        if customer_id in own.objects:
            customer = dict(own.objects[customer_id])
            billing = self._own[self._billing].objects.get(customer_id, {})
            if "delinquent" in customer:
                customer["delinquent"] = billing.get("delinquent", customer["delinquent"])
            if "next_invoice_sequence" in customer:
                customer["next_invoice_sequence"] = max(self._numbers.values(), default=0) + 1
            objects[customer_id] = customer
        granted: dict[str, str] = {}
        for state in self._own:
            granted.update(state.model.entitlement_ids)
        features = [f.id for f in self.first.plan.features]
        ordered = {f: granted[f] for f in sorted(granted, key=_order_in(features))}
        model = replace(self._own[0].model, entitlement_ids=ordered)
        summary = render_entitlement_summary(model, objects, self.first.spec)
        subject = own.model.subscription.id if own.model.subscription else None
        return replace(
            own,
            model=self._own[0].model,
            objects=objects,
            summary=summary,
            granted=tuple(sorted(ordered.values())),
            subject=subject,
            subject_model=own.model,
        )

    def _number_invoices(self, states: list[State]) -> None:
        """The numbers the first subscription's invoices already have."""
        for state in states:
            for obj in state.objects.values():
                number = obj.get("number") if obj.get("object") == "invoice" else None
                if number and obj["id"] not in self._numbers:
                    self._numbers[obj["id"]] = int(str(number).rsplit("-", 1)[1])

    def _number_invoices_in(self, objects: dict[str, dict[str, JSON]]) -> None:
        """Give every finalized invoice the customer's next number, once, in order."""
        for object_id, obj in objects.items():
            if obj.get("object") != "invoice" or not obj.get("number"):
                continue
            if object_id not in self._numbers:
                self._numbers[object_id] = max(self._numbers.values(), default=0) + 1
            prefix = str(obj["number"]).rsplit("-", 1)[0]
            number = f"{prefix}-{self._numbers[object_id]:04d}"
            if number != obj["number"]:
                objects[object_id] = {**obj, "number": number}


def check_subscription_names(steps: list[dict[str, JSON]]) -> tuple[int, str, str, str] | None:
    """The first step that names a subscription the customer does not have at that step (or
    gives `subscribe` a key already taken), as (step number, verb, message, hint); None if
    every name is good. Checked before any step runs, so nothing is delivered or written."""
    keys: list[str | None] = []
    for number, step in enumerate(steps, start=1):
        ((verb, arguments),) = step.items()
        if not isinstance(arguments, dict):
            continue
        names = [str(n) for n in range(1, len(keys) + 1)] + [k for k in keys if k is not None]
        if verb == "subscribe":
            key = arguments.get("key")
            if key is not None and str(key) in names:
                message = f"key: {key!r} already names a subscription of this customer"
                return number, verb, message, f"choose another key (taken: {', '.join(names)})"
            keys.append(None if key is None else str(key))
        elif verb not in NOT_CHOOSING and arguments.get("subscription") is not None:
            name = arguments["subscription"]
            if str(name) not in names:
                message = f"subscription: {name!r} is not a subscription of this customer (yet)"
                return number, verb, message, nearest_hint(str(name), names, "subscriptions so far")
    return None


def _order_in(order: list[str]) -> Any:
    return lambda feature_id: order.index(feature_id) if feature_id in order else len(order)


def subscription_count(scenario: Scenario) -> int:
    """How many subscriptions the scenario's customer has had."""
    objects = scenario.latest_objects().values()
    return len({o["id"] for o in objects if o.get("object") == "subscription"})


__all__ = ["NOT_CHOOSING", "Subscriptions", "check_subscription_names", "subscription_count"]
