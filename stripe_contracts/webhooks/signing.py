"""Stripe-Signature headers: sign a webhook payload and verify one, as pure functions.

The scheme is Stripe's own: the header is `t=<unix seconds>,v1=<hex digest>`, where the digest is
HMAC-SHA256 keyed with the whole signing secret (the `whsec_...` text, UTF-8 encoded) over
`b"<t>." + payload`. Several secrets, as during a secret rotation, give several `v1=` entries.
Every function takes its clock as an argument; nothing here reads the time.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Sequence

from stripe_contracts.errors import InvalidArgument, StripeContractsError

__all__ = [
    "DEFAULT_TOLERANCE",
    "SignatureVerificationError",
    "check_webhook_secret",
    "sign_payload",
    "verify_signature",
]

DEFAULT_TOLERANCE = 300
"""Seconds a signature timestamp may differ from `now`; the same default as Stripe's libraries."""

_SCHEME = "v1"
_SHAPE = "'t=<unix seconds>,v1=<hex HMAC-SHA256>'"
_ENTRY = re.compile(r"(\w+)=(.*)", re.ASCII | re.DOTALL)
#: Unix seconds as decimal ASCII digits, at most 20 of them (any 64-bit time): a longer `t=`
#: is a forgery, and int() of thousands of digits would raise a bare ValueError.
_MAX_DIGITS = 20
_SECONDS = re.compile(rf"[0-9]{{1,{_MAX_DIGITS}}}")
#: How much of a header an error message quotes: it is attacker-controlled and may be huge.
_QUOTED = 120


class SignatureVerificationError(StripeContractsError):
    """A Stripe-Signature header does not prove that this payload was signed with these secrets."""

    @classmethod
    def missing_header(cls) -> SignatureVerificationError:
        return cls(
            "no Stripe-Signature header value was given",
            hint="pass the value of the request's Stripe-Signature header (header names are "
            "case-insensitive); sign test payloads with sign_payload()",
        )

    @classmethod
    def unparseable(cls, header: str, reason: str) -> SignatureVerificationError:
        return cls(
            f"cannot parse Stripe-Signature header {_quote(header)}: {reason}",
            hint=f"the header must look like {_SHAPE}, comma-separated without spaces; pass the "
            "raw header value exactly as received",
        )

    @classmethod
    def no_timestamp(cls, header: str) -> SignatureVerificationError:
        return cls(
            f"Stripe-Signature header {_quote(header)} has no t= timestamp",
            hint=f"the header must look like {_SHAPE}; sign with sign_payload(), which writes t=",
        )

    @classmethod
    def no_signatures(cls, header: str, keys: Sequence[str]) -> SignatureVerificationError:
        found = ", ".join(f"{key}=" for key in keys) or "nothing but t="
        if len(found) > _QUOTED:
            found = f"{found[:_QUOTED]}... ({len(keys)} entries)"
        return cls(
            f"Stripe-Signature header {_quote(header)} has no v1= signature (found {found})",
            hint="only v1 (HMAC-SHA256) signatures are checked; other schemes such as Stripe's "
            "test-mode v0 are ignored to prevent downgrade attacks; sign with sign_payload(), "
            "which writes one v1= entry per secret",
        )

    @classmethod
    def outside_tolerance(
        cls, timestamp: int, now: int, tolerance: int
    ) -> SignatureVerificationError:
        skew = now - timestamp
        when = f"{skew} seconds before" if skew > 0 else f"{-skew} seconds after"
        return cls(
            f"signature timestamp t={timestamp} is {when} now={now}, {abs(skew) - tolerance} "
            f"seconds outside the tolerance of {tolerance} seconds",
            hint="sign and verify with the same clock, pass the delivery time as now=, or raise "
            f"tolerance= (to at least {abs(skew)}) if the delay is intended, e.g. when "
            "replaying recorded deliveries",
        )

    @classmethod
    def no_match(cls, signatures: int, secrets: int) -> SignatureVerificationError:
        return cls(
            f"no v1 signature in the Stripe-Signature header matches the payload: checked "
            f"{_count(signatures, 'v1 signature')} against {_count(secrets, 'secret')}",
            hint="use the endpoint's whole whsec_... signing secret (test and live mode differ; "
            "pass old and new secrets while rotating) and verify the raw request body bytes, "
            "not re-serialised JSON",
        )


def sign_payload(payload: bytes, secret: str | Sequence[str], timestamp: int) -> str:
    """Return the Stripe-Signature header value for `payload` signed at `timestamp`.

    `secret` is one signing secret or several (a rotation); each gives one `v1=` entry, in order.
    """
    secrets = _secrets(secret)
    _check_payload(payload)
    _check_seconds("timestamp", timestamp)
    entries = [f"{_SCHEME}={_digest(payload, each, timestamp)}" for each in secrets]
    return ",".join([f"t={timestamp}", *entries])


