"""A team's own catalog and scenario files: read, checked, and run as `Scenario` calls.

Both files are YAML or JSON, checked against their JSON Schemas (`schemas/catalog.schema.json`,
`schemas/scenario.schema.json`, shipped in the package) before anything is read from them.
Every error names the file, the step number and the field, with the nearest valid name for a
misspelt one. A scenario's steps become the same `Scenario` calls the named flows make.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from stripe_contracts import _yaml
from stripe_contracts.errors import InvalidArgument, StripeContractsError
from stripe_contracts.graph.catalog import nearest_hint
from stripe_contracts.graph.clock import MINUTE
from stripe_contracts.graph.settings import BillingSettings
from stripe_contracts.scenarios.customer import Subscriptions, check_subscription_names
from stripe_contracts.scenarios.timeline import Scenario
from stripe_contracts.spec import Spec

JSON = Any
#: Step verbs, with the names billing-e2e (an online runner of YAML scenarios on real test
#: clocks) uses where the meaning agrees: `card` attaches a card, `change_price` moves the
#: single item to another price.
VERBS = (
    "attach_payment_method",
    "card",
    "subscribe",
    "advance",
    "update_items",
    "change_price",
    "change_quantity",
    "apply_coupon",
    "confirm_payment",
    "cancel",
    "expect_event",
    "expect",
    "check",
)
#: Verbs that look at the world instead of changing it (their step causes no events).
LOOKING = ("expect_event", "expect", "check")
#: Called after each step with (step number, verb, arguments, scenario); what it raises is
#: reported at that step. `webhooks.scenario_run` delivers the step's events and runs `check`.
AfterStep = Callable[[int, str, Any, Scenario], None]


class UserFileError(StripeContractsError):
    """A catalog or scenario file that cannot be used as written."""


@dataclass
class ScenarioFile:
    path: Path
    catalog: JSON
    customer: dict[str, JSON]
    settings: BillingSettings
    steps: list[dict[str, JSON]] = field(default_factory=list)


def load_catalog(path: Path) -> JSON:
    """A catalog file's data, checked against `catalog.schema.json`."""
    data = _read(path)
    _check(data, "catalog", path)
    return data


def load_scenario_file(
    path: Path, *, catalog: Path | None = None, default_catalog: Path | None = None
) -> ScenarioFile:
    """A scenario file, checked, with its catalog: `catalog` if given, else the file's
    `catalog:` key (relative to the file), else `default_catalog`."""
    data = _read(path)
    return scenario_file_from_dict(
        data,
        path=path,
        catalog=catalog
        or (path.parent / data["catalog"] if isinstance(data, dict) and "catalog" in data else None)
        or default_catalog,
    )


def scenario_file_from_dict(data: JSON, *, path: Path, catalog: Path | JSON) -> ScenarioFile:
    """A scenario file's data (as read from `path`, named in errors), checked, with its catalog
    (a catalog file's path, or its data already read)."""
    if not isinstance(data, dict):
        raise UserFileError(f"{path}: a scenario file is a mapping", hint="see scenario.yaml")
    for number, step in enumerate(data.get("steps") or [], start=1):
        _check_verb(path, number, step)
    _check(data, "scenario", path)
    unknown = check_subscription_names(data["steps"])
    if unknown is not None:
        number, verb, message, hint = unknown
        raise UserFileError(f"{path}: step {number} ({verb}): {message}", hint=hint)
    if catalog is None:
        raise UserFileError(
            f"{path}: no catalog", hint="add `catalog: catalog.yaml` or pass --catalog FILE"
        )
    if isinstance(catalog, Path):
        catalog = load_catalog(catalog)
    else:
        _check(catalog, "catalog", Path(f"{path} (catalog)"))
    try:
        settings = BillingSettings.from_dict(data.get("settings") or {})
    except InvalidArgument as exc:
        raise UserFileError(f"{path}: settings: {exc.message}", hint=exc.hint) from None
    return ScenarioFile(path, catalog, dict(data.get("customer") or {}), settings, data["steps"])


