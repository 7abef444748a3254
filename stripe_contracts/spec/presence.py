"""Which properties Stripe returns by default: the presence rules, in one place.

Stripe's specs mark as `required` only some of the properties Stripe always sends; the rest
are optional, and Stripe's own example objects (`fixtures3.json` of each era) show which of
those it sends. Three rules reproduce them (docs/fidelity.md has the measurements):

1. An optional property that is `nullable` is sent, as null when it has no value
   (`customer.discount`, `invoice.next_payment_attempt`).
2. An optional property that cannot be null is sent only when it has a value: a hash named
   after another value of the object's `type` (`payment_method.sepa_debit` on a card), a
   sub-hash that does not apply (`invoice.threshold_reason`), an id of something that does not
   exist (`charge.transfer`). A value the model does not know is absent, never a placeholder.
3. An *includable* property is sent only when the request expands it, nullable or not
   (`INCLUDABLE`, each with the Stripe page that says so).
"""

from __future__ import annotations

from typing import Any

JSON = Any

_CUSTOMER_LISTS = "https://docs.stripe.com/changelog/2020-08-27"
_CUSTOMER_OBJECT = "https://docs.stripe.com/api/customers/object"
_PRICE_OBJECT = "https://docs.stripe.com/api/prices/object"

#: (schema name, property) -> the Stripe page saying it is returned only when expanded.
INCLUDABLE: dict[tuple[str, str], str] = {
    # "Customer sources/subscriptions/tax IDs are no longer auto-expanded by default"
    ("customer", "sources"): f"{_CUSTOMER_LISTS}/deprecates-auto-expansion-customer-sources",
    ("customer", "subscriptions"): (
        f"{_CUSTOMER_LISTS}/deprecates-auto-expansion-customer-subscriptions"
    ),
    ("customer", "tax_ids"): f"{_CUSTOMER_LISTS}/deprecates-auto-expansion-tax-id-customer",
    # marked "includable" in the API reference: "This field is not included by default."
    ("customer", "tax"): _CUSTOMER_OBJECT,
    ("customer", "cash_balance"): _CUSTOMER_OBJECT,
    ("customer", "invoice_credit_balance"): _CUSTOMER_OBJECT,
    ("price", "tiers"): _PRICE_OBJECT,
    ("price", "currency_options"): _PRICE_OBJECT,
    ("invoice", "payments"): "https://docs.stripe.com/api/invoices/object",
    ("invoice", "confirmation_secret"): "https://docs.stripe.com/api/invoices/object",
    # "Charge.refunds is no longer auto-expanded" (2022-11-15; optional in the spec from then)
    ("charge", "refunds"): "https://docs.stripe.com/changelog/2022-11-15",
}


def is_includable(schema_name: str | None, prop: str) -> bool:
    return (schema_name or "", prop) in INCLUDABLE


#: schema name -> its includable properties (most schemas have none).
INCLUDABLE_BY_SCHEMA: dict[str, frozenset[str]] = {}
for _schema, _prop in INCLUDABLE:
    INCLUDABLE_BY_SCHEMA[_schema] = INCLUDABLE_BY_SCHEMA.get(_schema, frozenset()) | {_prop}


def sent_by_default(
    schema_name: str | None, name: str, prop: JSON, required: set[str] | frozenset[str]
) -> bool:
    """Whether Stripe sends property `name` of `schema_name` when the object has no value
    for it (the skeleton holds exactly these properties)."""
    if name in required:
        return True
    return (schema_name or "", name) not in INCLUDABLE and bool(prop.get("nullable"))
