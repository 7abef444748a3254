from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from conftest import SHARED, fixtures_for, spec_for
from stripe_contracts.errors import ContractViolation, StripeContractsError, UnknownObjectType
from stripe_contracts.spec import Spec
from stripe_contracts.validation import ENGINES, Violation, assert_valid, validate

#: Stripe's example objects are checked against the spec of their own version: the 2026
#: examples were taken three months after the dahlia spec (shared README), so they are not.
VERSIONS = ("2020-08-27", "2023-08-16")

BILLING_TYPES = (
    "customer",
    "product",
    "price",
    "plan",
    "subscription",
    "subscription_item",
    "invoice",
    "line_item",
    "invoiceitem",
    "payment_intent",
    "payment_method",
    "charge",
    "event",
    "discount",
    "coupon",
    "tax_rate",
)
ENTITLEMENT_TYPES = (
    "entitlements.feature",
    "entitlements.active_entitlement",
    "product_feature",
    "deleted_product_feature",
)


def pointers(violations: list[Violation]) -> set[tuple[str, str]]:
    return {(v.pointer, v.rule) for v in violations}


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("object_type", BILLING_TYPES)
def test_stripe_examples_validate_against_their_own_version(
    version: str, spec: Spec, object_type: str, engine: str
) -> None:
    example = fixtures_for(version)[object_type]
    found = pointers(validate(example, spec, engine=engine))  # type: ignore[arg-type]
    assert found == EXAMPLE_EXCEPTIONS.get((object_type, version), set())


#: Stripe's 2020 example event (a payment_intent.created) carries, inside `data.object`,
#: fields its own spec does not define; checked through, they are reported.
#: `test_the_2020_example_event_carries_fields_its_spec_lacks` reads that from the spec file.
EXAMPLE_EXCEPTIONS = {
    ("event", "2020-08-27"): {
        ("/data/object/source", "unknown-property"),
        ("/data/object/charges/total_count", "unknown-property"),
        ("/data/object/charges/data/0/source", "unknown-property"),
        ("/data/object/charges/data/0/destination", "unknown-property"),
        ("/data/object/charges/data/0/dispute", "unknown-property"),
        ("/data/object/charges/data/0/refunds/total_count", "unknown-property"),
    }
}


def test_the_2020_example_event_carries_fields_its_spec_lacks() -> None:
    schemas = json.loads((SHARED / "spec3.2020-08-27.json").read_text())["components"]["schemas"]
    event = fixtures_for("2020-08-27")["event"]
    intent = event["data"]["object"]
    charge = intent["charges"]["data"][0]
    assert intent["object"] == "payment_intent" and charge["object"] == "charge"
    assert "source" in intent and "source" not in schemas["payment_intent"]["properties"]
    for name in ("source", "destination", "dispute"):
        assert name in charge and name not in schemas["charge"]["properties"]
    lists = schemas["payment_intent"]["properties"]["charges"]["properties"]
    assert "total_count" in intent["charges"] and "total_count" not in lists


@pytest.mark.parametrize("object_type", ENTITLEMENT_TYPES)
def test_entitlement_examples_validate_against_the_excerpt(version: str, object_type: str) -> None:
    example = fixtures_for("2026")[object_type]
    violations = validate(example, spec_for(version))
    assert violations == []


# -- mutations ---------------------------------------------------------------------------------

Mutation = tuple[str, str, str, Callable[[dict[str, Any]], None]]  # kind, pointer, rule, apply


def _props(spec: Spec, object_type: str, example: dict[str, Any]) -> dict[str, Any]:
    schema = spec.schema(spec.schema_name_for(object_type, deleted=example.get("deleted") is True))
    return dict(sorted((schema.get("properties") or {}).items()))


