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
        ("active", 0): "99a287da568996a3843222ef41ceb7bd8fb3e6d59648f8561bbae90d00e519c8",
        ("active", 1): "ef759bc5d3b17f52fb4cdf1be4d7a3d78584cd6f4dd7a4af022c2dab4169e817",
        ("past_due", 7): "3b31f9bbd3857163613ec914cc3542b3132f0900d7b99eb5a85fb87e14ab4e86",
        ("trialing", 42): "f6617c6d0f7a9ecddeb1475b6c900a80560c89ccd675e2d6077329929ea4180b",
        ("canceled", 3): "37a5274744617e79331ffe6b3d9a1a4a52ab3398518a836015c3adad1c62091a",
        ("incomplete", 5): "529cd4bd33726fb0010d680edc397f0d0eaef225a16129d2105ff8cf9e7062f7",
        ("active-tiered", 9): "e1fcc7e814746a4578387fafdcb3d0a569d2fda18e93b14644d28db4b2f8d2ce",
        ("unpaid-overrides", 4): "c2a513266cbb712524a81195d20b075cce43718a82f2c9e5801356d1171d9e2c",
        ("upgrade", 2): "3ed4955bf4cca271bea293366b53e3976b647e3360e4f5645c0945d34f526b58",
        ("one-off-invoice", 2): "c504628414bfb19b95877d6fc84445e7228f041b48c1a053b4f85c9580bc5607",
    },
    "2023-08-16": {
        ("active", 0): "94b59329a7801b7163c28bd4e37061555b4d3d71ab170a9fc69f2c487b07459b",
        ("active", 1): "7882f03389865c2e8ec4c9f017001f8dfce8b77a8df4bc938943c6c9c4f0ddff",
        ("past_due", 7): "0c3a25057df43cd308d18b2ff9b30b6674e9a3708ed78e966e2ff180d8efc4d2",
        ("trialing", 42): "12739739760c7e74556b1e0b6f8165d1e3d04f5e37e3453b441c74c8f42c9330",
        ("canceled", 3): "8ff7e2334a60f0824fda3ccc837cebe7ff3f277dfd833b6779fe094898122ea0",
        ("incomplete", 5): "99552b2212198688a386ae7f4abbb2f43a3e69ec885d488ff8f0689b83c60ceb",
        ("active-tiered", 9): "603e9e177bc0bb19606dc61d5b390396eee9c790f99c914142a459a9bc2eb7e5",
        ("unpaid-overrides", 4): "2172dadb868dc48e73288bec37450f4e5cfcef4adc2ff8034d6ca4505fad9289",
        ("upgrade", 2): "4480dac0a6a5d4410509c8ce6c5f8ca25e2adc05626311615b2dd48f65b4ef2d",
        ("one-off-invoice", 2): "85945a181c3885815d9e23515d1040ea8331af818568efde1ce6d8918e252829",
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
