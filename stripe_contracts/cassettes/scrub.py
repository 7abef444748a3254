"""Keep secrets (always) and personal data (on request) out of recorded Stripe traffic.

Works on plain values - URLs, header mappings, bodies as text or bytes - so it knows nothing
about the recording library. Every function is deterministic: the same input always scrubs
to the same output, which is what lets a scrubbed recording still match the live request
that is scrubbed the same way at replay.

- Secrets (always): `sk_`/`rk_` API keys, `whsec_` signing secrets, `pk_live_` keys, `ek_`
  ephemeral keys, Connect `rt_` refresh tokens and client secrets (`pi_..._secret_...`)
  become a fixed marker naming their kind (`sk-test-scrubbed`, `client-secret-scrubbed`, ...)
  wherever they appear; so do card numbers (13 to 19 digits a card network issues that pass
  the Luhn check) and the values of `cvc`, `account_number`, `iban` and `client_secret`
  fields in form and JSON bodies. `Authorization`, `Proxy-Authorization`, `Stripe-Account`,
  `Cookie` and `Set-Cookie` headers are replaced. `find_secrets` finds every one of these.
- Personal data (`pii=True`): emails, phone numbers, people's names, street addresses and
  tax ids (customer tax ids' values, `tax_id`, `vat_id`, `id_number`, `ssn_last_4`), found
  by field name in JSON and form bodies and query strings, become fakes derived from a hash
  of the value: the same email is the same fake email everywhere in every cassette.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any, Final
from urllib.parse import quote_plus, unquote_plus, urlsplit, urlunsplit

from stripe_contracts.errors import StripeContractsError

__all__ = [
    "REDACTED",
    "LiveKeyRefused",
    "SecretFound",
    "find_secrets",
    "is_live_key",
    "scrub_body",
    "scrub_headers",
    "scrub_secrets",
    "scrub_url",
]

REDACTED: Final = "<scrubbed>"
_SENSITIVE_HEADERS: Final = frozenset(
    {"authorization", "proxy-authorization", "stripe-account", "cookie", "set-cookie"}
)
_BOUNDARY: Final = r"(?:(?<![0-9A-Za-z])|(?<=%[0-9A-Fa-f]{2}))"
_SECRET: Final = re.compile(
    r"(?P<kind>(?:sk|rk|ek|rt)_(?:test|live)|whsec|pk_live)_[0-9A-Za-z][0-9A-Za-z_]*"
    rf"|{_BOUNDARY}(?P<client>[a-z]{{2,6}}_[0-9A-Za-z_]+?_secret_[0-9A-Za-z]+)"
    rf"|{_BOUNDARY}(?P<bare>sk|rk|rt)_[0-9A-Za-z]{{20,}}"
    r"|(?<![0-9A-Za-z])(?P<card>[2-6][0-9]{12,18})(?![0-9A-Za-z])"
)
#: Fields whose values are secret whatever they look like: a card's security code, a bank
#: account's number, a PaymentIntent's or SetupIntent's client secret. As a form pair
#: (`card[cvc]=123`, brackets maybe percent-encoded) or a JSON member (`"cvc": "123"`, its
#: quotes maybe escaped inside a serialized cassette).
_FIELDS: Final = r"(?P<field>cvc|account_number|iban|client_secret)"
_FIELD_VALUE: Final = re.compile(
    rf"(?:(?<=[?&\[;])|(?<=%5[Bb])|^){_FIELDS}(?P<close>\]|%5[Dd])?="
    r"(?P<value>[^&\s\"'\\]+)"
    rf"|(?P<q>\\?\"){_FIELDS.replace('field', 'jfield')}(?P=q)\s*:\s*(?P<open>(?P=q)?)"
    r"(?P<jvalue>[^\"\\,}\s]+)",
    re.MULTILINE,
)
_LIVE_KEY: Final = re.compile(r"(?:sk|rk)_live_[0-9A-Za-z]+")


class LiveKeyRefused(StripeContractsError):
    """Recording was asked for with a live-mode Stripe key."""

    def __init__(self, where: str) -> None:
        super().__init__(
            f"refusing to record Stripe traffic with a live-mode key ({where}); no request "
            "was sent",
            hint="record cassettes with a test-mode key (sk_test_... / rk_test_...), or replay "
            "them with --stripe-record-mode=none",
        )


class SecretFound(StripeContractsError):
    """A secret survived scrubbing; the file that would have held it was not written."""

    def __init__(self, path: str, kinds: list[str]) -> None:
        super().__init__(
            f"not writing {path}: it would contain {', '.join(kinds)} (the values are not "
            "shown here)",
            hint="this is a bug in stripe-contracts' scrubbing or in a before_record hook that "
            "put a secret back; please report it",
        )


def _kind(match: re.Match[str]) -> str | None:
    """The kind of secret `match` found, or None for digits that are no card number."""
    if match.group("card") is not None:
        return "card_number" if _is_card_number(match.group("card")) else None
    if match.group("client") is not None:
        return "client_secret"
    return match.group("kind") or match.group("bare")


def _is_card_number(digits: str) -> bool:
    """The Luhn check every card number passes (ISO/IEC 7812)."""
    total = 0
    for position, digit in enumerate(int(d) for d in reversed(digits)):
        if position % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def _marker(match: re.Match[str]) -> str:
    kind = _kind(match)
    return match.group(0) if kind is None else f"{kind.replace('_', '-')}-scrubbed"


def _field_marker(match: re.Match[str]) -> str:
    field = match.group("field") or match.group("jfield")
    marker = f"{field.replace('_', '-')}-scrubbed"
    if match.group("field"):
        return f"{field}{match.group('close') or ''}={marker}"
    quote = match.group("q")
    if match.group("open"):
        return f"{quote}{field}{quote}: {quote}{marker}"  # its closing quote stays
    return f"{quote}{field}{quote}: {quote}{marker}{quote}"  # a number becomes a string


def scrub_secrets(text: str) -> str:
    """`text` with every Stripe secret replaced by a marker naming its kind."""
    return _FIELD_VALUE.sub(_field_marker, _SECRET.sub(_marker, text))


def find_secrets(text: str) -> list[str]:
    """The kinds of secret in `text` (`sk_test`, `cvc`, ...) - never the secrets themselves."""
    kinds = {_kind(m) for m in _SECRET.finditer(text)}
    for match in _FIELD_VALUE.finditer(text):
        field = match.group("field") or match.group("jfield")
        value = match.group("value") or match.group("jvalue")
        if value != f"{field.replace('_', '-')}-scrubbed":
            kinds.add(field)
    return sorted(kind for kind in kinds if kind is not None)


def is_live_key(value: str) -> bool:
    """Whether `value` holds a live-mode secret or restricted key, also inside Basic auth."""
    if _LIVE_KEY.search(value):
        return True
    scheme, _, credentials = value.partition(" ")
    if scheme.lower() == "basic" and credentials:
        try:
            decoded = base64.b64decode(credentials.strip(), validate=True).decode("latin-1")
        except (binascii.Error, ValueError):
            return False
        return bool(_LIVE_KEY.search(decoded))
    return False


def scrub_headers(headers: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of `headers` with credentials replaced and secrets scrubbed from every value.

    Values may be strings or lists of strings (vcrpy stores response headers as lists).
    """
    out: dict[str, Any] = {}
    for name, value in headers.items():
        sensitive = name.lower() in _SENSITIVE_HEADERS
        if isinstance(value, list | tuple):
            out[name] = [_scrub_header(name, str(v), sensitive) for v in value]
        elif value is None:
            out[name] = value
        else:
            out[name] = _scrub_header(name, str(value), sensitive)
    return out


