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
from stripe_contracts.graph.catalog import catalog_from_data, nearest_hint
from stripe_contracts.graph.clock import DAY, HOUR, MINUTE
from stripe_contracts.graph.ids import IdFactory
from stripe_contracts.graph.settings import BillingSettings, settings_from
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
    "set_card",
    "change_quantity",
    "apply_coupon",
    "pay_invoice",
    "void_invoice",
    "mark_uncollectible",
    "pause_collection",
    "resume_collection",
    "confirm_payment",
    "one_off_invoice",
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


class UserFileError(InvalidArgument):
    """A catalog or scenario file that cannot be used as written (or a named flow's options
    that its file cannot run with: an `InvalidArgument` that says at which step)."""


@dataclass
class ScenarioFile:
    path: Path
    catalog: JSON
    customer: dict[str, JSON]
    settings: BillingSettings
    steps: list[dict[str, JSON]] = field(default_factory=list)
    description: str = ""
    given_settings: dict[str, JSON] = field(default_factory=dict)  # as written in the file
    catalog_path: Path | None = None  # where the catalog was read from, for errors
    #: Prices made only as the steps use them, with ids per item position, as the builder's
    #: `items=` argument makes them (the named flows' own catalog), instead of the whole
    #: catalog listed up front with ids per lookup key (a user's catalog file).
    prices_as_items: bool = False


def load_catalog(path: Path) -> JSON:
    """A catalog file's data, checked against `catalog.schema.json` and for its references (a
    product's feature lookup keys, a price's product key), each error naming the file."""
    data = _read(path)
    _check(data, "catalog", path)
    try:
        catalog_from_data(IdFactory(0), data, 0)
    except InvalidArgument as exc:
        raise UserFileError(f"{path}: {exc.message}", hint=exc.hint) from None
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


def read_file(path: Path) -> JSON:
    """A YAML or JSON file's data (not yet checked against a schema)."""
    return _read(path)


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
    catalog_path = catalog if isinstance(catalog, Path) else None
    if isinstance(catalog, Path):
        catalog = load_catalog(catalog)
    else:
        _check(catalog, "catalog", Path(f"{path} (catalog)"))
    given = dict(data.get("settings") or {})
    try:
        settings = BillingSettings.from_dict(given)
    except InvalidArgument as exc:
        raise UserFileError(f"{path}: settings: {exc.message}", hint=exc.hint) from None
    return ScenarioFile(
        path,
        catalog,
        dict(data.get("customer") or {}),
        settings,
        data["steps"],
        description=str(data.get("description", "")),
        given_settings=given,
        catalog_path=catalog_path,
    )


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
    try:
        scenario = start_scenario(scenario_file, spec, seed=seed)
    except UserFileError:
        raise
    except InvalidArgument as exc:  # the first subscribe's arguments fix the plan
        at, verb, _ = _plan_step(scenario_file.steps)
        where = f"{scenario_file.path}: step {at} ({verb})" if at else scenario_file.path
        raise UserFileError(f"{where}: {exc.message}", hint=exc.hint) from None
    return run_steps(scenario, scenario_file, after_step=after_step)


#: What a caller may set over the file's values when it starts a scenario (the named flows'
#: options): the plan's items (in the form the catalog takes), currency, collection method,
#: trial, first card, start time, and account settings (under those the file sets).
OPTIONS = ("items", "currency", "collection_method", "trial_days", "card", "start", "settings")


def start_scenario(
    scenario_file: ScenarioFile,
    spec: Spec,
    *,
    seed: int = 0,
    options: dict[str, JSON] | None = None,
    scenario_type: type[Scenario] = Scenario,
) -> Scenario:
    """A fresh `Scenario` for the file, its plan fixed by the first `subscribe` or
    `one_off_invoice` step (no customer yet: `run_steps` creates it). `options` (names in
    `OPTIONS`) replace the file's values; the settings the file gives win over
    `options["settings"]`, since they are what the scenario is about (an account that cancels
    after the last retry). Raises `InvalidArgument` for arguments Stripe would refuse."""
    options = dict(options or {})
    _, verb, arguments = _plan_step(scenario_file.steps)
    plan_step = arguments if verb == "subscribe" else {}
    collection_method: JSON = plan_step.get("collection_method", "charge_automatically")
    collection_method = options.get("collection_method", collection_method)
    if "items" in options:
        items = options["items"]
    else:
        items = [_request(scenario_file, item) for item in _plan_items(scenario_file)]
    settings = scenario_file.settings
    if options.get("settings") is not None:
        base = settings_from(options["settings"]).as_dict()
        settings = BillingSettings.from_dict({**base, **scenario_file.given_settings})
    attach = next((_card_of(s) for s in scenario_file.steps if _card_of(s) is not None), None)
    card = attach if attach else options.get("card") or "success"
    return scenario_type(
        spec,
        seed=seed,
        name=scenario_file.path.stem,
        items=items,
        currency=options.get("currency"),
        trial_days=options.get("trial_days", plan_step.get("trial_days")),
        collection_method=collection_method,
        card=card,
        start=options.get("start"),
        settings=settings,
        catalog=None if scenario_file.prices_as_items else scenario_file.catalog,
        customer=scenario_file.customer,
    )


