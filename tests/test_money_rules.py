"""Invoice money stated from Stripe's documented rules, independently of `graph/money.py`.

Each expected amount below is worked out here, in integers, from what Stripe's pages say:

- Tax rates (https://docs.stripe.com/billing/taxes/tax-rates): "The `inclusive` property
  determines whether the tax `percentage` is added to, or included in, the overall amount".
  Stripe's example (https://support.stripe.com/questions/inclusive-and-exclusive-tax-options-
  in-the-tax-rate-api-and-stripe-tax): a 600 price with a 10% inclusive rate is an invoice
  total of 600; with a 10% exclusive rate, 660.
- Rounding (https://support.stripe.com/questions/rounding-rules-for-stripe-fees): amounts are
  rounded to the nearest minor unit, a half up (0.025 becomes 0.03), per line item: lines of
  $0.43 and $4.84 at 15% have taxes of $0.0645 -> $0.06 and $0.7265 -> $0.73, $0.79 in all,
  for a subtotal of $5.27 and a total of $6.06.

So an exclusive tax is `round_half_up(amount x rate)` per line and comes on top; an
inclusive one is carved out: the line's amount without tax is `round_half_up(amount / (1 +
rate))` and its tax the rest, and the total does not change.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from conftest import spec_for, taxes_of
from stripe_contracts.graph.builder import GraphBuilder

VERSIONS = ("2023-08-16", "2026-05-27.dahlia")  # both shapes: tax_amounts and taxes


def invoice_for(
    version: str, amounts: list[int], percentage: float, inclusive: bool
) -> dict[str, Any]:
    items = [{"price": {"unit_amount": amount}} for amount in amounts]
    graph = GraphBuilder(spec=spec_for(version), seed=3).subscription(
        items=items, tax_rate={"percentage": percentage, "inclusive": inclusive}
    )
    return graph.invoice


def tax_of(invoice: dict[str, Any]) -> int:
    """The invoice's tax: its `tax` until basil, the sum of its `total_taxes` from basil on
    (changelog 2025-03-31.basil); both must agree where both are sent."""
    total = sum(t["amount"] for t in taxes_of(invoice))
    assert invoice.get("tax", total) == total
    return total


def half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded to the nearest integer, a half up (both positive)."""
    return (2 * numerator + denominator) // (2 * denominator)


def exclusive_tax(amount: int, basis_points: int) -> int:
    return half_up(amount * basis_points, 10_000)


def inclusive_tax(amount: int, basis_points: int) -> int:
    return amount - half_up(amount * 10_000, 10_000 + basis_points)


@pytest.mark.parametrize("version", VERSIONS)
def test_stripes_inclusive_and_exclusive_example(version: str) -> None:
    exclusive = invoice_for(version, [60000], 10, inclusive=False)
    assert (exclusive["subtotal"], tax_of(exclusive), exclusive["total"]) == (60000, 6000, 66000)
    assert exclusive["total_excluding_tax"] == 60000
    assert exclusive["subtotal_excluding_tax"] == 60000
    inclusive = invoice_for(version, [60000], 10, inclusive=True)
    # 60000 / 1.1 = 54545.45..., so 54545 without tax and 5455 of tax; the total stays 600
    assert (inclusive["subtotal"], tax_of(inclusive), inclusive["total"]) == (60000, 5455, 60000)
    assert inclusive["total_excluding_tax"] == 54545
    assert inclusive["subtotal_excluding_tax"] == 54545


@pytest.mark.parametrize("version", VERSIONS)
def test_stripes_per_line_rounding_example(version: str) -> None:
    invoice = invoice_for(version, [43, 484], 15, inclusive=False)
    assert sorted(t["amount"] for line in invoice["lines"]["data"] for t in taxes_of(line)) == [
        6,
        73,
    ]
    assert (invoice["subtotal"], tax_of(invoice), invoice["total"]) == (527, 79, 606)
    assert invoice["amount_due"] == 606


@pytest.mark.parametrize("version", VERSIONS)
def test_half_a_cent_of_tax_rounds_up(version: str) -> None:
    """50 cents at 5% is 2.5 cents of tax: 3, as 0.025 becomes 0.03 (half-even would say 2)."""
    exclusive = invoice_for(version, [50], 5, inclusive=False)
    assert (tax_of(exclusive), exclusive["total"], exclusive["total_excluding_tax"]) == (3, 53, 50)
    # 41 cents at 5% inclusive: 41 / 1.05 = 39.05 -> 39 without tax, 2 of tax
    inclusive = invoice_for(version, [41], 5, inclusive=True)
    assert (tax_of(inclusive), inclusive["total"], inclusive["total_excluding_tax"]) == (2, 41, 39)
    # 3 cents at 20% inclusive: 3 / 1.2 = 2.5 -> 3 without tax (a half up), so no tax at all
    half = invoice_for(version, [3], 20, inclusive=True)
    assert (tax_of(half), half["total"], half["total_excluding_tax"]) == (0, 3, 3)


@settings(max_examples=40, deadline=None)
@given(
    amounts=st.lists(st.integers(min_value=1, max_value=500_000), min_size=1, max_size=3),
    basis_points=st.integers(min_value=1, max_value=9_999),
    inclusive=st.booleans(),
)
@example(amounts=[50], basis_points=500, inclusive=False)  # half a cent
@example(amounts=[3], basis_points=2_000, inclusive=True)  # half a cent, carved out
@example(amounts=[60000], basis_points=1_000, inclusive=True)
def test_invoice_totals_follow_stripes_tax_rules(
    amounts: list[int], basis_points: int, inclusive: bool
) -> None:
    invoice = invoice_for("2023-08-16", amounts, basis_points / 100, inclusive)
    lines = invoice["lines"]["data"]
    rule = inclusive_tax if inclusive else exclusive_tax
    expected = sorted(rule(amount, basis_points) for amount in amounts)
    assert sorted(sum(t["amount"] for t in taxes_of(line)) for line in lines) == expected
    tax, subtotal = sum(expected), sum(amounts)
    assert tax_of(invoice) == tax and invoice["subtotal"] == subtotal
    assert invoice["total"] == (subtotal if inclusive else subtotal + tax)
    assert invoice["total_excluding_tax"] + tax == invoice["total"]
    assert invoice["subtotal_excluding_tax"] == (subtotal - tax if inclusive else subtotal)
    for line in lines:
        [entry] = taxes_of(line)
        assert entry["inclusive"] is inclusive
        assert line["amount_excluding_tax"] == line["amount"] - (entry["amount"] * inclusive)