def _scrub_header(name: str, value: str, sensitive: bool) -> str:
    if not sensitive:
        return scrub_secrets(value)
    scheme, space, _ = value.partition(" ")
    if name.lower().endswith("authorization") and space:
        return f"{scheme} {REDACTED}"  # keep "Bearer" / "Basic": it says what was sent
    return REDACTED


def scrub_url(url: str, *, pii: bool = False) -> str:
    """`url` with secrets scrubbed and, if `pii`, personal data in its query string faked."""
    if pii:
        parts = urlsplit(url)
        if parts.query:
            query = _scrub_pairs(parts.query, person=_is_person_path(parts.path))
            url = urlunsplit(parts._replace(query=query))
    return scrub_secrets(url)


def scrub_body(
    body: str | bytes | None,
    *,
    content_type: str | None = None,
    pii: bool = False,
    url: str = "",
) -> str | bytes | None:
    """`body` (same type back) with secrets scrubbed and, if `pii`, personal data faked.

    JSON bodies are walked as data; form bodies pair by pair, so the rest of the body keeps its
    exact bytes. `url` (the request's) tells a customer's `name` from a product's.
    """
    if body is None or body in (b"", ""):
        return body
    if isinstance(body, bytes):
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:  # binary: secrets are ASCII, so scrub bytewise
            return scrub_secrets(body.decode("latin-1")).encode("latin-1")
        scrubbed = _scrub_text(text, content_type, pii, url)
        return body if scrubbed == text else scrubbed.encode("utf-8")
    return _scrub_text(body, content_type, pii, url)


def _scrub_text(text: str, content_type: str | None, pii: bool, url: str) -> str:
    if pii:
        kind = (content_type or "").lower()
        stripped = text.lstrip()
        if "json" in kind or (not kind and stripped[:1] in ("{", "[")):
            text = _scrub_json_text(text)
        elif "x-www-form-urlencoded" in kind or (not kind and "=" in text):
            text = _scrub_pairs(text, person=_is_person_path(urlsplit(url).path))
    return scrub_secrets(text)


# -- personal data -----------------------------------------------------------------------------

