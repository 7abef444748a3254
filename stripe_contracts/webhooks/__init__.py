"""Webhooks: signed deliveries of Stripe events to a handler, and checks of how it copes."""

from stripe_contracts.webhooks.signing import (
    DEFAULT_TOLERANCE,
    SignatureVerificationError,
    sign_payload,
    verify_signature,
)

__all__ = [
    # signing
    "DEFAULT_TOLERANCE",
    "SignatureVerificationError",
    "sign_payload",
    "verify_signature",
]