def verify_signature(
    payload: bytes,
    header: str | None,
    secret: str | Sequence[str],
    *,
    now: int,
    tolerance: int = DEFAULT_TOLERANCE,
) -> int:
    """Return the header's timestamp if a `v1=` signature matches `payload` under any secret.

    The timestamp must lie within `tolerance` seconds of `now` on either side; Stripe's own
    libraries reject only old timestamps, but one ahead of `now` means two clocks disagree.
    Raises `SignatureVerificationError` saying what is wrong with the header and how to fix it.
    """
    secrets = _secrets(secret)
    _check_payload(payload)
    _check_seconds("now", now)
    _check_seconds("tolerance", tolerance)
    if not header:
        raise SignatureVerificationError.missing_header()
    timestamp, signatures = _parse(header)
    expected = [_digest(payload, each, timestamp).encode() for each in secrets]
    received = [signature.encode("ascii", "replace") for signature in signatures]
    if not any(hmac.compare_digest(e, r) for e in expected for r in received):
        raise SignatureVerificationError.no_match(len(signatures), len(secrets))
    if abs(now - timestamp) > tolerance:
        raise SignatureVerificationError.outside_tolerance(timestamp, now, tolerance)
    return timestamp


def _digest(payload: bytes, secret: str, timestamp: int) -> str:
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode(), hashlib.sha256)
    mac.update(payload)
    return mac.hexdigest()


def _parse(header: str) -> tuple[int, list[str]]:
    timestamps: list[str] = []
    signatures: list[str] = []
    others: list[str] = []
    for entry in header.split(","):
        match = _ENTRY.fullmatch(entry)
        if match is None:
            raise SignatureVerificationError.unparseable(
                header, f"entry {_quote(entry)} is not key=value"
            )
        key, value = match.groups()
        if key == "t":
            timestamps.append(value)
        elif key == _SCHEME:
            signatures.append(value)
        else:
            others.append(key)
    if not timestamps:
        raise SignatureVerificationError.no_timestamp(header)
    if len(timestamps) > 1:
        reason = f"it has {len(timestamps)} t= entries, expected one"
        raise SignatureVerificationError.unparseable(header, reason)
    if not _SECONDS.fullmatch(timestamps[0]):
        reason = (
            f"t={_quote(timestamps[0])} is not a whole, non-negative number of Unix seconds "
            f"(at most {_MAX_DIGITS} digits 0-9)"
        )
        raise SignatureVerificationError.unparseable(header, reason)
    if not signatures:
        raise SignatureVerificationError.no_signatures(header, others)
    return int(timestamps[0]), signatures


def _secrets(secret: str | Sequence[str]) -> tuple[str, ...]:
    secrets = (secret,) if isinstance(secret, str) else tuple(secret)
    if not secrets:
        raise InvalidArgument(
            "no webhook signing secret was given",
            hint="pass the endpoint's whsec_... secret, or a list of secrets while rotating",
        )
    for position, each in enumerate(secrets):
        if not isinstance(each, str):
            raise InvalidArgument(
                f"webhook signing secret #{position} is a {type(each).__name__}, not text",
                hint="pass the whsec_... secret as a str, exactly as the Dashboard shows it",
            )
        if not each.strip():
            raise InvalidArgument(
                f"webhook signing secret #{position} is blank",
                hint="pass the endpoint's whsec_... secret; Stripe refuses blank secrets too",
            )
        try:
            each.encode("utf-8")
        except UnicodeEncodeError as exc:  # e.g. a non-UTF-8 byte of argv, kept as a surrogate
            raise InvalidArgument(
                f"webhook signing secret #{position} is not valid UTF-8 text (character "
                f"{exc.start + 1} cannot be encoded)",
                hint="copy the whsec_... secret again from the Dashboard; it is plain ASCII",
            ) from None
    return secrets


def _check_payload(payload: bytes) -> None:
    if not isinstance(payload, bytes | bytearray | memoryview):
        raise InvalidArgument(
            f"the webhook payload is a {type(payload).__name__}, not bytes",
            hint="pass the raw request body bytes; encode text with .encode('utf-8')",
        )


def _check_seconds(name: str, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidArgument(
            f"{name}={value!r} is not a whole, non-negative number of seconds",
            hint="pass an int, e.g. a Unix timestamp from the test's explicit clock",
        )


def _quote(text: str) -> str:
    """`text` as repr() shows it, cut to its first characters if it is long."""
    if len(text) <= _QUOTED:
        return repr(text)
    return f"{text[:_QUOTED]!r}... ({len(text)} characters)"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def check_webhook_secret(secret: str, *, name: str = "webhook secret") -> str:
    """`secret` if it looks like an endpoint's signing secret (`whsec_` + text, no whitespace),
    else `InvalidArgument` naming `name`. For what users type or paste (the CLI, the webhook
    tester); `sign_payload` itself signs with any text, as Stripe's libraries do."""
    hint = (
        "copy the endpoint's signing secret exactly as the Dashboard (Developers > Webhooks > "
        "Signing secret) or `stripe listen` prints it: whsec_ then letters and digits"
    )
    if not isinstance(secret, str):
        raise InvalidArgument(f"{name} is a {type(secret).__name__}, not text", hint=hint)
    if any(c.isspace() for c in secret):
        where = "leading or trailing " if secret.strip() != secret else ""
        raise InvalidArgument(f"{name} {secret!r} contains {where}whitespace", hint=hint)
    if not secret.startswith("whsec_") or secret == "whsec_":
        raise InvalidArgument(f"{name} {secret!r} does not start with 'whsec_'", hint=hint)
    return secret
