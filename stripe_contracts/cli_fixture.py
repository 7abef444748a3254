"""A scenario as a Stripe CLI fixture file, to replay a flow against a real test-mode account.

`cli_fixture(flow_name, spec)` runs the named flow offline while recording the API calls it
makes (create customer, attach a card, subscribe, update items, cancel, move the clock) and
writes them as the requests a typical integration sends, in the Stripe CLI's fixture format:

    {"_meta": {"template_version": 0},
     "fixtures": [{"name": ..., "path": ..., "method": ..., "params": {...}}, ...],
     "env": {...}}

Later steps refer to earlier responses as `${name:gjson.path}` (`${customer:id}`,
`${subscription:latest_invoice.payment_intent.id}`); a value that is a reference is replaced
whole. Format as read by github.com/stripe/stripe-cli `pkg/fixtures/fixtures.go`
(`FixtureData`, `FixtureRequest`: name, path, method, params, expected_error_type; `env`
writes response values into an existing ./.env) and `pkg/parsers/parsers.go` (the
`${name:json_path}` queries), modelled on its bundled `pkg/fixtures/triggers/*.json`:
`customer.subscription.created.json` (customer, product, price, subscription),
`invoice.payment_failed.json` (`pm_card_chargeCustomerFail` attached, then a failing
`/pay` with `expected_error_type: card_error`) and `invoice.upcoming.json` (a test clock
created at a fixed past `frozen_time`, the customer attached to it, one `advance`).

Cards are Stripe's test PaymentMethods: `pm_card_visa` pays, `pm_card_chargeCustomerFail`
attaches but every charge is declined, `pm_card_authenticationRequired` needs 3-D Secure.
Flows in which Stripe acts on its own (renewals, retries, trial ends, expiry) get a test
clock frozen at the scenario's start; its `advance` steps move it to the same moments the
offline timeline reaches, so a real run and `stripe-contracts generate` line up.
"""

from __future__ import annotations

import argparse
import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from stripe_contracts._cli_options import (
    add_settings_options,
    add_spec_options,
    settings_from_args,
    spec_from_args,
)
from stripe_contracts._files import write_atomic
from stripe_contracts.errors import InvalidArgument, StripeContractsError
from stripe_contracts.graph.cards import BEHAVIOURS, card_behaviour
from stripe_contracts.graph.catalog import Item, Price
from stripe_contracts.graph.clock import DAY
from stripe_contracts.graph.expand import payment_expand_path
from stripe_contracts.graph.settings import BillingSettings, settings_from
from stripe_contracts.scenarios.catalog import FLOWS, run_flow
from stripe_contracts.scenarios.timeline import Scenario
from stripe_contracts.spec import Spec
from stripe_contracts.spec.requests import invoice_item_price, request_properties

__all__ = ["REFERENCE", "add_commands", "cli_fixture", "cli_fixture_notes"]

JSON = Any
TEMPLATE_VERSION: Final = 0
#: A Stripe CLI fixture query, `${name:json.path}` (the CLI's own pattern, without defaults).
REFERENCE: Final = re.compile(r"\$\{([^|}:]+):([^|}]+)\}")
ENV_PREFIX: Final = "STRIPE_CONTRACTS_"


# -- recording the flow ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Call:
    """One Scenario call: which, with what, the card at the time, the states it added."""

    name: str
    arguments: dict[str, JSON]
    card: str
    before: int  # index into states
    after: int


