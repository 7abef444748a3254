"""Schemas Stripe sends objects for but does not publish, derived from what it does publish.

`entitlements.active_entitlement_summary` has no schema in Stripe's spec: it appears only as
`data.object` of the `entitlements.active_entitlement_summary.updated` event. Its shape is
taken from Stripe's own example (fixtures3.json, 2026): a customer id, a list of
`entitlements.active_entitlement`, `livemode`, `object`. It is added only when the spec
defines `entitlements.active_entitlement`, so its items are checked by Stripe's own schema.
"""

from __future__ import annotations

from typing import Any

SUMMARY = "entitlements.active_entitlement_summary"
_ITEM = "entitlements.active_entitlement"


def derived_document(schema_names: set[str], version: str) -> dict[str, Any] | None:
    """An OpenAPI document with the derived schemas this spec can support, or None."""
    if _ITEM not in schema_names or SUMMARY in schema_names:
        return None
    summary = {
        "type": "object",
        "required": ["customer", "entitlements", "livemode", "object"],
        "x-resourceId": SUMMARY,
        "properties": {
            "customer": {"type": "string", "maxLength": 5000},
            "entitlements": {
                "type": "object",
                "required": ["data", "has_more", "object", "url"],
                "properties": {
                    "data": {"type": "array", "items": {"$ref": f"#/components/schemas/{_ITEM}"}},
                    "has_more": {"type": "boolean"},
                    "object": {"type": "string", "enum": ["list"]},
                    "url": {"type": "string", "maxLength": 5000},
                },
            },
            "livemode": {"type": "boolean"},
            "object": {"type": "string", "enum": [SUMMARY]},
        },
    }
    return {
        "openapi": "3.0.0",
        "info": {"version": version, "title": "derived by stripe-contracts"},
        "components": {"schemas": {SUMMARY: summary}},
    }
