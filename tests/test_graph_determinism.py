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
        ("active", 0): "6dc562ac2a48a9931b427206284bef6c6c7a03c3e7387cc6694d254e883f768d",
        ("active", 1): "4dffe85b62adbb12562402d687a30865194b1c68ce002ecfe63a4d48526238cb",
        ("past_due", 7): "c122e64679bd32aa1255d301f57d3f0a66e212f6fdb0c10111385040fe38f7e6",
        ("trialing", 42): "708b39ffe26b925cd803c72532f8d8e55b41ddb68ab102be6ff81744bd653155",
        ("canceled", 3): "bfc0217ac9ea310a7b389c580d271adba6e4e41a83b2c7bfef06e0b7f476a26f",
        ("incomplete", 5): "015dc9e6df2858e06d161a4d9ac8bbd566e214c5f471ca03b0d0a9c664ace7f1",
        ("active-tiered", 9): "17c1929fc01f54a00555e1593315628e9dcf6476432514aeaede7140e003efe5",
        ("unpaid-overrides", 4): "6a84321480e60d7e4c7dc0b9b88146f6fd6579f6eabcf9c82b4a78811c177e66",
        ("upgrade", 2): "896df3d17e39f9c84687007ae91f104125855f07b95b6dfe4c6765b1dc24c7a9",
        ("one-off-invoice", 2): "30386cb941437011253514e45ffbd93022f8907b78d289f002be8fc7010c63f0",
    },
    "2023-08-16": {
        ("active", 0): "e17486e8e4e0cfaa4a604fb3acb04720ef74ba48d2a18f0a369f2439002d3ddc",
        ("active", 1): "222aa34b45df0a27e9b3a7e73aff07a2479544088006a39e140a61ad868c5084",
        ("past_due", 7): "80ecfd8d56619e3f761c2eb53a7fab4e538c73b47f3f44ae7aaa6d38fb4e8f4e",
        ("trialing", 42): "d5b9bf28536d77ed941d158ac6ce6bca87faf658dd63261bcd5d6d9b88abad13",
        ("canceled", 3): "b11860314de0771c9bddcfd3f91efa069be533b4f4d8e57682db2709f6005daa",
        ("incomplete", 5): "b828a0a89669d049bbfb4f43b9743eaf4f9eb1dee480f1539dd2f4ad5c402072",
        ("active-tiered", 9): "96bec3806b4be4863fc992ddf44234fc081f77c384234c54396879f201b9df87",
        ("unpaid-overrides", 4): "2dfeacbe26560f83e0e24b8c2776be6207a2b2b0cd71525f1a8c0b8e77edeaab",
        ("upgrade", 2): "dab4485fc3ebbf36f283698a0004a0cf3a38ba9230f157f37420acfbe03fb39c",
        ("one-off-invoice", 2): "1e0e149b5429bf2261a6a61c227209011a72dc691b90ee9a5d8fac5c79ed3fc2",
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
