"""The plain-function parts of cassettes: scrubbing, Stripe-way matching, cassette files."""

from __future__ import annotations

import base64
import json
import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from stripe_contracts.cassettes.files import (
    CassetteError,
    cassette_path,
    header,
    read_cassette,
    write_atomic,
)
from stripe_contracts.cassettes.form import encode_form
from stripe_contracts.cassettes.match import body_differences, differences, query_differences
from stripe_contracts.cassettes.scrub import (
    find_secrets,
    is_live_key,
    scrub_body,
    scrub_headers,
    scrub_secrets,
    scrub_url,
)

SECRETS = [
    "sk_test_" + "4eC39HqLyjWDarjtT1zdp7dc",
    "sk_live_" + "51Habc0123456789",
    "rk_test_" + "51Habc0123456789",
    "rk_live_" + "51Habc0123456789",
    "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    "pk_live_" + "51Habc0123456789",
    "ek_test_" + "YWNjdF8xTTJKVGtMa2RJd0h1N2l4_00Dd4Z7MVo",  # an ephemeral key, "_" and all
    "ek_live_" + "YWNjdF8xTTJKVGtMa2RJd0h1N2l4",
    "sk_" + "ABCDEFGHIJKLMNOPQRSTUVWX",  # an unprefixed legacy-style key
]
PROPERTY = settings(max_examples=100, deadline=None)
NESTED = settings(max_examples=40, deadline=None)  # recursive data: each example costs more


# -- secrets -----------------------------------------------------------------------------------


@pytest.mark.parametrize("secret", SECRETS)
@pytest.mark.parametrize(
    "template",
    [
        "{s}",
        "Bearer {s}",
        "key={s}&x=1",
        "description=my+key+is+{s}",
        "description=key%3D{s}",
        '{{"secret": "{s}"}}',
        "https://api.example.com/v1/x?key={s}",
    ],
)
def test_every_secret_is_scrubbed_wherever_it_appears(secret: str, template: str) -> None:
    text = template.format(s=secret)
    scrubbed = scrub_secrets(text)
    assert secret not in scrubbed and find_secrets(scrubbed) == []
    assert find_secrets(text) != []


@PROPERTY
@given(
    before=st.text(max_size=30),
    secret=st.sampled_from(SECRETS[:-1]),  # prefixed keys: caught even inside a word
    after=st.text(alphabet=" &=+%,;\"'{}[]\n", max_size=5),
)
@example(before="task_", secret=SECRETS[0], after="")
def test_scrubbing_secrets_is_complete_and_idempotent(before: str, secret: str, after: str) -> None:
    text = before + secret + after
    once = scrub_secrets(text)
    assert secret not in once
    assert find_secrets(once) == []
    assert scrub_secrets(once) == once


#: Secrets that are whole words (a boundary before them): client secrets, Connect refresh
#: tokens, card numbers (Visa, Mastercard 2-series, Amex, Discover test numbers).
WORD_SECRETS = {
    "client_secret": "pi_3MtwBwLkdIwHu7ix28a3tqPa_secret_YrKJUKribcBjcG8HVhfZluoGH",
    "client_secret ": "seti_1Mm8s8LkdIwHu7ix0OXBfTRG_secret_NXDICkPqPeiBTAFqWmkbff09lRmSVXe",
    "rt": "rt_" + "IyIl3HqSdXlQNTvTi5cRUDhhJRM2NalsmEJnA2iFQQLLZbfk",
    "card_number": "4242424242424242",
    "card_number ": "2223003122003222",
    "card_number  ": "378282246310005",
    "card_number   ": "6011111111111117",
}


@pytest.mark.parametrize("kind", sorted(WORD_SECRETS))
@pytest.mark.parametrize(
    "template",
    [
        "{s}",
        "key={s}&x=1",
        "description=my+number+is+{s}",
        '{{"secret": "{s}"}}',
        "https://api.example.com/v1/x?key={s}",
        'string: \'{{"client_secret": "{s}"}}\'',
    ],
)
def test_client_secrets_refresh_tokens_and_card_numbers_are_scrubbed(
    kind: str, template: str
) -> None:
    secret = WORD_SECRETS[kind]
    text = template.format(s=secret)
    assert kind.strip() in find_secrets(text)
    scrubbed = scrub_secrets(text)
    assert secret not in scrubbed and find_secrets(scrubbed) == []
    assert scrub_secrets(scrubbed) == scrubbed


