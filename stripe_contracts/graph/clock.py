"""Calendar-aware billing periods on one clock (UTC, unix seconds).

Month and year intervals count from the billing cycle anchor, so a subscription anchored on
31 January renews on 29 February (or 28), then 31 March: the day is clamped to the month's
length but never drifts. https://docs.stripe.com/billing/subscriptions/billing-cycle
"""

from __future__ import annotations

import calendar
from datetime import UTC, datetime, timedelta

DAY = 86_400
HOUR = 3_600
MINUTE = 60
INTERVALS = ("day", "week", "month", "year")


def add_intervals(anchor: int, interval: str, count: int) -> int:
    """The timestamp `count` intervals after `anchor`, clamped to the end of short months."""
    start = datetime.fromtimestamp(anchor, UTC)
    if interval == "day":
        return anchor + count * DAY
    if interval == "week":
        return anchor + count * 7 * DAY
    months = count * (12 if interval == "year" else 1)
    assert interval in ("month", "year"), interval
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    moved = start.replace(year=year, month=month, day=day)
    return int(moved.timestamp())


def period(anchor: int, interval: str, interval_count: int, index: int) -> tuple[int, int]:
    """The `index`-th billing period (0 = the first) of a price interval, from the anchor."""
    return (
        add_intervals(anchor, interval, interval_count * index),
        add_intervals(anchor, interval, interval_count * (index + 1)),
    )


def iso(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def days(count: float) -> int:
    return int(timedelta(days=count).total_seconds())