class _Recording(Scenario):
    """A Scenario that remembers its API calls and clock moves, in order."""

    RECORDED: Final = (
        "create_customer",
        "attach_payment_method",
        "set_card",
        "create_subscription",
        "confirm_payment",
        "update_items",
        "cancel",
        "create_invoice_item",
        "create_and_pay_invoice",
        "advance",
    )
    calls: list[_Call]

    def __post_init__(self) -> None:
        self.calls = []
        self._depth = 0
        super().__post_init__()

    def _record(self, name: str, method: Callable[..., Scenario], **arguments: JSON) -> Scenario:
        before, card = len(self.states), self.card
        self._depth += 1
        try:
            method(**arguments)
        finally:
            self._depth -= 1
        if self._depth == 0:
            self.calls.append(_Call(name, arguments, card, before, len(self.states)))
        return self

    def create_customer(self) -> Scenario:
        return self._record("create_customer", super().create_customer)

    def attach_payment_method(self, card: str | None = None) -> Scenario:
        return self._record("attach_payment_method", super().attach_payment_method, card=card)

    def create_subscription(
        self,
        *,
        coupon: str | dict[str, JSON] | None = None,
        metadata: JSON = None,
        tax_rate: str | None = None,
    ) -> Scenario:
        return self._record(
            "create_subscription",
            super().create_subscription,
            coupon=coupon,
            metadata=metadata,
            tax_rate=tax_rate,
        )

    def create_invoice_item(self) -> Scenario:
        return self._record("create_invoice_item", super().create_invoice_item)

    def create_and_pay_invoice(self) -> Scenario:
        return self._record("create_and_pay_invoice", super().create_and_pay_invoice)

    def confirm_payment(self) -> Scenario:
        return self._record("confirm_payment", super().confirm_payment)

    def update_items(
        self, items: list[dict[str, JSON]], *, proration_behavior: str = "create_prorations"
    ) -> Scenario:
        return self._record(
            "update_items",
            super().update_items,
            items=items,
            proration_behavior=proration_behavior,
        )

    def cancel(self, *, at_period_end: bool = False) -> Scenario:
        return self._record("cancel", super().cancel, at_period_end=at_period_end)

    def set_card(self, behaviour: str) -> Scenario:
        return self._record("set_card", super().set_card, behaviour=behaviour)

    def advance(self, *, days: float = 0, hours: float = 0, minutes: float = 0) -> Scenario:
        return self._record("advance", super().advance, days=days, hours=hours, minutes=minutes)


def _record_flow(name: str, spec: Spec, *, seed: int, **options: JSON) -> _Recording:
    scenario = run_flow(name, spec, seed=seed, scenario_type=_Recording, **options)
    assert isinstance(scenario, _Recording)
    recorded = {i for call in scenario.calls for i in range(call.before, call.after)}
    if set(range(1, len(scenario.states))) - recorded:
        raise StripeContractsError(
            f"flow {name!r} changes its timeline through a Scenario call export-cli-fixture "
            f"does not know (it translates {', '.join(_Recording.RECORDED)})",
            hint="add the call to _Recording.RECORDED and a _Translator handler for it",
        )
    return scenario


# -- translating calls into requests ------------------------------------------------------------


def _ref(name: str, path: str = "id") -> str:
    """A Stripe CLI fixture query for a field of an earlier step's response."""
    return f"${{{name}:{path}}}"


def _quantity(item: Item) -> dict[str, JSON]:
    return {"quantity": item.quantity} if item.quantity != 1 else {}


