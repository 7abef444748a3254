"""Hypothesis strategies for subscription graphs. Import this module explicitly:

    from stripe_contracts.strategies import subscription_graphs

    @given(graph=subscription_graphs(spec, statuses=["past_due", "unpaid"]))
    def test_dunning_emails(graph): ...

`subscription_arguments` draws the keyword arguments of `GraphBuilder.subscription` (so a test
can see what was asked); `subscription_graphs` builds them. Everything the builder would
reject is left out by construction, never filtered: one interval per subscription, one
currency, no trial on a subscription that never got past its first payment. Nothing else in
the package imports Hypothesis.

For fuzzing webhook handlers, `event_sequences` draws a billing flow (`scenarios.FLOWS`), a
seed and the flow's options, and returns its events in delivery order; `events(type=...)`
draws single events of the given types out of such sequences.
"""

from __future__ import annotations

import calendar
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from stripe_contracts.errors import InvalidArgument
from stripe_contracts.graph.builder import Graph, GraphBuilder
from stripe_contracts.graph.expand import payment_expand_path
from stripe_contracts.graph.model import COLLECTION_METHODS, PAYMENT_OUTCOMES
from stripe_contracts.scenarios import FLOWS, build_events, run_flow
from stripe_contracts.spec import Spec

JSON = Any

#: Two-decimal and zero-decimal currencies (jpy, krw bill in whole units).
CURRENCIES = ("usd", "eur", "jpy", "gbp", "krw")
#: Expand paths every graph can take, whatever its status, on versions whose invoices name
#: their PaymentIntent (before basil); `expand_paths_for(spec)` gives the right ones for a spec.
EXPAND_PATHS = (
    "customer",
    "latest_invoice",
    "latest_invoice.payment_intent",
    "items.data.price.product",
    "default_payment_method",
)
FEATURE_KEYS = (
    "basic_features",
    "extended_features",
    "api_access",
    "sso",
    "priority_support",
    "audit_log",
)
PRODUCT_NAMES = ("Standard", "Advanced", "Add-on", "Team seats")
#: A trial starts without a payment, so these statuses never have one (the builder agrees).
_NO_TRIAL = frozenset({"incomplete", "incomplete_expired"})
#: Statuses whose latest invoice waits for (or failed) a payment: Stripe marks an invoice of 0
#: paid at once, so these need something to pay, and the first (recurring) item costs > 0.
_AWAITING_PAYMENT = frozenset({"incomplete", "incomplete_expired", "past_due", "unpaid"})
_YEARS = (2000, 2040)

__all__ = [
    "CURRENCIES",
    "EXPAND_PATHS",
    "FEATURE_KEYS",
    "event_sequences",
    "events",
    "expand_paths_for",
    "starts",
    "subscription_arguments",
    "subscription_graphs",
    "tiers",
]


def expand_paths_for(spec: Spec) -> tuple[str, ...]:
    """`EXPAND_PATHS` with the payment path the spec's invoices have (`payment_expand_path`)."""
    payment = payment_expand_path(spec)
    return tuple(payment if p == "latest_invoice.payment_intent" else p for p in EXPAND_PATHS)


def subscription_graphs(
    spec: Spec,
    *,
    statuses: Sequence[str] | None = None,
    currencies: Sequence[str] = CURRENCIES,
    expand_paths: Sequence[str] | None = None,
) -> st.SearchStrategy[Graph]:
    """Consistent subscription graphs for `spec`, validated by the builder as they are built.

    `statuses` narrows the statuses drawn (default: every status the spec defines);
    `expand_paths` defaults to `expand_paths_for(spec)`.
    """
    builder = GraphBuilder(spec=spec)
    arguments = subscription_arguments(
        spec, statuses=statuses, currencies=currencies, expand_paths=expand_paths
    )
    return arguments.map(lambda kwargs: builder.subscription(**kwargs))