def run_steps(
    scenario: Scenario, scenario_file: ScenarioFile, *, after_step: AfterStep | None = None
) -> Scenario:
    """Create the customer, then run every step of the file on `scenario` (from
    `start_scenario`); errors name the file, the step number and its verb."""
    steps = _resolved_steps(scenario_file, scenario)
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
    first = scenario.phase.stage in ("catalog", "customer")  # its card: the scenario's own
    scenario.attach_payment_method(card or (None if first else "success"))


def _set_card(scenario: Scenario, arguments: JSON) -> None:
    scenario.set_card(str(arguments))


def _subscribe(scenario: Scenario, arguments: JSON) -> None:
    if "payment_behavior" in arguments:
        scenario.configure(payment_behavior=arguments["payment_behavior"])
    rates = arguments.get("tax_rates") or [None]
    scenario.create_subscription(
        coupon=arguments.get("coupon"), metadata=arguments.get("metadata"), tax_rate=rates[0]
    )


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
    duration = {unit: arguments[unit] for unit in ("days", "hours", "minutes") if unit in arguments}
    if duration:
        scenario.advance(**duration)


def _update_items(scenario: Scenario, arguments: JSON) -> None:
    scenario.update_items(
        list(arguments["items"]),
        proration_behavior=arguments.get("proration_behavior", "create_prorations"),
    )


def _change_price(scenario: Scenario, arguments: JSON) -> None:
    scenario.update_items(list(arguments["items"]))  # `_resolved_steps` made the one item


def _change_quantity(scenario: Scenario, arguments: JSON) -> None:
    scenario.change_quantity(
        arguments["quantity"],
        price=arguments.get("price"),
        proration_behavior=arguments.get("proration_behavior", "create_prorations"),
    )


def _apply_coupon(scenario: Scenario, arguments: JSON) -> None:
    scenario.apply_coupon(arguments["coupon"])


def _confirm(scenario: Scenario, arguments: JSON) -> None:
    phase = scenario.phase
    waiting = phase.status == "incomplete" and phase.payment == "pending"
    if waiting or not arguments.get("if_pending"):
        scenario.confirm_payment()


def _one_off_invoice(scenario: Scenario, arguments: JSON) -> None:
    """Invoice items for the plan's items (the first subscribe / one_off_invoice step chose
    them), an invoice, and its payment."""
    scenario.create_invoice_item().create_and_pay_invoice()


def _pause_collection(scenario: Scenario, arguments: JSON) -> None:
    """`resumes_at`: a Unix time as Stripe takes it, or a time relative to the step: a
    duration after it (`{days: 14}`), or the end of the billing period current at the step
    plus an optional duration (`{to: period_end}`, `{to: period_end, days: 2}`)."""
    resumes_at = arguments.get("resumes_at")
    if isinstance(resumes_at, dict):
        base = scenario.now
        subscription = scenario.current.model.subscription
        if resumes_at.get("to") == "period_end" and subscription is not None:
            base = subscription.period[1]  # (no subscription: pause_collection says so)
        offset = sum(
            resumes_at.get(unit, 0) * size
            for unit, size in (("days", DAY), ("hours", HOUR), ("minutes", MINUTE))
        )
        resumes_at = base + round(offset)
    scenario.pause_collection(arguments["behavior"], resumes_at=resumes_at)


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
    "set_card": _set_card,
    "change_quantity": _change_quantity,
    "apply_coupon": _apply_coupon,
    "pay_invoice": lambda scenario, arguments: scenario.pay_invoice(),
    "void_invoice": lambda scenario, arguments: scenario.void_invoice(),
    "mark_uncollectible": lambda scenario, arguments: scenario.mark_uncollectible(),
    "pause_collection": _pause_collection,
    "resume_collection": lambda scenario, arguments: scenario.resume_collection(),
    "confirm_payment": _confirm,
    "one_off_invoice": _one_off_invoice,
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
    if error.validator == "anyOf":  # a value of one of several forms: say what is wrong in its own
        own = [e for e in error.context or () if e.validator != "type"]
        error = own[0] if own else error
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
    """The card an attaching step names: "" when it names none (the scenario's own), None
    when the step attaches no card."""
    for verb in ("attach_payment_method", "card"):
        if verb in step:
            arguments = step[verb]
            card = arguments.get("card") if isinstance(arguments, dict) else arguments
            return str(card or "")
    return None


