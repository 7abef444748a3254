"""Stripe Billing webhooks in Flask: verify with the official `stripe` library, then apply.

Run it from the repository root:
`STRIPE_WEBHOOK_SECRET=whsec_... flask --app examples.flask_app.app run`
"""

from __future__ import annotations

import os

import stripe
from flask import Flask, Response, current_app, jsonify, request

from examples.billing import Billing


def create_app(webhook_secret: str | None = None) -> Flask:
    """The app; the signing secret comes from the argument or $STRIPE_WEBHOOK_SECRET."""
    app = Flask(__name__)
    app.config["STRIPE_WEBHOOK_SECRET"] = webhook_secret or os.environ.get("STRIPE_WEBHOOK_SECRET")
    if not app.config["STRIPE_WEBHOOK_SECRET"]:
        raise RuntimeError(
            "no Stripe webhook signing secret: set STRIPE_WEBHOOK_SECRET to the endpoint's "
            "whsec_... secret (`stripe listen` prints one) or pass create_app(webhook_secret=...)"
        )
    app.extensions["billing"] = Billing()
    app.add_url_rule("/webhooks/stripe", view_func=stripe_webhook, methods=["POST"])
    return app


def stripe_webhook() -> tuple[Response, int]:
    try:  # verify the raw body bytes, exactly as received, never re-serialised JSON
        event = stripe.Webhook.construct_event(
            request.get_data(),
            request.headers.get("Stripe-Signature", ""),
            current_app.config["STRIPE_WEBHOOK_SECRET"],
        )
    except stripe.SignatureVerificationError as exc:
        return jsonify(error=f"bad signature: {exc}"), 400
    except ValueError as exc:  # correctly signed, but not JSON
        return jsonify(error=f"bad payload: {exc}"), 400
    billing: Billing = current_app.extensions["billing"]
    applied = billing.apply(event.to_dict())
    return jsonify(received=True, duplicate=not applied), 200