def subscription_arguments(
    spec: Spec,
    *,
    statuses: Sequence[str] | None = None,
    currencies: Sequence[str] = CURRENCIES,
    expand_paths: Sequence[str] | None = None,
) -> st.SearchStrategy[dict[str, JSON]]:
    """Keyword arguments for `GraphBuilder(spec=spec).subscription(**kwargs)`.

    Every key is always present (`None` where the builder's default applies), so a test can
    compute what the graph must look like from the arguments alone.
    """
    builder = GraphBuilder(spec=spec, validate=False)
    allowed = builder.statuses
    chosen = tuple(allowed if statuses is None else statuses)
    for status in chosen:
        if status not in allowed:
            raise InvalidArgument.choice("statuses", status, allowed)
    if not chosen:
        raise InvalidArgument("statuses=[] leaves nothing to draw", hint="leave it out for all")
    if not currencies:
        raise InvalidArgument("currencies=[] leaves nothing to draw", hint="e.g. ['usd']")
    paths = expand_paths_for(spec) if expand_paths is None else tuple(expand_paths)
    return _arguments(chosen, builder.intervals, tuple(currencies), paths)


@st.composite
def _arguments(
    draw: st.DrawFn,
    statuses: tuple[str, ...],
    intervals: tuple[str, ...],
    currencies: tuple[str, ...],
    expand_paths: tuple[str, ...],
) -> dict[str, JSON]:
    status = draw(st.sampled_from(statuses))
    interval = draw(st.sampled_from(intervals))
    interval_count = draw(st.integers(1, 3))
    currency = draw(st.sampled_from(currencies))
    # the currency is named on the subscription, on every price, or on both
    where = draw(st.sampled_from(("subscription", "prices", "both")))
    price_currency = None if where == "subscription" else currency
    collection_method = draw(st.sampled_from(COLLECTION_METHODS))
    awaiting = status in _AWAITING_PAYMENT or (
        status == "active" and collection_method == "send_invoice"  # sent, not yet paid
    )
    count = draw(st.integers(1, 4))
    items = [
        draw(
            _items(
                interval,
                interval_count,
                price_currency,
                one_time_allowed=index > 0,
                positive=awaiting and index == 0,
            )
        )
        for index in range(count)
    ]
    trial_days = None if status in _NO_TRIAL else draw(st.none() | st.integers(1, 60))
    return {
        "status": status,
        "items": items,
        "currency": None if where == "prices" else currency,
        "collection_method": collection_method,
        "trial_days": trial_days,
        "payment_outcome": draw(st.sampled_from(PAYMENT_OUTCOMES)),
        "start": draw(st.none() | starts()),
        "expand": draw(st.lists(st.sampled_from(expand_paths), unique=True)),
        "seed": draw(st.integers(0, 2**32 - 1)),
    }


@st.composite
def _items(
    draw: st.DrawFn,
    interval: str,
    interval_count: int,
    currency: str | None,
    *,
    one_time_allowed: bool,
    positive: bool,
) -> dict[str, JSON]:
    # "occasionally": the rarer choice sits at the top of the range, so shrinking leaves it
    one_time = one_time_allowed and draw(st.integers(0, 5)) == 5
    tiered = draw(st.integers(0, 4)) == 4
    price: dict[str, JSON] = {
        "recurring": None if one_time else {"interval": interval, "interval_count": interval_count},
    }
    if tiered:
        price["tiers_mode"] = draw(st.sampled_from(("graduated", "volume")))
        price["tiers"] = draw(tiers(positive=positive))
    else:
        price["unit_amount"] = draw(st.integers(1 if positive else 0, 100_000))
    if currency is not None:
        price["currency"] = currency
    product: dict[str, JSON] = {
        "features": draw(st.lists(st.sampled_from(FEATURE_KEYS), max_size=3)),
    }
    name = draw(st.none() | st.sampled_from(PRODUCT_NAMES))
    if name is not None:
        product["name"] = name
    return {"price": price, "quantity": draw(st.integers(1, 50)), "product": product}


def tiers(*, positive: bool = False) -> st.SearchStrategy[list[dict[str, JSON]]]:
    """Price tiers: ascending `up_to` bounds within the quantities drawn, ending with 'inf'.

    `positive` gives every tier a unit amount above 0, so any quantity costs something.
    """
    units = st.integers(1 if positive else 0, 5_000)
    flats = st.integers(0, 10_000)
    amounts = st.one_of(
        st.fixed_dictionaries({"unit_amount": units}),
        st.fixed_dictionaries({"unit_amount": units, "flat_amount": flats}),
        *([] if positive else [st.fixed_dictionaries({"flat_amount": flats})]),
    )
    bounds = st.lists(st.integers(1, 60), unique=True, max_size=3).map(sorted)
    return bounds.flatmap(
        lambda ups: st.tuples(*[amounts] * (len(ups) + 1)).map(
            lambda tier_amounts: [
                {"up_to": up, **amount}
                for up, amount in zip([*ups, "inf"], tier_amounts, strict=True)
            ]
        )
    )