def run_scenario_file(
    scenario_file: ScenarioFile,
    spec: Spec,
    *,
    seed: int = 0,
    after_step: AfterStep | None = None,
) -> Scenario:
    """Run the file's steps on a fresh `Scenario` (its customer created first).

    `check` steps probe an app, so they do something only through `after_step` (see
    `webhooks.scenario_run.run_against_app`); without one they are passed over. A later
    `subscribe` adds a subscription for the same customer (`scenarios.customer`); steps act on
    the latest one unless they name one (`subscription: 2`, or a `key` given at subscribe), and
    the returned scenario's states hold every subscription's objects.
    """
    steps = scenario_file.steps
    at = next((n for n, s in enumerate(steps, start=1) if "subscribe" in s), None)
    subscribe = steps[at - 1]["subscribe"] if at else None
    first_card = next((c for c in map(_card_of, steps) if c), "success")
    try:
        scenario = Scenario(
            spec,
            seed=seed,
            name=scenario_file.path.stem,
            items=(subscribe or {}).get("items") or [_any_price(scenario_file.catalog)],
            trial_days=(subscribe or {}).get("trial_days"),
            collection_method=(subscribe or {}).get("collection_method", "charge_automatically"),
            card=first_card,
            settings=scenario_file.settings,
            catalog=scenario_file.catalog,
            customer=scenario_file.customer,
        )
    except InvalidArgument as exc:  # the first subscribe's arguments fix the plan
        where = f"{scenario_file.path}: step {at} (subscribe)" if at else scenario_file.path
        raise UserFileError(f"{where}: {exc.message}", hint=exc.hint) from None
    scenario.create_customer()
    customer = Subscriptions(scenario)
    previous = len(scenario.states)  # where the step before the current one began
    for number, step in enumerate(steps, start=1):
        ((verb, arguments),) = step.items()
        began = len(scenario.states)
        try:
            if verb == "expect_event":
                _expect_event(scenario, arguments, since=previous)
            elif not customer.step(verb, arguments):
                _STEPS[verb](customer.target(verb, arguments), arguments)
            if after_step is not None:
                after_step(number, verb, arguments, scenario)
        except InvalidArgument as exc:
            where = f"{scenario_file.path}: step {number} ({verb})"
            raise UserFileError(f"{where}: {exc.message}", hint=exc.hint) from None
        except StepExpectationFailed as exc:
            where = f"{scenario_file.path}: step {number} ({verb})"
            raise StepExpectationFailed(f"{where}: {exc.message}", hint=exc.hint) from None
        if verb not in LOOKING:
            previous = began
    return scenario


class StepExpectationFailed(StripeContractsError):
    """An `expect_event` or `expect` step that the scenario's own events do not meet."""


# -- steps ----------------------------------------------------------------------------------


def _attach(scenario: Scenario, arguments: JSON) -> None:
    card = arguments.get("card") if isinstance(arguments, dict) else arguments
    scenario.attach_payment_method(card or "success")


def _subscribe(scenario: Scenario, arguments: JSON) -> None:
    if "payment_behavior" in arguments:
        scenario.configure(payment_behavior=arguments["payment_behavior"])
    scenario.create_subscription(coupon=arguments.get("coupon"), metadata=arguments.get("metadata"))


def _advance(scenario: Scenario, arguments: JSON) -> None:
    to = arguments.get("to")
    if to == "period_end":
        scenario.advance_to_period_end()
    elif to == "trial_end":
        trial = scenario.plan.trial
        if trial is None:
            raise InvalidArgument("advance to trial_end: the subscription has no trial", hint="")
        scenario.advance(minutes=(trial[1] - scenario.now) / MINUTE + 120)
    elif to == "next_retry":
        scenario.advance_to_next_retry()
    elif to == "retries_end":
        scenario.advance_until_retries_end()
    scenario.advance(days=arguments.get("days", 0), hours=arguments.get("hours", 0))


def _update_items(scenario: Scenario, arguments: JSON) -> None:
    scenario.update_items(
        list(arguments["items"]),
        proration_behavior=arguments.get("proration_behavior", "create_prorations"),
    )


def _change_price(scenario: Scenario, arguments: JSON) -> None:
    scenario.update_items([{"price": arguments["price"], "quantity": arguments.get("quantity", 1)}])


def _change_quantity(scenario: Scenario, arguments: JSON) -> None:
    scenario.change_quantity(
        arguments["quantity"],
        price=arguments.get("price"),
        proration_behavior=arguments.get("proration_behavior", "create_prorations"),
    )


def _apply_coupon(scenario: Scenario, arguments: JSON) -> None:
    scenario.apply_coupon(arguments["coupon"])


def _confirm(scenario: Scenario, arguments: JSON) -> None:
    scenario.confirm_payment()


def _cancel(scenario: Scenario, arguments: JSON) -> None:
    scenario.cancel(at_period_end=bool(arguments.get("at_period_end", False)))


def _expect_event(scenario: Scenario, arguments: JSON, *, since: int) -> None:
    """The events of the previous step include this type (and its object these fields)."""
    from stripe_contracts.scenarios.events import build_events

    kind = arguments if isinstance(arguments, str) else arguments["type"]
    wanted = {} if isinstance(arguments, str) else arguments.get("object", {})
    events = build_events(scenario.states[since - 1 :], scenario.spec)
    matching = [e for e in events if e["type"] == kind]
    if not matching:
        seen = sorted({e["type"] for e in events})
        raise StepExpectationFailed(
            f"no {kind} event in the previous step (it sent {', '.join(seen) or 'none'})",
            hint=nearest_hint(kind, seen, "event types sent"),
        )
    if wanted and not any(has_fields(e["data"]["object"], wanted) for e in matching):
        raise StepExpectationFailed(
            f"no {kind} event's object has {json.dumps(wanted)}",
            hint="compare with the bundle's events, or fix the expected fields",
        )


