"""Webhooks: signed deliveries of Stripe events to a handler, and checks of how it copes."""

from stripe_contracts.webhooks.delivery import Delivery, deliver, event_payload, out_of_order
from stripe_contracts.webhooks.orders import Order, stripe_orders
from stripe_contracts.webhooks.signing import (
    DEFAULT_TOLERANCE,
    SignatureVerificationError,
    sign_payload,
    verify_signature,
)
from stripe_contracts.webhooks.tester import WebhookAssertionError, WebhookTester

__all__ = [
    "DEFAULT_TOLERANCE",
    "Delivery",
    "Order",
    "SignatureVerificationError",
    "WebhookAssertionError",
    "WebhookTester",
    "deliver",
    "event_payload",
    "out_of_order",
    "sign_payload",
    "stripe_orders",
    "verify_signature",
]