@pytest.mark.parametrize(
    ("text", "value", "kind"),
    [
        ("card[number]=4000056655665556&card[cvc]=314&card[exp_month]=12", "314", "cvc"),
        ("card%5Bcvc%5D=9876&card%5Bexp_year%5D=2030", "9876", "cvc"),
        ('{"card": {"cvc": "123", "exp_month": 12}}', '"123"', "cvc"),
        ('{"card": {"cvc": 123}}', "123", "cvc"),
        ('string: "{\\"cvc\\": \\"777\\"}"', "777", "cvc"),  # as a cassette holds it
        ("bank_account[account_number]=000123456789&x=1", "000123456789", "account_number"),
        ("us_bank_account%5Baccount_number%5D=000222333", "000222333", "account_number"),
        ("sepa_debit[iban]=DE89370400440532013000", "DE89370400440532013000", "iban"),
        ('{"client_secret": "cuss_secret_QWERTYUIOP"}', "cuss_secret_QWERTYUIOP", "client_secret"),
    ],
)
def test_secret_fields_are_scrubbed_in_forms_and_json(text: str, value: str, kind: str) -> None:
    assert kind in find_secrets(text)
    scrubbed = scrub_secrets(text)
    assert value not in scrubbed.replace(f"{kind.replace('_', '-')}-scrubbed", "")
    assert find_secrets(scrubbed) == [] and scrub_secrets(scrubbed) == scrubbed
    if text.startswith("{"):
        json.loads(scrubbed)  # still JSON


def test_numbers_that_are_no_card_numbers_are_left_alone() -> None:
    text = "created=1690000000123&amount=4242424242424241&phone=15550100000&exp_year=2030"
    assert find_secrets(text) == [] and scrub_secrets(text) == text


def test_tax_ids_are_faked_with_scrub_pii_only() -> None:
    form = "tax_id_data[0][type]=eu_vat&tax_id_data[0][value]=DE123456789&individual[id_number]=X9"
    url = "https://api.stripe.com/v1/customers"
    scrubbed = str(scrub_body(form, pii=True, url=url))
    assert "DE123456789" not in scrubbed and "X9" not in scrubbed
    assert "tax_id_data[0][type]=eu_vat" in scrubbed
    assert scrub_body(scrubbed, pii=True, url=url) == scrubbed
    response = {
        "object": "customer",
        "tax_ids": {"data": [{"object": "tax_id", "type": "eu_vat", "value": "DE123456789"}]},
    }
    alone = {"object": "tax_id", "type": "gb_vat", "value": "GB123456789"}
    for body, value in ((response, "DE123456789"), (alone, "GB123456789")):
        text = json.dumps(body)
        assert value not in str(scrub_body(text, content_type="application/json", pii=True))
        assert value in str(scrub_body(text, content_type="application/json"))


def test_ordinary_stripe_ids_and_masked_keys_are_left_alone() -> None:
    text = "cus_4eC39HqLyjWDarjtT1zdp7dc sub_1 task_x Invalid API Key provided: sk_test_****7dc"
    assert scrub_secrets(text) == text


def test_live_keys_are_recognised_also_in_basic_auth() -> None:
    live = SECRETS[1]
    assert is_live_key(f"Bearer {live}")
    assert is_live_key("Basic " + base64.b64encode(f"{live}:".encode()).decode())
    assert not is_live_key(f"Bearer {SECRETS[0]}")
    assert not is_live_key("Basic !!!not-base64")


def test_credential_headers_are_replaced_and_other_headers_kept() -> None:
    headers = {
        "Authorization": f"Bearer {SECRETS[0]}",
        "Stripe-Account": "acct_1",
        "Cookie": "a=b",
        "Set-Cookie": ["x=1", "y=2"],
        "Stripe-Version": "2023-08-16",
        "X-Debug": f"key {SECRETS[4]}",
        "Empty": None,
    }
    assert scrub_headers(headers) == {
        "Authorization": "Bearer <scrubbed>",
        "Stripe-Account": "<scrubbed>",
        "Cookie": "<scrubbed>",
        "Set-Cookie": ["<scrubbed>", "<scrubbed>"],
        "Stripe-Version": "2023-08-16",
        "X-Debug": "key whsec-scrubbed",
        "Empty": None,
    }
    assert scrub_headers(scrub_headers(headers)) == scrub_headers(headers)


