"""`ScenarioSteps`: a scenario file's steps as Python calls, for tests and scripts.

    steps = ScenarioSteps(spec, catalog="catalog.yaml")
    steps.customer(email="jenny.rosen@example.com").attach_payment_method(card="success")
    steps.subscribe(items=[{"price": "standard_monthly"}]).advance(days=30)
    steps.events, steps.objects, steps.graph

Each call adds the step a scenario file would hold (same verbs, same arguments, same checks
against `schemas/scenario.schema.json`); the steps run through `run_scenario_file` when a
result is read, so a file and its Python calls give the same objects and events.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from stripe_contracts.graph.builder import Graph
from stripe_contracts.scenarios.events import build_events
from stripe_contracts.scenarios.files import (
    ScenarioFile,
    load_catalog,
    load_scenario_file,
    run_scenario_file,
    scenario_file_from_dict,
)
from stripe_contracts.scenarios.timeline import Scenario
from stripe_contracts.spec import Spec

JSON = Any
#: The catalog when none is given: Stripe's own example of a Standard product with basic
#: features and an Advanced one with extended features
#: (https://docs.stripe.com/billing/entitlements).
DEFAULT_CATALOG: dict[str, JSON] = {
    "features": [
        {"lookup_key": "basic_features", "name": "Basic features"},
        {"lookup_key": "extended_features", "name": "Extended features"},
    ],
    "products": [
        {"key": "standard", "name": "Standard", "features": ["basic_features"]},
        {
            "key": "advanced",
            "name": "Advanced",
            "features": ["basic_features", "extended_features"],
        },
    ],
    "prices": [
        {
            "lookup_key": "standard_monthly",
            "product": "standard",
            "currency": "usd",
            "unit_amount": 1500,
            "recurring": {"interval": "month"},
        },
        {
            "lookup_key": "advanced_monthly",
            "product": "advanced",
            "currency": "usd",
            "unit_amount": 4500,
            "recurring": {"interval": "month"},
        },
        {
            "lookup_key": "advanced_yearly",
            "product": "advanced",
            "currency": "usd",
            "unit_amount": 45000,
            "recurring": {"interval": "year"},
        },
    ],
}


class ScenarioSteps:
    """A scenario built by calls; `catalog` is a catalog file's path or data (else
    `DEFAULT_CATALOG`), `name` how errors name it (`<name>: step 2 (subscribe): ...`)."""

    def __init__(
        self,
        spec: Spec,
        *,
        catalog: str | os.PathLike[str] | JSON = None,
        seed: int = 0,
        settings: dict[str, JSON] | None = None,
        name: str = "scenario",
    ) -> None:
        if isinstance(catalog, (str, os.PathLike)):
            catalog = load_catalog(Path(catalog))
        self.spec, self.seed, self.name = spec, seed, name
        self.catalog: JSON = DEFAULT_CATALOG if catalog is None else catalog
        self.data: dict[str, JSON] = {"customer": {}, "settings": dict(settings or {}), "steps": []}
        self._ran: Scenario | None = None

    # -- steps: the verbs of a scenario file -----------------------------------------------

    def customer(self, **fields: JSON) -> ScenarioSteps:
        """The customer's own values: email, name, phone, address, metadata."""
        self.data["customer"] = {**self.data["customer"], **fields}
        self._ran = None
        return self

    def attach_payment_method(self, card: str = "success") -> ScenarioSteps:
        return self._add("attach_payment_method", card=card)

    def subscribe(
        self,
        items: list[dict[str, JSON]] | None = None,
        *,
        trial_days: int | None = None,
        collection_method: str | None = None,
        coupon: str | None = None,
        metadata: dict[str, str] | None = None,
        payment_behavior: str | None = None,
        key: str | None = None,
        tax_rates: list[str] | None = None,
    ) -> ScenarioSteps:
        """Subscribe to catalog prices; `coupon` is a catalog coupon's key, `tax_rates` one
        catalog tax rate's key in a list. Called again, a
        further subscription for the same customer: `key` names it for the `subscription=` of
        later calls (else its number, 1, 2, ...)."""
        return self._add(
            "subscribe",
            items=items,
            trial_days=trial_days,
            collection_method=collection_method,
            coupon=coupon,
            metadata=metadata,
            payment_behavior=payment_behavior,
            key=key,
            tax_rates=tax_rates,
        )

    def advance(
        self,
        *,
        days: float | None = None,
        hours: float | None = None,
        minutes: float | None = None,
        to: str | None = None,
        subscription: int | str | None = None,
    ) -> ScenarioSteps:
        """Move the clock: a duration, or `to` period_end, trial_end, next_retry, retries_end
        (of the latest subscription, or of `subscription`)."""
        return self._add(
            "advance", days=days, hours=hours, minutes=minutes, to=to, subscription=subscription
        )

    def update_items(
        self,
        items: list[dict[str, JSON]],
        *,
        proration_behavior: str | None = None,
        subscription: int | str | None = None,
    ) -> ScenarioSteps:
        return self._add(
            "update_items",
            items=items,
            proration_behavior=proration_behavior,
            subscription=subscription,
        )

    def change_price(
        self,
        price: str | None = None,
        *,
        to: str | None = None,
        quantity: int | None = None,
        subscription: int | str | None = None,
    ) -> ScenarioSteps:
        """Move the single item to `price`, or `to` "higher" / "lower" (the catalog's next
        recurring price of the same currency and interval by unit_amount)."""
        return self._add(
            "change_price", price=price, to=to, quantity=quantity, subscription=subscription
        )

    def set_card(self, card: str) -> ScenarioSteps:
        """How the customer's card behaves from now on (no API call, no event)."""
        self.data["steps"].append({"set_card": card})
        self._ran = None
        return self

    def confirm_payment(
        self, *, if_pending: bool | None = None, subscription: int | str | None = None
    ) -> ScenarioSteps:
        return self._add("confirm_payment", if_pending=if_pending, subscription=subscription)

    def one_off_invoice(self, items: list[dict[str, JSON]] | None = None) -> ScenarioSteps:
        """Bill items once, no subscription: invoice items, an invoice, its card payment."""
        return self._add("one_off_invoice", items=items)

    def change_quantity(
        self,
        quantity: int,
        *,
        price: str | None = None,
        proration_behavior: str | None = None,
        subscription: int | str | None = None,
    ) -> ScenarioSteps:
        """Set the quantity of the item of `price` (needed only when there are several)."""
        return self._add(
            "change_quantity",
            quantity=quantity,
            price=price,
            proration_behavior=proration_behavior,
            subscription=subscription,
        )

    def apply_coupon(self, coupon: str, *, subscription: int | str | None = None) -> ScenarioSteps:
        """Apply the catalog coupon `coupon` (its key) to the running subscription."""
        return self._add("apply_coupon", coupon=coupon, subscription=subscription)

    def pay_invoice(self, *, subscription: int | str | None = None) -> ScenarioSteps:
        """Pay the latest invoice now with the customer's default card (a card that
        declines fails the attempt: `invoice.payment_failed`, the invoice stays open)."""
        return self._add("pay_invoice", subscription=subscription)

    def void_invoice(self, *, subscription: int | str | None = None) -> ScenarioSteps:
        return self._add("void_invoice", subscription=subscription)

    def mark_uncollectible(self, *, subscription: int | str | None = None) -> ScenarioSteps:
        return self._add("mark_uncollectible", subscription=subscription)

    def pause_collection(
        self,
        behavior: str,
        *,
        resumes_at: int | dict[str, JSON] | None = None,
        subscription: int | str | None = None,
    ) -> ScenarioSteps:
        """Pause payment collection: `keep_as_draft`, `mark_uncollectible` or `void`;
        `resumes_at` (a Unix time, `{"days": 14}` after now, or `{"to": "period_end"}`)
        resumes it by itself when the clock passes it."""
        return self._add(
            "pause_collection", behavior=behavior, resumes_at=resumes_at, subscription=subscription
        )

    def resume_collection(self, *, subscription: int | str | None = None) -> ScenarioSteps:
        return self._add("resume_collection", subscription=subscription)

    def cancel(
        self, *, at_period_end: bool = False, subscription: int | str | None = None
    ) -> ScenarioSteps:
        return self._add("cancel", at_period_end=at_period_end, subscription=subscription)

    def expect_event(self, type: str, *, object: dict[str, JSON] | None = None) -> ScenarioSteps:
        """The previous step sent an event of `type` (whose object has these fields)."""
        return self._add("expect_event", type=type, object=object)

    def expect(self, **fields_by_type: dict[str, JSON]) -> ScenarioSteps:
        """The objects of this moment have these fields, e.g. `subscription={"status": ...}`."""
        return self._add("expect", **fields_by_type)

    def check(
        self,
        *,
        get: str | None = None,
        call: str | None = None,
        expect: dict[str, JSON] | None = None,
    ) -> ScenarioSteps:
        """Probe the app here when run by `webhooks.scenario_run.run_against_app(steps.as_file(),
        ...)`: `get` a path of it or `call` a check by name; its JSON answer has `expect`."""
        return self._add("check", get=get, call=call, expect=expect)

    def _add(self, verb: str, **arguments: JSON) -> ScenarioSteps:
        given = {key: value for key, value in arguments.items() if value is not None}
        self.data["steps"].append({verb: given})
        self._ran = None
        return self

    # -- results ---------------------------------------------------------------------------

    def as_file(self) -> ScenarioFile:
        """The steps as a checked scenario file (what `run_against_app` takes)."""
        return scenario_file_from_dict(self.data, path=Path(f"<{self.name}>"), catalog=self.catalog)

    @property
    def scenario(self) -> Scenario:
        """The timeline of the steps so far (run once, again after another step)."""
        if self._ran is None:
            self._ran = run_scenario_file(self.as_file(), self.spec, seed=self.seed)
        return self._ran

    @property
    def events(self) -> list[dict[str, JSON]]:
        """Every event of the steps, in delivery order (for `stripe_webhooks`)."""
        return build_events(self.scenario.states, self.spec)

    @property
    def objects(self) -> dict[str, dict[str, JSON]]:
        """Every object as the API returns it now, by id (for `assert_stripe_valid`)."""
        return dict(self.scenario.current.objects)

    @property
    def graph(self) -> Graph:
        """The current moment as a `Graph` (`.subscription`, `.invoice`, `.customer`, ...)."""
        state = self.scenario.current
        model = state.model
        subscription = state.objects[model.subscription.id] if model.subscription else None
        return Graph(self.spec, self.seed, model, dict(state.objects), subscription, state.summary)


def scenario_events(
    source: str | os.PathLike[str] | ScenarioSteps | Scenario,
    spec: Spec,
    *,
    seed: int = 0,
    catalog: Path | None = None,
    **options: JSON,
) -> list[dict[str, JSON]]:
    """The events of a named flow (with its `options`, billed from `catalog` when given), a
    scenario file (its catalog from its `catalog:` key, else `catalog`), a `ScenarioSteps` or
    a `Scenario`, in delivery order."""
    from stripe_contracts.scenarios.catalog import run_flow

    if isinstance(source, ScenarioSteps):
        return source.events
    if isinstance(source, Scenario):
        return build_events(source.states, spec)
    if isinstance(source, os.PathLike) or Path(source).suffix in (".yaml", ".yml", ".json"):
        scenario_file = load_scenario_file(Path(source), default_catalog=catalog)
        return build_events(run_scenario_file(scenario_file, spec, seed=seed).states, spec)
    return build_events(run_flow(source, spec, seed=seed, catalog=catalog, **options).states, spec)


__all__ = ["DEFAULT_CATALOG", "ScenarioSteps", "scenario_events"]