def _expect(scenario: Scenario, arguments: JSON) -> None:
    """The objects of this moment, by type, have these fields."""
    for object_type, wanted in arguments.items():
        found = [o for o in scenario.current.objects.values() if o.get("object") == object_type]
        if not found:
            raise StepExpectationFailed(
                f"no {object_type} exists at this moment",
                hint=nearest_hint(
                    object_type, sorted({str(o.get("object")) for o in found}), "types"
                ),
            )
        if not any(has_fields(o, wanted) for o in found):
            actual = {k: found[-1].get(k) for k in wanted}
            raise StepExpectationFailed(
                f"{object_type} has {json.dumps(actual)}, expected {json.dumps(wanted)}",
                hint="the step before did not bring the object there",
            )


def has_fields(obj: JSON, wanted: JSON) -> bool:
    """`obj` has every field of `wanted` with its value (nested mappings compared the same way)."""
    if isinstance(wanted, dict):
        return isinstance(obj, dict) and all(has_fields(obj.get(k), v) for k, v in wanted.items())
    return bool(obj == wanted)


def _probe(scenario: Scenario, arguments: JSON) -> None:
    """A probe of the app: nothing to do to the scenario (the runner's `after_step` probes)."""


_STEPS = {
    "attach_payment_method": _attach,
    "card": _attach,
    "subscribe": _subscribe,
    "advance": _advance,
    "update_items": _update_items,
    "change_price": _change_price,
    "change_quantity": _change_quantity,
    "apply_coupon": _apply_coupon,
    "confirm_payment": _confirm,
    "cancel": _cancel,
    "expect": _expect,
    "check": _probe,
}
assert set(_STEPS) | {"expect_event"} == set(VERBS), "every verb has a step"


# -- reading and checking -------------------------------------------------------------------


def _read(path: Path) -> JSON:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserFileError(
            f"cannot read {path}: {exc}", hint="give the path of a YAML or JSON file"
        ) from None
    try:
        if str(path).endswith(".json"):
            return json.loads(text)
        return _yaml.load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise UserFileError(f"{path} is not valid YAML or JSON: {exc}", hint="") from None


def _check_verb(path: Path, number: int, step: JSON) -> None:
    if not isinstance(step, dict) or len(step) != 1:
        raise UserFileError(
            f"{path}: step {number} must be one verb with its arguments, got {step!r}",
            hint="e.g. - subscribe: {items: [{price: standard_monthly}]}",
        )
    (verb,) = step
    if verb not in VERBS:
        raise UserFileError(
            f"{path}: step {number}: unknown step {verb!r}",
            hint=nearest_hint(str(verb), list(VERBS), "steps"),
        )
    probe = step[verb]
    if verb == "check" and isinstance(probe, dict) and ("get" in probe) == ("call" in probe):
        raise UserFileError(
            f"{path}: step {number} (check): give one of `get` and `call`, "
            + ("not both" if "get" in probe else "found neither"),
            hint='e.g. - check: {get: "/state/{customer}", expect: {status: active}}',
        )


def _check(data: JSON, kind: str, path: Path) -> None:
    import jsonschema

    schema = json.loads(_schema_text(kind))
    errors = sorted(
        jsonschema.Draft202012Validator(schema).iter_errors(data),
        key=lambda e: len(list(e.absolute_path)),
    )
    if not errors:
        return
    error = errors[0]
    where = _where(list(error.absolute_path))
    hint = "see schemas/" + kind + ".schema.json"
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = list((error.schema.get("properties") or {}).keys())
        extra = [k for k in error.instance if k not in allowed]
        if extra:
            hint = nearest_hint(str(extra[0]), allowed, "allowed keys")
            raise UserFileError(f"{path}: {where}: unknown key {extra[0]!r}", hint=hint)
    raise UserFileError(f"{path}: {where}: {error.message}", hint=hint)


def _where(parts: list[JSON]) -> str:
    if len(parts) >= 2 and parts[0] == "steps" and isinstance(parts[1], int):
        rest = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in parts[2:])
        return f"step {parts[1] + 1}{rest.replace('.', ' ', 1) if rest else ''}"
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in parts).lstrip(".") or "top"


def _schema_text(kind: str) -> str:
    packaged = resources.files("stripe_contracts") / "schemas" / f"{kind}.schema.json"
    return packaged.read_text(encoding="utf-8")


def _card_of(step: dict[str, JSON]) -> str | None:
    for verb in ("attach_payment_method", "card"):
        if verb in step:
            arguments = step[verb]
            return str(
                arguments.get("card", "success") if isinstance(arguments, dict) else arguments
            )
    return None


def _any_price(catalog: JSON) -> dict[str, JSON]:
    """An item for scenarios that never subscribe (the plan needs one)."""
    return {"price": catalog["prices"][0]["lookup_key"]}


__all__ = [
    "VERBS",
    "AfterStep",
    "ScenarioFile",
    "StepExpectationFailed",
    "UserFileError",
    "has_fields",
    "load_catalog",
    "load_scenario_file",
    "run_scenario_file",
    "scenario_file_from_dict",
]
