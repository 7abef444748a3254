"""One exception tree for everything stripe-contracts raises on purpose.

Each error says what failed, where, and how to fix it. Named constructors keep those three
parts together so messages stay uniform across the package.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from stripe_contracts.validation import Violation


class StripeContractsError(Exception):
    """Base class: a user mistake or bad input, reported in one precise message."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(f"{message}\n  hint: {hint}" if hint else message)


class SpecError(StripeContractsError):
    """A spec could not be found, read, parsed or trusted."""

    @classmethod
    def missing(cls, source: str) -> SpecError:
        return cls(
            f"no Stripe OpenAPI spec at {source}",
            hint="pass --stripe-spec / spec=PATH, or set STRIPE_CONTRACTS_SPEC to a spec file "
            "or a directory of specs",
        )

    @classmethod
    def unreadable(cls, source: str, reason: str) -> SpecError:
        return cls(
            f"cannot parse spec {source}: {reason}",
            hint="the file must be a complete OpenAPI 3.0 document in JSON or YAML; "
            "download it again if it was truncated",
        )

    @classmethod
    def not_openapi(cls, source: str) -> SpecError:
        return cls(
            f"{source} is not an OpenAPI document (no 'openapi' version and 'components.schemas')",
            hint="use Stripe's spec3.json / spec3.yaml from github.com/stripe/openapi",
        )

    @classmethod
    def checksum(cls, source: str, expected: str, actual: str) -> SpecError:
        return cls(
            f"checksum mismatch for {source}: expected sha256 {expected}, got {actual}",
            hint="the download is not the pinned spec; update the pinned sha256 only if you "
            "meant to change the spec version",
        )

    @classmethod
    def no_version(cls, source: str, wanted: str, available: Sequence[str]) -> SpecError:
        listed = ", ".join(sorted(available)) or "none"
        return cls(
            f"no spec for Stripe API version {wanted!r} in {source} (available: {listed})",
            hint="pick one of the available versions with --stripe-api-version / "
            "api_version=..., or add that version's spec3.json",
        )


class UnknownObjectType(StripeContractsError):
    """The object's `object` field names no resource in the loaded spec."""


class ContractViolation(StripeContractsError, AssertionError):
    """An object does not satisfy Stripe's spec; raised by `assert_valid`."""

    def __init__(self, violations: Sequence[Violation]) -> None:
        self.violations = list(violations)
        lines = [v.message for v in self.violations]
        count = len(lines)
        head = f"{count} contract violation{'s' if count != 1 else ''}:"
        super().__init__("\n  ".join([head, *lines]))


class InvalidArgument(StripeContractsError):
    """A builder or CLI argument is outside what is allowed."""

    @classmethod
    def choice(cls, name: str, value: object, allowed: Sequence[object]) -> InvalidArgument:
        options = ", ".join(repr(a) for a in allowed)
        return cls(f"{name}={value!r} is not allowed", hint=f"use one of: {options}")
