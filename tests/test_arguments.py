"""Every public argument of the graph builder and the scenarios is checked up front: the
mistakes of issue 13.4 each give one InvalidArgument naming the argument and, for a typo, the
nearest valid name (never a silently dropped key, never a TypeError from deep inside)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from conftest import spec_for
from stripe_contracts.errors import InvalidArgument
from stripe_contracts.graph.builder import GraphBuilder
from stripe_contracts.scenarios import Scenario, run_flow

SPEC = spec_for("2023-08-16")

#: (the keyword arguments, what the message must name, what the hint must suggest)
MISTAKES: list[tuple[dict[str, Any], str, str]] = [
    (
        {"items": [{"price": {"unit_ammount": 1500}}]},
        "items[0].price has unknown key 'unit_ammount'",
        "did you mean 'unit_amount'?",
    ),
    (
        {"items": [{"price": "price_123"}]},
        "items[0].price='price_123' is an id",
        '"price": {"unit_amount": 1500}',
    ),
    ({"items": [{"price": 1500}]}, "items[0].price=1500 must be a dict", '"unit_amount": 1500'),
    ({"items": [{"prize": {}}]}, "items[0] has unknown key 'prize'", "did you mean 'price'?"),
    (
        {"items": [{"product": {"nmae": "Pro"}}]},
        "items[0].product has unknown key 'nmae'",
        "did you mean 'name'?",
    ),
    (
        {"items": [{"price": {"recurring": {"intreval": "year"}}}]},
        "items[0].price.recurring has unknown key 'intreval'",
        "did you mean 'interval'?",
    ),
    # 2024-01-01T00:00:00Z is 1704067200 Unix seconds (date -d 2024-01-01Z +%s)
    ({"start": "2024-01-01"}, "start='2024-01-01' must be Unix seconds", "start=1704067200"),
    ({"seed": "abc"}, "seed='abc' must be an integer", "seed=7"),
    ({"currency": 5}, "currency=5 must be a three-letter ISO currency code", "currency='usd'"),
]


def _builder(**kwargs: Any) -> Any:
    return GraphBuilder(spec=SPEC, seed=1).subscription(**kwargs)


def _flow(**kwargs: Any) -> Any:
    return run_flow("signup", SPEC, **kwargs)


def _scenario(**kwargs: Any) -> Any:
    return Scenario(SPEC, **kwargs)


@pytest.mark.parametrize("entry", [_builder, _flow, _scenario], ids=["builder", "flow", "scenario"])
@pytest.mark.parametrize(("kwargs", "message", "hint"), MISTAKES, ids=[m[1][:30] for m in MISTAKES])
def test_each_mistake_is_named_with_the_nearest_valid_key(
    entry: Callable[..., Any], kwargs: dict[str, Any], message: str, hint: str
) -> None:
    with pytest.raises(InvalidArgument) as info:
        entry(**kwargs)
    assert message in info.value.message
    assert info.value.hint is not None and hint in info.value.hint


def test_a_seed_that_is_not_an_int_is_refused_by_the_builder_itself() -> None:
    with pytest.raises(InvalidArgument, match=re.escape("seed='abc' must be an integer")):
        GraphBuilder(spec=SPEC, seed="abc")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("call", "hint"),
    [
        (lambda: _builder(status="activ"), "did you mean 'active'?"),
        (lambda: _builder(customre={}), "did you mean 'customer'?"),
        (lambda: _builder(expand="latest_invoice"), "expand=['latest_invoice']"),
        (lambda: _flow(curency="usd"), "did you mean 'currency'?"),
        (lambda: run_flow("sigup", SPEC), "did you mean 'signup'?"),
    ],
)
def test_misspelt_choices_and_options_suggest_the_nearest(
    call: Callable[[], Any], hint: str
) -> None:
    with pytest.raises(InvalidArgument) as info:
        call()
    assert info.value.hint is not None and hint in info.value.hint


def test_price_and_product_fields_stripe_defines_still_land() -> None:
    """Keys beyond the builder's own are checked against the spec, not refused wholesale."""
    graph = _builder(
        items=[{"price": {"unit_amount": 1500, "nickname": "Gold"}, "product": {"name": "Pro"}}]
    )
    assert graph.prices[0]["nickname"] == "Gold" and graph.prices[0]["unit_amount"] == 1500
    assert graph.products[0]["name"] == "Pro"
