from __future__ import annotations

import datetime
import json
import re
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from jsonschema import Draft4Validator

# stripe-python's own form encoder: `stripe._encode._api_encode` (private, stripe 16.x).
from stripe._encode import _api_encode

from conftest import SHARED
from stripe_contracts.cassettes.form import FormDecodeError, coerce, decode_form, encode_form
from stripe_contracts.errors import StripeContractsError


def stripe_encoding(params: dict[str, Any]) -> str:
    """The body stripe-python sends, built the way
    `stripe._api_requestor._APIRequestor._args_for_request_with_retries` builds it."""
    return urlencode(list(_api_encode(params))).replace("%5B", "[").replace("%5D", "]")


def stringified(value: Any) -> Any:
    """What decoding gives back: scalars as Stripe spells them, `None` and `{}` gone."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dict):
        kept = {key: stringified(item) for key, item in value.items() if item is not None}
        return {key: item for key, item in kept.items() if item != {}}
    if isinstance(value, list):
        return [stringified(item) for item in value]
    return str(value)


def pruned(value: Any) -> Any:
    """`value` as it survives the wire, types kept: `None` and `{}` gone."""
    if isinstance(value, dict):
        kept = {key: pruned(item) for key, item in value.items() if item is not None}
        return {key: item for key, item in kept.items() if item != {}}
    if isinstance(value, list):
        return [pruned(item) for item in value]
    return value


def schema_of(value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"type": "boolean"}
    if isinstance(value, int):
        return {"type": "integer"}
    if isinstance(value, dict):
        properties = {key: schema_of(item) for key, item in value.items()}
        return {"type": "object", "properties": properties}
    if isinstance(value, list):
        return {"type": "array", "items": [schema_of(item) for item in value]}
    return {"type": ["string", "null"]}


# -- the shapes Stripe's parameters take ---------------------------------------------------------

INDEX = re.compile(r"0|[1-9][0-9]*")
texts = st.text(st.characters(exclude_categories=["Cs"]), max_size=12)  # urlencode needs UTF-8
names = st.text(
    st.characters(exclude_categories=["Cs"], exclude_characters="[]"), min_size=1, max_size=10
)
fields = names.filter(lambda name: not INDEX.fullmatch(name))  # "0" inside brackets is an index
scalars = st.one_of(texts, st.integers(), st.booleans())
list_scalars = st.one_of(texts, st.integers())  # Stripe takes no lists of booleans


def values(depth: int, *, nullable: bool) -> st.SearchStrategy[Any]:
    options: list[st.SearchStrategy[Any]] = [
        scalars,
        st.lists(list_scalars, min_size=1, max_size=3),
    ]
    if nullable:
        options.append(st.none())
    if depth:
        # list elements stay non-empty: an element encoding to nothing would leave a gap
        options.append(st.lists(objects(depth - 1, nullable=False), min_size=1, max_size=3))
        options.append(objects(depth - 1, nullable=nullable))
    return st.one_of(options)


def objects(depth: int, *, nullable: bool) -> st.SearchStrategy[dict[str, Any]]:
    return st.dictionaries(fields, values(depth, nullable=nullable), min_size=1, max_size=4)


params = st.dictionaries(names, values(2, nullable=True), max_size=5)

SUBSCRIPTION_CREATE = {
    "customer": "cus_NffrFeUfNV2Hib",
    "items": [{"price": "price_1MowQULkdIwHu7ixraBm864M", "quantity": 2}],
    "payment_behavior": "default_incomplete",
    "payment_settings": {
        "payment_method_types": ["card"],
        "save_default_payment_method": "on_subscription",
    },
    "expand": ["latest_invoice.payment_intent"],
    "off_session": True,
    "trial_end": 1700000000,
}
EXPAND = {"expand": ["latest_invoice.payment_intent", "customer", "items.data.price.product"]}
ODD_METADATA = {"metadata": {"order id": "A 17", "café ☕": "naïve", "a&b=c+d": "100% off"}}
EMPTY_STRINGS = {"default_payment_method": "", "metadata": {"note": ""}, "coupon": None}


# -- encode / decode -----------------------------------------------------------------------------


@given(params)
@example(SUBSCRIPTION_CREATE)
@example(EXPAND)
@example(ODD_METADATA)
@example(EMPTY_STRINGS)
@example({})
def test_decode_inverts_our_encoding_and_stripe_pythons(p: dict[str, Any]) -> None:
    expected = stringified(p)
    assert decode_form(encode_form(p)) == expected
    assert decode_form(stripe_encoding(p)) == expected


@given(params)
@example(SUBSCRIPTION_CREATE)
def test_coerce_with_the_right_schema_restores_the_types(p: dict[str, Any]) -> None:
    assert coerce(decode_form(encode_form(p)), schema_of(p)) == pruned(p)


anything = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=False),
        texts,
        st.datetimes(timezones=st.just(datetime.UTC)),
    ),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(names, children, max_size=3),
    max_leaves=12,
)


@given(st.dictionaries(names, anything, max_size=5))
@example(
    {
        "flags": [True, None],  # stripe-python sends these as "True" and "None"
        "nested": [[1, 2], []],
        "empty": {},
        "at": datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC),
        "ats": [datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)],
    }
)
def test_encoding_is_byte_for_byte_stripe_pythons(p: dict[str, Any]) -> None:
    assert encode_form(p) == stripe_encoding(p)


def test_subscription_create_body() -> None:
    assert encode_form(SUBSCRIPTION_CREATE) == (
        "customer=cus_NffrFeUfNV2Hib&items[0][price]=price_1MowQULkdIwHu7ixraBm864M"
        "&items[0][quantity]=2&payment_behavior=default_incomplete"
        "&payment_settings[payment_method_types][0]=card"
        "&payment_settings[save_default_payment_method]=on_subscription"
        "&expand[0]=latest_invoice.payment_intent&off_session=true&trial_end=1700000000"
    )


def test_objects_with_an_id_encode_as_the_id() -> None:
    class Price:
        id = "price_1"

    assert encode_form({"price": Price(), "items": [{"price": Price()}]}) == (
        "price=price_1&items[0][price]=price_1"
    )


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("expand[]=a&expand[]=b", {"expand": ["a", "b"]}),
        ("expand[0]=a&expand[1]=b", {"expand": ["a", "b"]}),
        ("items[1][price]=b&items[0][price]=a", {"items": [{"price": "a"}, {"price": "b"}]}),
        ("items%5B0%5D%5Bprice%5D=p", {"items": [{"price": "p"}]}),
        (b"metadata[x+y]=%E2%98%95&d=", {"metadata": {"x y": "☕"}, "d": ""}),
        ("?limit=3&starting_after=sub_1", {"limit": "3", "starting_after": "sub_1"}),
        ("a&&b=", {"a": "", "b": ""}),
        ("metadata[07]=x&0=y", {"metadata": {"07": "x"}, "0": "y"}),
        (
            "items[][price]=a&items[][quantity]=1&items[][price]=b",
            {"items": [{"price": "a", "quantity": "1"}, {"price": "b"}]},
        ),
        (
            "tiers[0][up_to]=inf&tiers[0][flat_amount]=0&tiers[1][up_to]=10",
            {"tiers": [{"up_to": "inf", "flat_amount": "0"}, {"up_to": "10"}]},
        ),
        ("", {}),
    ],
)
def test_decodes(body: str | bytes, expected: dict[str, Any]) -> None:
    assert decode_form(body) == expected


@pytest.mark.parametrize(
    ("body", "key", "words"),
    [
        ("a[b=1", "a[b", "never closed"),
        ("items[0]=x&items[a]=y", "items[a]", "mixes"),
        ("expand[]=x&expand[0]=y", "expand[0]", "mixes"),
        ("items[2]=x", "items[2]", "items[0]' is missing"),
        ("items[0]=x&items[2]=y", "items[2]", "items[1]' is missing"),
        ("a=1&a=2", "a", "given twice"),
        ("items[0][price]=a&items[0][price]=b", "items[0][price]", "given twice"),
        ("a=1&a[b]=2", "a[b]", "conflicts with 'a'"),
        ("a[b]=1&a=2", "a", "conflicts with 'a[b]'"),
        ("a]=1", "a]", "without a matching '['"),
        ("[a]=1", "[a]", "empty"),
        ("=1", "", "empty"),
        ("a[b]c=1", "a[b]c", "after ']'"),
        ("a[b[c]]=1", "a[b[c]]", "inside brackets"),
        ("a" + "[b]" * 40 + "=1", "a" + "[b]" * 40, "deeper"),
        ("a=1&b%ff=2", "b%ff", "not UTF-8"),
        (b"a=1&b=\xff", "b", "not UTF-8"),
    ],
)
def test_malformed_bodies_name_the_key(body: str | bytes, key: str, words: str) -> None:
    with pytest.raises(FormDecodeError) as caught:
        decode_form(body)
    assert caught.value.key == key
    assert repr(key) in str(caught.value)
    assert words in str(caught.value)
    assert caught.value.hint
    assert isinstance(caught.value, StripeContractsError)


@given(st.one_of(st.text(), st.text("ab01[]=&%+?"), st.binary()))
@example("a[][][b]=1&a[][][b]=2&a[]=3")
@example("a[0][]=1&a[0][1]=2")
def test_decoding_any_text_gives_a_dict_or_a_form_decode_error(body: str | bytes) -> None:
    try:
        decoded = decode_form(body)
    except FormDecodeError as error:
        assert error.hint
    else:
        assert isinstance(decoded, dict)


# -- coerce --------------------------------------------------------------------------------------

UNSETTABLE_INT = {"anyOf": [{"type": "integer"}, {"type": "string", "enum": [""]}]}
TRIAL_END = {"anyOf": [{"type": "string", "enum": ["now"]}, {"type": "integer"}]}


@pytest.mark.parametrize(
    ("schema", "raw", "coerced"),
    [
        ({"type": "integer"}, "42", 42),
        ({"type": "integer"}, "-3", -3),
        ({"type": "integer"}, "4.5", "4.5"),
        ({"type": "integer"}, "soon", "soon"),
        ({"type": "integer"}, "", ""),
        ({"type": "integer"}, "1" * 5000, "1" * 5000),
        ({"type": "boolean"}, "true", True),
        ({"type": "boolean"}, "false", False),
        ({"type": "boolean"}, "True", "True"),
        ({"type": "number"}, "1.5", 1.5),
        ({"type": "number"}, "2", 2),
        ({"type": "number"}, "1e999", "1e999"),
        ({"type": "string"}, "42", "42"),
        ({"type": ["integer", "null"]}, "7", 7),
        ({"anyOf": [{"type": "string"}, {"type": "integer"}]}, "5", "5"),
        ({"anyOf": [{"type": "integer"}, {"type": "string"}]}, "5", "5"),
        (UNSETTABLE_INT, "5", 5),
        (UNSETTABLE_INT, "", ""),
        (UNSETTABLE_INT, "x", "x"),
        (TRIAL_END, "now", "now"),
        (TRIAL_END, "1700000000", 1700000000),
        ({"enum": [1, 2]}, "2", 2),
        ({"enum": [1]}, "true", "true"),
        ({"allOf": [{"type": "integer"}, {"enum": [3]}]}, "3", 3),
        ({}, "42", "42"),
    ],
)
def test_coerces_scalars_by_schema(schema: dict[str, Any], raw: str, coerced: Any) -> None:
    result = coerce(raw, schema)
    assert result == coerced
    assert type(result) is type(coerced)


ITEMS = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {
            "price": {"type": "string"},
            "quantity": {"type": "integer"},
            "billing_thresholds": {
                "anyOf": [
                    {"type": "object", "properties": {"usage_gte": {"type": "integer"}}},
                    {"type": "string", "enum": [""]},
                ]
            },
            "metadata": {"type": "object", "additionalProperties": {"type": "string"}},
            "tax_rates": {"type": "array", "items": {"type": "string"}},
        },
    },
}


def test_coerces_arrays_of_objects() -> None:
    body = (
        "items[0][price]=price_1&items[0][quantity]=2&items[0][billing_thresholds][usage_gte]=10"
        "&items[0][metadata][n]=3&items[0][tax_rates][0]=txr_1"
        "&items[1][price]=price_2&items[1][quantity]=many&items[1][billing_thresholds]="
    )
    assert coerce(decode_form(body)["items"], ITEMS) == [
        {
            "price": "price_1",
            "quantity": 2,
            "billing_thresholds": {"usage_gte": 10},
            "metadata": {"n": "3"},
            "tax_rates": ["txr_1"],
        },
        {"price": "price_2", "quantity": "many", "billing_thresholds": ""},
    ]


def test_metadata_with_index_keys_becomes_a_dict_again() -> None:
    metadata = {
        "anyOf": [
            {"type": "object", "additionalProperties": {"type": "string"}},
            {"type": "string", "enum": [""]},
        ]
    }
    decoded = decode_form("metadata[0]=a&metadata[1]=b")["metadata"]
    assert decoded == ["a", "b"]
    assert coerce(decoded, metadata) == {"0": "a", "1": "b"}
    assert coerce("", metadata) == ""


def test_refs_are_resolved_by_the_caller() -> None:
    definitions = {"#/q": {"type": "integer"}}
    seen: list[str] = []

    def resolve(node: dict[str, Any]) -> dict[str, Any]:
        if "$ref" in node:
            seen.append(node["$ref"])
            return definitions[node["$ref"]]
        return node

    schema = {"type": "object", "properties": {"quantity": {"$ref": "#/q"}}}
    assert coerce({"quantity": "3", "other": "4"}, schema, resolve) == {
        "quantity": 3,
        "other": "4",
    }
    assert seen == ["#/q"]


def test_stripe_request_bodies_validate_after_coercion() -> None:
    spec = json.loads((SHARED / "spec3.2023-08-16.json").read_text())
    operation = spec["paths"]["/v1/subscriptions"]["post"]
    schema = operation["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]
    body = {
        **SUBSCRIPTION_CREATE,
        "billing_thresholds": {"amount_gte": 5000, "reset_billing_cycle_anchor": False},
        "metadata": ODD_METADATA["metadata"],
        "default_tax_rates": "",
    }
    validator = Draft4Validator(schema)
    decoded = decode_form(stripe_encoding(body))
    assert list(validator.iter_errors(decoded))  # strings alone do not satisfy the schema
    assert list(validator.iter_errors(coerce(decoded, schema))) == []

    decoded["days_until_due"] = "soon"
    errors = list(validator.iter_errors(coerce(decoded, schema)))
    assert [list(error.path) for error in errors] == [["days_until_due"]]
