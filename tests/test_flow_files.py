"""The 16 named flows are scenario files shipped in the package, run like a user's file.

The oracle of equivalence is the output of the Python flow functions they replace: every
flow's events and synthesized cassette are pinned below as those functions gave them at
60112b5 (seed 0, Stripe API 2023-08-16), beside the graph digests of
test_graph_determinism.py and the example cassettes in cassettes/ that they also made.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from conftest import spec_for
from stripe_contracts.cassettes.synthesize import cassette_for
from stripe_contracts.cli import main
from stripe_contracts.scenarios import FLOWS, build_events, run_flow
from stripe_contracts.scenarios.catalog import FLOW_NAMES, GENERATOR_CATALOG, flow_file
from stripe_contracts.scenarios.files import (
    load_scenario_file,
    run_scenario_file,
    scenario_file_from_dict,
)

ROOT = Path(__file__).resolve().parent.parent
SPEC = spec_for("2023-08-16")
#: name -> (sha256 of the events, sha256 of the synthesized cassette), both as
#: json.dumps(..., sort_keys=True), from the Python flows of 60112b5; upgrade and downgrade
#: re-pinned when proration lines took Stripe's description ("Unused time on Basic after
#: 11 Jan 2024"), and the flows with a declined payment when last_payment_error came to carry
#: the declined PaymentMethod: each time the only change.
PYTHON_FLOWS = {
    "signup": (
        "07de5d36aa9b6ea69fec47e8601fc2c66db4eac0ac8e6bb2d8008257aabb1a7a",
        "d9e4145a2e048743c5e95b2de1d2fb732d86a17d5a29d0ace5644742009d946d",
    ),
    "signup-3ds": (
        "c4d0f8c9e2360d6a9823af1db56b67d7913fcc531d195b82e8cf0d18a6e29aac",
        "370d9bded87a5d94f5c1103d507a66c09e1d999f930d0fbd6a19a76e97776336",
    ),
    "signup-3ds-abandoned": (
        "86d0ca6a9d20a75d2bf80ef35e69d3be4ccf38ca1622abdb97f4e1ec810119d1",
        "43cad4534aa762c15dd506aa84a99b1610916a6b77f35978fce3add9ce6acbbb",
    ),
    "signup-declined": (
        "38a1c8d5e0c1faaeeb888543fe4fd678ad26a57d25b6168093eed98299ff7cee",
        "3c310f6ee509c59f14bdaafedfc7ef6f82c1ac0da6681d39b89492cb5f905929",
    ),
    "renewal": (
        "98a3d0e9ca28ad7208c5e3eedb60d5d5c988f371c76d3be7d7cdf1282299fcdd",
        "23a84723b10e0d2bb496a6b2703de990f0f112b36f5e98b52402ac1d1387c696",
    ),
    "renewal-failed-recovered": (
        "834f6afc69bf550e9f472a236a567ae1e76a79634cbf1f0083047f9d93aac303",
        "27781a0c6058e3d2b3478e188919ad38a6d6bf8ed7c698fe830d481134aa8dc9",
    ),
    "renewal-failed-unpaid": (
        "6fa16304d78d6b4899f634729004b12aff929eacb559a8da17a55ce886e4d900",
        "a5fe1e295efe60107a98f8a1f8f06e7917dc3dd55f4451854d3942e897f2b7c4",
    ),
    "renewal-failed-canceled": (
        "141daf335aa10119f1775b1319cdb99a1009a7d9f8ce52bccb8ca04a9cf8899a",
        "a5fe1e295efe60107a98f8a1f8f06e7917dc3dd55f4451854d3942e897f2b7c4",
    ),
    "trial": (
        "cf588d4a7f882d3d950f56e660e038e7954d2601e16607dfcbc1c6efea53a374",
        "1f9b09772566438f620249dd0fa338f202fab2f94285b7667312a38de7d0950e",
    ),
    "trial-no-payment-method": (
        "7e073ab8177cc3339728d00616ffa0d8644b05e2a88e85f6c35efb977d0d8ed5",
        "037d5598b36e23c0e9bfc708971916f541f6e3f5b7e9df02d7875e152b9d8c5c",
    ),
    "upgrade": (
        "51d334242ec6ca8207b953350e348ef971daf7a14ea7aef03483a33f27ac943c",
        "752153891fc19d822e9655443e9fcdf1b41773d156e179297e87938b5c02f836",
    ),
    "downgrade": (
        "c6a4311cd73108f32d1caff84fa8f47ba61a284c16e37f5fab4e65ac84664d73",
        "01d4794b87c0cc9e600d1616ef32c49c9958e2ce5ce97a2b46379b2f62e60f09",
    ),
    "cancel-at-period-end": (
        "888e5755f09cccb88931c86bca0b7136a777f9f491811a9760a26134309bdc08",
        "3b1dd2d13d2759ce1c002cf1f8ad7ad929b8505e5d8876bb35c79279764bd8d8",
    ),
    "cancel-now": (
        "7e79e1aa5eb2bbea36c508e16341f8d137182b63243fd4c497a4e9cea61388df",
        "c896517fa1fcee77c45d766cd1cb69a44eeb00764e8c50843cf2b00400270131",
    ),
    "one-off-invoice": (
        "f9677122eee639fd36b7eb07d08e36c344839f01dd56770563a0d4bf79ad9f7d",
        "2a54fef4aea4f96dea391902be6faa127ba038d5557037ff6dcf304864f36efe",
    ),
    "one-off-invoice-declined": (
        "b8354a8d704072ce3a9e1432e562c4901f9c48a9bec7b5c82792685a60cb9d60",
        "4cf5aefab5e809e276ce42f6eda9586a4b0dddd7d67c423806474fea1a888c89",
    ),
}


def digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()


def test_every_flow_is_pinned() -> None:
    assert list(PYTHON_FLOWS) == list(FLOWS) == list(FLOW_NAMES)


@pytest.mark.parametrize("name", FLOW_NAMES)
def test_a_flow_file_gives_the_events_and_cassette_of_the_python_flow(name: str) -> None:
    scenario = run_flow(name, SPEC)
    assert (digest(build_events(scenario.states, SPEC)), digest(cassette_for(scenario))) == (
        PYTHON_FLOWS[name]
    )


def _shipped() -> Any:
    return resources.files("stripe_contracts") / "scenarios" / "flows"


def test_the_package_ships_one_file_per_flow_and_the_generator_catalog() -> None:
    names = {entry.name for entry in _shipped().iterdir() if entry.name.endswith(".yaml")}
    assert names == {f"{name}.yaml" for name in FLOW_NAMES} | {GENERATOR_CATALOG}


def test_the_flow_files_are_package_data_of_the_wheel() -> None:
    """setuptools ships a package's non-Python files only when a package-data glob (relative
    to the package) matches them."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    globs = config["tool"]["setuptools"]["package-data"]["stripe_contracts"]
    package = ROOT / "stripe_contracts"
    shipped = [p.relative_to(package).as_posix() for p in (package / "scenarios/flows").iterdir()]
    assert shipped
    for path in shipped:
        assert any(fnmatch.fnmatch(path, g) for g in globs), f"{path} is not package data"


