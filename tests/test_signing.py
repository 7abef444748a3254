"""Stripe-Signature signing and verification, checked against Stripe's own library.

`stripe.WebhookSignature` is the oracle one way (it accepts our headers) and an HMAC written out
here is the oracle the other way (our verifier accepts it). Stripe's library reads the wall clock,
so tests that let it check the timestamp sign at the current time; every other test uses fixed
timestamps.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from typing import Any

import pytest
import stripe
from hypothesis import assume, example, given
from hypothesis import strategies as st

from stripe_contracts.errors import InvalidArgument, StripeContractsError
from stripe_contracts.webhooks import (
    DEFAULT_TOLERANCE,
    SignatureVerificationError,
    sign_payload,
    verify_signature,
)

PAYLOAD = b'{"id": "evt_1NG8Du2eZvKYlo2CUI79vXWy", "object": "event"}'
SECRET = "whsec_test_5WbX5kEWLlfzsGNjH64I8lOOqUB6e8FH"
OLD_SECRET = "whsec_test_old_t8zLg3VXq0cDcW4xBvrC"
T = 1_700_000_000
GOLDEN = "t=1700000000,v1=97236e0fd08e1a28e2981c516cdff4421c12612830768ea5d84feac5fa37b8ee"

secrets = st.text(min_size=1).filter(str.strip)
secret_lists = st.lists(secrets, min_size=1, max_size=3)
timestamps = st.integers(min_value=0, max_value=2**40)


def hmac_header(payload: bytes, secret: str, timestamp: int, *extra: str) -> str:
    """A Stripe-Signature header computed independently of the code under test."""
    signed = str(timestamp).encode() + b"." + payload
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return ",".join([f"t={timestamp}", *extra, f"v1={digest}"])


def stripe_accepts(payload: bytes, header: str, secret: str, tolerance: int | None) -> bool:
    verified: Any = stripe.WebhookSignature.verify_header(
        payload.decode(), header, secret, tolerance
    )
    return bool(verified)


# -- round trip --------------------------------------------------------------------------------


@given(payload=st.binary(), secret=st.one_of(secrets, secret_lists), timestamp=timestamps)
@example(payload=PAYLOAD, secret=SECRET, timestamp=T)
@example(payload=b"", secret=[OLD_SECRET, SECRET], timestamp=0)
def test_signed_payloads_verify(payload: bytes, secret: str | list[str], timestamp: int) -> None:
    header = sign_payload(payload, secret, timestamp)
    count = 1 if isinstance(secret, str) else len(secret)
    assert re.fullmatch(rf"t={timestamp}(,v1=[0-9a-f]{{64}}){{{count}}}", header)
    assert verify_signature(payload, header, secret, now=timestamp) == timestamp
    assert verify_signature(payload, header, secret, now=timestamp + DEFAULT_TOLERANCE) == timestamp


@given(payload=st.binary(), secret=secrets, other=secrets, timestamp=timestamps)
@example(payload=PAYLOAD, secret=SECRET, other=OLD_SECRET, timestamp=T)
def test_other_secrets_do_not_verify(
    payload: bytes, secret: str, other: str, timestamp: int
) -> None:
    assume(other != secret)
    header = sign_payload(payload, secret, timestamp)
    with pytest.raises(SignatureVerificationError, match="no v1 signature"):
        verify_signature(payload, header, other, now=timestamp)


def test_signature_is_byte_stable() -> None:
    assert sign_payload(PAYLOAD, SECRET, T) == GOLDEN


def test_rotation_gives_one_v1_entry_per_secret_in_order() -> None:
    header = sign_payload(PAYLOAD, [OLD_SECRET, SECRET], T)
    old, new = sign_payload(PAYLOAD, OLD_SECRET, T), sign_payload(PAYLOAD, SECRET, T)
    assert header == old + new.removeprefix(f"t={T}")
    for secret in (OLD_SECRET, SECRET, [SECRET], ["whsec_unrelated", OLD_SECRET]):
        assert verify_signature(PAYLOAD, header, secret, now=T) == T


# -- Stripe's library accepts our headers ------------------------------------------------------


@given(payload=st.text(), secret=st.one_of(secrets, secret_lists), timestamp=timestamps)
@example(payload=PAYLOAD.decode(), secret=[OLD_SECRET, SECRET], timestamp=T)
def test_stripe_accepts_our_headers(payload: str, secret: str | list[str], timestamp: int) -> None:
    # tolerance=None makes Stripe skip its wall-clock check, so any timestamp will do here
    header = sign_payload(payload.encode(), secret, timestamp)
    for each in [secret] if isinstance(secret, str) else secret:
        assert stripe_accepts(payload.encode(), header, each, tolerance=None)


def test_stripe_constructs_events_from_our_headers_at_the_current_time() -> None:
    now = int(time.time())
    header = sign_payload(PAYLOAD, [OLD_SECRET, SECRET], now)
    for secret in (OLD_SECRET, SECRET):
        event = stripe.Webhook.construct_event(PAYLOAD, header, secret, tolerance=DEFAULT_TOLERANCE)
        assert event.id == "evt_1NG8Du2eZvKYlo2CUI79vXWy"
    assert stripe_accepts(PAYLOAD, header, SECRET, tolerance=DEFAULT_TOLERANCE)


def test_stripe_generates_the_same_header() -> None:
    header = stripe.WebhookSignature.generate_signature_header(PAYLOAD.decode(), SECRET, T)
    assert header == GOLDEN


def test_stripe_rejects_stale_headers_like_we_do() -> None:
    stale = int(time.time()) - DEFAULT_TOLERANCE - 60
    header = sign_payload(PAYLOAD, SECRET, stale)
    with pytest.raises(stripe.SignatureVerificationError, match="tolerance"):
        stripe_accepts(PAYLOAD, header, SECRET, tolerance=DEFAULT_TOLERANCE)
    with pytest.raises(SignatureVerificationError, match="outside the tolerance"):
        verify_signature(PAYLOAD, header, SECRET, now=stale + DEFAULT_TOLERANCE + 60)


# -- we accept independently computed headers --------------------------------------------------


@given(payload=st.binary(), secret=secrets, timestamp=timestamps)
@example(payload=PAYLOAD, secret=SECRET, timestamp=T)
def test_independent_hmac_headers_verify(payload: bytes, secret: str, timestamp: int) -> None:
    header = hmac_header(payload, secret, timestamp)
    assert verify_signature(payload, header, secret, now=timestamp) == timestamp


def test_v0_and_unknown_entries_are_ignored_beside_a_valid_v1() -> None:
    header = hmac_header(PAYLOAD, SECRET, T, "v0=6ffbb59b2300aae63f272406069a9788598b792a", "x=1")
    assert verify_signature(PAYLOAD, header, SECRET, now=T) == T


def test_a_matching_v1_among_several_is_enough() -> None:
    header = hmac_header(PAYLOAD, SECRET, T, "v1=" + "0" * 64, "v1=not-hex-é")
    assert verify_signature(PAYLOAD, header, SECRET, now=T) == T


def test_bytes_like_payloads_verify() -> None:
    header = hmac_header(PAYLOAD, SECRET, T)
    assert verify_signature(bytearray(PAYLOAD), header, SECRET, now=T) == T  # type: ignore[arg-type]
    assert verify_signature(memoryview(PAYLOAD), header, SECRET, now=T) == T  # type: ignore[arg-type]


# -- rejections --------------------------------------------------------------------------------


@pytest.mark.parametrize("index", [0, 17, len(PAYLOAD) - 1])
def test_tampered_payloads_are_rejected(index: int) -> None:
    header = hmac_header(PAYLOAD, SECRET, T)
    tampered = PAYLOAD[:index] + bytes([PAYLOAD[index] ^ 1]) + PAYLOAD[index + 1 :]
    with pytest.raises(SignatureVerificationError) as caught:
        verify_signature(tampered, header, SECRET, now=T)
    assert caught.value.message == (
        "no v1 signature in the Stripe-Signature header matches the payload: "
        "checked 1 v1 signature against 1 secret"
    )
    assert caught.value.hint is not None
    assert "raw request body bytes" in caught.value.hint


def test_wrong_secrets_are_rejected_and_counted() -> None:
    header = sign_payload(PAYLOAD, [OLD_SECRET, SECRET], T)
    with pytest.raises(SignatureVerificationError) as caught:
        verify_signature(PAYLOAD, header, ["whsec_a", "whsec_b", "whsec_c"], now=T)
    assert caught.value.message.endswith("checked 2 v1 signatures against 3 secrets")
    assert caught.value.hint is not None
    assert "whsec_" in caught.value.hint
    assert SECRET not in str(caught.value)


@pytest.mark.parametrize(
    ("now", "message"),
    [
        (
            T + DEFAULT_TOLERANCE + 1,
            "signature timestamp t=1700000000 is 301 seconds before now=1700000301, "
            "1 seconds outside the tolerance of 300 seconds",
        ),
        (
            T - 1000,
            "signature timestamp t=1700000000 is 1000 seconds after now=1699999000, "
            "700 seconds outside the tolerance of 300 seconds",
        ),
    ],
    ids=["stale", "from-the-future"],
)
def test_timestamps_outside_the_tolerance_are_rejected(now: int, message: str) -> None:
    header = hmac_header(PAYLOAD, SECRET, T)
    with pytest.raises(SignatureVerificationError) as caught:
        verify_signature(PAYLOAD, header, SECRET, now=now)
    assert caught.value.message == message
    assert caught.value.hint is not None
    assert "raise tolerance=" in caught.value.hint
    assert verify_signature(PAYLOAD, header, SECRET, now=now, tolerance=abs(now - T)) == T


def test_the_tolerance_is_inclusive_and_zero_means_exact() -> None:
    header = hmac_header(PAYLOAD, SECRET, T)
    assert verify_signature(PAYLOAD, header, SECRET, now=T - DEFAULT_TOLERANCE) == T
    assert verify_signature(PAYLOAD, header, SECRET, now=T, tolerance=0) == T
    with pytest.raises(SignatureVerificationError, match="1 seconds outside the tolerance of 0"):
        verify_signature(PAYLOAD, header, SECRET, now=T + 1, tolerance=0)


def test_a_valid_signature_is_checked_before_the_timestamp() -> None:
    header = hmac_header(PAYLOAD, SECRET, T)
    with pytest.raises(SignatureVerificationError, match="no v1 signature"):
        verify_signature(PAYLOAD + b" ", header, SECRET, now=T + 10_000)


MALFORMED = [
    pytest.param(None, "no Stripe-Signature header value was given", id="missing"),
    pytest.param("", "no Stripe-Signature header value was given", id="empty"),
    pytest.param("garbage", "cannot parse .* entry 'garbage' is not key=value", id="garbage"),
    pytest.param("t=1,v1", "entry 'v1' is not key=value", id="no-equals"),
    pytest.param("t=1, v1=ab", "entry ' v1=ab' is not key=value", id="space"),
    pytest.param("t=1,v1=ab,", "entry '' is not key=value", id="trailing-comma"),
    pytest.param("t=soon,v1=ab", "t='soon' is not a whole, non-negative number", id="bad-t"),
    pytest.param("t=-5,v1=ab", "t='-5' is not a whole, non-negative number", id="negative-t"),
    pytest.param("t=1,t=2,v1=ab", "it has 2 t= entries, expected one", id="two-t"),
    pytest.param("v1=ab", "header 'v1=ab' has no t= timestamp", id="no-t"),
    pytest.param("t=1,v0=ab", r"has no v1= signature \(found v0=\)", id="only-v0"),
    pytest.param("t=1", r"has no v1= signature \(found nothing but t=\)", id="only-t"),
]


@pytest.mark.parametrize(("header", "message"), MALFORMED)
def test_malformed_headers_are_rejected_with_a_fix(header: str | None, message: str) -> None:
    with pytest.raises(SignatureVerificationError, match=message) as caught:
        verify_signature(PAYLOAD, header, SECRET, now=1)
    assert caught.value.hint
    assert isinstance(caught.value, StripeContractsError)


@pytest.mark.parametrize(
    "header",
    [
        pytest.param(p.values[0], id=p.id)
        for p in MALFORMED
        if p.id not in {"two-t", "negative-t", "trailing-comma"}  # Stripe's parser lets these by
    ],
)
def test_stripe_rejects_the_malformed_headers_too(header: str | None) -> None:
    with pytest.raises(stripe.SignatureVerificationError):
        stripe_accepts(PAYLOAD, header, SECRET, tolerance=None)  # type: ignore[arg-type]


# -- arguments ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("secret", "message"),
    [
        ([], "no webhook signing secret was given"),
        ("", "webhook signing secret #0 is blank"),
        ([SECRET, " \t"], "webhook signing secret #1 is blank"),
        ([SECRET.encode()], "webhook signing secret #0 is a bytes, not text"),
    ],
)
def test_bad_secrets_are_refused(secret: Any, message: str) -> None:
    with pytest.raises(InvalidArgument, match=message):
        sign_payload(PAYLOAD, secret, T)
    with pytest.raises(InvalidArgument, match=message):
        verify_signature(PAYLOAD, GOLDEN, secret, now=T)


@pytest.mark.parametrize(
    ("keywords", "message"),
    [
        ({"now": -1}, "now=-1 is not a whole, non-negative number of seconds"),
        ({"now": 1.5}, "now=1.5 is not"),
        ({"now": T, "tolerance": -1}, "tolerance=-1 is not"),
        ({"now": True}, "now=True is not"),
    ],
)
def test_bad_clocks_are_refused(keywords: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidArgument, match=message):
        verify_signature(PAYLOAD, GOLDEN, SECRET, **keywords)


def test_bad_timestamps_and_text_payloads_are_refused() -> None:
    with pytest.raises(InvalidArgument, match="timestamp=-1 is not"):
        sign_payload(PAYLOAD, SECRET, -1)
    with pytest.raises(
        InvalidArgument, match=r"(?s)payload is a str, not bytes.*\.encode\('utf-8'\)"
    ):
        sign_payload(PAYLOAD.decode(), SECRET, T)  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument, match="payload is a str"):
        verify_signature(PAYLOAD.decode(), GOLDEN, SECRET, now=T)  # type: ignore[arg-type]


@st.composite
def single_byte_changes(draw: st.DrawFn) -> tuple[bytes, int, int]:
    """A payload, an index into it and a new byte value different from the one there."""
    payload = draw(st.binary(min_size=1))
    index = draw(st.integers(0, len(payload) - 1))
    value = draw(st.integers(0, 255).filter(lambda new: new != payload[index]))
    return payload, index, value


@given(change=single_byte_changes(), secret=st.one_of(secrets, secret_lists), timestamp=timestamps)
@example(change=(PAYLOAD, len(PAYLOAD) - 1, ord(" ")), secret=SECRET, timestamp=T)
@example(change=(b"\x00", 0, 0xFF), secret=[OLD_SECRET, SECRET], timestamp=0)
def test_any_single_byte_change_fails_verification(
    change: tuple[bytes, int, int], secret: str | list[str], timestamp: int
) -> None:
    payload, index, value = change
    header = sign_payload(payload, secret, timestamp)
    assert verify_signature(payload, header, secret, now=timestamp) == timestamp
    tampered = payload[:index] + bytes([value]) + payload[index + 1 :]
    with pytest.raises(SignatureVerificationError, match="no v1 signature"):
        verify_signature(tampered, header, secret, now=timestamp)


# -- hostile headers ---------------------------------------------------------------------------


def test_a_signature_with_its_last_hex_character_changed_is_rejected() -> None:
    """Every character of the digest counts: a check of only a prefix would accept these."""
    header = hmac_header(PAYLOAD, SECRET, T)
    digest = header.rsplit("v1=", 1)[1]
    assert verify_signature(PAYLOAD, header, SECRET, now=T) == T
    flip = {c: "0123456789abcdef"[(int(c, 16) + 1) % 16] for c in "0123456789abcdef"}
    changed = [digest[:i] + flip[digest[i]] + digest[i + 1 :] for i in range(len(digest))]
    for forged in [changed[-1], *changed, digest[:-1], digest[:8], digest + "0"]:
        with pytest.raises(SignatureVerificationError, match="no v1 signature"):
            verify_signature(PAYLOAD, f"t={T},v1={forged}", SECRET, now=T)


HUGE_T = "t=" + "9" * 5000 + ",v1=" + "a" * 64


@pytest.mark.parametrize(
    "header",
    [
        HUGE_T,
        "t=" + "1" * 4301 + ",v1=ab",
        "t=" + "1" * 21 + ",v1=ab",
        "t=\u0661\u0667" + "\u0660" * 8 + ",v1=ab",  # Arabic-Indic digits: int() takes them
        "t=1700000000\n,v1=ab",
        "t=\uff11\uff17,v1=ab",  # fullwidth digits
        "t=1,v1=\udcff",
        "t=1,ünï=x,v1=ab",
        ",".join(f"k{i}=x" for i in range(2000)) + ",t=1",
    ],
    ids=[
        "5000-digit-t",
        "4301-digit-t",
        "21-digit-t",
        "arabic-digits",
        "newline",
        "fullwidth",
        "surrogate",
        "non-ascii-key",
        "2000-keys",
    ],
)
def test_hostile_headers_raise_only_signature_verification_error(header: str) -> None:
    with pytest.raises(SignatureVerificationError) as caught:
        verify_signature(PAYLOAD, header, SECRET, now=T)
    assert len(str(caught.value)) < 1500  # the header is quoted only in part


def test_the_longest_allowed_timestamp_still_verifies() -> None:
    header = hmac_header(PAYLOAD, SECRET, 10**20 - 1)
    assert verify_signature(PAYLOAD, header, SECRET, now=10**20 - 1) == 10**20 - 1


header_entries = st.one_of(
    st.text(max_size=30),
    st.text(alphabet="0123456789", max_size=6000).map("t={}".format),
    st.text(max_size=12).map("t={}".format),
    st.text(alphabet="0123456789abcdef", max_size=70).map("v1={}".format),
    st.text(max_size=70).map("v1={}".format),
    st.from_regex(r"\A\w{0,8}=.{0,20}\Z"),
)


@given(header=st.one_of(st.text(), st.lists(header_entries, max_size=6).map(",".join)))
@example(header=HUGE_T)
@example(header=GOLDEN[:-1] + "f")
def test_any_header_string_gives_a_timestamp_or_signature_verification_error(
    header: str,
) -> None:
    try:
        verify_signature(PAYLOAD, header, SECRET, now=T)
    except SignatureVerificationError as exc:
        assert len(str(exc)) < 1500