class _Translator:
    """Turns a recorded flow into fixture steps: the catalog first, then one handler per call.

    A clock move becomes an `advance` step only in flows where Stripe does something by itself
    (a renewal, a retry, a trial end, an expiry): those get a test clock for their customer.
    Consecutive moves merge into one `advance`, to the last moment, because a second advance
    sent while the clock still moves is refused.
    """

    def __init__(self, scenario: _Recording, *, seed: int, features: bool) -> None:
        self.scenario, self.plan, self.features = scenario, scenario.plan, features
        self.steps: list[dict[str, JSON]] = []
        self.counts: dict[str, int] = {}
        self.after_advance: list[str] = []  # steps that may meet a clock still advancing
        self.pending: int | None = None  # where the clock must go before the next request
        self.moved = False
        self.cards = 0
        self.customer = self.subscription = self.invoice = self.clock = ""
        if any(c.name == "advance" and self._automatic(c) for c in scenario.calls):
            name = f"stripe-contracts {scenario.name} (seed {seed})"
            params = {"frozen_time": self.plan.t0, "name": name}
            self.clock = self._add("clock", "post", "/v1/test_helpers/test_clocks", params)
        self.products: dict[str, str] = {}
        self.prices: dict[str, str] = {}
        self._catalog()

    def _automatic(self, call: _Call) -> bool:
        start = self.scenario.states[call.before - 1].model.phase
        return any(
            state.notices or state.model.phase != start
            for state in self.scenario.states[call.before : call.after]
        )

    def _add(
        self, base: str, method: str, path: str, params: dict[str, JSON], error: str = ""
    ) -> str:
        self.counts[base] = self.counts.get(base, 0) + 1
        name = base if self.counts[base] == 1 else f"{base}_{self.counts[base]}"
        step: dict[str, JSON] = {"name": name}
        if error:  # the CLI carries on when the request fails with this error type
            step["expected_error_type"] = error
        self.steps.append({**step, "path": path, "method": method, "params": params})
        return name

    def request(
        self, base: str, method: str, path: str, params: dict[str, JSON], error: str = ""
    ) -> str:
        self.flush()
        name = self._add(base, method, path, params, error)
        if self.moved:
            self.after_advance.append(name)
        return name

    def flush(self) -> None:
        if self.pending is not None:
            path = f"/v1/test_helpers/test_clocks/{_ref(self.clock)}/advance"
            self._add("advance", "post", path, {"frozen_time": self.pending})
            self.pending, self.moved = None, True

    def _catalog(self) -> None:
        """Products, prices (and entitlement features): an integration's catalog comes first."""
        features: dict[str, str] = {}
        params: dict[str, JSON]
        for feature in self.plan.features if self.features else ():
            params = {"name": feature.name, "lookup_key": feature.lookup_key}
            features[feature.lookup_key] = self._add(
                "feature", "post", "/v1/entitlements/features", params
            )
        for product in self.plan.products:
            metadata = {**product.overrides.get("metadata", {})}  # a catalog file's own
            params = {
                "name": product.name,
                "metadata": {**metadata, "stripe_contracts_product": product.id},
            }
            step = self.products[product.id] = self._add("product", "post", "/v1/products", params)
            for key in product.feature_keys if self.features else ():
                path = f"/v1/products/{_ref(step)}/features"
                self._add(
                    "product_feature", "post", path, {"entitlement_feature": _ref(features[key])}
                )
        for price in self.plan.prices:
            if price.billing_scheme != "per_unit" or price.unit_amount is None:
                raise InvalidArgument(
                    f"price {price.id} is {price.billing_scheme}; export-cli-fixture writes "
                    "per-unit prices only",
                    hint="give the scenario's items a plain unit_amount",
                )
            params = {
                "product": _ref(self.products[price.product.id]),
                "currency": price.currency,
                "unit_amount": price.unit_amount,
            }
            if price.interval:
                params["recurring"] = {
                    "interval": price.interval,
                    "interval_count": price.interval_count,
                }
            params.update(self._catalog_price(price))
            self.prices[price.id] = self._add("price", "post", "/v1/prices", params)

    def _catalog_price(self, price: Price) -> dict[str, JSON]:
        """What a catalog file says of a price beyond its amount: its lookup key (so code that
        finds prices with `Price.list(lookup_keys=[...])` finds this one), nickname, tax
        behavior and metadata, as far as the spec's POST /v1/prices takes them. A lookup key is
        sent with `transfer_lookup_key: true`, which "will atomically remove the lookup key
        from the existing price, and assign it to this price" (the parameter's description in
        the spec, https://docs.stripe.com/api/prices/create): a second run of the file moves
        the key to the new price instead of failing on a key already taken."""
        accepted = request_properties(self.scenario.spec, "post", "/v1/prices")
        params: dict[str, JSON] = {}
        if price.lookup_key is not None and self.plan.catalog is not None:
            params.update(lookup_key=price.lookup_key, transfer_lookup_key=True)
        for key in ("nickname", "tax_behavior", "metadata"):
            if key in price.overrides:
                params[key] = price.overrides[key]
        return {key: value for key, value in params.items() if key in accepted}

    # -- one handler per recorded call, dispatched through _HANDLERS --------------------------

    def create_customer(self, call: _Call) -> None:
        flow, seed = self.scenario.name, str(self.scenario.seed)
        params: dict[str, JSON] = {
            "name": self.plan.person.name,
            "email": self.plan.person.email,
            "description": f"(created by stripe-contracts export-cli-fixture {flow})",
            "metadata": {"stripe_contracts_scenario": flow, "stripe_contracts_seed": seed},
        }
        if self.clock:
            params["test_clock"] = _ref(self.clock)
        self.customer = self.request("customer", "post", "/v1/customers", params)

    def attach_payment_method(self, call: _Call) -> None:
        self._attach(call.arguments.get("card") or call.card)

    def set_card(self, call: _Call) -> None:
        if self.cards and call.arguments["behaviour"] != call.card:
            self._attach(str(call.arguments["behaviour"]))  # the customer changes cards

    def _attach(self, card: str) -> None:
        # Stripe's test PaymentMethod for the behaviour (https://docs.stripe.com/testing)
        path = f"/v1/payment_methods/{card_behaviour(card).token}/attach"
        pm = self.request("payment_method", "post", path, {"customer": _ref(self.customer)})
        default = {"invoice_settings": {"default_payment_method": _ref(pm)}}
        self.request(
            "default_payment_method", "post", f"/v1/customers/{_ref(self.customer)}", default
        )
        self.cards += 1

    def create_subscription(self, call: _Call) -> None:
        plan = self.plan
        params: dict[str, JSON] = {
            "customer": _ref(self.customer),
            "items": [{"price": _ref(self.prices[i.price.id]), **_quantity(i)} for i in plan.items],
            "payment_behavior": self.scenario.settings.payment_behavior,
            "expand": [self._intent_path()[0]],
        }
        if plan.collection_method == "send_invoice":
            params.update(collection_method="send_invoice", days_until_due=30)
        if plan.trial:
            params["trial_period_days"] = round((plan.trial[1] - plan.trial[0]) / DAY)
            if not self.cards:
                params["trial_settings"] = {"end_behavior": {"missing_payment_method": "pause"}}
        self.subscription = self.request("subscription", "post", "/v1/subscriptions", params)

    def _intent_path(self) -> tuple[str, str]:
        """(expand path, reference path) to the first invoice's PaymentIntent: through
        `latest_invoice.payment_intent`, or from basil on through the invoice's payments
        (changelog 2025-03-31.basil removed invoice.payment_intent)."""
        if payment_expand_path(self.scenario.spec) == "latest_invoice.payment_intent":
            return "latest_invoice.payment_intent", "latest_invoice.payment_intent.id"
        return "latest_invoice.payments", "latest_invoice.payments.data.0.payment.payment_intent"

    def confirm_payment(self, call: _Call) -> None:
        intent = _ref(self.subscription, self._intent_path()[1])
        path = f"/v1/payment_intents/{intent}/confirm"
        self.request(
            "confirm_payment", "post", path, {"payment_method": card_behaviour("success").token}
        )

    def update_items(self, call: _Call) -> None:
        items = self.scenario.states[call.after - 1].model.phase.items or ()
        params = {
            "items": [
                {
                    "id": _ref(self.subscription, f"items.data.{index}.id"),
                    "price": _ref(self.prices[item.price.id]),
                    **_quantity(item),
                }
                for index, item in enumerate(items)
            ],
            "proration_behavior": "create_prorations",
        }
        path = f"/v1/subscriptions/{_ref(self.subscription)}"
        self.request("subscription_update", "post", path, params)

    def cancel(self, call: _Call) -> None:
        path = f"/v1/subscriptions/{_ref(self.subscription)}"
        if call.arguments["at_period_end"]:
            self.request("subscription_cancel", "post", path, {"cancel_at_period_end": True})
        else:
            self.request("subscription_cancel", "delete", path, {})

    def create_invoice_item(self, call: _Call) -> None:
        for item in self.plan.items:
            price = invoice_item_price(self.scenario.spec, _ref(self.prices[item.price.id]))
            params = {"customer": _ref(self.customer), **price, **_quantity(item)}
            self.request("invoiceitem", "post", "/v1/invoiceitems", params)

    def create_and_pay_invoice(self, call: _Call) -> None:
        params = {
            "customer": _ref(self.customer),
            "collection_method": "charge_automatically",
            "auto_advance": False,
            "pending_invoice_items_behavior": "include",
        }
        self.invoice = self.request("invoice", "post", "/v1/invoices", params)
        path = f"/v1/invoices/{_ref(self.invoice)}/pay"
        # a declined card fails the request, as in Stripe's invoice.payment_failed trigger
        self.request(
            "invoice_pay",
            "post",
            path,
            {},
            "" if card_behaviour(call.card).outcome == "succeeded" else "card_error",
        )

    def advance(self, call: _Call) -> None:
        target = self.scenario.states[call.after - 1].time
        if self.clock and target > (self.pending or self.plan.t0):
            self.pending = target

    # -- the result ----------------------------------------------------------------------------

    def translate(self) -> _Translator:
        for call in self.scenario.calls:
            _HANDLERS[call.name](self, call)
        self.flush()
        return self

    @property
    def env(self) -> dict[str, str]:
        named = {
            "CUSTOMER": self.customer,
            "SUBSCRIPTION": self.subscription,
            "INVOICE": self.invoice,
            "TEST_CLOCK": self.clock,
        }
        return {f"{ENV_PREFIX}{key}": _ref(step) for key, step in named.items() if step}

    @property
    def fixture(self) -> dict[str, JSON]:
        meta = {"template_version": TEMPLATE_VERSION}
        return {"_meta": meta, "fixtures": self.steps, "env": self.env}

    def notes(self) -> list[str]:
        notes = []
        if self.clock:
            notes.append(
                f"test clock '{self.clock}' starts at the scenario's start ({self.plan.t0}); "
                "each 'advance' step moves it to the moment the offline timeline reaches"
            )
        if self.after_advance:
            notes.append(
                f"step(s) {', '.join(self.after_advance)} run after a clock advance: Stripe "
                "refuses changes to a test clock's objects until it is 'ready' again and "
                "`stripe fixtures` does not wait - if one fails, wait for `stripe get "
                "/v1/test_helpers/test_clocks/CLOCK_ID` to show status ready and make the "
                "remaining requests by hand"
            )
        declining = [b.token for b in BEHAVIOURS.values() if b.outcome == "declined"]
        if self.clock and any(t in s["path"] for s in self.steps for t in declining):
            settings = self.scenario.settings
            days = ", ".join(str(d) for d in settings.retry_days)
            notes.append(
                "payment retries, and what happens when all fail, follow your account's "
                f"Billing > Revenue recovery settings; offline, retries come {days} days after "
                "the first failure, then the subscription is "
                f"'{settings.subscription_after_retries}' and the invoice "
                f"'{settings.invoice_after_retries}'"
            )
        if any(s["name"] == "confirm_payment" for s in self.steps):
            notes.append(
                "3-D Secure cannot be completed through the API: 'confirm_payment' pays the "
                "open PaymentIntent with pm_card_visa, as a customer switching cards would"
            )
        if self.features:
            notes.append(
                "entitlement feature lookup_keys are unique per account: a second run of this "
                "file fails at the first 'feature' step (archive the features, or drop "
                "--entitlements)"
            )
        return notes


