"""Hypothesis strategies for subscription graphs. Import this module explicitly:

    from stripe_contracts.strategies import subscription_graphs

    @given(graph=subscription_graphs(spec, statuses=["past_due", "unpaid"]))
    def test_dunning_emails(graph): ...

`subscription_arguments` draws the keyword arguments of `GraphBuilder.subscription` (so a test
can see what was asked); `subscription_graphs` builds them. Everything the builder would
reject is left out by construction, never filtered: one interval per subscription, one
currency, no trial on a subscription that never got past its first payment. Nothing else in
the package imports Hypothesis.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from typing import Any

from hypothesis import strategies as st

from stripe_contracts.errors import InvalidArgument
from stripe_contracts.graph.builder import Graph, GraphBuilder
from stripe_contracts.graph.model import COLLECTION_METHODS, PAYMENT_OUTCOMES
from stripe_contracts.spec import Spec

JSON = Any

#: Two-decimal and zero-decimal currencies (jpy, krw bill in whole units).
CURRENCIES = ("usd", "eur", "jpy", "gbp", "krw")
#: Expand paths every graph can take, whatever its status.
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
    "starts",
    "subscription_arguments",
    "subscription_graphs",
    "tiers",
]


def subscription_graphs(
    spec: Spec,
    *,
    statuses: Sequence[str] | None = None,
    currencies: Sequence[str] = CURRENCIES,
    expand_paths: Sequence[str] = EXPAND_PATHS,
) -> st.SearchStrategy[Graph]:
    """Consistent subscription graphs for `spec`, validated by the builder as they are built.

    `statuses` narrows the statuses drawn (default: every status the spec defines).
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
    expand_paths: Sequence[str] = EXPAND_PATHS,
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
    return _arguments(chosen, builder.intervals, tuple(currencies), tuple(expand_paths))


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
