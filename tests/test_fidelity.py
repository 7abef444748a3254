"""Our objects against Stripe's own: the oracle is Stripe's example objects, not our output.

For every billing type and each era, the keys of our objects (nested hashes included) are the
keys of Stripe's example object of that era (`fixtures3.*.json`), but for the differences
listed in `KNOWN` with their reason (docs/fidelity.md says the same). And no placeholder
(`""`, a `0` timestamp, an empty hash) survives in any object or event of any flow or status.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import Any

import pytest

from conftest import fixtures_for, spec_for
from stripe_contracts.graph.builder import GraphBuilder
from stripe_contracts.scenarios import FLOWS, build_events, run_flow
from stripe_contracts.spec import Spec

JSON = Any
ERAS = {"2020-08-27": "2020-08-27", "2023-08-16": "2023-08-16"}
BILLING_TYPES = (
    "customer",
    "product",
    "price",
    "payment_method",
    "subscription",
    "subscription_item",
    "invoice",
    "line_item",
    "invoiceitem",
    "payment_intent",
    "charge",
)

#: (version, type) -> {"+path" or "-path": why our object differs from Stripe's example}.
#: Paths are relative to the object; list elements are `[]`.
SUBSCRIPTION_LINE = (
    "Stripe's example line is an invoice-item line; a subscription line names its "
    "subscription item instead of an invoice item"
)
REFUNDS = (
    "charge.refunds is includable since 2022-11-15 (changelog); Stripe's 2023 example still "
    "shows it. It appears when expanded"
)
PREVIEW = (
    "an upcoming-invoice preview has no id: it is not an invoice yet (API reference, "
    "'Retrieve an upcoming invoice')"
)
PRORATION_ITEM = (
    "Stripe's example invoice item is a one-off one; the proration items of an item update "
    "name the subscription item they were created for"
)
_LINE_DIFF = {"+/subscription_item": SUBSCRIPTION_LINE, "-/invoice_item": SUBSCRIPTION_LINE}
_INVOICE_DIFF = {
    "-/id": PREVIEW,
    "+/lines/data/[]/subscription_item": SUBSCRIPTION_LINE,
    "-/lines/data/[]/invoice_item": SUBSCRIPTION_LINE,
}
KNOWN: dict[tuple[str, str], dict[str, str]] = {
    ("2020-08-27", "invoiceitem"): {"+/subscription_item": PRORATION_ITEM},
    ("2023-08-16", "invoiceitem"): {"+/subscription_item": PRORATION_ITEM},
    ("2020-08-27", "line_item"): _LINE_DIFF,
    ("2020-08-27", "invoice"): _INVOICE_DIFF,
    ("2023-08-16", "line_item"): _LINE_DIFF,
    ("2023-08-16", "invoice"): _INVOICE_DIFF,
    ("2023-08-16", "charge"): {"-/refunds": REFUNDS},
}

#: Empty hashes that are Stripe's real value (its example objects show them so).
REAL_EMPTY_HASHES = {"/amount_details/tip"}


def key_differences(ours: JSON, theirs: JSON, path: str = "") -> set[str]:
    """`+path` for keys only we have, `-path` for keys only Stripe's example has."""
    found: set[str] = set()
    if isinstance(ours, dict) and isinstance(theirs, dict):
        found |= {f"+{path}/{k}" for k in set(ours) - set(theirs)}
        found |= {f"-{path}/{k}" for k in set(theirs) - set(ours)}
        for key in set(ours) & set(theirs):
            if key != "metadata":
                found |= key_differences(ours[key], theirs[key], f"{path}/{key}")
    elif isinstance(ours, list) and isinstance(theirs, list) and theirs:
        for item in ours:
            found |= key_differences(item, theirs[0], f"{path}/[]")
    return found


@cache
def everything(version: str) -> tuple[list[JSON], list[JSON]]:
    """(objects, events) of every status graph and every state and event of every flow."""
    spec = spec_for(version)
    builder = GraphBuilder(spec=spec, seed=5)
    objects: list[JSON] = []
    events: list[JSON] = []
    for status in builder.statuses:
        objects.extend(builder.subscription(status=status).objects.values())
    for name in FLOWS:
        if name == "trial-no-payment-method" and "paused" not in builder.statuses:
            continue
        scenario = run_flow(name, spec, seed=5)
        for state in scenario.states:
            objects.extend(state.objects.values())
            objects.extend(state.previews.values())
        events.extend(build_events(scenario.states, spec))
    return objects, events


def of_type(objects: list[JSON], object_type: str) -> Iterator[JSON]:
    for obj in objects:
        if obj.get("object") == object_type:
            yield obj
        if obj.get("object") == "invoice" and object_type == "line_item":
            yield from obj["lines"]["data"]


@pytest.mark.parametrize("version", ERAS)
@pytest.mark.parametrize("object_type", BILLING_TYPES)
def test_keys_are_the_keys_of_stripes_example_object(version: str, object_type: str) -> None:
    example = fixtures_for(ERAS[version])[object_type]
    ours = list(of_type(everything(version)[0], object_type))
    assert ours, f"no {object_type} in any graph or flow"
    found: set[str] = set()
    for obj in ours:
        found |= key_differences(obj, example)
    known = KNOWN.get((version, object_type), {})
    assert found <= set(known), sorted(found - set(known))


def placeholders(node: JSON, schema: JSON, spec: Spec, path: str = "") -> Iterator[str]:
    """Every `""`, `0` timestamp and empty struct hash in `node`, walked with its schema."""
    schema = _resolve(spec, schema, node)
    if node == "":
        yield f"{path}: empty string"
    elif node == 0 and not isinstance(node, bool) and schema.get("format") == "unix-time":
        yield f"{path}: 0 timestamp"
    elif isinstance(node, dict):
        props = schema.get("properties") or {}
        if not node and props and path not in REAL_EMPTY_HASHES:
            yield f"{path}: empty hash"
        for key, value in node.items():
            sub = props.get(key) or schema.get("additionalProperties") or {}
            yield from placeholders(
                value, sub if isinstance(sub, dict) else {}, spec, f"{path}/{key}"
            )
    elif isinstance(node, list):
        for item in node:
            yield from placeholders(item, schema.get("items") or {}, spec, f"{path}/[]")


def _resolve(spec: Spec, schema: JSON, node: JSON) -> JSON:
    for _ in range(8):
        if "$ref" in schema:
            schema = spec.schema(schema["$ref"].rsplit("/", 1)[1])
        elif "anyOf" in schema:
            kind = "object" if isinstance(node, dict) else None
            branches = [
                b for b in schema["anyOf"] if kind is None or "$ref" in b or "properties" in b
            ]
            schema = branches[0] if branches else {}
        else:
            return schema
    return schema


@pytest.mark.parametrize("version", ERAS)
def test_no_placeholder_survives_in_any_object_or_event(version: str) -> None:
    spec = spec_for(version)
    objects, events = everything(version)
    found = set()
    for obj in [*objects, *events]:
        known = obj["object"] in spec.object_types
        schema = spec.schema(spec.schema_name_for(obj["object"])) if known else {}
        found |= {f"{obj['object']}{p}" for p in placeholders(obj, schema, spec)}
    assert not found, sorted(found)[:20]


def test_the_walk_finds_each_kind_of_placeholder() -> None:
    spec = spec_for("2023-08-16")
    schema = spec.schema("invoice")
    planted = {"id": "", "created": 0, "status_transitions": {}, "amount_due": 0}
    assert sorted(placeholders(planted, schema, spec)) == [
        "/created: 0 timestamp",
        "/id: empty string",
        "/status_transitions: empty hash",
    ]
