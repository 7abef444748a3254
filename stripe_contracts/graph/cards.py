"""Stripe's test cards by how they behave, with the error and outcome Stripe gives each.

Numbers, PaymentMethod tokens, error codes and decline codes are Stripe's:
https://docs.stripe.com/testing#declined-payments and https://docs.stripe.com/declines/codes.
"""

from __future__ import annotations

from dataclasses import dataclass

from stripe_contracts.errors import InvalidArgument


@dataclass(frozen=True)
class CardBehaviour:
    name: str
    outcome: str  # "succeeded", "declined" or "requires_action" on a payment attempt
    token: str  # the test PaymentMethod an integration attaches (CLI fixtures)
    last4: str
    code: str | None = None  # last_payment_error.code / charge.failure_code
    decline_code: str | None = None  # last_payment_error.decline_code / outcome.reason
    message: str | None = None  # last_payment_error.message / charge.failure_message


BEHAVIOURS: dict[str, CardBehaviour] = {
    b.name: b
    for b in (
        CardBehaviour("success", "succeeded", "pm_card_visa", "4242"),
        # 4000 0000 0000 0341: attaching succeeds, charging the customer fails
        CardBehaviour(
            "generic_decline",
            "declined",
            "pm_card_chargeCustomerFail",
            "0341",
            "card_declined",
            "generic_decline",
            "Your card was declined.",
        ),
        CardBehaviour(
            "insufficient_funds",
            "declined",
            "pm_card_visa_chargeDeclinedInsufficientFunds",
            "9995",
            "card_declined",
            "insufficient_funds",
            "Your card has insufficient funds.",
        ),
        CardBehaviour(
            "expired_card",
            "declined",
            "pm_card_chargeDeclinedExpiredCard",
            "0069",
            "expired_card",
            "expired_card",
            "Your card has expired.",
        ),
        CardBehaviour(
            "incorrect_cvc",
            "declined",
            "pm_card_chargeDeclinedIncorrectCvc",
            "0127",
            "incorrect_cvc",
            "incorrect_cvc",
            "Your card's security code is incorrect.",
        ),
        # 4000 0025 0000 3155: 3-D Secure required for every payment
        CardBehaviour(
            "requires_authentication", "requires_action", "pm_card_authenticationRequired", "3155"
        ),
    )
}
#: The earlier names of the same behaviours (Scenario(card="ok"), set_card("declined")).
ALIASES = {
    "ok": "success",
    "declined": "generic_decline",
    "requires_action": "requires_authentication",
}


def card_behaviour(name: str) -> CardBehaviour:
    found = BEHAVIOURS.get(ALIASES.get(name, name))
    if found is None:
        raise InvalidArgument.choice("card", name, (*BEHAVIOURS, *ALIASES))
    return found