_PERSON_CONTAINERS: Final = frozenset(
    {
        "billing_details",
        "customer_details",
        "customer_shipping",
        "individual",
        "owner",
        "person",
        "representative",
        "shipping",
    }
)
_ADDRESS_PARTS: Final = frozenset({"line1", "line2", "city", "postal_code"})
#: Fields holding a person's or a company's tax or identity number, and the lists of tax id
#: objects (`{"type": "eu_vat", "value": ...}`) whose `value` is one.
_TAX_ID_FIELDS: Final = frozenset(
    {"tax_id", "vat_id", "id_number", "personal_id_number", "ssn_last_4"}
)
_TAX_ID_LISTS: Final = frozenset({"tax_id_data", "tax_ids", "customer_tax_ids"})


def _pii_kind(path: tuple[str, ...], person: bool) -> str | None:
    """What kind of personal data the field at `path` holds, if any.

    `person`: the object holding the field is a person (a customer), so its `name` is a
    person's name. Products and prices have names too; those are left alone.
    """
    keys = [segment for segment in path if not segment.isdigit() and segment != ""]
    if not keys:
        return None
    last = keys[-1]
    parent = keys[-2] if len(keys) > 1 else ""
    if last == "email" or last.endswith("_email"):
        return "email"
    if last == "phone" or last.endswith("_phone"):
        return "phone"
    if last == "customer_name" or (
        last == "name" and (parent in _PERSON_CONTAINERS or (person and len(keys) == 1))
    ):
        return "name"
    if last in _ADDRESS_PARTS and any(k == "address" or k.endswith("_address") for k in keys[:-1]):
        return last
    if last in _TAX_ID_FIELDS or (last == "value" and _TAX_ID_LISTS & set(keys[:-1])):
        return "tax_id"
    return None


_FAKES: Final = {
    "email": re.compile(r"scrubbed-[0-9a-f]{10}@example\.com"),
    "phone": re.compile(r"\+1555010[0-9]{4}"),
    "name": re.compile(r"Scrubbed [0-9a-f]{8}"),
    "line1": re.compile(r"[0-9]+ Scrubbed Street"),
    "line2": re.compile(r"Scrubbed Unit [0-9]+"),
    "city": re.compile(r"Scrubbed City [0-9a-f]{6}"),
    "postal_code": re.compile(r"000[0-9]{2}"),
    "tax_id": re.compile(r"SCRUBBED[0-9A-F]{8}"),
}


def _fake(kind: str, value: str) -> str:
    """A stand-in for `value`: derived from its hash, and recognisably fake.

    A fake is returned unchanged (vcrpy scrubs recorded requests again when it loads them,
    so scrubbing must be idempotent). US ZIP codes 000xx and phone numbers 555-010x do not
    exist, so real values are never mistaken for fakes.
    """
    if _FAKES[kind].fullmatch(value):
        return value
    digest = hashlib.sha256(f"stripe-contracts:{kind}:{value}".encode()).hexdigest()
    number = int(digest[:12], 16)
    fakes = {
        "email": f"scrubbed-{digest[:10]}@example.com",
        "phone": f"+1555010{number % 10000:04d}",
        "name": f"Scrubbed {digest[:8]}",
        "line1": f"{number % 9999 + 1} Scrubbed Street",
        "line2": f"Scrubbed Unit {number % 999 + 1}",
        "city": f"Scrubbed City {digest[:6]}",
        "postal_code": f"000{number % 100:02d}",
        "tax_id": f"SCRUBBED{digest[:8].upper()}",
    }
    return fakes[kind]


def _scrub_json_text(text: str) -> str:
    try:
        data = json.loads(text)
    except ValueError:
        return text
    scrubbed = _scrub_json(data, (), person=False)
    if scrubbed == data:
        return text
    indent = 2 if "\n" in text.strip() else None
    return json.dumps(scrubbed, indent=indent, ensure_ascii=False)


def _scrub_json(node: Any, path: tuple[str, ...], person: bool) -> Any:
    if isinstance(node, dict):
        if node.get("object") == "tax_id" and isinstance(node.get("value"), str):
            node = {**node, "value": _fake("tax_id", node["value"])}  # a tax id on its own
        is_person = node.get("object") == "customer"
        base = () if is_person else path
        return {
            key: _scrub_json(value, (*base, str(key)), is_person) for key, value in node.items()
        }
    if isinstance(node, list):
        return [_scrub_json(item, (*path, str(i)), person) for i, item in enumerate(node)]
    if isinstance(node, str) and node:
        kind = _pii_kind(path, person)
        if kind is not None:
            return _fake(kind, node)
    return node


def _scrub_pairs(encoded: str, *, person: bool) -> str:
    """Fake personal values in a form body / query string, leaving every other byte alone."""
    pairs = encoded.split("&")
    for index, pair in enumerate(pairs):
        raw_name, equals, raw_value = pair.partition("=")
        if not equals or not raw_value:
            continue
        name = unquote_plus(raw_name)
        kind = _pii_kind(tuple(re.split(r"\]?\[|\]", name.rstrip("]"))), person)
        if kind is not None:
            pairs[index] = f"{raw_name}={quote_plus(_fake(kind, unquote_plus(raw_value)))}"
    return "&".join(pairs)


def _is_person_path(path: str) -> bool:
    return path.rstrip("/").startswith("/v1/customers")
