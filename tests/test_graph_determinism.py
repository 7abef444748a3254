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
        ("active", 0): "e19985279fffbdb799b4696b30a20f05cd09e18651965ffda7b5c5b1a5fec589",
        ("active", 1): "51e17c29eb987b6c33c7c1494f4bf782bcf572b3003d9e66b557a2e3c82f5e66",
        ("past_due", 7): "48f7b2390e5bb7788c0bc0180204dfdf5e8fb321058d1348c98bff80a337deb3",
        ("trialing", 42): "99c36d22eed83ae90533e9b2eb94df7abb8f63924ad4c466e325842ff50c2355",
        ("canceled", 3): "54f439bbb1928080af0e4683c29e2f154924b5c11980cccfd5dfd669980fed75",
        ("incomplete", 5): "3d89300568ed33e47a831930109d94eb04f939035a96f20fd1769c268a59e2bf",
        ("active-tiered", 9): "eee062f677ee1ac5192435df4adb7781323b9cff2b218a337d546b80a38cf4e8",
        ("unpaid-overrides", 4): "740ee84e3132beb709524fe74235533db6efc4e435f924be165e5377903a5e69",
        ("upgrade", 2): "f209698073ca6bdd02f3c329b4ddcedc0fddc28cf4c6a49bec6dc3031aec2a92",
        ("one-off-invoice", 2): "d6ae476947aeb739541906cd9f3d0cdd1c22884441c57aa3abc10227bdbb34a6",
    },
    "2023-08-16": {
        ("active", 0): "6526ea52aecbefca5709e0a5fa9b483df1edb45ff3714a119355bc64b93fc583",
        ("active", 1): "f040e54f3abde22bf96af3dfb2f35917d613a0a355820159e1070fec23b0f9f0",
        ("past_due", 7): "67183b8596e463bc77d5802c0b56a73b504533fdaa80b5e7ac9f300b602d9239",
        ("trialing", 42): "bb16db0c8cae34b9a6232c1077101a5278029a57a7d8b09e5e70e841b70c4eb2",
        ("canceled", 3): "17e91dbb3002c058060d994dffec7015d3304a3e42cecfba1b89b5dced020107",
        ("incomplete", 5): "b545f826be0c76b10ff78e44c9b70c0f5f6a6061d759f5fdb4b386543ec8c0f4",
        ("active-tiered", 9): "5a23c43fad01efaeda78aa6f8826065d1f6427412c3982aa523da72c922e4a1f",
        ("unpaid-overrides", 4): "89c92bbbdd0d307b9d934616c4984b175af884ebe6974c8001925a3c955b637b",
        ("upgrade", 2): "0a4b5c9b594ecc354d8be8a38b7b680d8dd0ac65c34268ba2c50d77263c98924",
        ("one-off-invoice", 2): "a57f7c931bfdf8764677a40453a9a7530a5570e2feb7ce2972f7b826c37d3362",
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
