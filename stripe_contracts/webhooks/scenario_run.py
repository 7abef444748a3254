"""A scenario file as an end-to-end test of the user's app, offline.

`run_against_app` runs the file's steps and, after each one, delivers the events that step
caused to the app, signed at the moment they are sent (as Stripe sends them, one step's events
before the next step happens). A `check` step then probes the app: `get` a loopback URL and
compare the JSON it answers with `expect` (the CLI's way), or `call` a Python check by name
(pytest's way). The first step whose delivery, expectation or check fails raises
`StepExpectationFailed` naming the file and the step.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from stripe_contracts.errors import InvalidArgument
from stripe_contracts.graph.catalog import nearest_hint
from stripe_contracts.scenarios.events import build_events
from stripe_contracts.scenarios.files import (
    ScenarioFile,
    StepExpectationFailed,
    has_fields,
    run_scenario_file,
)
from stripe_contracts.scenarios.timeline import Scenario
from stripe_contracts.spec import Spec
from stripe_contracts.webhooks.delivery import (
    Delivery,
    check_loopback_url,
    deliver,
    get_from,
    transport_for,
)
from stripe_contracts.webhooks.signing import check_webhook_secret

JSON = Any
#: A Python check for `check: {call: NAME}`: given the scenario at that moment, it returns what
#: the app holds (compared with `expect`) or raises AssertionError itself.
Check = Callable[[Scenario], JSON]
#: Placeholders a `get` URL may hold, each the id of the object of that type at the moment.
PLACEHOLDERS = ("customer", "subscription")


@dataclass
class StepRun:
    """One step as the app saw it: the events delivered after it, and a check's answer."""

    number: int
    verb: str
    deliveries: list[Delivery] = field(default_factory=list)
    answer: JSON = None


@dataclass
class ScenarioRun:
    scenario: Scenario
    steps: list[StepRun]


def run_against_app(
    scenario_file: ScenarioFile,
    spec: Spec,
    *,
    deliver_to: Any,
    secret: str,
    checks: Mapping[str, Check] | None = None,
    seed: int = 0,
    timeout: float = 10.0,
    clock: Callable[[], float] = time.time,
) -> ScenarioRun:
    """Run `scenario_file` against the app at `deliver_to` (a loopback URL, a WSGI or ASGI app,
    or a callable(payload, headers)); every step's events delivered signed with `secret`."""
    check_webhook_secret(secret, name="secret")
    transport_for(deliver_to, timeout=timeout)  # a URL off this machine is refused before step 1
    runs: list[StepRun] = []
    sent = 0

    def after_step(number: int, verb: str, arguments: JSON, scenario: Scenario) -> None:
        nonlocal sent
        events = build_events(scenario.states, spec)  # ids count from the start: a stable prefix
        new, sent = events[sent:], len(events)
        run = StepRun(
            number, verb, deliver(new, deliver_to, secret=secret, clock=clock, timeout=timeout)
        )
        runs.append(run)
        refused = [d for d in run.deliveries if not d.ok]
        if refused:
            raise StepExpectationFailed(
                f"the app did not accept {len(refused)} of {len(new)} events: "
                + "; ".join(_answer(d) for d in refused),
                hint="nothing answered: is the app running on that URL?"
                if all(d.error for d in refused)
                else "the app must answer 2xx to every signed event (is the webhook secret the "
                "app's secret?)",
            )
        if verb == "check":
            run.answer = _probe(arguments, scenario, deliver_to, checks or {}, timeout)

    scenario = run_scenario_file(scenario_file, spec, seed=seed, after_step=after_step)
    return ScenarioRun(scenario, runs)


def _answer(delivery: Delivery) -> str:
    what = f"{delivery.event_type} {delivery.event_id}"
    if delivery.error:
        return f"{what} raised {delivery.error}"
    return f"{what} answered {delivery.status} {delivery.body[:200]!r}"


def _probe(
    arguments: JSON,
    scenario: Scenario,
    deliver_to: Any,
    checks: Mapping[str, Check],
    timeout: float,
) -> JSON:
    wanted = arguments.get("expect")
    if "call" in arguments:
        name = arguments["call"]
        if name not in checks:
            raise InvalidArgument(
                f"call: no check named {name!r}",
                hint=nearest_hint(name, sorted(checks), "checks given")
                if checks
                else "pass checks={name: callable} (a `get` check needs an app on a URL)",
            )
        try:
            answer = checks[name](scenario)
        except AssertionError as exc:
            raise StepExpectationFailed(f"check {name!r} failed: {exc}", hint="") from None
        where = f"check {name!r}"
    else:
        target = _target(arguments["get"], scenario)
        answer = _get_json(deliver_to, target, timeout)
        where = f"GET {target}"
    if wanted is not None and not has_fields(answer, wanted):
        shown = {k: answer.get(k) for k in wanted} if isinstance(answer, dict) else answer
        raise StepExpectationFailed(
            f"{where} answered {json.dumps(shown)}, expected {json.dumps(wanted)}",
            hint="the app did not reach this state from the events delivered so far",
        )
    return answer


def _target(template: str, scenario: Scenario) -> str:
    target = template
    for kind in PLACEHOLDERS:
        if "{" + kind + "}" in target:
            ids = [o["id"] for o in scenario.current.objects.values() if o.get("object") == kind]
            if not ids:
                raise InvalidArgument(f"get: no {kind} exists yet for {{{kind}}}", hint="")
            target = target.replace("{" + kind + "}", ids[-1])
    if not target.startswith("/"):
        check_loopback_url(target, what="check URL")  # refused before any request, as exit 2
    return target


def _get_json(deliver_to: Any, target: str, timeout: float) -> JSON:
    try:
        status, body = get_from(deliver_to, target, timeout=timeout)
    except OSError as exc:
        raise StepExpectationFailed(
            f"GET {target} failed: {exc}", hint="is the app running on this URL?"
        ) from None
    if not 200 <= status < 300:
        raise StepExpectationFailed(f"GET {target} answered {status} {body[:200]!r}", hint="")
    try:
        return json.loads(body)
    except ValueError:
        raise StepExpectationFailed(
            f"GET {target} answered {body[:200]!r}, not JSON", hint="a check reads a JSON answer"
        ) from None


__all__ = ["Check", "ScenarioRun", "StepRun", "run_against_app"]
