"""`expand`: replace ids with the objects they name, exactly as the API's `expand[]` does.

A path is dot-separated from the root object: `latest_invoice.payment_intent`,
`items.data.price.product`. Each step must be a field the spec lists in `x-expandableFields`
of the object it sits on (a list's `data` is walked through). Expanded objects are copies, so
the graph's own objects keep their ids.
"""

from __future__ import annotations

import copy
from typing import Any

from stripe_contracts.errors import InvalidArgument
from stripe_contracts.spec import Spec

JSON = Any
MAX_DEPTH = 4  # https://docs.stripe.com/expand: "up to four levels"


def expand_paths(
    root: dict[str, JSON], paths: list[str], objects: dict[str, dict[str, JSON]], spec: Spec
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
        _expand(result, steps, path, objects, spec)
    return result


def _expand(
    node: JSON, steps: list[str], path: str, objects: dict[str, dict[str, JSON]], spec: Spec
) -> None:
    if not steps or node is None:
        return
    step, rest = steps[0], steps[1:]
    if isinstance(node, dict) and node.get("object") == "list" and step == "data":
        for item in node["data"]:
            _expand(item, rest, path, objects, spec)
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
            _expand(item, rest, path, objects, spec)
    else:
        _expand(value, rest, path, objects, spec)