_HANDLERS: Final[dict[str, Callable[[_Translator, _Call], None]]] = {
    name: getattr(_Translator, name) for name in _Recording.RECORDED
}
assert all(name in vars(_Recording) for name in _Recording.RECORDED), "record every call"


def _translate(flow: str, spec: Spec, *, seed: int, features: bool, **options: JSON) -> _Translator:
    scenario = _record_flow(flow, spec, seed=seed, **options)
    return _Translator(scenario, seed=seed, features=features).translate()


def cli_fixture(
    flow_name: str,
    spec: Spec,
    *,
    seed: int = 0,
    currency: str | None = None,
    trial_days: int | None = None,
    entitlements: bool = False,
    settings: BillingSettings | Mapping[str, JSON] | None = None,
    catalog: str | os.PathLike[str] | JSON = None,
) -> dict[str, JSON]:
    """The Stripe CLI fixture file for `flow_name` (one of `scenarios.FLOWS`), as a dict.

    Deterministic for the same flow, spec and options. `entitlements` also creates the
    plan's entitlement features and attaches them to the products; `settings` are the
    account's billing settings the flow runs under (its payment behavior is sent);
    `catalog` (a catalog file's path or data) is the catalog the flow bills from, as
    `generate NAME --catalog` bills it: its products, prices (with their lookup keys) and
    features are created.
    """
    options = _options(currency, trial_days, settings, catalog)
    return _translate(flow_name, spec, seed=seed, features=entitlements, **options).fixture


