"""`GraphBuilder`: the public entry point that builds, renders, expands and validates graphs."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from stripe_contracts.errors import InvalidArgument
from stripe_contracts.graph.arguments import (
    check_expand,
    check_plan_arguments,
    check_seed,
    suggestion,
)
from stripe_contracts.graph.expand import expand_paths
from stripe_contracts.graph.model import (
    PAYMENT_OUTCOMES,
    BillingModel,
    make_plan,
    phase_for_status,
    snapshot,
)
from stripe_contracts.graph.render import render, render_entitlement_summary
from stripe_contracts.graph.settings import BillingSettings, settings_from
from stripe_contracts.spec import Spec
from stripe_contracts.validation import validate

JSON = Any
_OVERRIDABLE = ("customer", "payment_method", "subscription", "invoice", "payment_intent", "charge")


@dataclass
class Graph:
    """Every object a subscription touches, as plain dicts shaped like Stripe's JSON."""

    spec: Spec
    seed: int
    model: BillingModel = field(repr=False)
    objects: dict[str, dict[str, JSON]] = field(repr=False)
    subscription: dict[str, JSON] | None = field(repr=False)  # None for one-off invoices
    active_entitlement_summary: dict[str, JSON] | None = field(repr=False)

    def _get(self, object_id: str | None) -> dict[str, JSON] | None:
        return self.objects[object_id] if object_id else None

    @property
    def customer(self) -> dict[str, JSON]:
        return self.objects[self.model.customer_id]

    @property
    def payment_method(self) -> dict[str, JSON] | None:
        return self._get(self.model.payment_method_id)

    @property
    def invoice(self) -> dict[str, JSON]:
        assert self.model.invoice is not None
        return self.objects[self.model.invoice.id]

    @property
    def payment_intent(self) -> dict[str, JSON] | None:
        return self._get(self.model.payment_intent.id if self.model.payment_intent else None)

    @property
    def charge(self) -> dict[str, JSON] | None:
        return self._get(self.model.charge.id if self.model.charge else None)

    @property
    def products(self) -> list[dict[str, JSON]]:
        return [self.objects[p.id] for p in self.model.products]

    @property
    def prices(self) -> list[dict[str, JSON]]:
        return [self.objects[p.id] for p in self.model.prices]

    @property
    def features(self) -> list[dict[str, JSON]]:
        return [self.objects[f.id] for f in self.model.features if f.id in self.objects]

    @property
    def product_features(self) -> list[dict[str, JSON]]:
        return [
            self.objects[i]
            for p in self.model.products
            for i in p.product_feature_ids.values()
            if i in self.objects
        ]

    @property
    def active_entitlements(self) -> list[dict[str, JSON]]:
        return [self.objects[e] for e in self.model.entitlement_ids.values() if e in self.objects]

    def of_type(self, object_type: str) -> list[dict[str, JSON]]:
        return [o for o in self.objects.values() if o.get("object") == object_type]


