"""Stripe Billing webhooks in FastAPI: read the raw body, verify with the official `stripe`
library, then apply.

Run it from the repository root:
`STRIPE_WEBHOOK_SECRET=whsec_... uvicorn --factory examples.fastapi_app.app:create_app`
"""

from __future__ import annotations

import os

import stripe
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from examples.billing import Billing


def create_app(webhook_secret: str | None = None) -> FastAPI:
    """The app; the signing secret comes from the argument or $STRIPE_WEBHOOK_SECRET."""
    secret = webhook_secret or os.environ.get("STRIPE_WEBHOOK_SECRET")
    if not secret:
        raise RuntimeError(
            "no Stripe webhook signing secret: set STRIPE_WEBHOOK_SECRET to the endpoint's "
            "whsec_... secret (`stripe listen` prints one) or pass create_app(webhook_secret=...)"
        )
    app = FastAPI()
    app.state.stripe_webhook_secret = secret
    app.state.billing = Billing()
    app.add_api_route("/webhooks/stripe", stripe_webhook, methods=["POST"])
    return app


async def stripe_webhook(request: Request) -> JSONResponse:
    # The raw bytes, not a pydantic model: the signature covers the body exactly as sent.
    payload = await request.body()
    try:
        event = stripe.Webhook.construct_event(
            payload,
            request.headers.get("stripe-signature", ""),
            request.app.state.stripe_webhook_secret,
        )
    except stripe.SignatureVerificationError as exc:
        return JSONResponse({"error": f"bad signature: {exc}"}, status_code=400)
    except ValueError as exc:  # correctly signed, but not JSON
        return JSONResponse({"error": f"bad payload: {exc}"}, status_code=400)
    billing: Billing = request.app.state.billing
    applied = billing.apply(event.to_dict())
    return JSONResponse({"received": True, "duplicate": not applied})