def cli_fixture_notes(
    flow_name: str,
    spec: Spec,
    *,
    seed: int = 0,
    currency: str | None = None,
    trial_days: int | None = None,
    entitlements: bool = False,
    settings: BillingSettings | Mapping[str, JSON] | None = None,
    catalog: str | os.PathLike[str] | JSON = None,
) -> list[str]:
    """What to know before running `cli_fixture(...)`'s file against a real account."""
    options = _options(currency, trial_days, settings, catalog)
    return _translate(flow_name, spec, seed=seed, features=entitlements, **options).notes()


def _options(
    currency: str | None,
    trial_days: int | None,
    settings: BillingSettings | Mapping[str, JSON] | None,
    catalog: str | os.PathLike[str] | JSON = None,
) -> dict[str, JSON]:
    options: dict[str, JSON] = {"settings": settings_from(settings)}
    if catalog is not None:
        options["catalog"] = catalog
    if currency is not None:
        options["currency"] = currency
    if trial_days is not None:
        options["trial_days"] = trial_days
    return options


# -- the command ---------------------------------------------------------------------------------


def add_commands(subparsers: Any) -> None:
    """Add `export-cli-fixture` to the main parser's subparsers."""
    command = subparsers.add_parser(
        "export-cli-fixture",
        help="write a scenario as a Stripe CLI fixture file (`stripe fixtures FILE`)",
        description="Write SCENARIO as the API requests an integration makes for it, in the "
        "Stripe CLI's fixture format, to replay it against a test-mode account with "
        "`stripe fixtures FILE --api-version VERSION`. Flows in which Stripe acts by itself "
        "(renewals, retries, trial ends) use a test clock. The same scenario, spec and options "
        "always give the same file. FILE must not exist unless --force.",
    )
    command.add_argument("scenario", metavar="SCENARIO", help="a flow: " + ", ".join(FLOWS))
    add_spec_options(command)
    add_settings_options(command)
    command.add_argument("--seed", type=int, default=0)
    command.add_argument("--currency", default=None)
    command.add_argument("--trial-days", type=int, default=None)
    command.add_argument(
        "--entitlements",
        action="store_true",
        help="also create the plan's entitlement features (their lookup_keys are unique per "
        "account, so such a file runs once per account)",
    )
    command.add_argument(
        "--catalog",
        type=Path,
        metavar="FILE",
        help="your catalog file (schemas/catalog.schema.json): SCENARIO bills its prices, as "
        "with `generate SCENARIO --catalog`; its products and prices (with their lookup keys) "
        "are created",
    )
    command.add_argument("--out", type=Path, required=True, metavar="FILE")
    command.add_argument("--force", action="store_true", help="replace an existing FILE")
    command.set_defaults(handler=_export)


