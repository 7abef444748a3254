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
        ("active", 0): "c36316ddf1b364edcb9823a7ed54477dc14701c661d1c3947404a6a197387dc5",
        ("active", 1): "e703373c5c32beaa9ab1eb80868fdec3d3cdb1e9a44bf2965d121b8e2e377971",
        ("past_due", 7): "080bad82e1324a2316f69cca8456f4ae8929c6d8bff04da21e09306ba824cb68",
        ("trialing", 42): "509e89599e808cf532e060b4cdd4b6f8a2c61566a5f350d9d1781ec514e4d58c",
        ("canceled", 3): "6e50092b1e5e1bf2023380b14b529862e1aa791a5464a3e1541833494b202b1a",
        ("incomplete", 5): "42e9f7c3162b6609f0aa619f23e44aa8ab11a763f42e624d19c4e0e6f52ff5ed",
        ("active-tiered", 9): "4e55f2872238c1236aea9c0825f976e35e97d2f27666b7e4eb19126014240ff0",
        ("unpaid-overrides", 4): "de966faf4f48b3bfb4091e584ffdfcbaf1e147ceeb42a0a544c2a88014c100e2",
        ("upgrade", 2): "db18307b75824dfe15a6b27e33236808cb0050b40ab40e6e94c788a9653fc213",
        ("one-off-invoice", 2): "57315e6608fe8140d7440b570df3558334823684bac5c341366f9d32bd2fbcdb",
    },
    "2023-08-16": {
        ("active", 0): "a5d92bdcad2e4805f2b0c3047eb0dec718fae594948fd82673d08ce0c5a5457d",
        ("active", 1): "c4dfedc1d59421af943462a6a2bc338ae23f92a4d9a3e09c14bbbbd7ab86bc5a",
        ("past_due", 7): "125bbe305c0b12aa699f00775a0148535c6557619cbf526371504347b43301bf",
        ("trialing", 42): "e5e19f25d128a8e21618ced91655bbc7ce34097180f531e6607361a2b42c8413",
        ("canceled", 3): "429c51efe99e79acd4b6fff95d072c3891e184ebec58d99b501b80da9146f815",
        ("incomplete", 5): "4ce5515a6bd7794ffee1a2e498f6e4eb929655eeaa0ba3767c6522c57b95462c",
        ("active-tiered", 9): "e18354e8e1d754447a84910d91903c81c51e0fa3134a31f82524425242cf9a34",
        ("unpaid-overrides", 4): "4e61f0f188a9e9cb0dc20a80ee5f1bf810acd713c781d09cf090b9a55ed33c9c",
        ("upgrade", 2): "c38252a5e38357d2b7aae327205074ee6ef61504464bb5da172cc9429db8b9b0",
        ("one-off-invoice", 2): "3a55ca5f7ae661ff60adea0c4c0e44078effd4ad075bc7f07e242286fec3e561",
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
