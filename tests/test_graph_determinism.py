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
        ("active", 0): "a3df9c5eb045976ab501ede5eb17b4f7207844a79ca666ff4c2227f74d1e588d",
        ("active", 1): "cc7555b83fa4de506aee8bf974db924d8cdcdc38ffdce9c8104754c8e07fc360",
        ("past_due", 7): "31a3b8b5c593fe26ab99e690956520fb00c2f8b725f2fcfb85ba7dee467678ea",
        ("trialing", 42): "5723c462e9b3844f5a078513de3fe3e9f47f6d848fb41fd96f51e5b25ad30c67",
        ("canceled", 3): "4b73b8a59c3be1de612981bc675e82c48062b1ef134c538a6c1c8929ffbb884a",
        ("incomplete", 5): "8b03aef95c4c1528d21b485e2810c59508f4c699ad44bd3c0958a006cec504b1",
        ("active-tiered", 9): "c3710d1de675ea1ef40a1fc4eb043da037dc872adfafee313fcea2e0ccb92994",
        ("unpaid-overrides", 4): "7bb4276d58f6d00cad0b7afc92657636c00c8ceba1846d7c8b42f0fb9df11732",
        ("upgrade", 2): "e069478dc9d2187a00b9bcbac1f90081a66af22040a319f0c912c28c5d668043",
        ("one-off-invoice", 2): "73103b89659018250f9123f1df995c96752be77f758c0d1864c52a20af9e4e16",
    },
    "2023-08-16": {
        ("active", 0): "de87878201212cb6021987c6f820900a6251a50ea26c07dc78e8b188b1c027ea",
        ("active", 1): "9f111fdbd5c3259b9a7e154824f6259759de2b281a4e9c33902e51ef991506e2",
        ("past_due", 7): "5e8b1774069a5768bd16c5c0f03ba606ef87825556eda566962d67a7d498cfb0",
        ("trialing", 42): "8a370474452b1de40a8dcc6060adaaa2152db4dfbc9ba6e4dd02ccd30cadb9e6",
        ("canceled", 3): "c067e3073667332dd981c4bc1bf265bd71e3eba67625593c5ca0c8f7fba809a7",
        ("incomplete", 5): "87b6dc513bdcd55ab8f6f917fc4508f12f035d31d056748754267e2810175edd",
        ("active-tiered", 9): "54811b2471e99d6046a023f21f1e3d369684ed9cb1d1834c4807f198fd0e14b9",
        ("unpaid-overrides", 4): "d0d7c1a5441196242e3db4361aaefe2ec0852e0fcaf6323d5d6221fc2eba18fd",
        ("upgrade", 2): "144b0a727ec88c474dfca402a37402d4d148dcab72d1890cd819c9df97a20ee2",
        ("one-off-invoice", 2): "4cee19df822308b7372958a70d7e3a8346d8f5285eb9bffacc744bf2c9891302",
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
