"""The account's billing settings that shape a subscription's life, with Stripe's defaults.

One value object, given to the graph builder, the scenarios, the pytest fixtures and the CLI
(`generate --payment-behavior ...`). Where Stripe documents a default it is cited; where the
Dashboard's default is not documented, ours is said to be ours.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

from stripe_contracts.errors import InvalidArgument

JSON = Any

PAYMENT_BEHAVIORS = ("allow_incomplete", "default_incomplete")
SUBSCRIPTION_ENDINGS = ("cancel", "unpaid", "past_due")
INVOICE_ENDINGS = ("open", "uncollectible", "void")

#: Smart Retries choose the moment of each retry themselves; Stripe's recommended policy is
#: 8 tries within 2 weeks (https://docs.stripe.com/billing/revenue-recovery/smart-retries).
#: The 7 retries after the first failure are placed on these days (after that failure).
SMART_RETRY_DAYS = (1, 2, 4, 6, 8, 11, 14)


@dataclass(frozen=True)
class BillingSettings:
    """What an account has configured about subscriptions, payments and dunning.

    - `payment_behavior`: how a subscription is created when its first payment cannot be
      made at once (the `payment_behavior` parameter of POST /v1/subscriptions; Stripe's
      default is `allow_incomplete`, per its description in the spec). `default_incomplete`
      is the Elements flow: the subscription waits, incomplete, for the client to confirm
      the PaymentIntent.
    - `retries`: "smart" (Smart Retries, on by default for new accounts, see
      `SMART_RETRY_DAYS`) or the days after the first failure of each retry of a custom
      schedule, e.g. (3, 5, 7).
    - `subscription_after_retries` / `invoice_after_retries`: what happens when every retry
      failed (Dashboard: Billing > Revenue recovery): the subscription is canceled, marked
      unpaid or left past_due; the invoice is left open, marked uncollectible or voided.
      Stripe does not document the Dashboard's defaults: ours are `unpaid` and `open`.
    - `finalization_grace_hours`: how long a subscription's draft invoice waits before it is
      finalized (1 hour, https://docs.stripe.com/billing/subscriptions/overview).
    - `upcoming_days`: how many days before an automatic invoice `invoice.upcoming` is sent
      (a Dashboard setting; the event's documentation: "X number of days before").
    """

    payment_behavior: str = "allow_incomplete"
    retries: str | tuple[int, ...] = "smart"
    subscription_after_retries: str = "unpaid"
    invoice_after_retries: str = "open"
    finalization_grace_hours: float = 1
    upcoming_days: int = 3

    def __post_init__(self) -> None:
        _choice("payment_behavior", self.payment_behavior, PAYMENT_BEHAVIORS)
        _choice("subscription_after_retries", self.subscription_after_retries, SUBSCRIPTION_ENDINGS)
        _choice("invoice_after_retries", self.invoice_after_retries, INVOICE_ENDINGS)
        if self.retries != "smart":
            days = self.retries
            if (
                not isinstance(days, tuple)
                or not days
                or not all(isinstance(d, int) and not isinstance(d, bool) for d in days)
                or list(days) != sorted(set(days))
                or days[0] < 1
                or days[-1] > 60
            ):
                raise InvalidArgument(
                    f"retries={self.retries!r} must be 'smart' or increasing whole days "
                    "after the first failure, between 1 and 60",
                    hint="e.g. retries='smart' or retries=(3, 5, 7)",
                )
        grace = self.finalization_grace_hours
        if isinstance(grace, bool) or not isinstance(grace, int | float) or not 0 <= grace <= 72:
            raise InvalidArgument(
                f"finalization_grace_hours={grace!r} must be between 0 and 72",
                hint="Stripe waits 1 hour by default and at most 72 hours",
            )
        lead = self.upcoming_days
        if isinstance(lead, bool) or not isinstance(lead, int) or not 1 <= lead <= 60:
            raise InvalidArgument(
                f"upcoming_days={lead!r} must be a whole number of days from 1 to 60",
                hint="e.g. upcoming_days=7",
            )

    @property
    def retry_days(self) -> tuple[int, ...]:
        """Days after the first failed attempt on which each retry happens."""
        if isinstance(self.retries, tuple):
            return self.retries
        return SMART_RETRY_DAYS

    @property
    def attempt_days(self) -> tuple[int, ...]:
        """Days after finalization of every attempt: the first, then each retry."""
        return (0, *self.retry_days)

    @classmethod
    def from_dict(cls, values: Mapping[str, JSON]) -> BillingSettings:
        """Settings from plain values (CLI, pytest, JSON); unknown keys are a clear error."""
        known = [f.name for f in fields(cls)]
        for key in values:
            if key not in known:
                raise InvalidArgument.choice("billing setting", key, tuple(known))
        given = dict(values)
        if isinstance(given.get("retries"), list):
            given["retries"] = tuple(given["retries"])
        return cls(**given)

    def as_dict(self) -> dict[str, JSON]:
        data = asdict(self)
        if isinstance(data["retries"], tuple):
            data["retries"] = list(data["retries"])
        return data


def _choice(name: str, value: object, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise InvalidArgument.choice(name, value, allowed)


DEFAULT_SETTINGS = BillingSettings()


def settings_from(value: BillingSettings | Mapping[str, JSON] | None) -> BillingSettings:
    """Settings given as the object, as plain values, or not at all (Stripe's defaults)."""
    if value is None:
        return DEFAULT_SETTINGS
    if isinstance(value, BillingSettings):
        return value
    if isinstance(value, Mapping):
        return BillingSettings.from_dict(value)
    raise InvalidArgument(
        f"settings={value!r} must be a BillingSettings or a dict of its fields",
        hint="e.g. settings={'retries': [3, 5, 7], 'subscription_after_retries': 'cancel'}",
    )