@pytest.mark.parametrize("name", FLOW_NAMES)
def test_each_flow_file_is_a_scenario_file_with_its_description(name: str) -> None:
    """Read through importlib.resources as an installed package is, checked against
    scenario.schema.json like a user's file."""
    import yaml

    data = yaml.safe_load((_shipped() / f"{name}.yaml").read_text(encoding="utf-8"))
    catalog = yaml.safe_load((_shipped() / GENERATOR_CATALOG).read_text(encoding="utf-8"))
    checked = scenario_file_from_dict(data, path=Path(f"{name}.yaml"), catalog=catalog)
    assert checked.description == FLOWS[name].description != ""
    assert flow_file(name).steps == checked.steps


def test_scenarios_lists_each_flow_file_description(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scenarios", "--format", "json"]) == 0
    rows = {row["name"]: row for row in json.loads(capsys.readouterr().out)["scenarios"]}
    for name in FLOW_NAMES:
        assert rows[name]["description"] == FLOWS[name].description
    assert "--trial-days" in rows["trial"]["options"]
    assert "--trial-days" not in rows["signup"]["options"]


@pytest.mark.parametrize("name", ["upgrade", "renewal-failed-unpaid", "one-off-invoice"])
def test_a_shipped_flow_file_runs_as_a_users_scenario_file(name: str) -> None:
    """`generate --scenario-file` on the shipped file (its `catalog:` beside it) takes the same
    steps: the same event types in the same order; only the ids differ, being per lookup key."""
    path = ROOT / "stripe_contracts" / "scenarios" / "flows" / f"{name}.yaml"
    as_file = run_scenario_file(load_scenario_file(path), SPEC)
    named = run_flow(name, SPEC)
    types = [[e["type"] for e in build_events(s.states, SPEC)] for s in (as_file, named)]
    assert types[0] == types[1]


def test_options_replace_the_files_values() -> None:
    """The flows' options still reach the plan: the card, the trial, the collection method."""
    declined = run_flow("signup", SPEC, card="declined").current.objects
    assert {o.get("status") for o in declined.values() if o["object"] == "subscription"} == {
        "incomplete"
    }
    trial = run_flow("signup", SPEC, trial_days=7)
    assert trial.plan.trial is not None and trial.plan.trial[1] - trial.plan.trial[0] == 7 * 86400
    sent = run_flow("renewal", SPEC, collection_method="send_invoice")
    assert sent.plan.collection_method == "send_invoice"
    # the flow's own setting stays: renewal-failed-unpaid is about `unpaid`
    unpaid = run_flow(
        "renewal-failed-unpaid", SPEC, settings={"subscription_after_retries": "cancel"}
    )
    assert unpaid.current.model.subscription is not None
    assert unpaid.current.model.subscription.status == "unpaid"


def test_the_new_verbs_as_python_calls_take_the_same_steps_as_the_file() -> None:
    from stripe_contracts.scenarios.steps import ScenarioSteps

    catalog = yaml_of(GENERATOR_CATALOG)
    steps = (
        ScenarioSteps(SPEC, catalog=catalog, name="upgrade")
        .attach_payment_method()
        .subscribe()
        .confirm_payment(if_pending=True)
        .set_card("generic_decline")
        .set_card("success")
        .advance(days=10)
        .change_price(to="higher")
        .advance(to="period_end")
    )
    path = ROOT / "stripe_contracts" / "scenarios" / "flows" / "upgrade.yaml"
    from_file = run_scenario_file(load_scenario_file(path), SPEC)
    assert steps.events == build_events(from_file.states, SPEC)


def yaml_of(name: str) -> Any:
    import yaml

    return yaml.safe_load((_shipped() / name).read_text(encoding="utf-8"))
