"""Webhooks: Stripe-Signature headers for offline webhook deliveries."""

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