class GraphBuilder:
    """Builds consistent subscription graphs for one spec, deterministic from `seed`.

    >>> g = GraphBuilder(spec=spec, seed=7).subscription(status="past_due")
    >>> g.invoice["status"]
    'open'
    """

    def __init__(
        self, *, spec: Spec, seed: int = 0, validate: bool = True, catalog: JSON = None
    ) -> None:
        """`catalog`: a catalog file's data (`scenarios.files.load_catalog`); `items` then
        name its prices by lookup key, `[{"price": "standard_monthly", "quantity": 1}]`."""
        check_seed(seed)
        self.spec = spec
        self.seed = seed
        self.validate = validate
        self.catalog = catalog
        sub_schema = spec.schema(spec.schema_name_for("subscription"))
        self.statuses: tuple[str, ...] = tuple(sub_schema["properties"]["status"]["enum"])
        price_schema = spec.schema(spec.schema_name_for("price"))
        recurring = price_schema["properties"]["recurring"]
        recurring_ref = next(b["$ref"] for b in recurring["anyOf"])
        self.intervals: tuple[str, ...] = tuple(
            spec.schema(recurring_ref.rsplit("/", 1)[1])["properties"]["interval"]["enum"]
        )

    def subscription(
        self,
        *,
        status: str = "active",
        items: list[dict[str, JSON]] | None = None,
        currency: str | None = None,
        collection_method: str = "charge_automatically",
        trial_days: int | None = None,
        payment_outcome: str = "declined",
        start: int | None = None,
        coupon: dict[str, JSON] | None = None,
        tax_rate: dict[str, JSON] | None = None,
        expand: Sequence[str] = (),
        seed: int | None = None,
        settings: BillingSettings | Mapping[str, JSON] | None = None,
        **overrides: dict[str, JSON],
    ) -> Graph:
        """One subscription and everything it touches, in the given status.

        `coupon` (`{"percent_off": 20}` or `{"amount_off": 500}`) discounts every invoice;
        `tax_rate` (`{"percentage": 20, "inclusive": False}`) taxes it. `settings` are the
        account's billing settings (`BillingSettings` or its fields as a dict), e.g. the
        retry schedule an `unpaid` subscription went through.
        `overrides` (`customer={...}`, `subscription={...}`, `invoice={...}`,
        `payment_intent={...}`, `charge={...}`, `payment_method={...}`) win over generated
        values and are validated like everything else.
        """
        unknown = sorted(set(overrides) - set(_OVERRIDABLE))
        if unknown:
            raise InvalidArgument(
                f"unknown argument(s) {unknown}",
                hint=f"overrides are given per object: {suggestion(unknown[0], _OVERRIDABLE)}",
            )
        if seed is not None:
            check_seed(seed)
        # with a catalog, items name its prices by lookup key (checked against the catalog)
        checked_items = None if self.catalog is not None else items
        check_plan_arguments(self.spec, items=checked_items, start=start, currency=currency)
        check_expand(expand)
        for name, value in overrides.items():
            if not isinstance(value, dict):
                raise InvalidArgument(
                    f"{name}={value!r} must be a dict of fields",
                    hint=f'e.g. {name}={{"metadata": {{"k": "v"}}}}',
                )
            fixed = sorted({"id", "object"} & set(value))
            if fixed:
                raise InvalidArgument(
                    f"{name}= overrides {fixed}, which the graph decides: every reference to "
                    "the object uses its id",
                    hint="pass seed= for other ids; override any other field",
                )
        graph_seed = self.seed if seed is None else seed
        if status in ("trialing", "paused") and trial_days is None:
            trial_days = 14
        card = "ok"
        if status in ("incomplete", "incomplete_expired"):
            card = payment_outcome if payment_outcome in PAYMENT_OUTCOMES else "ok"
        elif status in ("past_due", "unpaid"):
            card = "declined"
        plan = make_plan(
            seed=graph_seed,
            items=copy.deepcopy(items),
            currency=currency,
            collection_method=collection_method,
            trial_days=trial_days,
            card_outcome=card,
            start=start,
            intervals_allowed=self.intervals,
            overrides=overrides,
            coupon=coupon,
            tax_rate=tax_rate,
            settings=settings_from(settings),
            catalog=self.catalog,
        )
        phase = phase_for_status(
            status, plan, payment_outcome=payment_outcome, statuses_allowed=self.statuses
        )
        return self.render(snapshot(plan, phase), expand=expand)

    def render(self, model: BillingModel, *, expand: Sequence[str] = ()) -> Graph:
        """Render a snapshot of the model onto this spec, validate it, and expand it."""
        objects = render(model, self.spec)
        if self.validate:
            self.check(objects, model.overrides)
        subscription = objects[model.subscription.id] if model.subscription else None
        if expand:
            if subscription is None:
                raise InvalidArgument(
                    "expand applies to the subscription, and this graph has none",
                    hint="drop expand for one-off invoice flows",
                )
            subscription = expand_paths(subscription, list(expand), objects, self.spec, model)
        summary = render_entitlement_summary(model, objects, self.spec)
        return Graph(self.spec, model.seed, model, objects, subscription, summary)

    def check(
        self,
        objects: dict[str, dict[str, JSON]],
        overrides: dict[str, dict[str, JSON]] | None = None,
    ) -> None:
        """Raise `InvalidArgument` naming the override (or the bug) if any object is invalid."""
        overrides = overrides or {}
        for obj in objects.values():
            violations = [v for v in validate(obj, self.spec) if v.severity == "error"]
            if violations:
                blamed = [n for n in overrides if obj.get("object") == n]
                where = f"the {blamed[0]}= override" if blamed else "the generated graph"
                raise InvalidArgument(
                    f"{where} breaks Stripe API {self.spec.api_version}: "
                    + "; ".join(v.message for v in violations[:5]),
                    hint="fix the override's field names and types"
                    if blamed
                    else "this is a bug in stripe-contracts; please report it with the seed",
                )