def mutations(spec: Spec, object_type: str, example: dict[str, Any]) -> Iterator[Mutation]:
    """One mutation of each kind that applies to this example, on the first fitting field."""
    props = _props(spec, object_type, example)
    schema = spec.schema(spec.schema_name_for(object_type))
    expandables = spec.expandable_fields(spec.schema_name_for(object_type))

    def first(test: Callable[[str, Any], bool]) -> str | None:
        return next((n for n, p in props.items() if n in example and test(n, p)), None)

    name = first(lambda n, p: p.get("type") in ("string", "integer", "boolean") and "enum" not in p)
    if name:
        wrong: Any = [] if props[name]["type"] == "string" else "not-a-number-or-flag"
        yield "wrong-type", f"/{name}", "type", lambda o, n=name, w=wrong: o.__setitem__(n, w)
    name = first(lambda n, p: "enum" in p and n != "object")
    if name:
        yield (
            "unknown-enum",
            f"/{name}",
            "enum",
            lambda o, n=name: o.__setitem__(n, "zz_not_a_value"),
        )
    name = first(lambda n, p: n in schema.get("required", []) and n != "object")
    if name:
        yield "missing-required", f"/{name}", "required", lambda o, n=name: o.pop(n)
    yield (
        "unknown-property",
        "/zz_unknown_field",
        "unknown-property",
        lambda o: o.__setitem__("zz_unknown_field", 1),
    )
    name = first(lambda n, p: n in expandables and not expandables[n].is_list)
    if name:
        intruder = "tax_rate" if "tax_rate" not in expandables[name].targets else "coupon"
        other = copy.deepcopy(fixtures_for(spec.api_version)[intruder])
        yield (
            "wrong-expansion",
            f"/{name}",
            "expandable",
            lambda o, n=name, x=other: o.__setitem__(n, x),
        )
    name = first(lambda n, p: not p.get("nullable") and n not in ("object", "id"))
    if name:
        yield "null", f"/{name}", "type", lambda o, n=name: o.__setitem__(n, None)


def mutation_cases() -> Iterator[Any]:
    for version in VERSIONS:
        spec = spec_for(version)
        for object_type in BILLING_TYPES:
            example = fixtures_for(version)[object_type]
            for kind, pointer, rule, apply in mutations(spec, object_type, example):
                yield pytest.param(
                    version,
                    object_type,
                    pointer,
                    rule,
                    apply,
                    id=f"{version}:{object_type}:{kind}{pointer}",
                )


@pytest.mark.parametrize(
    ("version", "object_type", "pointer", "rule", "apply"), list(mutation_cases())
)
def test_each_mutation_is_rejected_at_its_pointer_by_both_engines(
    version: str, object_type: str, pointer: str, rule: str, apply: Callable[[dict[str, Any]], None]
) -> None:
    spec = spec_for(version)
    mutated = copy.deepcopy(fixtures_for(version)[object_type])
    apply(mutated)
    verdicts = {engine: validate(mutated, spec, engine=engine) for engine in ENGINES}
    assert (pointer, rule) in pointers(verdicts["rust"]), verdicts["rust"]
    assert pointers(verdicts["rust"]) == pointers(verdicts["python"])
    assert [v.message for v in verdicts["rust"]] == [v.message for v in verdicts["python"]]


def test_every_mutation_kind_is_exercised() -> None:
    kinds = {case.id.split(":")[2].split("/")[0] for case in mutation_cases()}
    assert kinds == {
        "wrong-type",
        "unknown-enum",
        "missing-required",
        "unknown-property",
        "wrong-expansion",
        "null",
    }
    assert sum(1 for _ in mutation_cases()) >= len(BILLING_TYPES) * 2 * 4


# -- messages and shapes -----------------------------------------------------------------------


def test_message_names_object_pointer_rule_and_version() -> None:
    spec = spec_for("2023-08-16")
    sub = copy.deepcopy(fixtures_for("2023-08-16")["subscription"])
    sub["id"] = "sub_123"
    sub["items"]["data"] = [copy.deepcopy(fixtures_for("2023-08-16")["subscription_item"])]
    sub["items"]["data"][0]["price"]["recurring"]["interval"] = "fortnight"
    [violation] = validate(sub, spec)
    assert violation.message == (
        "subscription sub_123 at /items/data/0/price/recurring/interval: 'fortnight' is not "
        "one of ['day', 'month', 'week', 'year'] (Stripe API 2023-08-16)"
    )
    assert (violation.expected, violation.actual) == (["day", "month", "week", "year"], "fortnight")


def test_expanded_object_is_checked_against_its_own_schema() -> None:
    spec = spec_for("2023-08-16")
    sub = copy.deepcopy(fixtures_for("2023-08-16")["subscription"])
    customer = copy.deepcopy(fixtures_for("2023-08-16")["customer"])
    sub["customer"] = customer
    assert validate(sub, spec) == []
    customer["balance"] = "lots"
    assert pointers(validate(sub, spec)) == {("/customer/balance", "type")}
    sub["customer"] = {"id": "cus_1", "object": "customer", "deleted": True}
    assert validate(sub, spec) == []


