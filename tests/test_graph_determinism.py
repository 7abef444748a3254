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
        ("active", 0): "767158cb01530c02e73dbbe750ed16d7af4446b4d0b828ccb4ee45d1c0b50ef3",
        ("active", 1): "ac05ae60fd804ada76a700abdfddd9c99e5bcee79be1887ab7e98b6f96bb9b2a",
        ("past_due", 7): "5e3285d92b3c51f42f27f9c1881d7886ffd08c849f9da27647cf0498fef9c2ec",
        ("trialing", 42): "c76827de0ab3a0ed4fca114068b99331cc40b9108b735e3a1e76539ea097b4f3",
        ("canceled", 3): "b48813a52f11dee16523d29a0d44aecb98d995cac2d627d94a9f9973c92bc0b4",
        ("incomplete", 5): "dabd9a056ad5b98370aa10d34283baf2688374be65f0f05c2f84c8be88022484",
        ("active-tiered", 9): "c3f55c38cd2df1308bb91e366ee382224fea6cbf01a941119ec90277d5a61569",
        ("unpaid-overrides", 4): "ce57144796fbecede1fc5f20e9d17510d699851fd4ce097c9040db87b351c4ad",
        ("upgrade", 2): "f4b437e894ef0467a0255a8e9e804d478b1dcb423e8d929fb0cb5b70628c0f5f",
        ("one-off-invoice", 2): "57315e6608fe8140d7440b570df3558334823684bac5c341366f9d32bd2fbcdb",
    },
    "2023-08-16": {
        ("active", 0): "b86e30b0422e24995718cba61a9838378469e847909de5d7c9ad2cefd405e8f7",
        ("active", 1): "5bcf64748de86be63ddcfa46d2a86f74a42a6cfe1cea05102e6d2da244e06cb2",
        ("past_due", 7): "c936194b4564d55cdc1e168850007ac22da69d47346020dd6f0e1ae9399a65c5",
        ("trialing", 42): "6576d00ec6238ed1868276d3f537b6109ff015288b46e9d5e58181107cee4703",
        ("canceled", 3): "3c987c94f78acce7672d44919109009c9a23097febd5d7a7f1fe4014587c7b90",
        ("incomplete", 5): "cba074f453d1b942bb74a8a52c182a6ba64b48064a902097a84525125b240c04",
        ("active-tiered", 9): "a3e6c32c9d2a365da9fba0592dc4d2e361922985dd9b526280d57736b7f6f815",
        ("unpaid-overrides", 4): "78d6ceafef0498e94e0f22d05c70ccc7e42166edba40b84ba3b49c80281ade06",
        ("upgrade", 2): "bdcb57f15d3d2c426aeb813ce58663a30f3fe50711dd1d9ebade807fcca1a755",
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
