"""Money: tiered amounts, discounts and tax on invoice lines, and how amounts are shown.

Amounts are integers in the currency's smallest unit. Stripe applies an invoice-level
discount before tax and spreads it over the lines in proportion to their amounts
(https://docs.stripe.com/billing/subscriptions/coupons); tax is computed per line on the
discounted amount, added on top when exclusive, carved out of the amount when inclusive
(https://docs.stripe.com/billing/taxes/tax-rates). Rounding is half up, per line.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from stripe_contracts.errors import InvalidArgument

JSON = Any
#: The currencies Stripe charges in ("presentment currencies"), by their lowercase ISO 4217
#: codes: https://docs.stripe.com/currencies#presentment-currencies
_PRESENTMENT = """
    usd aed afn all amd ang aoa ars aud awg azn bam bbd bdt bgn bhd bif bmd bnd bob brl bsd bwp
    byn bzd cad cdf chf clp cny cop crc cve czk djf dkk dop dzd egp etb eur fjd fkp gbp gel gip
    gmd gnf gtq gyd hkd hnl htg huf idr ils inr isk jmd jod jpy kes kgs khr kmf krw kwd kyd kzt
    lak lbp lkr lrd lsl mad mdl mga mkd mmk mnt mop mur mvr mwk mxn myr mzn nad ngn nio nok npr
    nzd omr pab pen pgk php pkr pln pyg qar ron rsd rub rwf sar sbd scr sek sgd shp sle sll sos
    srd std szl thb tjs tnd top try ttd twd tzs uah ugx uyu uzs vnd vuv wst xaf xcd xof xpf yer
    zar zmw
"""
CURRENCIES = frozenset(_PRESENTMENT.split())
#: https://docs.stripe.com/currencies#zero-decimal
ZERO_DECIMAL = frozenset(
    {"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv"}
    | {"xaf", "xof", "xpf"}
)


@dataclass(frozen=True)
class Coupon:
    """A coupon as applied to the subscription: `discount_id` and `start` are its discount's."""

    id: str
    discount_id: str
    percent_off: float | None
    amount_off: int | None
    duration: str
    start: int | None = None  # when it was applied (None: when the subscription was created)
    name: str | None = None
    currency: str | None = None  # of `amount_off` (None: the subscription's)
    metadata: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class TaxRate:
    id: str
    percentage: float
    inclusive: bool
    display_name: str


@dataclass(frozen=True)
class Adjustment:
    """What the discount and the tax do to one line."""

    discount: int
    tax: int
    taxable: int


NO_ADJUSTMENT = Adjustment(0, 0, 0)


def round_half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def parse_coupon(request: JSON, *, coupon_id: str, discount_id: str) -> Coupon | None:
    if request is None:
        return None
    if not isinstance(request, dict) or ("percent_off" in request) == ("amount_off" in request):
        raise InvalidArgument(
            f"coupon={request!r} needs exactly one of percent_off or amount_off",
            hint='e.g. coupon={"percent_off": 20} or coupon={"amount_off": 500}',
        )
    percent, amount = request.get("percent_off"), request.get("amount_off")
    if percent is not None and not (isinstance(percent, int | float) and 0 < percent <= 100):
        raise InvalidArgument(
            f"coupon percent_off={percent!r} must be in (0, 100]", hint="e.g. 25 for 25% off"
        )
    if amount is not None and not (isinstance(amount, int) and amount > 0):
        raise InvalidArgument(
            f"coupon amount_off={amount!r} must be a positive integer",
            hint="in the currency's smallest unit, e.g. 500 for $5.00",
        )
    duration = request.get("duration", "forever")
    if duration not in ("forever", "once", "repeating"):
        raise InvalidArgument.choice("coupon duration", duration, ("forever", "once", "repeating"))
    return Coupon(coupon_id, discount_id, percent, amount, duration)


def parse_tax_rate(request: JSON, *, tax_rate_id: str) -> TaxRate | None:
    if request is None:
        return None
    percentage = request.get("percentage") if isinstance(request, dict) else None
    if not isinstance(percentage, int | float) or not 0 <= percentage < 100:
        raise InvalidArgument(
            f"tax_rate={request!r} needs a percentage in [0, 100)",
            hint='e.g. tax_rate={"percentage": 20, "inclusive": False, "display_name": "VAT"}',
        )
    return TaxRate(
        tax_rate_id,
        float(percentage),
        bool(request.get("inclusive", False)),
        str(request.get("display_name", "Sales tax")),
    )


def adjust(amounts: list[int], coupon: Coupon | None, tax_rate: TaxRate | None) -> list[Adjustment]:
    """Per line: its share of the invoice discount, then its tax on what remains."""
    shares = _spread(amounts, _discount_total(amounts, coupon))
    adjusted = []
    for amount, share in zip(amounts, shares, strict=True):
        taxable = amount - share
        tax = 0
        if tax_rate is not None:
            rate = Decimal(str(tax_rate.percentage)) / 100
            if tax_rate.inclusive:
                tax = taxable - round_half_up(Decimal(taxable) / (1 + rate))
            else:
                tax = round_half_up(Decimal(taxable) * rate)
        adjusted.append(
            Adjustment(share, tax, taxable - (tax if tax_rate and tax_rate.inclusive else 0))
        )
    return adjusted


def _discount_total(amounts: list[int], coupon: Coupon | None) -> int:
    positive = sum(a for a in amounts if a > 0)
    if coupon is None or positive <= 0:
        return 0
    if coupon.percent_off is not None:
        return round_half_up(Decimal(positive) * Decimal(str(coupon.percent_off)) / 100)
    return min(coupon.amount_off or 0, positive)


def _spread(amounts: list[int], total: int) -> list[int]:
    """`total` split over the positive amounts in proportion, largest remainders first."""
    positive = sum(a for a in amounts if a > 0)
    if total == 0 or positive == 0:
        return [0] * len(amounts)
    exact = [Decimal(max(a, 0)) * total / positive for a in amounts]
    shares = [int(x) for x in exact]
    order = sorted(range(len(amounts)), key=lambda i: (-(exact[i] - shares[i]), i))
    for i in order[: total - sum(shares)]:
        shares[i] += 1
    return shares


def tiered_amount(tiers: list[dict[str, JSON]], mode: str, quantity: int) -> int:
    """https://docs.stripe.com/products-prices/pricing-models#tiered-pricing"""

    def bound(tier: dict[str, JSON]) -> float:
        return float("inf") if tier.get("up_to") == "inf" else float(tier["up_to"])

    if mode == "volume":
        tier = next(t for t in tiers if quantity <= bound(t))
        return int(tier.get("unit_amount") or 0) * quantity + int(tier.get("flat_amount") or 0)
    total, lower = 0, 0
    for tier in tiers:
        if quantity <= lower:
            break
        upper = min(quantity, bound(tier))
        total += int(tier.get("unit_amount") or 0) * int(upper - lower)
        total += int(tier.get("flat_amount") or 0)
        lower = int(upper) if upper != float("inf") else quantity
    return total


def format_money(amount: int, currency: str) -> str:
    """Amounts are in the smallest unit; zero-decimal currencies have no minor unit."""
    if currency in ZERO_DECIMAL:
        return f"{amount} {currency.upper()}"
    return f"{amount / 100:.2f} {currency.upper()}"
