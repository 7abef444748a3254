"""`expand`: replace ids with the objects they name, exactly as the API's `expand[]` does.

A path is dot-separated from the root object: `latest_invoice.payment_intent`,
`items.data.price.product`. Each step must be a field the spec lists in `x-expandableFields`
of the object it sits on (a list's `data` is walked through). Expanded objects are copies, so
the graph's own objects keep their ids. An includable step (`customer.subscriptions`,
`latest_invoice.payments`) adds the property Stripe leaves out unless asked.
"""

from __future__ import annotations

import copy
from typing import Any

from stripe_contracts.errors import InvalidArgument
from stripe_contracts.graph.includes import include
from stripe_contracts.graph.model import BillingModel
from stripe_contracts.spec import Spec
from stripe_contracts.spec.presence import is_includable

JSON = Any
MAX_DEPTH = 4  # https://docs.stripe.com/expand: "up to four levels"


def payment_expand_path(spec: Spec) -> str:
    """How a subscription response reaches the first payment's client secret: through
    `latest_invoice.payment_intent` where invoices name their PaymentIntent, through the
    includable `latest_invoice.confirmation_secret` from basil on, which removed
    `invoice.payment_intent` (https://docs.stripe.com/changelog/basil/2025-03-31/
    add-support-for-multiple-partial-payments-on-invoices)."""
    invoice = spec.schema(spec.schema_name_for("invoice"))
    has_intent = "payment_intent" in (invoice.get("properties") or {})
    return "latest_invoice.payment_intent" if has_intent else "latest_invoice.confirmation_secret"


def expand_paths(
    root: dict[str, JSON],
    paths: list[str],
    objects: dict[str, dict[str, JSON]],
    spec: Spec,
    model: BillingModel,
) -> dict[str, JSON]:
    """A copy of `root` with every path in `paths` expanded from `objects`."""
    result = copy.deepcopy(root)
    for path in paths:
        steps = path.split(".") if isinstance(path, str) and path else []
        expandable_steps = [s for s in steps if s != "data"]
        if not steps or len(expandable_steps) > MAX_DEPTH:
            raise InvalidArgument(
                f"expand={path!r} is not a valid expand path",
                hint=f"dot-separated field names, at most {MAX_DEPTH} levels, "
                "e.g. 'latest_invoice.payment_intent'",
            )
        _expand(result, steps, path, (objects, spec, model))
    return result


_Context = tuple[dict[str, dict[str, JSON]], Spec, BillingModel]


def _expand(node: JSON, steps: list[str], path: str, context: _Context) -> None:
    if not steps or node is None:
        return
    objects, spec, model = context
    step, rest = steps[0], steps[1:]
    if isinstance(node, dict) and node.get("object") == "list" and step == "data":
        for item in node["data"]:
            _expand(item, rest, path, context)
        return
    object_type = node.get("object") if isinstance(node, dict) else None
    schema_name = spec.schema_name_for(str(object_type))
    allowed = spec.schema(schema_name).get("x-expandableFields") or []
    if step not in allowed:
        raise InvalidArgument(
            f"expand={path!r}: {step!r} is not expandable on {object_type}",
            hint=f"expandable fields of {object_type}: {', '.join(sorted(allowed)) or 'none'}",
        )
    value = node.get(step)
    if step not in node and is_includable(schema_name, step):
        value = node[step] = include(node, step, objects, model, spec)
    if isinstance(value, str) and step in spec.expandable_fields(schema_name):
        if value not in objects:
            raise InvalidArgument(
                f"expand={path!r}: {step} {value!r} is not part of this graph",
                hint="only objects the graph built can be expanded",
            )
        value = copy.deepcopy(objects[value])
        node[step] = value
    if isinstance(value, list):
        for item in value:
            _expand(item, rest, path, context)
    else:
        _expand(value, rest, path, context)