def test_binary_bodies_are_scrubbed_bytewise() -> None:
    body = b"\xff\xfe" + SECRETS[0].encode() + b"\x00"
    assert scrub_body(body) == b"\xff\xfesk-test-scrubbed\x00"


# -- personal data -----------------------------------------------------------------------------


def test_personal_data_in_forms_json_and_urls_is_faked_consistently() -> None:
    form = encode_form(
        {
            "email": "jane@example.com",
            "name": "Jane Doe",
            "phone": "+14155550123",
            "address": {"line1": "1 Main St", "city": "Springfield", "postal_code": "97477"},
            "shipping": {"name": "Jane Doe", "address": {"line1": "1 Main St"}},
            "metadata": {"plan": "pro"},
            "items": [{"price": "price_1"}],
        }
    )
    scrubbed = str(scrub_body(form, pii=True, url="https://api.stripe.com/v1/customers"))
    for value in ("jane", "Jane", "Main", "Springfield", "97477", "4155550123"):
        assert value not in scrubbed
    assert "metadata[plan]=pro" in scrubbed and "items[0][price]=price_1" in scrubbed
    response = json.dumps(
        {
            "object": "customer",
            "email": "jane@example.com",
            "name": "Jane Doe",
            "address": {"line1": "1 Main St", "country": "US"},
        }
    )
    data = json.loads(str(scrub_body(response, content_type="application/json", pii=True)))
    assert f"email={data['email']}".replace("@", "%40") in scrubbed  # same email, same fake
    assert f"name={data['name']}".replace(" ", "+") in scrubbed
    assert data["address"]["country"] == "US"
    url = scrub_url(
        "https://api.stripe.com/v1/customers?email=jane%40example.com&limit=3", pii=True
    )
    assert "jane" not in url and url.endswith("&limit=3")


def test_only_peoples_names_are_personal() -> None:
    product = encode_form({"name": "Pro plan"})
    assert scrub_body(product, pii=True, url="https://api.stripe.com/v1/products") == product
    invoice = {"object": "invoice", "customer_name": "Jane", "lines": {"data": []}}
    assert "Jane" not in str(scrub_body(json.dumps(invoice), pii=True))
    plan = {"object": "product", "name": "Pro plan"}
    assert scrub_body(json.dumps(plan), pii=True) == json.dumps(plan)


def test_without_pii_personal_data_is_kept() -> None:
    body = "email=jane%40example.com"
    assert scrub_body(body, url="https://api.stripe.com/v1/customers") == body


@PROPERTY
@given(
    st.dictionaries(
        st.sampled_from(["email", "name", "phone", "description"]),
        st.text(min_size=1, max_size=20),
        min_size=1,
    )
)
@example({"email": "scrubbed-0123456789@example.com"})
def test_faking_personal_data_is_deterministic_and_idempotent(values: dict[str, str]) -> None:
    """vcrpy scrubs loaded requests again, so a second pass must change nothing."""
    url = "https://api.stripe.com/v1/customers"
    once = scrub_body(encode_form(values), pii=True, url=url)
    assert scrub_body(encode_form(values), pii=True, url=url) == once
    assert scrub_body(once, pii=True, url=url) == once
    as_json = json.dumps({"object": "customer", **values})
    first = scrub_body(as_json, pii=True)
    assert scrub_body(first, pii=True) == first


# -- matching ----------------------------------------------------------------------------------

params = st.recursive(
    st.text(alphabet="abc1 @", max_size=4),
    lambda children: st.one_of(
        st.lists(children, min_size=1, max_size=3),
        st.dictionaries(st.sampled_from(["a", "b", "email", "x_y"]), children, min_size=1),
    ),
    max_leaves=8,
)


@PROPERTY
@given(
    st.dictionaries(st.sampled_from(["email", "name", "items", "metadata"]), params), st.randoms()
)
def test_parameter_order_never_matters(values: dict[str, Any], rng: random.Random) -> None:
    body = encode_form(values)
    pairs = body.split("&")
    rng.shuffle(pairs)
    assert body_differences("&".join(pairs), body) == []
    assert query_differences("&".join(pairs), body) == []


@NESTED
@given(params, params)
def test_differences_are_empty_exactly_when_equal(a: Any, b: Any) -> None:
    assert (differences(a, b) == []) == (a == b)


