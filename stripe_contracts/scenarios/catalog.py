"""The named billing flows: each a few API calls and clock moves on a `Scenario`.

Names are the CLI's (`stripe-contracts generate renewal-failed-unpaid ...`). Every flow is a
function of a fresh `Scenario`; its states and derived events are the output.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from stripe_contracts.errors import InvalidArgument
from stripe_contracts.graph.arguments import check_seed, suggestion
from stripe_contracts.graph.clock import DAY
from stripe_contracts.graph.settings import settings_from
from stripe_contracts.scenarios.timeline import Scenario
from stripe_contracts.spec import Spec

JSON = Any


def _signup(s: Scenario) -> None:
    s.create_customer().attach_payment_method().create_subscription()
    if s.settings.payment_behavior == "default_incomplete" and s.phase.payment == "pending":
        s.confirm_payment()  # the Elements flow: the client confirms the PaymentIntent


def signup(s: Scenario) -> None:
    """Signup that succeeds: charge_automatically, card ok."""
    _signup(s)


def signup_3ds(s: Scenario) -> None:
    """Signup needing 3-D Secure: incomplete with PaymentIntent requires_action, then done."""
    s.set_card("requires_action")
    _signup(s)
    s.advance(minutes=5).confirm_payment()


def signup_3ds_abandoned(s: Scenario) -> None:
    """3-D Secure never completed: incomplete_expired after 23 hours, invoice voided."""
    s.set_card("requires_action")
    _signup(s)
    s.advance(hours=24)


def signup_declined(s: Scenario) -> None:
    """The first payment is declined: incomplete, PaymentIntent requires_payment_method."""
    s.set_card("declined")
    _signup(s)


def renewal(s: Scenario) -> None:
    """One paid period, then a renewal paid automatically."""
    _signup(s)
    s.advance_to_period_end()


def _failed_renewal(s: Scenario) -> None:
    _signup(s)
    s.set_card("declined")
    s.advance_to_period_end()


def renewal_failed_recovered(s: Scenario) -> None:
    """The renewal is declined (past_due), a retry is declined, the next one succeeds."""
    _failed_renewal(s)
    s.advance_to_next_retry()
    s.set_card("ok")
    s.advance_to_next_retry()


def renewal_failed_unpaid(s: Scenario) -> None:
    """Every retry is declined; the account's setting marks the subscription unpaid."""
    s.configure(subscription_after_retries="unpaid")
    _failed_renewal(s)
    s.advance_until_retries_end()


def renewal_failed_canceled(s: Scenario) -> None:
    """Every retry is declined; the account's setting cancels the subscription."""
    s.configure(subscription_after_retries="cancel")
    _failed_renewal(s)
    s.advance_until_retries_end()


def trial(s: Scenario) -> None:
    """Trial start, trial_will_end three days before it ends, then the first paid invoice."""
    _signup(s)
    s.advance(days=(s.plan.trial[1] - s.now) / DAY + 0.1 if s.plan.trial else 0)


def trial_no_payment_method(s: Scenario) -> None:
    """A trial without a payment method that ends paused."""
    s.create_customer().create_subscription()
    s.advance(days=(s.plan.trial[1] - s.now) / DAY + 0.1 if s.plan.trial else 0)


def upgrade(s: Scenario) -> None:
    """Mid-period upgrade: prorations billed on the next invoice."""
    _signup(s)
    s.advance(days=10)
    s.update_items(
        [
            {
                "price": {"unit_amount": 5000},
                "product": {
                    "name": "Advanced",
                    "features": ["basic_features", "extended_features"],
                },
            }
        ]
    )
    s.advance_to_period_end()


def downgrade(s: Scenario) -> None:
    """Mid-period downgrade: a credit for unused time on the next invoice."""
    _signup(s)
    s.advance(days=10)
    s.update_items(
        [
            {
                "price": {"unit_amount": 900},
                "product": {"name": "Basic", "features": ["basic_features"]},
            }
        ]
    )
    s.advance_to_period_end()


def cancel_at_period_end(s: Scenario) -> None:
    """cancel_at_period_end set mid-period, then the subscription is deleted at period end."""
    _signup(s)
    s.advance(days=5).cancel(at_period_end=True)
    s.advance_to_period_end()


def cancel_now(s: Scenario) -> None:
    """Immediate cancel mid-period."""
    _signup(s)
    s.advance(days=5).cancel()


def one_off_invoice(s: Scenario) -> None:
    """A one-off invoice paid by card: invoice item, invoice, payment; no subscription."""
    s.create_customer().attach_payment_method().create_invoice_item().create_and_pay_invoice()


def one_off_invoice_declined(s: Scenario) -> None:
    """A one-off invoice whose card payment is declined; no subscription."""
    s.set_card("declined")
    one_off_invoice(s)


@dataclass(frozen=True)
class Flow:
    name: str
    run: Callable[[Scenario], None]
    defaults: dict[str, JSON]

    @property
    def description(self) -> str:
        return (self.run.__doc__ or "").strip().splitlines()[0]


STANDARD_ITEMS = [
    {
        "price": {"unit_amount": 2000},
        "product": {"name": "Standard", "features": ["basic_features"]},
    }
]
_ONE_OFF_ITEMS = [
    {
        "price": {"unit_amount": 4900, "recurring": None},
        "product": {"name": "Setup fee", "features": []},
    },
]
FLOWS: dict[str, Flow] = {
    flow.name: flow
    for flow in (
        Flow("signup", signup, {}),
        Flow("signup-3ds", signup_3ds, {}),
        Flow("signup-3ds-abandoned", signup_3ds_abandoned, {}),
        Flow("signup-declined", signup_declined, {}),
        Flow("renewal", renewal, {}),
        Flow("renewal-failed-recovered", renewal_failed_recovered, {}),
        Flow("renewal-failed-unpaid", renewal_failed_unpaid, {}),
        Flow("renewal-failed-canceled", renewal_failed_canceled, {}),
        Flow("trial", trial, {"trial_days": 14}),
        Flow("trial-no-payment-method", trial_no_payment_method, {"trial_days": 14}),
        Flow("upgrade", upgrade, {}),
        Flow("downgrade", downgrade, {}),
        Flow("cancel-at-period-end", cancel_at_period_end, {}),
        Flow("cancel-now", cancel_now, {}),
        Flow("one-off-invoice", one_off_invoice, {"items": _ONE_OFF_ITEMS}),
        Flow("one-off-invoice-declined", one_off_invoice_declined, {"items": _ONE_OFF_ITEMS}),
    )
}


def run_flow(name: str, spec: Spec, *, seed: int = 0, **options: JSON) -> Scenario:
    """Run the named flow on a fresh scenario and return it (states and all)."""
    flow = FLOWS.get(name)
    if flow is None:
        raise InvalidArgument.choice("scenario", name, tuple(FLOWS))
    allowed = (
        "items",
        "currency",
        "collection_method",
        "trial_days",
        "card",
        "start",
        "settings",
    )
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise InvalidArgument(
            f"scenario {name!r} got unknown option(s) {unknown}",
            hint=f"flows take: {suggestion(unknown[0], allowed)}",
        )
    check_seed(seed)
    arguments = {"items": STANDARD_ITEMS, **flow.defaults, **options}
    arguments["settings"] = settings_from(arguments.get("settings"))
    scenario = Scenario(spec, seed=seed, name=name, **arguments)
    flow.run(scenario)
    return scenario
