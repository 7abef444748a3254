"""What moving to another Stripe API version breaks in the payloads a team holds.

`upgrade_check(source, target, documents)` walks every Stripe object in the documents (JSON
fixtures, bundles, event payloads, cassette responses) along both specs at once and reports
each field the objects use that the target version removes, moves, renames, changes in type
or in enum, or no longer sends by default, grouped by object type and field with the number
of occurrences and files. Also the event types the documents use that the target version no
longer sends.

Where a removed field went comes from `KNOWN_MOVES`, each entry with the changelog page that
states it, and otherwise is derived from the target spec: the shortest path inside the same
object, ending in the same name, that holds the same kind of value
(`checkout.session.shipping_details` -> `collected_information.shipping_details`). The
derivation agrees with every table entry it can place (tested); the table covers what the
specs cannot show: a field that left the object (`payment_intent.invoice`), a new name, or a
name found in several places.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

from stripe_contracts.cassettes.contract import (
    coerce_parameters,
    find_operation,
    parameters_schema,
)
from stripe_contracts.errors import StripeContractsError
from stripe_contracts.spec import Spec
from stripe_contracts.spec.presence import INCLUDABLE
from stripe_contracts.spec.versions import (
    accepts_kind,
    branch,
    json_kind,
    property_of,
    resolve,
    root_schema,
    version_date,
)

JSON = Any
Path_ = tuple[str | int, ...]

_BASIL = "https://docs.stripe.com/changelog/basil/2025-03-31"
_PARENT = f"{_BASIL}/adds-new-parent-field-to-invoicing-objects"
_PAYMENTS = f"{_BASIL}/add-support-for-multiple-partial-payments-on-invoices"
_PERIODS = f"{_BASIL}/deprecate-subscription-current-period-start-and-end"
_PRICING = f"{_BASIL}/invoice-pricing-configurations"
_TAXES = f"{_BASIL}/invoice-tax-configurations"
_USAGE = f"{_BASIL}/deprecate-legacy-usage-based-billing"
_DISCOUNT_SOURCE = (
    "https://docs.stripe.com/changelog/clover/2025-09-30/add-discount-source-property"
)
_PRODUCT_FEATURES = (
    "https://docs.stripe.com/changelog/2024-04-10/renames-features-attribute-product-object"
)
_PAYMENT_INTENT_CHARGES = (
    "https://docs.stripe.com/changelog/2022-11-15/removes-charges-attribute-paymentintent"
)
#: "discounts: The discounts applied to the subscription ... Use expand[]=discounts to expand
#: each discount." (the object pages; the single `discount` is gone from later specs)
_SUBSCRIPTION_OBJECT = "https://docs.stripe.com/api/subscriptions/object"
_INVOICE_OBJECT = "https://docs.stripe.com/api/invoices/object"


@dataclass(frozen=True)
class KnownMove:
    """Where a field went, as the changelog `page` says (`moved_to` None: no replacement)."""

    moved_to: str | None
    page: str
    change: str = "moved"


#: (object type, field) -> where the changelog page says it went. Fields the specs alone can
#: place (`subscription.current_period_*`) are listed too, for their page; the derivation is
#: tested against this table.
KNOWN_MOVES: dict[tuple[str, str], KnownMove] = {
    # "Use invoice.parent.subscription_details.subscription ... instead of
    # invoice.subscription. This also applies to: quote, subscription_details,
    # subscription_proration_date"
    ("invoice", "subscription"): KnownMove("parent.subscription_details.subscription", _PARENT),
    ("invoice", "subscription_details"): KnownMove("parent.subscription_details", _PARENT),
    ("invoice", "subscription_proration_date"): KnownMove(
        "parent.subscription_details.subscription_proration_date", _PARENT
    ),
    ("invoice", "quote"): KnownMove("parent.quote_details.quote", _PARENT),
    ("invoiceitem", "subscription"): KnownMove("parent.subscription_details.subscription", _PARENT),
    ("invoiceitem", "subscription_item"): KnownMove(
        "parent.subscription_details.subscription_item", _PARENT
    ),
    # "Use line_item.parent.subscription_item_details.subscription_item ... This also applies
    # to: subscription, invoice_item, proration, proration_details" (and `type` is
    # parent.type); line_item.subscription itself is still in the specs after basil
    ("line_item", "subscription_item"): KnownMove(
        "parent.subscription_item_details.subscription_item", _PARENT
    ),
    ("line_item", "invoice_item"): KnownMove("parent.invoice_item_details.invoice_item", _PARENT),
    ("line_item", "proration"): KnownMove("parent.subscription_item_details.proration", _PARENT),
    ("line_item", "proration_details"): KnownMove(
        "parent.subscription_item_details.proration_details", _PARENT
    ),
    ("line_item", "type"): KnownMove("parent.type", _PARENT),
    # "Removed the payment_intent, charge, paid, and paid_out_of_band fields from the Invoice
    # object. Removed the invoice field from the PaymentIntent and Charge objects." The
    # payments of an invoice are InvoicePayment objects (invoice.payments, includable).
    ("invoice", "payment_intent"): KnownMove("payments.data[].payment.payment_intent", _PAYMENTS),
    ("invoice", "charge"): KnownMove("payments.data[].payment.charge", _PAYMENTS),
    ("invoice", "paid"): KnownMove(None, _PAYMENTS),
    # "these fields are now accessible through the underlying PaymentIntent by expanding
    # payments.data.payment.payment_intent"
    ("invoice", "application_fee_amount"): KnownMove(
        "payments.data[].payment.payment_intent.application_fee_amount", _PAYMENTS
    ),
    ("invoice", "transfer_data"): KnownMove(
        "payments.data[].payment.payment_intent.transfer_data", _PAYMENTS
    ),
    ("invoice", "paid_out_of_band"): KnownMove(None, _PAYMENTS),
    ("payment_intent", "invoice"): KnownMove(
        "invoice_payment.invoice (GET /v1/invoice_payments?payment[payment_intent]=...)",
        _PAYMENTS,
    ),
    ("charge", "invoice"): KnownMove(
        "invoice_payment.invoice (of the charge's payment_intent)", _PAYMENTS
    ),
    # "access the subscription item's billing periods directly using
    # items.data.current_period_end and items.data.current_period_start"
    ("subscription", "current_period_start"): KnownMove(
        "items.data[].current_period_start", _PERIODS
    ),
    ("subscription", "current_period_end"): KnownMove("items.data[].current_period_end", _PERIODS),
    # "Instead of invoice_item.price.id, use invoice_item.pricing.price_details.price"
    ("line_item", "price"): KnownMove("pricing.price_details.price", _PRICING),
    ("invoiceitem", "price"): KnownMove("pricing.price_details.price", _PRICING),
    ("invoiceitem", "unit_amount"): KnownMove("pricing.unit_amount_decimal", _PRICING),
    ("invoiceitem", "unit_amount_decimal"): KnownMove("pricing.unit_amount_decimal", _PRICING),
    # "tax_rates and tax_amounts are no longer available on the Invoice Line Item ...
    # total_tax_amounts is no longer available on the Invoice object" (taxes, total_taxes)
    ("line_item", "tax_amounts"): KnownMove("taxes", _TAXES),
    ("line_item", "tax_rates"): KnownMove("taxes[].tax_rate_details.tax_rate", _TAXES),
    ("invoice", "total_tax_amounts"): KnownMove("total_taxes", _TAXES),
    # "We've removed billing_thresholds and aggregate_usage from all API endpoints"
    ("price", "recurring.aggregate_usage"): KnownMove(None, _USAGE),
    ("plan", "aggregate_usage"): KnownMove(None, _USAGE),
    # "adds a new source property to the Discount object and removes the coupon property"
    ("discount", "coupon"): KnownMove("source.coupon", _DISCOUNT_SOURCE),
    # "Renames features to marketing_features on the Product object"
    ("product", "features"): KnownMove("marketing_features", _PRODUCT_FEATURES, "renamed"),
    # "Removes the charges property on the PaymentIntent object. Use the latest_charge
    # property instead."
    ("payment_intent", "charges"): KnownMove("latest_charge", _PAYMENT_INTENT_CHARGES),
    ("subscription", "discount"): KnownMove("discounts", _SUBSCRIPTION_OBJECT),
    ("invoice", "discount"): KnownMove("discounts", _INVOICE_OBJECT),
}

_COUPON = f"{_BASIL}/deprecate-singular-coupon-promotion-code"
#: "The coupon and promotion_code parameters and fields are no longer available on
#: Subscription, Subscription Schedule, Customer or Preview Invoice endpoints ... Use the
#: discounts parameter to include one or more discounts on a Subscription, Subscription
#: Schedule, or Preview Invoice" (a customer takes none any more)
for _operation, _moves in (
    ("POST /v1/subscriptions", True),
    ("POST /v1/subscriptions/{subscription_exposed_id}", True),
    ("POST /v1/customers", False),
    ("POST /v1/customers/{customer}", False),
):
    for _name in ("coupon", "promotion_code"):
        _to = f"discounts[].{_name}" if _moves else None
        KNOWN_MOVES[_operation, _name] = KnownMove(_to, _COUPON)
#: "When creating or updating Invoice Items, use the pricing parameter instead of price ...
#: use the unit_amount_decimal parameter instead of unit_amount"
for _operation in ("POST /v1/invoiceitems", "POST /v1/invoiceitems/{invoiceitem}"):
    KNOWN_MOVES[_operation, "price"] = KnownMove("pricing.price", _PRICING)
    KNOWN_MOVES[_operation, "unit_amount"] = KnownMove("unit_amount_decimal", _PRICING, "renamed")

#: How deep (in property names) a moved field is looked for inside its object.
_MOVE_DEPTH = 5

_KINDS = {
    str: "string",
    int: "integer",
    float: "number",
    bool: "boolean",
    type(None): "null",
    dict: "object",
    list: "array",
}


@dataclass
class Finding:
    """One field (or event type, parameter, operation) the documents use that the target
    version breaks. `change` is one of moved, renamed, removed, type_changed,
    enum_value_removed, includable, object_type_removed, event_type_removed,
    operation_removed."""

    object: str
    field: str
    change: str
    moved_to: str | None = None
    detail: str = ""
    see: str | None = None
    occurrences: int = 0
    files: list[str] = dataclass_field(default_factory=list)

    def as_dict(self) -> dict[str, JSON]:
        return {
            "object": self.object,
            "field": self.field,
            "change": self.change,
            "moved_to": self.moved_to,
            "detail": self.detail,
            "see": self.see,
            "occurrences": self.occurrences,
            "files": self.files,
        }


@dataclass
class UpgradeReport:
    source: str
    target: str
    findings: list[Finding]
    documents: int = 0
    objects: int = 0

    @property
    def breaks(self) -> bool:
        return bool(self.findings)

    def as_dict(self) -> dict[str, JSON]:
        return {
            "from": self.source,
            "to": self.target,
            "documents": self.documents,
            "objects": self.objects,
            "findings": [f.as_dict() for f in self.findings],
        }


#: A recorded API call: (file name, method, path, parameters as sent, strings at the leaves).
Call = tuple[str, str, str, dict[str, JSON]]


def upgrade_check(
    source: Spec,
    target: Spec,
    documents: Iterable[tuple[str, JSON]],
    calls: Iterable[Call] = (),
) -> UpgradeReport:
    """What moving from `source` to `target` breaks in `documents` ((name, parsed JSON)
    pairs; any nesting: objects, lists, events, list objects, expanded objects) and in the
    parameters of recorded `calls` (a cassette's requests), reported per operation
    (`POST /v1/subscriptions`)."""
    if version_date(source.api_version) == version_date(target.api_version):
        raise StripeContractsError(
            f"--from and --to are the same API version ({source.api_version})",
            hint="pass the spec your integration is pinned to as --from and the version you "
            "move to as --to",
        )
    walker = _Walker(source, target)
    count = 0
    for name, data in documents:
        count += 1
        walker.walk_document(name, data)
    for name, method, path, params in calls:
        walker.walk_call(name, method, path, params)
    return UpgradeReport(
        source.api_version, target.api_version, walker.findings(), count, walker.objects
    )


class _Walker:
    def __init__(self, source: Spec, target: Spec) -> None:
        self.source, self.target = source, target
        self.objects = 0
        self._file = ""
        self._found: dict[tuple[str, str, str, str], Finding] = {}
        self._files: dict[tuple[str, str, str, str], set[str]] = {}
        self._moves: dict[tuple[str, str], tuple[str | None, str | None, str]] = {}
        self._branches: dict[tuple[int, type, str | None], tuple[JSON, JSON]] = {}
        self._includable: dict[tuple[str, str], bool] = {}
        self._operations: dict[tuple[str, str, str], tuple[str, JSON, JSON]] = {}
        self._pairs: dict[tuple[int, int], tuple[JSON, JSON, dict[str, tuple[JSON, JSON]]]] = {}

    def findings(self) -> list[Finding]:
        for key, finding in self._found.items():
            finding.files = sorted(self._files[key])
        return sorted(self._found.values(), key=lambda f: (f.object, f.field, f.change, f.detail))

    def walk_document(self, name: str, data: JSON) -> None:
        self._file = name
        self._walk(data, None, None, "", ())

    def walk_call(self, name: str, method: str, path: str, params: dict[str, JSON]) -> None:
        """A request's parameters along the two versions' schemas of its operation."""
        self._file = name
        source = self._operation(self.source, method, path)
        if source is None:
            return  # not an operation of the source version: `cassette check`'s business
        label = f"{method} {source[0]}"
        target = self._operation(self.target, method, path)
        if target is None or target[0] != source[0]:
            # gone, or the path now reaches another operation (`/v1/invoices/upcoming` is
            # `/v1/invoices/{invoice}` once the literal path is removed)
            self._add(label, "(operation)", "operation_removed", detail=f"{method} {path}")
            return
        self._walk(
            coerce_parameters(params, source[1], self.source), source[1], target[1], label, ()
        )
        expand = params.get("expand")
        for value in expand if isinstance(expand, list) else []:
            if isinstance(value, str):
                self._expansion(label, value, source[2], target[2])

    def _operation(self, spec: Spec, method: str, path: str) -> tuple[str, JSON, JSON] | None:
        """(path template, parameters schema, response schema) of the operation serving
        `method path`."""
        found = find_operation(spec, method, path)
        if not isinstance(found, tuple):
            return None
        key = (spec.key, method, found[0])
        if key not in self._operations:
            responses = found[1].get("responses") or {}
            content = ((responses.get("200") or {}).get("content") or {}).get("application/json")
            response = (content or {}).get("schema")
            self._operations[key] = (found[0], parameters_schema(found[1]), response)
        return self._operations[key]

    def _expansion(self, label: str, value: str, source: JSON, target: JSON) -> None:
        """An `expand[]` path the source's response has and the target's does not reach: the
        request fails there (`latest_invoice.payment_intent` after basil)."""
        owner = _object_type(self.target, target) or ""
        segments = value.split(".")
        for depth, segment in enumerate(segments):
            source = _expanded_property(self.source, source, segment)
            if source is None:
                return  # not a path of the source version: `cassette check`'s business
            found = _expanded_property(self.target, target, segment)
            if found is None:
                moved_to, page, change = self._move(owner, segment, "id")
                prefix = ".".join(segments[:depth])
                if moved_to is not None and " " not in moved_to:
                    moved_to = ".".join(p for p in (prefix, moved_to.replace("[]", "")) if p)
                detail = f"expand[]={value}"
                self._add(label, "expand", change, moved_to=moved_to, detail=detail, see=page)
                return
            owner = _object_type(self.target, found) or owner
            target = found

    # -- the walk --------------------------------------------------------------------------

    def _walk(self, value: JSON, src: JSON, tgt: JSON, owner: str, path: Path_) -> None:
        """`src`/`tgt`: the schemas the two versions give `value` (None: not defined there,
        and nothing below is reported, except inside typed objects, which start afresh)."""
        if isinstance(value, list):
            src_items = _items(self.source, src, value)
            tgt_items = _items(self.target, tgt, value)
            for index, item in enumerate(value):
                self._walk(item, src_items, tgt_items, owner, (*path, index))
            return
        if not isinstance(value, dict):
            return
        kind = value.get("object")
        if isinstance(kind, str) and kind != "list":
            started = self._start_object(value, kind)
            if started is not None:
                src, tgt = started
                owner, path = kind, ()
        src_chosen = self._chosen(self.source, src, value) if src is not None else None
        tgt_chosen = self._chosen(self.target, tgt, value) if tgt is not None else None
        children = self._children(src_chosen, tgt_chosen)
        for key, item in value.items():
            pair = children.get(key)
            if pair is None:
                pair = children[key] = (property_of(src_chosen, key), property_of(tgt_chosen, key))
            src_child, tgt_child = pair
            if src_child is not None and tgt_chosen is not None:
                tgt_child = self._compare(key, item, src_child, tgt_child, owner, path)
            if isinstance(item, dict | list):
                self._walk(item, src_child, tgt_child, owner, (*path, key))
        if kind == "event":
            self._event(value)

    def _start_object(self, value: dict[str, JSON], kind: str) -> tuple[JSON, JSON] | None:
        src = root_schema(self.source, value)
        if src is None:
            return None  # not a type the source version defines: nothing to compare
        self.objects += 1
        tgt = root_schema(self.target, value)
        if tgt is None:
            self._add(kind, "object", "object_type_removed", detail=f"no {kind!r} objects")
        return src, tgt

    def _compare(
        self,
        key: str,
        item: JSON,
        src_child: JSON,
        tgt_child: JSON,
        owner: str,
        path: Path_,
    ) -> JSON:
        """Record what the target does to field `key`; the target schema to walk on with."""
        if not owner:
            return tgt_child
        if tgt_child is None:
            where = _field(path, key)
            moved_to, page, change = self._move(owner, where, item)
            self._add(owner, where, change, moved_to=moved_to, see=page)
            return None
        if not path and self._now_includable(owner, key):
            self._add(owner, key, "includable", detail=f"expand[]={key} to receive it")
        target = self._chosen(self.target, tgt_child, item)
        if target is None:
            if self._chosen(self.source, src_child, item) is None:
                return None  # not a valid value to begin with: `validate`'s business
            before = _kinds(resolve(self.source, src_child), self.source)
            after = _kinds(resolve(self.target, tgt_child), self.target)
            self._add(owner, _field(path, key), "type_changed", detail=f"{before} -> {after}")
            return None
        allowed = target.get("enum")
        if isinstance(item, str) and allowed is not None and item not in allowed:
            source = self._chosen(self.source, src_child, item)
            if source is not None and item in (source.get("enum") or ()):
                self._add(owner, _field(path, key), "enum_value_removed", detail=repr(item))
        return tgt_child

    def _children(self, src: JSON, tgt: JSON) -> dict[str, tuple[JSON, JSON]]:
        """Property name -> (source schema, target schema) of a hash, filled as met."""
        key = (id(src), id(tgt))
        known = self._pairs.get(key)
        if known is None:
            known = self._pairs[key] = (src, tgt, {})  # holding the nodes keeps ids unique
        return known[2]

    def _chosen(self, spec: Spec, node: JSON, value: JSON) -> JSON:
        """The alternative of `node` that takes `value` (None: it takes no such value),
        remembered per node and kind: the same fields recur in every file."""
        typed = value.get("object") if type(value) is dict else None
        key = (id(node), type(value), typed if type(typed) is str else None)
        hit = self._branches.get(key)
        if hit is None:
            kind = _KINDS.get(type(value)) or json_kind(value)
            chosen = branch(spec, node, value)
            if not (isinstance(chosen, dict) and accepts_kind(chosen, kind)):
                chosen = None
            hit = self._branches[key] = (node, chosen)  # holding `node` keeps its id unique
        return hit[1]

    def _event(self, event: dict[str, JSON]) -> None:
        """The event's type, and `previous_attributes` as fields of `data.object`'s type."""
        kind = event.get("type")
        source_types, target_types = _event_types(self.source), _event_types(self.target)
        if isinstance(kind, str) and kind in source_types and kind not in target_types:
            self._add("event", "type", "event_type_removed", detail=repr(kind))
        data = event.get("data")
        if not isinstance(data, dict):
            return
        obj, previous = data.get("object"), data.get("previous_attributes")
        if isinstance(obj, dict) and isinstance(previous, dict):
            counted = self.objects
            self._walk({**previous, "object": obj.get("object")}, None, None, "", ())
            self.objects = counted  # a partial copy of data.object, no object of its own

    # -- moves -----------------------------------------------------------------------------

    def _move(self, owner: str, where: str, value: JSON) -> tuple[str | None, str | None, str]:
        """(moved_to, changelog page, change) of a field the target does not define."""
        key = (owner, where)
        if key not in self._moves:
            known = KNOWN_MOVES.get(key)
            if known is not None:
                change = known.change if known.moved_to else "removed"
                self._moves[key] = (known.moved_to, known.page, change)
            else:
                moved_to = derive_move(self.target, owner, where, value)
                self._moves[key] = (moved_to, None, _move_kind(moved_to))
        return self._moves[key]

    def _now_includable(self, owner: str, key: str) -> bool:
        known = self._includable.get((owner, key))
        if known is None:
            known = self._includable[owner, key] = self._became_includable(owner, key)
        return known

    def _became_includable(self, owner: str, key: str) -> bool:
        """Sent by default in the source version (required), only on request in the target."""
        try:
            target_name = self.target.schema_name_for(owner)
            source_name = self.source.schema_name_for(owner)
        except StripeContractsError:
            return False
        if (target_name, key) not in INCLUDABLE:
            return False
        required_before = self.source.schema(source_name).get("required") or ()
        required_now = self.target.schema(target_name).get("required") or ()
        return key in required_before and key not in required_now

    def _add(
        self,
        owner: str,
        where: str,
        change: str,
        *,
        moved_to: str | None = None,
        detail: str = "",
        see: str | None = None,
    ) -> None:
        key = (owner, where, change, detail)
        finding = self._found.get(key)
        if finding is None:
            finding = self._found[key] = Finding(owner, where, change, moved_to, detail, see)
            self._files[key] = set()
        finding.occurrences += 1
        self._files[key].add(self._file)


def derive_move(target: Spec, owner: str, where: str, value: JSON) -> str | None:
    """Where `target` keeps the field `where` of `owner` objects now: the shortest path in the
    object (fewest lists, then fewest names) ending in the same name and holding a value of
    the same kind; None when there is no such path, or several equally short ones."""
    try:
        root = target.schema(target.schema_name_for(owner))
    except StripeContractsError:
        return None
    name = where.rsplit(".", 1)[-1].removesuffix("[]")
    found = [
        (path.count("[]"), path.count(".") + 1, path)
        for path, node in _paths_named(target, root, name)
        if path != where and _holds(target, node, value)
    ]
    if not found:
        return None
    found.sort()
    best = [p for p in found if p[:2] == found[0][:2]]
    return best[0][2] if len(best) == 1 else None


def _paths_named(spec: Spec, root: JSON, name: str) -> Iterator[tuple[str, JSON]]:
    """(dotted path, schema) of every property called `name` within `_MOVE_DEPTH` names of
    `root`, not looking inside expandable references (another object's fields)."""
    stack: list[tuple[JSON, str, int, frozenset[int]]] = [(root, "", 0, frozenset())]
    while stack:
        node, path, depth, seen = stack.pop()
        for schema in _alternatives(spec, node):
            if id(schema) in seen:
                continue
            inside = seen | {id(schema)}
            items = schema.get("items")
            if isinstance(items, dict):
                stack.append((items, f"{path}[]", depth, inside))
            for key, child in (schema.get("properties") or {}).items():
                here = f"{path}.{key}" if path else key
                if key == name:
                    yield here, child
                if _describes_other_state(key):
                    continue
                if depth + 1 < _MOVE_DEPTH and not _is_other_object(spec, child):
                    stack.append((child, here, depth + 1, inside))


def _describes_other_state(key: str) -> bool:
    """Hashes that describe something other than the object as it is: changes not applied yet
    ("pending_update: If specified, pending updates that will be applied to the subscription
    once the latest_invoice has been paid", docs.stripe.com/api/subscriptions/object) and
    error reports (`last_finalization_error`, `last_payment_error`), which copy the objects
    involved in the failure. A field found only there has not moved there."""
    return key == "pending_update" or key.endswith("_error")


def _alternatives(spec: Spec, node: JSON) -> list[dict[str, JSON]]:
    """The object/array schemas `node` may be, an expandable reference's object left out."""
    node = resolve(spec, node)
    if not isinstance(node, dict):
        return []
    options = node.get("anyOf") or node.get("oneOf")
    if not options:
        return [node]
    resolved = [resolve(spec, o) for o in options]
    if any(isinstance(o, dict) and o.get("type") == "string" for o in resolved):
        return []  # an id or the expanded object: the object's fields are its own
    return [o for o in resolved if isinstance(o, dict)]


def _is_other_object(spec: Spec, node: JSON) -> bool:
    """A property holding another Stripe object (`last_finalization_error.payment_intent`):
    its fields are that object's. Objects inside a list (`items.data[]`) are the owner's."""
    for schema in _alternatives(spec, node) or [resolve(spec, node)]:
        kinds = ((schema.get("properties") or {}).get("object") or {}).get("enum") or []
        if kinds and kinds != ["list"]:
            return True
    return False


def _holds(spec: Spec, node: JSON, value: JSON) -> bool:
    """Whether `node` takes `value`, or its id when `value` is an expanded object."""
    if branch(spec, node, value) is not None:
        return True
    return isinstance(value, dict) and branch(spec, node, "id") is not None


def _event_types(spec: Spec) -> frozenset[str]:
    """The event types `spec` can send: its webhook endpoints' `enabled_events` enum."""
    cached = _EVENT_TYPES.get(spec.key)
    if cached is None:
        operation = (spec.paths.get("/v1/webhook_endpoints") or {}).get("post") or {}
        body = (operation.get("requestBody") or {}).get("content") or {}
        form = body.get("application/x-www-form-urlencoded") or {}
        enabled = ((form.get("schema") or {}).get("properties") or {}).get("enabled_events")
        values = ((enabled or {}).get("items") or {}).get("enum") or ()
        cached = _EVENT_TYPES[spec.key] = frozenset(v for v in values if v != "*")
    return cached


_EVENT_TYPES: dict[str, frozenset[str]] = {}


def _expanded_property(spec: Spec, node: JSON, name: str) -> JSON:
    """The schema of property `name` of the object `node` is or expands to (a list's `data`
    items count: `data.customer` expands each item's customer); None where there is none."""
    for schema in _alternatives_expanded(spec, node):
        found = property_of(schema, name)
        if found is not None:
            return found
    return None


def _alternatives_expanded(spec: Spec, node: JSON) -> list[dict[str, JSON]]:
    node = resolve(spec, node)
    if not isinstance(node, dict):
        return []
    options = [resolve(spec, o) for o in node.get("anyOf") or node.get("oneOf") or [node]]
    found = [o for o in options if isinstance(o, dict) and o.get("type") != "string"]
    items = [resolve(spec, o.get("items")) for o in found if isinstance(o.get("items"), dict)]
    return [*found, *(i for i in items if isinstance(i, dict))]


def _object_type(spec: Spec, node: JSON) -> str | None:
    """The `object` value of the Stripe object `node` is or expands to, if it is one."""
    for schema in _alternatives_expanded(spec, node):
        kinds = ((schema.get("properties") or {}).get("object") or {}).get("enum") or []
        if len(kinds) == 1 and kinds != ["list"]:
            return str(kinds[0])
    return None


def _items(spec: Spec, node: JSON, value: list[JSON]) -> JSON:
    chosen = branch(spec, node, value) if node is not None else None
    return chosen.get("items") if isinstance(chosen, dict) else None


def _field(path: Path_, key: str) -> str:
    """'items', 0, 'price' + 'id' -> 'items[].price.id'."""
    text = ""
    for part in (*path, key):
        if isinstance(part, int):
            text += "[]"
        else:
            text += f".{part}" if text else part
    return text


def _move_kind(moved_to: str | None) -> str:
    if moved_to is None:
        return "removed"
    return "renamed" if "." not in moved_to and "[" not in moved_to else "moved"


def _kinds(node: JSON, spec: Spec) -> str:
    if not isinstance(node, dict):
        return "?"
    options = node.get("anyOf") or node.get("oneOf")
    if options:
        return " | ".join(_kinds(resolve(spec, o), spec) for o in options)
    declared = node.get("type") or ("object" if "properties" in node else "any")
    if node.get("nullable"):
        return f"{declared} | null"
    return str(declared)