# -- prices: which catalog price each step bills ---------------------------------------------


def _plan_step(steps: list[dict[str, JSON]]) -> tuple[int | None, str, dict[str, JSON]]:
    """The step that fixes the plan's items: the first subscribe or one_off_invoice."""
    for number, step in enumerate(steps, start=1):
        for verb in ("subscribe", "one_off_invoice"):
            if verb in step:
                return number, verb, dict(step[verb] or {})
    return None, "", {}


def _plan_items(scenario_file: ScenarioFile) -> list[dict[str, JSON]]:
    """The plan step's items by lookup key; without items, the catalog's first recurring price
    (subscribe) or first one-time price (one_off_invoice), else its first price."""
    at, verb, arguments = _plan_step(scenario_file.steps)
    if arguments.get("items"):
        return [dict(item) for item in arguments["items"]]
    prices = scenario_file.catalog["prices"]
    if not verb:
        return [{"price": prices[0]["lookup_key"]}]
    recurring = verb == "subscribe"
    chosen = next((p for p in prices if bool(p.get("recurring")) == recurring), None)
    if chosen is None:
        kind = "recurring" if recurring else "one-time (no `recurring`)"
        raise UserFileError(
            f"{scenario_file.path}: step {at} ({verb}): {_catalog_name(scenario_file)} has no "
            f"{kind} price to bill",
            hint=f"add a {kind} price to the catalog, or give the step items: [{{price: KEY}}]",
        )
    return [{"price": chosen["lookup_key"]}]


def neighbour_price(catalog: JSON, lookup_key: str, direction: str) -> JSON | None:
    """The catalog price an upgrade (`direction` "higher") or downgrade ("lower") from the
    price `lookup_key` moves to: among the recurring prices of the same currency, interval and
    interval count with a `unit_amount`, the one with the next higher (lower) unit_amount; the
    first in file order on a tie; None when there is none."""
    prices = catalog["prices"]
    base = next(p for p in prices if p["lookup_key"] == lookup_key)

    def billing(price: JSON) -> tuple[str, str, int]:
        recurring = price.get("recurring") or {}
        currency = str(price["currency"]).lower()
        return currency, recurring.get("interval", ""), recurring.get("interval_count", 1)

    amount = base.get("unit_amount")
    if amount is None or not base.get("recurring"):
        return None
    same = [
        p
        for p in prices
        if p.get("recurring") and billing(p) == billing(base) and p.get("unit_amount") is not None
    ]
    if direction == "higher":
        above = [p for p in same if p["unit_amount"] > amount]
        return min(above, key=lambda p: p["unit_amount"]) if above else None
    below = [p for p in same if p["unit_amount"] < amount]
    return max(below, key=lambda p: p["unit_amount"]) if below else None


def _resolved_steps(scenario_file: ScenarioFile, scenario: Scenario) -> list[dict[str, JSON]]:
    """The steps with every item as the scenario takes it: `change_price` as its one item
    (`to: higher` / `lower` resolved from the price the item is on by then), and lookup keys
    made the builder's item requests when the file's prices are made as items."""
    current = _first_key(scenario_file, scenario)
    resolved = []
    subscribed = False
    for number, step in enumerate(scenario_file.steps, start=1):
        ((verb, arguments),) = step.items()
        if verb == "subscribe":  # a later one: the customer's latest subscription from here
            if subscribed and arguments.get("items"):
                current = arguments["items"][0]["price"]
            subscribed = True
        if verb == "change_price":
            key = arguments.get("price")
            if key is None:
                key = _neighbour_key(scenario_file, number, current, arguments["to"])
            item = {"price": key}
            if "quantity" in arguments:  # else the request sends the item's own quantity
                item["quantity"] = arguments["quantity"]
            arguments = {**arguments, "items": [_request(scenario_file, item, number)]}
            current = key
        elif verb == "update_items":
            current = arguments["items"][0]["price"]
            items = [_request(scenario_file, item, number) for item in arguments["items"]]
            arguments = {**arguments, "items": items}
        resolved.append({verb: arguments})
    return resolved