@st.composite
def starts(draw: st.DrawFn) -> int:
    """UTC timestamps across years, month ends (31 Jan, 29 Feb, 30 Apr...) drawn often."""
    year = draw(st.integers(*_YEARS))
    month = draw(st.integers(1, 12))
    last = calendar.monthrange(year, month)[1]
    day = draw(st.sampled_from((last, 1, 28)) | st.integers(1, last))
    second = draw(st.sampled_from((0,)) | st.integers(0, 86_399))
    return calendar.timegm((year, month, day, 0, 0, 0)) + second


# -- webhook events --------------------------------------------------------------------------

Event = dict[str, JSON]
_SEEDS = st.integers(0, 2**32 - 1)
#: Items drawn for a flow that takes several (upgrade and downgrade swap exactly one).
_MAX_ITEMS = 3


@dataclass(frozen=True)
class _Flow:
    """What one run of a flow with seed 0 and its defaults showed on one spec."""

    name: str
    types: frozenset[str]  # the event types it emitted
    item: dict[str, JSON]  # its first default item: one-off flows keep `"recurring": None`
    several_items: bool  # False when the flow's own steps assume a single item
    trial: bool  # it starts with a trial, so `trial_days` is drawn


@dataclass(frozen=True)
class _Catalog:
    flows: dict[str, _Flow]  # the flows that run on the spec, in `FLOWS` order
    refused: dict[str, str]  # flow name -> why it cannot run on the spec

    @property
    def types(self) -> frozenset[str]:
        return frozenset().union(*(flow.types for flow in self.flows.values()))


_CATALOGS: weakref.WeakKeyDictionary[Spec, _Catalog] = weakref.WeakKeyDictionary()


def event_sequences(
    spec: Spec,
    *,
    scenario: str | Sequence[str] | None = None,
    seeds: st.SearchStrategy[int] = _SEEDS,
    currencies: Sequence[str] = CURRENCIES,
) -> st.SearchStrategy[list[Event]]:
    """The webhook events of one billing flow on `spec`, in the order Stripe sends them.

    Draws a flow (`scenario`: a name from `scenarios.FLOWS` or a list of them; default every
    flow that runs on `spec`), a seed from `seeds`, a currency, one to three items with their
    unit amounts and quantities (one for flows that swap an item), and `trial_days` for flows
    that start with a trial. A sequence is `build_events(run_flow(...).states, spec)` for
    those draws and depends on nothing else.
    """
    catalog = _catalog(spec)
    if scenario is None:
        names: tuple[str, ...] = tuple(catalog.flows)
    else:
        names = (scenario,) if isinstance(scenario, str) else tuple(scenario)
    if not names:
        raise InvalidArgument("scenario=[] leaves nothing to draw", hint="leave it out for all")
    for name in names:
        if name in catalog.refused:
            runnable = ", ".join(repr(n) for n in catalog.flows)
            raise InvalidArgument(
                f"scenario={name!r} cannot run on this spec: {catalog.refused[name]}",
                hint=f"leave it out, or use one of: {runnable}",
            )
        if name not in catalog.flows:
            raise InvalidArgument.choice("scenario", name, tuple(catalog.flows))
    if not isinstance(seeds, st.SearchStrategy):
        raise InvalidArgument(
            f"seeds={seeds!r} is not a Hypothesis strategy",
            hint="e.g. seeds=st.integers(0, 100), or seeds=st.just(7) for one seed",
        )
    if not currencies:
        raise InvalidArgument("currencies=[] leaves nothing to draw", hint="e.g. ['usd']")
    flows = tuple(catalog.flows[name] for name in names)
    return _sequences(spec, flows, seeds, tuple(currencies))


