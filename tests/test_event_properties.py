"""Properties of the webhook events `event_sequences` and `events` draw, on both full specs.

The types a flow emits are found here by running it by hand (`run_flow`, seed 0, its
defaults), never through the strategies' own cache.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from itertools import pairwise
from typing import Any

import pytest
from hypothesis import Phase, example, given, settings
from hypothesis import strategies as st

from conftest import VERSIONS, spec_for
from stripe_contracts.errors import InvalidArgument
from stripe_contracts.scenarios import FLOWS, build_events, run_flow
from stripe_contracts.spec import Spec
from stripe_contracts.strategies import event_sequences, events
from stripe_contracts.validation import validate

Event = dict[str, Any]
# One example runs a flow and validates its 10-35 events in well under 50 ms: 30 per test keeps
# the file at a few seconds. No health check needs suppressing.
PROPERTY = settings(max_examples=30, deadline=None)
#: 'paused' subscriptions do not exist in API 2020-08-27, so that flow cannot run there.
FLOW_CASES = [
    (version, name)
    for version in VERSIONS
    for name in FLOWS
    if (version, name) != ("2020-08-27", "trial-no-payment-method")
]
TRIAL_OR_DECLINE = ("customer.subscription.trial_will_end", "charge.failed")


@dataclass(frozen=True)
class Case:
    """Events on one spec version: drawn by a strategy, or run here for a pinned `@example`.

    A pinned example cannot hold the events themselves: building them loads the spec, and
    conftest points the spec cache at a temp dir only once a test runs.
    """

    version: str
    scenario: str | None = None  # the flow asked for; None when the strategy drew it
    drawn: list[Event] | None = None
    seed: int = 0
    options: dict[str, Any] = field(default_factory=dict)
    only: tuple[str, ...] | None = None  # a pinned example keeps just these types

    @property
    def spec(self) -> Spec:
        return spec_for(self.version)

    def events(self) -> list[Event]:
        if self.drawn is not None:
            return self.drawn
        assert self.scenario is not None
        run = run_flow(self.scenario, self.spec, seed=self.seed, **self.options)
        built = build_events(run.states, self.spec)
        return [e for e in built if self.only is None or e["type"] in self.only]


@cache
def types_of(version: str, name: str) -> frozenset[str]:
    spec = spec_for(version)
    return frozenset(e["type"] for e in build_events(run_flow(name, spec).states, spec))


def item(unit_amount: int, quantity: int = 1, **price: Any) -> dict[str, Any]:
    return {"price": {"unit_amount": unit_amount, **price}, "quantity": quantity}


# `spec_for` runs at draw time, after conftest has pointed the spec cache at a temp dir.
def sequences(version: str, scenario: str | None = None) -> st.SearchStrategy[Case]:
    drawn = event_sequences(spec_for(version), scenario=scenario)
    return drawn.map(lambda found: Case(version, scenario, found))


def single_events(version: str, wanted: str | tuple[str, ...]) -> st.SearchStrategy[Case]:
    drawn = events(spec_for(version), type=wanted if isinstance(wanted, str) else list(wanted))
    return drawn.map(lambda event: Case(version, drawn=[event]))


any_flow = st.sampled_from(VERSIONS).flatmap(sequences)
named_flow = st.sampled_from(FLOW_CASES).flatmap(lambda case: sequences(*case))

MONTH_END_DUNNING = Case(
    "2023-08-16",
    "renewal-failed-unpaid",
    seed=7,
    options={"currency": "jpy", "items": [item(99_999, 20), item(1, 3)]},
)
SHORT_TRIAL = Case("2020-08-27", "trial", seed=2**32 - 1, options={"trial_days": 1})


# -- sequences ---------------------------------------------------------------------------------


@PROPERTY
@given(case=any_flow)
@example(case=MONTH_END_DUNNING)
@example(case=SHORT_TRIAL)
def test_every_event_in_a_sequence_and_its_object_validate_strictly(case: Case) -> None:
    found = case.events()
    assert found
    for event in found:
        assert validate(event, case.spec) == [], event["type"]
        assert validate(event["data"]["object"], case.spec) == [], event["type"]
        assert event["api_version"] == case.spec.api_version
    assert len({e["id"] for e in found}) == len(found)
    assert all(a["created"] <= b["created"] for a, b in pairwise(found))
    types = {e["type"] for e in found}
    runnable = [name for version, name in FLOW_CASES if version == case.version]
    assert any(types <= types_of(case.version, name) for name in runnable), sorted(types)


@PROPERTY
@given(case=named_flow)
@example(case=MONTH_END_DUNNING)
@example(
    case=Case("2020-08-27", "upgrade", seed=3, options={"currency": "eur", "items": [item(7, 50)]})
)
@example(
    case=Case(
        "2023-08-16", "one-off-invoice-declined", options={"items": [item(1, recurring=None)] * 3}
    )
)
def test_a_named_flow_emits_only_its_own_types_with_unique_ids_in_time_order(case: Case) -> None:
    assert case.scenario is not None
    found = case.events()
    assert {e["type"] for e in found} <= types_of(case.version, case.scenario)
    assert len({e["id"] for e in found}) == len(found)
    assert [e["created"] for e in found] == sorted(e["created"] for e in found)


def test_same_draws_give_the_same_sequences() -> None:
    spec = spec_for("2023-08-16")

    def draw_five() -> list[list[Event]]:
        drawn: list[list[Event]] = []

        @settings(max_examples=5, derandomize=True, database=None, phases=[Phase.generate])
        @given(found=event_sequences(spec))
        def collect(found: list[Event]) -> None:
            drawn.append(found)

        collect()
        return drawn

    first = draw_five()
    assert len(first) == 5
    assert draw_five() == first


# -- single events -----------------------------------------------------------------------------


@PROPERTY
@given(case=st.sampled_from(VERSIONS).flatmap(lambda v: single_events(v, "invoice.paid")))
@example(case=Case("2020-08-27", "one-off-invoice", only=("invoice.paid",)))
@example(case=Case("2023-08-16", "trial", options={"trial_days": 60}, only=("invoice.paid",)))
def test_events_of_one_type_are_of_that_type_and_validate(case: Case) -> None:
    found = case.events()
    assert found
    for event in found:
        assert event["type"] == "invoice.paid"
        assert event["data"]["object"]["object"] == "invoice"
        assert validate(event, case.spec) == []
        assert validate(event["data"]["object"], case.spec) == []


@PROPERTY
@given(case=st.sampled_from(VERSIONS).flatmap(lambda v: single_events(v, TRIAL_OR_DECLINE)))
@example(case=Case("2023-08-16", "signup-declined", only=TRIAL_OR_DECLINE))
def test_events_of_a_list_of_types_are_of_those_types(case: Case) -> None:
    found = case.events()
    assert found
    for event in found:
        assert event["type"] in TRIAL_OR_DECLINE
        assert validate(event, case.spec) == []


# -- refused arguments -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "wanted", ["invoice.pay", "charge.refunded", ["invoice.paid", "charge.refunded"]]
)
def test_a_type_no_flow_emits_is_refused_with_the_types_that_are(
    spec: Spec, wanted: str | list[str]
) -> None:
    with pytest.raises(InvalidArgument) as caught:
        events(spec, type=wanted)
    missing = wanted if isinstance(wanted, str) else "charge.refunded"
    assert caught.value.message == (
        f"no flow emits event type {missing!r} on Stripe API {spec.api_version}"
    )
    hint = caught.value.hint
    assert hint is not None and hint.startswith("use one of the ")
    for emitted in ("'invoice.paid'", "'customer.subscription.trial_will_end'", "'charge.failed'"):
        assert emitted in hint


def test_paused_is_only_emitted_where_the_api_version_has_it() -> None:
    events(spec_for("2023-08-16"), type="customer.subscription.paused")  # no error
    with pytest.raises(InvalidArgument, match=r"type 'customer\.subscription\.paused' on .* 2020"):
        events(spec_for("2020-08-27"), type="customer.subscription.paused")


@pytest.mark.parametrize(
    ("keywords", "message"),
    [
        ({"scenario": "signup-twice"}, "scenario='signup-twice' is not allowed"),
        ({"scenario": ["signup", "nope"]}, "scenario='nope' is not allowed"),
        ({"scenario": []}, r"scenario=\[\] leaves nothing to draw"),
        ({"seeds": 7}, "seeds=7 is not a Hypothesis strategy"),
        ({"currencies": []}, r"currencies=\[\] leaves nothing to draw"),
    ],
)
def test_bad_sequence_arguments_are_refused(keywords: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidArgument, match=message):
        event_sequences(spec_for("2023-08-16"), **keywords)


def test_a_flow_the_api_version_cannot_run_is_refused_with_the_reason() -> None:
    with pytest.raises(InvalidArgument) as caught:
        event_sequences(spec_for("2020-08-27"), scenario="trial-no-payment-method")
    assert "status 'paused', which Stripe API 2020-08-27 does not have" in caught.value.message
    assert caught.value.hint is not None and "'trial'" in caught.value.hint


def test_an_empty_list_of_types_is_refused() -> None:
    with pytest.raises(InvalidArgument, match=r"type=\[\] leaves nothing to draw"):
        events(spec_for("2020-08-27"), type=[])