def _first_key(scenario_file: ScenarioFile, scenario: Scenario) -> str | None:
    """The lookup key of the price the plan's first item is on (None for a builder's item)."""
    items = scenario.items or []
    first = items[0].get("price") if items and isinstance(items[0], dict) else None
    if isinstance(first, str):
        return first
    return str(_plan_items(scenario_file)[0]["price"])  # the file's own, priced as items


def _neighbour_key(scenario_file: ScenarioFile, number: int, current: str | None, to: str) -> str:
    where = f"{scenario_file.path}: step {number} (change_price)"
    known = [str(p["lookup_key"]) for p in scenario_file.catalog["prices"]]
    if current not in known:
        raise UserFileError(
            f"{where}: to: {to} needs the current price in {_catalog_name(scenario_file)}; "
            f"{current!r} is not one of its lookup keys",
            hint="name the price instead: change_price: {price: LOOKUP_KEY}",
        )
    found = neighbour_price(scenario_file.catalog, str(current), to)
    if found is None:
        base = next(p for p in scenario_file.catalog["prices"] if p["lookup_key"] == current)
        recurring = base.get("recurring") or {}
        count, interval = recurring.get("interval_count", 1), recurring.get("interval", "once")
        per = interval if count == 1 else f"{count} {interval}s"
        raise UserFileError(
            f"{where}: {_catalog_name(scenario_file)} has no recurring price {to} than "
            f"{current!r} ({base.get('unit_amount', 'tiered')} {base['currency']} per {per}) "
            "with the same currency, interval and interval_count",
            hint=f"add a recurring price with a {to} unit_amount and the same currency and "
            "interval to the catalog (or, in a scenario file, name the price: change_price: "
            "{price: LOOKUP_KEY})",
        )
    return str(found["lookup_key"])


def _request(scenario_file: ScenarioFile, item: JSON, number: int | None = None) -> JSON:
    """An item as the scenario takes it: by lookup key for a user's catalog; the builder's
    `{"price": {...}, "product": {...}}` request when the prices are made as items."""
    if not scenario_file.prices_as_items:
        return item
    catalog = scenario_file.catalog
    price = next((p for p in catalog["prices"] if p["lookup_key"] == item["price"]), None)
    if price is None:
        where = f"{scenario_file.path}: step {number}" if number else str(scenario_file.path)
        keys = [str(p["lookup_key"]) for p in catalog["prices"]]
        raise UserFileError(
            f"{where}: no price with lookup_key {item['price']!r} in the catalog",
            hint=nearest_hint(str(item["price"]), keys, "lookup keys"),
        )
    product = next(p for p in catalog["products"] if p["key"] == price["product"])
    price_request = {k: price[k] for k in ("unit_amount", "tiers", "tiers_mode") if k in price}
    recurring = price.get("recurring")
    if recurring is None:
        price_request["recurring"] = None  # one-time
    elif {"interval_count": 1, **recurring} != {"interval": "month", "interval_count": 1}:
        price_request["recurring"] = dict(recurring)  # else the builder's default, monthly
    request = {
        "price": price_request,
        "product": {"name": product["name"], "features": list(product.get("features", []))},
    }
    if "quantity" in item:
        request["quantity"] = item["quantity"]
    return request


def _catalog_name(scenario_file: ScenarioFile) -> str:
    if scenario_file.catalog_path is not None:
        return f"catalog {scenario_file.catalog_path}"
    return "the catalog"


__all__ = [
    "OPTIONS",
    "VERBS",
    "AfterStep",
    "ScenarioFile",
    "StepExpectationFailed",
    "UserFileError",
    "has_fields",
    "load_catalog",
    "load_scenario_file",
    "neighbour_price",
    "read_file",
    "run_scenario_file",
    "run_steps",
    "scenario_file_from_dict",
    "start_scenario",
]