def _export(args: argparse.Namespace) -> int:

    out: Path = args.out
    if args.scenario not in FLOWS:
        raise InvalidArgument(
            f"unknown scenario {args.scenario!r}",
            hint="choose one of: " + ", ".join(FLOWS) + " (stripe-contracts scenarios lists them)",
        )
    if out.is_dir():
        raise StripeContractsError(
            f"--out {out} is a directory", hint="give the path of a .json file to write"
        )
    if out.exists() and not args.force:
        raise StripeContractsError(
            f"--out {out} exists; refusing to overwrite it",
            hint="choose a new file name, or pass --force to replace it",
        )
    if args.catalog and args.currency:
        raise StripeContractsError(
            f"--currency {args.currency} does not apply with --catalog {args.catalog}: the "
            "catalog's prices carry their own currency",
            hint="drop --currency, or give the catalog prices in that currency",
        )
    if args.catalog:
        from stripe_contracts.scenarios.files import load_catalog

        load_catalog(args.catalog)  # a bad file is named before the spec is read
    spec = spec_from_args(args)
    settings = settings_from_args(args) or None
    options = _options(args.currency, args.trial_days, settings, args.catalog)
    result = _translate(args.scenario, spec, seed=args.seed, features=args.entitlements, **options)
    try:
        write_atomic(out, dump_fixture(result.fixture), replace=args.force)
    except FileExistsError:
        raise StripeContractsError(
            f"{out} exists; refusing to overwrite it", hint="choose another --out, or pass --force"
        ) from None
    print(
        f"wrote {len(result.steps)} requests to {out} (Stripe API {spec.api_version}); run: "
        f"stripe fixtures {out} --api-version {spec.api_version}"
    )
    for note in result.notes():
        print(f"note: {note}")
    return 0


def dump_fixture(fixture: dict[str, JSON]) -> bytes:
    """Two-space indented JSON in the order the steps run (keys unsorted, as Stripe's own)."""
    return (json.dumps(fixture, indent=2, ensure_ascii=False) + "\n").encode()