def events(spec: Spec, *, type: str | Sequence[str] | None = None) -> st.SearchStrategy[Event]:
    """Single webhook events on `spec` of `type` (an event type or a list; default any).

    Each is picked from a sequence `event_sequences` would draw, so it is the event a handler
    would receive at that point of that flow. Only flows that emit one of the types are drawn;
    a type no flow emits on `spec` is refused here, with the types that are emitted.
    """
    catalog = _catalog(spec)
    wanted = None if type is None else frozenset([type] if isinstance(type, str) else type)
    if wanted is not None and not wanted:
        raise InvalidArgument("type=[] leaves nothing to draw", hint="leave it out for any type")
    missing = sorted(wanted - catalog.types) if wanted is not None else []
    if missing:
        emitted = ", ".join(repr(t) for t in sorted(catalog.types))
        raise InvalidArgument(
            f"no flow emits event type {', '.join(map(repr, missing))} on Stripe API "
            f"{spec.api_version}",
            hint=f"use one of the {len(catalog.types)} types the flows emit: {emitted}",
        )
    flows = tuple(f for f in catalog.flows.values() if wanted is None or f.types & wanted)
    sequences = _sequences(spec, flows, _SEEDS, CURRENCIES)
    # a drawn flow can skip a type its default run emitted (a trial too short for
    # `trial_will_end`): such rare sequences are filtered out
    matching = sequences.map(lambda seq: [e for e in seq if wanted is None or e["type"] in wanted])
    return matching.filter(bool).flatmap(lambda found: st.sampled_from(found))


@st.composite
def _sequences(
    draw: st.DrawFn,
    spec: Spec,
    flows: tuple[_Flow, ...],
    seeds: st.SearchStrategy[int],
    currencies: tuple[str, ...],
) -> list[Event]:
    flow = draw(st.sampled_from(flows))
    count = draw(st.integers(1, _MAX_ITEMS if flow.several_items else 1))
    # every amount is above 0: an invoice of 0 is paid at once, and the flows' declines,
    # 3-D Secure and retries need a payment to happen
    amounts = [(draw(st.integers(1, 100_000)), draw(st.integers(1, 20))) for _ in range(count)]
    options: dict[str, JSON] = {
        "currency": draw(st.sampled_from(currencies)),
        "items": _flow_items(flow.item, amounts),
    }
    if flow.trial:
        options["trial_days"] = draw(st.integers(1, 60))
    seed = draw(seeds)
    return build_events(run_flow(flow.name, spec, seed=seed, **options).states, spec)


def _flow_items(first: dict[str, JSON], amounts: Sequence[tuple[int, int]]) -> list[JSON]:
    """Items shaped like the flow's `first` (recurring or one-off) with the given amounts; the
    first keeps its product, the others get the builder's default products."""
    price = first.get("price") or {}
    recurring = {"recurring": price["recurring"]} if "recurring" in price else {}
    items: list[JSON] = []
    for index, (unit_amount, quantity) in enumerate(amounts):
        item: dict[str, JSON] = {
            "price": {"unit_amount": unit_amount, **recurring},
            "quantity": quantity,
        }
        if index == 0 and "product" in first:
            item["product"] = dict(first["product"])
        items.append(item)
    return items


def _catalog(spec: Spec) -> _Catalog:
    """Every flow run once on `spec` with seed 0 and its defaults; cached per spec."""
    catalog = _CATALOGS.get(spec)
    if catalog is not None:
        return catalog
    flows: dict[str, _Flow] = {}
    refused: dict[str, str] = {}
    for name in FLOWS:
        try:
            scenario = run_flow(name, spec, seed=0)
        except InvalidArgument as error:  # e.g. a status this API version does not have
            refused[name] = error.message
            continue
        item = (scenario.items or [{}])[0]
        try:
            run_flow(name, spec, seed=0, items=_flow_items(item, [(1000, 1), (1000, 1)]))
        except InvalidArgument:
            several_items = False
        else:
            several_items = True
        types = frozenset(event["type"] for event in build_events(scenario.states, spec))
        flows[name] = _Flow(name, types, item, several_items, scenario.trial_days is not None)
    catalog = _CATALOGS[spec] = _Catalog(flows, refused)
    return catalog
