"""Where a synthesized cassette's request parameters come from in its scenario file.

`cassette synthesize --scenario-file FILE` writes the requests a typical integration sends for
the file's steps, with the file's values; it notes FILE's name in the cassette's `metadata`
(vcrpy keeps that key beside the interactions). When the code under test sends another value,
the replay mismatch names the parameter and, from `FIELDS`, the place in the scenario file that
gives it: put the code's value there and synthesize again.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Final

import yaml

from stripe_contracts import _yaml

__all__ = ["FIELDS", "origin_metadata", "scenario_field", "scenario_file_of"]

JSON = Any
_KEY: Final = "stripe_contracts"

_SUBSCRIPTION: Final = r"/v1/subscriptions/[^/]+"
#: (method, path, parameter in Stripe's bracket notation) -> the scenario file's field that
#: gives it, as `cassettes.synthesize` builds each request; the first row that matches wins.
FIELDS: Final[tuple[tuple[str, str, str, str], ...]] = (
    ("POST", "/v1/customers", r"email", "customer.email"),
    ("POST", "/v1/customers", r"name", "customer.name"),
    ("POST", "/v1/customers", r"phone", "customer.phone"),
    ("POST", "/v1/customers", r"address(\[.+)?", "customer.address"),
    ("POST", "/v1/customers", r"metadata\[(?P<key>[^\]]+)\]", "customer.metadata.{key}"),
    (
        "POST",
        "/v1/subscriptions",
        r"items\[(?P<n>\d+)\]\[price\]",
        "the subscribe step's items[{n}].price (a lookup key of the catalog: the cassette holds "
        "that price's id)",
    ),
    (
        "POST",
        "/v1/subscriptions",
        r"items\[(?P<n>\d+)\]\[quantity\]",
        ("the subscribe step's items[{n}].quantity"),
    ),
    ("POST", "/v1/subscriptions", r"items(\[.+)?", "the subscribe step's items"),
    ("POST", "/v1/subscriptions", r"trial_period_days", "the subscribe step's trial_days"),
    (
        "POST",
        "/v1/subscriptions",
        r"collection_method|days_until_due",
        ("the subscribe step's collection_method"),
    ),
    (
        "POST",
        "/v1/subscriptions",
        r"payment_behavior",
        ("the subscribe step's payment_behavior (or settings.payment_behavior)"),
    ),
    (
        "POST",
        "/v1/subscriptions",
        r"metadata\[(?P<key>[^\]]+)\]",
        ("the subscribe step's metadata.{key}"),
    ),
    ("POST", "/v1/subscriptions", r"coupon|discounts(\[.+)?", "the subscribe step's coupon"),
    (
        "POST",
        _SUBSCRIPTION,
        r"items\[(?P<n>\d+)\]\[price\]",
        ("the price of the update_items / change_price step (a lookup key of the catalog)"),
    ),
    (
        "POST",
        _SUBSCRIPTION,
        r"items\[(?P<n>\d+)\]\[quantity\]",
        ("the quantity of the update_items / change_price / change_quantity step"),
    ),
    (
        "POST",
        _SUBSCRIPTION,
        r"proration_behavior",
        ("the proration_behavior of the update_items / change_quantity step"),
    ),
    ("POST", _SUBSCRIPTION, r"cancel_at_period_end", "the cancel step's at_period_end"),
    ("POST", _SUBSCRIPTION, r"coupon|discounts(\[.+)?", "the apply_coupon step's coupon"),
    ("POST", "/v1/invoiceitems", r"quantity", "the one_off_invoice step's items[].quantity"),
    (
        "POST",
        "/v1/invoiceitems",
        r"price|pricing(\[.+)?",
        ("the one_off_invoice step's items[].price (a lookup key of the catalog)"),
    ),
)


def origin_metadata(scenario_file: str) -> dict[str, JSON]:
    """The cassette's `metadata` naming the scenario file it was synthesized from."""
    return {_KEY: {"scenario_file": scenario_file}}


def scenario_file_of(path: Path) -> str | None:
    """The scenario file a cassette was synthesized from (its `metadata`), else None: a
    recorded cassette, or one synthesized from a named flow, or one that cannot be read (its
    replay reports that)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    if "scenario_file" not in text:  # most cassettes: nothing to parse twice
        return None
    try:
        data = json.loads(text) if path.suffix == ".json" else _yaml.load(text)
    except (ValueError, yaml.YAMLError):  # the replay itself reports a broken cassette
        return None
    found = ((data.get("metadata") or {}).get(_KEY) or {}) if isinstance(data, dict) else {}
    name = found.get("scenario_file") if isinstance(found, dict) else None
    return name if isinstance(name, str) else None


def scenario_field(method: str, path: str, parameter: str) -> str | None:
    """The scenario file's field that gives `parameter` of the request `method path`."""
    for row_method, row_path, row_parameter, field in FIELDS:
        if method.upper() != row_method or not re.fullmatch(row_path, path):
            continue
        matched = re.fullmatch(row_parameter, parameter)
        if matched:
            return field.format(**matched.groupdict())
    return None
