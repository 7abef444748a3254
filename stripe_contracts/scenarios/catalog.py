"""The named billing flows: scenario files shipped in the package, run like a user's.

Each flow is `scenarios/flows/<name>.yaml`, a scenario file of the same format as a user's
(`schemas/scenario.schema.json`), billed from the generator's catalog `flows/catalog.yaml`
(a Standard product with basic features, Advanced and Basic for upgrades and downgrades, a
one-time setup fee) or from the user's catalog file. Names are the CLI's
(`stripe-contracts generate renewal-failed-unpaid ...`); `run_flow` runs one through
`scenarios.files`, the path `generate --scenario-file` takes, so there is one path, not two.
"""

from __future__ import annotations

import copy
import os
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from stripe_contracts import _yaml
from stripe_contracts.errors import InvalidArgument
from stripe_contracts.graph.arguments import check_seed, suggestion
from stripe_contracts.scenarios.files import (
    OPTIONS,
    ScenarioFile,
    run_steps,
    scenario_file_from_dict,
    start_scenario,
)
from stripe_contracts.scenarios.timeline import Scenario
from stripe_contracts.spec import Spec

JSON = Any
#: The flows, in the order `stripe-contracts scenarios` lists them and `generate --all`
#: writes them; each is `flows/<name>.yaml` (tests hold the folder to this list).
FLOW_NAMES = (
    "signup",
    "signup-3ds",
    "signup-3ds-abandoned",
    "signup-declined",
    "renewal",
    "renewal-failed-recovered",
    "renewal-failed-unpaid",
    "renewal-failed-canceled",
    "trial",
    "trial-no-payment-method",
    "upgrade",
    "downgrade",
    "cancel-at-period-end",
    "cancel-now",
    "one-off-invoice",
    "one-off-invoice-declined",
)
#: The generator's catalog, beside the flows (each flow's `catalog:` names it).
GENERATOR_CATALOG = "catalog.yaml"


@dataclass(frozen=True)
class Flow:
    """A named flow: its file's `description` and the trial its `subscribe` step starts."""

    name: str

    @property
    def description(self) -> str:
        return str(flow_data(self.name).get("description", ""))

    @property
    def trial_days(self) -> int | None:
        for step in flow_data(self.name)["steps"]:
            if "subscribe" in step:
                return (step["subscribe"] or {}).get("trial_days")
        return None


FLOWS: dict[str, Flow] = {name: Flow(name) for name in FLOW_NAMES}


def flow_text(name: str) -> str:
    """The text of a shipped file of `flows/` (a flow's `<name>.yaml`, or the catalog)."""
    folder = resources.files("stripe_contracts") / "scenarios" / "flows"
    return (folder / name).read_text(encoding="utf-8")


@cache
def _parsed(file_name: str) -> JSON:
    return _yaml.load(flow_text(file_name))


def flow_data(name: str) -> JSON:
    """A flow's scenario file, as data (a copy: yours to change)."""
    return copy.deepcopy(_parsed(f"{name}.yaml"))


@cache
def _generator_flow(name: str) -> ScenarioFile:
    """The flow's file with the generator's catalog, checked once (never changed after)."""
    scenario_file = scenario_file_from_dict(
        _parsed(f"{name}.yaml"), path=Path(f"{name}.yaml"), catalog=_parsed(GENERATOR_CATALOG)
    )
    scenario_file.prices_as_items = True  # ids per item position, as before catalog files
    return scenario_file


def flow_file(name: str, *, catalog: str | os.PathLike[str] | JSON = None) -> ScenarioFile:
    """The named flow as a checked scenario file: billed from `catalog` (a catalog file's path
    or data; its prices named by lookup key) or, without one, from the generator's catalog,
    whose prices are made as the steps use them (ids as the builder's `items=` gives)."""
    if name not in FLOWS:
        raise InvalidArgument.choice("scenario", name, tuple(FLOWS))
    if catalog is None:
        return _generator_flow(name)
    if isinstance(catalog, (str, os.PathLike)):
        catalog = Path(catalog)
    return scenario_file_from_dict(flow_data(name), path=Path(f"{name}.yaml"), catalog=catalog)


def run_flow(
    name: str,
    spec: Spec,
    *,
    seed: int = 0,
    catalog: str | os.PathLike[str] | JSON = None,
    scenario_type: type[Scenario] = Scenario,
    **options: JSON,
) -> Scenario:
    """Run the named flow on a fresh scenario and return it (states and all).

    `options` (items, currency, collection_method, trial_days, card, start, settings) replace
    the flow file's values; settings the flow itself gives (e.g. renewal-failed-unpaid's
    `subscription_after_retries: unpaid`) stay. With `catalog` (a catalog file's path or
    data), `items` name its prices by lookup key and the flow bills from it: see `flow_file`
    and `scenarios.files.neighbour_price` for the price an upgrade or downgrade moves to.
    `scenario_type` is the `Scenario` class to run (a subclass that records its calls).
    """
    if name not in FLOWS:
        raise InvalidArgument.choice("scenario", name, tuple(FLOWS))
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        raise InvalidArgument(
            f"scenario {name!r} got unknown option(s) {unknown}",
            hint=f"flows take: {suggestion(unknown[0], OPTIONS)}",
        )
    check_seed(seed)
    if catalog is not None and options.get("currency") is not None:
        raise InvalidArgument(
            f"currency={options['currency']!r} does not apply with a catalog: its prices carry "
            "their own currency",
            hint="drop currency, or choose prices of that currency with items=[{'price': KEY}]",
        )
    scenario_file = flow_file(name, catalog=catalog)
    scenario = start_scenario(
        scenario_file, spec, seed=seed, options=options, scenario_type=scenario_type
    )
    return run_steps(scenario, scenario_file)


__all__ = [
    "FLOWS",
    "FLOW_NAMES",
    "GENERATOR_CATALOG",
    "Flow",
    "flow_data",
    "flow_file",
    "flow_text",
    "run_flow",
]
