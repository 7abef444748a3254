"""The same seed and spec give the same bytes: pinned digests of whole graphs.

The digests were computed before the graph builder's caches (skeletons, schema lookups,
people, rendered prices) were added, so any cache that changes a single byte fails here.
A deliberate change to what a graph contains must update them, and say so in its commit.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from conftest import spec_for
from stripe_contracts.graph.builder import GraphBuilder
from stripe_contracts.scenarios import run_flow

TIERED_AND_ONE_OFF = [
    {
        "price": {
            "tiers": [
                {"up_to": 5, "unit_amount": 1000},
                {"up_to": "inf", "unit_amount": 800, "flat_amount": 100},
            ]
        },
        "quantity": 7,
    },
    {
        "price": {"unit_amount": 4900, "recurring": None},
        "product": {"name": "Setup fee", "features": []},
    },
]
OVERRIDES: dict[str, Any] = {
    "customer": {"name": "Ada Lovelace", "metadata": {"k": "v"}},
    "subscription": {"metadata": {"plan": "x"}},
}

#: version -> (case, seed) -> sha256 of json.dumps(objects, sort_keys=True)
PINNED: dict[str, dict[tuple[str, int], str]] = {
    "2020-08-27": {
        ("active", 0): "3421563b8c0861e74b9878d0a04f34a15106cdafa12cc48c1814ac9359ee30a0",
        ("active", 1): "a32fda3d79b879c79f2e7f35cbe6ef551a92264d20b12d0165eeca336330eafe",
        ("past_due", 7): "f281989e9adc51aaa7d0be5e42d0461e7776e9127af3a58819e9545d0cf5a28d",
        ("trialing", 42): "8cb74af72f6caa0cc346b3eb971c70813d4595935b64abc70c97a805086582ef",
        ("canceled", 3): "d0e05d79015075005299d8ffe6bcd6e6e0377637143bd8cba3b489319ec54566",
        ("incomplete", 5): "2ba81755dc53ece7a63ff30d97c6628c2d71223870cfe03402292e039306cfec",
        ("active-tiered", 9): "1f4db4a13105a20aa247a000389e35eedc3a60cd343cd1a1e962ac1b132682fb",
        ("unpaid-overrides", 4): "5be609c817aed67e28baf80c84ffd16cdc65205f3ff355ef44a5e7984e5686e1",
        ("upgrade", 2): "646ed8e08e7eb921c9cc5d67d3f75f8c2e8cdead9ebdb3681514c868338ce083",
        ("one-off-invoice", 2): "c7261d3674dba8044e1de31bf279f564904c7f0d25c6d8a8eedcf790df87258d",
    },
    "2023-08-16": {
        ("active", 0): "f2a42957bca6e0b2029cec985cd2fe7014f9cf223962eb53d5115aedfefcf3eb",
        ("active", 1): "98ba85ebfa135e6ba5e9a9f34dacfe5e1c6c9944ca1088642b2f9147de6d46a7",
        ("past_due", 7): "c05d60c436d3ff64de95197df2d74f5c6727bbde9b25fa8544378dbf155a778e",
        ("trialing", 42): "1081988ec372ceaee2996bc88cb988362716d754186cf8aa3c2030c4649af107",
        ("canceled", 3): "9a44132ab30c3785288fddc53d0d7be94d7a2c9150a2a634082e57c1df2cc21a",
        ("incomplete", 5): "17adfd3061a6ea59e470d1eef7549c51e3bccd2e8ceb23b4c2bfb08fa38bbb3d",
        ("active-tiered", 9): "d51b0db4da61d4d4c1f3ea51bc69cbc6b61bbd4aaa5ed6043079ae715ed57daf",
        ("unpaid-overrides", 4): "b23e7d5691b700de59680ffac3d34dac42523be5661962e8bd58eaded8264327",
        ("upgrade", 2): "fb06bc791089b6fdd09e8ef8432e0b5ee723fd2336da63ead31941e9ff22818f",
        ("one-off-invoice", 2): "176581277d0324fa8ac09c28423e8b3680bdb1326a62ec455d796d6f9f77885c",
    },
}


def digest(objects: Any) -> str:
    return hashlib.sha256(json.dumps(objects, sort_keys=True).encode()).hexdigest()


def objects_for(builder: GraphBuilder, case: str, seed: int) -> Any:
    if case == "active-tiered":
        return builder.subscription(status="active", seed=seed, items=TIERED_AND_ONE_OFF).objects
    if case == "unpaid-overrides":
        return builder.subscription(status="unpaid", seed=seed, **OVERRIDES).objects
    if case in ("upgrade", "one-off-invoice"):
        return [state.objects for state in run_flow(case, builder.spec, seed=seed).states]
    return builder.subscription(status=case, seed=seed).objects


CASES = [(version, case, seed) for version, pins in PINNED.items() for case, seed in pins]


@pytest.mark.parametrize(("version", "case", "seed"), CASES)
def test_graph_bytes_are_pinned(version: str, case: str, seed: int) -> None:
    builder = GraphBuilder(spec=spec_for(version), seed=0)
    assert digest(objects_for(builder, case, seed)) == PINNED[version][case, seed]


def test_every_pinned_graph_is_the_same_built_twice_in_any_order() -> None:
    """Caches warmed by other graphs (or by the same one) change nothing."""
    builders = {version: GraphBuilder(spec=spec_for(version)) for version in PINNED}
    first = {key: digest(objects_for(builders[key[0]], *key[1:])) for key in CASES}
    again = {key: digest(objects_for(builders[key[0]], *key[1:])) for key in reversed(CASES)}
    assert first == again == {(v, c, s): PINNED[v][c, s] for v, c, s in CASES}


def scribble(node: Any) -> None:
    """Mutate every dict and list inside `node`, as careless test code might."""
    if isinstance(node, dict):
        for value in list(node.values()):
            scribble(value)
        node["scribbled"] = True
    elif isinstance(node, list):
        for value in list(node):
            scribble(value)
        node.append("scribbled")


@pytest.mark.parametrize("version", list(PINNED))
def test_mutating_a_graph_does_not_leak_into_the_next(version: str) -> None:
    """Nothing a graph hands out is shared with a cache."""
    builder = GraphBuilder(spec=spec_for(version))
    for case, seed in (("active", 0), ("active-tiered", 9), ("one-off-invoice", 2)):
        scribble(objects_for(builder, case, seed))
        graph = builder.subscription(status="active", seed=seed, expand=["customer"])
        scribble([graph.objects, graph.subscription, graph.active_entitlement_summary])
        assert digest(objects_for(builder, case, seed)) == PINNED[version][case, seed]