def test_null_is_allowed_where_stripe_says_nullable_even_inside_anyof_and_enums() -> None:
    spec = spec_for("2023-08-16")
    sub = copy.deepcopy(fixtures_for("2023-08-16")["subscription"])
    sub.update(latest_invoice=None, cancellation_details=None, discount=None)
    assert validate(sub, spec) == []
    invoice = copy.deepcopy(fixtures_for("2023-08-16")["invoice"])
    invoice["billing_reason"] = None  # a nullable enum
    assert validate(invoice, spec) == []


def test_lists_and_deleted_objects() -> None:
    spec = spec_for("2023-08-16")
    customer = fixtures_for("2023-08-16")["customer"]
    listing = {
        "object": "list",
        "data": [customer, {**customer, "balance": "x"}],
        "url": "/v1/customers",
        "has_more": False,
    }
    assert pointers(validate(listing, spec)) == {("/data/1/balance", "type")}
    assert validate({"id": "cus_1", "object": "customer", "deleted": True}, spec) == []
    assert pointers(
        validate({"id": "cus_1", "object": "customer", "deleted": True, "x": 1}, spec)
    ) == {("/x", "unknown-property")}


def test_bypass_validation_enums_downgrade_to_warnings_only_for_recorded_traffic() -> None:
    spec = spec_for("2023-08-16")
    invoice = copy.deepcopy(fixtures_for("2023-08-16")["invoice"])
    invoice["status"] = "some_future_status"
    [strict] = validate(invoice, spec)
    assert (strict.rule, strict.severity) == ("enum", "error")
    [recorded] = validate(invoice, spec, recorded=True)
    assert recorded.severity == "warning" and "warning" in recorded.message
    invoice["collection_method"] = "by_pigeon"  # an enum without the bypass flag
    severities = {v.pointer: v.severity for v in validate(invoice, spec, recorded=True)}
    assert severities == {"/status": "warning", "/collection_method": "error"}


def test_a_bare_spec_is_a_set_of_one_version_so_every_undefined_property_is_a_violation() -> None:
    spec = spec_for("2023-08-16")
    customer = {**fixtures_for("2023-08-16")["customer"], "zz_new_field": 1}
    for strict in (False, True):
        assert pointers(validate(customer, spec, strict=strict)) == {
            ("/zz_new_field", "unknown-property")
        }


def test_assert_valid_raises_an_assertion_error_listing_violations() -> None:
    spec = spec_for("2023-08-16")
    customer = {**fixtures_for("2023-08-16")["customer"], "emial": "x@example.com"}
    with pytest.raises(AssertionError) as info:
        assert_valid(customer, spec)
    assert isinstance(info.value, ContractViolation)
    assert "at /emial: property 'emial' is not defined" in str(info.value)


def test_objects_that_cannot_be_typed_raise_clear_errors() -> None:
    spec = spec_for("2023-08-16")
    with pytest.raises(UnknownObjectType, match="has no `object` field"):
        validate({"id": "cus_1"}, spec)
    with pytest.raises(UnknownObjectType, match="'subscriptions' is not defined"):
        validate({"object": "subscriptions"}, spec)
    with pytest.raises(StripeContractsError, match="got list"):
        validate([], spec)


@pytest.mark.parametrize("object_type", BILLING_TYPES)
def test_other_versions_examples_report_drift_without_crashing(object_type: str) -> None:
    drift = {
        (old, new): validate(fixtures_for(old)[object_type], spec_for(new))
        for old, new in (VERSIONS, VERSIONS[::-1])
    }
    for violations in drift.values():
        # an event rendered in a version not on hand is a "not-checked" note (test_versions)
        allowed = {"required", "unknown-property", "not-checked"}
        assert all(v.rule in allowed for v in violations)
    if object_type == "payment_intent":
        assert ("/charges", "unknown-property") in pointers(drift[VERSIONS])
        assert ("/latest_charge", "unknown-property") in pointers(drift[VERSIONS[::-1]])


def test_a_python_object_nested_hundreds_deep_is_a_clear_error() -> None:
    """The CLI refuses deep JSON when it reads a file; a dict handed to validate() directly
    must get the same clear refusal, not the engine's recursion error."""
    deep: dict[str, Any] = {"id": "cus_1", "object": "customer", "metadata": {}}
    node = deep["metadata"]
    for _ in range(300):
        node["k"] = {}
        node = node["k"]
    for engine in ENGINES:
        with pytest.raises(StripeContractsError, match="nested more than 100 levels deep"):
            validate(deep, spec_for("2023-08-16"), engine=engine)  # type: ignore[arg-type]