def test_differences_name_each_parameter_in_bracket_notation() -> None:
    sent = "email=b%40x.com&items[0][price]=p2&expand[]=latest_invoice&coupon=c"
    recorded = "items[0][price]=p1&email=a%40x.com&metadata[plan]=pro&expand[0]=latest_invoice"
    assert body_differences(sent, recorded) == [
        "coupon: 'c' (not recorded)",
        "email: 'b@x.com' (recorded 'a@x.com')",
        "items[0][price]: 'p2' (recorded 'p1')",
        'metadata: not sent (recorded {"plan": "pro"})',
    ]


def test_json_and_raw_bodies_are_compared_too() -> None:
    assert body_differences(b'{"a": 1, "b": [1]}', '{"b": [1], "a": 1}') == []
    assert body_differences(b'{"a": 1}', b'{"a": 2}') == ["a: 1 (recorded 2)"]
    assert body_differences(b"a[=1", b"a[=1") == []
    assert body_differences(b"a[=1", b"a[=2") == [
        "body: differs (not Stripe parameters, so compared byte for byte)"
    ]
    assert body_differences(None, b"") == []


# -- files -------------------------------------------------------------------------------------


def test_cassette_paths_are_named_after_the_test_or_the_marker(tmp_path: Path) -> None:
    nodeid = "tests/billing/test_signup.py::TestFlow::test_card[eur 3ds]"
    assert cassette_path(tmp_path, None, nodeid=nodeid) == (
        tmp_path / "tests/billing/test_signup/TestFlow.test_card[eur_3ds].yaml"
    )
    assert cassette_path(tmp_path, "flows/signup", nodeid=nodeid) == (
        tmp_path / "flows/signup.yaml"
    )
    assert cassette_path(tmp_path, "signup.json", nodeid=nodeid) == tmp_path / "signup.json"
    for bad in ("/etc/x", "../x", "a/../../x", "", "a\\b"):
        with pytest.raises(CassetteError, match="relative path inside"):
            cassette_path(tmp_path, bad, nodeid=nodeid)


def test_write_atomic_replaces_or_refuses(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "c.yaml"
    write_atomic(target, "one", replace=False)
    with pytest.raises(FileExistsError):
        write_atomic(target, "two", replace=False)
    assert target.read_text() == "one"
    write_atomic(target, "three", replace=True)
    assert target.read_text() == "three"
    target.write_text("")  # vcrpy's "no cassette"
    write_atomic(target, "four", replace=False)
    assert target.read_text() == "four"
    assert oct(target.stat().st_mode & 0o777) == oct(0o644)
    assert sorted(p.name for p in target.parent.iterdir()) == ["c.yaml"]


def test_read_cassette_reports_where_a_cassette_is_malformed(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    cases = {
        "{": "not valid YAML/JSON",
        "[]": "is not a cassette",
        '{"interactions": [1]}': "at /interactions/0: an interaction must be a mapping",
        '{"interactions": [{"request": {}, "response": {}}]}': "/request: needs `method`",
        '{"interactions": [{"request": {"method": "GET", "uri": "/"}, "response": {}}]}': (
            "/response/status: needs an integer `code`"
        ),
    }
    for text, expected in cases.items():
        path.write_text(text)
        with pytest.raises(CassetteError, match=expected.replace("[", r"\[")):
            read_cassette(path)
    with pytest.raises(CassetteError, match="cannot read cassette"):
        read_cassette(tmp_path / "missing.yaml")


def test_headers_are_looked_up_case_insensitively() -> None:
    assert header({"stripe-version": ["2023-08-16"]}, "Stripe-Version") == "2023-08-16"
    assert header({"A": "b"}, "a") == "b"
    assert header({"A": []}, "a") is None
    assert header({}, "a") is None


def test_every_email_field_is_faked_not_only_email() -> None:
    """Stripe names emails `email`, `receipt_email`, `customer_email`, `billing_email`..."""
    body = {
        "object": "invoice",
        "customer_email": "jane@example.org",
        "payment_intent": {"object": "payment_intent", "receipt_email": "jim@example.org"},
        "account_settings": {"billing_email": "ops@example.org"},
    }
    scrubbed = str(scrub_body(json.dumps(body), content_type="application/json", pii=True))
    for email in ("jane@example.org", "jim@example.org", "ops@example.org"):
        assert email not in scrubbed
    assert scrubbed.count("@example.com") == 3
    form = "receipt_email=jim%40example.org&amount=500"
    faked = str(scrub_body(form, pii=True, url="https://api.stripe.com/v1/payment_intents"))
    assert "jim%40example.org" not in faked and "amount=500" in faked
